//! The Art. 15 export as PDF, without a database: every section and value
//! of the JSON export is in the document's text.

#[test]
fn person_export_pdf_lists_every_section_and_value() {
    let export = serde_json::json!({
        "article": "Art. 15 DSGVO",
        "exported_at": "2026-12-01T10:00:00Z",
        "tenant": "krefeld",
        "person": {"id": "kr-p0001", "given_name": "Amina", "family_name": "Haddad", "birth_date": "2001-04-17"},
        "anonymised_at": null,
        "cases": [{"id": "kr-t0001", "offer_id": "kr-e-km-1", "exit_reason": "handed_over"}],
        "outcomes": [],
        "group_sessions_attended": ["kr-s0007"],
        "consents": [{"id": "c-1", "scope": "share_with_provider", "provider_id": "kja", "withdrawn_date": null}],
        "handovers": [{"id": "h-1", "status": "accepted", "passed_on": {"closed_case": "kr-t0001"}}],
        "audit_trail": [{"actor": "case_manager2", "action": "read", "entity": "person", "at": "2026-11-30T09:15:00Z"}],
    });
    let pdf = lotse_pdf::person_export::render(&export).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auskunft.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "Auskunft nach Art. 15 DSGVO",
        "Stammdaten",
        "Haddad",
        "Fälle (Teilnahmen)",
        "handed_over",
        "Ergebnisse",
        "(keine)",
        "kr-s0007",
        "Einwilligungen",
        "share_with_provider",
        "Übergaben",
        "closed_case",
        "Protokoll",
        "case_manager2",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}
