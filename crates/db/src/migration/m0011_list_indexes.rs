//! Indexes for the lists a case manager opens all day, measured at a
//! million persons (docs/performance.md, "Web pages"): a staff member's
//! cases ("Meine Fälle") newest first, every case newest first (the
//! provider-wide list walks this index and stops after a page), and a
//! provider's offers by kind of delivery (the person record offers the
//! provider's individual offers for a new case), a person's places on
//! waiting lists (shown on the person record), and the audit trail's
//! unsealed entries in the order they are sealed: the sealer looked for them
//! through the primary key, reading every entry of the tenant (80 ms at
//! 188,000 entries) while it held the write lock, once a second — every
//! audited read that came in meanwhile waited.

use sea_orm_migration::prelude::*;

use super::m0001_foundation::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, &[&str]); 5] = [
    ("participations", "participations_staff", &["tenant_id", "staff_id", "entry_date"]),
    ("participations", "participations_entry", &["tenant_id", "entry_date"]),
    ("offers", "offers_provider", &["tenant_id", "provider_id", "delivery"]),
    ("waiting_list", "waiting_list_person", &["tenant_id", "person_id"]),
    ("audit_log", "audit_log_unsealed", &["tenant_id", "seq", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, name, cols) in INDEXES {
            m.create_index(index(table, name, cols, false)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, name, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
