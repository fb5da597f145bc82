//! Council inquiries (Anfragen) with their numbered questions and answers.

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::{a, index, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            tenant_table("inquiries", "id")
                .col(date(a("received_on")))
                .col(text(a("faction")))
                .col(text(a("title")))
                .col(text_null(a("addressee")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(string_len(a("created_by"), 128))
                .to_owned(),
        )
        .await?;
        m.create_index(index("inquiries", "inquiries_received", &["tenant_id", "received_on"], false)).await?;
        m.create_table(
            Table::create()
                .table(a("inquiry_questions"))
                .col(string_len(a("tenant_id"), 64))
                .col(string_len(a("inquiry_id"), 64))
                .col(integer(a("number")))
                .col(text(a("question")))
                .col(text_null(a("answer")))
                .col(text(a("publications")))
                .primary_key(Index::create().col(a("tenant_id")).col(a("inquiry_id")).col(a("number")))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(a("inquiry_questions"))
                        .from_col(a("tenant_id"))
                        .from_col(a("inquiry_id"))
                        .to_tbl(a("inquiries"))
                        .to_col(a("tenant_id"))
                        .to_col(a("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
