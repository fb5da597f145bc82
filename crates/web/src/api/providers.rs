use axum::extract::{Path, State};
use lotse_service::page::{Page, PageRequest};
use lotse_service::providers::{Provider, ProviderInput};

use super::{created, path_id};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, Json, JsonOut, Query};

/// The tenant's providers (Träger).
#[utoipa::path(get, path = "/api/v1/providers", tag = "providers", params(PageRequest),
    responses((status = 200, body = Page<Provider>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(p): Query<PageRequest>,
) -> Result<JsonOut<Page<Provider>>, ApiError> {
    s.lotse.providers(&a, p).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Creates a provider (administration, coordination).
#[utoipa::path(post, path = "/api/v1/providers", tag = "providers", request_body = ProviderInput,
    responses((status = 201, body = Provider), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Json(input): Json<ProviderInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    s.lotse.create_provider(&a, input).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// One provider.
#[utoipa::path(get, path = "/api/v1/providers/{id}", tag = "providers", params(("id" = String, Path)),
    responses((status = 200, body = Provider), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Provider>, ApiError> {
    let id = path_id(&id, "provider", lang)?;
    s.lotse.provider(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}
