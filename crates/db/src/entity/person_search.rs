use sea_orm::entity::prelude::*;

/// A search key of a person's name (see `lotse_domain::search`).
///
/// The table has no primary key (migration m0013, decision 56): the unique
/// index `person_search_key (tenant_id, key, provider_id, person_id)`
/// admits the same rows, since a person's rows all carry the person's
/// provider. The key declared here is what SeaORM needs to address a row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person_search")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub provider_id: String,
    /// With a pair key (`q:`) only: the person's names, so that a search
    /// ranks its candidates from this table's index alone.
    pub names: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
