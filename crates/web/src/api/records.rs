//! Programme work record by record: `/api/v1/records/{kind}` where `kind`
//! names a file of the data bundle (programs, modules, offers, staff,
//! sessions, attendance, finance, budget, fund_calls, fund_criteria,
//! proposals, proposal_scores, bodies, body_members, meetings, goals,
//! milestones, districts, district_stats). Fields are the file's columns
//! (docs/bundle.md), written with the import's rules.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use lotse_service::page::{Page, PageRequest};
use lotse_service::records::{Record, Saved};
use serde::Deserialize;

use super::path_id;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, Json, JsonOut, Query};

/// `limit` and `offset` page; every other parameter filters by a column.
fn split_query(q: BTreeMap<String, String>) -> (Record, PageRequest, Option<String>) {
    let mut page = PageRequest::default();
    let mut filter = Record::new();
    let mut bad = None;
    for (k, v) in q {
        match k.as_str() {
            "limit" | "offset" => match v.parse::<u64>() {
                Ok(n) if k == "limit" => page.limit = Some(n),
                Ok(n) => page.offset = Some(n),
                Err(_) => bad = Some(k),
            },
            _ => {
                filter.insert(k, v.into());
            }
        }
    }
    (filter, page, bad)
}

/// Records of a kind, filtered by column (`?program_id=durchstarten&year=2023`), paged.
#[utoipa::path(get, path = "/api/v1/records/{kind}", tag = "records",
    params(("kind" = String, Path, description = "Dateiname des Datenbündels ohne .csv, z. B. offers, milestones"),
           ("limit" = Option<u64>, Query), ("offset" = Option<u64>, Query)),
    responses((status = 200, body = Page<Object>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(kind): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<JsonOut<Page<Record>>, ApiError> {
    let (filter, page, bad) = split_query(q);
    if let Some(k) = bad {
        return Err(ApiError::from_domain(
            lotse_domain::DomainError::invalid(k, "erwartet wird eine ganze Zahl", "expected a whole number"),
            lang,
        ));
    }
    s.lotse.records(&a, &kind, &filter, page).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Creates or changes a record: the body holds its key columns and the
/// columns to set (`null` clears; an absent column stays as it is). 201 when
/// new, 200 when changed; warnings of the rules come back with it.
#[utoipa::path(put, path = "/api/v1/records/{kind}", tag = "records",
    params(("kind" = String, Path)), request_body = Object,
    responses((status = 200, body = Saved), (status = 201, body = Saved), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(kind): Path<String>,
    Json(fields): Json<Record>,
) -> Result<impl IntoResponse, ApiError> {
    let saved = s.lotse.save_record(&a, &kind, fields).await.map_err(|e| ApiError::from_domain(e, lang))?;
    let status = if saved.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, JsonOut(saved)))
}

/// Deletes a record of a kind that nothing else counts on (attendance,
/// proposal_scores, body_members, meetings, milestones, budget); the query
/// names its key columns.
#[utoipa::path(delete, path = "/api/v1/records/{kind}", tag = "records", params(("kind" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(kind): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<StatusCode, ApiError> {
    let key: Record = q.into_iter().map(|(k, v)| (k, v.into())).collect();
    s.lotse
        .delete_record(&a, &kind, key)
        .await
        .map(|_| StatusCode::NO_CONTENT)
        .map_err(|e| ApiError::from_domain(e, lang))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Archive {
    /// true archives, false brings back.
    pub archived: bool,
}

/// Archives a programme, module, offer or staff member (or brings it back).
#[utoipa::path(post, path = "/api/v1/records/{kind}/{id}/archive", tag = "records",
    params(("kind" = String, Path), ("id" = String, Path)), request_body = Archive,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn archive(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((kind, id)): Path<(String, String)>,
    Json(body): Json<Archive>,
) -> Result<JsonOut<Record>, ApiError> {
    let id = path_id(&id, "record", lang)?;
    s.lotse.archive_record(&a, &kind, &id, body.archived).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}
