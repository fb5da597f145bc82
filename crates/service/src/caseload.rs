//! Caseload per case manager (the `caseload` report's figures, not a second
//! computation), reassignment of cases, deputies during an absence and the
//! cases a staff member is responsible for.

use chrono::NaiveDate;
use lotse_db::entity::{deputy, participation, person, program, staff, user};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, CaseRelation, Resource, authorize, person_scope};
use lotse_domain::{Actor, DomainError, EntityId};
use lotse_reports::{Options, Value};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::consents::{person_for, today};
use crate::error::db_err;
use crate::reports::ReportRequest;

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseloadQuery {
    /// The day (default today).
    pub date: Option<NaiveDate>,
    /// Count only cases in this programme, against its own target.
    pub program: Option<String>,
}

/// One staff member's caseload on the day.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseloadRow {
    pub staff_id: String,
    pub name: String,
    pub provider_id: String,
    pub active_cases: i64,
    pub fte: f64,
    /// None without FTE.
    pub caseload_per_fte: Option<f64>,
    pub target: f64,
    /// Caseload per FTE above the target.
    pub warning: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Caseload {
    pub date: NaiveDate,
    pub program: Option<String>,
    pub target: f64,
    pub staff: Vec<CaseloadRow>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignInput {
    pub staff_id: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeputyInput {
    /// The absent colleague's account (default: the caller).
    pub absent_user_id: Option<String>,
    pub deputy_user_id: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeputyView {
    pub id: String,
    pub absent_user_id: String,
    pub deputy_user_id: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

/// A case as listed for its staff member.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub participation_id: String,
    pub person_id: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub offer_id: String,
    pub entry_date: NaiveDate,
}

fn deputy_view(d: deputy::Model) -> DeputyView {
    DeputyView {
        id: d.id,
        absent_user_id: d.absent_user_id,
        deputy_user_id: d.deputy_user_id,
        from: d.from_date,
        until: d.until_date,
    }
}

impl Lotse {
    /// Active individual cases, FTE and caseload per FTE of each staff member
    /// (case managers and provider admins: their provider's; the department:
    /// all), from the `caseload` report, against the programme's target.
    pub async fn caseload(&self, actor: &Actor, q: CaseloadQuery) -> Result<Caseload, DomainError> {
        let t = actor.tenant.as_str();
        let mut target = lotse_reports::caseload::DEFAULT_TARGET;
        if let Some(pid) = &q.program {
            let prog = program::Entity::find_by_id((t.to_owned(), pid.clone())).one(&self.db).await.map_err(db_err)?;
            match prog {
                Some(p) => target = p.caseload_target.unwrap_or(target),
                None => {
                    return Err(DomainError::invalid(
                        "program",
                        format!("Das Programm „{pid}“ gibt es in diesem Mandanten nicht."),
                        format!("There is no programme \"{pid}\" in this tenant."),
                    ));
                }
            }
        }
        let date = q.date.unwrap_or_else(today);
        let opts = Options { date: Some(date), program: q.program.clone(), target: Some(target), ..Options::default() };
        let report = self.report(actor, &ReportRequest { name: "caseload".into(), period: None, opts }).await?;
        let mut staff_q = staff::Entity::find().filter(staff::Column::TenantId.eq(t));
        if let Some(p) = &actor.provider {
            staff_q = staff_q.filter(staff::Column::ProviderId.eq(p.as_str()));
        }
        let members = staff_q.order_by_asc(staff::Column::Id).all(&self.db).await.map_err(db_err)?;
        let fig = |k: String| report.figures.get(&k).and_then(|f| f.value.clone());
        let mut rows = Vec::new();
        for s in members {
            let k = format!("staff.{}", s.id);
            let Some(active_cases) = fig(format!("{k}.active_cases")).and_then(|v| v.as_count()) else {
                continue; // not counted (a programme without cases of theirs)
            };
            let fte = match fig(format!("{k}.fte")) {
                Some(Value::Number(x)) => x,
                _ => 0.0,
            };
            let caseload_per_fte = match fig(format!("{k}.caseload_per_fte")) {
                Some(Value::Number(x)) => Some(x),
                _ => None,
            };
            let warning = caseload_per_fte.is_some_and(|c| c > target) || (fte == 0.0 && active_cases > 0);
            rows.push(CaseloadRow {
                staff_id: s.id,
                name: s.name,
                provider_id: s.provider_id,
                active_cases,
                fte,
                caseload_per_fte,
                target,
                warning,
            });
        }
        Ok(Caseload { date, program: q.program, target, staff: rows })
    }

    /// The full-time equivalent of the staff member the account works as
    /// (None: not linked, or no FTE recorded). For the start page, which
    /// puts the account's own open cases against it in one count — not the
    /// `caseload` report, which is computed over the whole provider's data
    /// and takes seconds at a large provider (docs/performance.md).
    pub async fn own_fte(&self, actor: &Actor) -> Result<Option<f64>, DomainError> {
        let Some(sid) = actor.staff_id.as_deref() else { return Ok(None) };
        let s = staff::Entity::find_by_id((actor.tenant.to_string(), sid.to_owned()))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(s.filter(|s| actor.provider.as_ref().is_some_and(|p| p.as_str() == s.provider_id)).and_then(|s| s.fte))
    }

    /// Gives a case to another staff member of the same provider.
    pub async fn reassign_case(
        &self,
        actor: &Actor,
        participation_id: &EntityId,
        input: ReassignInput,
    ) -> Result<(), DomainError> {
        // Roles that never touch person data are refused before anything is looked up.
        person_scope(actor)?;
        let t = actor.tenant.as_str();
        let c = participation::Entity::find_by_id((t.to_owned(), participation_id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "case" })?;
        let p = person_for(&self.db, actor, &c.person_id, Action::Update).await?;
        let s =
            staff::Entity::find_by_id((t.to_owned(), input.staff_id.clone())).one(&self.db).await.map_err(db_err)?;
        if !s.as_ref().is_some_and(|s| s.provider_id == p.provider_id && s.archived_at.is_none()) {
            return Err(DomainError::invalid(
                "staff_id",
                format!("„{}“ ist keine (aktive) Fachkraft des Trägers dieser Person.", input.staff_id),
                format!("\"{}\" is no (active) staff member of this person's provider.", input.staff_id),
            ));
        }
        if c.staff_id.as_deref() == Some(input.staff_id.as_str()) {
            return Ok(());
        }
        let old = c.staff_id.clone();
        let mut am: participation::ActiveModel = c.into();
        am.staff_id = Set(Some(input.staff_id.clone()));
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.update(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "participation", &m.id)
                .of_person(&p.id)
                .changes(serde_json::json!({"staff_id": [old, input.staff_id]})),
        )
        .await?;
        txn.commit().await.map_err(db_err)
    }

    async fn user_row(&self, actor: &Actor, id: &str) -> Result<Option<user::Model>, DomainError> {
        user::Entity::find_by_id((actor.tenant.to_string(), id.to_owned())).one(&self.db).await.map_err(db_err)
    }

    /// An account can work only as a staff member of its own provider.
    pub(crate) async fn check_account_staff(
        &self,
        actor: &Actor,
        staff_id: &str,
        provider: Option<&str>,
    ) -> Result<(), DomainError> {
        let s = staff::Entity::find_by_id((actor.tenant.to_string(), staff_id.to_owned()))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        if !s.is_some_and(|s| Some(s.provider_id.as_str()) == provider) {
            return Err(DomainError::invalid(
                "staff_id",
                format!("„{staff_id}“ ist keine Fachkraft des Trägers dieses Kontos."),
                format!("\"{staff_id}\" is no staff member of this account's provider."),
            ));
        }
        Ok(())
    }

    /// Links an account to the staff record it works as (same provider).
    pub async fn link_user_staff(
        &self,
        actor: &Actor,
        user_id: &str,
        staff_id: Option<&str>,
    ) -> Result<(), DomainError> {
        let u = self.user_row(actor, user_id).await?.ok_or(DomainError::NotFound { entity: "user" })?;
        let prov = u.provider_id.as_deref().map(EntityId::parse).transpose()?;
        let role = lotse_domain::Role::parse(&u.role)?;
        authorize(actor, Action::Update, &Resource::User { provider: prov.as_ref(), role })?;
        if let Some(sid) = staff_id {
            self.check_account_staff(actor, sid, u.provider_id.as_deref()).await?;
        }
        let old = u.staff_id.clone();
        let id = u.id.clone();
        let mut am: user::ActiveModel = u.into();
        am.staff_id = Set(staff_id.map(str::to_owned));
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        am.update(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "user", &id).changes(serde_json::json!({"staff_id": [old, staff_id]})),
        )
        .await?;
        txn.commit().await.map_err(db_err)
    }

    /// Registers a deputy for an absence (both accounts of the caller's provider).
    pub async fn create_deputy(&self, actor: &Actor, input: DeputyInput) -> Result<DeputyView, DomainError> {
        let absent_id = input.absent_user_id.clone().unwrap_or_else(|| actor.user_id.clone());
        let absent = self.user_row(actor, &absent_id).await?;
        let deputy = self.user_row(actor, &input.deputy_user_id).await?;
        let prov = absent.as_ref().and_then(|u| u.provider_id.as_deref()).map(EntityId::parse).transpose()?;
        authorize(actor, Action::Create, &Resource::Deputy { provider: prov.as_ref() })?;
        let Some(absent) = absent else { return Err(DomainError::NotFound { entity: "user" }) };
        if !deputy.as_ref().is_some_and(|d| d.provider_id == absent.provider_id && d.role == "case_manager") {
            return Err(DomainError::invalid(
                "deputy_user_id",
                "Vertretung kann nur eine Fallverantwortliche oder ein Fallverantwortlicher desselben Trägers sein.",
                "The deputy must be a case manager of the same provider.",
            ));
        }
        if input.deputy_user_id == absent.id {
            return Err(DomainError::invalid(
                "deputy_user_id",
                "Niemand kann sich selbst vertreten.",
                "Nobody can be their own deputy.",
            ));
        }
        if input.until < input.from {
            return Err(DomainError::invalid(
                "until",
                format!("Das Ende ({}) liegt vor dem Beginn ({}).", input.until, input.from),
                format!("The end ({}) is before the start ({}).", input.until, input.from),
            ));
        }
        let id = format!("d-{}", &uuid::Uuid::now_v7().simple().to_string()[..20]);
        let am = deputy::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(id.clone()),
            absent_user_id: Set(absent.id.clone()),
            deputy_user_id: Set(input.deputy_user_id.clone()),
            from_date: Set(input.from),
            until_date: Set(input.until),
        };
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.insert(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "deputy", &id).changes(serde_json::json!({
                "absent_user_id": absent.id, "deputy_user_id": input.deputy_user_id,
                "from": input.from, "until": input.until,
            })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(deputy_view(m))
    }

    /// The deputies registered for accounts of the caller's provider.
    pub async fn deputies(&self, actor: &Actor) -> Result<Vec<DeputyView>, DomainError> {
        authorize(actor, Action::Read, &Resource::Deputy { provider: actor.provider.as_ref() })?;
        let users: Vec<String> = user::Entity::find()
            .filter(user::Column::TenantId.eq(actor.tenant.as_str()))
            .filter(user::Column::ProviderId.eq(actor.provider.as_ref().map(|p| p.as_str())))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|u| u.id)
            .collect();
        let rows = deputy::Entity::find()
            .filter(deputy::Column::TenantId.eq(actor.tenant.as_str()))
            .filter(deputy::Column::AbsentUserId.is_in(users))
            .order_by_asc(deputy::Column::FromDate)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(deputy_view).collect())
    }

    /// The open cases of a staff member: for their own account, and for a
    /// deputy only while the absence lasts (today within from..=until).
    pub async fn staff_cases(&self, actor: &Actor, staff_id: &EntityId) -> Result<Vec<CaseView>, DomainError> {
        person_scope(actor)?;
        let t = actor.tenant.as_str();
        let s = staff::Entity::find_by_id((t.to_owned(), staff_id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|s| actor.is_system() || actor.provider.as_ref().is_none_or(|p| p.as_str() == s.provider_id))
            .ok_or(DomainError::NotFound { entity: "staff" })?;
        let me = self.user_row(actor, &actor.user_id).await?;
        let relation = if me.as_ref().and_then(|u| u.staff_id.as_deref()) == Some(s.id.as_str()) {
            CaseRelation::Own
        } else {
            let absent: Vec<String> = user::Entity::find()
                .filter(user::Column::TenantId.eq(t))
                .filter(user::Column::StaffId.eq(s.id.as_str()))
                .all(&self.db)
                .await
                .map_err(db_err)?
                .into_iter()
                .map(|u| u.id)
                .collect();
            let day = today();
            let covering = deputy::Entity::find()
                .filter(deputy::Column::TenantId.eq(t))
                .filter(deputy::Column::DeputyUserId.eq(actor.user_id.as_str()))
                .filter(deputy::Column::AbsentUserId.is_in(absent))
                .filter(deputy::Column::FromDate.lte(day))
                .filter(deputy::Column::UntilDate.gte(day))
                .one(&self.db)
                .await
                .map_err(db_err)?;
            if covering.is_some() { CaseRelation::DeputyNow } else { CaseRelation::Other }
        };
        let provider = EntityId::parse(&s.provider_id)?;
        authorize(actor, Action::Read, &Resource::StaffCases { provider: &provider, relation })?;
        let cases = participation::Entity::find()
            .filter(participation::Column::TenantId.eq(t))
            .filter(participation::Column::StaffId.eq(s.id.as_str()))
            .filter(participation::Column::ExitDate.is_null())
            .order_by_asc(participation::Column::EntryDate)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut out = Vec::with_capacity(cases.len());
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        for c in cases {
            let p = person::Entity::find_by_id((t.to_owned(), c.person_id.clone())).one(&txn).await.map_err(db_err)?;
            let Some(p) = p.filter(|p| p.provider_id == s.provider_id) else { continue };
            record(&txn, actor, Event::new(AuditAction::Read, "participation", &c.id).of_person(&p.id)).await?;
            out.push(CaseView {
                participation_id: c.id,
                person_id: p.id,
                given_name: p.given_name,
                family_name: p.family_name,
                offer_id: c.offer_id,
                entry_date: c.entry_date,
            });
        }
        txn.commit().await.map_err(db_err)?;
        Ok(out)
    }
}
