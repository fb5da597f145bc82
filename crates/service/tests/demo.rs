//! The demo tenants hold the seed documents' figures.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use lotse_bundle::source::Bundle;
use lotse_bundle::write::FolderSink;
use lotse_domain::{Actor, TenantId};
use lotse_service::Lotse;

/// The rows of one exported file as maps column → value.
fn rows(dir: &Path, file: &str) -> Vec<HashMap<String, String>> {
    let b = Bundle::open(dir).unwrap();
    let r = b.rows(file).unwrap().unwrap();
    let header = r.header.clone();
    r.map(|row| header.iter().cloned().zip(row.unwrap().fields).collect()).collect()
}

async fn export(lotse: &Lotse, tenant: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let actor = Actor::system(TenantId::parse(tenant).unwrap());
    lotse.export_bundle(&actor, Box::new(FolderSink::new(dir.path()).unwrap())).await.unwrap();
    dir
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn active_on(p: &HashMap<String, String>, day: NaiveDate) -> bool {
    date(&p["entry_date"]).unwrap() <= day && date(&p["exit_date"]).is_none_or(|x| x >= day)
}

lotse_testkit::both_backends! {
    async fn demo_tenants_reproduce_the_seed_figures(db) {
        let lotse = &db.lotse;
        lotse_service::demo::load(lotse).await.unwrap();
        // Loading again changes nothing (the importer is idempotent).
        lotse_service::demo::load(lotse).await.unwrap();

        // Leverkusen: module 6 with 86 persons, 22 apprenticeships, 16 insured employment.
        let lev = export(lotse, "leverkusen").await;
        let parts = rows(lev.path(), "participations.csv");
        let outcomes = rows(lev.path(), "outcomes.csv");
        let offer_of: HashMap<&str, &str> = parts.iter().map(|p| (p["participation_id"].as_str(), p["offer_id"].as_str())).collect();
        let count = |offer: &str, kind: &str| outcomes.iter().filter(|o| offer_of[o["participation_id"].as_str()] == offer && o["kind"] == kind).count();
        assert_eq!(parts.iter().filter(|p| p["offer_id"] == "lev-tm").count(), 86);
        assert_eq!(count("lev-tm", "apprenticeship"), 22);
        assert_eq!(count("lev-tm", "employment_insured"), 16);
        // Module 1: at most five at once; 1 apprenticeship, 2 insured employment, 2 further support.
        let mut spans: Vec<(NaiveDate, Option<NaiveDate>)> = parts.iter().filter(|p| p["offer_id"] == "lev-coaching").map(|p| (date(&p["entry_date"]).unwrap(), date(&p["exit_date"]))).collect();
        assert_eq!(lotse_service::import::peak_concurrent(&mut spans), 5);
        assert_eq!((count("lev-coaching", "apprenticeship"), count("lev-coaching", "employment_insured"), count("lev-coaching", "further_support")), (1, 2, 2));
        let offers = rows(lev.path(), "offers.csv");
        let tm = offers.iter().find(|o| o["offer_id"] == "lev-tm").unwrap();
        assert_eq!((tm["start_date"].as_str(), tm["end_date"].as_str(), tm["provider_id"].as_str()), ("2020-03-01", "2022-06-30", "kja"));
        let co = offers.iter().find(|o| o["offer_id"] == "lev-coaching").unwrap();
        assert_eq!((co["start_date"].as_str(), co["end_date"].as_str(), co["capacity"].as_str()), ("2022-02-01", "2023-06-30", "5"));

        // Groß-Gerau: 80 per coach, 44 insured employment (9 single parents), 14 mini-jobs.
        let gg = export(lotse, "gross-gerau").await;
        let parts = rows(gg.path(), "participations.csv");
        let day = NaiveDate::from_ymd_opt(2018, 2, 1).unwrap();
        for coach in ["kjc-coach1", "kjc-coach2", "kjc-coach3"] {
            assert_eq!(parts.iter().filter(|p| p["staff_id"] == coach && active_on(p, day)).count(), 80, "{coach}");
        }
        let outcomes = rows(gg.path(), "outcomes.csv");
        let persons = rows(gg.path(), "persons.csv");
        let person_of: HashMap<&str, &str> = parts.iter().map(|p| (p["participation_id"].as_str(), p["person_id"].as_str())).collect();
        let single: Vec<&str> = persons.iter().filter(|p| p["single_parent"] == "yes").map(|p| p["person_id"].as_str()).collect();
        let insured: Vec<&HashMap<String, String>> = outcomes.iter().filter(|o| o["kind"] == "employment_insured").collect();
        assert_eq!(insured.len(), 44);
        assert_eq!(insured.iter().filter(|o| single.contains(&person_of[o["participation_id"].as_str()])).count(), 9);
        assert_eq!(outcomes.iter().filter(|o| o["kind"] == "minijob").count(), 14);
        let programs = rows(gg.path(), "programs.csv");
        assert!(programs[0]["target_group"].contains("sgb2_months_24 >= 21"));

        // Krefeld 2023: 1,351 group offers, 21,700 group participants, 2,100 persons in individual support.
        let kr = export(lotse, "krefeld").await;
        let offers = rows(kr.path(), "offers.csv");
        let (y0, y1) = (NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2023, 12, 31).unwrap());
        let groups: Vec<&HashMap<String, String>> = offers.iter().filter(|o| o["delivery"] == "group" && date(&o["start_date"]).is_none_or(|s| s <= y1) && date(&o["end_date"]).is_none_or(|e| e >= y0)).collect();
        assert_eq!(groups.len(), 1351);
        let unregistered: u64 = groups.iter().map(|o| o["unregistered_participants"].parse::<u64>().unwrap_or(0)).sum();
        let parts = rows(kr.path(), "participations.csv");
        let delivery: HashMap<&str, &str> = offers.iter().map(|o| (o["offer_id"].as_str(), o["delivery"].as_str())).collect();
        let active_2023 = |p: &&HashMap<String, String>| date(&p["entry_date"]).unwrap() <= y1 && date(&p["exit_date"]).is_none_or(|x| x >= y0);
        let registered = parts.iter().filter(active_2023).filter(|p| delivery[p["offer_id"].as_str()] == "group").count() as u64;
        assert_eq!(unregistered + registered, 21_700);
        let individual: std::collections::HashSet<&str> = parts.iter().filter(active_2023).filter(|p| delivery[p["offer_id"].as_str()] == "individual").map(|p| p["person_id"].as_str()).collect();
        assert_eq!(individual.len(), 2100);
        let finance = rows(kr.path(), "finance.csv");
        let sum = |kind: &str| -> i64 { finance.iter().filter(|f| f["kind"] == kind && f["year"] == "2023").map(|f| lotse_bundle::cell::parse_money(&f["amount_eur"], lotse_bundle::Dialect::Canonical).unwrap()).sum() };
        assert_eq!(sum("expense"), 7_000_000_00);
        assert_eq!(sum("funding"), 3_950_000_00);
        assert_eq!(sum("revenue"), 2_400_000_00);
        assert!(finance.iter().any(|f| f["category"] == "hze_avoided" && f["quantity"] == "4180"));
        let staff = rows(kr.path(), "staff.csv");
        assert_eq!(staff.iter().filter(|s| s["role"] == "Schulsozialarbeit Grundschule").count(), 21);
        assert_eq!(staff.iter().filter(|s| s["role"] == "Schulsozialarbeit weiterführende Schule").count(), 17);
    }
}
