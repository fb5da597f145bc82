//! `person_search` without a primary key: its unique index
//! `person_search_key (tenant_id, key, provider_id, person_id)` takes the
//! key's place (decision 56), and `person_search_person` gets the key as a
//! third column. The provider is a copy of the person's, the
//! same in all of a person's rows, so that index admits exactly the rows
//! the primary key `(tenant_id, key, person_id)` did; the search reads the
//! same index as before, which already held the provider. What changes:
//! every write of a key updates one B-tree fewer, and a large first load no
//! longer keeps a primary key up to date batch by batch for five to six
//! rows per person — an index is set aside and built once at the end by a
//! sort (`lotse_db::bulk`). The import got no measurably faster for it
//! (docs/performance.md, decision 56); a fresh SQLite file is 8 % smaller.
//!
//! SQLite cannot drop a primary key, so the table is built anew on both
//! backends (one code): a new table, the rows copied over, the old one
//! dropped, the new one renamed, the indexes made. The copy checks the key
//! to `persons` row by row, and SQLite's file keeps the old table's pages
//! as free pages until a `VACUUM`; statistics come with the next import
//! (the time on a large database was not measured).

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::{a, index, tenant_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &str = "tenant_id, person_id, \"key\", provider_id, names";

/// The pair keys' index of m0012 (partial: only rows with names).
const PAIRS: &str = "CREATE INDEX person_search_pairs ON person_search \
                     (tenant_id, \"key\", provider_id, names, person_id) WHERE names IS NOT NULL";

/// Builds `person_search` anew with its rows: with the primary key
/// `(tenant_id, key, person_id)` of m0007 (`keyed`, for `down`) or without
/// it (`up`).
async fn rebuild(m: &SchemaManager<'_>, keyed: bool) -> Result<(), DbErr> {
    let conn = m.get_connection();
    let mut table = Table::create();
    table
        .table(a("person_search_new"))
        .col(string_len(a("tenant_id"), 64))
        .col(string_len(a("person_id"), 64))
        .col(string_len(a("key"), 128))
        .col(string_len(a("provider_id"), 64))
        .col(ColumnDef::new("names").text().null())
        .foreign_key(
            &mut tenant_fk("person_search_new", "person_id", "persons")
                .name("person_search_tenant_id_person_id_fkey")
                .on_delete(ForeignKeyAction::Cascade)
                .to_owned(),
        );
    if keyed {
        // Named as PostgreSQL named m0007's (the rename keeps a name).
        table.primary_key(
            Index::create().name("person_search_pkey").col(a("tenant_id")).col(a("key")).col(a("person_id")),
        );
    }
    m.create_table(table).await?;
    conn.execute_unprepared(&format!("INSERT INTO person_search_new ({COLUMNS}) SELECT {COLUMNS} FROM person_search"))
        .await?;
    // Takes the old table's indexes with it, so their names are free again.
    m.drop_table(Table::drop().table(a("person_search")).to_owned()).await?;
    m.rename_table(Table::rename().table(a("person_search_new"), a("person_search")).to_owned()).await?;
    m.create_index(index(
        "person_search",
        "person_search_key",
        &["tenant_id", "key", "provider_id", "person_id"],
        !keyed,
    ))
    .await?;
    // Up: with the key, so that probing a person's keys for a word (the
    // search's `driven_match`) reads this index alone, as it read the
    // primary key before.
    let person: &[&str] = if keyed { &["tenant_id", "person_id"] } else { &["tenant_id", "person_id", "key"] };
    m.create_index(index("person_search", "person_search_person", person, false)).await?;
    conn.execute_unprepared(PAIRS).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too (SeaORM wraps only PostgreSQL's by
    /// default): the steps then run on one connection — another pooled
    /// connection, its schema not yet read again, refused the rename with
    /// "there is already another table … person_search" after the drop — and
    /// a failure leaves the old table as it was.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        rebuild(m, false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        rebuild(m, true).await
    }
}
