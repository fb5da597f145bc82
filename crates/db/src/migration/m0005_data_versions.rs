//! How often each tenant's report data has changed, so that a resident copy
//! of the data knows when it is stale. Every change inserts a row into
//! `data_changes` in its own transaction (inserts of different transactions
//! never wait for each other); the audit sealer folds them into the tenant's
//! `data_versions.version` from time to time. The data version is
//! `version + count(data_changes)`: it grows with every committed change.

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::{a, tenant_table};

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
        .await?;
        m.create_table(tenant_table("data_changes", "id").to_owned()).await
    }
}
