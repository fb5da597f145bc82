//! A user of tenant A never sees tenant B's records: absent from every list,
//! 404 on every lookup.

use lotse_testkit::{TestApp, fixture, json};

lotse_testkit::both_backends! {
    async fn other_tenants_records_are_not_found(db) {
        let a = fixture::tenant(&db.lotse, "alpha").await;
        let b = fixture::tenant(&db.lotse, "beta").await;
        let app = TestApp::spawn(&db.lotse).await;

        // Each role of A that can list something sees only A's records.
        let checks: &[(&str, &str)] = &[
            ("case_manager", "/api/v1/persons"),
            ("case_manager2", "/api/v1/persons"),
            ("coordinator", "/api/v1/providers"),
            ("admin", "/api/v1/users"),
            ("admin", "/api/v1/tokens"),
            ("provider_admin", "/api/v1/users"),
            ("auditor", "/api/v1/audit?limit=500"),
        ];
        for (login, path) in checks {
            let (status, body) = json(app.get(path, &a.tokens[*login]).send().await.unwrap()).await;
            assert_eq!(status, 200, "{login} {path}: {body}");
            let text = body.to_string();
            assert!(!text.contains("beta"), "{login} {path} leaks tenant beta: {text}");
            assert!(body["total"].as_u64().unwrap() > 0, "{login} {path} sees its own records");
        }

        // Lookups of B's records by A's users: 404, for every role that may look up at all.
        let b_person = &b.persons[0];
        for login in ["case_manager", "admin", "coordinator"] {
            let (s, _) = json(app.get(&format!("/api/v1/persons/{b_person}"), &a.tokens[login]).send().await.unwrap()).await;
            assert!(s == 404 || s == 403, "{login}: {s}");
        }
        let (s, body) = json(app.get(&format!("/api/v1/persons/{b_person}"), &a.tokens["case_manager"]).send().await.unwrap()).await;
        assert_eq!(s, 404, "{body}");
        assert_eq!(body["error"]["code"], "not_found");
        // Same with write methods: nothing of B can be changed from A.
        let input = serde_json::to_value(fixture::person_input("p1", "Übernahme")).unwrap();
        let (s, _) = json(app.put(&format!("/api/v1/persons/{b_person}"), &a.tokens["case_manager"]).json(&input).send().await.unwrap()).await;
        assert_eq!(s, 404);
        let (s, _) = json(app.delete(&format!("/api/v1/persons/{b_person}"), &a.tokens["case_manager"]).send().await.unwrap()).await;
        assert_eq!(s, 404);
        // The person's history, household, eligibility and merge: 404 too; the
        // search and the reminders list only A's persons.
        for path in ["residence", "household", "eligibility?program=x"] {
            let (s, _) = json(app.get(&format!("/api/v1/persons/{b_person}/{path}"), &a.tokens["case_manager"]).send().await.unwrap()).await;
            assert_eq!(s, 404, "{path}");
        }
        let (s, _) = json(app.post(&format!("/api/v1/persons/{}/merge", a.persons[0]), &a.tokens["case_manager"])
            .json(&serde_json::json!({"duplicate": b_person})).send().await.unwrap()).await;
        assert_eq!(s, 404);
        let (s, body) = json(app.get("/api/v1/persons?q=Nachname0", &a.tokens["case_manager"]).send().await.unwrap()).await;
        assert_eq!(s, 200);
        assert_eq!(body["total"], 1, "{body}");
        assert_eq!(body["items"][0]["id"], a.persons[0].as_str());

        // Providers and users have the same ids in both tenants: A sees its own.
        let (s, body) = json(app.get("/api/v1/providers/p1", &a.tokens["coordinator"]).send().await.unwrap()).await;
        assert_eq!(s, 200);
        assert_eq!(body["name"], "Träger p1");
        let (s, body) = json(app.get("/api/v1/users/case_manager", &a.tokens["admin"]).send().await.unwrap()).await;
        assert_eq!(s, 200);
        let (_, b_user) = json(app.get("/api/v1/users/case_manager", &b.tokens["admin"]).send().await.unwrap()).await;
        assert_ne!(body["id"], b_user["id"]);

        // B's token ids are unknown to A's administrator.
        let (_, b_tokens) = json(app.get("/api/v1/tokens", &b.tokens["admin"]).send().await.unwrap()).await;
        let b_token_id = b_tokens["items"][0]["id"].as_str().unwrap().to_owned();
        let (s, _) = json(app.delete(&format!("/api/v1/tokens/{b_token_id}"), &a.tokens["admin"]).send().await.unwrap()).await;
        assert_eq!(s, 404);
        // … and B's token still works.
        let (s, _) = json(app.get("/api/v1/me", &b.tokens["admin"]).send().await.unwrap()).await;
        assert_eq!(s, 200);

        // A token of B presented with A's tenant name in it is not accepted.
        let forged = b.tokens["admin"].replacen("lt_beta.", "lt_alpha.", 1);
        let (s, _) = json(app.get("/api/v1/me", &forged).send().await.unwrap()).await;
        assert_eq!(s, 401);

        // The audit trail of A holds no entry of B.
        let (_, audit) = json(app.get("/api/v1/audit?limit=500", &a.tokens["auditor"]).send().await.unwrap()).await;
        assert!(audit["items"].as_array().unwrap().iter().all(|e| !e["entity_id"].as_str().unwrap_or("").starts_with("beta")));
        let _ = a.id;
    }
}
