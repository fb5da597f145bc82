//! Reports: the spec's worked example figure by figure, roles and scopes,
//! suppression, on both backends.

use std::path::{Path, PathBuf};

use lotse_bundle::source::Bundle;
use lotse_domain::{Actor, EntityId, Role, TenantId};
use lotse_reports::{Options, Period, Report, render};
use lotse_service::Lotse;
use lotse_service::reports::ReportRequest;
use serde_json::Value;

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/example")
}

async fn example_tenant(lotse: &Lotse) -> Actor {
    let t = TenantId::parse("example").unwrap();
    lotse.create_tenant(&t, "Musterstadt").await.unwrap();
    let a = Actor::system(t);
    let r = lotse.import_bundle(&a, &Bundle::open(&example_dir().join("bundle")).unwrap(), None).await.unwrap();
    assert!(r.written, "{:?}", r.errors);
    a
}

fn year(y: i32) -> Option<Period> {
    Period::year(y)
}

/// The request an expected file's `params` describe.
fn request(name: &str, params: &Value) -> ReportRequest {
    let s = |k: &str| params.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let mut opts = Options::default();
    opts.year = s("year").map(|y| y.parse().unwrap());
    opts.program = s("program");
    opts.date = s("date").map(|d| d.parse().unwrap());
    if name == "query" {
        // query-2023.json: --rows gender --cols outcome_at_exit --measure persons (see example/README.md)
        opts.rows = vec!["gender".into()];
        opts.cols = Some("outcome_at_exit".into());
        opts.measure = "persons".into();
    }
    ReportRequest { name: name.into(), period: opts.year.and_then(year), opts }
}

/// Compares every expected figure; for `query`, a missing cell is a zero.
fn compare(file: &str, expected: &Value, got: &Report) -> Vec<String> {
    let got = render::json(got, lotse_reports::Lang::En);
    let mut diffs = Vec::new();
    let exp = expected["figures"].as_object().unwrap();
    let have = got["figures"].as_object().unwrap();
    for (k, v) in exp {
        let e = &v["value"];
        match have.get(k).map(|f| &f["value"]) {
            Some(g) if g == e => {}
            None if file.starts_with("query") && e == &Value::from(0) => {}
            g => {
                diffs.push(format!("{file}: {k}: expected {e}, got {}", g.map_or("nothing".into(), |g| g.to_string())))
            }
        }
    }
    for k in have.keys() {
        if !exp.contains_key(k) && !(file.starts_with("query") && have[k]["value"] == Value::from(0)) {
            diffs.push(format!("{file}: {k}: not expected, got {}", have[k]["value"]));
        }
    }
    diffs
}

lotse_testkit::both_backends! {
    async fn spec_example_gives_the_expected_figures(db) {
        let lotse = &db.lotse;
        let a = example_tenant(lotse).await;
        let mut diffs = Vec::new();
        let mut compared = 0;
        let mut files: Vec<_> = std::fs::read_dir(example_dir().join("expected")).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        assert_eq!(files.len(), 5);
        for f in files {
            let expected: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
            let name = expected["report"].as_str().unwrap();
            let report = lotse.report(&a, &request(name, &expected["params"])).await.unwrap();
            compared += expected["figures"].as_object().unwrap().len();
            diffs.extend(compare(&f.file_name().unwrap().to_string_lossy(), &expected, &report));
        }
        assert!(diffs.is_empty(), "{} differences:\n{}", diffs.len(), diffs.join("\n"));
        // Every figure of the five files: 120 + 100 + 37 + 1193 + 80 (see expected/).
        assert_eq!(compared, 1530);
    }
}
