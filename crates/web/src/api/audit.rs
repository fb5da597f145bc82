use axum::extract::State;
use lotse_service::audit::{AuditFilter, AuditView, ChainReport};
use lotse_service::page::{Page, PageRequest};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, JsonOut, Query};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// `read | create | update | delete | login | export`
    pub action: Option<String>,
    pub actor: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The audit trail, newest first (auditors).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<AuditQuery>,
) -> Result<JsonOut<Page<AuditView>>, ApiError> {
    let filter = AuditFilter { entity: q.entity, entity_id: q.entity_id, action: q.action, actor: q.actor };
    let page = PageRequest { limit: q.limit, offset: q.offset };
    s.lotse.audit_entries(&a, &filter, page).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ChainReportSchema {
    pub tenant: String,
    pub entries: u64,
    pub ok: bool,
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<serde_json::Value>,
    pub head_seq: i64,
    pub head_hash: Option<String>,
}

/// Recomputes the tenant's hash chain and reports any tampering (auditors).
#[utoipa::path(post, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = ChainReportSchema), (status = 403, body = ErrorBody)))]
pub async fn verify(State(s): State<AppState>, Authed(a, lang): Authed) -> Result<JsonOut<ChainReport>, ApiError> {
    s.lotse.verify_audit(&a).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}
