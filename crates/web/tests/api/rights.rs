//! Consent, handover, consent form and the Art. 15 export through the API.

use lotse_testkit::{TestApp, fixture, json};

lotse_testkit::both_backends! {
    async fn consent_then_handover_then_the_old_provider_no_longer_sees_the_person(db) {
        let t = fixture::tenant(&db.lotse, "rechte").await;
        let app = TestApp::spawn(&db.lotse).await;
        let (cm1, cm2) = (&t.tokens["case_manager"], &t.tokens["case_manager2"]);
        let person = &t.persons[0];
        let today = chrono::Local::now().date_naive().to_string();
        // Without consent: 422 with a German message naming the missing consent.
        let (s, body) = json(app.post(&format!("/api/v1/persons/{person}/handover"), cm1).json(&serde_json::json!({"to_provider": "p2"})).send().await.unwrap()).await;
        assert_eq!(s, 422, "{body}");
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(msg.contains("Einwilligung") && msg.contains("„p2“"), "{msg}");
        // Record the consent; a withdrawal before it was given is refused.
        let (s, c) = json(app.post(&format!("/api/v1/persons/{person}/consents"), cm1)
            .json(&serde_json::json!({"scope": "share_with_provider", "provider_id": "p2", "given_date": today})).send().await.unwrap()).await;
        assert_eq!(s, 201, "{c}");
        assert_eq!(c["active_today"], true);
        let cid = c["id"].as_str().unwrap();
        let (s, body) = json(app.post(&format!("/api/v1/consents/{cid}/withdraw"), cm1)
            .json(&serde_json::json!({"withdrawn_date": "2000-01-01"})).send().await.unwrap()).await;
        assert_eq!(s, 422);
        assert!(body["error"]["message"].as_str().unwrap().contains("withdrawn_date"), "{body}");
        let (s, list) = json(app.get(&format!("/api/v1/persons/{person}/consents"), cm1).send().await.unwrap()).await;
        assert_eq!((s, list.as_array().unwrap().len()), (200, 1));
        // The other provider's case manager cannot read them: 404.
        let (s, _) = json(app.get(&format!("/api/v1/persons/{person}/consents"), cm2).send().await.unwrap()).await;
        assert_eq!(s, 404);
        // Now the handover is requested, seen by p2 and accepted.
        let (s, h) = json(app.post(&format!("/api/v1/persons/{person}/handover"), cm1)
            .json(&serde_json::json!({"to_provider": "p2", "note": "Umzug"})).send().await.unwrap()).await;
        assert_eq!(s, 201, "{h}");
        let (s, incoming) = json(app.get("/api/v1/handovers?incoming", cm2).send().await.unwrap()).await;
        assert_eq!(s, 200);
        assert_eq!((incoming["total"].as_u64(), incoming["items"].as_array().unwrap().len()), (Some(1), 1));
        assert_eq!(incoming["items"][0]["family_name"], "Nachname0");
        let hid = h["id"].as_str().unwrap();
        let (s, _) = json(app.post(&format!("/api/v1/handovers/{hid}/accept"), cm1).send().await.unwrap()).await;
        assert_eq!(s, 404, "the sender cannot accept");
        let (s, done) = json(app.post(&format!("/api/v1/handovers/{hid}/accept"), cm2).send().await.unwrap()).await;
        assert_eq!((s, done["status"].as_str()), (200, Some("accepted")), "{done}");
        let (s, _) = json(app.get(&format!("/api/v1/persons/{person}"), cm1).send().await.unwrap()).await;
        assert_eq!(s, 404);
        let (s, p) = json(app.get(&format!("/api/v1/persons/{person}"), cm2).send().await.unwrap()).await;
        assert_eq!((s, p["provider_id"].as_str()), (200, Some("p2")));
        // Art. 15: JSON with the audit entries about the person, and PDF.
        let (s, export) = json(app.get(&format!("/api/v1/persons/{person}/export"), cm2).send().await.unwrap()).await;
        assert_eq!(s, 200);
        assert_eq!(export["consents"][0]["provider_id"], "p2");
        assert_eq!(export["handovers"][0]["status"], "accepted");
        let actors: Vec<&str> = export["audit_trail"].as_array().unwrap().iter().filter_map(|e| e["actor"].as_str()).collect();
        assert!(actors.contains(&"case_manager") && actors.contains(&"case_manager2"), "{actors:?}");
        let res = app.get(&format!("/api/v1/persons/{person}/export?format=pdf"), cm2).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
        let (s, _) = json(app.get(&format!("/api/v1/persons/{person}/export?format=doc"), cm2).send().await.unwrap()).await;
        assert_eq!(s, 422);
    }

    async fn the_consent_form_prints_right_to_left_in_arabic_and_dari(db) {
        let t = fixture::tenant(&db.lotse, "formular").await;
        let app = TestApp::spawn(&db.lotse).await;
        let cm = &t.tokens["case_manager"];
        for (lang, dir) in [("de", "ltr"), ("en", "ltr"), ("ar", "rtl"), ("fa-AF", "rtl"), ("uk", "ltr"), ("tr", "ltr")] {
            let res = app.get(&format!("/api/v1/consent-form?lang={lang}&person={}", t.persons[0]), cm).send().await.unwrap();
            assert_eq!(res.status(), 200, "{lang}");
            assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
            let html = res.text().await.unwrap();
            assert!(html.contains(&format!(r#"<html lang="{lang}" dir="{dir}">"#)), "{lang}");
            assert!(html.contains("Amina Nachname0"), "{lang}: the person's name");
        }
        let (s, body) = json(app.get(&format!("/api/v1/consent-form?lang=xx&person={}", t.persons[0]), cm).send().await.unwrap()).await;
        assert_eq!(s, 422);
        assert!(body["error"]["message"].as_str().unwrap().contains("Sprache"), "{body}");
    }

    async fn another_tenants_consents_handovers_and_exports_are_not_found(db) {
        let a = fixture::tenant(&db.lotse, "alpha").await;
        let b = fixture::tenant(&db.lotse, "beta").await;
        let app = TestApp::spawn(&db.lotse).await;
        let (a_cm, b_cm, b_cm2) = (&a.tokens["case_manager"], &b.tokens["case_manager"], &b.tokens["case_manager2"]);
        let bp = &b.persons[0];
        let today = chrono::Local::now().date_naive().to_string();
        let (s, c) = json(app.post(&format!("/api/v1/persons/{bp}/consents"), b_cm)
            .json(&serde_json::json!({"scope": "share_with_provider", "provider_id": "p2", "given_date": today})).send().await.unwrap()).await;
        assert_eq!(s, 201);
        let (s, h) = json(app.post(&format!("/api/v1/persons/{bp}/handover"), b_cm).json(&serde_json::json!({"to_provider": "p2"})).send().await.unwrap()).await;
        assert_eq!(s, 201);
        let (cid, hid) = (c["id"].as_str().unwrap(), h["id"].as_str().unwrap());
        let tries = [
            app.get(&format!("/api/v1/persons/{bp}/consents"), a_cm),
            app.post(&format!("/api/v1/persons/{bp}/consents"), a_cm).json(&serde_json::json!({"scope": "follow_up_contact", "given_date": today})),
            app.post(&format!("/api/v1/consents/{cid}/withdraw"), a_cm).json(&serde_json::json!({"withdrawn_date": today})),
            app.get(&format!("/api/v1/consent-form?lang=de&person={bp}"), a_cm),
            app.post(&format!("/api/v1/persons/{bp}/handover"), a_cm).json(&serde_json::json!({"to_provider": "p2"})),
            app.post(&format!("/api/v1/handovers/{hid}/accept"), &a.tokens["case_manager2"]),
            app.post(&format!("/api/v1/handovers/{hid}/decline"), &a.tokens["case_manager2"]),
            app.get(&format!("/api/v1/persons/{bp}/export"), a_cm),
        ];
        for (i, req) in tries.into_iter().enumerate() {
            let (s, body) = json(req.send().await.unwrap()).await;
            assert_eq!(s, 404, "try {i}: {body}");
        }
        let (_, incoming) = json(app.get("/api/v1/handovers?incoming", &a.tokens["case_manager2"]).send().await.unwrap()).await;
        assert_eq!(incoming["items"], serde_json::json!([]));
        // B's own receiving case manager still sees and can decide it.
        let (_, incoming) = json(app.get("/api/v1/handovers?incoming", b_cm2).send().await.unwrap()).await;
        assert_eq!(incoming["items"].as_array().unwrap().len(), 1);
    }
}
