//! Every kind of bad input gets a 4xx in the error format, never a 500, and
//! writes nothing.

use lotse_testkit::{TestApp, fixture, json};

lotse_testkit::both_backends! {
    async fn bad_input_is_rejected_clearly_and_writes_nothing(db) {
        let t = fixture::tenant(&db.lotse, "bad").await;
        let app = TestApp::spawn(&db.lotse).await;
        let cm = &t.tokens["case_manager"];
        let good = || {
            let mut b = serde_json::to_value(fixture::person_input("p1", "Neu")).unwrap();
            b["id"] = "new-1".into();
            b
        };
        let count = || async { json(app.get("/api/v1/persons", cm).send().await.unwrap()).await.1["total"].as_u64().unwrap() };
        let before = count().await;

        let with = |f: &dyn Fn(&mut serde_json::Value)| { let mut b = good(); f(&mut b); b.to_string() };
        let too_big = format!("{{\"id\":\"x\",\"given_name\":\"{}\"}}", "a".repeat(300 * 1024));
        let cases: Vec<(&str, Vec<u8>, &str, u16, &str, &str)> = vec![
            // (what, body, content type, status, code, words in the message)
            ("malformed JSON", b"{\"id\": \"x\",".to_vec(), "application/json", 400, "malformed_json", "kein gültiges JSON"),
            ("not JSON at all", b"id=x".to_vec(), "application/json", 400, "malformed_json", "kein gültiges JSON"),
            ("invalid UTF-8", b"{\"id\":\"x\",\"given_name\":\"\xff\xfe\"}".to_vec(), "application/json", 400, "malformed_json", "UTF-8"),
            ("wrong type", with(&|b| b["sgb2_months_24"] = "zwölf".into()).into_bytes(), "application/json", 422, "invalid_input", "falscher Typ"),
            ("unknown field", with(&|b| b["lieblingsfarbe"] = "blau".into()).into_bytes(), "application/json", 422, "invalid_input", "unbekanntes Feld „lieblingsfarbe“"),
            ("missing field", with(&|b| { b.as_object_mut().unwrap().remove("gender"); }).into_bytes(), "application/json", 422, "invalid_input", "Pflichtfeld „gender“ fehlt"),
            ("invalid date", with(&|b| b["birth_date"] = "31.02.2001".into()).into_bytes(), "application/json", 422, "invalid_input", "Datum"),
            ("impossible date", with(&|b| b["birth_date"] = "2001-02-30".into()).into_bytes(), "application/json", 422, "invalid_input", "birth_date"),
            ("unknown code", with(&|b| b["residence_status"] = "asyl".into()).into_bytes(), "application/json", 422, "invalid_input", "unbekannter Wert"),
            ("out of range", with(&|b| b["sgb2_months_24"] = 25.into()).into_bytes(), "application/json", 422, "invalid_input", "zwischen 0 und 24"),
            ("invalid id", with(&|b| b["id"] = "mit leerzeichen".into()).into_bytes(), "application/json", 422, "invalid_input", "ungültig"),
            ("unknown provider", with(&|b| b["provider_id"] = "p9".into()).into_bytes(), "application/json", 403, "forbidden", ""),
            ("wrong content type", good().to_string().into_bytes(), "text/plain", 415, "unsupported_media_type", "application/json"),
            ("control character", with(&|b| b["family_name"] = "Nach\u{0}name".into()).into_bytes(), "application/json", 422, "invalid_input", "Steuerzeichen"),
            ("birth date before 1900", with(&|b| b["birth_date"] = "1899-12-31".into()).into_bytes(), "application/json", 422, "invalid_input", "vor 1900"),
            ("signed year", with(&|b| b["birth_date"] = "-20000-01-01".into()).into_bytes(), "application/json", 422, "invalid_input", "birth_date"),
            ("oversized body", too_big.into_bytes(), "application/json", 413, "payload_too_large", "zu groß"),
        ];
        for (what, body, ctype, status, code, words) in cases {
            let res = app.post("/api/v1/persons", cm).header("content-type", ctype).body(body).send().await.unwrap();
            let (s, b) = json(res).await;
            assert_eq!(s, status, "{what}: {b}");
            assert_eq!(b["error"]["code"], code, "{what}: {b}");
            let msg = b["error"]["message"].as_str().unwrap();
            assert!(msg.contains(words), "{what}: message {msg:?} should contain {words:?}");
        }
        assert_eq!(count().await, before, "nothing written by bad input");

        // A duplicate id is a conflict and leaves the first record as it was.
        let (s, _) = json(app.post("/api/v1/persons", cm).json(&good()).send().await.unwrap()).await;
        assert_eq!(s, 201);
        let mut dup = good();
        dup["family_name"] = "Zweiter".into();
        let (s, b) = json(app.post("/api/v1/persons", cm).json(&dup).send().await.unwrap()).await;
        assert_eq!((s, b["error"]["code"].as_str().unwrap()), (409, "conflict"));
        let (_, p) = json(app.get("/api/v1/persons/new-1", cm).send().await.unwrap()).await;
        assert_eq!(p["family_name"], "Neu");

        // Unknown ids and routes.
        for path in ["/api/v1/persons/gibt-es-nicht", "/api/v1/persons/%E2%9C%97", "/api/v1/providers/nix", "/api/v1/users/niemand", "/api/v1/gibt-es-nicht"] {
            let (s, b) = json(app.get(path, cm).send().await.unwrap()).await;
            assert!(s == 404 || s == 403, "{path}: {s}");
            if s == 404 {
                assert_eq!(b["error"]["code"], "not_found", "{path}");
            }
        }
        let (s, b) = json(app.get("/api/v1/persons/gibt-es-nicht", cm).send().await.unwrap()).await;
        assert_eq!((s, b["error"]["code"].as_str().unwrap()), (404, "not_found"));
        // Bad query parameters.
        let (s, b) = json(app.get("/api/v1/persons?limit=viele", cm).send().await.unwrap()).await;
        assert_eq!((s, b["error"]["code"].as_str().unwrap()), (400, "invalid_query"));
        // A NUL in a query and a huge offset are handled, not crashed on.
        let (s, b) = json(app.get("/api/v1/persons?q=%00", cm).send().await.unwrap()).await;
        assert_eq!((s, b["error"]["code"].as_str().unwrap()), (422, "invalid_input"));
        let (s, _) = json(app.get("/api/v1/persons?offset=18446744073709551615", cm).send().await.unwrap()).await;
        assert_eq!(s, 200);
        let (s, b) = json(app.delete("/api/v1/tokens/%00", &t.tokens["admin"]).send().await.unwrap()).await;
        assert_eq!((s, b["error"]["code"].as_str().unwrap()), (404, "not_found"));
        // Errors axum makes itself have our shape too.
        let (s, b) = json(app.client.patch(app.url("/api/v1/persons")).bearer_auth(cm).send().await.unwrap()).await;
        assert_eq!((s, b["error"]["code"].as_str().unwrap()), (405, "method_not_allowed"));
        let (s, b) = json(app.get("/api/v1/persons/%FF", cm).send().await.unwrap()).await;
        assert!(s == 400 || s == 404, "{s}");
        assert!(b["error"]["code"].is_string(), "{b}");
        // Pagination is bounded.
        let (_, b) = json(app.get("/api/v1/persons?limit=100000", cm).send().await.unwrap()).await;
        assert_eq!(b["limit"], 500);
        // No token, a wrong token.
        let (s, b) = json(app.client.get(app.url("/api/v1/persons")).send().await.unwrap()).await;
        assert_eq!((s, b["error"]["code"].as_str().unwrap()), (401, "unauthenticated"));
        let (s, _) = json(app.get("/api/v1/persons", "lt_bad.abc.def").send().await.unwrap()).await;
        assert_eq!(s, 401);

        // English on request.
        let (s, b) = json(app.post("/api/v1/persons", cm).header("accept-language", "en-GB").json(&with(&|b| b["sgb2_months_24"] = 30.into()).parse::<serde_json::Value>().unwrap()).send().await.unwrap()).await;
        assert_eq!(s, 422);
        assert!(b["error"]["message"].as_str().unwrap().contains("is not between 0 and 24"), "{b}");
    }
}
