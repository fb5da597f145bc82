//! Consents: record, show, withdraw; and the printable consent form with the
//! information of Art. 13 GDPR, whose texts are data (`consent_forms/`).

use chrono::{NaiveDate, Utc};
use lotse_db::entity::{consent, person, program, provider};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize, person_scope};
use lotse_domain::consent::{Consent, ConsentScope};
use lotse_domain::{Actor, DomainError, EntityId};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::error::db_err;

/// A consent as a client records it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// `share_with_provider | process_for_program | follow_up_contact`
    #[schema(value_type = String, example = "share_with_provider")]
    pub scope: ConsentScope,
    /// Needed for `share_with_provider`: the provider the data may go to.
    pub provider_id: Option<String>,
    /// Needed for `process_for_program`.
    pub program_id: Option<String>,
    pub given_date: NaiveDate,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    pub withdrawn_date: NaiveDate,
}

/// A recorded consent, with whether it holds today.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    pub id: String,
    pub person_id: String,
    pub scope: String,
    pub provider_id: Option<String>,
    pub program_id: Option<String>,
    pub given_date: NaiveDate,
    pub withdrawn_date: Option<NaiveDate>,
    pub active_today: bool,
}

/// The domain's view of a stored consent.
pub fn as_consent(m: &consent::Model) -> Option<Consent<'_>> {
    Some(Consent {
        scope: ConsentScope::parse(&m.scope).ok()?,
        provider_id: m.provider_id.as_deref(),
        program_id: m.program_id.as_deref(),
        given: m.given_date,
        withdrawn: m.withdrawn_date,
    })
}

fn view(m: consent::Model, today: NaiveDate) -> ConsentView {
    let active_today = as_consent(&m).is_some_and(|c| c.holds_on(today));
    ConsentView {
        id: m.id,
        person_id: m.person_id,
        scope: m.scope,
        provider_id: m.provider_id,
        program_id: m.program_id,
        given_date: m.given_date,
        withdrawn_date: m.withdrawn_date,
        active_today,
    }
}

pub(crate) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A person within the actor's scope (else not found), and the action authorized.
pub(crate) async fn person_for(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: &str,
    action: Action,
) -> Result<person::Model, DomainError> {
    let scope = person_scope(actor)?;
    let p = person::Entity::find_by_id((actor.tenant.to_string(), id.to_owned()))
        .one(conn)
        .await
        .map_err(db_err)?
        .filter(|p| EntityId::parse(&p.provider_id).is_ok_and(|pr| scope.admits(&pr)))
        .ok_or(DomainError::NotFound { entity: "person" })?;
    authorize(actor, action, &Resource::Person { provider: &EntityId::parse(&p.provider_id)? })?;
    Ok(p)
}

/// The person's consents, oldest first.
pub(crate) async fn consents_of(
    conn: &impl ConnectionTrait,
    tenant: &str,
    person: &str,
) -> Result<Vec<consent::Model>, DomainError> {
    consent::Entity::find()
        .filter(consent::Column::TenantId.eq(tenant))
        .filter(consent::Column::PersonId.eq(person))
        .order_by_asc(consent::Column::GivenDate)
        .order_by_asc(consent::Column::Id)
        .all(conn)
        .await
        .map_err(db_err)
}

impl Lotse {
    pub async fn record_consent(
        &self,
        actor: &Actor,
        person_id: &EntityId,
        input: ConsentInput,
    ) -> Result<ConsentView, DomainError> {
        let p = person_for(&self.db, actor, person_id.as_str(), Action::Update).await?;
        let t = actor.tenant.as_str();
        let need = |field: &str, v: &Option<String>, de: &str, en: &str| -> Result<String, DomainError> {
            let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty());
            v.map(str::to_owned).ok_or_else(|| DomainError::invalid(field, de, en))
        };
        let stray = match input.scope {
            ConsentScope::ShareWithProvider => input.program_id.as_ref().map(|_| "program_id"),
            ConsentScope::ProcessForProgram => input.provider_id.as_ref().map(|_| "provider_id"),
            ConsentScope::FollowUpContact => {
                input.provider_id.as_ref().map(|_| "provider_id").or(input.program_id.as_ref().map(|_| "program_id"))
            }
        };
        if let Some(field) = stray {
            return Err(DomainError::invalid(
                field,
                format!("„{field}“ gehört nicht zum Umfang „{}“ dieser Einwilligung.", input.scope.as_str()),
                format!("\"{field}\" does not belong to the scope \"{}\" of this consent.", input.scope.as_str()),
            ));
        }
        let (provider_id, program_id) = match input.scope {
            ConsentScope::ShareWithProvider => {
                let id = need(
                    "provider_id",
                    &input.provider_id,
                    "Eine Einwilligung zur Weitergabe nennt den Träger, an den weitergegeben werden darf (provider_id).",
                    "A consent to share names the provider the data may go to (provider_id).",
                )?;
                if provider::Entity::find_by_id((t.to_owned(), id.clone()))
                    .one(&self.db)
                    .await
                    .map_err(db_err)?
                    .is_none()
                {
                    return Err(DomainError::invalid(
                        "provider_id",
                        format!("Den Träger „{id}“ gibt es in diesem Mandanten nicht."),
                        format!("There is no provider \"{id}\" in this tenant."),
                    ));
                }
                (Some(id), None)
            }
            ConsentScope::ProcessForProgram => {
                let id = need(
                    "program_id",
                    &input.program_id,
                    "Eine Einwilligung zur Verarbeitung in einem Programm nennt das Programm (program_id).",
                    "A consent to processing for a programme names the programme (program_id).",
                )?;
                if program::Entity::find_by_id((t.to_owned(), id.clone()))
                    .one(&self.db)
                    .await
                    .map_err(db_err)?
                    .is_none()
                {
                    return Err(DomainError::invalid(
                        "program_id",
                        format!("Das Programm „{id}“ gibt es in diesem Mandanten nicht."),
                        format!("There is no programme \"{id}\" in this tenant."),
                    ));
                }
                (None, Some(id))
            }
            ConsentScope::FollowUpContact => (None, None),
        };
        if input.given_date > today() {
            return Err(DomainError::invalid(
                "given_date",
                format!("{} liegt in der Zukunft; erfasst wird eine erteilte Einwilligung.", input.given_date),
                format!("{} is in the future; record a consent once it is given.", input.given_date),
            ));
        }
        let id = format!("c-{}", &uuid::Uuid::now_v7().simple().to_string()[..20]);
        let am = consent::ActiveModel {
            tenant_id: Set(t.to_owned()),
            id: Set(id.clone()),
            person_id: Set(p.id.clone()),
            scope: Set(input.scope.as_str().to_owned()),
            provider_id: Set(provider_id.clone()),
            program_id: Set(program_id.clone()),
            given_date: Set(input.given_date),
            withdrawn_date: Set(None),
        };
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.insert(&txn).await.map_err(db_err)?;
        let changes = serde_json::json!({
            "scope": [null, input.scope.as_str()], "provider_id": [null, provider_id],
            "program_id": [null, program_id], "given_date": [null, input.given_date],
        });
        record(&txn, actor, Event::new(AuditAction::Create, "consent", &id).of_person(&p.id).changes(changes)).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(view(m, today()))
    }

    /// The person's consents; the read is recorded.
    pub async fn consents(&self, actor: &Actor, person_id: &EntityId) -> Result<Vec<ConsentView>, DomainError> {
        let p = person_for(&self.db, actor, person_id.as_str(), Action::Read).await?;
        let rows = consents_of(&self.db, actor.tenant.as_str(), &p.id).await?;
        self.record_read(actor, Event::new(AuditAction::Read, "consent", "list").of_person(&p.id)).await?;
        let today = today();
        Ok(rows.into_iter().map(|m| view(m, today)).collect())
    }

    /// Withdraws a consent from `withdrawn_date` on (not before it was given).
    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        id: &EntityId,
        input: WithdrawInput,
    ) -> Result<ConsentView, DomainError> {
        let c = consent::Entity::find_by_id((actor.tenant.to_string(), id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "consent" })?;
        let p = person_for(&self.db, actor, &c.person_id, Action::Update).await?;
        if let Some(w) = c.withdrawn_date {
            return Err(DomainError::conflict(
                format!("Diese Einwilligung wurde bereits zum {w} widerrufen."),
                format!("This consent was already withdrawn as of {w}."),
            ));
        }
        if input.withdrawn_date < c.given_date {
            return Err(DomainError::invalid(
                "withdrawn_date",
                format!(
                    "Der Widerruf ({}) kann nicht vor der Erteilung der Einwilligung ({}) liegen.",
                    input.withdrawn_date, c.given_date
                ),
                format!(
                    "The withdrawal ({}) cannot be before the consent was given ({}).",
                    input.withdrawn_date, c.given_date
                ),
            ));
        }
        let mut am: consent::ActiveModel = c.into();
        am.withdrawn_date = Set(Some(input.withdrawn_date));
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.update(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "consent", &m.id)
                .of_person(&p.id)
                .changes(serde_json::json!({ "withdrawn_date": [null, input.withdrawn_date] })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(view(m, today()))
    }

    /// The printable consent form in `lang` for a person (name filled in).
    pub async fn consent_form(&self, actor: &Actor, person_id: &EntityId, lang: &str) -> Result<String, DomainError> {
        let p = person_for(&self.db, actor, person_id.as_str(), Action::Read).await?;
        let form = crate::consent_form::find(lang)?;
        let prov = provider::Entity::find_by_id((actor.tenant.to_string(), p.provider_id.clone()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(|x| x.name)
            .unwrap_or_else(|| p.provider_id.clone());
        let tenant = self.tenant(&actor.tenant).await?.name;
        let name =
            [p.given_name.as_deref(), p.family_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        self.record_read(
            actor,
            Event::new(AuditAction::Read, "consent_form", &form.lang)
                .of_person(&p.id)
                .changes(serde_json::json!({"printed_at": Utc::now()})),
        )
        .await?;
        Ok(form.render(&name, &prov, &tenant))
    }
}
