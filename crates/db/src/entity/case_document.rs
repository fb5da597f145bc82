use sea_orm::entity::prelude::*;

/// A document attached to a case; its bytes are kept in the database.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub participation_id: String,
    pub date: Date,
    pub author: String,
    pub created_at: DateTimeUtc,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub content: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
