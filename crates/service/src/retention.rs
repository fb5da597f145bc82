//! Retention and the rights of the person: retention rules per tenant, the
//! retention run that anonymises (or deletes) persons whose retention has
//! ended while every report figure stays the same, and the complete export
//! of a person's data (Art. 15 GDPR). Reasoning: docs/rights.md.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate, Utc};
use lotse_db::entity::{
    attendance, audit_entry, consent, handover, module, offer, outcome, participation, person, retention_rule,
};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::{Actor, DomainError, EntityId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{self, Event, record};
use crate::consents::{consents_of, person_for};
use crate::error::db_err;

/// One retention rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// `after_case_closed`: `years` after the day the person's last case
    /// closed. `esf`: `years` after 31 December of the year of the last
    /// payment, taken as the year the person's last case in the programme
    /// closed (docs/rights.md).
    pub kind: String,
    pub years: i32,
    /// Only persons with a case in this programme (None: everyone).
    pub program_id: Option<String>,
}

/// A person whose retention has ended, and what the run does with them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RetentionItem {
    pub person_id: String,
    pub retention_ended: NaiveDate,
    /// `anonymise` (the person is counted in reports) or `delete` (nothing counts them).
    pub action: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RetentionOutcome {
    pub dry_run: bool,
    pub day: NaiveDate,
    pub items: Vec<RetentionItem>,
}

/// Today in local time: the day a retention run takes by default.
pub fn today() -> NaiveDate {
    crate::consents::today()
}

fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    d.checked_add_months(Months::new(12 * years.max(0) as u32)).unwrap_or(NaiveDate::MAX)
}

impl Lotse {
    pub async fn retention_rules(&self, actor: &Actor) -> Result<Vec<RetentionRule>, DomainError> {
        authorize(actor, Action::Read, &Resource::Retention)?;
        let rows = retention_rule::Entity::find()
            .filter(retention_rule::Column::TenantId.eq(actor.tenant.as_str()))
            .order_by_asc(retention_rule::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| RetentionRule { kind: r.kind, years: r.years, program_id: r.program_id }).collect())
    }

    /// Replaces the tenant's retention rules.
    pub async fn set_retention_rules(
        &self,
        actor: &Actor,
        rules: Vec<RetentionRule>,
    ) -> Result<Vec<RetentionRule>, DomainError> {
        authorize(actor, Action::Update, &Resource::Retention)?;
        let t = actor.tenant.as_str();
        for (i, r) in rules.iter().enumerate() {
            if !matches!(r.kind.as_str(), "after_case_closed" | "esf") {
                return Err(DomainError::invalid(
                    format!("rules[{i}].kind"),
                    format!("„{}“ ist keine Aufbewahrungsregel (after_case_closed, esf).", r.kind),
                    format!("\"{}\" is not a retention rule (after_case_closed, esf).", r.kind),
                ));
            }
            if !(1..=100).contains(&r.years) {
                return Err(DomainError::invalid(
                    format!("rules[{i}].years"),
                    format!("{} Jahre: erlaubt sind 1 bis 100.", r.years),
                    format!("{} years: 1 to 100 are allowed.", r.years),
                ));
            }
            if let Some(p) = &r.program_id {
                let found = lotse_db::entity::program::Entity::find_by_id((t.to_owned(), p.clone()))
                    .one(&self.db)
                    .await
                    .map_err(db_err)?;
                if found.is_none() {
                    return Err(DomainError::invalid(
                        format!("rules[{i}].program_id"),
                        format!("Das Programm „{p}“ gibt es in diesem Mandanten nicht."),
                        format!("There is no programme \"{p}\" in this tenant."),
                    ));
                }
            }
        }
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        retention_rule::Entity::delete_many()
            .filter(retention_rule::Column::TenantId.eq(t))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        for (i, r) in rules.iter().enumerate() {
            retention_rule::ActiveModel {
                tenant_id: Set(t.to_owned()),
                id: Set(format!("r{:03}", i + 1)),
                kind: Set(r.kind.clone()),
                years: Set(r.years),
                program_id: Set(r.program_id.clone()),
            }
            .insert(&txn)
            .await
            .map_err(db_err)?;
        }
        record(&txn, actor, Event::new(AuditAction::Update, "retention_rules", t).changes(serde_json::json!(rules)))
            .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(rules)
    }

    /// The persons whose retention ended before `day`, by the tenant's rules.
    pub async fn retention_due(&self, actor: &Actor, day: NaiveDate) -> Result<Vec<RetentionItem>, DomainError> {
        let rules = self.retention_rules(actor).await?;
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let t = actor.tenant.as_str();
        let modules: HashMap<String, String> = module::Entity::find()
            .filter(module::Column::TenantId.eq(t))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|m| (m.id, m.program_id))
            .collect();
        let program_of: HashMap<String, Option<String>> = offer::Entity::find()
            .filter(offer::Column::TenantId.eq(t))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|o| (o.id, o.module_id.and_then(|m| modules.get(&m).cloned())))
            .collect();
        let mut cases: HashMap<String, Vec<participation::Model>> = HashMap::new();
        for c in participation::Entity::find()
            .filter(participation::Column::TenantId.eq(t))
            .all(&self.db)
            .await
            .map_err(db_err)?
        {
            cases.entry(c.person_id.clone()).or_default().push(c);
        }
        let attending: std::collections::HashSet<String> = attendance::Entity::find()
            .filter(attendance::Column::TenantId.eq(t))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|a| a.person_id)
            .collect();
        let persons = person::Entity::find()
            .filter(person::Column::TenantId.eq(t))
            .filter(person::Column::AnonymisedAt.is_null())
            .order_by_asc(person::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut due = Vec::new();
        for p in persons {
            let own = cases.get(&p.id).map(Vec::as_slice).unwrap_or(&[]);
            if own.iter().any(|c| c.exit_date.is_none()) {
                continue; // an open case: retention has not begun
            }
            let mut end: Option<NaiveDate> = None;
            for r in &rules {
                let in_scope: Vec<&participation::Model> = own
                    .iter()
                    .filter(|c| {
                        r.program_id.is_none()
                            || program_of.get(&c.offer_id).and_then(|x| x.as_ref()) == r.program_id.as_ref()
                    })
                    .collect();
                let last_exit = in_scope.iter().filter_map(|c| c.exit_date).max();
                let rule_end = match (last_exit, r.kind.as_str()) {
                    (Some(d), "after_case_closed") => add_years(d, r.years),
                    (Some(d), "esf") => NaiveDate::from_ymd_opt(d.year() + r.years, 12, 31).unwrap_or(NaiveDate::MAX),
                    // A person without any case: nothing counts them; the
                    // general rule runs from the day they were recorded.
                    (None, "after_case_closed") if own.is_empty() && r.program_id.is_none() => {
                        add_years(p.created_at.date_naive(), r.years)
                    }
                    _ => continue,
                };
                end = Some(end.map_or(rule_end, |e| e.max(rule_end)));
            }
            if let Some(end) = end.filter(|e| *e < day) {
                let counted = !own.is_empty() || attending.contains(&p.id);
                due.push(RetentionItem {
                    person_id: p.id,
                    retention_ended: end,
                    action: if counted { "anonymise" } else { "delete" }.into(),
                });
            }
        }
        Ok(due)
    }

    /// Anonymises or deletes every person whose retention ended before
    /// `day`; with `dry_run` only lists them.
    pub async fn retention_run(
        &self,
        actor: &Actor,
        day: NaiveDate,
        dry_run: bool,
    ) -> Result<RetentionOutcome, DomainError> {
        authorize(actor, Action::Update, &Resource::Retention)?;
        let items = self.retention_due(actor, day).await?;
        if !dry_run {
            for item in &items {
                let id = EntityId::parse(&item.person_id)?;
                self.erase_personal(actor, &id, item).await?;
            }
        }
        Ok(RetentionOutcome { dry_run, day, items })
    }

    async fn erase_personal(&self, actor: &Actor, id: &EntityId, item: &RetentionItem) -> Result<(), DomainError> {
        let t = actor.tenant.as_str();
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        consent::Entity::delete_many()
            .filter(consent::Column::TenantId.eq(t))
            .filter(consent::Column::PersonId.eq(id.as_str()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if item.action == "delete" {
            handover::Entity::delete_many()
                .filter(handover::Column::TenantId.eq(t))
                .filter(handover::Column::PersonId.eq(id.as_str()))
                .exec(&txn)
                .await
                .map_err(db_err)?;
            txn.commit().await.map_err(db_err)?;
            return self.delete_person(actor, id).await;
        }
        handover::Entity::update_many()
            .col_expr(handover::Column::Note, Expr::value(Option::<String>::None))
            .filter(handover::Column::TenantId.eq(t))
            .filter(handover::Column::PersonId.eq(id.as_str()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        let p = person::Entity::find_by_id((t.to_owned(), id.to_string()))
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "person" })?;
        let mut am: person::ActiveModel = p.into();
        am.given_name = Set(None);
        am.family_name = Set(None);
        am.phone = Set(None);
        am.email = Set(None);
        am.address_line1 = Set(None);
        am.address_line2 = Set(None);
        am.postal_code = Set(None);
        am.anonymised_at = Set(Some(Utc::now()));
        am.updated_at = Set(Utc::now());
        am.update(&txn).await.map_err(db_err)?;
        forget_case_work(&txn, t, id.as_str()).await?;
        // Not `of_person`: the entry must not create a new key for the person.
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "person", id.as_str()).changes(serde_json::json!({
                "anonymised": true, "retention_ended": item.retention_ended,
                "removed": ["given_name", "family_name", "contact data", "search keys", "residence history",
                    "case work (phases, intake, assessments, plan, referrals, contacts, conferences, documents)",
                    "waiting list", "aliases", "consents", "handover notes", "audited values"],
            })),
        )
        .await?;
        audit::shred(&txn, &actor.tenant, id.as_str()).await?;
        txn.commit().await.map_err(db_err)
    }

    /// Everything Lotse holds about a person (Art. 15 GDPR): attributes,
    /// cases and outcomes, consents, handovers and the audit trail's entries
    /// about them (who read or changed what, when). The export is recorded.
    pub async fn export_person(&self, actor: &Actor, id: &EntityId) -> Result<serde_json::Value, DomainError> {
        let p = person_for(&self.db, actor, id.as_str(), Action::Read).await?;
        let t = actor.tenant.as_str();
        let person = crate::persons::Person::try_from(p.clone())?;
        let cases = participation::Entity::find()
            .filter(participation::Column::TenantId.eq(t))
            .filter(participation::Column::PersonId.eq(p.id.as_str()))
            .order_by_asc(participation::Column::EntryDate)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let case_ids: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
        let outcomes = outcome::Entity::find()
            .filter(outcome::Column::TenantId.eq(t))
            .filter(outcome::Column::ParticipationId.is_in(case_ids))
            .order_by_asc(outcome::Column::Date)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let consents = consents_of(&self.db, t, &p.id).await?;
        let handovers = handover::Entity::find()
            .filter(handover::Column::TenantId.eq(t))
            .filter(handover::Column::PersonId.eq(p.id.as_str()))
            .order_by_asc(handover::Column::RequestedAt)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let attendance = attendance::Entity::find()
            .filter(attendance::Column::TenantId.eq(t))
            .filter(attendance::Column::PersonId.eq(p.id.as_str()))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        self.seal_audit().await?;
        let entries = audit_entry::Entity::find()
            .filter(audit_entry::Column::TenantId.eq(t))
            .filter(audit_entry::Column::PersonId.eq(p.id.as_str()))
            .order_by_asc(audit_entry::Column::Seq)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut trail = Vec::with_capacity(entries.len());
        for e in entries {
            trail.push(self.view(e).await?);
        }
        let out = serde_json::json!({
            "article": "Art. 15 DSGVO",
            "exported_at": Utc::now(),
            "tenant": t,
            "person": person,
            "anonymised_at": p.anonymised_at,
            "cases": cases.iter().map(|c| serde_json::json!({
                "id": c.id, "offer_id": c.offer_id, "staff_id": c.staff_id,
                "entry_date": c.entry_date, "exit_date": c.exit_date, "exit_reason": c.exit_reason,
            })).collect::<Vec<_>>(),
            "outcomes": outcomes.iter().map(|o| serde_json::json!({
                "id": o.id, "participation_id": o.participation_id, "kind": o.kind, "date": o.date, "timing": o.timing,
            })).collect::<Vec<_>>(),
            "group_sessions_attended": attendance.iter().map(|a| a.session_id.clone()).collect::<Vec<_>>(),
            "consents": consents.iter().map(|c| serde_json::json!({
                "id": c.id, "scope": c.scope, "provider_id": c.provider_id, "program_id": c.program_id,
                "given_date": c.given_date, "withdrawn_date": c.withdrawn_date,
            })).collect::<Vec<_>>(),
            "handovers": handovers.iter().map(|h| serde_json::json!({
                "id": h.id, "from_provider": h.from_provider, "to_provider": h.to_provider, "status": h.status,
                "requested_at": h.requested_at, "requested_by": h.requested_by, "decided_at": h.decided_at,
                "decided_by": h.decided_by, "note": h.note,
                "passed_on": h.passed_on.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()),
            })).collect::<Vec<_>>(),
            "audit_trail": trail,
        });
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        record(&txn, actor, Event::new(AuditAction::Export, "person", &p.id).of_person(&p.id)).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(out)
    }
}

/// What case management recorded about a person beyond what reports count
/// (the participations and their outcomes stay): phases, intake,
/// assessments, plan, referrals, contacts, conferences, documents, reminders,
/// the waiting list, residence history, search keys and merged ids.
async fn forget_case_work(conn: &impl sea_orm::ConnectionTrait, tenant: &str, person: &str) -> Result<(), DomainError> {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::{Alias, Query};
    let cases = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("participations"))
        .and_where(Expr::col(Alias::new("tenant_id")).eq(tenant))
        .and_where(Expr::col(Alias::new("person_id")).eq(person))
        .to_owned();
    // Steps and ratings go with their goals and assessments (ON DELETE CASCADE).
    for table in [
        "case_phases",
        "case_intakes",
        "assessments",
        "case_goals",
        "referrals",
        "case_contacts",
        "case_conferences",
        "case_documents",
        "follow_up_reminders",
    ] {
        let stmt = Query::delete()
            .from_table(Alias::new(table))
            .and_where(Expr::col(Alias::new("tenant_id")).eq(tenant))
            .and_where(Expr::col(Alias::new("participation_id")).in_subquery(cases.clone()))
            .to_owned();
        conn.execute(&stmt).await.map_err(db_err)?;
    }
    crate::persons::forget_search_keys(conn, tenant, person).await?;
    for table in ["waiting_list", "residence_statuses", "person_aliases"] {
        let stmt = Query::delete()
            .from_table(Alias::new(table))
            .and_where(Expr::col(Alias::new("tenant_id")).eq(tenant))
            .and_where(Expr::col(Alias::new("person_id")).eq(person))
            .to_owned();
        conn.execute(&stmt).await.map_err(db_err)?;
    }
    Ok(())
}
