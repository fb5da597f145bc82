//! Statistical disclosure control, as in the Federal Employment Agency's
//! statistics: counts of 1 and 2 are replaced by `*` (primary), and so is any
//! further count from which such a value could be computed back along a row
//! or column with its total (secondary): where a group has exactly one
//! suppressed member, its smallest other non-zero member is suppressed too,
//! repeated until none is left alone. Zero is never suppressed.

use crate::figure::Report;

/// The count a figure is judged by (shares and rates are not judged
/// themselves: they follow the count they rest on, see [`Report::basis`]).
fn judged(r: &Report, key: &str) -> Option<i64> {
    if r.basis.contains_key(key) || !r.figures.get(key)?.def.counts() {
        return None;
    }
    r.figures.get(key)?.value.as_ref()?.as_count()
}

fn hide(r: &mut Report, key: &str) {
    if let Some(f) = r.figures.get_mut(key) {
        f.value = None;
        f.suppressed = true;
    }
}

pub fn apply(r: &mut Report) {
    let primary: Vec<String> = r.figures.keys().filter(|k| matches!(judged(r, k), Some(1 | 2))).cloned().collect();
    for k in &primary {
        hide(r, k);
    }
    let counts: std::collections::HashMap<String, i64> =
        r.figures.keys().filter_map(|k| judged(r, k).map(|v| (k.clone(), v))).collect();
    loop {
        let mut changed = false;
        for g in &r.groups {
            let members: Vec<&String> = g.iter().filter(|k| r.figures.contains_key(*k)).collect();
            let hidden = members.iter().filter(|k| r.figures[**k].suppressed).count();
            if hidden != 1 {
                continue;
            }
            let next = members
                .iter()
                .filter(|k| !r.figures[**k].suppressed)
                .filter_map(|k| counts.get(*k).filter(|&&v| v > 0).map(|v| (*v, (*k).clone())))
                .min_by(|a, b| a.0.cmp(&b.0));
            if let Some((_, k)) = next {
                let f = r.figures.get_mut(&k).expect("member");
                f.value = None;
                f.suppressed = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // A share or rate would give back the count it rests on.
    let derived: Vec<String> = r
        .basis
        .iter()
        .filter(|(_, count)| r.figures.get(*count).is_some_and(|f| f.suppressed))
        .map(|(k, _)| k.clone())
        .collect();
    for k in &derived {
        hide(r, k);
    }
    r.suppressed = true;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions as d;

    /// A 2×2 table with totals: one small cell must not be recoverable from
    /// its row total, its column total, or through the other cells.
    fn table(cells: [[usize; 2]; 2]) -> Report {
        let mut r = Report::new("query", "t", None);
        for (i, row) in cells.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                r.count(format!("cells.r{i}.c{j}"), &d::QUERY_CELL, *v);
            }
            r.count(format!("row_total.r{i}"), &d::QUERY_ROW_TOTAL, row.iter().sum());
            r.groups.push(vec![format!("cells.r{i}.c0"), format!("cells.r{i}.c1"), format!("row_total.r{i}")]);
        }
        for j in 0..2 {
            r.count(format!("col_total.c{j}"), &d::QUERY_COL_TOTAL, cells[0][j] + cells[1][j]);
            r.groups.push(vec![format!("cells.r0.c{j}"), format!("cells.r1.c{j}"), format!("col_total.c{j}")]);
        }
        let total: usize = cells.iter().flatten().sum();
        r.count("total", &d::QUERY_TOTAL, total);
        r.groups.push(vec!["col_total.c0".into(), "col_total.c1".into(), "total".into()]);
        r.groups.push(vec!["row_total.r0".into(), "row_total.r1".into(), "total".into()]);
        r
    }

    fn shown(r: &Report, k: &str) -> Option<i64> {
        r.figures[k].value.as_ref().and_then(|v| v.as_count())
    }

    /// Every group with a hidden member has at least two hidden members, so
    /// no hidden value is the difference of a total and known cells.
    fn assert_no_lone_hidden(r: &Report) {
        for g in &r.groups {
            let hidden = g.iter().filter(|k| r.figures[*k].suppressed).count();
            assert!(hidden != 1, "group {g:?} has a single hidden value");
        }
    }

    #[test]
    fn a_single_small_cell_takes_others_with_it() {
        let mut r = table([[1, 10], [20, 30]]);
        apply(&mut r);
        assert!(r.figures["cells.r0.c0"].suppressed);
        // Row 0 alone would give it away (11 - 10), so the 10 goes too;
        // then column 0 (21 - 20) and column 1 need a second one: 20 and 30.
        assert_eq!(shown(&r, "cells.r0.c1"), None);
        assert_eq!(shown(&r, "cells.r1.c0"), None);
        assert_eq!(shown(&r, "cells.r1.c1"), None);
        assert_eq!(shown(&r, "total"), Some(61));
        assert_no_lone_hidden(&r);
    }

    #[test]
    fn zero_is_never_suppressed_and_large_tables_stay_readable() {
        let mut r = table([[0, 10], [20, 30]]);
        apply(&mut r);
        assert!(r.figures.values().all(|f| !f.suppressed));
        let mut r = table([[2, 2], [20, 30]]);
        apply(&mut r);
        assert_eq!(shown(&r, "cells.r0.c0"), None);
        assert_eq!(shown(&r, "cells.r0.c1"), None);
        // Both cells of row 0 are hidden, so its total may show; columns take 20 and 30 along.
        assert_eq!(shown(&r, "row_total.r0"), Some(4));
        assert_eq!(shown(&r, "cells.r1.c0"), None);
        assert_no_lone_hidden(&r);
    }

    #[test]
    fn a_rate_goes_with_the_count_it_rests_on() {
        // Caseload: A = 2 cases, B = 10, C = 50, total 62, one FTE each. A is
        // hidden, B with it (62 - 10 - 50); B's 10 cases per FTE would give
        // B back (× 1 FTE), and then A.
        let mut r = Report::new("caseload", "t", None);
        r.count("active_cases", &d::CASE_ACTIVE, 62);
        let mut group = vec!["active_cases".to_string()];
        for (s, n) in [("a", 2), ("b", 10), ("c", 50)] {
            r.count(format!("staff.{s}.active_cases"), &d::CASE_STAFF_ACTIVE, n);
            r.put(format!("staff.{s}.caseload_per_fte"), &d::CASE_STAFF_PER_FTE, crate::Value::Number(n as f64));
            r.basis.insert(format!("staff.{s}.caseload_per_fte"), format!("staff.{s}.active_cases"));
            group.push(format!("staff.{s}.active_cases"));
        }
        r.groups.push(group);
        apply(&mut r);
        for s in ["a", "b"] {
            assert!(r.figures[&format!("staff.{s}.active_cases")].suppressed, "{s}");
            assert!(r.figures[&format!("staff.{s}.caseload_per_fte")].suppressed, "{s}");
        }
        assert!(!r.figures["staff.c.caseload_per_fte"].suppressed);
        assert_no_lone_hidden(&r);
    }

    #[test]
    fn totals_of_one_or_two_are_suppressed_too() {
        let mut r = table([[1, 0], [0, 0]]);
        apply(&mut r);
        assert!(
            r.figures["total"].suppressed
                && r.figures["row_total.r0"].suppressed
                && r.figures["col_total.c0"].suppressed
        );
        assert_no_lone_hidden(&r);
    }
}
