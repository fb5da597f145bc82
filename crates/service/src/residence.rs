//! A person's residence status over time (a Duldung often runs for months
//! only), reminders before a status expires, and the household a person
//! lives in. Person data: authorized like the person, audited with the
//! values encrypted under the person's key.

use chrono::{Duration, NaiveDate, Utc};
use lotse_db::entity::{person, residence_status};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, PersonScope, Resource, authorize, person_scope};
use lotse_domain::person::{ResidenceStatus, WorkPermission};
use lotse_domain::{Actor, DomainError, EntityId, text};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::error::db_err;
use crate::persons::Person;

/// One entry of the history as a client sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidenceInput {
    #[schema(value_type = String, example = "duldung")]
    pub status: ResidenceStatus,
    pub valid_from: NaiveDate,
    /// Empty: without an end (e.g. a settlement permit).
    pub valid_until: Option<NaiveDate>,
    #[schema(value_type = String, example = "restricted")]
    pub work_permission: WorkPermission,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResidenceEntry {
    pub id: String,
    pub person_id: String,
    #[serde(flatten)]
    pub entry: ResidenceInput,
}

/// A person whose current residence status ends soon (or has ended without
/// a newer entry).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResidenceReminder {
    pub person_id: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    #[schema(value_type = String)]
    pub status: ResidenceStatus,
    pub valid_until: NaiveDate,
    /// Days from today; negative: ended that many days ago.
    pub days_left: i64,
    #[schema(value_type = String)]
    pub work_permission: WorkPermission,
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReminderQuery {
    /// Statuses ending within this many days (default 30, at most 366).
    pub within_days: Option<i64>,
}

impl TryFrom<residence_status::Model> for ResidenceEntry {
    type Error = DomainError;
    fn try_from(m: residence_status::Model) -> Result<Self, DomainError> {
        Ok(ResidenceEntry {
            id: m.id,
            person_id: m.person_id,
            entry: ResidenceInput {
                status: ResidenceStatus::parse(&m.status)?,
                valid_from: m.valid_from,
                valid_until: m.valid_until,
                work_permission: WorkPermission::parse(&m.work_permission)?,
                note: m.note,
            },
        })
    }
}

/// The current entry of a history: the one that began last (among entries
/// beginning the same day, the one recorded last).
fn current(entries: &[residence_status::Model]) -> Option<&residence_status::Model> {
    entries.iter().max_by(|a, b| (a.valid_from, a.created_at, &a.id).cmp(&(b.valid_from, b.created_at, &b.id)))
}

impl Lotse {
    /// Adds an entry to a person's residence history; the person's
    /// `residence_status` follows the current (newest) entry.
    pub async fn add_residence_status(
        &self,
        actor: &Actor,
        person_id: &EntityId,
        mut input: ResidenceInput,
    ) -> Result<ResidenceEntry, DomainError> {
        let p = self.person_row(actor, person_id).await?;
        authorize(actor, Action::Update, &Resource::Person { provider: &EntityId::parse(&p.provider_id)? })?;
        input.note = text::clean_paragraphs("note", input.note.as_deref(), 2000)?;
        if let Some(until) = input.valid_until.filter(|u| *u < input.valid_from) {
            return Err(DomainError::invalid(
                "valid_until",
                format!("{until} liegt vor dem Beginn ({}).", input.valid_from),
                format!("{until} is before the start ({}).", input.valid_from),
            ));
        }
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = residence_status::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(format!("rs-{}", &uuid::Uuid::now_v7().simple().to_string()[..20])),
            person_id: Set(p.id.clone()),
            status: Set(input.status.as_str().to_owned()),
            valid_from: Set(input.valid_from),
            valid_until: Set(input.valid_until),
            work_permission: Set(input.work_permission.as_str().to_owned()),
            note: Set(input.note.clone()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        let changes = serde_json::json!({ "person_id": p.id, "entry": input });
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "residence_status", &m.id).of_person(&p.id).changes(changes),
        )
        .await?;
        let history = residence_status::Entity::find()
            .filter(residence_status::Column::TenantId.eq(actor.tenant.as_str()))
            .filter(residence_status::Column::PersonId.eq(p.id.as_str()))
            .all(&txn)
            .await
            .map_err(db_err)?;
        let now_status = current(&history).map(|c| c.status.clone());
        if now_status.is_some() && now_status != p.residence_status {
            let changes = serde_json::json!({ "residence_status": [p.residence_status, now_status] });
            let mut am: person::ActiveModel = p.clone().into();
            am.residence_status = Set(now_status);
            am.updated_at = Set(Utc::now());
            am.update(&txn).await.map_err(db_err)?;
            record(&txn, actor, Event::new(AuditAction::Update, "person", &p.id).of_person(&p.id).changes(changes))
                .await?;
        }
        txn.commit().await.map_err(db_err)?;
        ResidenceEntry::try_from(m)
    }

    /// A person's residence history, newest first.
    pub async fn residence_history(
        &self,
        actor: &Actor,
        person_id: &EntityId,
    ) -> Result<Vec<ResidenceEntry>, DomainError> {
        let p = self.person_row(actor, person_id).await?;
        authorize(actor, Action::Read, &Resource::Person { provider: &EntityId::parse(&p.provider_id)? })?;
        let rows = residence_status::Entity::find()
            .filter(residence_status::Column::TenantId.eq(actor.tenant.as_str()))
            .filter(residence_status::Column::PersonId.eq(p.id.as_str()))
            .order_by_desc(residence_status::Column::ValidFrom)
            .order_by_desc(residence_status::Column::CreatedAt)
            .order_by_desc(residence_status::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        self.record_read(actor, Event::new(AuditAction::Read, "residence_status", &p.id).of_person(&p.id)).await?;
        rows.into_iter().map(ResidenceEntry::try_from).collect()
    }

    /// The actor's persons whose current residence status ends within
    /// `within_days` days from today, or has ended with no newer entry;
    /// soonest first.
    pub async fn residence_reminders(
        &self,
        actor: &Actor,
        query: ReminderQuery,
    ) -> Result<Vec<ResidenceReminder>, DomainError> {
        let scope = person_scope(actor)?;
        let days = query.within_days.unwrap_or(30);
        if !(0..=366).contains(&days) {
            return Err(DomainError::invalid(
                "within_days",
                format!("{days} liegt nicht zwischen 0 und 366."),
                format!("{days} is not between 0 and 366."),
            ));
        }
        let today = Utc::now().date_naive();
        let t = actor.tenant.as_str();
        let ending = residence_status::Entity::find()
            .filter(residence_status::Column::TenantId.eq(t))
            .filter(residence_status::Column::ValidUntil.lte(today + Duration::days(days)))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut ids: Vec<String> = ending.iter().map(|e| e.person_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let mut q = person::Entity::find()
                .filter(person::Column::TenantId.eq(t))
                .filter(person::Column::Id.is_in(chunk.iter().map(String::as_str)));
            if let PersonScope::Provider(p) = &scope {
                q = q.filter(person::Column::ProviderId.eq(p.as_str()));
            }
            let persons = q.all(&self.db).await.map_err(db_err)?;
            let wanted: Vec<&str> = persons.iter().map(|p| p.id.as_str()).collect();
            let history = residence_status::Entity::find()
                .filter(residence_status::Column::TenantId.eq(t))
                .filter(residence_status::Column::PersonId.is_in(wanted.iter().copied()))
                .all(&self.db)
                .await
                .map_err(db_err)?;
            for p in persons {
                let own: Vec<residence_status::Model> =
                    history.iter().filter(|h| h.person_id == p.id).cloned().collect();
                let Some(c) = current(&own) else { continue };
                let Some(until) = c.valid_until.filter(|u| *u <= today + Duration::days(days)) else { continue };
                out.push(ResidenceReminder {
                    person_id: p.id.clone(),
                    given_name: p.given_name.clone(),
                    family_name: p.family_name.clone(),
                    status: ResidenceStatus::parse(&c.status)?,
                    valid_until: until,
                    days_left: (until - today).num_days(),
                    work_permission: WorkPermission::parse(&c.work_permission)?,
                });
            }
        }
        out.sort_by(|a, b| (a.valid_until, &a.person_id).cmp(&(b.valid_until, &b.person_id)));
        if !out.is_empty() {
            let ids: Vec<&str> = out.iter().map(|r| r.person_id.as_str()).collect();
            self.record_read(
                actor,
                Event::new(AuditAction::Read, "person", "residence_reminders")
                    .changes(serde_json::json!({ "ids": ids })),
            )
            .await?;
        }
        Ok(out)
    }

    /// The persons sharing the person's household (the person included),
    /// as far as the actor may see them.
    pub async fn household(&self, actor: &Actor, person_id: &EntityId) -> Result<Vec<Person>, DomainError> {
        let scope = person_scope(actor)?;
        let p = self.person_row(actor, person_id).await?;
        authorize(actor, Action::Read, &Resource::Person { provider: &EntityId::parse(&p.provider_id)? })?;
        let members = match &p.household_id {
            None => vec![p],
            Some(h) => {
                let mut q = person::Entity::find()
                    .filter(person::Column::TenantId.eq(actor.tenant.as_str()))
                    .filter(person::Column::HouseholdId.eq(h.as_str()));
                if let PersonScope::Provider(pr) = &scope {
                    q = q.filter(person::Column::ProviderId.eq(pr.as_str()));
                }
                q.order_by_asc(person::Column::Id).all(&self.db).await.map_err(db_err)?
            }
        };
        let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
        self.record_read(
            actor,
            Event::new(AuditAction::Read, "person", "household").changes(serde_json::json!({ "ids": ids })),
        )
        .await?;
        members.into_iter().map(Person::try_from).collect()
    }
}
