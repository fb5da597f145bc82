//! The one place that knows which database runs. Everything else in Lotse
//! speaks SeaORM and is the same on SQLite and PostgreSQL.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::{MigratorTrait, SchemaManager};

use crate::migration::Migrator;

/// A connected, migrated database.
pub type Db = DatabaseConnection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(db: &impl ConnectionTrait) -> Backend {
        match db.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

/// The default database: an embedded SQLite file next to where Lotse runs.
pub const DEFAULT_URL: &str = "sqlite://lotse-data/lotse.db";

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("Unbekannte Datenbankadresse „{0}“: erwartet wird sqlite://PFAD oder postgres://…")]
    UnknownScheme(String),
    #[error("Verzeichnis für die SQLite-Datei kann nicht angelegt werden ({path}): {source}")]
    Directory { path: PathBuf, source: std::io::Error },
    #[error("Verbindung zur Datenbank fehlgeschlagen: {0}")]
    Connect(DbErr),
    #[error("Migration der Datenbank fehlgeschlagen: {0}")]
    Migrate(DbErr),
}

/// The file path of a `sqlite://` URL, if it is one.
pub fn sqlite_path(url: &str) -> Option<&Path> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(Path::new(rest.split('?').next().unwrap_or(rest)))
}

/// Connects to `url` and brings the schema up to date.
///
/// SQLite: the file (and its folder) is created when missing, in WAL mode
/// with `synchronous=FULL` (a committed transaction survives a power cut, not
/// only a killed process), foreign keys on and a busy timeout so that
/// concurrent writers wait instead of failing.
pub async fn connect(url: &str) -> Result<Db, ConnectError> {
    let db = connect_unmigrated(url).await?;
    Migrator::up(&db, None).await.map_err(ConnectError::Migrate)?;
    Ok(db)
}

pub async fn connect_unmigrated(url: &str) -> Result<Db, ConnectError> {
    let mut opts;
    if let Some(path) = sqlite_path(url) {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| ConnectError::Directory { path: dir.to_path_buf(), source })?;
        }
        opts = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                // A page cache of up to 128 MiB per connection (allocated only
                // as used): bulk imports update several B-trees at random
                // positions, and the default 2 MiB made them disk-bound.
                .pragma("cache_size", "-131072")
                .pragma("temp_store", "memory")
        });
        // One writer at a time is SQLite's nature; a modest pool serves readers.
        opts.max_connections(8).min_connections(1);
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(16).min_connections(1);
    } else {
        return Err(ConnectError::UnknownScheme(url.to_owned()));
    }
    opts.sqlx_logging(false) // statements may carry personal data
        .acquire_timeout(Duration::from_secs(30));
    Database::connect(opts).await.map_err(ConnectError::Connect)
}

/// Begins a transaction that will write. On SQLite it takes the write lock
/// at once (`BEGIN IMMEDIATE`): a transaction that reads first and writes
/// later could otherwise fail with SQLITE_BUSY when another writer committed
/// in between, and no busy timeout waits that out.
pub async fn begin_write(db: &Db) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// A read-only transaction that sees one consistent state (an export taken
/// while an import runs must not mix the two). SQLite in WAL mode gives a
/// read transaction a snapshot by itself.
pub async fn begin_snapshot(db: &Db) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(Some(sea_orm::IsolationLevel::RepeatableRead), Some(sea_orm::AccessMode::ReadOnly))
                .await
        }
        _ => db.begin().await,
    }
}

/// An ORDER BY expression that sorts text by bytes on both backends
/// (PostgreSQL would otherwise use the database's locale), so an export is
/// the same file whichever database it came from.
pub fn byte_order(backend: DbBackend, column: &str, text: bool) -> sea_orm::sea_query::SimpleExpr {
    let quoted = format!("\"{}\"", column.replace('"', "\"\""));
    match backend {
        DbBackend::Postgres if text => sea_orm::sea_query::Expr::cust(format!("{quoted} COLLATE \"C\"")),
        _ => sea_orm::sea_query::Expr::cust(quoted),
    }
}

/// Serialises writers of one tenant on PostgreSQL for the rest of the
/// transaction (an advisory lock); SQLite's `BEGIN IMMEDIATE` already does.
pub async fn lock_tenant(txn: &DatabaseTransaction, tenant: &str) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [format!("lotse-import:{tenant}").into()],
        ))
        .await?;
    }
    Ok(())
}

/// Runs pending migrations (also done by [`connect`]); returns how many ran.
pub async fn migrate(db: &Db) -> Result<usize, DbErr> {
    let pending = Migrator::get_pending_migrations(db).await?.len();
    Migrator::up(db, None).await?;
    Ok(pending)
}

/// A consistent online copy of a SQLite database into `target` (which must
/// not exist). Readers and writers may go on meanwhile.
pub async fn sqlite_backup(db: &Db, target: &Path) -> Result<(), DbErr> {
    if Backend::of(db) != Backend::Sqlite {
        return Err(DbErr::Custom(
            "„lotse backup“ sichert SQLite. Für PostgreSQL pg_dump/pg_restore verwenden (siehe docs/operations.md)."
                .into(),
        ));
    }
    let target = target.to_str().ok_or_else(|| DbErr::Custom("Zielpfad ist kein gültiges UTF-8".into()))?;
    db.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, "VACUUM INTO ?", [target.into()]))
        .await
        .map(|_| ())
}

/// Checks a SQLite file's integrity (`PRAGMA integrity_check`).
pub async fn sqlite_integrity(db: &Db) -> Result<String, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check"))
        .await?
        .ok_or_else(|| DbErr::Custom("no result".into()))?;
    row.try_get_by_index::<String>(0)
}

/// Makes the rows of `table` unchangeable once written (published reports
/// are frozen); they can still go with their tenant.
pub(crate) async fn frozen_table_trigger(m: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = m.get_connection();
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE FUNCTION {table}_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION '{table} cannot be changed'; END $$;
                 CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table}
                   FOR EACH ROW EXECUTE FUNCTION {table}_frozen();"
            ))
            .await?;
        }
        _ => {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table}
                 BEGIN SELECT RAISE(ABORT, '{table} cannot be changed'); END;"
            ))
            .await?;
        }
    }
    Ok(())
}

/// Makes the audit trail append-only in the database itself: sealed entries
/// can be neither changed nor deleted, and unsealed ones can only be sealed.
/// The product has no path that would try; this stops a mistaken one, and
/// the hash chain shows anything done around it.
pub(crate) async fn append_only_audit_trigger(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let cols = [
        "at",
        "actor",
        "action",
        "entity",
        "entity_id",
        "person_id",
        "changes",
        "address",
        "reason",
        "tenant_id",
        "id",
    ];
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let changed = cols.map(|c| format!("NEW.{c} IS DISTINCT FROM OLD.{c}")).join(" OR ");
            db.execute_unprepared(&format!(
                "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   IF TG_OP IN ('DELETE', 'TRUNCATE') OR OLD.hash IS NOT NULL OR {changed} THEN
                     RAISE EXCEPTION 'audit_log is append-only';
                   END IF;
                   RETURN NEW;
                 END $$;
                 CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
                   FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
                 CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                   FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();"
            ))
            .await?;
        }
        _ => {
            let changed = cols.map(|c| format!("NEW.{c} IS NOT OLD.{c}")).join(" OR ");
            db.execute_unprepared(&format!(
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                 BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                 CREATE TRIGGER audit_log_seal_once BEFORE UPDATE ON audit_log
                 WHEN OLD.hash IS NOT NULL OR {changed}
                 BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
            ))
            .await?;
        }
    }
    Ok(())
}
