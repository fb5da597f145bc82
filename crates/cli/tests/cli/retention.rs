//! `lotse retention`: rules, a dry run that changes nothing, a run after
//! which the past reports give the same figures.

use super::{lotse, ok};

fn figures(url: &str, report: &str, year: &str) -> serde_json::Value {
    let out = ok(&["--db", url, "report", report, "--tenant", "leverkusen", "--year", year, "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["figures"].clone()
}

lotse_testkit::both_backends! {
    async fn retention_run_from_the_command_line_keeps_past_reports(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let url = db.url.clone();
        tokio::task::spawn_blocking(move || {
            let none = ok(&["--db", &url, "retention", "run", "--tenant", "leverkusen", "--dry-run"], None);
            assert!(none.contains("0 Personen wären zu anonymisieren"), "{none}");
            let rules = ok(&["--db", &url, "retention", "rules", "--tenant", "leverkusen", "--set", "after_case_closed:2"], None);
            assert!(rules.contains("after_case_closed  2 Jahre  alle Programme"), "{rules}");
            let bad = lotse(&["--db", &url, "retention", "rules", "--tenant", "leverkusen", "--set", "immer:2"], None);
            assert!(!bad.status.success());
            assert!(String::from_utf8_lossy(&bad.stderr).contains("keine Aufbewahrungsregel"));
            let before: Vec<_> = [("key-figures", "2021"), ("key-figures", "2022"), ("esf", "2022")].iter().map(|(r, y)| figures(&url, r, y)).collect();
            assert!(before[1].as_object().is_some_and(|m| !m.is_empty()));
            let dry = ok(&["--db", &url, "retention", "run", "--tenant", "leverkusen", "--dry-run"], None);
            let listed = dry.lines().filter(|l| l.contains("anonymise")).count();
            assert!(listed >= 90, "{dry}");
            assert!(dry.contains("Probelauf") && dry.contains("nichts geändert"));
            // No names in the listing: ids only.
            assert!(!dry.contains("Nachname") && dry.lines().all(|l| l.split_whitespace().count() <= 12));
            let run = ok(&["--db", &url, "retention", "run", "--tenant", "leverkusen"], None);
            assert!(run.contains(&format!("{listed} Personen anonymisiert, 0 gelöscht")), "{run}");
            let after: Vec<_> = [("key-figures", "2021"), ("key-figures", "2022"), ("esf", "2022")].iter().map(|(r, y)| figures(&url, r, y)).collect();
            assert_eq!(before, after);
            let again = ok(&["--db", &url, "retention", "run", "--tenant", "leverkusen", "--dry-run"], None);
            assert!(again.contains("0 Personen wären zu anonymisieren"), "{again}");
        })
        .await
        .unwrap();
    }
}
