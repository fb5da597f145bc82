//! A server killed with SIGKILL while writing loses no acknowledged write
//! and starts again cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lotse_db::Backend;
use lotse_testkit::TestDb;

use super::ok;

fn start(url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lotse"))
        .args(["serve", "--bind", "127.0.0.1:0", "--db", url])
        .env("LOTSE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    while !line.contains("läuft auf") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "server ended before listening");
    }
    let base = line.split("http://").nth(1).unwrap().split('/').next().unwrap().to_owned();
    std::thread::spawn(move || for _ in out.lines() {});
    (child, format!("http://{base}"))
}

async fn crash_during_writes(backend: Backend) {
    let db = TestDb::of(backend).await;
    let url = db.url.clone();
    let token = super::setup_async(&url).await;
    let (mut child, base) = start(&url);
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = vec![];
    for w in 0..6 {
        let (client, base, token, acked) = (client.clone(), base.clone(), token.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let mut body = serde_json::to_value(lotse_testkit::fixture::person_input("p1", "Absturz")).unwrap();
                let id = format!("w{w}-{i}");
                body["id"] = id.clone().into();
                match client.post(format!("{base}/api/v1/persons")).bearer_auth(&token).json(&body).send().await {
                    Ok(r) if r.status() == 201 => acked.lock().unwrap().push(id),
                    Ok(r) => panic!("unexpected {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 10, "writes happened before the kill: {}", acked.len());

    let (mut child, base) = start(&url);
    let mut missing = vec![];
    for id in &acked {
        let r = client.get(format!("{base}/api/v1/persons/{id}")).bearer_auth(&token).send().await.unwrap();
        if r.status() != 200 {
            missing.push(id.clone());
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(missing.is_empty(), "acknowledged writes lost: {missing:?}");
    // Consistent: every write has its audit entry, and the chain verifies.
    let url2 = url.clone();
    let verify = tokio::task::spawn_blocking(move || ok(&["--db", &url2, "audit", "verify"], None)).await.unwrap();
    assert!(verify.contains("unversehrt"), "{verify}");
    if backend == Backend::Sqlite {
        let l = lotse_service::Lotse::open(&url).await.unwrap();
        assert_eq!(lotse_db::backend::sqlite_integrity(&l.db).await.unwrap(), "ok");
    }
    let l = lotse_service::Lotse::open(&url).await.unwrap();
    let creates: u64 = l
        .audit_entries(
            &lotse_domain::Actor {
                role: lotse_domain::Role::Auditor,
                ..lotse_domain::Actor::system(lotse_domain::TenantId::parse("t").unwrap())
            },
            &lotse_service::audit::AuditFilter {
                entity: Some("person".into()),
                action: Some("create".into()),
                ..Default::default()
            },
            Default::default(),
        )
        .await
        .unwrap()
        .total;
    let persons = l
        .persons(&lotse_domain::Actor::system(lotse_domain::TenantId::parse("t").unwrap()), Default::default())
        .await
        .unwrap()
        .total;
    assert_eq!(creates, persons, "one create entry per stored person");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_sqlite() {
    crash_during_writes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_postgres() {
    if lotse_testkit::backend_enabled("postgres") {
        crash_during_writes(Backend::Postgres).await;
    }
}
