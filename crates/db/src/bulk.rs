//! Bulk inserts for imports: the one place besides `backend` where the two
//! databases are treated differently, because the fastest way differs.
//!
//! - SQLite: one multi-row `INSERT … VALUES (…),(…)` per batch; the SQL text
//!   of a full batch is always the same, so sqlx prepares it once.
//! - PostgreSQL: `INSERT … SELECT * FROM UNNEST($1::text[], $2::date[], …)`
//!   with one array per column: a batch of any size is one statement with as
//!   many parameters as columns. (COPY would be faster still, but it cannot
//!   run inside the import's transaction through SeaORM, and all-or-nothing
//!   matters more.)
//!
//! Both run inside the caller's transaction.

use sea_orm::sea_query::{ArrayType, ColumnType, Value};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

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

/// A value as PostgreSQL reads it from text; NULL as U+0001.
fn pg_text(v: Value) -> String {
    const NULL: &str = "\u{1}";
    match v {
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
        _ => NULL.to_owned(),
    }
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
                    arrays[i].push(Value::String(Some(pg_text(v))));
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
