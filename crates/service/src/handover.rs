//! Handover of a person to another provider: only with the person's consent
//! to share with that provider, requested by the sending provider's case
//! managers, accepted or declined by the receiving provider's.

use chrono::{NaiveDate, Utc};
use lotse_db::entity::{handover, offer, participation, person, provider};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize, is_allowed};
use lotse_domain::consent::ConsentScope;
use lotse_domain::{Actor, DomainError, EntityId, Role, text};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::consents::{as_consent, consents_of, person_for, today};
use crate::error::db_err;
use crate::page::{Order, Page, PageRequest};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverInput {
    pub to_provider: String,
    pub note: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HandoverQuery {
    /// Requests addressed to the caller's provider (the default).
    pub incoming: Option<String>,
    /// Requests the caller's provider sent.
    pub outgoing: Option<String>,
    /// At most this many requests (default 50, at most 500).
    pub limit: Option<u64>,
    /// Skip this many requests (default 0).
    pub offset: Option<u64>,
    /// `requested_at` (the default: oldest first), `person` (family name,
    /// given name) or `from_provider` (its name); for `outgoing`
    /// `requested_at` or `to_provider`; `-` before it for descending.
    pub sort: Option<String>,
}

/// The orders the list of incoming requests offers.
pub const HANDOVER_ORDERS: &[&str] = &["requested_at", "person", "from_provider"];
/// The orders of the requests a provider sent: not by person (the sender
/// no longer sees the names of persons who have moved on).
pub const OUTGOING_HANDOVER_ORDERS: &[&str] = &["requested_at", "to_provider"];

/// A handover as its parties see it. The receiving side sees only what it
/// needs to decide: who (name, year of birth), from whom, the note.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverView {
    pub id: String,
    pub person_id: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub birth_year: Option<i32>,
    pub from_provider: String,
    pub to_provider: String,
    pub note: Option<String>,
    pub requested_at: chrono::DateTime<Utc>,
    pub status: String,
    pub decided_at: Option<chrono::DateTime<Utc>>,
    #[schema(value_type = Object)]
    pub passed_on: serde_json::Value,
}

fn view(h: handover::Model, p: Option<&person::Model>) -> HandoverView {
    use chrono::Datelike;
    HandoverView {
        id: h.id,
        person_id: h.person_id,
        given_name: p.and_then(|p| p.given_name.clone()),
        family_name: p.and_then(|p| p.family_name.clone()),
        birth_year: p.and_then(|p| p.birth_date).map(|d| d.year()),
        from_provider: h.from_provider,
        to_provider: h.to_provider,
        note: h.note,
        requested_at: h.requested_at,
        status: h.status,
        decided_at: h.decided_at,
        passed_on: h.passed_on.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default(),
    }
}

/// Refuses unless the person's consent to share with `to` holds on `day`,
/// with a message that says which consent is missing and why.
async fn require_consent(
    conn: &impl ConnectionTrait,
    tenant: &str,
    person: &str,
    to: &str,
    day: NaiveDate,
) -> Result<(), DomainError> {
    let all = consents_of(conn, tenant, person).await?;
    let for_to: Vec<_> =
        all.iter().filter_map(as_consent).filter(|c| c.scope == ConsentScope::ShareWithProvider).collect();
    if lotse_domain::consent::is_active(&for_to, ConsentScope::ShareWithProvider, Some(to), day) {
        return Ok(());
    }
    let withdrawn = for_to.iter().filter(|c| c.provider_id == Some(to)).filter_map(|c| c.withdrawn).max();
    let (de, en) = match withdrawn {
        Some(w) => (
            format!(
                "Die Einwilligung der Person zur Weitergabe an den Träger „{to}“ (share_with_provider) wurde zum {w} widerrufen. Ohne gültige Einwilligung ist keine Übergabe möglich."
            ),
            format!(
                "The person's consent to share with provider \"{to}\" (share_with_provider) was withdrawn as of {w}. Without a valid consent there is no handover."
            ),
        ),
        None => (
            format!(
                "Es fehlt die Einwilligung der Person zur Weitergabe an den Träger „{to}“ (share_with_provider). Ohne sie ist keine Übergabe möglich; bitte zuerst die Einwilligung erfassen."
            ),
            format!(
                "The person's consent to share with provider \"{to}\" (share_with_provider) is missing. Without it there is no handover; record the consent first."
            ),
        ),
    };
    Err(DomainError::invalid("to_provider", de, en))
}

impl Lotse {
    /// Asks the provider `to_provider` to take the person over.
    pub async fn request_handover(
        &self,
        actor: &Actor,
        person_id: &EntityId,
        input: HandoverInput,
    ) -> Result<HandoverView, DomainError> {
        let p = person_for(&self.db, actor, person_id.as_str(), Action::Update).await?;
        let t = actor.tenant.as_str();
        let to = input.to_provider.trim().to_owned();
        let note = text::clean_opt("note", input.note.as_deref(), 2000)?;
        if to == p.provider_id {
            return Err(DomainError::invalid(
                "to_provider",
                "Die Person gehört bereits zu diesem Träger.",
                "The person already belongs to this provider.",
            ));
        }
        if to.is_empty()
            || provider::Entity::find_by_id((t.to_owned(), to.clone())).one(&self.db).await.map_err(db_err)?.is_none()
        {
            return Err(DomainError::invalid(
                "to_provider",
                format!("Den Träger „{to}“ gibt es in diesem Mandanten nicht."),
                format!("There is no provider \"{to}\" in this tenant."),
            ));
        }
        require_consent(&self.db, t, &p.id, &to, today()).await?;
        let pending = handover::Entity::find()
            .filter(handover::Column::TenantId.eq(t))
            .filter(handover::Column::PersonId.eq(p.id.as_str()))
            .filter(handover::Column::Status.eq("requested"))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        if pending.is_some() {
            return Err(DomainError::conflict(
                "Für diese Person ist bereits eine Übergabe angefragt.",
                "A handover of this person is already pending.",
            ));
        }
        let case = self.open_individual_case(t, &p.id, &p.provider_id).await?;
        let id = format!("h-{}", &uuid::Uuid::now_v7().simple().to_string()[..20]);
        let am = handover::ActiveModel {
            tenant_id: Set(t.to_owned()),
            id: Set(id.clone()),
            person_id: Set(p.id.clone()),
            participation_id: Set(case.as_ref().map(|c| c.id.clone())),
            from_provider: Set(p.provider_id.clone()),
            to_provider: Set(to.clone()),
            note: Set(note.clone()),
            requested_at: Set(Utc::now()),
            requested_by: Set(actor.login.as_str().to_owned()),
            status: Set("requested".into()),
            decided_at: Set(None),
            decided_by: Set(None),
            passed_on: Set(None),
        };
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.insert(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "handover", &id).of_person(&p.id).changes(serde_json::json!({
                "from_provider": p.provider_id, "to_provider": to,
                "participation_id": case.map(|c| c.id), "note": note,
            })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(view(m, Some(&p)))
    }

    /// The sending provider's open individual case of the person, if any.
    async fn open_individual_case(
        &self,
        tenant: &str,
        person: &str,
        provider_id: &str,
    ) -> Result<Option<participation::Model>, DomainError> {
        let open = participation::Entity::find()
            .filter(participation::Column::TenantId.eq(tenant))
            .filter(participation::Column::PersonId.eq(person))
            .filter(participation::Column::ExitDate.is_null())
            .order_by_asc(participation::Column::EntryDate)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        for c in open {
            let o = offer::Entity::find_by_id((tenant.to_owned(), c.offer_id.clone()))
                .one(&self.db)
                .await
                .map_err(db_err)?;
            if o.is_some_and(|o| o.provider_id == provider_id && o.delivery != "group") {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    /// Handover requests of the caller's provider: incoming (default) or outgoing.
    pub async fn handovers(&self, actor: &Actor, q: HandoverQuery) -> Result<Page<HandoverView>, DomainError> {
        let Some(own) = actor.provider.clone() else {
            return Err(DomainError::forbidden(
                "Übergaben sehen die Fallverantwortlichen der beteiligten Träger.",
                "Handovers are seen by the case managers of the providers involved.",
            ));
        };
        let outgoing = q.outgoing.is_some() && q.incoming.is_none();
        let page = PageRequest { limit: q.limit, offset: q.offset };
        let t = actor.tenant.as_str();
        let mut query = handover::Entity::find().filter(handover::Column::TenantId.eq(t));
        if outgoing {
            authorize(actor, Action::Read, &Resource::Person { provider: &own })?;
            query = query.filter(handover::Column::FromProvider.eq(own.as_str()));
        } else {
            authorize(actor, Action::Read, &Resource::IncomingHandover { to: &own })?;
            query = query
                .filter(handover::Column::ToProvider.eq(own.as_str()))
                .filter(handover::Column::Status.eq("requested"));
        }
        let orders = if outgoing { OUTGOING_HANDOVER_ORDERS } else { HANDOVER_ORDERS };
        let order = Order::parse_opt(q.sort.as_deref(), orders)?;
        let query = match &order {
            None => query.order_by_asc(handover::Column::RequestedAt),
            Some(o) => {
                use sea_orm::sea_query::NullOrdering;
                // A column of the person or a provider, looked up per row.
                let of = |table: &'static str, col: &'static str, id: handover::Column| {
                    crate::page::looked_up(table, col, handover::Entity, handover::Column::TenantId, id)
                };
                let (dir, last) = (o.direction(), NullOrdering::Last);
                let person = handover::Column::PersonId;
                match o.key.as_str() {
                    "person" => query
                        .order_by_with_nulls(of("persons", "family_name", person), dir.clone(), last.clone())
                        .order_by_with_nulls(of("persons", "given_name", person), dir, last),
                    "from_provider" => query.order_by(of("providers", "name", handover::Column::FromProvider), dir),
                    "to_provider" => query.order_by(of("providers", "name", handover::Column::ToProvider), dir),
                    _ => query.order_by(handover::Column::RequestedAt, dir),
                }
            }
        }
        .order_by_asc(handover::Column::Id);
        let (rows, total) = page.fetch(query, &self.db).await?;
        let mut out = Vec::with_capacity(rows.len());
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        for h in rows {
            // The sender sees names only while the person is still theirs.
            let p = person::Entity::find_by_id((t.to_owned(), h.person_id.clone()))
                .one(&txn)
                .await
                .map_err(db_err)?
                .filter(|p| !outgoing || p.provider_id == own.as_str());
            record(&txn, actor, Event::new(AuditAction::Read, "handover", &h.id).of_person(&h.person_id)).await?;
            out.push(view(h, p.as_ref()));
        }
        txn.commit().await.map_err(db_err)?;
        Ok(Page::new(out, total, page))
    }

    /// How many requests wait for the caller's provider to decide (a count,
    /// no personal data: what a start page needs to point to them).
    pub async fn incoming_handover_count(&self, actor: &Actor) -> Result<u64, DomainError> {
        let Some(own) = actor.provider.clone() else { return Ok(0) };
        authorize(actor, Action::Read, &Resource::IncomingHandover { to: &own })?;
        sea_orm::PaginatorTrait::count(
            handover::Entity::find()
                .filter(handover::Column::TenantId.eq(actor.tenant.as_str()))
                .filter(handover::Column::ToProvider.eq(own.as_str()))
                .filter(handover::Column::Status.eq("requested")),
            &self.db,
        )
        .await
        .map_err(db_err)
    }

    /// A pending request addressed to the caller's provider (404 otherwise;
    /// 403 for roles that never decide handovers).
    async fn incoming(&self, actor: &Actor, id: &EntityId) -> Result<handover::Model, DomainError> {
        let h = handover::Entity::find_by_id((actor.tenant.to_string(), id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        let to = h.as_ref().map(|h| EntityId::parse(&h.to_provider)).transpose()?;
        match (h, to) {
            (Some(h), Some(to)) if is_allowed(actor, Action::Update, &Resource::IncomingHandover { to: &to }) => {
                if h.status != "requested" {
                    return Err(DomainError::conflict(
                        "Über diese Übergabe wurde bereits entschieden.",
                        "This handover has already been decided.",
                    ));
                }
                Ok(h)
            }
            _ if actor.role == Role::CaseManager && !actor.is_system() => {
                Err(DomainError::NotFound { entity: "handover" })
            }
            _ => {
                let none = EntityId::parse("none")?;
                authorize(actor, Action::Update, &Resource::IncomingHandover { to: &none })?;
                Err(DomainError::NotFound { entity: "handover" })
            }
        }
    }

    /// Accepts: the person moves to the receiving provider, the sending
    /// provider's open case closes (`handed_over`), and what was passed on is
    /// recorded. Refused if the consent no longer holds.
    pub async fn accept_handover(&self, actor: &Actor, id: &EntityId) -> Result<HandoverView, DomainError> {
        let h = self.incoming(actor, id).await?;
        let t = actor.tenant.as_str();
        let day = today();
        require_consent(&self.db, t, &h.person_id, &h.to_provider, day).await?;
        let p = person::Entity::find_by_id((t.to_owned(), h.person_id.clone()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "person" })?;
        let consents: Vec<String> = consents_of(&self.db, t, &p.id).await?.into_iter().map(|c| c.id).collect();
        let case = match &h.participation_id {
            Some(c) => {
                participation::Entity::find_by_id((t.to_owned(), c.clone())).one(&self.db).await.map_err(db_err)?
            }
            None => None,
        }
        .filter(|c| c.exit_date.is_none());
        let passed_on = serde_json::json!({
            "person": {"id": p.id, "record": "attributes of persons.csv (name, birth date, gender, nationality, residence status, district, household, education, labour status)"},
            "consents": consents,
            "closed_case": case.as_ref().map(|c| c.id.clone()),
            "not_passed_on": "the sending provider's case records and notes stay with it",
        });
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let mut pm: person::ActiveModel = p.clone().into();
        pm.provider_id = Set(h.to_provider.clone());
        pm.updated_at = Set(Utc::now());
        pm.update(&txn).await.map_err(db_err)?;
        // The name search finds the person at the receiving provider now.
        crate::persons::move_search_keys(&txn, t, &p.id, &h.to_provider).await?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "person", &p.id)
                .of_person(&p.id)
                .changes(serde_json::json!({"provider_id": [h.from_provider, h.to_provider]})),
        )
        .await?;
        if let Some(c) = case {
            let cid = c.id.clone();
            let mut cm: participation::ActiveModel = c.into();
            cm.exit_date = Set(Some(day.max(cm.entry_date.clone().unwrap())));
            cm.exit_reason = Set(Some("handed_over".into()));
            cm.update(&txn).await.map_err(db_err)?;
            record(
                &txn,
                actor,
                Event::new(AuditAction::Update, "participation", &cid)
                    .of_person(&p.id)
                    .changes(serde_json::json!({"exit_date": [null, day], "exit_reason": [null, "handed_over"]})),
            )
            .await?;
        }
        let mut hm: handover::ActiveModel = h.into();
        hm.status = Set("accepted".into());
        hm.decided_at = Set(Some(Utc::now()));
        hm.decided_by = Set(Some(actor.login.as_str().to_owned()));
        hm.passed_on = Set(Some(passed_on.to_string()));
        let m = hm.update(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "handover", &m.id)
                .of_person(&p.id)
                .changes(serde_json::json!({"status": ["requested", "accepted"], "passed_on": passed_on})),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(view(m, Some(&p)))
    }

    /// Declines: nothing is passed on, the person stays with the sender.
    pub async fn decline_handover(&self, actor: &Actor, id: &EntityId) -> Result<HandoverView, DomainError> {
        let h = self.incoming(actor, id).await?;
        let person_id = h.person_id.clone();
        let mut hm: handover::ActiveModel = h.into();
        hm.status = Set("declined".into());
        hm.decided_at = Set(Some(Utc::now()));
        hm.decided_by = Set(Some(actor.login.as_str().to_owned()));
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = hm.update(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "handover", &m.id)
                .of_person(&person_id)
                .changes(serde_json::json!({"status": ["requested", "declined"]})),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(view(m, None))
    }
}
