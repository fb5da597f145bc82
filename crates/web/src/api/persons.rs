use axum::extract::{Path, State};
use axum::http::StatusCode;
use lotse_service::page::Page;
use lotse_service::persons::{Person, PersonInput, PersonQuery};

use super::{created, path_id};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, Json, JsonOut, Query};

/// The persons the caller may see (case managers: their provider's). Every
/// call is recorded in the audit trail.
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
