//! The plan agreement of a case as PDF (typst): the same content as the
//! HTML page (`lotse_service::cases::agreement_html`) — parties, goals,
//! steps with owner, due date and status, signature lines.

use lotse_reports::labels::date_de;
use lotse_reports::render::RenderError;
use lotse_service::cases::Agreement;
use typst_layout::PagedDocument;

fn status_de(s: &str) -> &'static str {
    match s {
        "open" => "offen",
        "done" => "erledigt",
        "dropped" => "verworfen",
        _ => "",
    }
}

/// What the template reads: every value as plain text.
pub fn data(a: &Agreement) -> serde_json::Value {
    let staff = a.staff_name.clone();
    let goals: Vec<serde_json::Value> = a
        .goals
        .iter()
        .map(|g| {
            let steps: Vec<serde_json::Value> = g
                .steps
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "title": s.title,
                        "owner": s.owner.clone().unwrap_or_default(),
                        "due": s.due_date.map(date_de).unwrap_or_default(),
                        "status": status_de(&s.status),
                    })
                })
                .collect();
            serde_json::json!({"title": g.title, "description": g.description, "steps": steps})
        })
        .collect();
    serde_json::json!({
        "person": a.person_name,
        "born": a.birth_date.map(|d| format!(", geboren am {}", date_de(d))).unwrap_or_default(),
        "provider": a.provider_name,
        "staff": staff.clone().unwrap_or_else(|| "die zuständige Fachkraft".into()),
        "staff_sig": staff.unwrap_or_else(|| "Fachkraft".into()),
        "offer": a.offer_name,
        "entry": date_de(a.entry_date),
        "date": date_de(a.date),
        "goals": goals,
    })
}

/// The agreement as PDF.
pub fn pdf(a: &Agreement) -> Result<Vec<u8>, RenderError> {
    let doc: PagedDocument = crate::typeset(include_str!("agreement.typ"), &data(a))?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())
        .map_err(|errs| RenderError(errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use lotse_service::cases::{Agreement, Goal, Step};

    #[test]
    fn an_agreement_typesets_with_markup_in_the_data_left_as_text() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let a = Agreement {
            case_id: "c1".into(),
            person_name: "Amina #strong[Özdemir]".into(),
            birth_date: Some(d(1, 2)),
            provider_name: "Jugendhilfe $x$ e. V.".into(),
            offer_name: "Teilhabemanagement".into(),
            staff_name: Some("Frau Yilmaz".into()),
            entry_date: d(1, 5),
            date: d(3, 1),
            goals: vec![Goal {
                id: "g1".into(),
                date: d(1, 8),
                author: "cm".into(),
                title: "Wohnung sichern".into(),
                description: Some("erste Zeile\nzweite Zeile".into()),
                status: "open".into(),
                steps: vec![Step {
                    id: "s1".into(),
                    title: "Antrag Wohngeld".into(),
                    owner: Some("Person".into()),
                    due_date: Some(d(2, 28)),
                    status: "open".into(),
                }],
            }],
        };
        let bytes = super::pdf(&a).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        if let Ok(out) = std::env::var("LOTSE_AGREEMENT_PDF") {
            std::fs::write(out, &bytes).unwrap();
        }
        let data = super::data(&a);
        assert_eq!(data["goals"][0]["steps"][0]["due"], "28.02.2026");
        assert_eq!(data["born"], ", geboren am 02.01.2026");
        let empty = super::pdf(&Agreement { goals: vec![], staff_name: None, ..a }).unwrap();
        assert!(empty.starts_with(b"%PDF-"));
    }
}
