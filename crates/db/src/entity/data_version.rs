use sea_orm::entity::prelude::*;

/// How often a tenant's report data has changed: incremented in the
/// transaction of every change (see `lotse_service::audit::record`). A
/// resident copy of the data is current while this number is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
