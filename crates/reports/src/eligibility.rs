//! `eligibility` — who belongs to a programme's target group on a date, and
//! `reach` — how much of the target group a programme reached.

use crate::data::{Dataset, Date};
use crate::definitions as d;
use crate::figure::{Member, Report, Row, Table, Text, Value};
use crate::rule::Rule;
use crate::rules::{Period, active, by_person};
use crate::{Options, ReportError, labels};
use lotse_bundle::spec;
use std::collections::HashSet;

/// The programme's rule (`None`: the programme has none, everyone belongs).
fn rule_of(data: &Dataset, program: &str) -> Result<Option<Rule>, ReportError> {
    let p = data.program(program).ok_or_else(|| ReportError::UnknownProgram(program.to_string()))?;
    match p.target_group.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(src) => Rule::parse(src).map(Some).map_err(|e| ReportError::BadRule(program.to_string(), e.de)),
    }
}

pub fn eligibility(data: &Dataset, date: Date, opts: &Options) -> Result<Report, ReportError> {
    let program = opts.program.as_deref().ok_or(ReportError::NeedsProgram("eligibility"))?;
    let rule = rule_of(data, program)?;
    let mut r = Report::new("eligibility", &data.tenant, None);
    opts.describe(&mut r);
    r.param("date", date);
    let mut order: Vec<usize> = (0..data.persons.len()).collect();
    order.sort_by(|&a, &b| data.persons[a].id.cmp(&data.persons[b].id));
    let mut total = 0;
    let mut rows = Vec::new();
    for i in order {
        let p = &data.persons[i];
        let failing: Vec<String> =
            rule.as_ref().map(|r| r.failing(p, date).into_iter().map(str::to_string).collect()).unwrap_or_default();
        let key = format!("persons.{}", p.id);
        r.put(format!("{key}.eligible"), &d::ELIG_ELIGIBLE, Value::Bool(failing.is_empty()));
        let mut cells = vec![Some(format!("{key}.eligible")), None];
        if failing.is_empty() {
            total += 1;
            r.note(|| "eligible_total".into(), || Member::person(&p.id));
        } else {
            r.put(format!("{key}.failing"), &d::ELIG_FAILING, Value::Texts(failing));
            cells[1] = Some(format!("{key}.failing"));
        }
        rows.push(Row { label: Text::same(p.id.clone()), cells });
    }
    r.count("eligible_total", &d::ELIG_TOTAL, total);
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new("Zugehörigkeit zur Zielgruppe", "Target-group membership"),
        columns: vec![Text::new("gehört dazu", "eligible"), Text::new("nicht erfüllt", "failing")],
        rows,
    });
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new("Summe", "Total"),
        columns: vec![Text::new("Anzahl", "Count")],
        rows: vec![Row { label: labels::figure("eligible_total"), cells: vec![Some("eligible_total".into())] }],
    });
    Ok(r)
}

pub fn reach(data: &Dataset, period: Period, opts: &Options) -> Result<Report, ReportError> {
    let program = opts.program.as_deref().ok_or(ReportError::NeedsProgram("reach"))?;
    let rule = rule_of(data, program)?;
    let size: f64 = match (opts.target_size, &opts.target_indicator) {
        (Some(n), _) => n as f64,
        (None, Some(ind)) => {
            let parents: HashSet<&str> = data.districts.iter().filter_map(|d| d.parent_id.as_deref()).collect();
            let leaves: HashSet<&str> =
                data.districts.iter().map(|d| d.id.as_str()).filter(|id| !parents.contains(id)).collect();
            let year = chrono::Datelike::year(&period.to);
            let found: Vec<f64> = data
                .district_stats
                .iter()
                .filter(|s| s.year == year && &s.indicator == ind && leaves.contains(s.district_id.as_str()))
                .map(|s| s.value)
                .collect();
            if found.is_empty() {
                return Err(ReportError::NoStatistic(ind.clone(), year));
            }
            found.iter().sum()
        }
        (None, None) => return Err(ReportError::NeedsTarget),
    };
    if size <= 0.0 {
        return Err(ReportError::Invalid(
            "--target-size",
            "eine Zielgruppengröße über 0".into(),
            "a target group size above 0".into(),
        ));
    }
    let mut r = Report::new("reach", &data.tenant, Some(period));
    opts.describe(&mut r);
    let counted = data.offers_in(Some(program));
    let parts = by_person(data, |p| counted[p.offer] && active(p, &period));
    let mut by_gender = [0usize; 4];
    for (i, idx) in parts.iter().enumerate() {
        if idx.is_empty() {
            continue;
        }
        let person = &data.persons[i];
        // The first entry in the period; a person whose participations all
        // began before it is judged on the period's first day.
        let on = idx
            .iter()
            .map(|&j| data.participations[j].entry)
            .filter(|e| *e >= period.from)
            .min()
            .unwrap_or(period.from);
        if rule.as_ref().is_none_or(|r| r.failing(person, on).is_empty()) {
            by_gender[labels::index(spec::GENDER, person.gender)] += 1;
            r.note(|| "reached".into(), || Member::person(&person.id));
            r.note(|| format!("reached_by_gender.{}", person.gender), || Member::person(&person.id));
        }
    }
    let reached: usize = by_gender.iter().sum();
    let size_value = if size.fract() == 0.0 { Value::Count(size as i64) } else { Value::Number(size) };
    r.put("target_group_size", &d::REACH_TARGET, size_value);
    r.count("reached", &d::REACH_REACHED, reached);
    r.put("reach_rate", &d::REACH_RATE, Value::Number(if size > 0.0 { reached as f64 / size } else { 0.0 }));
    let mut rows = vec![
        Row { label: labels::figure("target_group_size"), cells: vec![Some("target_group_size".into())] },
        Row { label: labels::figure("reached"), cells: vec![Some("reached".into())] },
        Row { label: labels::figure("reach_rate"), cells: vec![Some("reach_rate".into())] },
    ];
    for (g, n) in spec::GENDER.iter().zip(by_gender) {
        let share = if reached > 0 { n as f64 / reached as f64 } else { 0.0 };
        r.put(format!("gender_share.{g}"), &d::REACH_GENDER, Value::Number(share));
        rows.push(Row {
            label: labels::prefixed("Anteil", "Share", labels::code("gender", g)),
            cells: vec![Some(format!("gender_share.{g}"))],
        });
    }
    // The shares and the rate rest on counts of persons: they are protected
    // through them (the counts by gender are figures of their own).
    let mut group = vec!["reached".to_string()];
    for (g, n) in spec::GENDER.iter().zip(by_gender) {
        r.count(format!("reached_by_gender.{g}"), &d::REACH_BY_GENDER, n);
        r.basis.insert(format!("gender_share.{g}"), format!("reached_by_gender.{g}"));
        group.push(format!("reached_by_gender.{g}"));
    }
    r.basis.insert("reach_rate".into(), "reached".into());
    r.groups.push(group);
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new("Erreichung der Zielgruppe", "Target-group reach"),
        columns: vec![Text::new("Wert", "Value")],
        rows,
    });
    Ok(r)
}
