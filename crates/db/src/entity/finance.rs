use sea_orm::entity::prelude::*;

/// An expense, a funding or a value created, in whole cents.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "finance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub year: i32,
    pub kind: String,
    pub category: Option<String>,
    pub program_id: Option<String>,
    pub amount_cents: i64,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
