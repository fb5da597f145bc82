//! Issue 4 (items 4, 5, 6, 8): handovers between providers, deputies during
//! an absence, the link from an account to its staff record, a programme's
//! own caseload target, retention rules per tenant and the mark of an
//! anonymised person. Consents themselves are the bundle's `consents` table.

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::{a, index, tenant_fk, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            tenant_table("handovers", "id")
                .col(string_len(a("person_id"), 64))
                .col(string_len_null(a("participation_id"), 64))
                .col(string_len(a("from_provider"), 64))
                .col(string_len(a("to_provider"), 64))
                .col(text_null(a("note")))
                .col(timestamp_with_time_zone(a("requested_at")))
                .col(string_len(a("requested_by"), 128))
                .col(string_len(a("status"), 16))
                .col(timestamp_with_time_zone_null(a("decided_at")))
                .col(string_len_null(a("decided_by"), 128))
                .col(text_null(a("passed_on")))
                .foreign_key(&mut tenant_fk("handovers", "person_id", "persons"))
                .foreign_key(&mut tenant_fk("handovers", "from_provider", "providers"))
                .foreign_key(&mut tenant_fk("handovers", "to_provider", "providers"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("handovers", "handovers_to", &["tenant_id", "to_provider", "status"], false)).await?;
        m.create_index(index("handovers", "handovers_person", &["tenant_id", "person_id"], false)).await?;
        m.create_table(
            tenant_table("deputies", "id")
                .col(string_len(a("absent_user_id"), 64))
                .col(string_len(a("deputy_user_id"), 64))
                .col(date(a("from_date")))
                .col(date(a("until_date")))
                .foreign_key(&mut tenant_fk("deputies", "absent_user_id", "users"))
                .foreign_key(&mut tenant_fk("deputies", "deputy_user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("deputies", "deputies_deputy", &["tenant_id", "deputy_user_id"], false)).await?;
        m.create_table(
            tenant_table("retention_rules", "id")
                .col(string_len(a("kind"), 32))
                .col(integer(a("years")))
                .col(string_len_null(a("program_id"), 64))
                .foreign_key(&mut tenant_fk("retention_rules", "program_id", "programs"))
                .to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table(a("users")).add_column(string_len_null(a("staff_id"), 64)).to_owned())
            .await?;
        m.alter_table(Table::alter().table(a("programs")).add_column(double_null(a("caseload_target"))).to_owned())
            .await?;
        m.alter_table(
            Table::alter().table(a("persons")).add_column(timestamp_with_time_zone_null(a("anonymised_at"))).to_owned(),
        )
        .await?;
        Ok(())
    }
}
