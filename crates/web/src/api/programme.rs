//! The coordinators' views: offer map with gaps, group offers with their
//! sessions, governance with late milestones, the innovation fund.

use axum::extract::{Path, State};
use lotse_service::programme_work::{FundRanking, Governance, GroupOffer, OfferMap, OfferMapQuery};
use serde::Deserialize;

use super::path_id;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, JsonOut, Query};

/// The offer map of the prevention chain: offers by social district and
/// life stage (pregnancy and birth → adult), with every gap listed.
#[utoipa::path(get, path = "/api/v1/offer-map", tag = "programmes", params(OfferMapQuery),
    responses((status = 200, body = OfferMap), (status = 403, body = ErrorBody)))]
pub async fn offer_map(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<OfferMapQuery>,
) -> Result<JsonOut<OfferMap>, ApiError> {
    s.lotse.offer_map(&a, &q).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// A group offer's sessions with head counts and registered attendance, and its attendance rate.
#[utoipa::path(get, path = "/api/v1/group-offers/{id}", tag = "programmes", params(("id" = String, Path)),
    responses((status = 200, body = GroupOffer), (status = 404, body = ErrorBody)))]
pub async fn group_offer(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<GroupOffer>, ApiError> {
    let id = path_id(&id, "offer", lang)?;
    s.lotse.group_offer(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GovernanceQuery {
    /// Reference day for "late" (default today), YYYY-MM-DD.
    #[param(value_type = Option<String>)]
    pub date: Option<chrono::NaiveDate>,
}

/// Governance bodies with members and meetings, strategic goals with their
/// milestones, and the milestones that are late.
#[utoipa::path(get, path = "/api/v1/governance", tag = "programmes", params(GovernanceQuery),
    responses((status = 200, body = Governance), (status = 403, body = ErrorBody)))]
pub async fn governance(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<GovernanceQuery>,
) -> Result<JsonOut<Governance>, ApiError> {
    s.lotse.governance(&a, q.date).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// A fund call's proposals ranked by the reviewers' weighted scores, which
/// fit the budget, and the published figures of the recorded decisions.
#[utoipa::path(get, path = "/api/v1/fund-calls/{id}/ranking", tag = "programmes", params(("id" = String, Path)),
    responses((status = 200, body = FundRanking), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn ranking(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<FundRanking>, ApiError> {
    let id = path_id(&id, "fund_call", lang)?;
    s.lotse.fund_ranking(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records the selection: in ranking order, what fits the budget is selected, the rest rejected.
#[utoipa::path(post, path = "/api/v1/fund-calls/{id}/selection", tag = "programmes", params(("id" = String, Path)),
    responses((status = 200, body = FundRanking), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn select(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<FundRanking>, ApiError> {
    let id = path_id(&id, "fund_call", lang)?;
    s.lotse.select_proposals(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}
