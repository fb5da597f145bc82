use sea_orm::entity::prelude::*;

/// One life domain rated in an assessment (1 great need … 5 no need).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub assessment_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain: String,
    pub rating: i16,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
