//! Consent, handover, caseload and deputies, retention and the person's
//! export (Art. 15 GDPR). Thin: every decision is in lotse-service.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use lotse_service::caseload::{CaseView, Caseload, CaseloadQuery, DeputyInput, DeputyView, ReassignInput};
use lotse_service::consents::{ConsentInput, ConsentView, WithdrawInput};
use lotse_service::handover::{HandoverInput, HandoverQuery, HandoverView};
use lotse_service::page::Page;
use lotse_service::retention::RetentionRule;
use serde::Deserialize;

use super::{created, path_id};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, Json, JsonOut, Query};

/// Records a consent of the person.
#[utoipa::path(post, path = "/api/v1/persons/{id}/consents", tag = "rights", params(("id" = String, Path)),
    request_body = ConsentInput,
    responses((status = 201, body = ConsentView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_consent(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(input): Json<ConsentInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.record_consent(&a, &id, input).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// The person's consents, each with whether it holds today.
#[utoipa::path(get, path = "/api/v1/persons/{id}/consents", tag = "rights", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ConsentView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn consents(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Vec<ConsentView>>, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.consents(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Withdraws a consent from `withdrawn_date` on (not before it was given).
#[utoipa::path(post, path = "/api/v1/consents/{id}/withdraw", tag = "rights", params(("id" = String, Path)),
    request_body = WithdrawInput,
    responses((status = 200, body = ConsentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw_consent(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(input): Json<WithdrawInput>,
) -> Result<JsonOut<ConsentView>, ApiError> {
    let id = path_id(&id, "consent", lang)?;
    s.lotse.withdraw_consent(&a, &id, input).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FormQuery {
    /// Language tag of a form: de, en, ar, fa-AF (Dari), uk, tr, … (default de).
    pub lang: Option<String>,
    /// The person whose name is filled in.
    pub person: String,
}

/// The consent form with the information of Art. 13 GDPR as a printable HTML page.
#[utoipa::path(get, path = "/api/v1/consent-form", tag = "rights", params(FormQuery),
    responses((status = 200, content_type = "text/html"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn consent_form(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<FormQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&q.person, "person", lang)?;
    let html = s
        .lotse
        .consent_form(&a, &id, q.lang.as_deref().unwrap_or("de"))
        .await
        .map_err(|e| ApiError::from_domain(e, lang))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], html)
        .into_response())
}

/// Asks another provider to take the person over; refused (422) without
/// the person's consent to share with that provider.
#[utoipa::path(post, path = "/api/v1/persons/{id}/handover", tag = "rights", params(("id" = String, Path)),
    request_body = HandoverInput,
    responses((status = 201, body = HandoverView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_handover(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(input): Json<HandoverInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.request_handover(&a, &id, input).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Pending requests to the caller's provider (`?incoming`, the default) or those it sent (`?outgoing`), a page at a time, sorted.
#[utoipa::path(get, path = "/api/v1/handovers", tag = "rights", params(HandoverQuery),
    responses((status = 200, body = Page<HandoverView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn handovers(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<HandoverQuery>,
) -> Result<JsonOut<Page<HandoverView>>, ApiError> {
    s.lotse.handovers(&a, q).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Accepts a handover: the person moves to the caller's provider.
#[utoipa::path(post, path = "/api/v1/handovers/{id}/accept", tag = "rights", params(("id" = String, Path)),
    responses((status = 200, body = HandoverView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn accept_handover(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<HandoverView>, ApiError> {
    let id = path_id(&id, "handover", lang)?;
    s.lotse.accept_handover(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Declines a handover.
#[utoipa::path(post, path = "/api/v1/handovers/{id}/decline", tag = "rights", params(("id" = String, Path)),
    responses((status = 200, body = HandoverView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decline_handover(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<HandoverView>, ApiError> {
    let id = path_id(&id, "handover", lang)?;
    s.lotse.decline_handover(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Caseload per staff member on a day against the programme's target.
#[utoipa::path(get, path = "/api/v1/caseload", tag = "rights", params(CaseloadQuery),
    responses((status = 200, body = Caseload), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn caseload(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<CaseloadQuery>,
) -> Result<JsonOut<Caseload>, ApiError> {
    s.lotse.caseload(&a, q).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Gives a case to another staff member of the same provider.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reassign", tag = "rights", params(("id" = String, Path)),
    request_body = ReassignInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reassign(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(input): Json<ReassignInput>,
) -> Result<axum::http::StatusCode, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse
        .reassign_case(&a, &id, input)
        .await
        .map(|_| axum::http::StatusCode::NO_CONTENT)
        .map_err(|e| ApiError::from_domain(e, lang))
}

/// The open cases of a staff member: own ones, or a colleague's while deputising.
#[utoipa::path(get, path = "/api/v1/staff/{id}/cases", tag = "rights", params(("id" = String, Path)),
    responses((status = 200, body = Vec<CaseView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn staff_cases(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Vec<CaseView>>, ApiError> {
    let id = path_id(&id, "staff", lang)?;
    s.lotse.staff_cases(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Deputies of the caller's provider.
#[utoipa::path(get, path = "/api/v1/deputies", tag = "rights",
    responses((status = 200, body = Vec<DeputyView>), (status = 403, body = ErrorBody)))]
pub async fn deputies(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
) -> Result<JsonOut<Vec<DeputyView>>, ApiError> {
    s.lotse.deputies(&a).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Registers a deputy for an absence.
#[utoipa::path(post, path = "/api/v1/deputies", tag = "rights", request_body = DeputyInput,
    responses((status = 201, body = DeputyView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_deputy(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Json(input): Json<DeputyInput>,
) -> Result<impl IntoResponse, ApiError> {
    s.lotse.create_deputy(&a, input).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffLink {
    pub staff_id: Option<String>,
}

/// Links an account to the staff record it works as.
#[utoipa::path(put, path = "/api/v1/users/{id}/staff", tag = "rights", params(("id" = String, Path)), request_body = StaffLink,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn link_staff(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(input): Json<StaffLink>,
) -> Result<axum::http::StatusCode, ApiError> {
    s.lotse
        .link_user_staff(&a, &id, input.staff_id.as_deref())
        .await
        .map(|_| axum::http::StatusCode::NO_CONTENT)
        .map_err(|e| ApiError::from_domain(e, lang))
}

/// The tenant's retention rules (administrators).
#[utoipa::path(get, path = "/api/v1/retention-rules", tag = "rights",
    responses((status = 200, body = Vec<RetentionRule>), (status = 403, body = ErrorBody)))]
pub async fn retention_rules(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
) -> Result<JsonOut<Vec<RetentionRule>>, ApiError> {
    s.lotse.retention_rules(&a).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Replaces the tenant's retention rules (administrators).
#[utoipa::path(put, path = "/api/v1/retention-rules", tag = "rights", request_body = Vec<RetentionRule>,
    responses((status = 200, body = Vec<RetentionRule>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_retention_rules(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Json(rules): Json<Vec<RetentionRule>>,
) -> Result<JsonOut<Vec<RetentionRule>>, ApiError> {
    s.lotse.set_retention_rules(&a, rules).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// json (default) or pdf.
    pub format: Option<String>,
}

/// Everything Lotse holds about the person (Art. 15 GDPR), as JSON or PDF.
#[utoipa::path(get, path = "/api/v1/persons/{id}/export", tag = "rights", params(("id" = String, Path), ExportQuery),
    responses((status = 200, description = "JSON or PDF"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export_person(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "person", lang)?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "pdf") {
        let e = lotse_domain::DomainError::invalid("format", "Format json oder pdf.", "format json or pdf.");
        return Err(ApiError::from_domain(e, lang));
    }
    let data = s.lotse.export_person(&a, &id).await.map_err(|e| ApiError::from_domain(e, lang))?;
    if format == "json" {
        return Ok(JsonOut(data).into_response());
    }
    let pdf = tokio::task::spawn_blocking(move || lotse_pdf::person_export::render(&data))
        .await
        .map_err(|_| ApiError::from_domain(lotse_domain::DomainError::internal("pdf task"), lang))?
        .map_err(|_| ApiError::from_domain(lotse_domain::DomainError::internal("pdf"), lang))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"auskunft-{id}.pdf\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        pdf,
    )
        .into_response())
}
