use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub provider_id: Option<String>,
    /// argon2id, PHC string format.
    pub password_hash: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// The staff record (staff.csv) this account works as, for caseload and deputies.
    pub staff_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
