use sea_orm::entity::prelude::*;

/// A planned amount of a programme for a year: an expense by category or a funding by funder, in whole cents.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub program_id: String,
    pub year: i32,
    pub kind: String,
    pub category: Option<String>,
    pub amount_cents: i64,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
