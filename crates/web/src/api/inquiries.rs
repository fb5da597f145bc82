use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use lotse_domain::DomainError;
use lotse_service::inquiries::{Answer, Inquiry, NewInquiry};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, Json, JsonOut, Query};

/// Records a council inquiry (Anfrage) with its numbered questions
/// (coordinators and the head of department).
#[utoipa::path(post, path = "/api/v1/inquiries", tag = "inquiries", request_body = NewInquiry,
    responses((status = 201, body = Inquiry), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Json(new): Json<NewInquiry>,
) -> Result<impl IntoResponse, ApiError> {
    let i = s.lotse.create_inquiry(&a, new).await.map_err(|e| ApiError::from_domain(e, lang))?;
    Ok((StatusCode::CREATED, JsonOut(i)))
}

/// The tenant's inquiries, newest first.
#[utoipa::path(get, path = "/api/v1/inquiries", tag = "inquiries",
    responses((status = 200, body = Vec<Inquiry>), (status = 403, body = ErrorBody)))]
pub async fn list(State(s): State<AppState>, Authed(a, lang): Authed) -> Result<JsonOut<Vec<Inquiry>>, ApiError> {
    s.lotse.inquiries(&a).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

#[utoipa::path(get, path = "/api/v1/inquiries/{id}", tag = "inquiries", params(("id" = String, Path)),
    responses((status = 200, body = Inquiry), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Inquiry>, ApiError> {
    s.lotse.inquiry(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Answers one question: text, and the published reports it cites.
#[utoipa::path(put, path = "/api/v1/inquiries/{id}/questions/{number}", tag = "inquiries",
    params(("id" = String, Path), ("number" = i32, Path)), request_body = Answer,
    responses((status = 200, body = Inquiry), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, number)): Path<(String, i32)>,
    Json(answer): Json<Answer>,
) -> Result<JsonOut<Inquiry>, ApiError> {
    s.lotse.answer_question(&a, &id, number, answer).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocFormat {
    /// docx (editable, default) or pdf.
    pub format: Option<String>,
}

/// The department's statement (Stellungnahme) as an editable DOCX or as PDF,
/// laid out like a German administration's answer, with the cited published
/// reports' tables.
#[utoipa::path(get, path = "/api/v1/inquiries/{id}/statement", tag = "inquiries",
    params(("id" = String, Path), DocFormat),
    responses((status = 200, description = "the statement"), (status = 404, body = ErrorBody)))]
pub async fn statement(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Query(f): Query<DocFormat>,
) -> Result<Response, ApiError> {
    let pdf = match f.format.as_deref().unwrap_or("docx") {
        "docx" => false,
        "pdf" => true,
        _ => {
            return Err(ApiError::from_domain(
                DomainError::invalid("format", "Format docx oder pdf.", "format docx or pdf."),
                lang,
            ));
        }
    };
    let st = s.lotse.statement(&a, &id).await.map_err(|e| ApiError::from_domain(e, lang))?;
    let body =
        tokio::task::spawn_blocking(
            move || {
                if pdf { lotse_pdf::statement::pdf(&st) } else { lotse_pdf::statement::docx(&st) }
            },
        )
        .await
        .map_err(|e| ApiError::from_domain(DomainError::internal(e), lang))?
        .map_err(|e| ApiError::from_domain(DomainError::internal(e), lang))?;
    let (ct, ext) = if pdf {
        ("application/pdf", "pdf")
    } else {
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
    };
    Ok((
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"stellungnahme.{ext}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}
