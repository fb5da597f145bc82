//! Resident report data (what `lotse serve` keeps in memory): every report,
//! for the department and for provider staff, gives exactly what a report
//! loaded from storage gives — before and after changes — on both backends.

use std::path::{Path, PathBuf};

use lotse_bundle::source::Bundle;
use lotse_domain::{Actor, EntityId, Role, TenantId};
use lotse_reports::{Options, Period, render};
use lotse_service::Lotse;
use lotse_service::reports::ReportRequest;
use serde_json::Value;

fn example_bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/example/bundle")
}

async fn import(lotse: &Lotse, a: &Actor, dir: &Path) {
    let r = lotse.import_bundle(a, &Bundle::open(dir).unwrap(), None).await.unwrap();
    assert!(r.written, "{:?}", r.errors);
}

fn requests() -> Vec<ReportRequest> {
    let year = Period::year(2023);
    let day: chrono::NaiveDate = "2023-06-30".parse().unwrap();
    let base = Options::default();
    let with = |name: &str, opts: Options| ReportRequest { name: name.into(), period: year, opts };
    vec![
        with("key-figures", base.clone()),
        with("esf", base.clone()),
        with("programme", Options { program: Some("sy-a".into()), ..base.clone() }),
        with(
            "query",
            Options {
                rows: vec!["gender".into(), "age_band".into()],
                cols: Some("outcome_at_exit".into()),
                ..base.clone()
            },
        ),
        with("reach", Options { program: Some("sy-a".into()), target_size: Some(1000), ..base.clone() }),
        with("caseload", Options { date: Some(day), ..base.clone() }),
        ReportRequest {
            name: "eligibility".into(),
            period: None,
            opts: Options { program: Some("sy-a".into()), date: Some(day), ..base.clone() },
        },
    ]
}

/// The figures of every report, for comparing.
async fn figures(lotse: &Lotse, a: &Actor) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for req in requests() {
        let r = lotse.report(a, &req).await.unwrap_or_else(|e| panic!("{}: {e:?}", req.name));
        out.push((req.name.clone(), render::json(&r, lotse_reports::Lang::En)["figures"].clone()));
    }
    out
}

fn provider_staff(a: &Actor, provider: &str) -> Actor {
    Actor {
        role: Role::CaseManager,
        user_id: "cm".into(),
        provider: Some(EntityId::parse(provider).unwrap()),
        ..a.clone()
    }
}

fn assert_same(what: &str, resident: &[(String, Value)], loaded: &[(String, Value)]) {
    assert_eq!(resident.len(), loaded.len());
    for ((name, r), (_, l)) in resident.iter().zip(loaded) {
        assert!(r.as_object().is_some_and(|o| !o.is_empty()), "{what}: {name} has figures");
        assert_eq!(r, l, "{what}: {name} differs between resident and loaded data");
    }
}

lotse_testkit::both_backends! {
    async fn resident_reports_equal_loaded_reports_and_follow_every_change(db) {
        let loaded = db.lotse.clone();
        let resident = db.lotse.clone().with_resident_reports(2);
        let t = TenantId::parse("example").unwrap();
        loaded.create_tenant(&t, "Musterstadt").await.unwrap();
        let a = Actor::system(t);
        import(&loaded, &a, &example_bundle()).await;
        let version = lotse_service::audit::data_version(&loaded.db, "example").await.unwrap();
        assert!(version > 0, "the import counted as a change");

        let coordinator = Actor { role: Role::Coordinator, user_id: "co".into(), ..a.clone() };
        let provider = provider_staff(&a, "sy-pr1");
        for actor in [&coordinator, &provider] {
            let what = format!("{:?}", actor.role);
            assert_same(&what, &figures(&resident, actor).await, &figures(&loaded, actor).await);
        }
        // Provider staff see less than the department (the cut is real).
        let department = figures(&resident, &coordinator).await;
        assert_ne!(department[0], figures(&resident, &provider).await[0]);
        // Reading changes nothing.
        assert_eq!(lotse_service::audit::data_version(&loaded.db, "example").await.unwrap(), version);

        // A change of a person and of a participation, imported.
        let dir = tempfile::tempdir().unwrap();
        for f in std::fs::read_dir(example_bundle()).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
        }
        let edit = |file: &str, from: &str, to: &str| {
            let p = dir.path().join(file);
            let s = std::fs::read_to_string(&p).unwrap();
            assert!(s.contains(from), "{file} holds {from}");
            std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
        };
        edit("persons.csv", "sy-p00002,sy-pr2,Elif,Sahin,,female", "sy-p00002,sy-pr2,Elif,Sahin,,male");
        edit("participations.csv", "sy-t000002,sy-p00002,sy-i25,sy-s025,2022-07-01,2023-12-31", "sy-t000002,sy-p00002,sy-i25,sy-s025,2022-07-01,2023-05-31");
        import(&loaded, &a, dir.path()).await;
        assert!(lotse_service::audit::data_version(&loaded.db, "example").await.unwrap() > version);
        let after = figures(&resident, &coordinator).await;
        assert_same("after the import", &after, &figures(&loaded, &coordinator).await);
        assert_ne!(after[0], department[0], "the change shows in key-figures");
        let gender = |f: &[(String, Value)], k: &str| f[0].1[k]["value"].clone();
        assert_eq!(
            gender(&after, "persons_by_gender.male").as_i64().unwrap(),
            gender(&department, "persons_by_gender.male").as_i64().unwrap() + 1
        );
    }
}

lotse_testkit::both_backends! {
    async fn resident_copies_of_several_tenants_stay_apart(db) {
        let loaded = db.lotse.clone();
        // Room for one tenant: every switch evicts the other's copy.
        let resident = db.lotse.clone().with_resident_reports(1);
        let mut actors = Vec::new();
        for (id, name) in [("example", "Musterstadt"), ("zweite", "Zweitstadt")] {
            let t = TenantId::parse(id).unwrap();
            loaded.create_tenant(&t, name).await.unwrap();
            let a = Actor::system(t);
            actors.push(Actor { role: Role::Coordinator, user_id: "co".into(), ..a.clone() });
            if id == "example" {
                import(&loaded, &a, &example_bundle()).await;
            }
        }
        let key_figures = &requests()[0];
        for round in 0..2 {
            for a in &actors {
                let r = resident.report(a, key_figures).await.unwrap();
                let l = loaded.report(a, key_figures).await.unwrap();
                let (r, l) = (render::json(&r, lotse_reports::Lang::En), render::json(&l, lotse_reports::Lang::En));
                assert_eq!(r["figures"], l["figures"], "round {round}, tenant {}", a.tenant.as_str());
                let persons = r["figures"]["persons_total"]["value"].as_i64().unwrap();
                assert_eq!(persons > 0, a.tenant.as_str() == "example", "each tenant sees its own data");
                assert_eq!(resident.resident_reports().unwrap().resident_tenants(), 1, "room for one");
            }
        }
    }
}

lotse_testkit::both_backends! {
    async fn the_resident_copy_is_reused_until_a_change_and_follows_edits(db) {
        let loaded = db.lotse.clone();
        let resident = db.lotse.clone().with_resident_reports(4);
        let loads = || resident.resident_reports().unwrap().loads();
        let t = TenantId::parse("example").unwrap();
        loaded.create_tenant(&t, "Musterstadt").await.unwrap();
        let a = Actor::system(t);
        import(&loaded, &a, &example_bundle()).await;
        let coordinator = Actor { role: Role::Coordinator, user_id: "co".into(), ..a.clone() };

        let before = figures(&resident, &coordinator).await;
        assert_same("first", &before, &figures(&resident, &coordinator).await);
        assert_eq!(loads(), 1, "fourteen reports, one load");

        // Folding the counted changes (the audit sealer does it) moves nothing.
        let version = lotse_service::audit::data_version(&loaded.db, "example").await.unwrap();
        loaded.seal_audit().await.unwrap();
        assert_eq!(lotse_service::audit::data_version(&loaded.db, "example").await.unwrap(), version);
        figures(&resident, &coordinator).await;
        assert_eq!(loads(), 1, "still the same copy after folding");

        // An edit of a person through the service.
        let id = EntityId::parse("sy-p00002").unwrap();
        let mut person = serde_json::to_value(loaded.person(&a, &id).await.unwrap()).unwrap();
        assert_eq!(person["gender"], "female");
        person["gender"] = "male".into();
        loaded.update_person(&a, &id, serde_json::from_value(person.clone()).unwrap()).await.unwrap();
        let after = figures(&resident, &coordinator).await;
        assert_eq!(loads(), 2);
        assert_same("after the edit", &after, &figures(&loaded, &coordinator).await);
        let value = |f: &[(String, Value)], k: &str| f[0].1[k]["value"].as_i64().unwrap();
        assert_eq!(value(&after, "persons_by_gender.male"), value(&before, "persons_by_gender.male") + 1);

        // A new person (eligibility lists every person).
        person["id"] = "sy-neu01".into();
        person["family_name"] = "Neumann".into();
        loaded.create_person(&a, serde_json::from_value(person).unwrap()).await.unwrap();
        let eligibility = |f: &[(String, Value)]| f.iter().find(|(n, _)| n == "eligibility").unwrap().1.clone();
        let created = figures(&resident, &coordinator).await;
        assert_eq!(loads(), 3);
        assert!(eligibility(&created).get("persons.sy-neu01.eligible").is_some(), "the new person is listed");
        assert!(eligibility(&after).get("persons.sy-neu01.eligible").is_none());
        assert_same("after the new person", &created, &figures(&loaded, &coordinator).await);
    }
}
