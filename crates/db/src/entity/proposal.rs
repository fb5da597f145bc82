use sea_orm::entity::prelude::*;

/// A project proposal submitted to a fund call.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "proposals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub call_id: String,
    pub provider_id: Option<String>,
    pub applicant: Option<String>,
    pub title: String,
    pub target_group: Option<String>,
    pub planned_female: Option<i32>,
    pub planned_male: Option<i32>,
    pub planned_diverse: Option<i32>,
    pub budget_cents: i64,
    pub submitted_date: Option<Date>,
    pub decision: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
