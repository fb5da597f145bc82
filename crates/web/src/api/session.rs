use serde::Serialize;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, JsonOut};
use axum::extract::State;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub tenant: String,
    pub tenant_name: String,
    pub login: String,
    pub role: String,
    pub provider_id: Option<String>,
}

/// Who am I: the signed-in account and its tenant.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(s): State<AppState>, Authed(actor, lang): Authed) -> Result<JsonOut<Me>, ApiError> {
    let tenant = s.lotse.my_tenant(&actor).await.map_err(|e| ApiError::from_domain(e, lang))?;
    Ok(JsonOut(Me {
        tenant: tenant.id,
        tenant_name: tenant.name,
        login: actor.login.to_string(),
        role: actor.role.to_string(),
        provider_id: actor.provider.map(|p| p.to_string()),
    }))
}
