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
    #[error(
        "Datenbankadresse: {0} (erlaubt nach „?“ sind cache_mib=ZAHL und mmap_mib=ZAHL bis 2047, z. B. sqlite://lotse-data/lotse.db?mmap_mib=2047)"
    )]
    Parameter(String),
}

/// Settings of a SQLite database that its URL may carry after `?`
/// (`sqlite://lotse-data/lotse.db?cache_mib=16&mmap_mib=2047`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqliteTuning {
    /// The page cache of each pooled connection, in MiB (allocated only as
    /// used). SQLite in WAL mode drops a connection's whole cache whenever
    /// another connection has committed since its last read.
    pub cache_mib: u32,
    /// How much of the file SQLite reads through a memory map instead of
    /// copying pages into its cache (0: none; at most [`MMAP_MAX_MIB`]).
    /// Pages read this way survive another connection's commit.
    pub mmap_mib: u64,
}

/// The most the bundled SQLite maps (`SQLITE_MAX_MMAP_SIZE`, 0x7fff0000).
pub const MMAP_MAX_MIB: u64 = 2047;

impl Default for SqliteTuning {
    /// A page cache of up to 128 MiB: bulk imports update several B-trees
    /// at random positions, and SQLite's default 2 MiB made them disk-bound.
    /// No memory map: measured at a million persons, it made the web pages
    /// slower (decision 48; see docs/performance.md for later runs).
    fn default() -> Self {
        SqliteTuning { cache_mib: 128, mmap_mib: 0 }
    }
}

impl SqliteTuning {
    /// Reads the settings of a `sqlite://` URL; an unknown setting or a
    /// value that is not a whole number is an error naming it.
    pub fn of_url(url: &str) -> Result<SqliteTuning, ConnectError> {
        let mut t = SqliteTuning::default();
        let Some((_, query)) = url.split_once('?') else { return Ok(t) };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let bad = || ConnectError::Parameter(format!("„{value}“ bei „{key}“ ist keine ganze Zahl ≥ 0"));
            match key {
                "cache_mib" => t.cache_mib = value.parse().map_err(|_| bad())?,
                "mmap_mib" => {
                    t.mmap_mib = value.parse().map_err(|_| bad())?;
                    if t.mmap_mib > MMAP_MAX_MIB {
                        return Err(ConnectError::Parameter(format!(
                            "mmap_mib={value}: SQLite bildet höchstens {MMAP_MAX_MIB} MiB ab"
                        )));
                    }
                }
                _ => return Err(ConnectError::Parameter(format!("unbekannte Einstellung „{key}“"))),
            }
        }
        Ok(t)
    }
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
        let tuning = SqliteTuning::of_url(url)?;
        opts = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
        opts.map_sqlx_sqlite_opts(move |o| {
            let o = o
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .pragma("cache_size", format!("-{}", u64::from(tuning.cache_mib) * 1024))
                .pragma("temp_store", "memory");
            if tuning.mmap_mib > 0 { o.pragma("mmap_size", (tuning.mmap_mib << 20).to_string()) } else { o }
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
pub async fn lock_tenant(txn: &impl ConnectionTrait, tenant: &str) -> Result<(), DbErr> {
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

/// Brings the planner's statistics of `tables` up to date after a bulk
/// write. Without them SQLite reads a whole tenant through the `tenant_id`
/// index with a table lookup per row (measured: loading a million persons'
/// report data took 17 s instead of 11 s). SQLite: `PRAGMA optimize`
/// analyses the tables that changed enough — in full: with a sample
/// (`analysis_limit`) the statistics claimed about a thousand rows per
/// tenant, and the planner went back to the index (measured: 21 s); a full
/// analysis of a million persons' tables takes well under a second.
/// PostgreSQL's autovacuum would get there later; `ANALYZE` gets there now.
pub async fn refresh_statistics(db: &Db, tables: &[&str]) -> Result<(), DbErr> {
    match Backend::of(db) {
        Backend::Sqlite => db.execute_unprepared("PRAGMA optimize = 0x10002").await?,
        Backend::Postgres => {
            let list: Vec<String> = tables.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect();
            db.execute_unprepared(&format!("ANALYZE {}", list.join(", "))).await?
        }
    };
    Ok(())
}

/// `SELECT` the tenant's data version: the changes folded into
/// `data_versions` plus those still counted in `data_changes`.
pub fn data_version_query(tenant: &str) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Query};
    let mut base = Query::select();
    base.expr(Func::coalesce([Expr::col(Alias::new("version")).max(), Expr::val(0i64)]))
        .from(Alias::new("data_versions"))
        .and_where(Expr::col(Alias::new("tenant_id")).eq(tenant));
    let mut changes = Query::select();
    changes
        .expr(Expr::col(Asterisk).count())
        .from(Alias::new("data_changes"))
        .and_where(Expr::col(Alias::new("tenant_id")).eq(tenant));
    let mut q = Query::select();
    q.expr(Expr::SubQuery(None, Box::new(base.into())).add(Expr::SubQuery(None, Box::new(changes.into()))));
    q
}

/// Folds every tenant's counted data changes into its data version, so the
/// count stays short. Each tenant's rows go in one statement (PostgreSQL:
/// the rows deleted are exactly the rows added; a change committed meanwhile
/// stays counted where it is) or in one write transaction (SQLite: one
/// writer at a time), so the data version never moves.
pub async fn fold_data_changes(db: &Db) -> Result<(), DbErr> {
    let tenants = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT DISTINCT tenant_id FROM data_changes"))
        .await?;
    for row in tenants {
        let t: String = row.try_get_by_index(0)?;
        match Backend::of(db) {
            Backend::Postgres => {
                db.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "WITH folded AS (DELETE FROM data_changes WHERE tenant_id = $1 RETURNING 1)
                     INSERT INTO data_versions (tenant_id, version)
                     SELECT $2, count(*) FROM folded
                     ON CONFLICT (tenant_id) DO UPDATE SET version = data_versions.version + excluded.version",
                    [t.clone().into(), t.into()],
                ))
                .await?;
            }
            Backend::Sqlite => {
                let txn = begin_write(db).await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "INSERT INTO data_versions (tenant_id, version)
                     SELECT ?1, count(*) FROM data_changes WHERE tenant_id = ?1 AND true
                     ON CONFLICT (tenant_id) DO UPDATE SET version = data_versions.version + excluded.version",
                    [t.clone().into()],
                ))
                .await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "DELETE FROM data_changes WHERE tenant_id = ?",
                    [t.into()],
                ))
                .await?;
                txn.commit().await?;
            }
        }
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

/// One value of a row read by [`read_snapshot`], whichever backend it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a str),
    Date(chrono::NaiveDate),
}

impl<'a> Cell<'a> {
    pub fn text(self) -> Option<&'a str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn int(self) -> Option<i64> {
        match self {
            Cell::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn float(self) -> Option<f64> {
        match self {
            Cell::Float(f) => Some(f),
            Cell::Int(i) => Some(i as f64),
            _ => None,
        }
    }

    /// A date: SQLite keeps dates as `YYYY-MM-DD` text, PostgreSQL as dates.
    pub fn date(self) -> Option<chrono::NaiveDate> {
        match self {
            Cell::Date(d) => Some(d),
            Cell::Text(s) => iso_date(s),
            _ => None,
        }
    }
}

/// The most columns a [`BulkQuery`] may select.
pub const MAX_COLUMNS: usize = 32;

/// `YYYY-MM-DD` (what sqlx writes to SQLite), read without chrono's format
/// machinery: a million persons have millions of dates.
fn iso_date(s: &str) -> Option<chrono::NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// What a column of a [`BulkQuery`] holds (PostgreSQL's binary rows do not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Float,
    Date,
}

/// Takes the rows [`read_snapshot`] reads: `query` is the index of the
/// query the row answers.
pub trait RowSink: Send + 'static {
    fn row(&mut self, query: usize, cells: &[Cell<'_>]) -> Result<(), String>;
}

/// A SELECT for [`read_snapshot`], built once with sea-query for both backends.
pub struct BulkQuery {
    pub select: sea_orm::sea_query::SelectStatement,
    pub kinds: Vec<Kind>,
}

/// Reads the rows of `queries`, in order, from one consistent snapshot and
/// hands each to the sink — straight from the backend,
/// without the ORM's per-row cost: on SQLite through a read-only connection
/// of its own on the same file (sqlx passes every row from its worker thread
/// through a channel, about 15 µs a row); on PostgreSQL as
/// `COPY (SELECT …) TO STDOUT (FORMAT binary)`. The sink's error stops the
/// read. Returns the sink.
pub async fn read_snapshot<S: RowSink>(db: &Db, queries: Vec<BulkQuery>, sink: S) -> Result<S, DbErr> {
    match Backend::of(db) {
        Backend::Sqlite => {
            let path = sqlite_file(db).await?;
            tokio::task::spawn_blocking(move || sqlite_read(&path, &queries, sink))
                .await
                .map_err(|e| DbErr::Custom(format!("Lesen abgebrochen: {e}")))?
        }
        Backend::Postgres => postgres_read(db, &queries, sink).await,
    }
}

/// The file of the main SQLite database.
async fn sqlite_file(db: &Db) -> Result<PathBuf, DbErr> {
    let rows = db.query_all_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA database_list")).await?;
    for row in rows {
        if row.try_get_by_index::<String>(1)? == "main" {
            let file = row.try_get_by_index::<String>(2)?;
            if !file.is_empty() {
                return Ok(PathBuf::from(file));
            }
        }
    }
    Err(DbErr::Custom("Die SQLite-Datenbank liegt nicht in einer Datei (In-Memory-Datenbank).".into()))
}

fn sqlite_read<S: RowSink>(path: &Path, queries: &[BulkQuery], mut sink: S) -> Result<S, DbErr> {
    use rusqlite::OpenFlags;
    use rusqlite::types::ValueRef;
    let err = |e: rusqlite::Error| DbErr::Custom(format!("SQLite: {e}"));
    let conn =
        rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(err)?;
    conn.busy_timeout(Duration::from_secs(30)).map_err(err)?;
    conn.execute_batch("PRAGMA cache_size = -65536; BEGIN").map_err(err)?;
    for (i, q) in queries.iter().enumerate() {
        let n = q.kinds.len();
        if n > MAX_COLUMNS {
            return Err(DbErr::Custom(format!("höchstens {MAX_COLUMNS} Spalten je Abfrage")));
        }
        let sql = q.select.to_string(sea_orm::sea_query::SqliteQueryBuilder);
        let mut stmt = conn.prepare(&sql).map_err(err)?;
        let mut rows = stmt.query([]).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            let mut cells = [Cell::Null; MAX_COLUMNS];
            for (c, cell) in cells.iter_mut().enumerate().take(n) {
                *cell = match row.get_ref(c).map_err(err)? {
                    ValueRef::Null | ValueRef::Blob(_) => Cell::Null,
                    ValueRef::Integer(v) => Cell::Int(v),
                    ValueRef::Real(v) => Cell::Float(v),
                    ValueRef::Text(t) => Cell::Text(
                        std::str::from_utf8(t).map_err(|_| DbErr::Custom("SQLite: Text ist kein UTF-8".into()))?,
                    ),
                };
            }
            sink.row(i, &cells[..n]).map_err(DbErr::Custom)?;
        }
    }
    conn.execute_batch("COMMIT").map_err(err)?;
    Ok(sink)
}

async fn postgres_read<S: RowSink>(db: &Db, queries: &[BulkQuery], mut sink: S) -> Result<S, DbErr> {
    use futures_util::StreamExt;
    use sea_orm::sqlx::Executor;
    let err = |e: sea_orm::sqlx::Error| DbErr::Custom(format!("PostgreSQL: {e}"));
    let mut conn = db.get_postgres_connection_pool().acquire().await.map_err(err)?;
    // Whatever goes wrong below, this connection does not go back to the pool
    // half way through a COPY or a transaction.
    conn.close_on_drop();
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await.map_err(err)?;
    for (i, q) in queries.iter().enumerate() {
        let sql = format!(
            "COPY ({}) TO STDOUT (FORMAT binary)",
            q.select.to_string(sea_orm::sea_query::PostgresQueryBuilder)
        );
        let mut reader = CopyReader::new(&q.kinds);
        let mut stream = conn.copy_out_raw(&sql).await.map_err(err)?;
        while let Some(chunk) = stream.next().await {
            reader.feed(&chunk.map_err(err)?, |cells| sink.row(i, cells)).map_err(DbErr::Custom)?;
        }
        reader.finish().map_err(DbErr::Custom)?;
    }
    conn.execute("COMMIT").await.map_err(err)?;
    Ok(sink)
}

/// A reader of PostgreSQL's binary COPY format, fed in chunks of any size.
struct CopyReader<'k> {
    kinds: &'k [Kind],
    buf: Vec<u8>,
    header: bool,
    done: bool,
}

const COPY_SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

impl<'k> CopyReader<'k> {
    fn new(kinds: &'k [Kind]) -> Self {
        CopyReader { kinds, buf: Vec::new(), header: false, done: false }
    }

    fn feed(&mut self, chunk: &[u8], mut row: impl FnMut(&[Cell<'_>]) -> Result<(), String>) -> Result<(), String> {
        self.buf.extend_from_slice(chunk);
        let mut at = 0;
        if !self.header {
            if self.buf.len() < 19 {
                return Ok(());
            }
            if &self.buf[..11] != COPY_SIGNATURE {
                return Err("PostgreSQL: unerwartetes COPY-Format".into());
            }
            let ext = u32::from_be_bytes(self.buf[15..19].try_into().expect("4 bytes")) as usize;
            if self.buf.len() < 19 + ext {
                return Ok(());
            }
            at = 19 + ext;
            self.header = true;
        }
        let mut cells: Vec<Cell<'_>> = Vec::with_capacity(self.kinds.len());
        while !self.done {
            let Some((consumed, end)) = self.tuple(&self.buf[at..], &mut cells)? else { break };
            if end {
                self.done = true;
            } else {
                row(&cells)?;
            }
            cells.clear();
            at += consumed;
        }
        drop(cells);
        self.buf.drain(..at);
        Ok(())
    }

    /// One tuple at the start of `b`: the bytes it takes and whether it is
    /// the trailer; `None` when `b` does not hold all of it yet.
    fn tuple<'b>(&self, b: &'b [u8], cells: &mut Vec<Cell<'b>>) -> Result<Option<(usize, bool)>, String> {
        if b.len() < 2 {
            return Ok(None);
        }
        let n = i16::from_be_bytes([b[0], b[1]]);
        if n == -1 {
            return Ok(Some((2, true)));
        }
        if n as usize != self.kinds.len() {
            return Err(format!("PostgreSQL: {n} Spalten statt {}", self.kinds.len()));
        }
        let mut at = 2;
        cells.clear();
        for kind in self.kinds {
            if b.len() < at + 4 {
                return Ok(None);
            }
            let len = i32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"));
            at += 4;
            if len < 0 {
                cells.push(Cell::Null);
                continue;
            }
            let len = len as usize;
            if b.len() < at + len {
                return Ok(None);
            }
            let v = &b[at..at + len];
            at += len;
            cells.push(decode(*kind, v)?);
        }
        Ok(Some((at, false)))
    }

    fn finish(&self) -> Result<(), String> {
        if self.done { Ok(()) } else { Err("PostgreSQL: COPY endete vorzeitig".into()) }
    }
}

fn decode(kind: Kind, v: &[u8]) -> Result<Cell<'_>, String> {
    let bad = || format!("PostgreSQL: Wert mit {} Bytes passt nicht zu {kind:?}", v.len());
    Ok(match (kind, v.len()) {
        (Kind::Text, _) => Cell::Text(std::str::from_utf8(v).map_err(|_| "PostgreSQL: Text ist kein UTF-8")?),
        (Kind::Int, 2) => Cell::Int(i16::from_be_bytes([v[0], v[1]]).into()),
        (Kind::Int, 4) => Cell::Int(i32::from_be_bytes(v.try_into().expect("4")).into()),
        (Kind::Int, 8) => Cell::Int(i64::from_be_bytes(v.try_into().expect("8"))),
        (Kind::Float, 8) => Cell::Float(f64::from_be_bytes(v.try_into().expect("8"))),
        (Kind::Float, 4) => Cell::Float(f32::from_be_bytes(v.try_into().expect("4")).into()),
        (Kind::Date, 4) => {
            let days = i32::from_be_bytes(v.try_into().expect("4"));
            let epoch = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid");
            Cell::Date(epoch.checked_add_signed(chrono::Duration::days(days.into())).ok_or_else(bad)?)
        }
        _ => return Err(bad()),
    })
}

#[cfg(test)]
mod copy_tests {
    use super::*;

    fn tuple(fields: &[Option<&[u8]>]) -> Vec<u8> {
        let mut out = (fields.len() as i16).to_be_bytes().to_vec();
        for f in fields {
            match f {
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(v) => {
                    out.extend_from_slice(&(v.len() as i32).to_be_bytes());
                    out.extend_from_slice(v);
                }
            }
        }
        out
    }

    #[test]
    fn dates_as_sqlite_keeps_them() {
        assert_eq!(Cell::Text("2024-02-29").date(), chrono::NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(Cell::Text("2023-02-29").date(), None);
        assert_eq!(Cell::Text("2023-1-01").date(), None);
        assert_eq!(Cell::Text("2023-x1-01").date(), None);
        assert_eq!(Cell::Text("2023-12-31T00:00:00").date(), chrono::NaiveDate::from_ymd_opt(2023, 12, 31));
        assert_eq!(Cell::Int(5).date(), None);
    }

    /// Rows split across chunks at every byte come out whole and decoded.
    #[test]
    fn binary_copy_in_any_chunking() {
        let mut data = COPY_SIGNATURE.to_vec();
        data.extend_from_slice(&0u32.to_be_bytes());
        data.extend_from_slice(&0u32.to_be_bytes());
        let days = (chrono::NaiveDate::from_ymd_opt(2023, 3, 1).unwrap()
            - chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap())
        .num_days() as i32;
        data.extend(tuple(&[Some("Müller\t\\".as_bytes()), Some(&7i16.to_be_bytes()), Some(&days.to_be_bytes())]));
        data.extend(tuple(&[None, Some(&(-3i64).to_be_bytes()), None]));
        data.extend_from_slice(&(-1i16).to_be_bytes());
        let kinds = [Kind::Text, Kind::Int, Kind::Date];
        for size in 1..=data.len() {
            let mut r = CopyReader::new(&kinds);
            let mut rows: Vec<String> = Vec::new();
            for chunk in data.chunks(size) {
                r.feed(chunk, |c| {
                    rows.push(format!("{c:?}"));
                    Ok(())
                })
                .unwrap();
            }
            r.finish().unwrap();
            assert_eq!(
                rows,
                [
                    format!(
                        "{:?}",
                        [Cell::Text("Müller\t\\"), Cell::Int(7), Cell::Date("2023-03-01".parse().unwrap())]
                    ),
                    format!("{:?}", [Cell::Null, Cell::Int(-3), Cell::Null]),
                ],
                "chunks of {size} bytes"
            );
        }
        let mut r = CopyReader::new(&kinds);
        r.feed(&data[..data.len() - 2], |_| Ok(())).unwrap();
        assert!(r.finish().is_err(), "a COPY without its trailer is an error");
    }
}

/// A statement written with `?` placeholders (the SQL itself the same on
/// both backends), numbered `$1, $2, …` for PostgreSQL. The SQL must not
/// contain `?` anywhere else.
pub fn portable_statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + values.len() * 4);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            Statement::from_sql_and_values(backend, out, values)
        }
        _ => Statement::from_sql_and_values(backend, sql, values),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sqlite_url_carries_its_tuning_and_refuses_unknown_settings() {
        assert_eq!(SqliteTuning::of_url("sqlite://a.db").unwrap(), SqliteTuning::default());
        assert_eq!(
            SqliteTuning::of_url("sqlite://a.db?mmap_mib=2047&cache_mib=2").unwrap(),
            SqliteTuning { cache_mib: 2, mmap_mib: 2047 }
        );
        assert_eq!(sqlite_path("sqlite://x/a.db?mmap_mib=1"), Some(Path::new("x/a.db")));
        let unknown = SqliteTuning::of_url("sqlite://a.db?mmap=1").unwrap_err().to_string();
        assert!(unknown.contains("unbekannte Einstellung „mmap“"), "{unknown}");
        let big = SqliteTuning::of_url("sqlite://a.db?mmap_mib=4096").unwrap_err().to_string();
        assert!(big.contains("höchstens 2047 MiB"), "{big}");
        let bad = SqliteTuning::of_url("sqlite://a.db?cache_mib=-1").unwrap_err().to_string();
        assert!(bad.contains("„-1“ bei „cache_mib“"), "{bad}");
    }

    #[tokio::test]
    async fn every_pooled_connection_gets_the_tuning_of_the_url() {
        let dir = std::env::temp_dir().join(format!("lotse-tuning-{}", std::process::id()));
        let file = dir.join("t.db");
        let url = format!("sqlite://{}?cache_mib=3&mmap_mib=64", file.display());
        let db = connect_unmigrated(&url).await.unwrap();
        let pragma = |name: &'static str| {
            let db = db.clone();
            async move {
                let row = db
                    .query_one_raw(Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}")))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get_by_index::<i64>(0).unwrap()
            }
        };
        assert_eq!(pragma("cache_size").await, -3 * 1024);
        assert_eq!(pragma("mmap_size").await, 64 << 20);
        db.close().await.unwrap();
        let plain = connect_unmigrated(&format!("sqlite://{}", file.display())).await.unwrap();
        let row = plain.query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA mmap_size")).await.unwrap();
        assert_eq!(row.unwrap().try_get_by_index::<i64>(0).unwrap(), 0);
        plain.close().await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
