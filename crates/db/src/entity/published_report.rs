use sea_orm::entity::prelude::*;

/// A published report: its figures frozen as they were, with parameters,
/// time, author and a SHA-256 hash of the stored content.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "published_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub report: String,
    pub title: Option<String>,
    /// The parameters as JSON.
    pub params: String,
    pub published_at: DateTimeUtc,
    pub published_by: String,
    /// The report as stored by `lotse_reports::Report::to_stored`.
    pub content: String,
    pub content_hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
