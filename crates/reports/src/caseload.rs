//! `caseload` — active individual cases per staff member and per full-time
//! equivalent on a date, against a target ratio (default 1:80).

use crate::data::{Dataset, Date};
use crate::definitions as d;
use crate::figure::{Member, Report, Row, Table, Text, Value};
use crate::rules::active_on;
use crate::{Options, labels};
use std::collections::{BTreeMap, HashSet};

pub const DEFAULT_TARGET: f64 = 80.0;

pub fn compute(data: &Dataset, date: Date, opts: &Options) -> Report {
    let target = opts.target.unwrap_or(DEFAULT_TARGET);
    let mut r = Report::new("caseload", &data.tenant, None);
    opts.describe(&mut r);
    r.param("date", date).param("target", target);
    let counted = data.offers_in(opts.program.as_deref());

    let mut cases: BTreeMap<&str, usize> = BTreeMap::new();
    let mut in_program: HashSet<&str> = HashSet::new();
    for p in data.participations.iter().filter(|p| counted[p.offer] && !data.offers[p.offer].is_group()) {
        if let Some(s) = p.staff_id.as_deref() {
            if active_on(p, date) {
                in_program.insert(s);
                *cases.entry(s).or_default() += 1;
                let person = &data.persons[p.person].id;
                r.note(|| format!("staff.{s}.active_cases"), || Member::participation(person, &p.id));
                if data.staff.iter().any(|x| x.id == s) {
                    r.note(|| "active_cases".into(), || Member::participation(person, &p.id));
                }
            }
        }
    }
    // Without --program every staff member counts (capacity without cases
    // is capacity too); with it, those with a case in the programme on the day.
    let mut staff: Vec<_> =
        data.staff.iter().filter(|s| opts.program.is_none() || in_program.contains(s.id.as_str())).collect();
    staff.sort_by(|a, b| a.id.cmp(&b.id));

    let per_fte = |cases: usize, fte: f64| if fte > 0.0 { Some(cases as f64 / fte) } else { None };
    let (mut all_cases, mut all_fte) = (0usize, 0.0f64);
    let mut rows = Vec::new();
    let mut group = vec!["active_cases".to_string()];
    for s in staff {
        let n = cases.get(s.id.as_str()).copied().unwrap_or(0);
        let fte = s.fte.unwrap_or(0.0);
        all_cases += n;
        all_fte += fte;
        let k = format!("staff.{}", s.id);
        r.count(format!("{k}.active_cases"), &d::CASE_STAFF_ACTIVE, n);
        r.put(format!("{k}.fte"), &d::CASE_STAFF_FTE, Value::Number(fte));
        if let Some(c) = per_fte(n, fte) {
            r.put(format!("{k}.caseload_per_fte"), &d::CASE_STAFF_PER_FTE, Value::Number(round2(c)));
            r.put(format!("{k}.ratio_to_target"), &d::CASE_STAFF_RATIO, Value::Number(round2(c / target)));
            r.basis.insert(format!("{k}.caseload_per_fte"), format!("{k}.active_cases"));
            r.basis.insert(format!("{k}.ratio_to_target"), format!("{k}.active_cases"));
        }
        group.push(format!("{k}.active_cases"));
        rows.push(Row {
            label: Text::same(format!("{} ({})", s.name, s.id)),
            cells: ["active_cases", "fte", "caseload_per_fte", "ratio_to_target"]
                .iter()
                .map(|f| Some(format!("{k}.{f}")))
                .collect(),
        });
    }
    r.count("active_cases", &d::CASE_ACTIVE, all_cases);
    r.put("fte", &d::CASE_FTE, Value::Number(round2(all_fte)));
    if let Some(c) = per_fte(all_cases, all_fte) {
        r.put("caseload_per_fte", &d::CASE_PER_FTE, Value::Number(round2(c)));
        r.basis.insert("caseload_per_fte".into(), "active_cases".into());
    }
    r.groups.push(group);
    rows.push(Row {
        label: Text::new("Insgesamt", "Total"),
        cells: vec![Some("active_cases".into()), Some("fte".into()), Some("caseload_per_fte".into()), None],
    });
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new(format!("Fallbelastung am {}", labels::date_de(date)), format!("Caseload on {date}")),
        columns: vec![
            labels::figure("active_cases"),
            labels::figure("fte"),
            labels::figure("caseload_per_fte"),
            labels::figure("ratio_to_target"),
        ],
        rows,
    });
    r
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
