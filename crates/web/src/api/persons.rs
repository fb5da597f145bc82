use axum::extract::{Path, State};
use axum::http::StatusCode;
use lotse_service::page::Page;
use lotse_service::persons::{Eligibility, EligibilityQuery, MergeInput, Person, PersonInput, PersonQuery};
use lotse_service::residence::{ReminderQuery, ResidenceEntry, ResidenceInput, ResidenceReminder};

use super::{created, path_id};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, Json, JsonOut, Query};

/// The persons the caller may see (case managers: their provider's), or with
/// `q` those whose names match: as written, normalised (Mueller/Müller), by
/// sound (Kölner Phonetik) or with one typo, best matches first. Every call
/// is recorded in the audit trail (the ids shown, never the search text).
#[utoipa::path(get, path = "/api/v1/persons", tag = "persons", params(PersonQuery),
    responses((status = 200, body = Page<Person>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<PersonQuery>,
) -> Result<JsonOut<Page<Person>>, ApiError> {
    s.lotse.persons(&a, q).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Registers a person.
#[utoipa::path(post, path = "/api/v1/persons", tag = "persons", request_body = PersonInput,
    responses((status = 201, body = Person), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Json(p): Json<PersonInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    s.lotse.create_person(&a, p).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// A person's record (recorded in the audit trail). Heads of department
/// need `X-Lotse-Break-Glass: <Begründung>`.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persons", params(("id" = String, Path)),
    responses((status = 200, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Person>, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.person(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Replaces a person's attributes.
#[utoipa::path(put, path = "/api/v1/persons/{id}", tag = "persons", params(("id" = String, Path)), request_body = PersonInput,
    responses((status = 200, body = Person), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(p): Json<PersonInput>,
) -> Result<JsonOut<Person>, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.update_person(&a, &id, p).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Deletes a person; their values in the audit trail are erased with their key.
#[utoipa::path(delete, path = "/api/v1/persons/{id}", tag = "persons", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.delete_person(&a, &id).await.map(|_| StatusCode::NO_CONTENT).map_err(|e| ApiError::from_domain(e, lang))
}

/// A person's residence status history, newest first.
#[utoipa::path(get, path = "/api/v1/persons/{id}/residence", tag = "persons", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ResidenceEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn residence(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Vec<ResidenceEntry>>, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.residence_history(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Adds an entry to the residence status history; the person's
/// `residence_status` follows the newest entry.
#[utoipa::path(post, path = "/api/v1/persons/{id}/residence", tag = "persons", params(("id" = String, Path)),
    request_body = ResidenceInput,
    responses((status = 201, body = ResidenceEntry), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_residence(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(input): Json<ResidenceInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.add_residence_status(&a, &id, input).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// The persons of the person's household (as far as the caller may see them).
#[utoipa::path(get, path = "/api/v1/persons/{id}/household", tag = "persons", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Person>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn household(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Vec<Person>>, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.household(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Merges a duplicate into this person: participations, consents,
/// attendance and residence history move over, the duplicate's id becomes
/// an alias of this person, the duplicate is deleted.
#[utoipa::path(post, path = "/api/v1/persons/{id}/merge", tag = "persons", params(("id" = String, Path)),
    request_body = MergeInput,
    responses((status = 200, body = Person), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(input): Json<MergeInput>,
) -> Result<JsonOut<Person>, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.merge_persons(&a, &id, input).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Whether the person belongs to a programme's target group on a date, and
/// which of the rule's conditions fail.
#[utoipa::path(get, path = "/api/v1/persons/{id}/eligibility", tag = "persons",
    params(("id" = String, Path), EligibilityQuery),
    responses((status = 200, body = Eligibility), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn eligibility(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Query(q): Query<EligibilityQuery>,
) -> Result<JsonOut<Eligibility>, ApiError> {
    let id = path_id(&id, "person", lang)?;
    s.lotse.person_eligibility(&a, &id, q).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// The caller's persons whose current residence status ends within
/// `within_days` days (default 30) or has ended without a newer entry.
#[utoipa::path(get, path = "/api/v1/reminders/residence", tag = "persons", params(ReminderQuery),
    responses((status = 200, body = Vec<ResidenceReminder>), (status = 403, body = ErrorBody)))]
pub async fn residence_reminders(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<ReminderQuery>,
) -> Result<JsonOut<Vec<ResidenceReminder>>, ApiError> {
    s.lotse.residence_reminders(&a, q).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}
