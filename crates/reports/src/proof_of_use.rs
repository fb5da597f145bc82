//! `proof-of-use` (Verwendungsnachweis) — Lotse's addition to reports.md:
//! the yearly account of a programme to a funder. The budget plan against
//! the actual amounts by cost category, the financing by funder (planned and
//! received), and who took part with what result. Amounts are whole cents
//! throughout; nothing is rounded or computed in floating point.

use crate::data::{Dataset, Participation};
use crate::definitions as d;
use crate::figure::{Report, Row, Table, Text, Value};
use crate::rules::Period;
use crate::{Options, ReportError, labels};
use chrono::Datelike;
use lotse_bundle::spec;

const MEASURES: [&str; 3] = ["plan", "actual", "difference"];

pub fn compute(data: &Dataset, period: Period, opts: &Options) -> Result<Report, ReportError> {
    let program = opts.program.as_deref().ok_or(ReportError::NeedsProgram("proof-of-use"))?;
    if data.program(program).is_none() {
        return Err(ReportError::UnknownProgram(program.to_string()));
    }
    let year = match opts.year {
        Some(y) => y,
        None if Period::year(period.from.year()) == Some(period) => period.from.year(),
        None => return Err(ReportError::NeedsYear("proof-of-use")),
    };
    let mut r = Report::new("proof-of-use", &data.tenant, Some(period));
    opts.describe(&mut r);
    if let Some(f) = &opts.funder {
        if !spec::FUNDING_CATEGORY.contains(&f.as_str()) {
            return Err(ReportError::UnknownFunder(f.clone()));
        }
        r.param("funder", f);
    }

    // Plan and actual, by (kind, category), in cents.
    let sum = |from_plan: bool, kind: &str, category: Option<&str>| -> i64 {
        if from_plan {
            data.budget
                .iter()
                .filter(|b| b.program_id == program && b.year == year && b.kind == kind)
                .filter(|b| category.is_none_or(|c| b.category == Some(c)))
                .map(|b| b.amount_cents)
                .sum()
        } else {
            data.finance
                .iter()
                .filter(|f| f.program_id.as_deref() == Some(program) && f.year == year && f.kind == kind)
                .filter(|f| category.is_none_or(|c| f.category == Some(c)))
                .map(|f| f.amount_cents)
                .sum()
        }
    };
    let money_table = |r: &mut Report,
                       kind: &str,
                       group: &str,
                       cats: &[&str],
                       title: Text,
                       defs: [&'static d::Def; 2]| {
        let mut rows = vec![];
        for cat in cats.iter().map(|c| Some(*c)).chain([None]) {
            let name = cat.unwrap_or("total");
            let plan = sum(true, kind, cat);
            let actual = sum(false, kind, cat);
            let def = if cat.is_some() { defs[0] } else { defs[1] };
            for (m, v) in MEASURES.iter().zip([plan, actual, actual - plan]) {
                r.put(format!("{group}.{name}.{m}"), def, Value::Money(v));
            }
            let label = match cat {
                Some(c) => labels::code(kind, c),
                None => Text::new("Summe", "Total"),
            };
            rows.push(Row { label, cells: MEASURES.iter().map(|m| Some(format!("{group}.{name}.{m}"))).collect() });
        }
        r.tables.push(Table {
            title,
            columns: vec![Text::new("Plan", "Plan"), Text::new("Ist", "Actual"), Text::new("Abweichung", "Difference")],
            rows,
            chart: vec![],
        });
    };
    money_table(
        &mut r,
        "expense",
        "expenses",
        spec::EXPENSE_CATEGORY,
        Text::new("Ausgaben nach Kostenart: Plan und Ist", "Expenses by cost category: plan and actual"),
        [&d::POU_EXPENSES, &d::POU_EXPENSES_TOTAL],
    );
    money_table(
        &mut r,
        "funding",
        "funding",
        spec::FUNDING_CATEGORY,
        Text::new("Finanzierung nach Mittelgeber: Plan und Ist", "Funding by funder: plan and actual"),
        [&d::POU_FUNDING, &d::POU_FUNDING_TOTAL],
    );
    if let Some(f) = &opts.funder {
        r.put("funder.granted", &d::POU_FUNDER_GRANTED, Value::Money(sum(true, "funding", Some(f))));
        r.put("funder.received", &d::POU_FUNDER_RECEIVED, Value::Money(sum(false, "funding", Some(f))));
        r.tables.insert(
            0,
            Table {
                title: Text::new(
                    format!("Zuwendung: {}", labels::code("funding", f).de),
                    format!("Grant: {}", labels::code("funding", f).en),
                ),
                columns: vec![Text::new("Betrag", "Amount")],
                rows: vec![
                    Row {
                        label: Text::new("Bewilligt (Plan)", "Granted (plan)"),
                        cells: vec![Some("funder.granted".into())],
                    },
                    Row {
                        label: Text::new("Erhalten (Ist)", "Received (actual)"),
                        cells: vec![Some("funder.received".into())],
                    },
                ],
                chart: vec![],
            },
        );
    }

    // Who took part in the programme's offers, with what result.
    let in_program = data.offers_in(Some(program));
    let parts: Vec<&Participation> = data.participations.iter().filter(|p| in_program[p.offer]).collect();
    crate::programme::unit(data, &mut r, "participation", &parts, None, period);
    let mut rows: Vec<Row> = ["participants", "entries", "exits", "handed_over"]
        .iter()
        .map(|k| Row { label: labels::figure(k), cells: vec![Some(format!("participation.{k}"))] })
        .collect();
    rows.extend(spec::OUTCOME_KIND.iter().map(|k| Row {
        label: labels::code("outcome", k),
        cells: vec![Some(format!("participation.outcomes_at_exit.{k}"))],
    }));
    let keys: Vec<String> = r.figures.keys().filter(|k| k.starts_with("participation.")).cloned().collect();
    for k in keys.iter().filter(|k| !rows.iter().any(|row| row.cells[0].as_deref() == Some(k.as_str()))) {
        r.figures.shift_remove(k);
    }
    r.tables.push(Table {
        title: Text::new("Teilnehmende und Verbleib beim Austritt", "Participants and outcomes at exit"),
        columns: vec![Text::new("Anzahl", "Count")],
        rows,
        chart: spec::OUTCOME_KIND.iter().map(|k| format!("participation.outcomes_at_exit.{k}")).collect(),
    });
    Ok(r)
}
