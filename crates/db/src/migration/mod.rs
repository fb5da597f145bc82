//! The one migration set for both backends. Migrations are append-only: a
//! released migration is never edited; a change is a new migration.

use sea_orm_migration::prelude::*;

pub use sea_orm_migration::MigratorTrait;

mod m0001_foundation;
mod m0002_bundle;
mod m0003_publications;
mod m0004_inquiries;
mod m0005_data_versions;
mod m0006_programme_work;
mod m0007_persons;
mod m0008_cases;
mod m0009_consent_caseload_retention;
mod m0010_name_vocabulary;
mod m0011_list_indexes;
mod m0012_search_pairs;
mod m0013_search_without_primary_key;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_bundle::Migration),
            Box::new(m0003_publications::Migration),
            Box::new(m0004_inquiries::Migration),
            Box::new(m0005_data_versions::Migration),
            Box::new(m0006_programme_work::Migration),
            Box::new(m0007_persons::Migration),
            Box::new(m0008_cases::Migration),
            Box::new(m0009_consent_caseload_retention::Migration),
            Box::new(m0010_name_vocabulary::Migration),
            Box::new(m0011_list_indexes::Migration),
            Box::new(m0012_search_pairs::Migration),
            Box::new(m0013_search_without_primary_key::Migration),
        ]
    }
}
