//! `programme` — the council's question, per programme and module (and per
//! offer under each module).

use crate::data::{Dataset, Date, Participation};
use crate::definitions as d;
use crate::figure::{Member, Report, Row, Table, Text, Value};
use crate::rules::{Period, active, exited_in, person_at_exit};
use crate::{Options, ReportError, labels};
use lotse_bundle::spec;
use std::collections::{BTreeMap, HashMap, HashSet};

const COUNTS: &[&str] = &["participants", "entries", "exits", "peak_concurrent", "handed_over"];

pub fn compute(data: &Dataset, period: Period, opts: &Options) -> Result<Report, ReportError> {
    let program = opts.program.as_deref().ok_or(ReportError::NeedsProgram("programme"))?;
    if data.program(program).is_none() {
        return Err(ReportError::UnknownProgram(program.to_string()));
    }
    let mut r = Report::new("programme", &data.tenant, Some(period));
    opts.describe(&mut r);

    let mut modules: Vec<_> = data.modules.iter().filter(|m| m.program_id == program).collect();
    modules.sort_by(|a, b| (a.number, &a.id).cmp(&(b.number, &b.id)));
    let mut parts_of_offer: HashMap<usize, Vec<&Participation>> = HashMap::new();
    for p in &data.participations {
        parts_of_offer.entry(p.offer).or_default().push(p);
    }

    let mut module_rows = Vec::new();
    let mut offer_rows = Vec::new();
    let mut offer_outcome_rows = Vec::new();
    let mut module_cols = Vec::new();
    let mut module_prefixes = Vec::new();

    for m in modules {
        let mut offers: Vec<usize> =
            (0..data.offers.len()).filter(|&i| data.offers[i].module_id.as_deref() == Some(m.id.as_str())).collect();
        offers.sort_by(|&a, &b| data.offers[a].id.cmp(&data.offers[b].id));
        let all: Vec<&Participation> =
            offers.iter().flat_map(|o| parts_of_offer.get(o).into_iter().flatten().copied()).collect();
        let capacity: Option<i64> = Some(offers.iter().filter_map(|&o| data.offers[o].capacity).sum());
        let module_prefix = format!("modules.{}", m.id);
        unit(data, &mut r, &module_prefix, &all, capacity, period);
        let module_label = Text::new(format!("Baustein {}", m.name), format!("Module {}", m.name));
        module_rows.push(row(&module_prefix, module_label.clone(), FIGURES.iter().map(|k| k.to_string())));
        module_cols.push(module_label.clone());
        module_prefixes.push(module_prefix.clone());
        for &o in &offers {
            let parts: Vec<&Participation> = parts_of_offer.get(&o).cloned().unwrap_or_default();
            let prefix = format!("offers.{}", data.offers[o].id);
            unit(data, &mut r, &prefix, &parts, data.offers[o].capacity, period);
            let label = Text::new(
                format!("{} › {} ({})", module_label.de, data.offers[o].name, data.offers[o].id),
                format!("{} › {} ({})", module_label.en, data.offers[o].name, data.offers[o].id),
            );
            offer_rows.push(row(&prefix, label.clone(), FIGURES.iter().map(|k| k.to_string())));
            offer_outcome_rows.push(row(&prefix, label, outcome_keys()));
            for k in COUNTS.iter().map(|k| k.to_string()).chain(outcome_keys()) {
                r.groups.push(vec![format!("{module_prefix}.{k}"), format!("{prefix}.{k}")]);
            }
        }
    }
    // A module's count with all its offers' counts is one group: a single
    // small offer could otherwise be computed back from the module's figure.
    merge_groups(&mut r.groups);
    let figure_cols: Vec<Text> = FIGURES.iter().map(|k| labels::figure(k)).collect();
    let outcome_cols: Vec<Text> = spec::OUTCOME_KIND.iter().map(|k| labels::code("outcome", k)).collect();
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new("Bausteine", "Modules"),
        columns: figure_cols.clone(),
        rows: module_rows,
    });
    // Outcomes by module: one row per outcome, one column per module.
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new("Verbleib beim Austritt nach Bausteinen", "Outcomes upon leaving by module"),
        columns: module_cols,
        rows: spec::OUTCOME_KIND
            .iter()
            .map(|k| Row {
                label: labels::code("outcome", k),
                cells: module_prefixes.iter().map(|m| Some(format!("{m}.outcomes_at_exit.{k}"))).collect(),
            })
            .collect(),
    });
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new("Angebote", "Offers"),
        columns: figure_cols,
        rows: offer_rows,
    });
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new("Verbleib beim Austritt nach Angeboten", "Outcomes upon leaving by offer"),
        columns: outcome_cols,
        rows: offer_outcome_rows,
    });
    Ok(r)
}

/// The figures of a module or offer shown side by side.
const FIGURES: &[&str] =
    &["participants", "capacity", "entries", "exits", "first_entry", "last_exit", "peak_concurrent", "handed_over"];

fn outcome_keys() -> impl Iterator<Item = String> {
    spec::OUTCOME_KIND.iter().map(|k| format!("outcomes_at_exit.{k}"))
}

fn row(prefix: &str, label: Text, figures: impl Iterator<Item = String>) -> Row {
    Row { label, cells: figures.map(|k| Some(format!("{prefix}.{k}"))).collect() }
}

/// The figures of one module or offer over its participations.
pub(crate) fn unit(
    data: &Dataset,
    r: &mut Report,
    prefix: &str,
    parts: &[&Participation],
    capacity: Option<i64>,
    period: Period,
) {
    let pid = |p: &Participation| data.persons[p.person].id.as_str();
    let live: Vec<&Participation> = parts.iter().copied().filter(|p| active(p, &period)).collect();
    let persons: HashSet<usize> = live.iter().map(|p| p.person).collect();
    r.count(format!("{prefix}.participants"), &d::PROG_PARTICIPANTS, persons.len());
    for &i in &persons {
        r.note(|| format!("{prefix}.participants"), || Member::person(&data.persons[i].id));
    }
    for p in parts {
        if period.contains(p.entry) {
            r.note(|| format!("{prefix}.entries"), || Member::participation(pid(p), &p.id));
        }
        if exited_in(p, &period) {
            r.note(|| format!("{prefix}.exits"), || Member::participation(pid(p), &p.id));
            if p.exit_reason == Some("handed_over") {
                r.note(|| format!("{prefix}.handed_over"), || Member::participation(pid(p), &p.id));
            }
        }
    }
    if let Some(c) = capacity {
        r.put(format!("{prefix}.capacity"), &d::PROG_CAPACITY, Value::Count(c));
    }
    r.count(format!("{prefix}.entries"), &d::PROG_ENTRIES, parts.iter().filter(|p| period.contains(p.entry)).count());
    r.count(format!("{prefix}.exits"), &d::PROG_EXITS, parts.iter().filter(|p| exited_in(p, &period)).count());
    if let Some(first) = live.iter().map(|p| p.entry).min() {
        r.put(format!("{prefix}.first_entry"), &d::PROG_FIRST_ENTRY, Value::Date(first));
    }
    if let Some(last) = live.iter().filter_map(|p| p.exit).max() {
        r.put(format!("{prefix}.last_exit"), &d::PROG_LAST_EXIT, Value::Date(last));
    }
    r.count(format!("{prefix}.peak_concurrent"), &d::PROG_PEAK, peak_concurrent(&live, period));

    // Persons who left here in the period, by their at-exit outcome here.
    let mut by_person: BTreeMap<usize, Vec<&Participation>> = BTreeMap::new();
    for p in parts.iter().filter(|p| exited_in(p, &period)) {
        by_person.entry(p.person).or_default().push(p);
    }
    let mut outcomes = vec![0usize; spec::OUTCOME_KIND.len()];
    for (&person, ps) in &by_person {
        if let Some(kind) = person_at_exit(ps.iter().copied(), &period) {
            outcomes[labels::index(spec::OUTCOME_KIND, kind)] += 1;
            r.note(|| format!("{prefix}.outcomes_at_exit.{kind}"), || Member::person(&data.persons[person].id));
        }
    }
    for (k, n) in spec::OUTCOME_KIND.iter().zip(outcomes) {
        r.count(format!("{prefix}.outcomes_at_exit.{k}"), &d::PROG_OUTCOMES, n);
    }
    let handed_over = parts.iter().filter(|p| exited_in(p, &period) && p.exit_reason == Some("handed_over")).count();
    r.count(format!("{prefix}.handed_over"), &d::PROG_HANDED_OVER, handed_over);
}

/// The most distinct persons active on one day of the period. A person's
/// overlapping participations count once: their days are merged first.
pub fn peak_concurrent(parts: &[&Participation], period: Period) -> usize {
    let mut spans: HashMap<usize, Vec<(Date, Date)>> = HashMap::new();
    for p in parts {
        let from = p.entry.max(period.from);
        let to = p.exit.map_or(period.to, |e| e.min(period.to));
        if from <= to {
            spans.entry(p.person).or_default().push((from, to));
        }
    }
    // +1 on the first day, -1 on the day after the last.
    let mut events: Vec<(Date, i32)> = Vec::new();
    for mut s in spans.into_values() {
        s.sort();
        let mut merged: Vec<(Date, Date)> = Vec::new();
        for (a, b) in s {
            match merged.last_mut() {
                Some(last) if a <= last.1.succ_opt().unwrap_or(last.1) => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        for (a, b) in merged {
            events.push((a, 1));
            events.push((b.succ_opt().unwrap_or(b), -1));
        }
    }
    events.sort();
    let (mut now, mut peak) = (0i32, 0i32);
    for (_, delta) in events {
        now += delta;
        peak = peak.max(now);
    }
    peak as usize
}

/// Joins groups that share their first key (the module's figure).
fn merge_groups(groups: &mut Vec<Vec<String>>) {
    let mut merged: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for g in groups.drain(..) {
        let entry = merged.entry(g[0].clone()).or_insert_with(|| vec![g[0].clone()]);
        entry.extend(g.into_iter().skip(1));
    }
    groups.extend(merged.into_values());
}
