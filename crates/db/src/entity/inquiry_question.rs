use sea_orm::entity::prelude::*;

/// A numbered question of an inquiry with its answer: text and the
/// published reports it refers to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inquiry_questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub inquiry_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub number: i32,
    pub question: String,
    pub answer: Option<String>,
    /// Ids of published reports, as a JSON array.
    pub publications: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
