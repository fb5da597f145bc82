//! The coordinators' side of Lotse beyond the bundle's core files: group
//! sessions and attendance, budget plans, the innovation fund (calls,
//! criteria, proposals, reviewers' scores) and governance (bodies, members,
//! meetings, strategic goals, milestones); and archiving of programmes,
//! modules, offers and staff.

use sea_orm_migration::{prelude::*, schema::*};

use super::m0001_foundation::{a, index, tenant_fk, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A table keyed by `(tenant_id, k1, k2, …)` with no id of its own.
fn keyed_table(name: &str, keys: &[&str]) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(a(name)).col(string_len(a("tenant_id"), 64));
    let mut pk = Index::create();
    pk.col(a("tenant_id"));
    for k in keys {
        t.col(string_len(a(k), 64));
        pk.col(a(*k));
    }
    t.primary_key(&mut pk).foreign_key(
        ForeignKey::create()
            .from(a(name), a("tenant_id"))
            .to(a("tenants"), a("id"))
            .on_delete(ForeignKeyAction::Cascade),
    );
    t
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["programs", "modules", "offers", "staff"] {
            m.alter_table(
                Table::alter().table(a(table)).add_column(timestamp_with_time_zone_null(a("archived_at"))).to_owned(),
            )
            .await?;
        }
        m.create_table(
            tenant_table("group_sessions", "id")
                .col(string_len(a("offer_id"), 64))
                .col(date(a("date")))
                .col(integer_null(a("head_count")))
                .col(text_null(a("note")))
                .foreign_key(&mut tenant_fk("group_sessions", "offer_id", "offers"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("group_sessions", "group_sessions_offer", &["tenant_id", "offer_id", "date"], false))
            .await?;
        m.create_table(
            keyed_table("attendance", &["session_id", "person_id"])
                .foreign_key(&mut tenant_fk("attendance", "session_id", "group_sessions"))
                .foreign_key(&mut tenant_fk("attendance", "person_id", "persons"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("attendance", "attendance_person", &["tenant_id", "person_id"], false)).await?;
        m.create_table(
            tenant_table("budget_lines", "id")
                .col(string_len(a("program_id"), 64))
                .col(integer(a("year")))
                .col(string_len(a("kind"), 16))
                .col(string_len_null(a("category"), 32))
                .col(big_integer(a("amount_cents")))
                .col(text_null(a("note")))
                .foreign_key(&mut tenant_fk("budget_lines", "program_id", "programs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("budget_lines", "budget_lines_program", &["tenant_id", "program_id", "year"], false))
            .await?;
        m.create_table(
            tenant_table("fund_calls", "id")
                .col(string_len_null(a("program_id"), 64))
                .col(string(a("name")))
                .col(big_integer(a("budget_cents")))
                .col(date_null(a("deadline")))
                .col(text_null(a("description")))
                .foreign_key(&mut tenant_fk("fund_calls", "program_id", "programs"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("fund_criteria", "id")
                .col(string_len(a("call_id"), 64))
                .col(string(a("name")))
                .col(double(a("weight")))
                .foreign_key(&mut tenant_fk("fund_criteria", "call_id", "fund_calls"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("proposals", "id")
                .col(string_len(a("call_id"), 64))
                .col(string_len_null(a("provider_id"), 64))
                .col(string_null(a("applicant")))
                .col(string(a("title")))
                .col(text_null(a("target_group")))
                .col(integer_null(a("planned_female")))
                .col(integer_null(a("planned_male")))
                .col(integer_null(a("planned_diverse")))
                .col(big_integer(a("budget_cents")))
                .col(date_null(a("submitted_date")))
                .col(string_len_null(a("decision"), 16))
                .foreign_key(&mut tenant_fk("proposals", "call_id", "fund_calls"))
                .foreign_key(&mut tenant_fk("proposals", "provider_id", "providers"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("proposals", "proposals_call", &["tenant_id", "call_id"], false)).await?;
        m.create_table(
            keyed_table("proposal_scores", &["proposal_id", "criterion_id", "reviewer"])
                .col(integer(a("score")))
                .foreign_key(&mut tenant_fk("proposal_scores", "proposal_id", "proposals"))
                .foreign_key(&mut tenant_fk("proposal_scores", "criterion_id", "fund_criteria"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("bodies", "id")
                .col(string(a("name")))
                .col(string_len_null(a("kind"), 32))
                .col(string_len_null(a("program_id"), 64))
                .col(string_len_null(a("parent_id"), 64))
                .col(text_null(a("mission")))
                .foreign_key(&mut tenant_fk("bodies", "program_id", "programs"))
                .foreign_key(&mut tenant_fk("bodies", "parent_id", "bodies"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("body_members", "id")
                .col(string_len(a("body_id"), 64))
                .col(string_null(a("name")))
                .col(string(a("institution")))
                .col(string_null(a("function")))
                .foreign_key(&mut tenant_fk("body_members", "body_id", "bodies"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("meetings", "id")
                .col(string_len(a("body_id"), 64))
                .col(date(a("date")))
                .col(text_null(a("topic")))
                .col(text_null(a("minutes")))
                .foreign_key(&mut tenant_fk("meetings", "body_id", "bodies"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("goals", "id")
                .col(string_len_null(a("program_id"), 64))
                .col(string_len_null(a("body_id"), 64))
                .col(string(a("title")))
                .col(text_null(a("description")))
                .foreign_key(&mut tenant_fk("goals", "program_id", "programs"))
                .foreign_key(&mut tenant_fk("goals", "body_id", "bodies"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            tenant_table("milestones", "id")
                .col(string_len(a("goal_id"), 64))
                .col(string(a("title")))
                .col(string_null(a("owner")))
                .col(date(a("due_date")))
                .col(string_len(a("status"), 16))
                .col(date_null(a("done_date")))
                .foreign_key(&mut tenant_fk("milestones", "goal_id", "goals"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("milestones", "milestones_due", &["tenant_id", "due_date"], false)).await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("Diese Tabellen können nicht zurückgenommen werden.".into()))
    }
}
