//! A council inquiry answered with a published report, as DOCX and PDF.

use lotse_domain::{Actor, Login, TenantId};
use lotse_service::auth::NewToken;
use lotse_testkit::{TestApp, json};
use std::io::Read;

async fn token(lotse: &lotse_service::Lotse, tenant: &str, login: &str) -> String {
    let sys = Actor::system(TenantId::parse(tenant).unwrap());
    let new = NewToken { name: "Test".into(), days: None, login: Some(Login::parse(login).unwrap()) };
    lotse.create_token(&sys, new).await.unwrap().token
}

fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    // The text runs, without the markup.
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&quot;", "\"").replace("&amp;", "&")
}

lotse_testkit::both_backends! {
    async fn an_inquiry_is_answered_as_docx_and_pdf(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let coord = token(&db.lotse, "leverkusen", "coordinator").await;
        let controller = token(&db.lotse, "leverkusen", "controller").await;
        let app = TestApp::spawn(&db.lotse).await;
        let inquiry = serde_json::json!({
            "received_on": "2023-12-07",
            "faction": "Fraktion BÜNDNIS 90/DIE GRÜNEN",
            "title": "Durchstarten in Ausbildung und Arbeit",
            "addressee": "z.d.A.: Rat",
            "questions": [
                "Wie viele Personen haben in dem NRW-Landesprogramm „Durchstarten in Ausbildung und Arbeit“ in Leverkusen insgesamt in den jeweiligen Programmbausteinen mit welchem Erfolg partizipiert?",
                "Wie viele Menschen haben direkt oder indirekt aufgrund des Programms eine Ausbildung oder eine Arbeit aufgenommen?"
            ]
        });
        let (s, _) = json(app.post("/api/v1/inquiries", &controller).json(&inquiry).send().await.unwrap()).await;
        assert_eq!(s, 403, "the controller reads, the department answers");
        let (s, bad) = json(app.post("/api/v1/inquiries", &coord).json(&serde_json::json!({"received_on": "2023-12-07", "faction": "F", "title": "T", "questions": []})).send().await.unwrap()).await;
        assert_eq!(s, 422, "{bad}");
        let (s, i) = json(app.post("/api/v1/inquiries", &coord).json(&inquiry).send().await.unwrap()).await;
        assert_eq!(s, 201, "{i}");
        let id = i["id"].as_str().unwrap().to_string();
        assert_eq!(i["questions"][1]["number"], 2);

        // The figures: the programme report, published (frozen) for the council.
        let (s, p) = json(app.post("/api/v1/reports/programme/publications?program=durchstarten&from=2020-03-01&to=2023-06-30&title=Anfrage%20Durchstarten", &coord).send().await.unwrap()).await;
        assert_eq!(s, 201, "{p}");
        let pid = p["id"].as_str().unwrap();
        let answer = serde_json::json!({
            "answer": "Der Baustein 6 „Teilhabemanagement“ wurde vom 01.03.2020 bis zum 30.06.2022 umgesetzt.\n\nDie Zahlen je Baustein zeigt die folgende Tabelle.",
            "publications": [pid]
        });
        let (s, a) = json(app.put(&format!("/api/v1/inquiries/{id}/questions/1"), &coord).json(&answer).send().await.unwrap()).await;
        assert_eq!(s, 200, "{a}");
        let (s, _) = json(app.put(&format!("/api/v1/inquiries/{id}/questions/2"), &coord).json(&serde_json::json!({"answer": "22 Personen haben eine Ausbildung aufgenommen.", "publications": ["gibt-es-nicht"]})).send().await.unwrap()).await;
        assert_eq!(s, 422, "an unknown publication is refused");

        let docx = app.get(&format!("/api/v1/inquiries/{id}/statement?format=docx"), &controller).send().await.unwrap();
        assert_eq!(docx.status(), 200);
        let text = docx_text(&docx.bytes().await.unwrap());
        let pdf = app.get(&format!("/api/v1/inquiries/{id}/statement?format=pdf"), &coord).send().await.unwrap();
        assert_eq!(pdf.status(), 200);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stellungnahme.pdf");
        std::fs::write(&path, pdf.bytes().await.unwrap()).unwrap();
        let out = std::process::Command::new("pdftotext").args(["-layout", path.to_str().unwrap(), "-"]).output().expect("pdftotext (poppler-utils)");
        let pdf_text = String::from_utf8(out.stdout).unwrap();
        for t in [&text, &pdf_text] {
            for expected in [
                "Anfrage der Fraktion BÜNDNIS 90/DIE GRÜNEN vom 07.12.2023",
                "Durchstarten in Ausbildung und Arbeit",
                "Wir bitten Sie, die nachstehenden Fragen über z.d.A.: Rat zu beantworten:",
                "Stellungnahme:",
                "Zu 1.:",
                "Zu 2.:",
                "(noch nicht beantwortet)",
                "Teilhabemanagement",
                "Bausteine",
                "86",
                "Prüfsumme SHA-256",
            ] {
                assert!(t.contains(expected), "{expected:?} missing in:\n{t}");
            }
        }
        assert!(pdf_text.contains("Seite 1 von"));
    }
}
