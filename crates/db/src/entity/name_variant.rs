use sea_orm::entity::prelude::*;

/// A normalised name token of the tenant's persons, filed under one of its
/// variants (see `lotse_domain::search::variants`): the typo vocabulary.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "name_variants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
