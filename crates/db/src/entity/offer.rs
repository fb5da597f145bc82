use sea_orm::entity::prelude::*;

/// What is delivered: an individual or a group offer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub provider_id: String,
    pub module_id: Option<String>,
    pub delivery: String,
    pub topic: Option<String>,
    pub life_stage: Option<String>,
    pub district_id: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub capacity: Option<i32>,
    pub unregistered_participants: Option<i32>,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
