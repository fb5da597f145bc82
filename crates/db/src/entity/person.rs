use sea_orm::entity::prelude::*;

/// A person Lotse supports: the attributes of the bundle's persons.csv.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub provider_id: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub birth_date: Option<Date>,
    pub gender: String,
    pub nationality: Option<String>,
    pub residence_status: Option<String>,
    pub migration_background: Option<String>,
    pub district_id: Option<String>,
    pub municipality: Option<String>,
    pub household_id: Option<String>,
    pub single_parent: Option<String>,
    pub disability: Option<String>,
    pub education_isced: Option<i16>,
    pub labour_status: Option<String>,
    pub sgb2_months_24: Option<i16>,
    pub homeless: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub postal_code: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set when retention ended and the directly identifying data was removed.
    pub anonymised_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
