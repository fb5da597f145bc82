//! The role matrix: every role against every kind of resource and action,
//! allowed and denied, through the API.

use lotse_domain::{Actor, EntityId};
use lotse_service::persons::PersonInput;
use lotse_testkit::{TestApp, fixture, json};

const ROLES: [&str; 7] = ["admin", "head", "coordinator", "case_manager", "provider_admin", "controller", "auditor"];

/// Expected status per role, in the order of `ROLES`.
const MATRIX: &[(&str, [u16; 7])] = &[
    //                          admin head coord cm   padm ctrl audit
    ("list persons", [403, 403, 403, 200, 403, 403, 403]),
    ("read own provider's person", [403, 403, 403, 200, 403, 403, 403]),
    ("read other provider's person", [403, 403, 403, 404, 403, 403, 403]),
    ("create person", [403, 403, 403, 201, 403, 403, 403]),
    ("update person", [403, 403, 403, 200, 403, 403, 403]),
    ("delete person", [403, 403, 403, 204, 403, 403, 403]),
    ("list providers", [200, 200, 200, 200, 200, 200, 403]),
    ("create provider", [201, 403, 201, 403, 403, 403, 403]),
    ("list users", [200, 403, 403, 403, 200, 403, 403]),
    ("create case manager", [201, 403, 403, 403, 201, 403, 403]),
    ("create administrator", [201, 403, 403, 403, 403, 403, 403]),
    // These requests carry API tokens, and a token cannot mint tokens.
    ("create own token", [403, 403, 403, 403, 403, 403, 403]),
    ("create token for another account", [403, 403, 403, 403, 403, 403, 403]),
    ("read audit trail", [403, 403, 403, 403, 403, 403, 200]),
    ("import a bundle", [403, 403, 200, 403, 403, 403, 403]),
    ("verify audit trail", [403, 403, 403, 403, 403, 403, 200]),
    ("key figures report", [403, 200, 200, 200, 200, 200, 403]),
    // Allowed roles get past the policy and fail on the unknown programme.
    ("list eligible persons", [403, 403, 422, 422, 422, 403, 403]),
    ("records behind a count", [403, 403, 200, 200, 200, 403, 403]),
    ("publish a report", [403, 201, 201, 403, 403, 403, 403]),
    ("list publications", [403, 200, 200, 200, 200, 200, 403]),
    ("record an inquiry", [403, 201, 201, 403, 403, 403, 403]),
    ("list inquiries", [403, 200, 200, 403, 403, 200, 403]),
    ("list offers", [200, 200, 200, 200, 200, 200, 403]),
    ("save a programme", [403, 403, 201, 403, 403, 403, 403]),
    ("save an offer of p1", [403, 403, 201, 403, 201, 403, 403]),
    ("read finance", [403, 200, 200, 403, 403, 200, 403]),
    // Allowed roles get past the policy and fail on the unknown programme or call.
    ("proof of use", [403, 422, 422, 403, 403, 422, 403]),
    ("fund ranking", [403, 404, 404, 403, 403, 404, 403]),
    ("offer map", [200, 200, 200, 200, 200, 200, 403]),
    ("governance", [200, 200, 200, 200, 200, 200, 403]),
    ("list cases", [403, 403, 403, 200, 403, 403, 403]),
    ("open a case", [403, 403, 403, 201, 403, 403, 403]),
    ("read own provider's case", [403, 403, 403, 200, 403, 403, 403]),
    ("read other provider's case", [403, 403, 403, 404, 403, 403, 403]),
    // Allowed roles get past the policy and fail on the missing intake.
    ("move a case's phase", [403, 403, 403, 422, 403, 403, 403]),
    ("record a case contact", [403, 403, 403, 201, 403, 403, 403]),
    ("assessment progress", [403, 403, 403, 200, 403, 403, 403]),
    ("close other provider's case", [403, 403, 403, 404, 403, 403, 403]),
    ("follow-up reminders", [403, 403, 403, 200, 403, 403, 403]),
    ("waiting list of an offer", [403, 403, 403, 200, 403, 403, 403]),
    ("list case documents", [403, 403, 403, 200, 403, 403, 403]),
    ("record outreach", [403, 403, 201, 201, 403, 403, 403]),
    ("outreach counts", [403, 200, 200, 200, 200, 200, 403]),
    ("print a case's agreement", [403, 403, 403, 200, 403, 403, 403]),
    ("search persons", [403, 403, 403, 200, 403, 403, 403]),
    ("residence history", [403, 403, 403, 200, 403, 403, 403]),
    ("other provider's residence history", [403, 403, 403, 404, 403, 403, 403]),
    ("add residence status", [403, 403, 403, 201, 403, 403, 403]),
    ("residence reminders", [403, 403, 403, 200, 403, 403, 403]),
    ("household", [403, 403, 403, 200, 403, 403, 403]),
    ("merge persons", [403, 403, 403, 200, 403, 403, 403]),
    ("merge other provider's person", [403, 403, 403, 404, 403, 403, 403]),
    // The case manager gets past the policy and fails on the unknown programme.
    ("person's eligibility", [403, 403, 403, 404, 403, 403, 403]),
    ("list a person's consents", [403, 403, 403, 200, 403, 403, 403]),
    ("record a consent", [403, 403, 403, 201, 403, 403, 403]),
    ("print the consent form", [403, 403, 403, 200, 403, 403, 403]),
    // Case managers get past the policy and are refused for the missing consent.
    ("hand over without consent", [403, 403, 403, 422, 403, 403, 403]),
    ("incoming handovers", [403, 403, 403, 200, 403, 403, 403]),
    ("accept an unknown handover", [403, 403, 403, 404, 403, 403, 403]),
    ("caseload", [403, 200, 200, 200, 200, 200, 403]),
    ("reassign an unknown case", [403, 403, 403, 404, 403, 403, 403]),
    ("cases of an unknown staff member", [403, 403, 403, 404, 403, 403, 403]),
    ("list deputies", [403, 403, 403, 200, 200, 403, 403]),
    ("read retention rules", [200, 403, 403, 403, 403, 403, 403]),
    ("export a person (Art. 15)", [403, 403, 403, 200, 403, 403, 403]),
];

lotse_testkit::both_backends! {
    async fn every_role_against_every_resource(db) {
        let t = fixture::tenant(&db.lotse, "matrix").await;
        let app = TestApp::spawn(&db.lotse).await;
        let sys = Actor::system(t.id.clone());
        // Cases: an individual offer and a case manager at each provider, a case of each.
        for (kind, rec) in [
            ("staff", serde_json::json!({"staff_id": "s1", "provider_id": "p1", "name": "Fallmanagerin"})),
            ("staff", serde_json::json!({"staff_id": "s2", "provider_id": "p2", "name": "Fallmanager"})),
            ("offers", serde_json::json!({"offer_id": "fm1", "name": "Fallmanagement", "provider_id": "p1", "delivery": "individual"})),
            ("offers", serde_json::json!({"offer_id": "fm2", "name": "Fallmanagement", "provider_id": "p2", "delivery": "individual"})),
        ] {
            db.lotse.save_record(&sys, kind, rec.as_object().unwrap().clone()).await.unwrap();
        }
        let mut cases = vec![];
        for (i, (offer, staff)) in [("fm1", "s1"), ("fm2", "s2")].iter().enumerate() {
            let open = serde_json::from_value(serde_json::json!({
                "person_id": t.persons[i], "offer_id": offer, "staff_id": staff, "entry_date": "2026-01-05"})).unwrap();
            cases.push(db.lotse.open_case(&sys, open).await.unwrap().case.unwrap().summary.id);
        }
        let mut failures = vec![];
        for (ri, role) in ROLES.iter().enumerate() {
            let token = &t.tokens[*role];
            // A person of p1 for this role to delete.
            let doomed = format!("doomed-{ri}");
            db.lotse.create_person(&sys, PersonInput { id: Some(EntityId::parse(&doomed).unwrap()), ..fixture::person_input("p1", "Weg") }).await.unwrap();
            // And a duplicate to merge.
            let twin = format!("twin-{ri}");
            db.lotse.create_person(&sys, PersonInput { id: Some(EntityId::parse(&twin).unwrap()), ..fixture::person_input("p1", "Doppelt") }).await.unwrap();
            for (op, expected) in MATRIX {
                let person_body = serde_json::to_value(fixture::person_input("p1", "Neu")).unwrap();
                let req = match *op {
                    "list persons" => app.get("/api/v1/persons", token),
                    "read own provider's person" => app.get(&format!("/api/v1/persons/{}", t.persons[0]), token),
                    "read other provider's person" => app.get(&format!("/api/v1/persons/{}", t.persons[1]), token),
                    "create person" => {
                        let mut b = person_body.clone();
                        b["id"] = format!("new-{ri}").into();
                        app.post("/api/v1/persons", token).json(&b)
                    }
                    "update person" => app.put(&format!("/api/v1/persons/{}", t.persons[0]), token).json(&{
                        let mut b = person_body.clone();
                        b["family_name"] = format!("Geändert{ri}").into();
                        b
                    }),
                    "delete person" => app.delete(&format!("/api/v1/persons/{doomed}"), token),
                    "list providers" => app.get("/api/v1/providers", token),
                    "create provider" => app.post("/api/v1/providers", token).json(&serde_json::json!({"id": format!("np-{ri}"), "name": "Neuer Träger"})),
                    "list users" => app.get("/api/v1/users", token),
                    "create case manager" => app.post("/api/v1/users", token).json(&serde_json::json!({
                        "login": format!("cm-{ri}"), "role": "case_manager", "provider_id": "p1", "password": "sicher-genug"})),
                    "create administrator" => app.post("/api/v1/users", token).json(&serde_json::json!({
                        "login": format!("adm-{ri}"), "role": "admin", "password": "sicher-genug"})),
                    "create own token" => app.post("/api/v1/tokens", token).json(&serde_json::json!({"name": "Matrix"})),
                    "create token for another account" => app
                        .post("/api/v1/tokens", token)
                        .json(&serde_json::json!({"name": "Matrix", "login": "case_manager2"})),
                    "read audit trail" => app.get("/api/v1/audit", token),
                    "verify audit trail" => app.post("/api/v1/audit/verify", token),
                    "import a bundle" => {
                        let csv = format!("provider_id,name,kind\nimp-{ri},Importierter Träger,other\n");
                        let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("providers.csv");
                        app.post("/api/v1/imports", token).multipart(reqwest::multipart::Form::new().part("f", part))
                    }
                    "key figures report" => app.get("/api/v1/reports/key-figures?year=2023", token),
                    "list eligible persons" => app.get("/api/v1/reports/eligibility?program=keins&date=2023-06-30", token),
                    "records behind a count" => app.get("/api/v1/reports/key-figures/records?year=2023&key=persons_total", token),
                    "publish a report" => app.post("/api/v1/reports/key-figures/publications?year=2023", token),
                    "list publications" => app.get("/api/v1/publications", token),
                    "record an inquiry" => app.post("/api/v1/inquiries", token).json(&serde_json::json!({
                        "received_on": "2023-12-07", "faction": "Fraktion X", "title": "Anfrage", "questions": ["Wie viele?"]})),
                    "list inquiries" => app.get("/api/v1/inquiries", token),
                    "list offers" => app.get("/api/v1/records/offers", token),
                    "save a programme" => app.put("/api/v1/records/programs", token).json(&serde_json::json!({"program_id": format!("prog-{ri}"), "name": "Programm"})),
                    "save an offer of p1" => app.put("/api/v1/records/offers", token).json(&serde_json::json!({
                        "offer_id": format!("o-{ri}"), "name": "Angebot", "provider_id": "p1", "delivery": "group"})),
                    "read finance" => app.get("/api/v1/records/finance", token),
                    "proof of use" => app.get("/api/v1/reports/proof-of-use?year=2023&program=keins", token),
                    "fund ranking" => app.get("/api/v1/fund-calls/keiner/ranking", token),
                    "offer map" => app.get("/api/v1/offer-map", token),
                    "governance" => app.get("/api/v1/governance", token),
                    "list cases" => app.get("/api/v1/cases", token),
                    "open a case" => app.post("/api/v1/cases", token).json(&serde_json::json!({
                        "person_id": t.persons[0], "offer_id": "fm1", "staff_id": "s1", "entry_date": "2026-02-01"})),
                    "read own provider's case" => app.get(&format!("/api/v1/cases/{}", cases[0]), token),
                    "read other provider's case" => app.get(&format!("/api/v1/cases/{}", cases[1]), token),
                    "move a case's phase" => app.post(&format!("/api/v1/cases/{}/phase", cases[0]), token)
                        .json(&serde_json::json!({"phase": "assessment", "date": "2026-01-06"})),
                    "record a case contact" => app.post(&format!("/api/v1/cases/{}/contacts", cases[0]), token)
                        .json(&serde_json::json!({"type": "phone", "date": "2026-01-06", "minutes": 10})),
                    "assessment progress" => app.get(&format!("/api/v1/cases/{}/assessments", cases[0]), token),
                    "close other provider's case" => app.post(&format!("/api/v1/cases/{}/close", cases[1]), token)
                        .json(&serde_json::json!({"exit_date": "2026-01-31", "exit_reason": "moved", "outcome": "none"})),
                    "follow-up reminders" => app.get("/api/v1/reminders/follow-up", token),
                    "waiting list of an offer" => app.get("/api/v1/offers/fm1/waiting-list", token),
                    "list case documents" => app.get(&format!("/api/v1/cases/{}/documents", cases[0]), token),
                    "record outreach" => app.post("/api/v1/outreach", token)
                        .json(&serde_json::json!({"date": "2026-01-06", "place": "Jugendtreff", "people": 3, "topic": "leisure"})),
                    "outreach counts" => app.get("/api/v1/outreach?year=2026", token),
                    "print a case's agreement" => app.get(&format!("/api/v1/cases/{}/agreement", cases[0]), token),
                    "search persons" => app.get("/api/v1/persons?q=Nachnahme0", token),
                    "residence history" => app.get(&format!("/api/v1/persons/{}/residence", t.persons[0]), token),
                    "other provider's residence history" => app.get(&format!("/api/v1/persons/{}/residence", t.persons[1]), token),
                    "add residence status" => app.post(&format!("/api/v1/persons/{}/residence", t.persons[0]), token).json(&serde_json::json!({
                        "status": "duldung", "valid_from": "2026-01-01", "valid_until": "2026-06-30", "work_permission": "restricted"})),
                    "residence reminders" => app.get("/api/v1/reminders/residence?within_days=60", token),
                    "household" => app.get(&format!("/api/v1/persons/{}/household", t.persons[0]), token),
                    "merge persons" => app.post(&format!("/api/v1/persons/{}/merge", t.persons[0]), token).json(&serde_json::json!({"duplicate": twin})),
                    "merge other provider's person" => app.post(&format!("/api/v1/persons/{}/merge", t.persons[0]), token).json(&serde_json::json!({"duplicate": t.persons[1]})),
                    "person's eligibility" => app.get(&format!("/api/v1/persons/{}/eligibility?program=keins", t.persons[0]), token),
                    "list a person's consents" => app.get(&format!("/api/v1/persons/{}/consents", t.persons[0]), token),
                    "record a consent" => app.post(&format!("/api/v1/persons/{}/consents", t.persons[0]), token)
                        .json(&serde_json::json!({"scope": "follow_up_contact", "given_date": "2024-01-01"})),
                    "print the consent form" => app.get(&format!("/api/v1/consent-form?lang=ar&person={}", t.persons[0]), token),
                    "hand over without consent" => app.post(&format!("/api/v1/persons/{}/handover", t.persons[0]), token)
                        .json(&serde_json::json!({"to_provider": "p2"})),
                    "incoming handovers" => app.get("/api/v1/handovers?incoming", token),
                    "accept an unknown handover" => app.post("/api/v1/handovers/keine/accept", token),
                    "caseload" => app.get("/api/v1/caseload?date=2023-06-30", token),
                    "reassign an unknown case" => app.post("/api/v1/cases/keiner/reassign", token).json(&serde_json::json!({"staff_id": "s1"})),
                    "cases of an unknown staff member" => app.get("/api/v1/staff/keiner/cases", token),
                    "list deputies" => app.get("/api/v1/deputies", token),
                    "read retention rules" => app.get("/api/v1/retention-rules", token),
                    "export a person (Art. 15)" => app.get(&format!("/api/v1/persons/{}/export", t.persons[0]), token),
                    other => panic!("unknown operation {other}"),
                };
                let (status, body) = json(req.send().await.unwrap()).await;
                if status != expected[ri] {
                    failures.push(format!("{role} / {op}: expected {}, got {status} {body}", expected[ri]));
                }
                if status >= 400 {
                    assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "error shape: {body}");
                }
            }
        }
        assert!(failures.is_empty(), "role matrix mismatches:\n{}", failures.join("\n"));
    }

    async fn head_reads_persons_only_by_logged_break_glass(db) {
        let t = fixture::tenant(&db.lotse, "glass").await;
        let app = TestApp::spawn(&db.lotse).await;
        let head = &t.tokens["head"];
        let path = format!("/api/v1/persons/{}", t.persons[1]);
        let (s, body) = json(app.get(&path, head).send().await.unwrap()).await;
        assert_eq!(s, 403);
        assert!(body["error"]["message"].as_str().unwrap().contains("Notfallzugriff"), "{body}");
        let (s, _) = json(app.get(&path, head).header("X-Lotse-Break-Glass", "Beschwerde Az. 51-2026-17").send().await.unwrap()).await;
        assert_eq!(s, 200);
        let (s, _) = json(app.get("/api/v1/persons", head).header("X-Lotse-Break-Glass", "Prüfung").send().await.unwrap()).await;
        assert_eq!(s, 200);
        // Break glass opens reading only.
        let body = serde_json::to_value(fixture::person_input("p2", "X")).unwrap();
        let (s, _) = json(app.put(&path, head).header("X-Lotse-Break-Glass", "Prüfung").json(&body).send().await.unwrap()).await;
        assert_eq!(s, 403);
        // The reason is in the audit trail.
        let (_, audit) = json(app.get(&format!("/api/v1/audit?entity=person&entity_id={}&action=read", t.persons[1]), &t.tokens["auditor"]).send().await.unwrap()).await;
        let entries = audit["items"].as_array().unwrap();
        assert!(entries.iter().any(|e| e["actor"] == "head" && e["reason"] == "Beschwerde Az. 51-2026-17"), "{audit}");
    }
}
