//! A counter per tenant that every change of report data increments (in the
//! change's own transaction), so a resident copy of the data knows when it is
//! stale.

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("data_versions"))
                .col(string_len(a("tenant_id"), 64).primary_key())
                .col(big_integer(a("version")))
                .foreign_key(
                    ForeignKey::create()
                        .from(a("data_versions"), a("tenant_id"))
                        .to(a("tenants"), a("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }
}
