//! Search keys for pairs of names (`q:` keys, decision 50), with the
//! person's names beside them (`names`, only on pair keys) in an index of
//! their own, so that a search of several words ranks its candidates from
//! that index alone. Every person already stored gets a key per pair of
//! their distinct phonetic codes, read from their `p:` keys, and their
//! names. A migration is a snapshot: this is the format of
//! `lotse_domain::search::pair_keys` and `pair_names` as it was written —
//! `q:A:B` with the codes in byte order, no longer than the key column; the
//! given and the family name separated by a space, and for names longer
//! than 1,000 bytes the marker `q:-` without names instead of pairs — a
//! later change of the format is a later migration.

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

struct Person {
    tenant: String,
    id: String,
    provider: String,
    names: String,
    codes: BTreeSet<String>,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("person_search"))
                .add_column(ColumnDef::new("names").text().null())
                .to_owned(),
        )
        .await?;
        let conn = m.get_connection();
        let backend = m.get_database_backend();
        let text = ColumnType::String(Default::default());
        let columns = [
            ("tenant_id", text.clone()),
            ("person_id", text.clone()),
            ("key", text.clone()),
            ("provider_id", text.clone()),
            ("names", text),
        ];
        let mut after = (String::new(), String::new());
        loop {
            let rows = conn
                .query_all_raw(portable_statement(
                    backend,
                    &format!(
                        "SELECT s.tenant_id, s.person_id, s.provider_id, s.\"key\", p.given_name, p.family_name \
                         FROM person_search s JOIN persons p ON p.tenant_id = s.tenant_id AND p.id = s.person_id \
                         WHERE (s.tenant_id, s.person_id) > (?, ?) AND s.\"key\" LIKE 'p:%' \
                         ORDER BY s.tenant_id, s.person_id LIMIT {STEP}"
                    ),
                    vec![after.0.clone().into(), after.1.clone().into()],
                ))
                .await?;
            let full = rows.len() == STEP;
            let mut people: Vec<Person> = Vec::new();
            for row in rows {
                let (tenant, id): (String, String) = (row.try_get("", "tenant_id")?, row.try_get("", "person_id")?);
                let key: String = row.try_get("", "key")?;
                let code = key["p:".len()..].to_owned();
                match people.last_mut() {
                    Some(last) if last.tenant == tenant && last.id == id => {
                        last.codes.insert(code);
                    }
                    _ => {
                        let given: Option<String> = row.try_get("", "given_name")?;
                        let family: Option<String> = row.try_get("", "family_name")?;
                        people.push(Person {
                            tenant,
                            id,
                            provider: row.try_get("", "provider_id")?,
                            names: given.into_iter().chain(family).collect::<Vec<_>>().join(" "),
                            codes: BTreeSet::from([code]),
                        });
                    }
                }
            }
            // A full step may have cut the last person's rows: read them again.
            if full && people.len() > 1 {
                people.pop();
            }
            let Some(last) = people.last() else { break };
            after = (last.tenant.clone(), last.id.clone());
            let mut insert: Vec<Vec<Value>> = Vec::new();
            for p in &people {
                let pairs = pair_keys(&p.codes);
                // Names too long for the index (over 1,000 bytes): a marker
                // key without names instead of the pairs.
                if p.names.len() > 1_000 && !pairs.is_empty() {
                    let marker: Option<String> = None;
                    insert.push(vec![
                        p.tenant.as_str().into(),
                        p.id.as_str().into(),
                        "q:-".into(),
                        p.provider.as_str().into(),
                        marker.into(),
                    ]);
                    continue;
                }
                for key in pairs {
                    insert.push(vec![
                        p.tenant.as_str().into(),
                        p.id.as_str().into(),
                        key.into(),
                        p.provider.as_str().into(),
                        p.names.as_str().into(),
                    ]);
                }
            }
            crate::bulk::insert_rows_ignoring_duplicates(conn, "person_search", &columns, insert).await?;
            if !full {
                break;
            }
        }
        // Partial: only the pair keys have names.
        conn.execute_unprepared(
            "CREATE INDEX person_search_pairs ON person_search (tenant_id, \"key\", provider_id, names, person_id) \
             WHERE names IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        m.drop_index(Index::drop().name("person_search_pairs").table(Alias::new("person_search")).to_owned()).await?;
        conn.execute_unprepared("DELETE FROM person_search WHERE \"key\" LIKE 'q:%'").await?;
        m.alter_table(Table::alter().table(Alias::new("person_search")).drop_column(Alias::new("names")).to_owned())
            .await
            .map(|_| ())
    }
}
