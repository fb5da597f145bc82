//! Personal data never appears in logs, even at the most verbose level.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use lotse_testkit::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_personal_data_in_logs_at_trace_level() {
    let db = TestDb::sqlite().await;
    let url = db.url.clone();
    let token = super::setup_async(&url).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_lotse"))
        .args(["serve", "--bind", "127.0.0.1:0", "--db", &url])
        .env("LOTSE_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 4096];
    let mut seen = String::new();
    while !seen.contains("Beenden mit") {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "server ended early");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let base = format!("http://{}", seen.split("http://").nth(1).unwrap().split('/').next().unwrap());
    let client = reqwest::Client::new();
    let mut body = serde_json::to_value(lotse_testkit::fixture::person_input("p1", "Wąsowska-Unikat")).unwrap();
    body["id"] = "log-probe".into();
    body["given_name"] = "Zerafina".into();
    let r = client.post(format!("{base}/api/v1/persons")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    client.get(format!("{base}/api/v1/persons?q=Unikat")).bearer_auth(&token).send().await.unwrap();
    client.get(format!("{base}/api/v1/persons/log-probe")).bearer_auth(&token).send().await.unwrap();
    body["family_name"] = "Geändert-Unikat".into();
    client.put(format!("{base}/api/v1/persons/log-probe")).bearer_auth(&token).json(&body).send().await.unwrap();
    // A failing request too: errors must not quote the data.
    body["birth_date"] = "2001-02-30".into();
    client.put(format!("{base}/api/v1/persons/log-probe")).bearer_auth(&token).json(&body).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await; // let the sealer run and log
    // SIGTERM, so that the server shuts down as in production.
    Command::new("kill").arg(child.id().to_string()).status().unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.len() > 1000, "trace logging produced output: {} bytes", log.len());
    for secret in ["Unikat", "Zerafina", "Wąsowska", "2001-04-17", "geheim-und-lang-123", &token] {
        assert!(!log.contains(secret), "log contains {secret:?}");
    }
}
