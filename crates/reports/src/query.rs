//! `query` — ad-hoc counts: rows × columns over persons, participations or exits.

use crate::data::{Dataset, Participation};
use crate::definitions as d;
use crate::figure::{Member, Report, Row, Table, Text};
use crate::rules::{Period, age, at_exit_outcome, by_person, exited_in, person_at_exit};
use crate::{Options, ReportError, labels};
use indexmap::{IndexMap, IndexSet};
use lotse_bundle::spec;
use std::collections::{BTreeSet, HashMap};

pub const DIMENSIONS: &[&str] = &[
    "program",
    "module",
    "offer",
    "provider",
    "district",
    "delivery",
    "gender",
    "age_band",
    "residence_status",
    "migration_background",
    "single_parent",
    "labour_status",
    "outcome_at_exit",
    "exit_reason",
    "entry_year",
];
pub const MEASURES: &[&str] = &["persons", "participations", "exits"];
pub const DEFAULT_AGE_BANDS: &[i32] = &[18, 30, 55];

/// The closed list of values of a coded dimension (in display order), or
/// `None` for dimensions whose values are ids or years.
fn codes(dim: &str) -> Option<Vec<String>> {
    let list: &[&str] = match dim {
        "delivery" => spec::DELIVERY,
        "gender" => spec::GENDER,
        "residence_status" => spec::RESIDENCE,
        "migration_background" | "single_parent" => spec::YES_NO,
        "labour_status" => spec::LABOUR,
        "exit_reason" => spec::EXIT_REASON,
        "outcome_at_exit" => {
            let mut v: Vec<String> = spec::OUTCOME_KIND.iter().map(|s| s.to_string()).collect();
            v.push("not_left".into());
            v.push("unknown".into());
            return Some(v);
        }
        _ => return None,
    };
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    if !list.contains(&"unknown") {
        v.push("unknown".into());
    }
    Some(v)
}

/// The age bands' names for bounds `[18, 30, 55]`: `under_18`, `18_29`, `30_54`, `55_plus`.
pub fn band_names(bounds: &[i32]) -> Vec<String> {
    let mut v = vec![format!("under_{}", bounds[0])];
    for w in bounds.windows(2) {
        v.push(format!("{}_{}", w[0], w[1] - 1));
    }
    v.push(format!("{}_plus", bounds[bounds.len() - 1]));
    v
}

fn band(bounds: &[i32], names: &[String], age: i32) -> String {
    names[bounds.iter().take_while(|&&b| age >= b).count()].clone()
}

pub fn check(opts: &Options) -> Result<(), ReportError> {
    if opts.rows.is_empty() || opts.rows.len() > 2 {
        return Err(ReportError::Invalid(
            "--rows",
            "eine oder zwei Dimensionen, durch Komma getrennt".into(),
            "one or two dimensions, separated by a comma".into(),
        ));
    }
    for dim in opts.rows.iter().chain(opts.cols.iter()) {
        if !DIMENSIONS.contains(&dim.as_str()) {
            return Err(ReportError::UnknownDimension(dim.clone()));
        }
    }
    if opts.cols.is_none() {
        return Err(ReportError::Invalid("--cols", "eine Dimension".into(), "one dimension".into()));
    }
    if !MEASURES.contains(&opts.measure.as_str()) {
        return Err(ReportError::Invalid(
            "--measure",
            "persons, participations oder exits".into(),
            "persons, participations or exits".into(),
        ));
    }
    let b = &opts.age_bands;
    if b.is_empty() || b.windows(2).any(|w| w[0] >= w[1]) || b[0] <= 0 {
        return Err(ReportError::Invalid(
            "--age-bands",
            "aufsteigende Altersgrenzen, z. B. 18,30,55".into(),
            "increasing ages, e.g. 18,30,55".into(),
        ));
    }
    Ok(())
}

struct Ctx<'a> {
    data: &'a Dataset,
    period: Period,
    offer_program: Vec<Option<&'a str>>,
    bounds: &'a [i32],
    bands: Vec<String>,
}

impl Ctx<'_> {
    /// The value of `dim` for participation `p`; `person_age` and
    /// `person_outcome` are the person-level values where the measure is persons.
    fn value(
        &self,
        dim: &str,
        p: &Participation,
        age_on: Option<chrono::NaiveDate>,
        person_outcome: Option<&str>,
    ) -> String {
        let person = &self.data.persons[p.person];
        let offer = &self.data.offers[p.offer];
        let opt = |v: Option<&str>| v.unwrap_or("unknown").to_string();
        match dim {
            "program" => opt(self.offer_program[p.offer]),
            "module" => opt(offer.module_id.as_deref()),
            "offer" => offer.id.clone(),
            "provider" => offer.provider_id.clone(),
            "district" => opt(person.district_id.as_deref()),
            "delivery" => offer.delivery.to_string(),
            "gender" => person.gender.to_string(),
            "age_band" => match (person.birth_date, age_on) {
                (Some(b), Some(on)) => band(self.bounds, &self.bands, age(b, on)),
                _ => "unknown".into(),
            },
            "residence_status" => opt(person.residence_status),
            "migration_background" => opt(person.migration_background),
            "single_parent" => opt(person.single_parent),
            "labour_status" => opt(person.labour_status),
            "outcome_at_exit" => match person_outcome {
                Some(o) => o.to_string(),
                None if !exited_in(p, &self.period) => "not_left".into(),
                None => at_exit_outcome(p).map_or("unknown", |o| o.kind).to_string(),
            },
            "exit_reason" => opt(p.exit_reason),
            "entry_year" => chrono::Datelike::year(&p.entry).to_string(),
            _ => "unknown".into(),
        }
    }
}

pub fn compute(data: &Dataset, period: Period, opts: &Options) -> Result<Report, ReportError> {
    check(opts)?;
    let cols_dim = opts.cols.clone().expect("checked");
    let mut r = Report::new("query", &data.tenant, Some(period));
    opts.describe(&mut r);
    let ctx = Ctx {
        data,
        period,
        offer_program: data.offer_programs(),
        bounds: &opts.age_bands,
        bands: band_names(&opts.age_bands),
    };
    let counted = data.offers_in(opts.program.as_deref());
    let key_of = |p: &Participation, age_on, outcome: Option<&str>| -> (String, String) {
        let row = opts.rows.iter().map(|dim| ctx.value(dim, p, age_on, outcome)).collect::<Vec<_>>().join("|");
        (row, ctx.value(&cols_dim, p, age_on, outcome))
    };

    let mut cells: HashMap<(String, String), usize> = HashMap::new();
    let mut row_totals: HashMap<String, usize> = HashMap::new();
    let mut col_totals: HashMap<String, usize> = HashMap::new();
    let mut total = 0usize;
    // The records behind a figure, when one is traced: its key tells which.
    let traced = r.trace.as_ref().map(|t| t.key.clone());
    let mut members: Vec<Member> = Vec::new();
    let mut add = |pairs: BTreeSet<(String, String)>, member: Member| {
        let rows: BTreeSet<&String> = pairs.iter().map(|(r, _)| r).collect();
        let cols: BTreeSet<&String> = pairs.iter().map(|(_, c)| c).collect();
        if let Some(key) = &traced {
            let hit = key == "total"
                || rows.iter().any(|r| *key == format!("row_total.{r}"))
                || cols.iter().any(|c| *key == format!("col_total.{c}"))
                || pairs.iter().any(|(r, c)| *key == format!("cells.{r}.{c}"));
            if hit {
                members.push(member.clone());
            }
        }
        for r in rows {
            *row_totals.entry(r.clone()).or_default() += 1;
        }
        for c in cols {
            *col_totals.entry(c.clone()).or_default() += 1;
        }
        total += 1;
        for p in pairs {
            *cells.entry(p).or_default() += 1;
        }
    };
    match opts.measure.as_str() {
        "persons" => {
            for idx in by_person(data, |p| counted[p.offer] && crate::rules::active(p, &period)) {
                if idx.is_empty() {
                    continue;
                }
                let mine: Vec<&Participation> = idx.iter().map(|&i| &data.participations[i]).collect();
                let first = mine.iter().map(|p| p.entry).min();
                let left = mine.iter().any(|p| exited_in(p, &period));
                let outcome = match person_at_exit(mine.iter().copied(), &period) {
                    Some(k) => k,
                    None if left => "unknown",
                    None => "not_left",
                };
                let member = Member::person(&data.persons[mine[0].person].id);
                add(mine.iter().map(|p| key_of(p, first, Some(outcome))).collect(), member);
            }
        }
        measure => {
            let exits = measure == "exits";
            for p in data.participations.iter().filter(|p| counted[p.offer]) {
                let keep = if exits { exited_in(p, &period) } else { crate::rules::active(p, &period) };
                if keep {
                    let member = Member::participation(&data.persons[p.person].id, &p.id);
                    add(BTreeSet::from([key_of(p, Some(p.entry), None)]), member);
                }
            }
        }
    }

    drop(add);
    if let Some(t) = &mut r.trace {
        t.members = members;
    }

    // Rows and columns: every code of a coded dimension, the values seen otherwise.
    let values = |dim: &str, seen: &mut dyn Iterator<Item = String>| -> Vec<String> {
        match codes(dim).or_else(|| {
            (dim == "age_band").then(|| {
                let mut b = ctx.bands.clone();
                b.push("unknown".into());
                b
            })
        }) {
            Some(v) => v,
            None => {
                let mut v: Vec<String> = seen.collect::<BTreeSet<_>>().into_iter().filter(|v| v != "unknown").collect();
                v.push("unknown".into());
                v
            }
        }
    };
    let col_values = values(&cols_dim, &mut col_totals.keys().cloned());
    let row_values: Vec<String> = if opts.rows.len() == 1 {
        values(&opts.rows[0], &mut row_totals.keys().cloned())
    } else if opts.rows.iter().all(|d| codes(d).is_some() || d == "age_band") {
        let a = values(&opts.rows[0], &mut std::iter::empty());
        let b = values(&opts.rows[1], &mut std::iter::empty());
        a.iter().flat_map(|x| b.iter().map(move |y| format!("{x}|{y}"))).collect()
    } else {
        row_totals.keys().cloned().collect::<BTreeSet<_>>().into_iter().collect()
    };
    // Values outside the lists (should not happen) still appear.
    let row_values: IndexSet<String> =
        row_values.into_iter().chain(row_totals.keys().cloned().collect::<BTreeSet<_>>()).collect();
    let col_values: IndexSet<String> =
        col_values.into_iter().chain(col_totals.keys().cloned().collect::<BTreeSet<_>>()).collect();

    let mut table_rows = Vec::new();
    let mut col_groups: IndexMap<&String, Vec<String>> = col_values.iter().map(|c| (c, Vec::new())).collect();
    for row in &row_values {
        let mut group = Vec::new();
        for col in &col_values {
            let key = format!("cells.{row}.{col}");
            r.count(key.clone(), &d::QUERY_CELL, cells.get(&(row.clone(), col.clone())).copied().unwrap_or(0));
            group.push(key.clone());
            col_groups[col].push(key);
        }
        let rt = format!("row_total.{row}");
        r.count(rt.clone(), &d::QUERY_ROW_TOTAL, row_totals.get(row).copied().unwrap_or(0));
        group.push(rt);
        let label = row_label(&opts.rows, row);
        table_rows.push(Row { label, cells: group.iter().cloned().map(Some).collect() });
        r.groups.push(group);
    }
    let mut totals_row = Vec::new();
    for col in &col_values {
        let ct = format!("col_total.{col}");
        r.count(ct.clone(), &d::QUERY_COL_TOTAL, col_totals.get(col).copied().unwrap_or(0));
        let mut g = std::mem::take(&mut col_groups[col]);
        g.push(ct.clone());
        r.groups.push(g);
        totals_row.push(ct);
    }
    r.count("total", &d::QUERY_TOTAL, total);
    totals_row.push("total".into());
    r.groups.push(totals_row.clone());
    let mut total_col: Vec<String> = row_values.iter().map(|row| format!("row_total.{row}")).collect();
    total_col.push("total".into());
    r.groups.push(total_col);
    table_rows.push(Row { label: Text::new("Insgesamt", "Total"), cells: totals_row.into_iter().map(Some).collect() });

    let mut columns: Vec<Text> = col_values.iter().map(|c| labels::dim_value(&cols_dim, c)).collect();
    columns.push(Text::new("Insgesamt", "Total"));
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new(
            format!(
                "{} nach {} und {}",
                labels::measure(&opts.measure).de,
                rows_title(&opts.rows).de,
                labels::dimension(&cols_dim).de
            ),
            format!(
                "{} by {} and {}",
                labels::measure(&opts.measure).en,
                rows_title(&opts.rows).en,
                labels::dimension(&cols_dim).en
            ),
        ),
        columns,
        rows: table_rows,
    });
    Ok(r)
}

fn rows_title(dims: &[String]) -> Text {
    let parts: Vec<Text> = dims.iter().map(|d| labels::dimension(d)).collect();
    Text::new(
        parts.iter().map(|t| t.de.clone()).collect::<Vec<_>>().join(" / "),
        parts.iter().map(|t| t.en.clone()).collect::<Vec<_>>().join(" / "),
    )
}

fn row_label(dims: &[String], row: &str) -> Text {
    let parts: Vec<Text> = dims.iter().zip(row.split('|')).map(|(d, v)| labels::dim_value(d, v)).collect();
    Text::new(
        parts.iter().map(|t| t.de.clone()).collect::<Vec<_>>().join(" / "),
        parts.iter().map(|t| t.en.clone()).collect::<Vec<_>>().join(" / "),
    )
}
