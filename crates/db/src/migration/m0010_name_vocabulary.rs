//! The typo vocabulary of the person search: each distinct normalised name
//! token of a tenant, filed under its variants (itself and itself with one
//! letter deleted; see `lotse_domain::search::variants`). A typo is looked up
//! here by the query's own variants — a handful of keys instead of the
//! hundreds of one-edit texts — and only then in `person_search`.
//!
//! Existing tenants' vocabularies are filled by the service when it opens a
//! database whose persons have search keys but no vocabulary (the variants
//! are computed in Rust, not in SQL).

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::{a, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("name_variants"))
                .col(string_len(a("tenant_id"), 64))
                .col(string_len(a("variant"), 128))
                .col(string_len(a("token"), 128))
                .primary_key(Index::create().col(a("tenant_id")).col(a("variant")).col(a("token")))
                .foreign_key(
                    ForeignKey::create()
                        .from(a("name_variants"), a("tenant_id"))
                        .to(a("tenants"), a("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // Forgetting a token no person has any more.
        m.create_index(index("name_variants", "name_variants_token", &["tenant_id", "token"], false)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("name_variants")).to_owned()).await
    }
}
