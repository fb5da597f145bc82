//! Backups: SQLite with `lotse backup`/`lotse restore`, PostgreSQL with
//! pg_dump/pg_restore as docs/operations.md describes.

use std::process::Command;

use lotse_domain::{Actor, Role, TenantId};
use lotse_service::Lotse;
use lotse_service::persons::PersonQuery;
use lotse_testkit::{TestDb, pg_admin_url};

use super::{lotse, ok, setup};

async fn person_count(url: &str) -> u64 {
    let l = Lotse::open(url).await.unwrap();
    let actor = Actor { role: Role::Admin, ..Actor::system(TenantId::parse("t").unwrap()) };
    let n = l.persons(&actor, PersonQuery::default()).await.unwrap().total;
    assert!(l.verify_audit(&actor).await.unwrap().ok);
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_and_restore_round_trip() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("sicherung.db");
    let restored = format!("sqlite://{}", dir.path().join("neu").join("lotse.db").display());
    let (url, b) = (db.url.clone(), backup.clone());
    let url2 = url.clone();
    tokio::task::spawn_blocking(move || {
        setup(&url);
        let cm = Actor::system(TenantId::parse("t").unwrap());
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let l = Lotse::open(&url).await.unwrap();
            for i in 0..20 {
                let input = lotse_service::persons::PersonInput {
                    id: Some(lotse_domain::EntityId::parse(&format!("b{i}")).unwrap()),
                    ..lotse_testkit::fixture::person_input("p1", "Sicher")
                };
                l.create_person(&cm, input).await.unwrap();
            }
        });
        // Online: the source stays open (db holds a pool) while it is copied.
        let out = ok(&["--db", &url, "backup", b.to_str().unwrap()], None);
        assert!(out.contains("Sicherung geschrieben"));
        // Not over an existing file.
        assert!(!lotse(&["--db", &url, "backup", b.to_str().unwrap()], None).status.success());
        ok(&["--db", &restored, "restore", b.to_str().unwrap()], None);
        // Restore refuses to overwrite without --force, and rejects a damaged file.
        let again = lotse(&["--db", &restored, "restore", b.to_str().unwrap()], None);
        assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
        let junk = b.with_file_name("kaputt.db");
        std::fs::write(&junk, b"keine Datenbank").unwrap();
        let bad = lotse(&["--db", &restored, "restore", "--force", junk.to_str().unwrap()], None);
        assert!(!bad.status.success());
        (url2, restored)
    })
    .await
    .map(|(src, dst)| async move {
        assert_eq!(person_count(&src).await, 20);
        assert_eq!(person_count(&dst).await, 20);
    })
    .unwrap()
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_pg_dump_and_pg_restore_round_trip() {
    if !lotse_testkit::backend_enabled("postgres") {
        return;
    }
    let src = TestDb::postgres().await;
    let dst = TestDb::postgres().await;
    let (s, d) = (src.url.clone(), dst.url.clone());
    tokio::task::spawn_blocking(move || {
        setup(&s);
        let dir = tempfile::tempdir().unwrap();
        let dump = dir.path().join("lotse.dump");
        let st = Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--file"])
            .arg(&dump)
            .arg(&s)
            .status()
            .expect("pg_dump installed");
        assert!(st.success());
        // Into an empty database: drop what the harness migrated there first.
        let st = Command::new("psql")
            .env("PGOPTIONS", "--client-min-messages=warning")
            .args(["-q", "-v", "ON_ERROR_STOP=1", "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;", &d])
            .status()
            .unwrap();
        assert!(st.success());
        let st = Command::new("pg_restore")
            .args(["--no-owner", "--exit-on-error", "--dbname", &d])
            .arg(&dump)
            .status()
            .unwrap();
        assert!(st.success());
    })
    .await
    .unwrap();
    let _ = pg_admin_url();
    let l = Lotse::open(&dst.url).await.unwrap();
    let actor = Actor { role: Role::Auditor, ..Actor::system(TenantId::parse("t").unwrap()) };
    let report = l.verify_audit(&actor).await.unwrap();
    assert!(report.ok && report.entries > 0, "{report:?}");
    let users = l.users(&Actor::system(TenantId::parse("t").unwrap()), Default::default()).await.unwrap();
    assert_eq!(users.total, 1);
}
