//! An independent check: `key-figures`, `esf`, `programme` and `query` on a generated
//! bundle of 10,000 persons, computed by Lotse from the database and by
//! DuckDB from the bundle's CSV files with SQL written separately from the
//! spec (bench/duckdb_reports.py), compared figure by figure.

use std::path::Path;
use std::process::Command;

use lotse_bundle::source::Bundle;
use lotse_domain::{Actor, TenantId};
use lotse_reports::render;
use lotse_service::reports::{ReportParams, ReportRequest};
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The Python with DuckDB (bench/duckdb_env.sh creates its venv once).
fn duckdb_python() -> String {
    let out = Command::new("bash").arg(repo().join("bench/duckdb_env.sh")).output().expect("bash");
    assert!(out.status.success(), "bench/duckdb_env.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn duckdb(py: &str, bundle: &Path, args: &[&str]) -> Value {
    let out = Command::new(py).arg(repo().join("bench/duckdb_reports.py")).arg(bundle).args(args).output().unwrap();
    assert!(out.status.success(), "duckdb_reports.py {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `--report NAME --opt value …` as Lotse's parameters.
fn params(args: &[&str]) -> (String, ReportParams) {
    let mut p = ReportParams::default();
    let mut name = String::new();
    for pair in args.chunks(2) {
        let v = Some(pair[1].to_string());
        match pair[0] {
            "--report" => name = pair[1].to_string(),
            "--year" => p.year = v,
            "--from" => p.from = v,
            "--to" => p.to = v,
            "--program" => p.program = v,
            "--rows" => p.rows = v,
            "--cols" => p.cols = v,
            "--measure" => p.measure = v,
            other => panic!("{other}"),
        }
    }
    (name, p)
}

fn differences(args: &[&str], lotse: &Value, duck: &Value) -> Vec<String> {
    let (a, b) = (lotse["figures"].as_object().unwrap(), duck["figures"].as_object().unwrap());
    let zero = Value::from(0);
    // Lotse's additions to the spec's keys count where DuckDB computes them too.
    let mut keys: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| !lotse_reports::definitions::is_addition(k) || b.contains_key(*k))
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let x = a.get(k).map_or(&zero, |f| &f["value"]);
            let y = b.get(k).map_or(&zero, |f| &f["value"]);
            (x != y).then(|| format!("{args:?} {k}: lotse {x}, duckdb {y}"))
        })
        .collect()
}

const CASES: &[&[&str]] = &[
    &["--report", "key-figures", "--year", "2023"],
    &["--report", "key-figures", "--from", "2022-07-01", "--to", "2023-06-30"],
    &["--report", "key-figures", "--year", "2024", "--program", "g-quartier"],
    &["--report", "esf", "--year", "2023"],
    &["--report", "esf", "--from", "2021-01-01", "--to", "2024-12-31"],
    &["--report", "programme", "--year", "2023", "--program", "g-durchstarten"],
    &["--report", "programme", "--from", "2022-07-01", "--to", "2024-06-30", "--program", "g-quartier"],
    &[
        "--report",
        "query",
        "--year",
        "2023",
        "--rows",
        "gender,age_band",
        "--cols",
        "outcome_at_exit",
        "--measure",
        "persons",
    ],
    &[
        "--report",
        "query",
        "--year",
        "2022",
        "--rows",
        "program",
        "--cols",
        "entry_year",
        "--measure",
        "participations",
    ],
    &["--report", "query", "--year", "2024", "--rows", "residence_status", "--cols", "delivery", "--measure", "exits"],
    &[
        "--report",
        "query",
        "--year",
        "2023",
        "--rows",
        "district,labour_status",
        "--cols",
        "gender",
        "--measure",
        "persons",
    ],
];

lotse_testkit::both_backends! {
    async fn lotse_and_duckdb_agree_on_every_figure(db) {
        let py = duckdb_python();
        let dir = tempfile::tempdir().unwrap();
        // The data set of `bench/run --quick` (10,000 persons, seed 1).
        let g = lotse_bundle::generate::generate(dir.path(), 10_000, 1).unwrap();
        assert!(g.participations > 25_000, "{g:?}");
        let t = TenantId::parse("gen").unwrap();
        db.lotse.create_tenant(&t, "Generstadt").await.unwrap();
        let actor = Actor::system(t);
        let r = db.lotse.import_bundle(&actor, &Bundle::open(dir.path()).unwrap(), None).await.unwrap();
        assert!(r.written, "{:?}", r.errors);

        let mut diffs = Vec::new();
        let mut compared = 0;
        // As `lotse report` computes them (loading what the period needs) and
        // as `lotse serve` does (from the resident copy of the whole tenant).
        let resident = db.lotse.clone().with_resident_reports(1);
        for args in CASES {
            let (name, p) = params(args);
            let req: ReportRequest = p.request(&name).unwrap();
            let theirs = duckdb(&py, dir.path(), args);
            for lotse in [&db.lotse, &resident] {
                let report = lotse.report(&actor, &req).await.unwrap();
                let ours = render::json(&report, lotse_reports::Lang::En);
                compared += theirs["figures"].as_object().unwrap().len();
                diffs.extend(differences(args, &ours, &theirs));
            }
        }
        assert!(diffs.is_empty(), "{} differences:\n{}", diffs.len(), diffs.join("\n"));
        assert!(compared > 500, "{compared}");
        eprintln!("{compared} figures agree");
    }
}
