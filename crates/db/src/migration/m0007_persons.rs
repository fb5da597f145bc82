//! Persons beyond persons.csv: name search keys, contact data, the history
//! of residence status, and the aliases merged duplicates leave behind.

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::{a, index, tenant_fk, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Search keys (lotse_domain::search): one row per person and key; the
        // provider is copied in so that a case manager's search is answered
        // from the index alone.
        m.create_table(
            Table::create()
                .table(a("person_search"))
                .col(string_len(a("tenant_id"), 64))
                .col(string_len(a("person_id"), 64))
                .col(string_len(a("key"), 128))
                .col(string_len(a("provider_id"), 64))
                // Key first: a search looks keys up. With the person first,
                // SQLite scanned a whole tenant's keys in person order to
                // serve the GROUP BY (2 s at a million persons).
                .primary_key(Index::create().col(a("tenant_id")).col(a("key")).col(a("person_id")))
                .foreign_key(
                    &mut tenant_fk("person_search", "person_id", "persons")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "person_search",
            "person_search_key",
            &["tenant_id", "key", "provider_id", "person_id"],
            false,
        ))
        .await?;
        // A person's own keys, replaced when the name changes.
        m.create_index(index("person_search", "person_search_person", &["tenant_id", "person_id"], false)).await?;

        for col in ["phone", "email", "address_line1", "address_line2", "postal_code"] {
            m.alter_table(Table::alter().table(a("persons")).add_column(string_null(a(col))).to_owned()).await?;
        }
        m.create_index(index("persons", "persons_household", &["tenant_id", "household_id"], false)).await?;

        m.create_table(
            tenant_table("residence_statuses", "id")
                .col(string_len(a("person_id"), 64))
                .col(string_len(a("status"), 16))
                .col(date(a("valid_from")))
                .col(date_null(a("valid_until")))
                .col(string_len(a("work_permission"), 16))
                .col(text_null(a("note")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(
                    &mut tenant_fk("residence_statuses", "person_id", "persons")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "residence_statuses",
            "residence_statuses_person",
            &["tenant_id", "person_id", "valid_from"],
            false,
        ))
        .await?;
        m.create_index(index("residence_statuses", "residence_statuses_until", &["tenant_id", "valid_until"], false))
            .await?;

        m.create_table(
            tenant_table("person_aliases", "alias_id")
                .col(string_len(a("person_id"), 64))
                .col(timestamp_with_time_zone(a("merged_at")))
                .foreign_key(
                    &mut tenant_fk("person_aliases", "person_id", "persons")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("person_aliases", "person_aliases_person", &["tenant_id", "person_id"], false)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["person_aliases", "residence_statuses", "person_search"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        for col in ["phone", "email", "address_line1", "address_line2", "postal_code"] {
            m.alter_table(Table::alter().table(a("persons")).drop_column(a(col)).to_owned()).await?;
        }
        Ok(())
    }
}
