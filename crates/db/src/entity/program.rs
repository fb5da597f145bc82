use sea_orm::entity::prelude::*;

/// A funding programme or project.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "programs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub funder: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub target_group: Option<String>,
    pub archived_at: Option<DateTimeUtc>,
    /// Cases per full-time post aimed at (None: the default 80).
    pub caseload_target: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
