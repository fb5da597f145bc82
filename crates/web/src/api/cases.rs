//! Case management: cases (individual participations) through the phases
//! of the cycle, their plan, contacts, referrals, conferences and closure;
//! waiting lists and follow-up reminders. Thin: each handler is one call
//! into `lotse_service::cases`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use lotse_service::cases::{
    Assessment, AssessmentInput, AssessmentProgress, Case, CaseQuery, CaseSummary, CloseInput, Conference,
    ConferenceInput, Contact, ContactInput, FollowUpInput, Goal, GoalInput, IntakeInput, OpenCase, Opened, PhaseInput,
    Referral, ReferralInput, Reminder, ReminderQuery, StatusInput, Step, StepInput, WaitingEntry,
};
use lotse_service::page::Page;

use super::{created, path_id};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, Json, JsonOut, Query};

/// The cases the caller may see (case managers: their provider's), newest first; filter by case manager (`staff`) and current `phase`. Paged; the ids read are recorded.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery), responses((status = 200, body = Page<CaseSummary>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<CaseQuery>,
) -> Result<JsonOut<Page<CaseSummary>>, ApiError> {
    s.lotse.cases(&a, q).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Opens a case: enrols a person in an individual offer and starts the intake phase. An offer at its capacity refuses (409) unless `waiting_list` is true: then the person is put on the offer's waiting list.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = OpenCase, responses((status = 201, body = Opened), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn open(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Json(b): Json<OpenCase>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    s.lotse.open_case(&a, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// A case with everything recorded about it (recorded in the audit trail). Heads of department need `X-Lotse-Break-Glass`.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)), responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Case>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.case(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records (or corrects) the intake: the way in and whether case management is indicated. In the intake phase only.
#[utoipa::path(post, path = "/api/v1/cases/{id}/intake", tag = "cases", params(("id" = String, Path)), request_body = IntakeInput, responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn intake(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<IntakeInput>,
) -> Result<JsonOut<Case>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.record_intake(&a, &id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Moves a case to the next phase (monitoring may go back to implementation). Refused (422) with a message naming what the phase requires.
#[utoipa::path(post, path = "/api/v1/cases/{id}/phase", tag = "cases", params(("id" = String, Path)), request_body = PhaseInput, responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn move_phase(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<PhaseInput>,
) -> Result<JsonOut<Case>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.move_phase(&a, &id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// The assessments of a case and each life domain's ratings over time.
#[utoipa::path(get, path = "/api/v1/cases/{id}/assessments", tag = "cases", params(("id" = String, Path)), responses((status = 200, body = AssessmentProgress), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn assessments(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<AssessmentProgress>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.assessment_progress(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records an assessment of the life domains (1 great need … 5 no need). Repeatable, from the assessment phase on.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assessments", tag = "cases", params(("id" = String, Path)), request_body = AssessmentInput, responses((status = 201, body = Assessment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assess(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<AssessmentInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.record_assessment(&a, &id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Adds a goal with its first interim steps to the plan (from the planning phase on).
#[utoipa::path(post, path = "/api/v1/cases/{id}/goals", tag = "cases", params(("id" = String, Path)), request_body = GoalInput, responses((status = 201, body = Goal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_goal(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<GoalInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.add_goal(&a, &id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Sets a goal's status: open | done | dropped.
#[utoipa::path(put, path = "/api/v1/cases/{id}/goals/{goal_id}", tag = "cases", params(("id" = String, Path), ("goal_id" = String, Path)), request_body = StatusInput, responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn goal_status(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, goal_id)): Path<(String, String)>,
    Json(b): Json<StatusInput>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, "case", lang)?;
    let goal_id = path_id(&goal_id, "goal", lang)?;
    s.lotse
        .set_goal_status(&a, &id, &goal_id, b)
        .await
        .map(|_| StatusCode::NO_CONTENT)
        .map_err(|e| ApiError::from_domain(e, lang))
}

/// Adds an interim step (owner, due date) to a goal.
#[utoipa::path(post, path = "/api/v1/cases/{id}/goals/{goal_id}/steps", tag = "cases", params(("id" = String, Path), ("goal_id" = String, Path)), request_body = StepInput, responses((status = 201, body = Step), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_step(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, goal_id)): Path<(String, String)>,
    Json(b): Json<StepInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    let goal_id = path_id(&goal_id, "goal", lang)?;
    s.lotse.add_step(&a, &id, &goal_id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Sets a step's status: open | done | dropped.
#[utoipa::path(put, path = "/api/v1/cases/{id}/steps/{step_id}", tag = "cases", params(("id" = String, Path), ("step_id" = String, Path)), request_body = StatusInput, responses((status = 200, body = Step), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step_status(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, step_id)): Path<(String, String)>,
    Json(b): Json<StatusInput>,
) -> Result<JsonOut<Step>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    let step_id = path_id(&step_id, "step", lang)?;
    s.lotse.set_step_status(&a, &id, &step_id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Refers the case to an offer or an agency.
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "cases", params(("id" = String, Path)), request_body = ReferralInput, responses((status = 201, body = Referral), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_referral(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<ReferralInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.add_referral(&a, &id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Sets a referral's status: proposed | accepted | started | declined | completed.
#[utoipa::path(put, path = "/api/v1/cases/{id}/referrals/{referral_id}", tag = "cases", params(("id" = String, Path), ("referral_id" = String, Path)), request_body = StatusInput, responses((status = 200, body = Referral), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn referral_status(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, referral_id)): Path<(String, String)>,
    Json(b): Json<StatusInput>,
) -> Result<JsonOut<Referral>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    let referral_id = path_id(&referral_id, "referral", lang)?;
    s.lotse.set_referral_status(&a, &id, &referral_id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records a contact: meeting, phone, outreach, home visit or accompaniment, with its duration in minutes.
#[utoipa::path(post, path = "/api/v1/cases/{id}/contacts", tag = "cases", params(("id" = String, Path)), request_body = ContactInput, responses((status = 201, body = Contact), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_contact(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<ContactInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.add_contact(&a, &id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records a case conference with its participants and outcome.
#[utoipa::path(post, path = "/api/v1/cases/{id}/conferences", tag = "cases", params(("id" = String, Path)), request_body = ConferenceInput, responses((status = 201, body = Conference), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_conference(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<ConferenceInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.add_conference(&a, &id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Closes a case: exit date, exit reason and the outcome at exit are required; schedules the reminder of the six-month follow-up.
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "cases", params(("id" = String, Path)), request_body = CloseInput, responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<CloseInput>,
) -> Result<JsonOut<Case>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.close_case(&a, &id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records the six-month follow-up outcome of a closed case; its reminder is done.
#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-up", tag = "cases", params(("id" = String, Path)), request_body = FollowUpInput, responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow_up(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<FollowUpInput>,
) -> Result<JsonOut<Case>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.record_follow_up(&a, &id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Follow-up reminders due (by `until`, default today) and not done, of the cases the caller may see.
#[utoipa::path(get, path = "/api/v1/reminders/follow-up", tag = "cases", params(ReminderQuery), responses((status = 200, body = Vec<Reminder>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reminders(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<ReminderQuery>,
) -> Result<JsonOut<Vec<Reminder>>, ApiError> {
    s.lotse.follow_up_reminders(&a, q.until).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// The persons waiting for a place in an individual offer, next in line first.
#[utoipa::path(get, path = "/api/v1/offers/{id}/waiting-list", tag = "cases", params(("id" = String, Path)), responses((status = 200, body = Vec<WaitingEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn waiting_list(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Vec<WaitingEntry>>, ApiError> {
    let id = path_id(&id, "offer", lang)?;
    s.lotse.waiting_list(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}
