//! Case management (docs/cases.md): a case is an individual participation;
//! its phases, intake, assessments, plan (goals and steps), referrals,
//! contacts, case conferences, documents and the follow-up reminder hang off
//! the participation and go with it. Also the waiting list of an individual
//! offer and anonymous outreach contacts (no person at all).

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::{a, index, tenant_fk, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A reference to the case (participation) that deletes with it.
fn case_fk(from: &str) -> ForeignKeyCreateStatement {
    tenant_fk(from, "participation_id", "participations").on_delete(ForeignKeyAction::Cascade).to_owned()
}

/// A table of one case's records: id, the case, a date and who recorded it.
fn case_table(name: &str) -> TableCreateStatement {
    tenant_table(name, "id")
        .col(string_len(a("participation_id"), 64))
        .col(date(a("date")))
        .col(string_len(a("author"), 64))
        .col(timestamp_with_time_zone(a("created_at")))
        .foreign_key(&mut case_fk(name))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(case_table("case_phases").col(string_len(a("phase"), 16)).col(text_null(a("note"))).to_owned())
            .await?;
        m.create_table(
            tenant_table("case_intakes", "participation_id")
                .col(date(a("date")))
                .col(string_len(a("author"), 64))
                .col(string_len(a("way_in"), 16))
                .col(boolean(a("indicated")))
                .col(text_null(a("note")))
                .foreign_key(&mut case_fk("case_intakes"))
                .to_owned(),
        )
        .await?;
        m.create_table(case_table("assessments").col(text_null(a("note"))).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(a("assessment_ratings"))
                .col(string_len(a("tenant_id"), 64))
                .col(string_len(a("assessment_id"), 64))
                .col(string_len(a("domain"), 32))
                .col(small_integer(a("rating")))
                .col(text_null(a("note")))
                .primary_key(Index::create().col(a("tenant_id")).col(a("assessment_id")).col(a("domain")))
                .foreign_key(
                    &mut tenant_fk("assessment_ratings", "assessment_id", "assessments")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            case_table("case_goals")
                .col(string(a("title")))
                .col(text_null(a("description")))
                .col(string_len(a("status"), 16))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("case_steps", "id")
                .col(string_len(a("goal_id"), 64))
                .col(string(a("title")))
                .col(string_null(a("owner")))
                .col(date_null(a("due_date")))
                .col(string_len(a("status"), 16))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(
                    &mut tenant_fk("case_steps", "goal_id", "case_goals")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("case_steps", "case_steps_goal", &["tenant_id", "goal_id"], false)).await?;
        m.create_table(
            case_table("referrals")
                .col(string_len_null(a("offer_id"), 64))
                .col(string_null(a("agency")))
                .col(string_len(a("status"), 16))
                .col(text_null(a("note")))
                .foreign_key(&mut tenant_fk("referrals", "offer_id", "offers"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            case_table("case_contacts")
                .col(string_len(a("kind"), 16))
                .col(integer(a("minutes")))
                .col(text_null(a("note")))
                .to_owned(),
        )
        .await?;
        m.create_table(case_table("case_conferences").col(text(a("participants"))).col(text(a("outcome"))).to_owned())
            .await?;
        m.create_table(
            case_table("case_documents")
                .col(string(a("file_name")))
                .col(string_len(a("content_type"), 128))
                .col(big_integer(a("size")))
                .col(blob(a("content")))
                .to_owned(),
        )
        .await?;
        for t in [
            "case_phases",
            "assessments",
            "case_goals",
            "referrals",
            "case_contacts",
            "case_conferences",
            "case_documents",
        ] {
            m.create_index(index(t, &format!("{t}_case"), &["tenant_id", "participation_id", "date"], false)).await?;
        }
        m.create_table(
            tenant_table("follow_up_reminders", "participation_id")
                .col(date(a("due_date")))
                .col(boolean(a("done")))
                .foreign_key(&mut case_fk("follow_up_reminders"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "follow_up_reminders",
            "follow_up_reminders_due",
            &["tenant_id", "done", "due_date"],
            false,
        ))
        .await?;
        m.create_table(
            tenant_table("waiting_list", "id")
                .col(string_len(a("offer_id"), 64))
                .col(string_len(a("person_id"), 64))
                .col(string_len_null(a("staff_id"), 64))
                .col(date(a("requested_date")))
                .col(string_len(a("author"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut tenant_fk("waiting_list", "offer_id", "offers"))
                .foreign_key(
                    &mut tenant_fk("waiting_list", "person_id", "persons")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .foreign_key(&mut tenant_fk("waiting_list", "staff_id", "staff"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("waiting_list", "waiting_list_offer", &["tenant_id", "offer_id", "created_at"], false))
            .await?;
        m.create_table(
            tenant_table("outreach_contacts", "id")
                .col(string_len_null(a("provider_id"), 64))
                .col(date(a("date")))
                .col(string(a("place")))
                .col(string_len_null(a("district_id"), 64))
                .col(integer(a("people")))
                .col(string_len(a("topic"), 32))
                .col(string_len(a("author"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut tenant_fk("outreach_contacts", "provider_id", "providers"))
                .foreign_key(&mut tenant_fk("outreach_contacts", "district_id", "districts"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("outreach_contacts", "outreach_contacts_date", &["tenant_id", "date"], false)).await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("Die Tabellen der Fallsteuerung können nicht zurückgenommen werden.".into()))
    }
}
