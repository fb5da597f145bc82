//! Search keys for pairs of names (`q:` keys, decision 50): every person
//! already stored gets a key per pair of their distinct phonetic codes, read
//! from their `p:` keys. A migration is a snapshot: this is the key format
//! of `lotse_domain::search::pair_keys` as it was written, `q:A:B` with the
//! codes in byte order, no longer than the key column; a later change of
//! the format is a later migration.

use std::collections::BTreeSet;

use sea_orm::sea_query::{ColumnType, Value};
use sea_orm_migration::prelude::*;

use crate::backend::portable_statement;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `p:` key rows read per step (a person's rows are never split: the last
/// person of a full step is read again with the next).
const STEP: usize = 20_000;

fn pair_keys(codes: &BTreeSet<String>) -> Vec<String> {
    let codes: Vec<&String> = codes.iter().collect();
    let mut out = Vec::new();
    for (i, a) in codes.iter().enumerate() {
        for b in &codes[i + 1..] {
            let key = format!("q:{a}:{b}");
            if key.len() <= 128 {
                out.push(key);
            }
        }
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        let backend = m.get_database_backend();
        let text = ColumnType::String(Default::default());
        let columns =
            [("tenant_id", text.clone()), ("person_id", text.clone()), ("key", text.clone()), ("provider_id", text)];
        let mut after = (String::new(), String::new());
        loop {
            let rows = conn
                .query_all_raw(portable_statement(
                    backend,
                    &format!(
                        "SELECT tenant_id, person_id, provider_id, \"key\" FROM person_search \
                         WHERE (tenant_id, person_id) > (?, ?) AND \"key\" LIKE 'p:%' \
                         ORDER BY tenant_id, person_id LIMIT {STEP}"
                    ),
                    vec![after.0.clone().into(), after.1.clone().into()],
                ))
                .await?;
            let full = rows.len() == STEP;
            let mut people: Vec<((String, String), String, BTreeSet<String>)> = Vec::new();
            for row in rows {
                let id = (row.try_get::<String>("", "tenant_id")?, row.try_get::<String>("", "person_id")?);
                let provider: String = row.try_get("", "provider_id")?;
                let key: String = row.try_get("", "key")?;
                let code = key["p:".len()..].to_owned();
                match people.last_mut() {
                    Some((last, _, codes)) if *last == id => {
                        codes.insert(code);
                    }
                    _ => people.push((id, provider, BTreeSet::from([code]))),
                }
            }
            // A full step may have cut the last person's rows: read them again.
            if full && people.len() > 1 {
                people.pop();
            }
            let Some((last, _, _)) = people.last() else { break };
            after = last.clone();
            let mut insert: Vec<Vec<Value>> = Vec::new();
            for ((tenant, person), provider, codes) in &people {
                for key in pair_keys(codes) {
                    insert.push(vec![
                        tenant.as_str().into(),
                        person.as_str().into(),
                        key.into(),
                        provider.as_str().into(),
                    ]);
                }
            }
            crate::bulk::insert_rows_ignoring_duplicates(conn, "person_search", &columns, insert).await?;
            if !full {
                break;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("DELETE FROM person_search WHERE \"key\" LIKE 'q:%'").await.map(|_| ())
    }
}
