//! Case management (docs/cases.md). A case is an individual participation —
//! a person in an offer with `delivery = individual`, steered by the staff
//! member named on it — moving through the phases of the case-management
//! cycle ([`lotse_domain::case`]). Everything recorded about a case hangs off
//! the participation id and is deleted with it.
//!
//! Case data is the person's data: it follows the person's provider
//! (`Resource::Person`), every read and write is recorded in the audit trail
//! with the values encrypted under the person's key, and a case outside the
//! actor's scope is not found.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};
use lotse_db::entity::{
    assessment, assessment_rating, case_conference, case_contact, case_document, case_goal, case_intake, case_phase,
    case_step, follow_up_reminder, offer, outcome, participation, person, referral, staff, waiting_list_entry,
};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, PersonScope, Resource, authorize, person_scope};
use lotse_domain::case::{
    CaseFacts, ContactType, ExitReason, LifeDomain, OutcomeKind, Phase, ReferralStatus, StepStatus, WayIn,
    check_rating, check_transition, follow_up_due, peak_from,
};
use lotse_domain::{Actor, DomainError, EntityId, text};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::error::db_err;
use crate::page::{Order, Page, PageRequest};

const NOTE_MAX: usize = 4000;
const TITLE_MAX: usize = 300;

fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::now_v7().simple())
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn note(field: &str, raw: Option<&str>) -> Result<Option<String>, DomainError> {
    text::clean_paragraphs(field, raw, NOTE_MAX)
}

fn required(field: &str, raw: Option<&str>, max: usize) -> Result<String, DomainError> {
    text::clean_opt(field, raw, max)?
        .ok_or_else(|| DomainError::invalid(field, "darf nicht leer sein.", "must not be empty."))
}

fn not_future(field: &str, d: NaiveDate) -> Result<NaiveDate, DomainError> {
    if d > today() {
        return Err(DomainError::invalid(
            field,
            format!("{d} liegt in der Zukunft."),
            format!("{d} is in the future."),
        ));
    }
    Ok(d)
}

fn not_before_entry(field: &str, d: NaiveDate, entry: NaiveDate) -> Result<NaiveDate, DomainError> {
    if d < entry {
        return Err(DomainError::invalid(
            field,
            format!("{d} liegt vor dem Beginn des Falls ({entry})."),
            format!("{d} is before the case began ({entry})."),
        ));
    }
    Ok(d)
}

/// A date that a case record carries: given or today; not before the case
/// began, not in the future.
fn case_date(field: &str, d: Option<NaiveDate>, entry: NaiveDate) -> Result<NaiveDate, DomainError> {
    not_before_entry(field, not_future(field, d.unwrap_or_else(today))?, entry)
}

// ------------------------------------------------------------------ inputs

/// Opens a case: enrols a person in an individual offer.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    #[schema(value_type = String)]
    pub person_id: EntityId,
    /// An offer with `delivery = individual` of the person's provider.
    #[schema(value_type = String)]
    pub offer_id: EntityId,
    /// The responsible case manager (staff of the person's provider).
    #[schema(value_type = String)]
    pub staff_id: EntityId,
    #[schema(value_type = String)]
    pub entry_date: NaiveDate,
    /// When the offer is full: put the person on its waiting list instead
    /// of refusing.
    #[serde(default)]
    pub waiting_list: bool,
    /// The intake, if already known.
    pub intake: Option<IntakeInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeInput {
    /// Default: the day the case began.
    #[schema(value_type = Option<String>)]
    pub date: Option<NaiveDate>,
    /// outreach | jobcenter | school | self | youth_welfare | other
    #[schema(value_type = String, example = "outreach")]
    pub way_in: WayIn,
    /// Is case management indicated?
    pub indicated: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseInput {
    /// intake | assessment | planning | implementation | monitoring | closure
    #[schema(value_type = String, example = "assessment")]
    pub phase: Phase,
    /// Default: today.
    #[schema(value_type = Option<String>)]
    pub date: Option<NaiveDate>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// language | school_education | vocational_training | work_experience |
    /// health | housing | residence_status | finances | family_childcare | social_network
    #[schema(value_type = String, example = "language")]
    pub domain: LifeDomain,
    /// 1 (great need) … 5 (no need, a strength)
    pub rating: i16,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    #[schema(value_type = Option<String>)]
    pub date: Option<NaiveDate>,
    pub ratings: Vec<RatingInput>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    pub title: String,
    /// Who does it: the person, the case manager, an agency …
    pub owner: Option<String>,
    #[schema(value_type = Option<String>)]
    pub due_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalInput {
    pub title: String,
    pub description: Option<String>,
    #[serde(default)]
    pub steps: Vec<StepInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// Steps and goals: open | done | dropped; referrals: proposed |
    /// accepted | started | declined | completed.
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    /// To an offer of the tenant …
    #[schema(value_type = Option<String>)]
    pub offer_id: Option<EntityId>,
    /// … or to an agency (Ausländerbehörde, Schuldnerberatung …).
    pub agency: Option<String>,
    #[schema(value_type = Option<String>)]
    pub date: Option<NaiveDate>,
    /// Default: proposed.
    #[schema(value_type = Option<String>)]
    pub status: Option<ReferralStatus>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// meeting | phone | outreach | home_visit | accompaniment
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "home_visit")]
    pub kind: ContactType,
    #[schema(value_type = Option<String>)]
    pub date: Option<NaiveDate>,
    /// Duration in minutes.
    pub minutes: i32,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConferenceInput {
    #[schema(value_type = Option<String>)]
    pub date: Option<NaiveDate>,
    /// Who took part (institutions, functions).
    pub participants: String,
    pub outcome: String,
}

/// Closes a case. Every field is needed; what is missing is named.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    #[schema(value_type = Option<String>)]
    pub exit_date: Option<NaiveDate>,
    /// completed | dropped_out | moved | handed_over | other
    #[schema(value_type = Option<String>)]
    pub exit_reason: Option<ExitReason>,
    /// The outcome at exit (outcomes.csv kinds).
    #[schema(value_type = Option<String>, example = "apprenticeship")]
    pub outcome: Option<OutcomeKind>,
    pub note: Option<String>,
}

/// The six-month follow-up outcome of a closed case.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpInput {
    #[schema(value_type = String)]
    pub outcome: OutcomeKind,
    #[schema(value_type = Option<String>)]
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Cases of this case manager (staff id).
    pub staff: Option<String>,
    /// Cases currently in this phase.
    pub phase: Option<String>,
    /// `true`: only open cases (not in the closure phase); `false`: only
    /// closed ones.
    pub open: Option<bool>,
    /// Cases of this person.
    pub person: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// `entry_date`, `person` (family and given name), `offer` (its name);
    /// `-` before it for descending. Default: the newest entry first.
    pub sort: Option<String>,
}

/// The orders the case list offers.
pub const CASE_ORDERS: &[&str] = &["entry_date", "person", "offer"];

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReminderQuery {
    /// Reminders due on or before this day (default today), YYYY-MM-DD.
    #[param(value_type = Option<String>)]
    pub until: Option<NaiveDate>,
}

// ------------------------------------------------------------------ views

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PhaseEntry {
    pub phase: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub author: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Intake {
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub author: String,
    pub way_in: String,
    pub indicated: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rating {
    pub domain: String,
    pub rating: i16,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub id: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub author: String,
    pub note: Option<String>,
    pub ratings: Vec<Rating>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatingPoint {
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub rating: i16,
}

/// One life domain over the assessments of a case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DomainProgress {
    pub domain: String,
    pub label: String,
    pub ratings: Vec<RatingPoint>,
    /// Last rating minus first (positive: the need became smaller); None
    /// with fewer than two ratings.
    pub change: Option<i16>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssessmentProgress {
    pub assessments: Vec<Assessment>,
    /// Every domain rated at least once, in the fixed order of the domains.
    pub domains: Vec<DomainProgress>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub owner: Option<String>,
    #[schema(value_type = Option<String>)]
    pub due_date: Option<NaiveDate>,
    pub status: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Goal {
    pub id: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub author: String,
    pub title: String,
    pub description: Option<String>,
    pub status: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Referral {
    pub id: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub author: String,
    pub offer_id: Option<String>,
    pub agency: Option<String>,
    pub status: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub id: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub author: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub minutes: i32,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Conference {
    pub id: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub author: String,
    pub participants: String,
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentInfo {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    #[schema(value_type = String)]
    pub uploaded_on: NaiveDate,
    pub uploaded_by: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutcomeView {
    pub id: String,
    pub kind: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub timing: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reminder {
    pub case_id: String,
    pub person_id: String,
    pub staff_id: Option<String>,
    #[schema(value_type = String)]
    pub exit_date: NaiveDate,
    #[schema(value_type = String)]
    pub due_date: NaiveDate,
    pub done: bool,
}

/// An open step of a plan that is due.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DueStep {
    pub case_id: String,
    pub goal: String,
    pub step: String,
    pub owner: Option<String>,
    #[schema(value_type = String)]
    pub due_date: NaiveDate,
}

/// A case in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: String,
    pub person_id: String,
    pub offer_id: String,
    pub staff_id: Option<String>,
    #[schema(value_type = String)]
    pub entry_date: NaiveDate,
    #[schema(value_type = Option<String>)]
    pub exit_date: Option<NaiveDate>,
    pub exit_reason: Option<String>,
    /// The current phase: the newest of the history (a participation with
    /// no history: closure when it has an exit, intake otherwise).
    pub phase: String,
    #[schema(value_type = Option<String>)]
    pub phase_since: Option<NaiveDate>,
}

/// A case with everything recorded about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Case {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub offer_name: String,
    pub provider_id: String,
    pub phases: Vec<PhaseEntry>,
    pub intake: Option<Intake>,
    pub assessments: Vec<Assessment>,
    pub goals: Vec<Goal>,
    pub referrals: Vec<Referral>,
    pub contacts: Vec<Contact>,
    pub conferences: Vec<Conference>,
    pub documents: Vec<DocumentInfo>,
    pub outcomes: Vec<OutcomeView>,
    pub follow_up: Option<Reminder>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaitingEntry {
    pub id: String,
    pub offer_id: String,
    pub person_id: String,
    pub staff_id: Option<String>,
    #[schema(value_type = String)]
    pub requested_date: NaiveDate,
    /// 1 = next in line.
    pub position: usize,
}

/// What opening a case did: opened it, or (offer full, `waiting_list`)
/// put the person on the waiting list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Opened {
    pub case: Option<Case>,
    pub waiting: Option<WaitingEntry>,
}

/// A document's bytes, for download.
#[derive(Debug, Clone)]
pub struct DocumentFile {
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

// ------------------------------------------------------------------ helpers

/// The rows a case is made of, found within the actor's scope.
pub(crate) struct CaseRow {
    pub part: participation::Model,
    pub offer: offer::Model,
    pub provider: EntityId,
}

fn not_found() -> DomainError {
    DomainError::NotFound { entity: "case" }
}

/// The current phase of a case from its history (oldest first).
fn current_phase(history: &[case_phase::Model], exit: Option<NaiveDate>) -> (Phase, Option<NaiveDate>) {
    match history.last() {
        Some(h) => (Phase::parse(&h.phase).unwrap_or(Phase::Intake), Some(h.date)),
        None if exit.is_some() => (Phase::Closure, exit),
        None => (Phase::Intake, None),
    }
}

/// The cases an actor may list with a query's filters (individual
/// participations; for a provider's staff only its persons'), unordered.
fn case_select(actor: &Actor, query: &CaseQuery) -> Result<sea_orm::Select<participation::Entity>, DomainError> {
    use sea_orm::sea_query::ExprTrait;
    let scope = person_scope(actor)?;
    let tenant = actor.tenant.as_str();
    let phase = query.phase.as_deref().map(Phase::parse).transpose()?;
    // Individual offers only, and for a provider's staff only its persons:
    // looked up per case on the primary keys, as scalar subqueries — not
    // gathered first (an IN list of a large provider's persons cost hundreds
    // of milliseconds at a million persons), and not as EXISTS, which SQLite
    // (3.51) turns into a join that builds a Bloom filter over all of the
    // provider's persons and offers for every page (0.45 s at a million
    // persons; the lookup per case: 6 ms for the first page).
    let of_case = |table: &'static str, col: &'static str, id: participation::Column| {
        crate::page::looked_up(table, col, participation::Entity, participation::Column::TenantId, id)
    };
    let mut q = participation::Entity::find()
        .filter(participation::Column::TenantId.eq(tenant))
        .filter(of_case("offers", "delivery", participation::Column::OfferId).eq("individual"));
    if let PersonScope::Provider(p) = &scope {
        q = q.filter(of_case("persons", "provider_id", participation::Column::PersonId).eq(p.as_str()));
    }
    if let Some(s) = query.staff.as_deref() {
        q = q.filter(participation::Column::StaffId.eq(s));
    }
    if let Some(p) = query.person.as_deref() {
        q = q.filter(participation::Column::PersonId.eq(p));
    }
    if let Some(p) = phase {
        q = q.filter(current_phase_sql().eq(p.as_str()));
    }
    match query.open {
        Some(true) => q = q.filter(current_phase_sql().ne(Phase::Closure.as_str())),
        Some(false) => q = q.filter(current_phase_sql().eq(Phase::Closure.as_str())),
        None => {}
    }
    Ok(q)
}

/// The case's current phase in SQL: the newest entry of its history (as
/// [`current_phase`] reads it), or closure for a closed case without one
/// and intake for an open one.
fn current_phase_sql() -> Expr {
    use sea_orm::sea_query::{ExprTrait, Func, Order as SqlOrder, Query, SubQueryStatement};
    let newest = Query::select()
        .column((case_phase::Entity, case_phase::Column::Phase))
        .from(case_phase::Entity)
        .and_where(
            Expr::col((case_phase::Entity, case_phase::Column::TenantId))
                .equals((participation::Entity, participation::Column::TenantId)),
        )
        .and_where(
            Expr::col((case_phase::Entity, case_phase::Column::ParticipationId))
                .equals((participation::Entity, participation::Column::Id)),
        )
        .order_by((case_phase::Entity, case_phase::Column::Date), SqlOrder::Desc)
        .order_by((case_phase::Entity, case_phase::Column::CreatedAt), SqlOrder::Desc)
        .limit(1)
        .to_owned();
    let implicit = Expr::case(
        Expr::col((participation::Entity, participation::Column::ExitDate)).is_null(),
        Phase::Intake.as_str(),
    )
    .finally(Phase::Closure.as_str());
    let newest = Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(newest)));
    Expr::expr(Func::coalesce([newest, implicit.into()]))
}

fn summary(part: &participation::Model, history: &[case_phase::Model]) -> CaseSummary {
    let (phase, since) = current_phase(history, part.exit_date);
    CaseSummary {
        id: part.id.clone(),
        person_id: part.person_id.clone(),
        offer_id: part.offer_id.clone(),
        staff_id: part.staff_id.clone(),
        entry_date: part.entry_date,
        exit_date: part.exit_date,
        exit_reason: part.exit_reason.clone(),
        phase: phase.as_str().to_owned(),
        phase_since: since,
    }
}

async fn history(conn: &impl ConnectionTrait, tenant: &str, case: &str) -> Result<Vec<case_phase::Model>, DomainError> {
    case_phase::Entity::find()
        .filter(case_phase::Column::TenantId.eq(tenant))
        .filter(case_phase::Column::ParticipationId.eq(case))
        .order_by_asc(case_phase::Column::Date)
        .order_by_asc(case_phase::Column::CreatedAt)
        .all(conn)
        .await
        .map_err(db_err)
}

async fn facts(
    conn: &impl ConnectionTrait,
    tenant: &str,
    part: &participation::Model,
) -> Result<CaseFacts, DomainError> {
    let intake =
        case_intake::Entity::find_by_id((tenant.to_owned(), part.id.clone())).one(conn).await.map_err(db_err)?;
    let assessments = assessment::Entity::find()
        .filter(assessment::Column::TenantId.eq(tenant))
        .filter(assessment::Column::ParticipationId.eq(&part.id))
        .count_rows(conn)
        .await?;
    let goals = case_goal::Entity::find()
        .filter(case_goal::Column::TenantId.eq(tenant))
        .filter(case_goal::Column::ParticipationId.eq(&part.id))
        .filter(case_goal::Column::Status.ne(StepStatus::Dropped.as_str()))
        .count_rows(conn)
        .await?;
    let at_exit = outcome::Entity::find()
        .filter(outcome::Column::TenantId.eq(tenant))
        .filter(outcome::Column::ParticipationId.eq(&part.id))
        .filter(outcome::Column::Timing.eq("at_exit"))
        .count_rows(conn)
        .await?;
    Ok(CaseFacts {
        intake_indicated: intake.map(|i| i.indicated),
        assessments,
        goals,
        exit_date: part.exit_date,
        exit_reason: part.exit_reason.is_some(),
        at_exit_outcome: at_exit > 0,
    })
}

trait CountRows {
    async fn count_rows(self, conn: &impl ConnectionTrait) -> Result<usize, DomainError>;
}

impl<E: EntityTrait> CountRows for sea_orm::Select<E>
where
    E::Model: Sync,
{
    async fn count_rows(self, conn: &impl ConnectionTrait) -> Result<usize, DomainError> {
        use sea_orm::PaginatorTrait;
        self.count(conn).await.map(|n| n as usize).map_err(db_err)
    }
}

/// Rows of one case's table, oldest first.
macro_rules! case_rows {
    ($m:ident, $conn:expr, $tenant:expr, $case:expr) => {
        $m::Entity::find()
            .filter($m::Column::TenantId.eq($tenant))
            .filter($m::Column::ParticipationId.eq($case))
            .order_by_asc($m::Column::Date)
            .order_by_asc($m::Column::CreatedAt)
            .all($conn)
            .await
            .map_err(db_err)?
    };
}

fn assessment_views(rows: Vec<assessment::Model>, ratings: Vec<assessment_rating::Model>) -> Vec<Assessment> {
    let mut by: HashMap<String, Vec<assessment_rating::Model>> = HashMap::new();
    for r in ratings {
        by.entry(r.assessment_id.clone()).or_default().push(r);
    }
    rows.into_iter()
        .map(|a| {
            let mut rs = by.remove(&a.id).unwrap_or_default();
            rs.sort_by_key(|r| LifeDomain::parse(&r.domain).map(|d| d as usize).unwrap_or(usize::MAX));
            Assessment {
                ratings: rs.into_iter().map(|r| Rating { domain: r.domain, rating: r.rating, note: r.note }).collect(),
                id: a.id,
                date: a.date,
                author: a.author,
                note: a.note,
            }
        })
        .collect()
}

/// Each domain's ratings over time, in the fixed order of the domains.
pub fn progress(assessments: &[Assessment]) -> Vec<DomainProgress> {
    LifeDomain::ALL
        .iter()
        .filter_map(|d| {
            let points: Vec<RatingPoint> = assessments
                .iter()
                .flat_map(|a| {
                    a.ratings
                        .iter()
                        .filter(|r| r.domain == d.as_str())
                        .map(|r| RatingPoint { date: a.date, rating: r.rating })
                })
                .collect();
            if points.is_empty() {
                return None;
            }
            let change = (points.len() > 1).then(|| points[points.len() - 1].rating - points[0].rating);
            Some(DomainProgress {
                domain: d.as_str().to_owned(),
                label: d.label_de().to_owned(),
                ratings: points,
                change,
            })
        })
        .collect()
}

impl Lotse {
    /// The case `id` if the actor may do `action` on it: 403 for roles that
    /// never see person data, 404 outside the actor's scope (and for
    /// participations that are not cases, i.e. of group offers).
    pub(crate) async fn case_row(&self, actor: &Actor, id: &EntityId, action: Action) -> Result<CaseRow, DomainError> {
        let scope = person_scope(actor)?;
        let tenant = actor.tenant.to_string();
        let part = participation::Entity::find_by_id((tenant.clone(), id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(not_found)?;
        let offer = offer::Entity::find_by_id((tenant.clone(), part.offer_id.clone()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|o| o.delivery == "individual")
            .ok_or_else(not_found)?;
        let person = person::Entity::find_by_id((tenant, part.person_id.clone()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(not_found)?;
        let provider = EntityId::parse(&person.provider_id)?;
        if !scope.admits(&provider) {
            return Err(not_found());
        }
        authorize(actor, action, &Resource::Person { provider: &provider })?;
        Ok(CaseRow { part, offer, provider })
    }

    /// A case that may still change: not closed.
    async fn open_case_row(&self, actor: &Actor, id: &EntityId) -> Result<(CaseRow, Phase), DomainError> {
        let row = self.case_row(actor, id, Action::Update).await?;
        let h = history(&self.db, actor.tenant.as_str(), &row.part.id).await?;
        let (phase, _) = current_phase(&h, row.part.exit_date);
        if phase == Phase::Closure {
            return Err(DomainError::invalid(
                "phase",
                "Der Fall ist abgeschlossen; es kann nur noch das Ergebnis nach sechs Monaten erfasst werden.",
                "The case is closed; only the six-month follow-up outcome can still be recorded.",
            ));
        }
        Ok((row, phase))
    }

    async fn add_phase(
        &self,
        txn: &impl ConnectionTrait,
        actor: &Actor,
        case: &participation::Model,
        phase: Phase,
        date: NaiveDate,
        note: Option<String>,
    ) -> Result<(), DomainError> {
        let id = new_id("ph");
        case_phase::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(id.clone()),
            participation_id: Set(case.id.clone()),
            date: Set(date),
            author: Set(actor.login.to_string()),
            created_at: Set(Utc::now()),
            phase: Set(phase.as_str().to_owned()),
            note: Set(note.clone()),
        }
        .insert(txn)
        .await
        .map_err(db_err)?;
        record(
            txn,
            actor,
            Event::new(AuditAction::Create, "case_phase", &case.id)
                .of_person(&case.person_id)
                .changes(serde_json::json!({"phase": phase.as_str(), "date": date, "note": note})),
        )
        .await
    }

    // -------------------------------------------------------------- open

    /// Opens a case, or puts the person on the offer's waiting list when it
    /// is full and `waiting_list` is asked for.
    pub async fn open_case(&self, actor: &Actor, input: OpenCase) -> Result<Opened, DomainError> {
        let scope = person_scope(actor)?;
        let tenant = actor.tenant.to_string();
        let person = person::Entity::find_by_id((tenant.clone(), input.person_id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|p| EntityId::parse(&p.provider_id).is_ok_and(|pr| scope.admits(&pr)))
            .ok_or(DomainError::NotFound { entity: "person" })?;
        let provider = EntityId::parse(&person.provider_id)?;
        authorize(actor, Action::Create, &Resource::Person { provider: &provider })?;
        let offer = offer::Entity::find_by_id((tenant.clone(), input.offer_id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                DomainError::invalid(
                    "offer_id",
                    format!("Das Angebot „{}“ gibt es in diesem Mandanten nicht.", input.offer_id),
                    format!("There is no offer \"{}\" in this tenant.", input.offer_id),
                )
            })?;
        if offer.delivery != "individual" {
            return Err(DomainError::invalid(
                "offer_id",
                format!(
                    "„{}“ ist ein Gruppenangebot; Fälle werden in Einzelangeboten (Einzelfallhilfe) geführt.",
                    offer.name
                ),
                format!("\"{}\" is a group offer; cases are kept in individual offers.", offer.name),
            ));
        }
        if offer.provider_id != person.provider_id {
            return Err(DomainError::invalid(
                "offer_id",
                format!("Das Angebot „{}“ gehört nicht zum Träger der Person.", offer.name),
                format!("The offer \"{}\" does not belong to the person's provider.", offer.name),
            ));
        }
        if offer.archived_at.is_some() {
            return Err(DomainError::invalid(
                "offer_id",
                format!("Das Angebot „{}“ ist archiviert.", offer.name),
                format!("The offer \"{}\" is archived.", offer.name),
            ));
        }
        let entry = input.entry_date;
        if offer.start_date.is_some_and(|s| entry < s) || offer.end_date.is_some_and(|e| entry > e) {
            return Err(DomainError::invalid(
                "entry_date",
                format!("{entry} liegt außerhalb der Laufzeit des Angebots „{}“.", offer.name),
                format!("{entry} is outside the period of the offer \"{}\".", offer.name),
            ));
        }
        let staff = staff::Entity::find_by_id((tenant.clone(), input.staff_id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|s| s.provider_id == person.provider_id && s.archived_at.is_none())
            .ok_or_else(|| {
                DomainError::invalid(
                    "staff_id",
                    format!("„{}“ ist keine (aktive) Fachkraft des Trägers der Person.", input.staff_id),
                    format!("\"{}\" is no (active) staff member of the person's provider.", input.staff_id),
                )
            })?;
        let intake = match &input.intake {
            Some(i) => Some((
                not_before_entry("intake.date", i.date.unwrap_or(entry), entry)?,
                note("intake.note", i.note.as_deref())?,
            )),
            None => None,
        };

        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        // Touch the offer row: on PostgreSQL this locks it until commit, so
        // two enrolments cannot both take the last place (SQLite's write
        // transaction is exclusive anyway).
        offer::Entity::update_many()
            .col_expr(offer::Column::Capacity, Expr::col(offer::Column::Capacity))
            .filter(offer::Column::TenantId.eq(&tenant))
            .filter(offer::Column::Id.eq(&offer.id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if let Some(cap) = offer.capacity {
            let spans: Vec<(NaiveDate, Option<NaiveDate>)> = participation::Entity::find()
                .select_only()
                .columns([participation::Column::EntryDate, participation::Column::ExitDate])
                .filter(participation::Column::TenantId.eq(&tenant))
                .filter(participation::Column::OfferId.eq(&offer.id))
                .filter(
                    Condition::any()
                        .add(participation::Column::ExitDate.is_null())
                        .add(participation::Column::ExitDate.gte(entry)),
                )
                .into_tuple()
                .all(&txn)
                .await
                .map_err(db_err)?;
            let active = peak_from(entry, &spans);
            if active >= i64::from(cap) {
                if !input.waiting_list {
                    return Err(DomainError::conflict(
                        format!(
                            "Das Angebot „{}“ ist ab dem {} voll belegt ({active} von {cap} Plätzen). \
                             Die Person kann auf die Warteliste gesetzt werden („waiting_list“: true).",
                            offer.name,
                            entry.format("%d.%m.%Y")
                        ),
                        format!(
                            "The offer \"{}\" is full from {entry} on ({active} of {cap} places). \
                             The person can be put on the waiting list (\"waiting_list\": true).",
                            offer.name
                        ),
                    ));
                }
                let id = new_id("wl");
                let m = waiting_list_entry::ActiveModel {
                    tenant_id: Set(tenant.clone()),
                    id: Set(id.clone()),
                    offer_id: Set(offer.id.clone()),
                    person_id: Set(person.id.clone()),
                    staff_id: Set(Some(staff.id.clone())),
                    requested_date: Set(entry),
                    author: Set(actor.login.to_string()),
                    created_at: Set(Utc::now()),
                }
                .insert(&txn)
                .await
                .map_err(db_err)?;
                record(
                    &txn,
                    actor,
                    Event::new(AuditAction::Create, "waiting_list", &id)
                        .of_person(&person.id)
                        .changes(serde_json::json!({"offer_id": offer.id, "requested_date": entry})),
                )
                .await?;
                let position = waiting_list_entry::Entity::find()
                    .filter(waiting_list_entry::Column::TenantId.eq(&tenant))
                    .filter(waiting_list_entry::Column::OfferId.eq(&offer.id))
                    .count_rows(&txn)
                    .await?;
                txn.commit().await.map_err(db_err)?;
                return Ok(Opened {
                    case: None,
                    waiting: Some(WaitingEntry {
                        id: m.id,
                        offer_id: m.offer_id,
                        person_id: m.person_id,
                        staff_id: m.staff_id,
                        requested_date: m.requested_date,
                        position,
                    }),
                });
            }
        }
        let id = new_id("case");
        let part = participation::ActiveModel {
            tenant_id: Set(tenant.clone()),
            id: Set(id.clone()),
            person_id: Set(person.id.clone()),
            offer_id: Set(offer.id.clone()),
            staff_id: Set(Some(staff.id.clone())),
            entry_date: Set(entry),
            exit_date: Set(None),
            exit_reason: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "case", &id).of_person(&person.id).changes(serde_json::json!({
                "offer_id": offer.id, "staff_id": staff.id, "entry_date": entry
            })),
        )
        .await?;
        self.add_phase(&txn, actor, &part, Phase::Intake, entry, None).await?;
        if let (Some(i), Some((date, n))) = (&input.intake, intake) {
            self.write_intake(&txn, actor, &part, date, i.way_in, i.indicated, n).await?;
        }
        // Enrolled: no longer waiting for this offer.
        waiting_list_entry::Entity::delete_many()
            .filter(waiting_list_entry::Column::TenantId.eq(&tenant))
            .filter(waiting_list_entry::Column::OfferId.eq(&offer.id))
            .filter(waiting_list_entry::Column::PersonId.eq(&person.id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        let case = self.case(actor, &EntityId::parse(&id)?).await?;
        Ok(Opened { case: Some(case), waiting: None })
    }

    /// An offer's waiting list in its order: who came first, then by id.
    async fn waiting_line(&self, tenant: &str, offer: &str) -> Result<Vec<waiting_list_entry::Model>, DomainError> {
        waiting_list_entry::Entity::find()
            .filter(waiting_list_entry::Column::TenantId.eq(tenant))
            .filter(waiting_list_entry::Column::OfferId.eq(offer))
            .order_by_asc(waiting_list_entry::Column::CreatedAt)
            .order_by_asc(waiting_list_entry::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)
    }

    /// The persons waiting for an individual offer, next in line first.
    pub async fn waiting_list(&self, actor: &Actor, offer_id: &EntityId) -> Result<Vec<WaitingEntry>, DomainError> {
        let scope = person_scope(actor)?;
        let tenant = actor.tenant.to_string();
        let offer = offer::Entity::find_by_id((tenant.clone(), offer_id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|o| EntityId::parse(&o.provider_id).is_ok_and(|p| scope.admits(&p)))
            .ok_or(DomainError::NotFound { entity: "offer" })?;
        authorize(actor, Action::Read, &Resource::Person { provider: &EntityId::parse(&offer.provider_id)? })?;
        let rows = self.waiting_line(&tenant, &offer.id).await?;
        if !rows.is_empty() {
            let ids: Vec<&str> = rows.iter().map(|r| r.person_id.as_str()).collect();
            self.record_read(
                actor,
                Event::new(AuditAction::Read, "waiting_list", &offer.id).changes(serde_json::json!({"ids": ids})),
            )
            .await?;
        }
        Ok(rows
            .into_iter()
            .enumerate()
            .map(|(i, m)| WaitingEntry {
                id: m.id,
                offer_id: m.offer_id,
                person_id: m.person_id,
                staff_id: m.staff_id,
                requested_date: m.requested_date,
                position: i + 1,
            })
            .collect())
    }

    /// The waiting lists the person is on, with their place in each.
    pub async fn waiting_of_person(
        &self,
        actor: &Actor,
        person_id: &EntityId,
    ) -> Result<Vec<WaitingEntry>, DomainError> {
        let p = crate::consents::person_for(&self.db, actor, person_id.as_str(), Action::Read).await?;
        let tenant = actor.tenant.to_string();
        let mine = waiting_list_entry::Entity::find()
            .filter(waiting_list_entry::Column::TenantId.eq(&tenant))
            .filter(waiting_list_entry::Column::PersonId.eq(&p.id))
            .order_by_asc(waiting_list_entry::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut out = Vec::with_capacity(mine.len());
        for m in mine {
            // The place: everyone on the same list before this entry, plus one.
            let line = self.waiting_line(&tenant, &m.offer_id).await?;
            let position = line.iter().position(|x| x.id == m.id).map(|i| i + 1).unwrap_or(1);
            out.push(WaitingEntry {
                id: m.id,
                offer_id: m.offer_id,
                person_id: m.person_id,
                staff_id: m.staff_id,
                requested_date: m.requested_date,
                position,
            });
        }
        if !out.is_empty() {
            self.record_read(actor, Event::new(AuditAction::Read, "waiting_list", "person").of_person(&p.id)).await?;
        }
        Ok(out)
    }

    // -------------------------------------------------------------- read

    /// A case with everything recorded about it; the read is audited.
    pub async fn case(&self, actor: &Actor, id: &EntityId) -> Result<Case, DomainError> {
        let row = self.case_row(actor, id, Action::Read).await?;
        let tenant = actor.tenant.as_str();
        let case = row.part.id.as_str();
        let txn = self.db.begin().await.map_err(db_err)?;
        let h = history(&txn, tenant, case).await?;
        let intake =
            case_intake::Entity::find_by_id((tenant.to_owned(), case.to_owned())).one(&txn).await.map_err(db_err)?;
        let assessments = self.assessments_of(&txn, tenant, case).await?;
        let goals = case_rows!(case_goal, &txn, tenant, case);
        let steps = if goals.is_empty() {
            vec![]
        } else {
            case_step::Entity::find()
                .filter(case_step::Column::TenantId.eq(tenant))
                .filter(case_step::Column::GoalId.is_in(goals.iter().map(|g| g.id.clone())))
                .order_by_asc(case_step::Column::CreatedAt)
                .order_by_asc(case_step::Column::Id)
                .all(&txn)
                .await
                .map_err(db_err)?
        };
        let mut steps_by: HashMap<String, Vec<Step>> = HashMap::new();
        for s in steps {
            steps_by.entry(s.goal_id.clone()).or_default().push(Step {
                id: s.id,
                title: s.title,
                owner: s.owner,
                due_date: s.due_date,
                status: s.status,
            });
        }
        let referrals = case_rows!(referral, &txn, tenant, case);
        let contacts = case_rows!(case_contact, &txn, tenant, case);
        let conferences = case_rows!(case_conference, &txn, tenant, case);
        let documents = self.documents_of(&txn, tenant, case).await?;
        let outcomes = outcome::Entity::find()
            .filter(outcome::Column::TenantId.eq(tenant))
            .filter(outcome::Column::ParticipationId.eq(case))
            .order_by_asc(outcome::Column::Date)
            .all(&txn)
            .await
            .map_err(db_err)?;
        let reminder = follow_up_reminder::Entity::find_by_id((tenant.to_owned(), case.to_owned()))
            .one(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        self.record_read(actor, Event::new(AuditAction::Read, "case", case).of_person(&row.part.person_id)).await?;
        Ok(Case {
            summary: summary(&row.part, &h),
            offer_name: row.offer.name.clone(),
            provider_id: row.provider.to_string(),
            phases: h
                .into_iter()
                .map(|p| PhaseEntry { phase: p.phase, date: p.date, author: p.author, note: p.note })
                .collect(),
            intake: intake.map(|i| Intake {
                date: i.date,
                author: i.author,
                way_in: i.way_in,
                indicated: i.indicated,
                note: i.note,
            }),
            assessments,
            goals: goals
                .into_iter()
                .map(|g| Goal {
                    steps: steps_by.remove(&g.id).unwrap_or_default(),
                    id: g.id,
                    date: g.date,
                    author: g.author,
                    title: g.title,
                    description: g.description,
                    status: g.status,
                })
                .collect(),
            referrals: referrals
                .into_iter()
                .map(|r| Referral {
                    id: r.id,
                    date: r.date,
                    author: r.author,
                    offer_id: r.offer_id,
                    agency: r.agency,
                    status: r.status,
                    note: r.note,
                })
                .collect(),
            contacts: contacts
                .into_iter()
                .map(|c| Contact {
                    id: c.id,
                    date: c.date,
                    author: c.author,
                    kind: c.kind,
                    minutes: c.minutes,
                    note: c.note,
                })
                .collect(),
            conferences: conferences
                .into_iter()
                .map(|c| Conference {
                    id: c.id,
                    date: c.date,
                    author: c.author,
                    participants: c.participants,
                    outcome: c.outcome,
                })
                .collect(),
            documents,
            outcomes: outcomes
                .into_iter()
                .map(|o| OutcomeView { id: o.id, kind: o.kind, date: o.date, timing: o.timing })
                .collect(),
            follow_up: reminder.map(|r| Reminder {
                case_id: r.participation_id,
                person_id: row.part.person_id.clone(),
                staff_id: row.part.staff_id.clone(),
                exit_date: row.part.exit_date.unwrap_or(r.due_date),
                due_date: r.due_date,
                done: r.done,
            }),
        })
    }

    async fn assessments_of(
        &self,
        conn: &impl ConnectionTrait,
        tenant: &str,
        case: &str,
    ) -> Result<Vec<Assessment>, DomainError> {
        let rows = case_rows!(assessment, conn, tenant, case);
        let ratings = if rows.is_empty() {
            vec![]
        } else {
            assessment_rating::Entity::find()
                .filter(assessment_rating::Column::TenantId.eq(tenant))
                .filter(assessment_rating::Column::AssessmentId.is_in(rows.iter().map(|a| a.id.clone())))
                .all(conn)
                .await
                .map_err(db_err)?
        };
        Ok(assessment_views(rows, ratings))
    }

    pub(crate) async fn documents_of(
        &self,
        conn: &impl ConnectionTrait,
        tenant: &str,
        case: &str,
    ) -> Result<Vec<DocumentInfo>, DomainError> {
        let rows: Vec<(String, String, String, i64, NaiveDate, String)> = case_document::Entity::find()
            .select_only()
            .columns([
                case_document::Column::Id,
                case_document::Column::FileName,
                case_document::Column::ContentType,
                case_document::Column::Size,
                case_document::Column::Date,
                case_document::Column::Author,
            ])
            .filter(case_document::Column::TenantId.eq(tenant))
            .filter(case_document::Column::ParticipationId.eq(case))
            .order_by_asc(case_document::Column::CreatedAt)
            .into_tuple()
            .all(conn)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, file_name, content_type, size, uploaded_on, uploaded_by)| DocumentInfo {
                id,
                file_name,
                content_type,
                size,
                uploaded_on,
                uploaded_by,
            })
            .collect())
    }

    /// The assessments of a case and each domain's ratings over time.
    pub async fn assessment_progress(&self, actor: &Actor, id: &EntityId) -> Result<AssessmentProgress, DomainError> {
        let row = self.case_row(actor, id, Action::Read).await?;
        let assessments = self.assessments_of(&self.db, actor.tenant.as_str(), &row.part.id).await?;
        self.record_read(
            actor,
            Event::new(AuditAction::Read, "assessment", &row.part.id).of_person(&row.part.person_id),
        )
        .await?;
        let domains = progress(&assessments);
        Ok(AssessmentProgress { assessments, domains })
    }

    /// The cases the actor may see, optionally of one case manager and in
    /// one phase; newest first.
    /// The number of cases a list with these filters has (ignoring its
    /// page and order), counted exactly: for a figure such as a start
    /// page's open cases, where `cases` would not count a whole provider.
    pub async fn case_count(&self, actor: &Actor, query: &CaseQuery) -> Result<u64, DomainError> {
        use sea_orm::PaginatorTrait;
        case_select(actor, query)?.count(&self.db).await.map_err(db_err)
    }

    pub async fn cases(&self, actor: &Actor, query: CaseQuery) -> Result<Page<CaseSummary>, DomainError> {
        let page = self.case_page(actor, query).await?;
        if !page.items.is_empty() {
            let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
            self.record_read(
                actor,
                Event::new(AuditAction::Read, "case", "list").changes(serde_json::json!({"ids": ids})),
            )
            .await?;
        }
        Ok(page)
    }

    /// A page of cases as `cases` gives it, with the names of their persons
    /// (person id → "given family"), as the case list shows them: the audit
    /// entries of both reads are committed together, so that the page waits
    /// for one commit, not two.
    pub async fn cases_with_names(
        &self,
        actor: &Actor,
        query: CaseQuery,
    ) -> Result<(Page<CaseSummary>, HashMap<String, String>), DomainError> {
        let page = self.case_page(actor, query).await?;
        let person_ids: Vec<String> = page.items.iter().map(|c| c.person_id.clone()).collect();
        let names = self.person_name_rows(actor, &person_ids).await?;
        // The entries `cases` and `person_names` would write, committed together.
        let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
        let persons: Vec<&str> = names.iter().map(|(id, _)| id.as_str()).collect();
        let mut reads = Vec::new();
        if !ids.is_empty() {
            reads.push(Event::new(AuditAction::Read, "case", "list").changes(serde_json::json!({ "ids": ids })));
        }
        if !persons.is_empty() {
            reads.push(Event::new(AuditAction::Read, "person", "list").changes(serde_json::json!({ "ids": persons })));
        }
        if !reads.is_empty() {
            self.record_reads(actor, reads).await?;
        }
        Ok((page, names.into_iter().collect()))
    }

    /// A page of cases, not yet recorded as read.
    async fn case_page(&self, actor: &Actor, query: CaseQuery) -> Result<Page<CaseSummary>, DomainError> {
        let tenant = actor.tenant.as_str();
        let page = PageRequest { limit: query.limit, offset: query.offset };
        let q = case_select(actor, &query)?;
        // A list narrowed to a staff member or a person is counted; the
        // whole provider's (or tenant's) is not (see below).
        let narrowed = query.staff.is_some() || query.person.is_some();
        let q = match Order::parse_opt(query.sort.as_deref(), CASE_ORDERS)? {
            None => q.order_by_desc(participation::Column::EntryDate),
            Some(o) => {
                use sea_orm::sea_query::NullOrdering;
                // A column of the case's person or offer, looked up per row.
                let of = |table: &'static str, col: &'static str| {
                    let id = if table == "persons" {
                        participation::Column::PersonId
                    } else {
                        participation::Column::OfferId
                    };
                    crate::page::looked_up(table, col, participation::Entity, participation::Column::TenantId, id)
                };
                let (dir, last) = (o.direction(), NullOrdering::Last);
                match o.key.as_str() {
                    "person" => q
                        .order_by_with_nulls(of("persons", "family_name"), dir.clone(), last.clone())
                        .order_by_with_nulls(of("persons", "given_name"), dir, last),
                    "offer" => q.order_by_with_nulls(of("offers", "name"), dir, last),
                    _ => q.order_by(participation::Column::EntryDate, dir),
                }
            }
        }
        .order_by_asc(participation::Column::Id);
        // A list narrowed to a staff member or a person is counted; the
        // whole provider's (or tenant's) is not: one row more than the page
        // says whether another page follows.
        let (rows, total, capped) = if narrowed {
            let (rows, total) = page.fetch(q, &self.db).await?;
            (rows, total, false)
        } else {
            let mut rows = q.offset(page.offset()).limit(page.limit() + 1).all(&self.db).await.map_err(db_err)?;
            let more = rows.len() as u64 > page.limit();
            rows.truncate(page.limit() as usize);
            let total = page.offset() + rows.len() as u64;
            (rows, total, more)
        };
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut hist: HashMap<String, Vec<case_phase::Model>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let hs = case_phase::Entity::find()
                .filter(case_phase::Column::TenantId.eq(tenant))
                .filter(case_phase::Column::ParticipationId.is_in(chunk.iter().cloned()))
                .order_by_asc(case_phase::Column::Date)
                .order_by_asc(case_phase::Column::CreatedAt)
                .all(&self.db)
                .await
                .map_err(db_err)?;
            for h in hs {
                hist.entry(h.participation_id.clone()).or_default().push(h);
            }
        }
        let items: Vec<CaseSummary> =
            rows.iter().map(|r| summary(r, hist.get(&r.id).map(Vec::as_slice).unwrap_or(&[]))).collect();
        let mut page = Page::new(items, total, page);
        page.total_capped = capped;
        Ok(page)
    }

    // -------------------------------------------------------------- phases

    #[allow(clippy::too_many_arguments)]
    async fn write_intake(
        &self,
        txn: &impl ConnectionTrait,
        actor: &Actor,
        case: &participation::Model,
        date: NaiveDate,
        way_in: WayIn,
        indicated: bool,
        note: Option<String>,
    ) -> Result<(), DomainError> {
        let tenant = actor.tenant.to_string();
        let old = case_intake::Entity::find_by_id((tenant.clone(), case.id.clone())).one(txn).await.map_err(db_err)?;
        let am = case_intake::ActiveModel {
            tenant_id: Set(tenant),
            participation_id: Set(case.id.clone()),
            date: Set(date),
            author: Set(actor.login.to_string()),
            way_in: Set(way_in.as_str().to_owned()),
            indicated: Set(indicated),
            note: Set(note.clone()),
        };
        let action = if old.is_some() {
            am.update(txn).await.map_err(db_err)?;
            AuditAction::Update
        } else {
            am.insert(txn).await.map_err(db_err)?;
            AuditAction::Create
        };
        record(
            txn,
            actor,
            Event::new(action, "case_intake", &case.id).of_person(&case.person_id).changes(serde_json::json!({
                "date": date, "way_in": way_in.as_str(), "indicated": indicated, "note": note
            })),
        )
        .await
    }

    /// Records (or corrects) the intake: how the person came and whether
    /// case management is indicated. Only while the case is in its intake.
    pub async fn record_intake(&self, actor: &Actor, id: &EntityId, input: IntakeInput) -> Result<Case, DomainError> {
        let (row, phase) = self.open_case_row(actor, id).await?;
        if phase != Phase::Intake {
            return Err(DomainError::invalid(
                "phase",
                "Das Erstgespräch wird in der Phase „Zugang und Klärung“ erfasst; der Fall ist schon weiter.",
                "The intake is recorded in the intake phase; the case has moved on.",
            ));
        }
        let date = case_date("date", input.date, row.part.entry_date)?;
        let n = note("note", input.note.as_deref())?;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        self.write_intake(&txn, actor, &row.part, date, input.way_in, input.indicated, n).await?;
        txn.commit().await.map_err(db_err)?;
        self.case(actor, id).await
    }

    /// Moves a case to another phase, if the cycle allows it and what the
    /// phase requires is recorded.
    pub async fn move_phase(&self, actor: &Actor, id: &EntityId, input: PhaseInput) -> Result<Case, DomainError> {
        let row = self.case_row(actor, id, Action::Update).await?;
        let tenant = actor.tenant.as_str();
        let h = history(&self.db, tenant, &row.part.id).await?;
        let (from, since) = current_phase(&h, row.part.exit_date);
        let date = case_date("date", input.date, row.part.entry_date)?;
        if let Some(s) = since.filter(|s| date < *s) {
            return Err(DomainError::invalid(
                "date",
                format!("{date} liegt vor dem Beginn der aktuellen Phase ({s})."),
                format!("{date} is before the current phase began ({s})."),
            ));
        }
        let n = note("note", input.note.as_deref())?;
        let f = facts(&self.db, tenant, &row.part).await?;
        check_transition(from, input.phase, &f)?;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        self.add_phase(&txn, actor, &row.part, input.phase, date, n).await?;
        txn.commit().await.map_err(db_err)?;
        self.case(actor, id).await
    }

    // -------------------------------------------------------------- assessment

    /// Records an assessment of the life domains (repeatable: progress shows
    /// over the assessments). From the assessment phase on.
    pub async fn record_assessment(
        &self,
        actor: &Actor,
        id: &EntityId,
        input: AssessmentInput,
    ) -> Result<Assessment, DomainError> {
        let (row, phase) = self.open_case_row(actor, id).await?;
        if phase == Phase::Intake {
            return Err(DomainError::invalid(
                "phase",
                "Einschätzungen werden ab der Phase „Einschätzung (Assessment)“ erfasst; \
                 bitte den Fall zuerst dorthin weiterführen.",
                "Assessments are recorded from the assessment phase on; move the case there first.",
            ));
        }
        let date = case_date("date", input.date, row.part.entry_date)?;
        if input.ratings.is_empty() {
            return Err(DomainError::invalid(
                "ratings",
                "Mindestens ein Lebensbereich muss eingeschätzt werden.",
                "At least one life domain must be rated.",
            ));
        }
        let mut seen = BTreeMap::new();
        for r in &input.ratings {
            check_rating(r.domain, r.rating)?;
            let n = note(&format!("ratings.{}.note", r.domain.as_str()), r.note.as_deref())?;
            if seen.insert(r.domain, (r.rating, n)).is_some() {
                return Err(DomainError::invalid(
                    "ratings",
                    format!("Der Lebensbereich „{}“ ist doppelt eingeschätzt.", r.domain.label_de()),
                    format!("The life domain \"{}\" is rated twice.", r.domain.as_str()),
                ));
            }
        }
        let n = note("note", input.note.as_deref())?;
        let tenant = actor.tenant.to_string();
        let aid = new_id("as");
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        assessment::ActiveModel {
            tenant_id: Set(tenant.clone()),
            id: Set(aid.clone()),
            participation_id: Set(row.part.id.clone()),
            date: Set(date),
            author: Set(actor.login.to_string()),
            created_at: Set(Utc::now()),
            note: Set(n.clone()),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        for (domain, (rating, rn)) in &seen {
            assessment_rating::ActiveModel {
                tenant_id: Set(tenant.clone()),
                assessment_id: Set(aid.clone()),
                domain: Set(domain.as_str().to_owned()),
                rating: Set(*rating),
                note: Set(rn.clone()),
            }
            .insert(&txn)
            .await
            .map_err(db_err)?;
        }
        let ratings: Vec<Rating> = seen
            .into_iter()
            .map(|(d, (rating, note))| Rating { domain: d.as_str().to_owned(), rating, note })
            .collect();
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "assessment", &aid)
                .of_person(&row.part.person_id)
                .changes(serde_json::json!({"case": row.part.id, "date": date, "ratings": ratings, "note": n})),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Assessment { id: aid, date, author: actor.login.to_string(), note: n, ratings })
    }

    // -------------------------------------------------------------- plan

    fn step_model(tenant: &str, goal: &str, s: &StepInput, field: &str) -> Result<case_step::ActiveModel, DomainError> {
        Ok(case_step::ActiveModel {
            tenant_id: Set(tenant.to_owned()),
            id: Set(new_id("st")),
            goal_id: Set(goal.to_owned()),
            title: Set(required(&format!("{field}title"), Some(&s.title), TITLE_MAX)?),
            owner: Set(text::clean_opt(&format!("{field}owner"), s.owner.as_deref(), 200)?),
            due_date: Set(s.due_date),
            status: Set(StepStatus::Open.as_str().to_owned()),
            created_at: Set(Utc::now()),
        })
    }

    /// Adds a goal (with its first steps) to the plan. From planning on.
    pub async fn add_goal(&self, actor: &Actor, id: &EntityId, input: GoalInput) -> Result<Goal, DomainError> {
        let (row, phase) = self.open_case_row(actor, id).await?;
        if phase.index() < Phase::Planning.index() {
            return Err(DomainError::invalid(
                "phase",
                "Ziele werden ab der Phase „Hilfeplanung und Vereinbarung“ vereinbart.",
                "Goals are agreed from the planning phase on.",
            ));
        }
        let tenant = actor.tenant.to_string();
        let title = required("title", Some(&input.title), TITLE_MAX)?;
        let description = note("description", input.description.as_deref())?;
        let gid = new_id("goal");
        let steps = input
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| Self::step_model(&tenant, &gid, s, &format!("steps[{i}].")))
            .collect::<Result<Vec<_>, _>>()?;
        let date = today();
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        case_goal::ActiveModel {
            tenant_id: Set(tenant.clone()),
            id: Set(gid.clone()),
            participation_id: Set(row.part.id.clone()),
            date: Set(date),
            author: Set(actor.login.to_string()),
            created_at: Set(Utc::now()),
            title: Set(title.clone()),
            description: Set(description.clone()),
            status: Set(StepStatus::Open.as_str().to_owned()),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        let mut out = vec![];
        for s in steps {
            let m = s.insert(&txn).await.map_err(db_err)?;
            out.push(Step { id: m.id, title: m.title, owner: m.owner, due_date: m.due_date, status: m.status });
        }
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "case_goal", &gid).of_person(&row.part.person_id).changes(
                serde_json::json!({"case": row.part.id, "title": title, "description": description, "steps": input.steps}),
            ),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Goal {
            id: gid,
            date,
            author: actor.login.to_string(),
            title,
            description,
            status: StepStatus::Open.as_str().to_owned(),
            steps: out,
        })
    }

    async fn goal_of(&self, actor: &Actor, case: &str, goal: &EntityId) -> Result<case_goal::Model, DomainError> {
        case_goal::Entity::find_by_id((actor.tenant.to_string(), goal.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|g| g.participation_id == case)
            .ok_or(DomainError::NotFound { entity: "goal" })
    }

    /// Adds an interim step to a goal.
    pub async fn add_step(
        &self,
        actor: &Actor,
        id: &EntityId,
        goal: &EntityId,
        input: StepInput,
    ) -> Result<Step, DomainError> {
        let (row, _) = self.open_case_row(actor, id).await?;
        let g = self.goal_of(actor, &row.part.id, goal).await?;
        let am = Self::step_model(actor.tenant.as_str(), &g.id, &input, "")?;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.insert(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "case_step", &m.id)
                .of_person(&row.part.person_id)
                .changes(serde_json::json!({"goal": g.id, "step": input})),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Step { id: m.id, title: m.title, owner: m.owner, due_date: m.due_date, status: m.status })
    }

    /// Sets a goal's status (open | done | dropped).
    pub async fn set_goal_status(
        &self,
        actor: &Actor,
        id: &EntityId,
        goal: &EntityId,
        input: StatusInput,
    ) -> Result<(), DomainError> {
        let status = StepStatus::parse(&input.status)?;
        let (row, _) = self.open_case_row(actor, id).await?;
        let g = self.goal_of(actor, &row.part.id, goal).await?;
        let old = g.status.clone();
        let mut am: case_goal::ActiveModel = g.into();
        am.status = Set(status.as_str().to_owned());
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        am.update(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "case_goal", goal.as_str())
                .of_person(&row.part.person_id)
                .changes(serde_json::json!({"status": [old, status.as_str()]})),
        )
        .await?;
        txn.commit().await.map_err(db_err)
    }

    /// Sets a step's status (open | done | dropped).
    pub async fn set_step_status(
        &self,
        actor: &Actor,
        id: &EntityId,
        step: &EntityId,
        input: StatusInput,
    ) -> Result<Step, DomainError> {
        let status = StepStatus::parse(&input.status)?;
        let (row, _) = self.open_case_row(actor, id).await?;
        let s = case_step::Entity::find_by_id((actor.tenant.to_string(), step.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "step" })?;
        // The step must belong to a goal of this case.
        self.goal_of(actor, &row.part.id, &EntityId::parse(&s.goal_id)?)
            .await
            .map_err(|_| DomainError::NotFound { entity: "step" })?;
        let old = s.status.clone();
        let mut am: case_step::ActiveModel = s.into();
        am.status = Set(status.as_str().to_owned());
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.update(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "case_step", &m.id)
                .of_person(&row.part.person_id)
                .changes(serde_json::json!({"status": [old, status.as_str()]})),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Step { id: m.id, title: m.title, owner: m.owner, due_date: m.due_date, status: m.status })
    }

    // -------------------------------------------------------------- implementation

    /// Refers the case to an offer or an agency.
    pub async fn add_referral(
        &self,
        actor: &Actor,
        id: &EntityId,
        input: ReferralInput,
    ) -> Result<Referral, DomainError> {
        let (row, _) = self.open_case_row(actor, id).await?;
        let date = case_date("date", input.date, row.part.entry_date)?;
        let agency = text::clean_opt("agency", input.agency.as_deref(), 300)?;
        let n = note("note", input.note.as_deref())?;
        match (&input.offer_id, &agency) {
            (None, None) => {
                return Err(DomainError::invalid(
                    "offer_id",
                    "Bitte ein Angebot („offer_id“) oder eine Stelle („agency“) angeben.",
                    "Give an offer (\"offer_id\") or an agency (\"agency\").",
                ));
            }
            (Some(o), _) => {
                offer::Entity::find_by_id((actor.tenant.to_string(), o.to_string()))
                    .one(&self.db)
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| {
                        DomainError::invalid(
                            "offer_id",
                            format!("Das Angebot „{o}“ gibt es in diesem Mandanten nicht."),
                            format!("There is no offer \"{o}\" in this tenant."),
                        )
                    })?;
            }
            _ => {}
        }
        let status = input.status.unwrap_or(ReferralStatus::Proposed);
        let rid = new_id("ref");
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = referral::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(rid.clone()),
            participation_id: Set(row.part.id.clone()),
            date: Set(date),
            author: Set(actor.login.to_string()),
            created_at: Set(Utc::now()),
            offer_id: Set(input.offer_id.as_ref().map(|o| o.to_string())),
            agency: Set(agency),
            status: Set(status.as_str().to_owned()),
            note: Set(n),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "referral", &rid).of_person(&row.part.person_id).changes(
                serde_json::json!({"case": row.part.id, "offer_id": m.offer_id, "agency": m.agency, "status": m.status, "note": m.note}),
            ),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Referral {
            id: m.id,
            date: m.date,
            author: m.author,
            offer_id: m.offer_id,
            agency: m.agency,
            status: m.status,
            note: m.note,
        })
    }

    /// Sets a referral's status (proposed | accepted | started | declined | completed).
    pub async fn set_referral_status(
        &self,
        actor: &Actor,
        id: &EntityId,
        referral_id: &EntityId,
        input: StatusInput,
    ) -> Result<Referral, DomainError> {
        let status = ReferralStatus::parse(&input.status)?;
        let (row, _) = self.open_case_row(actor, id).await?;
        let r = referral::Entity::find_by_id((actor.tenant.to_string(), referral_id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|r| r.participation_id == row.part.id)
            .ok_or(DomainError::NotFound { entity: "referral" })?;
        let old = r.status.clone();
        let mut am: referral::ActiveModel = r.into();
        am.status = Set(status.as_str().to_owned());
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.update(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "referral", &m.id)
                .of_person(&row.part.person_id)
                .changes(serde_json::json!({"status": [old, status.as_str()]})),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Referral {
            id: m.id,
            date: m.date,
            author: m.author,
            offer_id: m.offer_id,
            agency: m.agency,
            status: m.status,
            note: m.note,
        })
    }

    /// Records a contact with the person (meeting, phone, outreach, home
    /// visit, accompaniment) with its duration.
    pub async fn add_contact(&self, actor: &Actor, id: &EntityId, input: ContactInput) -> Result<Contact, DomainError> {
        let (row, _) = self.open_case_row(actor, id).await?;
        let date = case_date("date", input.date, row.part.entry_date)?;
        if !(1..=24 * 60).contains(&input.minutes) {
            return Err(DomainError::invalid(
                "minutes",
                format!("{} Minuten: die Dauer liegt zwischen 1 und 1440 Minuten.", input.minutes),
                format!("{} minutes: the duration is between 1 and 1440 minutes.", input.minutes),
            ));
        }
        let n = note("note", input.note.as_deref())?;
        let cid = new_id("ct");
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = case_contact::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(cid.clone()),
            participation_id: Set(row.part.id.clone()),
            date: Set(date),
            author: Set(actor.login.to_string()),
            created_at: Set(Utc::now()),
            kind: Set(input.kind.as_str().to_owned()),
            minutes: Set(input.minutes),
            note: Set(n),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "case_contact", &cid).of_person(&row.part.person_id).changes(
                serde_json::json!({"case": row.part.id, "type": m.kind, "date": date, "minutes": m.minutes, "note": m.note}),
            ),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Contact { id: m.id, date: m.date, author: m.author, kind: m.kind, minutes: m.minutes, note: m.note })
    }

    /// Records a case conference with its participants and outcome.
    pub async fn add_conference(
        &self,
        actor: &Actor,
        id: &EntityId,
        input: ConferenceInput,
    ) -> Result<Conference, DomainError> {
        let (row, _) = self.open_case_row(actor, id).await?;
        let date = case_date("date", input.date, row.part.entry_date)?;
        let participants = text::clean_paragraphs("participants", Some(&input.participants), NOTE_MAX)?
            .ok_or_else(|| DomainError::invalid("participants", "darf nicht leer sein.", "must not be empty."))?;
        let outcome = text::clean_paragraphs("outcome", Some(&input.outcome), NOTE_MAX)?
            .ok_or_else(|| DomainError::invalid("outcome", "darf nicht leer sein.", "must not be empty."))?;
        let cid = new_id("conf");
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = case_conference::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(cid.clone()),
            participation_id: Set(row.part.id.clone()),
            date: Set(date),
            author: Set(actor.login.to_string()),
            created_at: Set(Utc::now()),
            participants: Set(participants),
            outcome: Set(outcome),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "case_conference", &cid).of_person(&row.part.person_id).changes(
                serde_json::json!({"case": row.part.id, "date": date, "participants": m.participants, "outcome": m.outcome}),
            ),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Conference { id: m.id, date: m.date, author: m.author, participants: m.participants, outcome: m.outcome })
    }

    // -------------------------------------------------------------- closure

    /// Closes a case: the participation's exit, the outcome at exit, the
    /// closure phase and the reminder of the six-month follow-up, in one
    /// transaction.
    pub async fn close_case(&self, actor: &Actor, id: &EntityId, input: CloseInput) -> Result<Case, DomainError> {
        let row = self.case_row(actor, id, Action::Update).await?;
        let tenant = actor.tenant.as_str();
        let h = history(&self.db, tenant, &row.part.id).await?;
        let (from, since) = current_phase(&h, row.part.exit_date);
        // What closure needs is what the body gives: the domain names what is missing.
        let mut f = facts(&self.db, tenant, &row.part).await?;
        f.exit_date = input.exit_date;
        f.exit_reason = input.exit_reason.is_some();
        f.at_exit_outcome = input.outcome.is_some();
        check_transition(from, Phase::Closure, &f)?;
        let (Some(exit), Some(reason), Some(kind)) = (input.exit_date, input.exit_reason, input.outcome) else {
            unreachable!("checked by the domain")
        };
        let exit = not_before_entry("exit_date", not_future("exit_date", exit)?, row.part.entry_date)?;
        if let Some(s) = since.filter(|s| exit < *s) {
            return Err(DomainError::invalid(
                "exit_date",
                format!("{exit} liegt vor dem Beginn der aktuellen Phase ({s})."),
                format!("{exit} is before the current phase began ({s})."),
            ));
        }
        let n = note("note", input.note.as_deref())?;
        let due = follow_up_due(exit);
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let mut am: participation::ActiveModel = row.part.clone().into();
        am.exit_date = Set(Some(exit));
        am.exit_reason = Set(Some(reason.as_str().to_owned()));
        am.update(&txn).await.map_err(db_err)?;
        let oid = new_id("out");
        outcome::ActiveModel {
            tenant_id: Set(tenant.to_owned()),
            id: Set(oid.clone()),
            participation_id: Set(row.part.id.clone()),
            kind: Set(kind.as_str().to_owned()),
            date: Set(exit),
            timing: Set("at_exit".into()),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        follow_up_reminder::ActiveModel {
            tenant_id: Set(tenant.to_owned()),
            participation_id: Set(row.part.id.clone()),
            due_date: Set(due),
            done: Set(false),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "case", &row.part.id).of_person(&row.part.person_id).changes(
                serde_json::json!({"exit_date": exit, "exit_reason": reason.as_str(), "outcome": kind.as_str(), "follow_up_due": due}),
            ),
        )
        .await?;
        self.add_phase(&txn, actor, &row.part, Phase::Closure, exit, n).await?;
        txn.commit().await.map_err(db_err)?;
        self.case(actor, id).await
    }

    /// Records the six-month follow-up outcome of a closed case; the
    /// reminder is done.
    pub async fn record_follow_up(
        &self,
        actor: &Actor,
        id: &EntityId,
        input: FollowUpInput,
    ) -> Result<Case, DomainError> {
        let row = self.case_row(actor, id, Action::Update).await?;
        let tenant = actor.tenant.as_str();
        let Some(exit) = row.part.exit_date else {
            return Err(DomainError::invalid(
                "outcome",
                "Das Ergebnis nach sechs Monaten wird erst nach dem Abschluss des Falls erfasst.",
                "The six-month outcome is recorded after the case is closed.",
            ));
        };
        let date = not_future("date", input.date.unwrap_or_else(today))?;
        if date < exit {
            return Err(DomainError::invalid(
                "date",
                format!("{date} liegt vor dem Austritt ({exit})."),
                format!("{date} is before the exit ({exit})."),
            ));
        }
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        outcome::ActiveModel {
            tenant_id: Set(tenant.to_owned()),
            id: Set(new_id("out")),
            participation_id: Set(row.part.id.clone()),
            kind: Set(input.outcome.as_str().to_owned()),
            date: Set(date),
            timing: Set("follow_up_6m".into()),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        follow_up_reminder::Entity::update_many()
            .col_expr(follow_up_reminder::Column::Done, Expr::value(true))
            .filter(follow_up_reminder::Column::TenantId.eq(tenant))
            .filter(follow_up_reminder::Column::ParticipationId.eq(&row.part.id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "outcome", &row.part.id)
                .of_person(&row.part.person_id)
                .changes(serde_json::json!({"timing": "follow_up_6m", "kind": input.outcome.as_str(), "date": date})),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        self.case(actor, id).await
    }

    /// The follow-up reminders due by `until` (default today) and not done,
    /// of the cases the actor may see; most overdue first.
    /// Open steps of the actor's cases due on or before `until`, earliest
    /// first: what a case manager's start page shows as due.
    pub async fn due_steps(&self, actor: &Actor, until: NaiveDate) -> Result<Vec<DueStep>, DomainError> {
        let scope = person_scope(actor)?;
        let tenant = actor.tenant.as_str();
        let steps = case_step::Entity::find()
            .filter(case_step::Column::TenantId.eq(tenant))
            .filter(case_step::Column::Status.eq("open"))
            .filter(case_step::Column::DueDate.lte(until))
            .order_by_asc(case_step::Column::DueDate)
            .order_by_asc(case_step::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let goals: HashMap<String, case_goal::Model> = case_goal::Entity::find()
            .filter(case_goal::Column::TenantId.eq(tenant))
            .filter(case_goal::Column::Id.is_in(steps.iter().map(|s| s.goal_id.clone())))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|g| (g.id.clone(), g))
            .collect();
        let (parts, providers) =
            cases_with_providers(&self.db, tenant, goals.values().map(|g| g.participation_id.clone())).await?;
        Ok(steps
            .into_iter()
            .filter_map(|st| {
                let g = goals.get(&st.goal_id)?;
                let p = parts.get(&g.participation_id)?;
                let provider = EntityId::parse(providers.get(&p.person_id)?).ok()?;
                let due_date = st.due_date?;
                (scope.admits(&provider) && p.exit_date.is_none()).then(|| DueStep {
                    case_id: p.id.clone(),
                    goal: g.title.clone(),
                    step: st.title,
                    owner: st.owner,
                    due_date,
                })
            })
            .collect())
    }

    pub async fn follow_up_reminders(
        &self,
        actor: &Actor,
        until: Option<NaiveDate>,
    ) -> Result<Vec<Reminder>, DomainError> {
        let scope = person_scope(actor)?;
        let tenant = actor.tenant.as_str();
        let until = until.unwrap_or_else(today);
        let reminders = follow_up_reminder::Entity::find()
            .filter(follow_up_reminder::Column::TenantId.eq(tenant))
            .filter(follow_up_reminder::Column::Done.eq(false))
            .filter(follow_up_reminder::Column::DueDate.lte(until))
            .order_by_asc(follow_up_reminder::Column::DueDate)
            .order_by_asc(follow_up_reminder::Column::ParticipationId)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut out = vec![];
        for chunk in reminders.chunks(500) {
            let (parts, providers) =
                cases_with_providers(&self.db, tenant, chunk.iter().map(|r| r.participation_id.clone())).await?;
            for r in chunk {
                let Some(p) = parts.get(&r.participation_id) else { continue };
                let admitted = providers
                    .get(&p.person_id)
                    .and_then(|pr| EntityId::parse(pr).ok())
                    .is_some_and(|pr| scope.admits(&pr));
                if admitted {
                    out.push(Reminder {
                        case_id: p.id.clone(),
                        person_id: p.person_id.clone(),
                        staff_id: p.staff_id.clone(),
                        exit_date: p.exit_date.unwrap_or(r.due_date),
                        due_date: r.due_date,
                        done: r.done,
                    });
                }
            }
        }
        if !out.is_empty() {
            let ids: Vec<&str> = out.iter().map(|r| r.case_id.as_str()).collect();
            self.record_read(
                actor,
                Event::new(AuditAction::Read, "follow_up_reminder", "list").changes(serde_json::json!({"ids": ids})),
            )
            .await?;
        }
        Ok(out)
    }
}

// ------------------------------------------------------------------ documents

/// The largest document a case keeps.
pub const DOCUMENT_LIMIT: usize = 10 * 1024 * 1024;

/// The error for a document over [`DOCUMENT_LIMIT`].
pub fn document_too_large() -> DomainError {
    DomainError::invalid(
        "file",
        format!("Das Dokument ist zu groß (höchstens {} MiB).", DOCUMENT_LIMIT / 1024 / 1024),
        format!("The document is too large (at most {} MiB).", DOCUMENT_LIMIT / 1024 / 1024),
    )
}

/// A content type as `type/subtype` (parameters such as a charset kept);
/// anything else is stored as `application/octet-stream`.
fn content_type(raw: Option<&str>) -> String {
    let ok = |s: &str| {
        let essence = s.split(';').next().unwrap_or_default().trim();
        let mut parts = essence.splitn(2, '/');
        let valid = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c)))
        };
        s.len() <= 128
            && s.is_ascii()
            && !s.chars().any(|c| c.is_ascii_control())
            && valid(parts.next())
            && valid(parts.next())
    };
    match raw.map(str::trim) {
        Some(s) if ok(s) => s.to_ascii_lowercase(),
        _ => "application/octet-stream".into(),
    }
}

impl Lotse {
    /// Attaches a document to an open case. The bytes are kept in the
    /// database and go with the case.
    pub async fn upload_document(
        &self,
        actor: &Actor,
        id: &EntityId,
        file_name: &str,
        content_type_raw: Option<&str>,
        content: Vec<u8>,
    ) -> Result<DocumentInfo, DomainError> {
        let (row, _) = self.open_case_row(actor, id).await?;
        let base = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
        let file_name = required("file_name", Some(base), 200)?;
        if content.len() > DOCUMENT_LIMIT {
            return Err(document_too_large());
        }
        if content.is_empty() {
            return Err(DomainError::invalid("file", "Das Dokument ist leer.", "The document is empty."));
        }
        let ct = content_type(content_type_raw);
        let did = new_id("doc");
        let size = content.len() as i64;
        let date = today();
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        case_document::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(did.clone()),
            participation_id: Set(row.part.id.clone()),
            date: Set(date),
            author: Set(actor.login.to_string()),
            created_at: Set(Utc::now()),
            file_name: Set(file_name.clone()),
            content_type: Set(ct.clone()),
            size: Set(size),
            content: Set(content),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "case_document", &did).of_person(&row.part.person_id).changes(
                serde_json::json!({"case": row.part.id, "file_name": file_name, "content_type": ct, "size": size}),
            ),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(DocumentInfo {
            id: did,
            file_name,
            content_type: ct,
            size,
            uploaded_on: date,
            uploaded_by: actor.login.to_string(),
        })
    }

    /// The documents of a case (without their bytes).
    pub async fn documents(&self, actor: &Actor, id: &EntityId) -> Result<Vec<DocumentInfo>, DomainError> {
        let row = self.case_row(actor, id, Action::Read).await?;
        let docs = self.documents_of(&self.db, actor.tenant.as_str(), &row.part.id).await?;
        self.record_read(
            actor,
            Event::new(AuditAction::Read, "case_document", &row.part.id).of_person(&row.part.person_id),
        )
        .await?;
        Ok(docs)
    }

    async fn document_row(
        &self,
        actor: &Actor,
        case: &str,
        doc: &EntityId,
    ) -> Result<case_document::Model, DomainError> {
        case_document::Entity::find_by_id((actor.tenant.to_string(), doc.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|d| d.participation_id == case)
            .ok_or(DomainError::NotFound { entity: "document" })
    }

    /// A document's bytes; the download is recorded.
    pub async fn document(&self, actor: &Actor, id: &EntityId, doc: &EntityId) -> Result<DocumentFile, DomainError> {
        let row = self.case_row(actor, id, Action::Read).await?;
        let d = self.document_row(actor, &row.part.id, doc).await?;
        self.record_read(actor, Event::new(AuditAction::Read, "case_document", &d.id).of_person(&row.part.person_id))
            .await?;
        Ok(DocumentFile { file_name: d.file_name, content_type: d.content_type, content: d.content })
    }

    /// Deletes a document of an open case.
    pub async fn delete_document(&self, actor: &Actor, id: &EntityId, doc: &EntityId) -> Result<(), DomainError> {
        let (row, _) = self.open_case_row(actor, id).await?;
        let d = self.document_row(actor, &row.part.id, doc).await?;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        case_document::Entity::delete_by_id((actor.tenant.to_string(), d.id.clone()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Delete, "case_document", &d.id)
                .of_person(&row.part.person_id)
                .changes(serde_json::json!({"case": row.part.id, "file_name": d.file_name})),
        )
        .await?;
        txn.commit().await.map_err(db_err)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_types_are_checked() {
        assert_eq!(super::content_type(Some("application/pdf")), "application/pdf");
        assert_eq!(super::content_type(Some("Text/Plain; charset=utf-8")), "text/plain; charset=utf-8");
        assert_eq!(super::content_type(Some("pdf")), "application/octet-stream");
        assert_eq!(super::content_type(Some("text/html\r\nX-Evil: 1")), "application/octet-stream");
        assert_eq!(super::content_type(None), "application/octet-stream");
    }
}

// ------------------------------------------------------------------ outreach

/// An anonymous outreach contact before registration: counted, with no
/// personal data at all.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutreachInput {
    #[schema(value_type = Option<String>)]
    pub date: Option<NaiveDate>,
    /// Where (a square, a youth club, a street) — never a name.
    pub place: String,
    #[schema(value_type = Option<String>)]
    pub district_id: Option<EntityId>,
    /// How many people were reached.
    pub people: i32,
    /// work_training | school | language | housing | health | residence | money | family | leisure | other
    #[schema(value_type = String, example = "housing")]
    pub topic: lotse_domain::case::OutreachTopic,
    /// Whose outreach: case managers record their provider's (the default);
    /// coordinators any provider's or, left out, the department's own.
    #[schema(value_type = Option<String>)]
    pub provider_id: Option<EntityId>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutreachContact {
    pub id: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub place: String,
    pub district_id: Option<String>,
    pub people: i32,
    pub topic: String,
    pub provider_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutreachCount {
    /// District or topic code (None: contacts without a district).
    pub key: Option<String>,
    pub label: String,
    pub contacts: i64,
    pub people: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutreachCounts {
    pub year: i32,
    pub contacts: i64,
    pub people: i64,
    pub by_district: Vec<OutreachCount>,
    pub by_topic: Vec<OutreachCount>,
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutreachQuery {
    pub year: i32,
}

impl Lotse {
    /// Records an anonymous outreach contact.
    pub async fn record_outreach(&self, actor: &Actor, input: OutreachInput) -> Result<OutreachContact, DomainError> {
        use lotse_db::entity::{district, outreach_contact, provider};
        let provider_id = input.provider_id.clone().or_else(|| actor.provider.clone());
        authorize(actor, Action::Create, &Resource::Outreach { provider: provider_id.as_ref() })?;
        let tenant = actor.tenant.to_string();
        let date = not_future("date", input.date.unwrap_or_else(today))?;
        let place = required("place", Some(&input.place), 200)?;
        if !(1..=10_000).contains(&input.people) {
            return Err(DomainError::invalid(
                "people",
                format!("{}: die Zahl der erreichten Menschen liegt zwischen 1 und 10000.", input.people),
                format!("{}: the number of people reached is between 1 and 10000.", input.people),
            ));
        }
        if let Some(p) = &provider_id
            && provider::Entity::find_by_id((tenant.clone(), p.to_string()))
                .one(&self.db)
                .await
                .map_err(db_err)?
                .is_none()
        {
            return Err(DomainError::invalid(
                "provider_id",
                format!("Den Träger „{p}“ gibt es in diesem Mandanten nicht."),
                format!("There is no provider \"{p}\" in this tenant."),
            ));
        }
        if let Some(d) = &input.district_id
            && district::Entity::find_by_id((tenant.clone(), d.to_string()))
                .one(&self.db)
                .await
                .map_err(db_err)?
                .is_none()
        {
            return Err(DomainError::invalid(
                "district_id",
                format!("Den Sozialraum „{d}“ gibt es in diesem Mandanten nicht."),
                format!("There is no district \"{d}\" in this tenant."),
            ));
        }
        let oid = new_id("or");
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = outreach_contact::ActiveModel {
            tenant_id: Set(tenant),
            id: Set(oid.clone()),
            provider_id: Set(provider_id.map(EntityId::into_string)),
            date: Set(date),
            place: Set(place),
            district_id: Set(input.district_id.map(EntityId::into_string)),
            people: Set(input.people),
            topic: Set(input.topic.as_str().to_owned()),
            author: Set(actor.login.to_string()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "outreach_contact", &oid).changes(serde_json::json!({
                "date": m.date, "place": m.place, "district_id": m.district_id, "people": m.people,
                "topic": m.topic, "provider_id": m.provider_id
            })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(OutreachContact {
            id: m.id,
            date: m.date,
            place: m.place,
            district_id: m.district_id,
            people: m.people,
            topic: m.topic,
            provider_id: m.provider_id,
        })
    }

    /// Outreach contacts of a year counted by district and by topic
    /// (provider staff: their provider's).
    pub async fn outreach_counts(&self, actor: &Actor, year: i32) -> Result<OutreachCounts, DomainError> {
        use lotse_db::entity::{district, outreach_contact};
        use lotse_domain::case::OutreachTopic;
        authorize(actor, Action::Read, &Resource::Outreach { provider: actor.provider.as_ref() })?;
        let scope = lotse_domain::authz::report_scope(actor)?;
        let tenant = actor.tenant.as_str();
        let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        else {
            return Err(DomainError::invalid("year", format!("{year} ist kein Jahr."), format!("{year} is no year.")));
        };
        let mut q = outreach_contact::Entity::find()
            .filter(outreach_contact::Column::TenantId.eq(tenant))
            .filter(outreach_contact::Column::Date.between(from, to));
        if let PersonScope::Provider(p) = &scope {
            q = q.filter(outreach_contact::Column::ProviderId.eq(p.as_str()));
        }
        let rows = q.all(&self.db).await.map_err(db_err)?;
        let names: HashMap<String, String> = district::Entity::find()
            .filter(district::Column::TenantId.eq(tenant))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let mut by_district: BTreeMap<Option<String>, (i64, i64)> = BTreeMap::new();
        let mut by_topic: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for r in &rows {
            let e = by_district.entry(r.district_id.clone()).or_default();
            e.0 += 1;
            e.1 += i64::from(r.people);
            let e = by_topic.entry(r.topic.clone()).or_default();
            e.0 += 1;
            e.1 += i64::from(r.people);
        }
        let by_district = by_district
            .into_iter()
            .map(|(k, (contacts, people))| OutreachCount {
                label: match &k {
                    Some(d) => names.get(d).cloned().unwrap_or_else(|| d.clone()),
                    None => "ohne Sozialraum".into(),
                },
                key: k,
                contacts,
                people,
            })
            .collect();
        let by_topic = OutreachTopic::ALL
            .iter()
            .filter_map(|t| {
                by_topic.get(t.as_str()).map(|(contacts, people)| OutreachCount {
                    key: Some(t.as_str().to_owned()),
                    label: t.label_de().to_owned(),
                    contacts: *contacts,
                    people: *people,
                })
            })
            .collect();
        Ok(OutreachCounts {
            year,
            contacts: rows.len() as i64,
            people: rows.iter().map(|r| i64::from(r.people)).sum(),
            by_district,
            by_topic,
        })
    }
}

// ------------------------------------------------------------------ agreement

/// What the printed plan agreement (Vereinbarung) shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Agreement {
    pub case_id: String,
    /// Given and family name as recorded (may be empty for a pseudonymous record).
    pub person_name: String,
    #[schema(value_type = Option<String>)]
    pub birth_date: Option<NaiveDate>,
    pub provider_name: String,
    pub offer_name: String,
    pub staff_name: Option<String>,
    #[schema(value_type = String)]
    pub entry_date: NaiveDate,
    /// The day it is printed.
    #[schema(value_type = String)]
    pub date: NaiveDate,
    /// The goals that are not dropped, with their steps that are not dropped.
    pub goals: Vec<Goal>,
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn de_date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

fn status_de(s: &str) -> &'static str {
    StepStatus::parse(s).map(StepStatus::label_de).unwrap_or("")
}

/// Where the agreement's stylesheet is served (the content security policy
/// allows no inline styles).
pub const AGREEMENT_CSS_PATH: &str = "/api/v1/print/agreement.css";

/// The agreement's print stylesheet.
pub const AGREEMENT_CSS: &str = r#"
  body { font-family: "Liberation Sans", Arial, sans-serif; font-size: 11pt; line-height: 1.4; margin: 2cm; color: #000; }
  h1 { font-size: 16pt; margin: 0 0 .3em; }
  h2 { font-size: 12pt; margin: 1.2em 0 .3em; }
  .meta { margin: 0 0 1.5em; }
  .meta td { padding: .1em 1em .1em 0; vertical-align: top; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25em .4em; }
  .goal table th, .goal table td { border: 1px solid #444; }
  .goal { break-inside: avoid; }
  .signatures { display: flex; gap: 2cm; margin-top: 3em; break-inside: avoid; }
  .signature { flex: 1; }
  .line { border-top: 1px solid #000; margin-top: 2.5em; padding-top: .2em; font-size: 9pt; }
  .note { font-size: 9pt; margin-top: 2em; }
  @page { size: A4; margin: 2cm; }
  @media print { body { margin: 0; } .noprint { display: none; } }
"#;

/// The agreement as a printable German HTML page (one A4 page per plan in
/// the usual case; print CSS, signature lines for the person and the case
/// manager). Every value is escaped.
pub fn agreement_html(a: &Agreement) -> String {
    let mut goals = String::new();
    if a.goals.is_empty() {
        goals.push_str("<p class=\"empty\">Es sind noch keine Ziele vereinbart.</p>\n");
    }
    for (i, g) in a.goals.iter().enumerate() {
        goals.push_str(&format!("<section class=\"goal\">\n<h2>Ziel {}: {}</h2>\n", i + 1, esc(&g.title)));
        if let Some(d) = &g.description {
            goals.push_str(&format!("<p>{}</p>\n", esc(d).replace('\n', "<br>")));
        }
        if g.steps.is_empty() {
            goals.push_str("<p class=\"empty\">Noch keine Schritte vereinbart.</p>\n");
        } else {
            goals.push_str(
                "<table>\n<thead><tr><th>Schritt</th><th>Wer</th><th>Bis wann</th><th>Stand</th></tr></thead>\n<tbody>\n",
            );
            for s in &g.steps {
                goals.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    esc(&s.title),
                    esc(s.owner.as_deref().unwrap_or("")),
                    s.due_date.map(de_date).unwrap_or_default(),
                    status_de(&s.status)
                ));
            }
            goals.push_str("</tbody>\n</table>\n");
        }
        goals.push_str("</section>\n");
    }
    let born = a.birth_date.map(|d| format!(", geboren am {}", de_date(d))).unwrap_or_default();
    let staff = a.staff_name.as_deref().map(esc).unwrap_or_default();
    format!(
        r#"<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>Vereinbarung zur Zusammenarbeit – {person}</title>
<link rel="stylesheet" href="{css_href}">
</head>
<body>
<p class="noprint">Zum Drucken: Strg+P (Mac: ⌘+P).</p>
<h1>Vereinbarung zur Zusammenarbeit</h1>
<p>Hilfeplan im Fallmanagement</p>
<table class="meta">
<tr><td>zwischen</td><td><strong>{person}</strong>{born}</td></tr>
<tr><td>und</td><td>{provider}, vertreten durch {staff}</td></tr>
<tr><td>Angebot</td><td>{offer} (seit {entry})</td></tr>
<tr><td>Stand</td><td>{date}</td></tr>
</table>
<p>Wir vereinbaren die folgenden Ziele und die Schritte dorthin. Wir sprechen regelmäßig darüber, was erreicht ist, und passen die Vereinbarung gemeinsam an.</p>
{goals}<div class="signatures">
<div class="signature"><div class="line">Ort, Datum, Unterschrift {person}</div></div>
<div class="signature"><div class="line">Ort, Datum, Unterschrift {staff_sig}</div></div>
</div>
<p class="note">Die Teilnahme ist freiwillig. Diese Vereinbarung kann jederzeit gemeinsam geändert werden. Ihre Daten werden nur für die Unterstützung im Fallmanagement verarbeitet.</p>
<p class="noprint"><a href="/barrierefreiheit">Erklärung zur Barrierefreiheit</a></p>
</body>
</html>
"#,
        person = esc(&a.person_name),
        born = born,
        provider = esc(&a.provider_name),
        staff = if staff.is_empty() { "die zuständige Fachkraft".into() } else { staff.clone() },
        staff_sig = if staff.is_empty() { "Fachkraft".into() } else { staff },
        offer = esc(&a.offer_name),
        entry = de_date(a.entry_date),
        date = de_date(a.date),
        goals = goals,
        css_href = AGREEMENT_CSS_PATH,
    )
}

impl Lotse {
    /// The plan agreement of a case, to print and sign. The read is recorded.
    pub async fn agreement(&self, actor: &Actor, id: &EntityId) -> Result<Agreement, DomainError> {
        use lotse_db::entity::provider;
        let case = self.case(actor, id).await?;
        let tenant = actor.tenant.to_string();
        let person = person::Entity::find_by_id((tenant.clone(), case.summary.person_id.clone()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(not_found)?;
        let provider_name = provider::Entity::find_by_id((tenant.clone(), case.provider_id.clone()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(|p| p.name)
            .unwrap_or_else(|| case.provider_id.clone());
        let staff_name = match &case.summary.staff_id {
            Some(s) => {
                staff::Entity::find_by_id((tenant, s.clone())).one(&self.db).await.map_err(db_err)?.map(|s| s.name)
            }
            None => None,
        };
        self.record_read(
            actor,
            Event::new(AuditAction::Read, "case_agreement", &case.summary.id).of_person(&person.id),
        )
        .await?;
        let dropped = StepStatus::Dropped.as_str();
        let goals = case
            .goals
            .into_iter()
            .filter(|g| g.status != dropped)
            .map(|mut g| {
                g.steps.retain(|s| s.status != dropped);
                g
            })
            .collect();
        Ok(Agreement {
            case_id: case.summary.id,
            person_name: [person.given_name, person.family_name].into_iter().flatten().collect::<Vec<_>>().join(" "),
            birth_date: person.birth_date,
            provider_name,
            offer_name: case.offer_name,
            staff_name,
            entry_date: case.summary.entry_date,
            date: today(),
            goals,
        })
    }
}

/// The participations with these ids, and the provider of each one's person
/// (person id → provider id): what scoping a list of case items needs.
async fn cases_with_providers(
    db: &impl sea_orm::ConnectionTrait,
    tenant: &str,
    ids: impl Iterator<Item = String>,
) -> Result<(HashMap<String, participation::Model>, HashMap<String, String>), DomainError> {
    let parts: HashMap<String, participation::Model> = participation::Entity::find()
        .filter(participation::Column::TenantId.eq(tenant))
        .filter(participation::Column::Id.is_in(ids))
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let providers: HashMap<String, String> = person::Entity::find()
        .select_only()
        .columns([person::Column::Id, person::Column::ProviderId])
        .filter(person::Column::TenantId.eq(tenant))
        .filter(person::Column::Id.is_in(parts.values().map(|p| p.person_id.clone())))
        .into_tuple::<(String, String)>()
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .collect();
    Ok((parts, providers))
}
