//! Importing a bundle through the API (multipart upload), as the web
//! interface will.

use lotse_testkit::{TestApp, fixture, json};

fn part(name: &str, text: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_owned())
}

lotse_testkit::both_backends! {
    async fn upload_with_an_error_lists_it_and_writes_nothing(db) {
        let t = fixture::tenant(&db.lotse, "upload").await;
        let app = TestApp::spawn(&db.lotse).await;
        let coord = &t.tokens["coordinator"];
        let providers = "provider_id,name,kind\nkja,Jugendagentur,welfare\n";
        let bad_programs = "program_id,name,funder,start_date,end_date,target_group\nds,Durchstarten,Land,2020-03-01,31.02.2023,\n";
        let form = reqwest::multipart::Form::new().part("f1", part("providers.csv", providers)).part("f2", part("programs.csv", bad_programs));
        let (s, body) = json(app.post("/api/v1/imports", coord).multipart(form).send().await.unwrap()).await;
        assert_eq!(s, 422, "{body}");
        assert_eq!(body["error"]["code"], "invalid_bundle");
        assert_eq!(body["report"]["errors"][0]["text"], "programs.csv:2:end_date: ungültiges Datum „31.02.2023“; erwartet JJJJ-MM-TT oder TT.MM.JJJJ");
        let (_, list) = json(app.get("/api/v1/providers", coord).send().await.unwrap()).await;
        assert_eq!(list["total"], 2, "only the fixture's providers: nothing was written");

        // Corrected, it goes through.
        let good_programs = bad_programs.replace("31.02.2023", "30.06.2023");
        let form = reqwest::multipart::Form::new().part("f1", part("providers.csv", providers)).part("f2", part("programs.csv", &good_programs));
        let (s, body) = json(app.post("/api/v1/imports", coord).multipart(form).send().await.unwrap()).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["files"][0]["file"], "providers.csv");
        assert_eq!(body["files"][0]["created"], 1);
        assert_eq!(body["rebuilt_indexes"], serde_json::json!([]), "a small import keeps its indexes");
        // A case manager may not import; an unsupported file is a clear 400.
        let form = reqwest::multipart::Form::new().part("f1", part("providers.csv", providers));
        let (s, _) = json(app.post("/api/v1/imports", &t.tokens["case_manager"]).multipart(form).send().await.unwrap()).await;
        assert_eq!(s, 403);
        let form = reqwest::multipart::Form::new().part("f1", part("liste.pdf", "%PDF"));
        let (s, body) = json(app.post("/api/v1/imports", coord).multipart(form).send().await.unwrap()).await;
        assert_eq!((s, body["error"]["code"].as_str().unwrap()), (400, "invalid_upload"));
    }

    async fn a_large_first_upload_names_the_tables_whose_indexes_it_built(db) {
        let t = fixture::tenant(&db.lotse, "gross").await;
        let app = TestApp::spawn(&db.lotse).await;
        let dir = tempfile::tempdir().unwrap();
        lotse_bundle::generate::generate(dir.path(), 10_000, 5).unwrap();
        let mut form = reqwest::multipart::Form::new();
        for (i, e) in std::fs::read_dir(dir.path()).unwrap().enumerate() {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            form = form.part(format!("f{i}"), reqwest::multipart::Part::bytes(bytes).file_name(name));
        }
        let (s, body) = json(app.post("/api/v1/imports", &t.tokens["coordinator"]).multipart(form).send().await.unwrap()).await;
        assert_eq!(s, 200, "{}", body["error"]);
        // outcomes.csv (over 1 MiB) goes into a table the fixture left empty.
        let rebuilt = body["rebuilt_indexes"].as_array().unwrap();
        assert!(rebuilt.iter().any(|t| t == "outcomes"), "{rebuilt:?}");
        // PostgreSQL checks its keys once at the end; SQLite row by row.
        let checked = body["keys_checked_at_end"].as_array().unwrap();
        match db.backend {
            lotse_db::Backend::Postgres => assert!(checked.iter().any(|t| t == "outcomes"), "{checked:?}"),
            lotse_db::Backend::Sqlite => assert!(checked.is_empty(), "{checked:?}"),
        }
    }
}
