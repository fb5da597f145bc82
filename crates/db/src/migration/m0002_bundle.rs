//! The records of the data bundle (../shared/spec/exchange-format.md):
//! districts and their statistics, programmes, modules, offers, staff,
//! participations, outcomes, consents and finance.

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::{a, index, tenant_fk, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            tenant_table("districts", "id")
                .col(string(a("name")))
                .col(string_len_null(a("parent_id"), 64))
                .col(double_null(a("area_km2")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("district_stats"))
                .col(string_len(a("tenant_id"), 64))
                .col(string_len(a("district_id"), 64))
                .col(integer(a("year")))
                .col(string_len(a("indicator"), 64))
                .col(double(a("value")))
                .primary_key(
                    Index::create().col(a("tenant_id")).col(a("district_id")).col(a("year")).col(a("indicator")),
                )
                .foreign_key(&mut tenant_fk("district_stats", "district_id", "districts"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("programs", "id")
                .col(string(a("name")))
                .col(string_null(a("funder")))
                .col(date_null(a("start_date")))
                .col(date_null(a("end_date")))
                .col(text_null(a("target_group")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("modules", "id")
                .col(string_len(a("program_id"), 64))
                .col(integer_null(a("number")))
                .col(string(a("name")))
                .col(string_len_null(a("kind"), 32))
                .foreign_key(&mut tenant_fk("modules", "program_id", "programs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("modules", "modules_program", &["tenant_id", "program_id"], false)).await?;
        m.create_table(
            tenant_table("offers", "id")
                .col(string(a("name")))
                .col(string_len(a("provider_id"), 64))
                .col(string_len_null(a("module_id"), 64))
                .col(string_len(a("delivery"), 16))
                .col(string_len_null(a("topic"), 32))
                .col(string_len_null(a("life_stage"), 32))
                .col(string_len_null(a("district_id"), 64))
                .col(date_null(a("start_date")))
                .col(date_null(a("end_date")))
                .col(integer_null(a("capacity")))
                .col(integer_null(a("unregistered_participants")))
                .foreign_key(&mut tenant_fk("offers", "provider_id", "providers"))
                .foreign_key(&mut tenant_fk("offers", "module_id", "modules"))
                .foreign_key(&mut tenant_fk("offers", "district_id", "districts"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("offers", "offers_module", &["tenant_id", "module_id"], false)).await?;
        m.create_table(
            tenant_table("staff", "id")
                .col(string_len(a("provider_id"), 64))
                .col(string(a("name")))
                .col(string_null(a("role")))
                .col(double_null(a("fte")))
                .foreign_key(&mut tenant_fk("staff", "provider_id", "providers"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("participations", "id")
                .col(string_len(a("person_id"), 64))
                .col(string_len(a("offer_id"), 64))
                .col(string_len_null(a("staff_id"), 64))
                .col(date(a("entry_date")))
                .col(date_null(a("exit_date")))
                .col(string_len_null(a("exit_reason"), 16))
                .foreign_key(&mut tenant_fk("participations", "person_id", "persons"))
                .foreign_key(&mut tenant_fk("participations", "offer_id", "offers"))
                .foreign_key(&mut tenant_fk("participations", "staff_id", "staff"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("participations", "participations_person", &["tenant_id", "person_id"], false)).await?;
        m.create_index(index(
            "participations",
            "participations_offer",
            &["tenant_id", "offer_id", "entry_date"],
            false,
        ))
        .await?;
        m.create_table(
            tenant_table("outcomes", "id")
                .col(string_len(a("participation_id"), 64))
                .col(string_len(a("kind"), 32))
                .col(date(a("date")))
                .col(string_len(a("timing"), 16))
                .foreign_key(&mut tenant_fk("outcomes", "participation_id", "participations"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("outcomes", "outcomes_participation", &["tenant_id", "participation_id"], false)).await?;
        m.create_table(
            tenant_table("consents", "id")
                .col(string_len(a("person_id"), 64))
                .col(string_len(a("scope"), 32))
                .col(string_len_null(a("provider_id"), 64))
                .col(string_len_null(a("program_id"), 64))
                .col(date(a("given_date")))
                .col(date_null(a("withdrawn_date")))
                .foreign_key(&mut tenant_fk("consents", "person_id", "persons"))
                .foreign_key(&mut tenant_fk("consents", "provider_id", "providers"))
                .foreign_key(&mut tenant_fk("consents", "program_id", "programs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("consents", "consents_person", &["tenant_id", "person_id"], false)).await?;
        m.create_table(
            tenant_table("finance", "id")
                .col(integer(a("year")))
                .col(string_len(a("kind"), 16))
                .col(string_len_null(a("category"), 32))
                .col(string_len_null(a("program_id"), 64))
                // Money in whole cents: exact, and the same type on both backends.
                .col(big_integer(a("amount_cents")))
                .col(double_null(a("quantity")))
                .col(string_null(a("unit")))
                .col(text_null(a("note")))
                .foreign_key(&mut tenant_fk("finance", "program_id", "programs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("finance", "finance_year", &["tenant_id", "year"], false)).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("Die Bündeltabellen können nicht zurückgenommen werden.".into()))
    }
}
