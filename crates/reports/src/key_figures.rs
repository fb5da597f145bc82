//! `key-figures` — the yearly status report (Sachstandsbericht).

use crate::data::Dataset;
use crate::definitions as d;
use crate::figure::{Member, Report, Row, Table, Text, Value};
use crate::rules::{Period, active, at_exit_outcome, exited_in};
use crate::{Options, labels};
use lotse_bundle::spec;
use std::collections::HashSet;

pub fn compute(data: &Dataset, period: Period, opts: &Options) -> Report {
    let mut r = Report::new("key-figures", &data.tenant, Some(period));
    opts.describe(&mut r);
    let counted = data.offers_in(opts.program.as_deref());

    let mut persons = HashSet::new();
    // Each person's earliest entry among the participations counted (for the age).
    let mut first_entry: std::collections::HashMap<usize, crate::data::Date> = std::collections::HashMap::new();
    let mut individual = HashSet::new();
    let mut by_gender = [0usize; 4];
    let mut group_parts = 0i64;
    let mut exits = 0usize;
    let mut outcomes = vec![0usize; spec::OUTCOME_KIND.len()];
    let group_offer_live: Vec<bool> = data
        .offers
        .iter()
        .zip(&counted)
        .map(|(o, &c)| c && o.in_scope && o.is_group() && period.overlaps(o.start, o.end))
        .collect();
    for p in data.participations.iter().filter(|p| counted[p.offer]) {
        let person = &data.persons[p.person];
        let as_person = || Member::person(&person.id);
        let as_part = || Member::participation(&person.id, &p.id);
        if active(p, &period) {
            if persons.insert(p.person) {
                by_gender[labels::index(spec::GENDER, person.gender)] += 1;
                r.note(|| "persons_total".into(), as_person);
                r.note(|| format!("persons_by_gender.{}", person.gender), as_person);
            }
            let e = first_entry.entry(p.person).or_insert(p.entry);
            *e = (*e).min(p.entry);
            if data.offers[p.offer].is_group() {
                if group_offer_live[p.offer] {
                    group_parts += 1;
                    r.note(|| "group_participants".into(), as_part);
                    r.note(|| "participants_total".into(), as_part);
                }
            } else if individual.insert(p.person) {
                r.note(|| "individual_persons".into(), as_person);
                r.note(|| "participants_total".into(), as_person);
            }
        }
        if exited_in(p, &period) {
            exits += 1;
            r.note(|| "exits".into(), as_part);
            if let Some(o) = at_exit_outcome(p) {
                outcomes[labels::index(spec::OUTCOME_KIND, o.kind)] += 1;
                r.note(|| format!("outcomes_at_exit.{}", o.kind), as_part);
            }
        }
    }
    for (o, _) in data.offers.iter().zip(&group_offer_live).filter(|(_, l)| **l) {
        r.note(|| "group_offers".into(), || Member::offer(&o.id));
    }
    let group_offers = group_offer_live.iter().filter(|&&l| l).count();
    group_parts += data
        .offers
        .iter()
        .zip(&group_offer_live)
        .filter(|(_, l)| **l)
        .map(|(o, _)| o.unregistered.unwrap_or(0))
        .sum::<i64>();

    r.count("persons_total", &d::PERSONS_TOTAL, persons.len());
    r.put("participants_total", &d::PARTICIPANTS_TOTAL, Value::Count(group_parts + individual.len() as i64));
    r.count("group_offers", &d::GROUP_OFFERS, group_offers);
    r.put("group_participants", &d::GROUP_PARTICIPANTS, Value::Count(group_parts));
    r.count("individual_persons", &d::INDIVIDUAL_PERSONS, individual.len());
    let mut gender_group = vec!["persons_total".to_string()];
    for (g, n) in spec::GENDER.iter().zip(by_gender) {
        let key = format!("persons_by_gender.{g}");
        r.count(key.clone(), &d::PERSONS_BY_GENDER, n);
        gender_group.push(key);
    }
    r.groups.push(gender_group.clone());
    // Ages (a Lotse addition to the spec's keys): on the person's earliest
    // entry among the participations counted, in the query report's bands.
    let bands = crate::query::band_names(crate::query::DEFAULT_AGE_BANDS);
    let mut by_age = vec![0usize; bands.len() + 1];
    for (&person, &entry) in &first_entry {
        let i = match data.persons[person].birth_date {
            Some(b) => {
                let a = crate::rules::age(b, entry);
                crate::query::DEFAULT_AGE_BANDS.iter().take_while(|&&x| a >= x).count()
            }
            None => bands.len(),
        };
        by_age[i] += 1;
        let band = bands.get(i).map_or("unknown", String::as_str);
        r.note(|| format!("persons_by_age.{band}"), || Member::person(&data.persons[person].id));
    }
    let age_keys: Vec<String> =
        bands.iter().map(String::as_str).chain(["unknown"]).map(|b| format!("persons_by_age.{b}")).collect();
    for (k, n) in age_keys.iter().zip(&by_age) {
        r.count(k.clone(), &d::PERSONS_BY_AGE, *n);
    }
    r.groups.push(std::iter::once("persons_total".to_string()).chain(age_keys.iter().cloned()).collect());
    r.groups.push(vec!["participants_total".into(), "group_participants".into(), "individual_persons".into()]);
    r.count("exits", &d::EXITS, exits);
    for (k, n) in spec::OUTCOME_KIND.iter().zip(&outcomes) {
        r.count(format!("outcomes_at_exit.{k}"), &d::OUTCOMES_AT_EXIT, *n);
    }

    let one = |k: &str, label: Text| Row { label, cells: vec![Some(k.to_string())] };
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new("Teilnehmende", "Participants"),
        columns: vec![Text::new("Anzahl", "Count")],
        rows: ["persons_total", "participants_total", "group_offers", "group_participants", "individual_persons"]
            .iter()
            .map(|k| one(k, labels::figure(k)))
            .collect(),
    });
    let gender_keys: Vec<String> = spec::GENDER.iter().map(|g| format!("persons_by_gender.{g}")).collect();
    r.tables.push(Table {
        title: Text::new("Personen nach Geschlecht", "Persons by gender"),
        columns: vec![Text::new("Anzahl", "Count")],
        rows: spec::GENDER.iter().zip(&gender_keys).map(|(g, k)| one(k, labels::code("gender", g))).collect(),
        chart: gender_keys,
    });
    r.tables.push(Table {
        title: Text::new("Personen nach Alter beim Eintritt", "Persons by age at entry"),
        columns: vec![Text::new("Anzahl", "Count")],
        rows: bands
            .iter()
            .map(String::as_str)
            .chain(["unknown"])
            .zip(&age_keys)
            .map(|(b, k)| one(k, labels::dim_value("age_band", b)))
            .collect(),
        chart: age_keys.clone(),
    });
    let outcome_keys: Vec<String> = spec::OUTCOME_KIND.iter().map(|k| format!("outcomes_at_exit.{k}")).collect();
    r.tables.push(Table {
        title: Text::new("Austritte und Verbleib beim Austritt", "Exits and outcomes upon leaving"),
        columns: vec![Text::new("Anzahl", "Count")],
        rows: std::iter::once(one("exits", labels::figure("exits")))
            .chain(spec::OUTCOME_KIND.iter().zip(&outcome_keys).map(|(k, key)| one(key, labels::code("outcome", k))))
            .collect(),
        chart: outcome_keys,
    });

    finance(data, period, opts, &mut r);
    r
}

/// The finance figures of the calendar years the period covers completely;
/// none when it covers no whole year.
fn finance(data: &Dataset, period: Period, opts: &Options, r: &mut Report) {
    let years = period.whole_years();
    if years.is_empty() {
        return;
    }
    let entries: Vec<_> = data
        .finance
        .iter()
        .filter(|f| years.contains(&f.year))
        .filter(|f| opts.program.as_deref().is_none_or(|p| f.program_id.as_deref() == Some(p)))
        .collect();
    let sum = |kind: &str, cat: Option<&str>| -> i64 {
        entries
            .iter()
            .filter(|f| f.kind == kind && cat.is_none_or(|c| f.category == Some(c)))
            .map(|f| f.amount_cents)
            .sum()
    };
    let expenses = sum("expense", None);
    r.put("finance.expenses", &d::FINANCE_EXPENSES, Value::Money(expenses));
    let mut rows =
        vec![Row { label: labels::figure("finance.expenses"), cells: vec![Some("finance.expenses".into())] }];
    for c in spec::FUNDING_CATEGORY {
        let key = format!("finance.funding.{c}");
        r.put(key.clone(), &d::FINANCE_FUNDING, Value::Money(sum("funding", Some(c))));
        rows.push(Row {
            label: labels::prefixed("Förderung", "Funding", labels::code("funding", c)),
            cells: vec![Some(key)],
        });
    }
    let funding = sum("funding", None);
    r.put("finance.funding.total", &d::FINANCE_FUNDING_TOTAL, Value::Money(funding));
    rows.push(Row {
        label: labels::figure("finance.funding.total"),
        cells: vec![Some("finance.funding.total".into())],
    });
    for c in spec::REVENUE_CATEGORY {
        let key = format!("finance.revenue.{c}");
        r.put(key.clone(), &d::FINANCE_REVENUE, Value::Money(sum("revenue", Some(c))));
        rows.push(Row { label: labels::prefixed("Wert", "Value", labels::code("revenue", c)), cells: vec![Some(key)] });
    }
    let revenue = sum("revenue", None);
    r.put("finance.revenue.total", &d::FINANCE_REVENUE_TOTAL, Value::Money(revenue));
    rows.push(Row {
        label: labels::figure("finance.revenue.total"),
        cells: vec![Some("finance.revenue.total".into())],
    });
    r.put("finance.net_cost", &d::FINANCE_NET_COST, Value::Money(expenses - funding - revenue));
    rows.push(Row { label: labels::figure("finance.net_cost"), cells: vec![Some("finance.net_cost".into())] });
    r.tables.push(Table {
        chart: spec::FUNDING_CATEGORY.iter().map(|c| format!("finance.funding.{c}")).collect(),
        title: Text::new("Finanzen", "Finance"),
        columns: vec![Text::new("Euro", "Euro")],
        rows,
    });
}
