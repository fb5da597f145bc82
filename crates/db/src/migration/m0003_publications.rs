//! Published reports: figures frozen with their parameters, time and content hash.

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::{a, index, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            tenant_table("published_reports", "id")
                .col(string_len(a("report"), 32))
                .col(text_null(a("title")))
                .col(text(a("params")))
                .col(timestamp_with_time_zone(a("published_at")))
                .col(string_len(a("published_by"), 128))
                .col(text(a("content")))
                .col(string_len(a("content_hash"), 64))
                .to_owned(),
        )
        .await?;
        m.create_index(index("published_reports", "published_reports_at", &["tenant_id", "published_at"], false))
            .await?;
        crate::backend::frozen_table_trigger(m, "published_reports").await
    }
}
