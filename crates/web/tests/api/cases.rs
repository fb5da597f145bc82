//! Cases through the API: opening with capacity and waiting list, phase
//! moves and what they require, closure, the error shape and language, and
//! the OpenAPI document — on both backends.

use lotse_domain::Actor;
use lotse_testkit::{TestApp, fixture, json};
use serde_json::json;

async fn setup(db: &lotse_testkit::TestDb) -> (fixture::Tenant, TestApp) {
    let t = fixture::tenant(&db.lotse, "api").await;
    let sys = Actor::system(t.id.clone());
    for (kind, rec) in [
        ("staff", json!({"staff_id": "s1", "provider_id": "p1", "name": "Fallmanagerin"})),
        (
            "offers",
            json!({"offer_id": "fm", "name": "Teilhabemanagement", "provider_id": "p1", "delivery": "individual", "capacity": 1}),
        ),
    ] {
        db.lotse.save_record(&sys, kind, rec.as_object().unwrap().clone()).await.unwrap();
    }
    for p in ["w1", "w2"] {
        let person = lotse_service::persons::PersonInput {
            id: Some(lotse_domain::EntityId::parse(p).unwrap()),
            ..fixture::person_input("p1", "Wartend")
        };
        db.lotse.create_person(&sys, person).await.unwrap();
    }
    (t, TestApp::spawn(&db.lotse).await)
}

async fn count(db: &lotse_testkit::TestDb, table: &str) -> i64 {
    use lotse_testkit::sea_orm::{ConnectionTrait, Statement};
    let conn = &db.lotse.db;
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

lotse_testkit::both_backends! {
    async fn a_case_through_the_api(db) {
        let (t, app) = setup(&db).await;
        let cm = &t.tokens["case_manager"];
        let (s, body) = json(app.post("/api/v1/cases", cm).json(&json!({
            "person_id": t.persons[0], "offer_id": "fm", "staff_id": "s1", "entry_date": "2026-01-05",
            "intake": {"way_in": "jobcenter", "indicated": true}})).send().await.unwrap()).await;
        assert_eq!(s, 201, "{body}");
        assert!(body["waiting"].is_null());
        let case = body["case"]["id"].as_str().unwrap().to_owned();
        assert_eq!(body["case"]["phase"], "intake");
        assert_eq!(body["case"]["intake"]["way_in"], "jobcenter");

        // Full: refused with a German message, or English when asked for.
        let full = json!({"person_id": "w1", "offer_id": "fm", "staff_id": "s1", "entry_date": "2026-02-01"});
        let (s, body) = json(app.post("/api/v1/cases", cm).json(&full).send().await.unwrap()).await;
        assert_eq!(s, 409);
        assert_eq!(body["error"]["code"], "conflict");
        assert_eq!(body["error"]["message"], "Das Angebot „Teilhabemanagement“ ist ab dem 01.02.2026 voll belegt (1 von 1 Plätzen). Die Person kann auf die Warteliste gesetzt werden („waiting_list“: true).");
        let (_, body) = json(app.post("/api/v1/cases", cm).header("Accept-Language", "en").json(&full).send().await.unwrap()).await;
        assert!(body["error"]["message"].as_str().unwrap().starts_with("The offer \"Teilhabemanagement\" is full from 2026-02-01 on"));
        for p in ["w1", "w2"] {
            let (s, body) = json(app.post("/api/v1/cases", cm).json(&json!({
                "person_id": p, "offer_id": "fm", "staff_id": "s1", "entry_date": "2026-02-01", "waiting_list": true})).send().await.unwrap()).await;
            assert_eq!(s, 201);
            assert!(body["case"].is_null());
            assert_eq!(body["waiting"]["person_id"], p);
        }
        let (s, body) = json(app.get("/api/v1/offers/fm/waiting-list", cm).send().await.unwrap()).await;
        assert_eq!(s, 200);
        let order: Vec<(&str, u64)> = body.as_array().unwrap().iter().map(|e| (e["person_id"].as_str().unwrap(), e["position"].as_u64().unwrap())).collect();
        assert_eq!(order, [("w1", 1), ("w2", 2)]);
        let (s, _) = json(app.get("/api/v1/offers/fm/waiting-list", &t.tokens["case_manager2"]).send().await.unwrap()).await;
        assert_eq!(s, 404);

        // Phases: what each requires, said in the error.
        let (s, body) = json(app.post(&format!("/api/v1/cases/{case}/phase"), cm).json(&json!({"phase": "planning", "date": "2026-01-06"})).send().await.unwrap()).await;
        assert_eq!(s, 422);
        assert_eq!(body["error"]["code"], "invalid_input");
        assert!(body["error"]["message"].as_str().unwrap().starts_with("phase: Von „Zugang und Klärung“ geht es nur weiter zu „Einschätzung (Assessment)“"));
        let (s, body) = json(app.post(&format!("/api/v1/cases/{case}/phase"), cm).json(&json!({"phase": "fertig"})).send().await.unwrap()).await;
        assert_eq!(s, 422);
        assert!(body["error"]["message"].as_str().unwrap().starts_with("phase: unbekannter Wert `fertig`, erlaubt: `intake`"), "{body}");
        let (s, _) = json(app.post(&format!("/api/v1/cases/{case}/phase"), cm).json(&json!({"phase": "assessment", "date": "2026-01-06", "extra": 1})).send().await.unwrap()).await;
        assert_eq!(s, 422, "unknown fields are refused");
        let (s, body) = json(app.post(&format!("/api/v1/cases/{case}/phase"), cm).json(&json!({"phase": "assessment", "date": "2026-01-06"})).send().await.unwrap()).await;
        assert_eq!((s, body["phase"].as_str()), (200, Some("assessment")));
        let (s, body) = json(app.post(&format!("/api/v1/cases/{case}/assessments"), cm).json(&json!({"date": "2026-01-07",
            "ratings": [{"domain": "language", "rating": 2}, {"domain": "housing", "rating": 3}]})).send().await.unwrap()).await;
        assert_eq!(s, 201, "{body}");
        let (s, body) = json(app.post(&format!("/api/v1/cases/{case}/phase"), cm).json(&json!({"phase": "planning", "date": "2026-01-08"})).send().await.unwrap()).await;
        assert_eq!(s, 200, "{body}");
        let (s, goal) = json(app.post(&format!("/api/v1/cases/{case}/goals"), cm).json(&json!({"title": "Deutschkurs B1",
            "steps": [{"title": "Anmeldung VHS", "owner": "Person", "due_date": "2026-02-15"}]})).send().await.unwrap()).await;
        assert_eq!(s, 201, "{goal}");
        let step = goal["steps"][0]["id"].as_str().unwrap();
        let (s, body) = json(app.put(&format!("/api/v1/cases/{case}/steps/{step}"), cm).json(&json!({"status": "done"})).send().await.unwrap()).await;
        assert_eq!((s, body["status"].as_str()), (200, Some("done")));
        let (s, body) = json(app.put(&format!("/api/v1/cases/{case}/steps/{step}"), cm).json(&json!({"status": "halb"})).send().await.unwrap()).await;
        assert_eq!(s, 422);
        assert!(body["error"]["message"].as_str().unwrap().starts_with("status: unbekannter Wert „halb“"));

        // Closure needs all three; the reminder follows.
        let (s, body) = json(app.post(&format!("/api/v1/cases/{case}/close"), cm).json(&json!({"exit_date": "2026-03-31"})).send().await.unwrap()).await;
        assert_eq!(s, 422);
        assert_eq!(body["error"]["message"], "phase: Für den Abschluss fehlt: Austrittsgrund, Ergebnis bei Austritt.");
        let (s, body) = json(app.post(&format!("/api/v1/cases/{case}/close"), cm).json(&json!({
            "exit_date": "2026-03-31", "exit_reason": "completed", "outcome": "language_course"})).send().await.unwrap()).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["phase"], "closure");
        assert_eq!(body["follow_up"]["due_date"], "2026-09-30");
        assert_eq!(body["goals"][0]["steps"][0]["status"], "done");
        let (s, body) = json(app.get("/api/v1/reminders/follow-up", cm).send().await.unwrap()).await;
        assert_eq!(s, 200);
        assert_eq!(body.as_array().unwrap().len(), 1);
        assert_eq!(body[0]["case_id"], case.as_str());
        let (s, body) = json(app.get("/api/v1/cases?phase=closure&staff=s1", cm).send().await.unwrap()).await;
        assert_eq!((s, body["total"].as_u64()), (200, Some(1)));
        let (s, body) = json(app.get("/api/v1/cases?stage=x", cm).send().await.unwrap()).await;
        assert_eq!((s, body["error"]["code"].as_str()), (400, Some("invalid_query")));

        // The OpenAPI document describes the endpoints.
        let (_, doc) = json(app.get("/api/v1/openapi.json", cm).send().await.unwrap()).await;
        for p in ["/api/v1/cases", "/api/v1/cases/{id}/phase", "/api/v1/cases/{id}/close", "/api/v1/offers/{id}/waiting-list", "/api/v1/reminders/follow-up"] {
            assert!(doc["paths"][p].is_object(), "{p} in the OpenAPI document");
        }
    }

    async fn documents_upload_download_delete_and_go_with_the_case(db) {
        let (t, app) = setup(&db).await;
        let cm = &t.tokens["case_manager"];
        let (_, body) = json(app.post("/api/v1/cases", cm).json(&json!({
            "person_id": t.persons[0], "offer_id": "fm", "staff_id": "s1", "entry_date": "2026-01-05"})).send().await.unwrap()).await;
        let case = body["case"]["id"].as_str().unwrap().to_owned();
        let docs = format!("/api/v1/cases/{case}/documents");
        let pdf = b"%PDF-1.7 Hilfeplan".to_vec();
        let part = reqwest::multipart::Part::bytes(pdf.clone()).file_name("Hilfeplan Müller.pdf").mime_str("application/pdf").unwrap();
        let (s, doc) = json(app.post(&docs, cm).multipart(reqwest::multipart::Form::new().part("file", part)).send().await.unwrap()).await;
        assert_eq!(s, 201, "{doc}");
        assert_eq!((doc["file_name"].as_str(), doc["content_type"].as_str(), doc["size"].as_u64()), (Some("Hilfeplan Müller.pdf"), Some("application/pdf"), Some(pdf.len() as u64)));
        let doc_id = doc["id"].as_str().unwrap().to_owned();
        let (s, list) = json(app.get(&docs, cm).send().await.unwrap()).await;
        assert_eq!((s, list.as_array().unwrap().len()), (200, 1));
        let res = app.get(&format!("{docs}/{doc_id}"), cm).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"Hilfeplan M_ller.pdf\"; filename*=UTF-8''Hilfeplan%20M%C3%BCller.pdf");
        assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
        // Another provider's case manager: not found; the controller: forbidden.
        let (s, _) = json(app.get(&format!("{docs}/{doc_id}"), &t.tokens["case_manager2"]).send().await.unwrap()).await;
        assert_eq!(s, 404);
        let (s, _) = json(app.get(&docs, &t.tokens["controller"]).send().await.unwrap()).await;
        assert_eq!(s, 403);

        // Too large: 413 with a German message, nothing written. The server
        // answers before it has read the body and then closes the connection;
        // `Connection: close` keeps the client from sending the next request
        // on it (which failed now and then with a reset, not a status).
        let big = reqwest::multipart::Part::bytes(vec![b'x'; 10 * 1024 * 1024 + 1]).file_name("gross.bin");
        let (s, body) = json(app.post(&docs, cm).header("connection", "close").multipart(reqwest::multipart::Form::new().part("file", big)).send().await.unwrap()).await;
        assert_eq!(s, 413, "{body}");
        assert_eq!(body["error"]["message"], "Das Dokument ist zu groß (höchstens 10 MiB).");
        let huge = reqwest::multipart::Part::bytes(vec![b'x'; 12 * 1024 * 1024]).file_name("riesig.bin");
        let (s, body) = json(app.post(&docs, cm).header("connection", "close").multipart(reqwest::multipart::Form::new().part("file", huge)).send().await.unwrap()).await;
        assert_eq!(s, 413, "{body}");
        assert_eq!(body["error"]["message"], "Das Dokument ist zu groß (höchstens 10 MiB).");
        let (s, body) = json(app.post(&docs, cm).multipart(reqwest::multipart::Form::new().text("note", "ohne Datei")).send().await.unwrap()).await;
        assert_eq!((s, body["error"]["message"].as_str()), (422, Some("file: Keine Datei hochgeladen.")));
        let (_, list) = json(app.get(&docs, cm).send().await.unwrap()).await;
        assert_eq!(list.as_array().unwrap().len(), 1);

        // Delete one; the others go with the case.
        let (s, _) = json(app.delete(&format!("{docs}/{doc_id}"), cm).send().await.unwrap()).await;
        assert_eq!(s, 204);
        let (s, _) = json(app.get(&format!("{docs}/{doc_id}"), cm).send().await.unwrap()).await;
        assert_eq!(s, 404);
        let part = reqwest::multipart::Part::bytes(b"Notiz".to_vec()).file_name("notiz.txt").mime_str("text/plain").unwrap();
        let (s, _) = json(app.post(&docs, cm).multipart(reqwest::multipart::Form::new().part("file", part)).send().await.unwrap()).await;
        assert_eq!(s, 201);
        assert_eq!(count(&db, "case_documents").await, 1);
        assert_eq!(count(&db, "case_phases").await, 1);
        db.sql(&format!("DELETE FROM participations WHERE id = '{case}'")).await.unwrap();
        assert_eq!(count(&db, "case_documents").await, 0);
        assert_eq!(count(&db, "case_phases").await, 0);
    }

    async fn the_plan_agreement_prints_goals_steps_and_signature_lines(db) {
        let (t, app) = setup(&db).await;
        let cm = &t.tokens["case_manager"];
        let (_, body) = json(app.post("/api/v1/cases", cm).json(&json!({
            "person_id": t.persons[0], "offer_id": "fm", "staff_id": "s1", "entry_date": "2026-01-05",
            "intake": {"way_in": "self", "indicated": true}})).send().await.unwrap()).await;
        let case = body["case"]["id"].as_str().unwrap().to_owned();
        for (p, date) in [("assessment", "2026-01-06"), ("planning", "2026-01-08")] {
            if p == "planning" {
                let (s, _) = json(app.post(&format!("/api/v1/cases/{case}/assessments"), cm).json(&json!({"date": "2026-01-07", "ratings": [{"domain": "health", "rating": 3}]})).send().await.unwrap()).await;
                assert_eq!(s, 201);
            }
            let (s, body) = json(app.post(&format!("/api/v1/cases/{case}/phase"), cm).json(&json!({"phase": p, "date": date})).send().await.unwrap()).await;
            assert_eq!(s, 200, "{body}");
        }
        let (_, goal) = json(app.post(&format!("/api/v1/cases/{case}/goals"), cm).json(&json!({"title": "Wohnung <sichern>",
            "steps": [{"title": "Antrag Wohngeld", "owner": "Frau Nachname0", "due_date": "2026-02-28"}, {"title": "Verworfen", "owner": "x"}]})).send().await.unwrap()).await;
        let dropped = goal["steps"][1]["id"].as_str().unwrap();
        let (s, _) = json(app.put(&format!("/api/v1/cases/{case}/steps/{dropped}"), cm).json(&json!({"status": "dropped"})).send().await.unwrap()).await;
        assert_eq!(s, 200);
        let res = app.get(&format!("/api/v1/cases/{case}/agreement"), cm).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
        let html = res.text().await.unwrap();
        for part in ["<html lang=\"de\">", "Vereinbarung zur Zusammenarbeit", "<strong>Amina Nachname0</strong>, geboren am 17.04.2001",
            "Träger p1, vertreten durch Fallmanagerin", "Teilhabemanagement (seit 05.01.2026)",
            "Ziel 1: Wohnung &lt;sichern&gt;", "<td>Antrag Wohngeld</td><td>Frau Nachname0</td><td>28.02.2026</td><td>offen</td>",
            "Unterschrift Amina Nachname0", "Unterschrift Fallmanagerin", "href=\"/api/v1/print/agreement.css\""] {
            assert!(html.contains(part), "{part} in {html}");
        }
        assert!(!html.contains("Verworfen"), "dropped steps are not agreed");
        let res = app.get(&format!("/api/v1/cases/{case}/agreement?format=pdf"), cm).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
        assert!(res.bytes().await.unwrap().starts_with(b"%PDF-"));
        let (s, body) = json(app.get(&format!("/api/v1/cases/{case}/agreement?format=docx"), cm).send().await.unwrap()).await;
        assert_eq!((s, body["error"]["message"].as_str()), (422, Some("format: Format html oder pdf.")));
        let res = app.get("/api/v1/print/agreement.css", cm).send().await.unwrap();
        assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");
        assert!(res.text().await.unwrap().contains("@page { size: A4"));
        let (s, _) = json(app.get(&format!("/api/v1/cases/{case}/agreement"), &t.tokens["case_manager2"]).send().await.unwrap()).await;
        assert_eq!(s, 404);
        let (_, audit) = json(app.get(&format!("/api/v1/audit?entity=case_agreement&entity_id={case}"), &t.tokens["auditor"]).send().await.unwrap()).await;
        assert_eq!(audit["items"].as_array().unwrap().len(), 2, "HTML and PDF: {audit}");
    }
}
