//! Reports through the API: who sees which figures, suppression for the
//! controller, scope for provider staff, formats and bad parameters.

use lotse_bundle::source::Bundle;
use lotse_domain::{Actor, EntityId, Login, Role};
use lotse_service::auth::NewToken;
use lotse_service::users::NewUser;
use lotse_testkit::{TestApp, fixture, json};

fn example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/example/bundle")
}

/// A case manager at the example's provider `sy-pr1` (8 of its 60 persons).
async fn case_manager_at_pr1(lotse: &lotse_service::Lotse, sys: &Actor) -> String {
    let login = Login::parse("cm-pr1").unwrap();
    lotse
        .create_user(
            sys,
            NewUser {
                login: login.clone(),
                display_name: None,
                role: Role::CaseManager,
                provider_id: Some(EntityId::parse("sy-pr1").unwrap()),
                password: "test-passwort".into(),
                staff_id: None,
            },
        )
        .await
        .unwrap();
    lotse.create_token(sys, NewToken { name: "t".into(), days: None, login: Some(login) }).await.unwrap().token
}

lotse_testkit::both_backends! {
    async fn reports_follow_roles_scope_and_suppression(db) {
        let t = fixture::tenant(&db.lotse, "rep").await;
        let sys = Actor::system(t.id.clone());
        let r = db.lotse.import_bundle(&sys, &Bundle::open(&example()).unwrap(), None).await.unwrap();
        assert!(r.written, "{:?}", r.errors);
        let cm = case_manager_at_pr1(&db.lotse, &sys).await;
        let app = TestApp::spawn(&db.lotse).await;

        // The department sees the figures as they are, each with its definition.
        let (s, body) = json(app.get("/api/v1/reports/key-figures?year=2023", &t.tokens["coordinator"]).send().await.unwrap()).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["figures"]["persons_total"]["value"], 46);
        assert_eq!(body["figures"]["persons_by_gender.diverse"]["value"], 2);
        assert_eq!(body["figures"]["finance.net_cost"]["value"], "-2512097.90");
        assert!(body["figures"]["persons_total"]["definition"].as_str().unwrap().starts_with("Personen mit einer"));
        assert_eq!(body["suppressed"], false);

        // The controller's figures are always protected: 2 diverse persons become `*`.
        let (s, body) = json(app.get("/api/v1/reports/key-figures?year=2023", &t.tokens["controller"]).send().await.unwrap()).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["suppressed"], true);
        assert_eq!(body["figures"]["persons_by_gender.diverse"]["value"], serde_json::Value::Null);
        assert_eq!(body["figures"]["persons_by_gender.diverse"]["suppressed"], true);
        assert_eq!(body["figures"]["persons_total"]["value"], 46, "large counts stay readable");
        // ... and never lists persons.
        let (s, _) = json(app.get("/api/v1/reports/eligibility?program=sy-a&date=2023-06-30", &t.tokens["controller"]).send().await.unwrap()).await;
        assert_eq!(s, 403);

        // A case manager counts and lists only their provider's persons.
        let (s, body) = json(app.get("/api/v1/reports/eligibility?program=sy-a&date=2023-06-30", &cm).send().await.unwrap()).await;
        assert_eq!(s, 200, "{body}");
        let listed = body["figures"].as_object().unwrap().keys().filter(|k| k.ends_with(".eligible")).count();
        assert_eq!(listed, 8, "the 8 persons of sy-pr1");
        let (_, mine) = json(app.get("/api/v1/reports/key-figures?year=2023", &cm).send().await.unwrap()).await;
        let n = mine["figures"]["persons_total"]["value"].as_i64().unwrap();
        assert!(n > 0 && n <= 8, "{n}");
        // ... and only their provider's group offers (20 of the example's 90 in 2023).
        assert_eq!(mine["figures"]["group_offers"]["value"], 20);

        // Behind a count: the pseudonymised records, for the coordinator, not the controller.
        let path = "/api/v1/reports/key-figures/records?year=2023&key=persons_by_gender.diverse";
        let (s, rec) = json(app.get(path, &t.tokens["coordinator"]).send().await.unwrap()).await;
        assert_eq!(s, 200, "{rec}");
        assert_eq!(rec["value"], 2);
        assert_eq!(rec["records"].as_array().unwrap().len(), 2);
        assert!(!rec.to_string().contains("family_name") && !rec.to_string().contains("given_name"));
        let (s, _) = json(app.get(path, &t.tokens["controller"]).send().await.unwrap()).await;
        assert_eq!(s, 403);

        // Administration and audit see no case figures.
        for role in ["admin", "auditor"] {
            let (s, _) = json(app.get("/api/v1/reports/key-figures?year=2023", &t.tokens[role]).send().await.unwrap()).await;
            assert_eq!(s, 403, "{role}");
        }
    }

    async fn bad_report_parameters_get_clear_errors(db) {
        let t = fixture::tenant(&db.lotse, "repbad").await;
        let app = TestApp::spawn(&db.lotse).await;
        let tok = &t.tokens["coordinator"];
        let cases = [
            ("/api/v1/reports/sachstand?year=2023", "report", "Unbekannter Bericht „sachstand“"),
            ("/api/v1/reports/key-figures", "period", "Bitte einen Zeitraum angeben"),
            ("/api/v1/reports/key-figures?year=2023&from=2023-01-01", "year", "entweder --year oder --from/--to"),
            ("/api/v1/reports/key-figures?from=2023-05-01&to=2023-04-01", "to", "Ende liegt vor dem Anfang"),
            ("/api/v1/reports/esf?from=2023-02-30&to=2023-12-31", "from", "„2023-02-30“ ist kein Datum"),
            ("/api/v1/reports/programme?year=2023", "program", "braucht ein Programm"),
            ("/api/v1/reports/programme?year=2023&program=gibtsnicht", "program", "Das Programm „gibtsnicht“ gibt es"),
            ("/api/v1/reports/query?year=2023&rows=geschlecht&cols=gender", "dimension", "Unbekannte Dimension „geschlecht“"),
            ("/api/v1/reports/query?year=2023&rows=gender&cols=delivery&age_bands=30,18", "age_bands", "aufsteigende Altersgrenzen"),
            ("/api/v1/reports/key-figures?year=2023&format=docx", "format", "Format json, csv, xlsx"),
        ];
        for (path, field, message) in cases {
            let (s, body) = json(app.get(path, tok).send().await.unwrap()).await;
            assert_eq!(s, 422, "{path}: {body}");
            let m = body["error"]["message"].as_str().unwrap();
            assert!(m.contains(message), "{path}: {m}");
            assert!(m.starts_with(field) || body["error"]["field"] == field || m.contains(field), "{path}: {m}");
        }
    }

    async fn allocation_over_uploaded_units_adds_up_to_the_cent(db) {
        let t = fixture::tenant(&db.lotse, "alloc").await;
        let app = TestApp::spawn(&db.lotse).await;
        let units = "unit_id,name,population,area_km2\nk1,Stadt,600000,200\nk2,Kreis,300000,100\nk3,Flächenkreis,100000,1200\n";
        let res = app.post("/api/v1/allocation?total=1000000.01&format=json", &t.tokens["coordinator"]).body(units).send().await.unwrap();
        let (s, body) = json(res).await;
        assert_eq!(s, 200, "{body}");
        let f = &body["figures"];
        let cents: i64 = ["k1", "k2", "k3"]
            .iter()
            .map(|k| f[format!("units.{k}.amount")]["value"].as_str().unwrap().replace('.', "").parse::<i64>().unwrap())
            .sum();
        assert_eq!(cents, 100_000_001);
        // k3 (10 % of the people, 80 % of the area) is capped at 1.25 × 0.1.
        assert_eq!(f["units.k3.share"]["value"], 0.125);
        let (s, body) = json(app.post("/api/v1/allocation?total=100", &t.tokens["coordinator"]).body("unit_id,name,population,area_km2\nk1,A,viel,3\n").send().await.unwrap()).await;
        assert_eq!(s, 422);
        assert!(body["error"]["message"].as_str().unwrap().contains("Zeile 2: population: „viel“ ist keine Zahl"), "{body}");
    }
}

lotse_testkit::both_backends! {
    async fn publishing_freezes_a_report(db) {
        let t = fixture::tenant(&db.lotse, "pub").await;
        let sys = Actor::system(t.id.clone());
        let r = db.lotse.import_bundle(&sys, &Bundle::open(&example()).unwrap(), None).await.unwrap();
        assert!(r.written, "{:?}", r.errors);
        let app = TestApp::spawn(&db.lotse).await;
        let path = "/api/v1/reports/esf/publications?year=2023&title=ESF%202023";
        let (s, _) = json(app.post(path, &t.tokens["controller"]).send().await.unwrap()).await;
        assert_eq!(s, 403, "the controller does not publish");
        let (s, p) = json(app.post(path, &t.tokens["coordinator"]).send().await.unwrap()).await;
        assert_eq!(s, 201, "{p}");
        assert_eq!(p["title"], "ESF 2023");
        let id = p["id"].as_str().unwrap();

        let res = app.get(&format!("/api/v1/publications/{id}?format=csv"), &t.tokens["head"]).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["x-lotse-content-hash"].to_str().unwrap(), p["content_hash"].as_str().unwrap());
        let csv = res.text().await.unwrap();
        assert!(csv.lines().any(|l| l.starts_with("EECO01.non_binary,,true,")), "published reports are suppressed: {csv}");

        let (s, list) = json(app.get("/api/v1/publications", &t.tokens["controller"]).send().await.unwrap()).await;
        assert_eq!((s, list.as_array().unwrap().len()), (200, 1));
        let (s, c) = json(app.get(&format!("/api/v1/publications/{id}/comparison"), &t.tokens["coordinator"]).send().await.unwrap()).await;
        assert_eq!((s, c["differs"].as_bool()), (200, Some(false)), "{c}");
        let (s, _) = json(app.get("/api/v1/publications/gibt-es-nicht", &t.tokens["coordinator"]).send().await.unwrap()).await;
        assert_eq!(s, 404);
    }
}
