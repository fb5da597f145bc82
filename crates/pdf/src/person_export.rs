//! The export of a person's data (Art. 15 GDPR) as PDF: every section of the
//! JSON export as tables of field and value, so nothing is left out.

use lotse_reports::render::RenderError;
use typst_layout::PagedDocument;

const SECTIONS: [(&str, &str); 8] = [
    ("person", "Stammdaten"),
    ("cases", "Fälle (Teilnahmen)"),
    ("outcomes", "Ergebnisse"),
    ("group_sessions_attended", "Besuchte Gruppentermine"),
    ("consents", "Einwilligungen"),
    ("handovers", "Übergaben"),
    ("audit_trail", "Protokoll: wer hat wann was gelesen oder geändert"),
    ("anonymised_at", "Anonymisiert am"),
];

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn records(v: &serde_json::Value) -> Vec<Vec<[String; 2]>> {
    match v {
        serde_json::Value::Array(items) => items.iter().flat_map(records).collect(),
        serde_json::Value::Object(m) => vec![m.iter().map(|(k, v)| [k.clone(), text(v)]).collect()],
        serde_json::Value::Null => vec![],
        other => vec![vec![["".into(), text(other)]]],
    }
}

/// Renders the JSON of `Lotse::export_person`.
pub fn render(export: &serde_json::Value) -> Result<Vec<u8>, RenderError> {
    let sections: Vec<serde_json::Value> = SECTIONS
        .iter()
        .map(|(key, title)| serde_json::json!({ "title": title, "records": records(&export[*key]) }))
        .collect();
    let data = serde_json::json!({
        "title": "Auskunft nach Art. 15 DSGVO",
        "tenant": text(&export["tenant"]),
        "subtitle": format!("Mandant {}, Stand {}", text(&export["tenant"]), text(&export["exported_at"])),
        "sections": sections,
    });
    let doc: PagedDocument = crate::typeset(include_str!("person_export.typ"), &data)?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())
        .map_err(|errs| RenderError(errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))
}
