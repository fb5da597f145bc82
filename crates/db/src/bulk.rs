//! Bulk inserts for imports: the one place besides `backend` where the two
//! databases are treated differently, because the fastest way differs.
//!
//! - SQLite: one multi-row `INSERT … VALUES (…),(…)` per batch; the SQL text
//!   of a full batch is always the same, so sqlx prepares it once.
//! - PostgreSQL: `COPY … FROM STDIN` in the import's own transaction
//!   ([`LoadTxn`], which runs on a pooled connection of its own because
//!   SeaORM's transaction gives no access to its connection); elsewhere
//!   `INSERT … SELECT * FROM UNNEST($1::text[], $2::date[], …)` with one
//!   array per column: a batch of any size is one statement with as many
//!   parameters as columns.
//!
//! Both run inside the caller's transaction.

use std::sync::Arc;

use sea_orm::sea_query::{ArrayType, ColumnType, Value, Values};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{Executor, Postgres};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;

use crate::Db;

/// Rows per statement on SQLite (its limit is 32,766 parameters).
pub fn sqlite_batch(columns: usize) -> usize {
    (30_000 / columns.max(1)).max(1)
}

/// Rows per statement on PostgreSQL (arrays: no parameter limit per row).
pub const PG_BATCH: usize = 20_000;

/// How many rows to hand to [`insert_rows`] at a time so that each call is
/// one statement (and so can run while the caller prepares the next).
pub fn batch_rows(conn: &impl ConnectionTrait, columns: usize) -> usize {
    match conn.get_database_backend() {
        DbBackend::Postgres => PG_BATCH,
        _ => sqlite_batch(columns),
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn pg_type(ty: &ColumnType) -> &'static str {
    match ty {
        ColumnType::SmallInteger => "smallint",
        ColumnType::Integer => "integer",
        ColumnType::BigInteger => "bigint",
        ColumnType::Double | ColumnType::Float => "double precision",
        ColumnType::Date => "date",
        ColumnType::TimestampWithTimeZone => "timestamptz",
        ColumnType::Boolean => "boolean",
        ColumnType::Blob | ColumnType::Binary(_) | ColumnType::VarBinary(_) => "bytea",
        _ => "text",
    }
}

/// A value as PostgreSQL reads it from text; None for NULL.
fn pg_text(v: Value) -> Option<String> {
    Some(match v {
        Value::String(Some(s)) => s,
        Value::SmallInt(Some(x)) => x.to_string(),
        Value::Int(Some(x)) => x.to_string(),
        Value::BigInt(Some(x)) => x.to_string(),
        Value::Double(Some(x)) => x.to_string(),
        Value::Bool(Some(x)) => x.to_string(),
        Value::ChronoDate(Some(d)) => d.format("%Y-%m-%d").to_string(),
        Value::ChronoDateTimeUtc(Some(t)) => t.to_rfc3339(),
        // bytea's hex input form.
        Value::Bytes(Some(b)) => {
            use std::fmt::Write;
            let mut s = String::with_capacity(2 + b.len() * 2);
            s.push_str("\\x");
            for byte in b.iter() {
                let _ = write!(s, "{byte:02x}");
            }
            s
        }
        _ => return None,
    })
}

/// Inserts `rows` (each with one value per column, typed as the column) into `table`.
pub async fn insert_rows(
    conn: &impl ConnectionTrait,
    table: &str,
    columns: &[(&str, ColumnType)],
    rows: Vec<Vec<Value>>,
) -> Result<(), DbErr> {
    insert(conn, table, columns, rows, "").await
}

/// As [`insert_rows`], skipping rows whose key is already there (or twice
/// in `rows`): for derived rows that many records share.
pub async fn insert_rows_ignoring_duplicates(
    conn: &impl ConnectionTrait,
    table: &str,
    columns: &[(&str, ColumnType)],
    rows: Vec<Vec<Value>>,
) -> Result<(), DbErr> {
    insert(conn, table, columns, rows, " ON CONFLICT DO NOTHING").await
}

async fn insert(
    conn: &impl ConnectionTrait,
    table: &str,
    columns: &[(&str, ColumnType)],
    rows: Vec<Vec<Value>>,
    suffix: &str,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let names = columns.iter().map(|(c, _)| quote(c)).collect::<Vec<_>>().join(", ");
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            // sea-query binds arrays without NULL elements, so every column
            // goes as text with NUL-free marker U+0001 for NULL (control
            // characters never pass the importer's checks) and is cast back.
            let mut arrays: Vec<Vec<Value>> = vec![Vec::with_capacity(rows.len()); columns.len()];
            for row in rows {
                for (i, v) in row.into_iter().enumerate() {
                    arrays[i].push(Value::String(Some(pg_text(v).unwrap_or_else(|| "\u{1}".to_owned()))));
                }
            }
            let aliases = (0..columns.len()).map(|i| format!("c{i}")).collect::<Vec<_>>().join(", ");
            let params = (1..=columns.len()).map(|i| format!("${i}::text[]")).collect::<Vec<_>>().join(", ");
            let select = columns
                .iter()
                .enumerate()
                .map(|(i, (_, ty))| format!("NULLIF(u.c{i}, E'\\x01')::{}", pg_type(ty)))
                .collect::<Vec<_>>()
                .join(", ");
            let values: Vec<Value> =
                arrays.into_iter().map(|a| Value::Array(ArrayType::String, Some(Box::new(a)))).collect();
            let sql = format!(
                "INSERT INTO {} ({names}) SELECT {select} FROM UNNEST({params}) AS u({aliases}){suffix}",
                quote(table)
            );
            conn.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).await?;
        }
        backend => {
            let row_sql = format!("({})", vec!["?"; columns.len()].join(","));
            let per = sqlite_batch(columns.len());
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let chunk: Vec<Vec<Value>> = rows.by_ref().take(per).collect();
                let sql = format!(
                    "INSERT INTO {} ({names}) VALUES {}{suffix}",
                    quote(table),
                    vec![row_sql.as_str(); chunk.len()].join(",")
                );
                let values: Vec<Value> = chunk.into_iter().flatten().collect();
                conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
            }
        }
    }
    Ok(())
}

/// Indexes (and on PostgreSQL foreign keys) taken off tables for a bulk
/// load, with the statements that put them back. Building an index once
/// from all rows (a sort) is several times faster than keeping it up to date
/// row by row, the way `pg_restore` and SQLite's own `.import` advice load
/// data. Everything happens inside the caller's transaction: if the import
/// fails, the rollback brings the indexes back untouched; readers in other
/// transactions keep seeing them meanwhile (SQLite: a snapshot of the old
/// schema; PostgreSQL: they wait for the table, which is why PostgreSQL only
/// takes this path for a table that holds no rows of any tenant).
///
/// Primary keys stay: foreign keys point to them, and the import compares
/// by them. A foreign key is only taken off when the table it points to is
/// set aside too (dropping it takes that table as well).
#[derive(Debug, Default)]
pub struct SetAside {
    /// What puts them back, in the order they were taken off (a table's
    /// `CREATE INDEX …`, then its `ALTER TABLE … ADD CONSTRAINT …`).
    restore: Vec<String>,
    pub tables: Vec<String>,
}

impl SetAside {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

/// Whether `table` holds at most `limit` rows (of every tenant).
pub async fn rows_at_most(conn: &impl ConnectionTrait, table: &str, limit: u64) -> Result<bool, DbErr> {
    let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {} LIMIT {}) AS t", quote(table), limit + 1);
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
    let n: i64 = row.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0);
    Ok(n as u64 <= limit)
}

/// The secondary indexes of `table` (PostgreSQL: and its foreign keys to
/// the tables `among`, or all with `None`) as `(statement that drops it,
/// statement that creates it)`, in a fixed order.
async fn secondary(
    conn: &impl ConnectionTrait,
    table: &str,
    among: Option<&[&str]>,
) -> Result<Vec<(String, String)>, DbErr> {
    let backend = conn.get_database_backend();
    let query = |sql: &str, name: String| Statement::from_sql_and_values(backend, sql, vec![Value::from(name)]);
    let pairs = |rows: Vec<sea_orm::QueryResult>| -> Result<Vec<(String, String)>, DbErr> {
        rows.into_iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
    };
    let mut out = Vec::new();
    match backend {
        DbBackend::Postgres => {
            // Indexes that no constraint owns (a primary key's does).
            let indexes = conn
                .query_all_raw(query(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i \
                     JOIN pg_class c ON c.oid = i.indexrelid \
                     WHERE i.indrelid = to_regclass($1) \
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) \
                     ORDER BY c.relname",
                    quote(table),
                ))
                .await?;
            for (name, def) in pairs(indexes)? {
                out.push((format!("DROP INDEX {}", quote(&name)), def));
            }
            // Foreign keys only to tables set aside as well: dropping one
            // takes its target table for the transaction too, and `tenants`
            // or a table with other tenants' rows must stay readable.
            let keys = conn
                .query_all_raw(query(
                    "SELECT k.conname, pg_get_constraintdef(k.oid), t.relname FROM pg_constraint k \
                     JOIN pg_class t ON t.oid = k.confrelid \
                     WHERE k.conrelid = to_regclass($1) AND k.contype = 'f' ORDER BY k.conname",
                    quote(table),
                ))
                .await?;
            for r in keys {
                let (name, def, target): (String, String, String) =
                    (r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?);
                if among.is_some_and(|among| !among.iter().any(|t| *t == target)) {
                    continue;
                }
                let t = quote(table);
                let n = quote(&name);
                out.push((
                    format!("ALTER TABLE {t} DROP CONSTRAINT {n}"),
                    format!("ALTER TABLE {t} ADD CONSTRAINT {n} {def}"),
                ));
            }
        }
        _ => {
            // SQLite's own indexes for keys (`sqlite_autoindex_…`) have no SQL and stay.
            let indexes = conn
                .query_all_raw(query(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? \
                     AND sql IS NOT NULL ORDER BY name",
                    table.to_owned(),
                ))
                .await?;
            for (name, def) in pairs(indexes)? {
                out.push((format!("DROP INDEX {}", quote(&name)), def));
            }
        }
    }
    Ok(out)
}

/// What [`set_aside`] would take off `table`: the statements that create
/// its secondary indexes (PostgreSQL: and its foreign keys).
pub async fn secondary_definitions(conn: &impl ConnectionTrait, table: &str) -> Result<Vec<String>, DbErr> {
    Ok(secondary(conn, table, None).await?.into_iter().map(|(_, create)| create).collect())
}

/// Takes the secondary indexes of `table` off (PostgreSQL: and its foreign
/// keys to the tables `among`, which are set aside too), remembering how to
/// put them back in `aside`.
pub async fn set_aside(
    conn: &impl ConnectionTrait,
    table: &str,
    among: &[&str],
    aside: &mut SetAside,
) -> Result<(), DbErr> {
    for (drop, create) in secondary(conn, table, Some(among)).await? {
        conn.execute_unprepared(&drop).await?;
        aside.restore.push(create);
    }
    aside.tables.push(table.to_owned());
    Ok(())
}

/// Puts back what [`set_aside`] took off: the indexes are built from the
/// rows now there, the foreign keys checked over them in one pass each.
/// Returns the tables.
///
/// SQLite sorts for an index build in temporary files here rather than in
/// memory (`temp_store`, which Lotse's connections otherwise keep in memory):
/// at a million persons the sorts held several hundred MiB in memory and
/// were slower than the operating system's file cache (decision 55). The
/// builds need room in SQLite's temporary directory; a build that finds
/// none fails, and with it the import, which then writes nothing. The
/// connection gets its setting back either way.
pub async fn restore(conn: &impl ConnectionTrait, aside: SetAside) -> Result<Vec<String>, DbErr> {
    // SQLite refuses the change inside a transaction only when the
    // connection uses its temporary schema (Lotse makes no temporary
    // tables); then the sorts stay in memory, as before.
    let backend = conn.get_database_backend();
    let in_files = backend == DbBackend::Sqlite && temp_store(conn, "FILE").await;
    if backend == DbBackend::Postgres {
        // For this transaction only: sort in memory what fits (the default 64 MB spills to disk).
        conn.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'").await?;
    }
    let mut built = Ok(());
    for sql in &aside.restore {
        if let Err(e) = conn.execute_unprepared(sql).await {
            built = Err(e);
            break;
        }
    }
    if in_files {
        // As `crate::backend::connect` opens every connection.
        temp_store(conn, "MEMORY").await;
    }
    built.map(|()| aside.tables)
}

/// Sets SQLite's `temp_store`; a refusal only costs speed or memory, so it
/// is logged, not an error of the import. Whether it was set.
async fn temp_store(conn: &impl ConnectionTrait, to: &str) -> bool {
    match conn.execute_unprepared(&format!("PRAGMA temp_store = {to}")).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, to, "SQLite kept its temp_store setting");
            false
        }
    }
}

/// References that [`LoadTxn::check_keys`] did not find: in `table`, by
/// the foreign key `constraint`, `count` distinct keys not in `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingKeys {
    pub table: String,
    pub constraint: String,
    pub target: String,
    pub count: i64,
}

/// The transaction an import writes in. On PostgreSQL it is a pooled
/// connection of its own with `BEGIN` sent on it, so that new rows can go
/// in with `COPY … FROM STDIN` within the same transaction as every other
/// statement of the import (decision 54: a quarter less client CPU and
/// memory than the arrays of `UNNEST`; the server's time is mostly the
/// foreign-key checks either way). On SQLite it is SeaORM's write
/// transaction ([`crate::backend::begin_write`]). Dropped without
/// [`LoadTxn::commit`], it rolls back: SeaORM's on its own, PostgreSQL's by
/// closing the connection instead of handing it back to the pool half way
/// through.
pub enum LoadTxn {
    Orm(DatabaseTransaction),
    Pg(PgLoad),
}

/// See [`LoadTxn`].
pub struct PgLoad {
    conn: tokio::sync::Mutex<PoolConnection<Postgres>>,
    open: bool,
    /// Tables whose new rows go in without per-row key checks (see
    /// [`LoadTxn::check_keys_at_end`]), and the tenant they are checked for.
    unchecked: std::sync::Mutex<Unchecked>,
}

/// See [`PgLoad::unchecked`].
#[derive(Debug, Default, Clone)]
struct Unchecked {
    tenant: String,
    /// Taken, waiting for [`LoadTxn::check_keys`].
    tables: Vec<String>,
    /// Every table the caller said the tenant had no rows in: its rows of
    /// the tenant are this transaction's own, which no other transaction
    /// can see, let alone delete, so a check need not lock them.
    new: Vec<String>,
}

impl Drop for PgLoad {
    fn drop(&mut self) {
        if self.open {
            self.conn.get_mut().close_on_drop();
        }
    }
}

fn exec_err(e: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

fn query_err(e: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

fn sqlx_query(stmt: &Statement) -> sea_orm::sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = stmt.values.clone().unwrap_or(Values(Vec::new()));
    sea_orm::sqlx::query_with(sea_orm::sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

/// Begins the transaction of an import (see [`LoadTxn`]).
pub async fn begin_load(db: &Db) -> Result<LoadTxn, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let mut conn = db.get_postgres_connection_pool().acquire().await.map_err(|e| match e {
                sea_orm::sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout),
                e => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))),
            })?;
            conn.execute("BEGIN").await.map_err(exec_err)?;
            Ok(LoadTxn::Pg(PgLoad { conn: tokio::sync::Mutex::new(conn), open: true, unchecked: Default::default() }))
        }
        _ => Ok(LoadTxn::Orm(crate::backend::begin_write(db).await?)),
    }
}

impl LoadTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        match self {
            LoadTxn::Orm(txn) => txn.commit().await,
            LoadTxn::Pg(mut pg) => {
                if !pg.unchecked.get_mut().expect("unchecked tables").tables.is_empty() {
                    return Err(DbErr::Custom("rows copied without their key checks are not checked yet".into()));
                }
                pg.conn.get_mut().execute("COMMIT").await.map_err(exec_err)?;
                pg.open = false;
                Ok(())
            }
        }
    }

    /// PostgreSQL: the new rows of those of `tables` that a first load of
    /// `tenant` fills (the tenant has no rows in them yet) go in without
    /// the per-row foreign-key checks, and [`LoadTxn::check_keys`] checks
    /// them over the tenant's rows in one query per key before the commit.
    ///
    /// Why: PostgreSQL checks a foreign key by a trigger that runs a query
    /// per row and key; at a hundred thousand persons those checks were
    /// most of the server's time (decision 57). `COPY` runs with
    /// `session_replication_role = replica` for this transaction's copies
    /// into these tables only, which skips those triggers and nothing else
    /// Lotse has (its own triggers fire on updates and deletes; a table
    /// with a trigger on inserts that would be skipped is not taken). Every
    /// other statement runs with the checks as always.
    ///
    /// Setting that parameter needs a superuser or, from PostgreSQL 15,
    /// `GRANT SET ON PARAMETER session_replication_role TO <role>`; without
    /// it, on SQLite, and on Citus (not tried there), nothing changes. A
    /// table is also left as it is when it has no `tenant_id`, a key that is
    /// not `MATCH SIMPLE`, a key to a table this role may not lock (`FOR KEY
    /// SHARE` needs `UPDATE` there, which the per-row check, running as the
    /// owner, does not), or a trigger on inserts that would be skipped too
    /// (any but the key checks, unless it is `ENABLE ALWAYS`; this includes
    /// deferrable unique keys). [`LoadTxn::commit`] refuses while taken
    /// tables wait for their check. Returns the tables taken.
    pub async fn check_keys_at_end(&self, tenant: &str, tables: &[&str]) -> Result<Vec<String>, DbErr> {
        let LoadTxn::Pg(pg) = self else { return Ok(Vec::new()) };
        if tables.is_empty() || !may_skip_key_triggers(self).await? {
            return Ok(Vec::new());
        }
        let mut taken = Vec::new();
        for table in tables {
            let row = self
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) \
                       AND attname = 'tenant_id' AND NOT attisdropped) \
                     AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = to_regclass($1) \
                       AND t.tgenabled <> 'A' AND (t.tgtype & 4) <> 0 \
                       AND (NOT t.tgisinternal OR t.tgfoid <> '\"RI_FKey_check_ins\"'::regproc)) \
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = to_regclass($1) \
                       AND k.contype = 'f' AND (k.confmatchtype <> 's' \
                         OR NOT has_table_privilege(k.confrelid, 'SELECT') \
                         OR NOT has_table_privilege(k.confrelid, 'UPDATE')))",
                    [Value::from(quote(table))],
                ))
                .await?;
            if row.map(|r| r.try_get_by_index::<bool>(0)).transpose()?.unwrap_or(false) {
                taken.push((*table).to_owned());
            }
        }
        let mut unchecked = pg.unchecked.lock().expect("unchecked tables");
        if (!unchecked.tables.is_empty() || !unchecked.new.is_empty()) && unchecked.tenant != tenant {
            return Err(DbErr::Custom("one load checks the keys of one tenant at the end".into()));
        }
        unchecked.tenant = tenant.to_owned();
        unchecked.tables.extend(taken.iter().cloned());
        unchecked.new.extend(tables.iter().map(|t| (*t).to_owned()));
        Ok(taken)
    }

    /// Checks the foreign keys of the tables [`LoadTxn::check_keys_at_end`]
    /// took, over the tenant's rows: per key, the distinct keys the rows
    /// refer to are looked up (and locked against deletion, `FOR KEY SHARE`,
    /// as the per-row check does, though only from now on: a row deleted
    /// since the copy is missing here) in one query. Rows of the tenant in a
    /// table it had none in before this load (the `tables` given to
    /// [`LoadTxn::check_keys_at_end`]) are this transaction's own and are
    /// not locked: a key that leads with `tenant_id` can only find those.
    /// The first key with
    /// references that are not there is returned — table, constraint and
    /// count, never the values, which must not reach the log; the caller
    /// must then not commit. A key taken off for the load ([`set_aside`]) is
    /// checked when it is put back; call this before [`restore`].
    pub async fn check_keys(&self) -> Result<Option<MissingKeys>, DbErr> {
        let LoadTxn::Pg(pg) = self else { return Ok(None) };
        // Kept until every key is found: `commit` refuses meanwhile.
        let Unchecked { tenant, tables, new } = pg.unchecked.lock().expect("unchecked tables").clone();
        if tables.is_empty() {
            return Ok(None);
        }
        // Room to hash the keys in memory, as PostgreSQL gives its own check
        // when a foreign key is added (`maintenance_work_mem`); at a million
        // persons the default 4 MB spilled the keys to disk (docs/performance.md).
        self.execute_unprepared("SET LOCAL work_mem = '256MB'").await?;
        let missing = self.find_missing_keys(&tenant, &tables, &new).await?;
        self.execute_unprepared("SET LOCAL work_mem = DEFAULT").await?;
        if missing.is_none() {
            pg.unchecked.lock().expect("unchecked tables").tables.clear();
        }
        Ok(missing)
    }

    /// See [`LoadTxn::check_keys`].
    async fn find_missing_keys(
        &self,
        tenant: &str,
        tables: &[String],
        new: &[String],
    ) -> Result<Option<MissingKeys>, DbErr> {
        for table in tables {
            let keys = self
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT k.conname::text, \
                       CASE WHEN t.relkind = 'r' THEN 'ONLY ' ELSE '' END || k.confrelid::regclass::text, \
                       array_to_string(ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i) \
                         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i), chr(31)), \
                       array_to_string(ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i) \
                         JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i), chr(31)), \
                       t.relname::text \
                     FROM pg_constraint k JOIN pg_class t ON t.oid = k.confrelid \
                     WHERE k.conrelid = to_regclass($1) AND k.contype = 'f' ORDER BY k.conname",
                    [Value::from(quote(&table))],
                ))
                .await?;
            for key in keys {
                let (name, target, from, to, target_name): (String, String, String, String, String) = (
                    key.try_get_by_index(0)?,
                    key.try_get_by_index(1)?,
                    key.try_get_by_index(2)?,
                    key.try_get_by_index(3)?,
                    key.try_get_by_index(4)?,
                );
                // The tenant's rows of a table it had none in are this
                // transaction's own: nobody else can delete them, no lock.
                let own_rows = new.contains(&target_name)
                    && from.split('\u{1f}').zip(to.split('\u{1f}')).any(|(f, t)| f == "tenant_id" && t == "tenant_id");
                let from: Vec<String> = from.split('\u{1f}').map(quote).collect();
                let to: Vec<String> = to.split('\u{1f}').map(quote).collect();
                let cols = from.iter().map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ");
                let not_null = from.iter().map(|c| format!(" AND c.{c} IS NOT NULL")).collect::<String>();
                let on = |r: &str| to.iter().zip(&from).map(|(t, f)| format!("p.{t} = {r}.{f}")).collect::<Vec<_>>();
                let sql = if own_rows {
                    // As adding the key would check: the rows without their
                    // target (only those made distinct, for the count).
                    format!(
                        "SELECT COUNT(*) FROM (SELECT DISTINCT {cols} FROM {t} c WHERE c.tenant_id = $1{not_null} \
                         AND NOT EXISTS (SELECT 1 FROM {target} p WHERE {on})) AS m",
                        t = quote(table),
                        on = on("c").join(" AND "),
                    )
                } else {
                    format!(
                        "WITH r AS (SELECT DISTINCT {cols} FROM {t} c WHERE c.tenant_id = $1{not_null}), \
                         l AS (SELECT 1 FROM {target} p JOIN r ON {on} FOR KEY SHARE OF p) \
                         SELECT (SELECT COUNT(*) FROM r) - (SELECT COUNT(*) FROM l)",
                        t = quote(table),
                        on = on("r").join(" AND "),
                    )
                };
                let row = self
                    .query_one_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, [Value::from(tenant)]))
                    .await?;
                let missing: i64 = row.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0);
                if missing != 0 {
                    let target = target.trim_start_matches("ONLY ").to_owned();
                    return Ok(Some(MissingKeys { table: table.clone(), constraint: name, target, count: missing }));
                }
            }
        }
        Ok(None)
    }

    /// As [`insert_rows`]; on PostgreSQL by `COPY`.
    pub async fn insert_rows(
        &self,
        table: &str,
        columns: &[(&str, ColumnType)],
        rows: Vec<Vec<Value>>,
    ) -> Result<(), DbErr> {
        let prepared = self.prepare_rows(columns.len(), rows, None);
        self.insert_prepared(table, columns, prepared).await
    }

    /// Starts making `rows` (of `width` columns) ready for
    /// [`LoadTxn::insert_prepared`], after putting them in order with
    /// `sort` if given. On PostgreSQL the `COPY` text is made on a thread of
    /// the blocking pool, so that the caller reads and checks the next
    /// batch meanwhile, and the batch before is copied meanwhile: the import
    /// hands a batch over prepared, and the server no longer waits for the
    /// text between two copies (docs/performance.md). On SQLite the rows are
    /// bound when written.
    pub fn prepare_rows(
        &self,
        width: usize,
        mut rows: Vec<Vec<Value>>,
        sort: Option<fn(&mut [Vec<Value>])>,
    ) -> PreparedRows {
        match self {
            LoadTxn::Pg(_) if !rows.is_empty() => PreparedRows::Copy(tokio::task::spawn_blocking(move || {
                if let Some(sort) = sort {
                    sort(&mut rows);
                }
                copy_text(rows, width)
            })),
            _ => {
                if let Some(sort) = sort {
                    sort(&mut rows);
                }
                PreparedRows::Values(rows)
            }
        }
    }

    /// Writes rows made ready by [`LoadTxn::prepare_rows`] into `table`.
    pub async fn insert_prepared(
        &self,
        table: &str,
        columns: &[(&str, ColumnType)],
        rows: PreparedRows,
    ) -> Result<(), DbErr> {
        match (self, rows) {
            (LoadTxn::Pg(pg), PreparedRows::Copy(text)) => {
                let text = text.await.map_err(|e| DbErr::Custom(format!("COPY text not made: {e}")))?;
                let unchecked = {
                    let u = pg.unchecked.lock().expect("unchecked tables");
                    u.tables.iter().any(|t| t == table)
                };
                pg.copy_in(table, columns, text, unchecked).await
            }
            (_, PreparedRows::Values(rows)) => insert_rows(self, table, columns, rows).await,
            (LoadTxn::Orm(_), PreparedRows::Copy(_)) => {
                Err(DbErr::Custom("COPY text is for PostgreSQL's import transaction only".into()))
            }
        }
    }
}

/// New rows on their way into a table, see [`LoadTxn::prepare_rows`].
pub enum PreparedRows {
    Values(Vec<Vec<Value>>),
    /// `COPY` text being made on the blocking pool.
    Copy(tokio::task::JoinHandle<Vec<u8>>),
}

/// Rows of `width` values in `COPY`'s text format.
fn copy_text(rows: Vec<Vec<Value>>, width: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(rows.len() * 16 * width);
    for row in rows {
        debug_assert_eq!(row.len(), width);
        for (i, v) in row.into_iter().enumerate() {
            if i > 0 {
                data.push(b'\t');
            }
            copy_field(v, &mut data);
        }
        data.push(b'\n');
    }
    data
}

/// One value in `COPY`'s text format: `\N` for NULL, backslash escapes for
/// the characters that separate fields and rows.
fn copy_field(v: Value, out: &mut Vec<u8>) {
    let Some(text) = pg_text(v) else {
        out.extend_from_slice(b"\\N");
        return;
    };
    for b in text.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
}

impl PgLoad {
    /// Copies `data`, `COPY` text of `columns`, into `table`; `unchecked`:
    /// without the per-row foreign-key triggers, see
    /// [`LoadTxn::check_keys_at_end`].
    async fn copy_in(
        &self,
        table: &str,
        columns: &[(&str, ColumnType)],
        data: Vec<u8>,
        unchecked: bool,
    ) -> Result<(), DbErr> {
        let names = columns.iter().map(|(c, _)| quote(c)).collect::<Vec<_>>().join(", ");
        let sql = format!("COPY {} ({names}) FROM STDIN", quote(table));
        let mut conn = self.conn.lock().await;
        if unchecked {
            conn.execute("SET LOCAL session_replication_role = replica").await.map_err(exec_err)?;
        }
        let copied = async {
            let mut copy = conn.copy_in_raw(&sql).await.map_err(exec_err)?;
            if let Err(e) = copy.send(data).await {
                let _ = copy.abort("Lotse: Senden abgebrochen").await;
                return Err(exec_err(e));
            }
            copy.finish().await.map(|_| ()).map_err(exec_err)
        }
        .await;
        if unchecked && copied.is_ok() {
            // Every other statement checks its keys row by row as always.
            conn.execute("SET LOCAL session_replication_role = DEFAULT").await.map_err(exec_err)?;
        }
        copied
    }
}

/// Whether this connection may set `session_replication_role`.
async fn may_skip_key_triggers(txn: &LoadTxn) -> Result<bool, DbErr> {
    let one = |sql: &str| Statement::from_string(DbBackend::Postgres, sql.to_owned());
    let row = txn
        .query_one_raw(one("SELECT current_setting('is_superuser') = 'on' \
               AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus'), \
             current_setting('server_version_num')::int >= 150000 \
               AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"))
        .await?
        .ok_or_else(|| DbErr::Custom("no settings".into()))?;
    let (superuser, may_be_granted): (bool, bool) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
    if superuser || !may_be_granted {
        return Ok(superuser);
    }
    let row = txn.query_one_raw(one("SELECT has_parameter_privilege('session_replication_role', 'SET')")).await?;
    Ok(row.map(|r| r.try_get_by_index::<bool>(0)).transpose()?.unwrap_or(false))
}

#[sea_orm_migration::async_trait::async_trait]
impl ConnectionTrait for LoadTxn {
    fn get_database_backend(&self) -> DbBackend {
        match self {
            LoadTxn::Orm(txn) => txn.get_database_backend(),
            LoadTxn::Pg(_) => DbBackend::Postgres,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self {
            LoadTxn::Orm(txn) => txn.execute_raw(stmt).await,
            LoadTxn::Pg(pg) => {
                let mut conn = pg.conn.lock().await;
                sqlx_query(&stmt).execute(&mut **conn).await.map(Into::into).map_err(exec_err)
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            LoadTxn::Orm(txn) => txn.execute_unprepared(sql).await,
            LoadTxn::Pg(pg) => {
                let mut conn = pg.conn.lock().await;
                conn.execute(sea_orm::sqlx::AssertSqlSafe(sql.to_owned())).await.map(Into::into).map_err(exec_err)
            }
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            LoadTxn::Orm(txn) => txn.query_one_raw(stmt).await,
            LoadTxn::Pg(pg) => {
                let mut conn = pg.conn.lock().await;
                sqlx_query(&stmt).fetch_optional(&mut **conn).await.map(|r| r.map(Into::into)).map_err(query_err)
            }
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            LoadTxn::Orm(txn) => txn.query_all_raw(stmt).await,
            LoadTxn::Pg(pg) => {
                let mut conn = pg.conn.lock().await;
                let rows = sqlx_query(&stmt).fetch_all(&mut **conn).await.map_err(query_err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn temp_store_of(txn: &LoadTxn) -> i64 {
        let row = txn.query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA temp_store")).await.unwrap();
        row.unwrap().try_get_by_index::<i64>(0).unwrap()
    }

    /// SQLite: `restore` builds the index (sorting in files), a failing
    /// build is its error, and the connection has `temp_store = memory`
    /// again either way.
    #[tokio::test]
    async fn index_builds_sort_in_files_and_give_the_setting_back() {
        let dir = std::env::temp_dir().join(format!("lotse-restore-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = crate::backend::connect_unmigrated(&format!("sqlite://{}", dir.join("r.db").display())).await.unwrap();
        let txn = begin_load(&db).await.unwrap();
        txn.execute_unprepared(
            "CREATE TABLE t (a TEXT); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 40000) \
             INSERT INTO t SELECT hex(randomblob(50)) FROM c",
        )
        .await
        .unwrap();
        let aside = |sql: &str| SetAside { restore: vec![sql.to_owned()], tables: vec!["t".to_owned()] };
        let built = restore(&txn, aside("CREATE INDEX t_a ON t (a)")).await.unwrap();
        assert_eq!(built, ["t"]);
        assert_eq!(temp_store_of(&txn).await, 2);
        let row = txn
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT COUNT(*) FROM t INDEXED BY t_a WHERE a > ''",
            ))
            .await
            .unwrap();
        assert_eq!(row.unwrap().try_get_by_index::<i64>(0).unwrap(), 40_000);
        // A build that fails is the error, and the setting comes back.
        let err = restore(&txn, aside("CREATE INDEX t_b ON nirgends (a)")).await.unwrap_err();
        assert!(err.to_string().contains("nirgends"), "{err}");
        assert_eq!(temp_store_of(&txn).await, 2);
        txn.commit().await.unwrap();
        db.close().await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
