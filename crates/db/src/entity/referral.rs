use sea_orm::entity::prelude::*;

/// A referral of a case to an offer or an agency.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub participation_id: String,
    pub date: Date,
    pub author: String,
    pub created_at: DateTimeUtc,
    pub offer_id: Option<String>,
    pub agency: Option<String>,
    pub status: String,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
