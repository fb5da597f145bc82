use sea_orm::entity::prelude::*;

/// A request to pass a person on to another provider, and its decision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handovers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub person_id: String,
    pub participation_id: Option<String>,
    pub from_provider: String,
    pub to_provider: String,
    pub note: Option<String>,
    pub requested_at: DateTimeUtc,
    pub requested_by: String,
    /// `requested | accepted | declined`
    pub status: String,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<String>,
    /// JSON: what was passed on (the list of record kinds and ids).
    pub passed_on: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
