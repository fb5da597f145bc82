//! `esf` — the ESF+ common indicators (Regulation (EU) 2021/1057, Annex I).

use crate::data::{Code, Dataset, Participation, Person};
use crate::definitions::{self as d, Def};
use crate::figure::{Member, Report, Row, Table, Text};
use crate::rules::{Period, age, by_person, exited_in, first_entry, follow_up_outcome, person_at_exit};
use crate::{Options, labels};

/// The 26 other member states of the EU (ISO 3166-1 alpha-2; Greece is `GR`).
pub const EU_OTHER: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT",
    "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// The columns every indicator is split into, and the gender each counts.
pub const SPLITS: &[(&str, Code)] =
    &[("women", "female"), ("men", "male"), ("non_binary", "diverse"), ("unknown", "unknown")];

type Test = fn(&Person, Option<i32>) -> bool;

fn yes(v: Option<Code>) -> bool {
    v == Some("yes")
}

/// The common output indicators: key, definition, test on the person and their age at entry.
pub const OUTPUTS: &[(&str, &Def, Test)] = &[
    ("EECO01", &d::EECO01, |_, _| true),
    ("EECO02", &d::EECO02, |p, _| matches!(p.labour_status, Some("unemployed" | "long_term_unemployed"))),
    ("EECO03", &d::EECO03, |p, _| p.labour_status == Some("long_term_unemployed")),
    ("EECO04", &d::EECO04, |p, _| matches!(p.labour_status, Some("inactive" | "in_education"))),
    ("EECO05", &d::EECO05, |p, _| matches!(p.labour_status, Some("employed" | "self_employed"))),
    ("EECO06", &d::EECO06, |_, a| a.is_some_and(|a| a < 18)),
    ("EECO07", &d::EECO07, |_, a| a.is_some_and(|a| (18..=29).contains(&a))),
    ("EECO08", &d::EECO08, |_, a| a.is_some_and(|a| a >= 55)),
    ("EECO09", &d::EECO09, |p, _| p.education_isced.is_some_and(|i| i <= 2)),
    ("EECO10", &d::EECO10, |p, _| p.education_isced.is_some_and(|i| (3..=4).contains(&i))),
    ("EECO11", &d::EECO11, |p, _| p.education_isced.is_some_and(|i| i >= 5)),
    ("EECO12", &d::EECO12, |p, _| yes(p.disability)),
    ("EECO13", &d::EECO13, |p, _| p.nationality.as_deref().is_some_and(third_country)),
    ("EECO14", &d::EECO14, |p, _| yes(p.migration_background)),
    ("EECO16", &d::EECO16, |p, _| yes(p.homeless)),
];

pub fn third_country(nationality: &str) -> bool {
    nationality != "DE" && !EU_OTHER.contains(&nationality)
}

/// The common result indicators, by the person's outcome upon leaving.
pub const RESULTS: &[(&str, &Def, &[&str])] = &[
    ("EECR01", &d::EECR01, &["job_searching"]),
    ("EECR02", &d::EECR02, &["apprenticeship", "school", "vocational_preparation", "language_course"]),
    ("EECR03", &d::EECR03, &["qualification_gained"]),
    ("EECR04", &d::EECR04, &["employment_insured", "minijob", "self_employment"]),
];
pub const EMPLOYMENT: &[&str] = &["employment_insured", "minijob", "self_employment"];

pub fn compute(data: &Dataset, period: Period, opts: &Options) -> Report {
    let mut r = Report::new("esf", &data.tenant, Some(period));
    opts.describe(&mut r);
    let counted = data.offers_in(opts.program.as_deref());
    let parts = by_person(data, |p| counted[p.offer] && (period.contains(p.entry) || exited_in(p, &period)));

    let mut keys: Vec<(&'static str, &'static Def)> = OUTPUTS.iter().map(|(k, d, _)| (*k, *d)).collect();
    keys.extend(RESULTS.iter().map(|(k, d, _)| (*k, *d)));
    keys.push(("EECR05", &d::EECR05));
    // counts[indicator][split]
    let mut counts = vec![[0usize; 4]; keys.len()];
    let mut hit = |r: &mut Report, i: usize, split: usize, person: &str| {
        counts[i][split] += 1;
        let key = keys[i].0;
        r.note(|| key.to_string(), || Member::person(person));
        r.note(|| format!("{key}.{}", SPLITS[split].0), || Member::person(person));
    };

    for (person, idx) in parts.iter().enumerate() {
        if idx.is_empty() {
            continue;
        }
        let p = &data.persons[person];
        let split = SPLITS.iter().position(|(_, g)| *g == p.gender).unwrap_or(3);
        let mine: Vec<&Participation> = idx.iter().map(|&i| &data.participations[i]).collect();
        // Participants: an entry in the period; characteristics at (first) entry.
        if let Some(entry) = first_entry(mine.iter().copied().filter(|x| period.contains(x.entry))) {
            let age_at = p.birth_date.map(|b| age(b, entry));
            for (i, (_, _, test)) in OUTPUTS.iter().enumerate() {
                if test(p, age_at) {
                    hit(&mut r, i, split, &p.id);
                }
            }
        }
        // Results: persons who left in the period, whenever they entered.
        let left: Vec<&Participation> = mine.iter().copied().filter(|x| exited_in(x, &period)).collect();
        if left.is_empty() {
            continue;
        }
        if let Some(kind) = person_at_exit(left.iter().copied(), &period) {
            for (i, (_, _, kinds)) in RESULTS.iter().enumerate() {
                if kinds.contains(&kind) {
                    hit(&mut r, OUTPUTS.len() + i, split, &p.id);
                }
            }
        }
        let follow_up =
            left.iter().filter_map(|x| follow_up_outcome(x)).max_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        if follow_up.is_some_and(|o| EMPLOYMENT.contains(&o.kind)) {
            hit(&mut r, keys.len() - 1, split, &p.id);
        }
    }
    drop(hit);

    let mut rows = Vec::new();
    for ((key, def), n) in keys.iter().zip(&counts) {
        let total: usize = n.iter().sum();
        r.count(key.to_string(), def, total);
        let mut group = vec![key.to_string()];
        for ((split, _), v) in SPLITS.iter().zip(n) {
            let k = format!("{key}.{split}");
            r.count(k.clone(), def, *v);
            group.push(k);
        }
        r.groups.push(group.clone());
        rows.push(Row {
            label: Text::new(format!("{key} – {}", def.de), format!("{key} – {}", def.en)),
            cells: group.into_iter().map(Some).collect(),
        });
    }
    let mut columns = vec![Text::new("Insgesamt", "Total")];
    columns.extend(SPLITS.iter().map(|(s, _)| labels::code("esf_split", s)));
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new("ESF+-Indikatoren", "ESF+ common indicators"),
        columns,
        rows,
    });
    r
}
