use sea_orm::entity::prelude::*;

/// One reviewer's score (0–10) of a proposal on one criterion.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal_scores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub proposal_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub criterion_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub reviewer: String,
    pub score: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
