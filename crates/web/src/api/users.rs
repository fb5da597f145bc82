use axum::extract::{Path, State};
use axum::http::StatusCode;
use lotse_domain::{DomainError, Login};
use lotse_service::auth::{IssuedToken, NewToken, TokenInfo};
use lotse_service::page::{Page, PageRequest};
use lotse_service::users::{NewUser, User, UserUpdate};
use serde::Deserialize;

use super::created;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, Json, JsonOut, Query};

fn login_of(raw: &str, lang: lotse_domain::Lang) -> Result<Login, ApiError> {
    Login::parse(raw).map_err(|_| ApiError::from_domain(DomainError::NotFound { entity: "user" }, lang))
}

/// Accounts of the tenant (administrators) or of one's provider (provider administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", params(PageRequest),
    responses((status = 200, body = Page<User>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(p): Query<PageRequest>,
) -> Result<JsonOut<Page<User>>, ApiError> {
    s.lotse.users(&a, p).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Creates an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Json(u): Json<NewUser>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    s.lotse.create_user(&a, u).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{login}", tag = "accounts", params(("login" = String, Path)),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(login): Path<String>,
) -> Result<JsonOut<User>, ApiError> {
    let login = login_of(&login, lang)?;
    s.lotse.user(&a, &login).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Changes an account (name, role, provider, staff record, locked or not);
/// a change of rights ends its sessions and tokens. One's own role,
/// provider and state are changed by another administrator.
#[utoipa::path(put, path = "/api/v1/users/{login}", tag = "accounts", params(("login" = String, Path)), request_body = UserUpdate,
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(login): Path<String>,
    Json(u): Json<UserUpdate>,
) -> Result<JsonOut<User>, ApiError> {
    let login = login_of(&login, lang)?;
    s.lotse.update_user(&a, &login, u).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    pub password: String,
}

/// Sets a new password; the account's sessions end.
#[utoipa::path(post, path = "/api/v1/users/{login}/password", tag = "accounts", params(("login" = String, Path)), request_body = NewPassword,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(login): Path<String>,
    Json(p): Json<NewPassword>,
) -> Result<StatusCode, ApiError> {
    let login = login_of(&login, lang)?;
    s.lotse
        .reset_password(&a, &login, p.password)
        .await
        .map(|_| StatusCode::NO_CONTENT)
        .map_err(|e| ApiError::from_domain(e, lang))
}

/// API tokens: one's own (administrators: all of the tenant).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", params(PageRequest),
    responses((status = 200, body = Page<TokenInfo>)))]
pub async fn tokens(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(p): Query<PageRequest>,
) -> Result<JsonOut<Page<TokenInfo>>, ApiError> {
    s.lotse.tokens(&a, p).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Issues an API token. The token text is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = NewToken,
    responses((status = 201, body = IssuedToken), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Json(t): Json<NewToken>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    s.lotse.create_token(&a, t).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Revokes an API token at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = TokenInfo), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<TokenInfo>, ApiError> {
    s.lotse.revoke_token(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}
