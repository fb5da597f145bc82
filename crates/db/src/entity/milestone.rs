use sea_orm::entity::prelude::*;

/// A milestone of a strategic goal, with owner, due date and status.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "milestones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub goal_id: String,
    pub title: String,
    pub owner: Option<String>,
    pub due_date: Date,
    pub status: String,
    pub done_date: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
