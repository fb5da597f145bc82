//! Test harness. Every storage test runs twice, on a fresh SQLite file and
//! on a fresh PostgreSQL database:
//!
//! ```ignore
//! lotse_testkit::both_backends! {
//!     async fn persons_are_scoped(db) { let lotse = &db.lotse; /* … */ }
//! }
//! ```
//! expands to `persons_are_scoped::sqlite` and `persons_are_scoped::postgres`.
//!
//! PostgreSQL is reached at `LOTSE_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/test`); each test creates its own
//! database there and drops it afterwards. If the server is unreachable the
//! test fails — a skipped backend would hide drift. `LOTSE_TEST_BACKENDS=sqlite`
//! leaves PostgreSQL out on purpose (and says so).

pub mod fixture;

use std::net::SocketAddr;

use lotse_db::Backend;
use lotse_service::Lotse;
use sea_orm::{ConnectionTrait, Database};

pub use lotse_db::sea_orm;

pub fn pg_admin_url() -> String {
    std::env::var("LOTSE_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn pg_url_for(db: &str) -> String {
    let admin = pg_admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{db}")
}

pub fn backend_enabled(name: &str) -> bool {
    match std::env::var("LOTSE_TEST_BACKENDS") {
        Ok(list) => list.split(',').any(|b| b.trim() == name),
        Err(_) => true,
    }
}

/// A fresh, migrated database and the application on it.
pub struct TestDb {
    pub lotse: Lotse,
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("lotse.db").display());
        let lotse = Lotse::open(&url).await.expect("open SQLite");
        TestDb { lotse, url, backend: Backend::Sqlite, _dir: Some(dir), pg_name: None }
    }

    pub async fn postgres() -> TestDb {
        let name = format!("lotse_t_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(pg_admin_url()).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL unter {} nicht erreichbar ({e}). Server starten, LOTSE_TEST_PG setzen \
                 oder bewusst LOTSE_TEST_BACKENDS=sqlite wählen.",
                pg_admin_url()
            )
        });
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        admin.close().await.ok();
        let url = pg_url_for(&name);
        let lotse = Lotse::open(&url).await.expect("open PostgreSQL");
        TestDb { lotse, url, backend: Backend::Postgres, _dir: None, pg_name: Some(name) }
    }

    pub async fn of(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite().await,
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    /// Runs one SQL statement on this database (for tests that play the
    /// part of someone with direct database access).
    pub async fn sql(&self, sql: &str) -> Result<(), sea_orm::DbErr> {
        self.lotse.db.execute_unprepared(sql).await.map(|_| ())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside async; use a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(pg_admin_url()).await {
                        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Defines each test twice: `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($db:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    #[allow(unused_variables)]
                    let $db = $crate::TestDb::sqlite().await;
                    $body
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if !$crate::backend_enabled("postgres") {
                        eprintln!("PostgreSQL ausgelassen (LOTSE_TEST_BACKENDS)");
                        return;
                    }
                    #[allow(unused_variables)]
                    let $db = $crate::TestDb::postgres().await;
                    $body
                }
            }
        )*
    };
}

/// The application served on a random local port.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn spawn(lotse: &Lotse) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = lotse_web::app(lotse.clone().with_read_log(), lotse_web::WebConfig::default())
            .into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp { base: format!("http://{addr}"), client, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(token)
    }

    pub fn post(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(token)
    }

    pub fn put(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.put(self.url(path)).bearer_auth(token)
    }

    pub fn delete(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.delete(self.url(path)).bearer_auth(token)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Status and JSON body of a response.
pub async fn json(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}
