//! Every operation of Lotse. Each takes the acting [`Actor`], asks the
//! domain's policy ([`lotse_domain::authz`]) whether it may, scopes its
//! queries to the actor's tenant (and provider), and records what it read or
//! changed in the audit trail in the same transaction. The HTTP handlers and
//! the command line are thin callers of this crate.

pub mod audit;
pub mod auth;
pub mod caseload;
pub mod cases;
pub mod consent_form;
pub mod consents;
pub mod crypto;
pub mod demo;
pub mod error;
pub mod export;
pub mod handover;
pub mod import;
pub mod inquiries;
pub mod page;
pub mod persons;
pub mod programme_work;
pub mod providers;
pub mod publications;
pub mod records;
pub mod report_data;
pub mod reports;
pub mod residence;
pub mod retention;
pub mod tenants;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

pub use lotse_db::Db;
pub use lotse_domain::{Actor, DomainError};

/// The application: a database and the state shared by all requests.
#[derive(Clone)]
pub struct Lotse {
    pub db: Db,
    throttle: Arc<auth::Throttle>,
    seal_now: Arc<tokio::sync::Notify>,
    /// Resident report data (a running server); None: loaded per report.
    resident: Option<Arc<report_data::Resident>>,
    /// Group commit of read entries (a running server); None: each read
    /// is recorded in a transaction of its own.
    read_log: Option<audit::ReadLog>,
}

impl Lotse {
    pub fn new(db: Db) -> Self {
        Lotse { db, throttle: Arc::default(), seal_now: Arc::default(), resident: None, read_log: None }
    }

    /// Keeps the report data of up to `tenants` tenants in memory, current
    /// with every change (see [`report_data`]); 0 loads it for each report.
    pub fn with_resident_reports(mut self, tenants: usize) -> Self {
        self.resident = (tenants > 0).then(|| Arc::new(report_data::Resident::new(tenants)));
        self
    }

    /// Records reads by group commit (see [`audit::ReadLog`]); needs a
    /// Tokio runtime, where it starts its writer task.
    pub fn with_read_log(mut self) -> Self {
        self.read_log = Some(audit::ReadLog::spawn(self.db.clone()));
        self
    }

    /// The resident report data, where this instance keeps it.
    pub fn resident_reports(&self) -> Option<&report_data::Resident> {
        self.resident.as_deref()
    }

    /// Connects (creating and migrating the database as needed).
    pub async fn open(url: &str) -> Result<Self, lotse_db::backend::ConnectError> {
        let lotse = Lotse::new(lotse_db::connect(url).await?);
        // A database from before the typo vocabulary: fill it once. Without
        // it the search still finds names as written, normalised and by
        // sound, so a failure is logged rather than refusing to start.
        match persons::fill_missing_vocabularies(&lotse.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(tenants = n, "typo vocabulary of the person search filled"),
            Err(e) => tracing::warn!(code = e.code(), "typo vocabulary of the person search not filled"),
        }
        Ok(lotse)
    }

    /// Seals the audit trail in the background: at most `interval` after an
    /// entry is written, or sooner when many are waiting.
    pub fn spawn_audit_sealer(&self, interval: Duration) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = me.seal_now.notified() => {}
                }
                if let Err(e) = me.seal_audit().await {
                    tracing::warn!(code = e.code(), "audit sealing failed; retrying");
                }
            }
        })
    }
}
