//! The statement's layout, without a database: a hand-made inquiry and one
//! cited report, rendered to PDF and DOCX.

use lotse_reports::definitions as d;
use lotse_reports::figure::{Report, Row, Table, Text};
use lotse_service::inquiries::{Inquiry, Question, Statement};
use lotse_service::publications::Publication;

fn statement() -> Statement {
    let mut r = Report::new("programme", "leverkusen", lotse_reports::Period::year(2022));
    r.count("modules.ds-6.participants", &d::PROG_PARTICIPANTS, 86);
    r.count("modules.ds-6.outcomes_at_exit.apprenticeship", &d::PROG_OUTCOMES, 22);
    r.tables.push(Table {
        title: Text::same("Bausteine"),
        columns: vec![Text::same("Teilnehmende"), Text::same("Ausbildung")],
        rows: vec![Row {
            label: Text::same("Baustein Teilhabemanagement"),
            cells: vec![
                Some("modules.ds-6.participants".into()),
                Some("modules.ds-6.outcomes_at_exit.apprenticeship".into()),
            ],
        }],
        chart: vec![],
    });
    let p = Publication {
        id: "p1".into(),
        report: "programme".into(),
        title: None,
        params: serde_json::json!({}),
        published_at: chrono::Utc::now(),
        published_by: "coordinator".into(),
        content_hash: "ab".repeat(32),
    };
    Statement {
        tenant_name: "Stadt Leverkusen".into(),
        inquiry: Inquiry {
            id: "i1".into(),
            received_on: "2023-12-07".parse().unwrap(),
            faction: "Fraktion BÜNDNIS 90/DIE GRÜNEN".into(),
            title: "Durchstarten in Ausbildung und Arbeit".into(),
            addressee: Some("z.d.A.: Rat".into()),
            questions: vec![
                Question {
                    number: 1,
                    question: "Wie viele Personen haben teilgenommen?".into(),
                    answer: Some("Es haben 86 Personen teilgenommen.\n\nZweiter Absatz.".into()),
                    publications: vec!["p1".into()],
                },
                Question { number: 2, question: "Wie geht es weiter?".into(), answer: None, publications: vec![] },
            ],
        },
        reports: vec![vec![(p, r)], vec![]],
    }
}

#[test]
fn statement_pdf_reads_like_an_administrations_answer() {
    let pdf = lotse_pdf::statement::pdf(&statement()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.pdf");
    std::fs::write(&path, &pdf).unwrap();
    if let Ok(keep) = std::env::var("LOTSE_KEEP_PDF") {
        std::fs::write(keep, &pdf).unwrap();
    }
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8(out.stdout).unwrap();
    let order = [
        "Anfrage der Fraktion BÜNDNIS 90/DIE GRÜNEN vom 07.12.2023",
        "Durchstarten in Ausbildung und Arbeit",
        "1.",
        "Wie viele Personen",
        "Stellungnahme:",
        "Zu 1.:",
        "Es haben 86 Personen",
        "Zweiter Absatz.",
        "Baustein Teilhabemanagement",
        "Zu 2.:",
        "(noch nicht beantwortet)",
    ];
    let mut at = 0;
    for part in order {
        let found = text[at..].find(part).unwrap_or_else(|| panic!("{part:?} missing (in order) in:\n{text}"));
        at += found + part.len();
    }
    assert!(text.contains("Seite 1 von 1"));
    let docx = lotse_pdf::statement::docx(&statement()).unwrap();
    assert!(docx.starts_with(b"PK"), "a DOCX is a zip file");
}
