//! Case management: cases (individual participations) through the phases
//! of the cycle, their plan, contacts, referrals, conferences and closure;
//! waiting lists and follow-up reminders. Thin: each handler is one call
//! into `lotse_service::cases`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use lotse_service::cases::{
    Assessment, AssessmentInput, AssessmentProgress, Case, CaseQuery, CaseSummary, CloseInput, Conference,
    ConferenceInput, Contact, ContactInput, DocumentInfo, FollowUpInput, Goal, GoalInput, IntakeInput, OpenCase,
    Opened, PhaseInput, Referral, ReferralInput, Reminder, ReminderQuery, StatusInput, Step, StepInput, WaitingEntry,
};
use lotse_service::page::Page;

use super::{created, path_id};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, Json, JsonOut, Query};

/// The cases the caller may see (case managers: their provider's), newest first; filter by case manager (`staff`) and current `phase`. Paged; the ids read are recorded.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery), responses((status = 200, body = Page<CaseSummary>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<CaseQuery>,
) -> Result<JsonOut<Page<CaseSummary>>, ApiError> {
    s.lotse.cases(&a, q).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Opens a case: enrols a person in an individual offer and starts the intake phase. An offer at its capacity refuses (409) unless `waiting_list` is true: then the person is put on the offer's waiting list.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = OpenCase, responses((status = 201, body = Opened), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn open(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Json(b): Json<OpenCase>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    s.lotse.open_case(&a, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// A case with everything recorded about it (recorded in the audit trail). Heads of department need `X-Lotse-Break-Glass`.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)), responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Case>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.case(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records (or corrects) the intake: the way in and whether case management is indicated. In the intake phase only.
#[utoipa::path(post, path = "/api/v1/cases/{id}/intake", tag = "cases", params(("id" = String, Path)), request_body = IntakeInput, responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn intake(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<IntakeInput>,
) -> Result<JsonOut<Case>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.record_intake(&a, &id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Moves a case to the next phase (monitoring may go back to implementation). Refused (422) with a message naming what the phase requires.
#[utoipa::path(post, path = "/api/v1/cases/{id}/phase", tag = "cases", params(("id" = String, Path)), request_body = PhaseInput, responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn move_phase(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<PhaseInput>,
) -> Result<JsonOut<Case>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.move_phase(&a, &id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// The assessments of a case and each life domain's ratings over time.
#[utoipa::path(get, path = "/api/v1/cases/{id}/assessments", tag = "cases", params(("id" = String, Path)), responses((status = 200, body = AssessmentProgress), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn assessments(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<AssessmentProgress>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.assessment_progress(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records an assessment of the life domains (1 great need … 5 no need). Repeatable, from the assessment phase on.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assessments", tag = "cases", params(("id" = String, Path)), request_body = AssessmentInput, responses((status = 201, body = Assessment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assess(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<AssessmentInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.record_assessment(&a, &id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Adds a goal with its first interim steps to the plan (from the planning phase on).
#[utoipa::path(post, path = "/api/v1/cases/{id}/goals", tag = "cases", params(("id" = String, Path)), request_body = GoalInput, responses((status = 201, body = Goal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_goal(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<GoalInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.add_goal(&a, &id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Sets a goal's status: open | done | dropped.
#[utoipa::path(put, path = "/api/v1/cases/{id}/goals/{goal_id}", tag = "cases", params(("id" = String, Path), ("goal_id" = String, Path)), request_body = StatusInput, responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn goal_status(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, goal_id)): Path<(String, String)>,
    Json(b): Json<StatusInput>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, "case", lang)?;
    let goal_id = path_id(&goal_id, "goal", lang)?;
    s.lotse
        .set_goal_status(&a, &id, &goal_id, b)
        .await
        .map(|_| StatusCode::NO_CONTENT)
        .map_err(|e| ApiError::from_domain(e, lang))
}

/// Adds an interim step (owner, due date) to a goal.
#[utoipa::path(post, path = "/api/v1/cases/{id}/goals/{goal_id}/steps", tag = "cases", params(("id" = String, Path), ("goal_id" = String, Path)), request_body = StepInput, responses((status = 201, body = Step), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_step(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, goal_id)): Path<(String, String)>,
    Json(b): Json<StepInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    let goal_id = path_id(&goal_id, "goal", lang)?;
    s.lotse.add_step(&a, &id, &goal_id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Sets a step's status: open | done | dropped.
#[utoipa::path(put, path = "/api/v1/cases/{id}/steps/{step_id}", tag = "cases", params(("id" = String, Path), ("step_id" = String, Path)), request_body = StatusInput, responses((status = 200, body = Step), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step_status(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, step_id)): Path<(String, String)>,
    Json(b): Json<StatusInput>,
) -> Result<JsonOut<Step>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    let step_id = path_id(&step_id, "step", lang)?;
    s.lotse.set_step_status(&a, &id, &step_id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Refers the case to an offer or an agency.
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "cases", params(("id" = String, Path)), request_body = ReferralInput, responses((status = 201, body = Referral), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_referral(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<ReferralInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.add_referral(&a, &id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Sets a referral's status: proposed | accepted | started | declined | completed.
#[utoipa::path(put, path = "/api/v1/cases/{id}/referrals/{referral_id}", tag = "cases", params(("id" = String, Path), ("referral_id" = String, Path)), request_body = StatusInput, responses((status = 200, body = Referral), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn referral_status(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, referral_id)): Path<(String, String)>,
    Json(b): Json<StatusInput>,
) -> Result<JsonOut<Referral>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    let referral_id = path_id(&referral_id, "referral", lang)?;
    s.lotse.set_referral_status(&a, &id, &referral_id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records a contact: meeting, phone, outreach, home visit or accompaniment, with its duration in minutes.
#[utoipa::path(post, path = "/api/v1/cases/{id}/contacts", tag = "cases", params(("id" = String, Path)), request_body = ContactInput, responses((status = 201, body = Contact), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_contact(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<ContactInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.add_contact(&a, &id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records a case conference with its participants and outcome.
#[utoipa::path(post, path = "/api/v1/cases/{id}/conferences", tag = "cases", params(("id" = String, Path)), request_body = ConferenceInput, responses((status = 201, body = Conference), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_conference(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<ConferenceInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.add_conference(&a, &id, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Closes a case: exit date, exit reason and the outcome at exit are required; schedules the reminder of the six-month follow-up.
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "cases", params(("id" = String, Path)), request_body = CloseInput, responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<CloseInput>,
) -> Result<JsonOut<Case>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.close_case(&a, &id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Records the six-month follow-up outcome of a closed case; its reminder is done.
#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-up", tag = "cases", params(("id" = String, Path)), request_body = FollowUpInput, responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow_up(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Json(b): Json<FollowUpInput>,
) -> Result<JsonOut<Case>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.record_follow_up(&a, &id, b).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// Follow-up reminders due (by `until`, default today) and not done, of the cases the caller may see.
#[utoipa::path(get, path = "/api/v1/reminders/follow-up", tag = "cases", params(ReminderQuery), responses((status = 200, body = Vec<Reminder>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reminders(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<ReminderQuery>,
) -> Result<JsonOut<Vec<Reminder>>, ApiError> {
    s.lotse.follow_up_reminders(&a, q.until).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// The persons waiting for a place in an individual offer, next in line first.
#[utoipa::path(get, path = "/api/v1/offers/{id}/waiting-list", tag = "cases", params(("id" = String, Path)), responses((status = 200, body = Vec<WaitingEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn waiting_list(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Vec<WaitingEntry>>, ApiError> {
    let id = path_id(&id, "offer", lang)?;
    s.lotse.waiting_list(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

// ------------------------------------------------------------------ documents

/// The body limit of an upload: the document and the multipart framing.
pub const DOCUMENT_BODY_LIMIT: usize = lotse_service::cases::DOCUMENT_LIMIT + 64 * 1024;

fn document_too_large(lang: lotse_domain::Lang) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        lotse_service::cases::document_too_large().message(lang).trim_start_matches("file: ").to_owned(),
    )
}

/// Attaches a document to a case (multipart/form-data, one part with its
/// file name; at most 10 MiB). Kept in the database, deleted with the case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", tag = "cases", params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "One file"),
    responses((status = 201, body = DocumentInfo), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn upload_document(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    mut form: axum::extract::Multipart,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = path_id(&id, "case", lang)?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return document_too_large(lang);
        }
        let de = lang == lotse_domain::Lang::De;
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_upload",
            if de {
                format!("Upload unlesbar: {}", e.body_text())
            } else {
                format!("unreadable upload: {}", e.body_text())
            },
        )
    };
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let Some(name) = field.file_name().map(str::to_owned) else { continue };
        let ct = field.content_type().map(str::to_owned);
        let bytes = field.bytes().await.map_err(unreadable)?;
        if file.is_some() {
            return Err(ApiError::from_domain(
                lotse_domain::DomainError::invalid(
                    "file",
                    "Bitte genau eine Datei hochladen.",
                    "Upload exactly one file.",
                ),
                lang,
            ));
        }
        file = Some((name, ct, bytes));
    }
    let Some((name, ct, bytes)) = file else {
        return Err(ApiError::from_domain(
            lotse_domain::DomainError::invalid("file", "Keine Datei hochgeladen.", "No file uploaded."),
            lang,
        ));
    };
    if bytes.len() > lotse_service::cases::DOCUMENT_LIMIT {
        return Err(document_too_large(lang));
    }
    s.lotse
        .upload_document(&a, &id, &name, ct.as_deref(), bytes.to_vec())
        .await
        .map(created)
        .map_err(|e| ApiError::from_domain(e, lang))
}

/// The documents of a case (names, types, sizes).
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Vec<DocumentInfo>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn documents(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<JsonOut<Vec<DocumentInfo>>, ApiError> {
    let id = path_id(&id, "case", lang)?;
    s.lotse.documents(&a, &id).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): an ASCII
/// fallback and the name itself, percent-encoded.
fn disposition(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Downloads a document (its content type, as an attachment). Recorded.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{document_id}", tag = "cases",
    params(("id" = String, Path), ("document_id" = String, Path)),
    responses((status = 200, description = "The document's bytes"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_document(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, document_id)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let id = path_id(&id, "case", lang)?;
    let document_id = path_id(&document_id, "document", lang)?;
    let f = s.lotse.document(&a, &id, &document_id).await.map_err(|e| ApiError::from_domain(e, lang))?;
    let headers = [
        (axum::http::header::CONTENT_TYPE, f.content_type),
        (axum::http::header::CONTENT_DISPOSITION, disposition(&f.file_name)),
        (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    Ok((headers, f.content).into_response())
}

/// Deletes a document of an open case.
#[utoipa::path(delete, path = "/api/v1/cases/{id}/documents/{document_id}", tag = "cases",
    params(("id" = String, Path), ("document_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_document(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path((id, document_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, "case", lang)?;
    let document_id = path_id(&document_id, "document", lang)?;
    s.lotse
        .delete_document(&a, &id, &document_id)
        .await
        .map(|_| StatusCode::NO_CONTENT)
        .map_err(|e| ApiError::from_domain(e, lang))
}

#[cfg(test)]
mod tests {
    #[test]
    fn disposition_is_an_attachment_with_both_names() {
        assert_eq!(
            super::disposition("Hilfeplan Müller.pdf"),
            "attachment; filename=\"Hilfeplan M_ller.pdf\"; filename*=UTF-8''Hilfeplan%20M%C3%BCller.pdf"
        );
        assert_eq!(super::disposition("a\"b.txt"), "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt");
    }
}

// ------------------------------------------------------------------ outreach

/// Records an anonymous outreach contact (date, place, district, number of
/// people, topic — no personal data). Case managers and coordinators.
#[utoipa::path(post, path = "/api/v1/outreach", tag = "cases", request_body = lotse_service::cases::OutreachInput,
    responses((status = 201, body = lotse_service::cases::OutreachContact), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_outreach(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Json(b): Json<lotse_service::cases::OutreachInput>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    s.lotse.record_outreach(&a, b).await.map(created).map_err(|e| ApiError::from_domain(e, lang))
}

/// Outreach contacts of a year counted by district and topic.
#[utoipa::path(get, path = "/api/v1/outreach", tag = "cases", params(lotse_service::cases::OutreachQuery),
    responses((status = 200, body = lotse_service::cases::OutreachCounts), (status = 403, body = ErrorBody)))]
pub async fn outreach_counts(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Query(q): Query<lotse_service::cases::OutreachQuery>,
) -> Result<JsonOut<lotse_service::cases::OutreachCounts>, ApiError> {
    s.lotse.outreach_counts(&a, q.year).await.map(JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

// ------------------------------------------------------------------ agreement

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgreementFormat {
    /// `html` (default) or `pdf`.
    pub format: Option<String>,
}

/// The plan agreement to print and sign (German, goals, steps, owners, due
/// dates, signature lines): HTML with a print stylesheet, or `?format=pdf`.
/// Recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/cases/{id}/agreement", tag = "cases", params(("id" = String, Path), AgreementFormat),
    responses((status = 200, content_type = "text/html", description = "The agreement as a printable page (or PDF)"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn agreement(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Query(f): Query<AgreementFormat>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    use lotse_domain::DomainError;
    let id = path_id(&id, "case", lang)?;
    let pdf = match f.format.as_deref().unwrap_or("html") {
        "html" => false,
        "pdf" => true,
        _ => {
            return Err(ApiError::from_domain(
                DomainError::invalid("format", "Format html oder pdf.", "format html or pdf."),
                lang,
            ));
        }
    };
    let ag = s.lotse.agreement(&a, &id).await.map_err(|e| ApiError::from_domain(e, lang))?;
    if !pdf {
        let headers = [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ];
        return Ok((headers, lotse_service::cases::agreement_html(&ag)).into_response());
    }
    let body = tokio::task::spawn_blocking(move || lotse_pdf::agreement::pdf(&ag))
        .await
        .map_err(|e| ApiError::from_domain(DomainError::internal(e), lang))?
        .map_err(|e| ApiError::from_domain(DomainError::internal(e), lang))?;
    let headers = [
        (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
        (axum::http::header::CONTENT_DISPOSITION, disposition("Vereinbarung.pdf")),
        (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    Ok((headers, body).into_response())
}

/// The agreement's print stylesheet (no personal data; the content security
/// policy allows no inline styles).
#[utoipa::path(get, path = "/api/v1/print/agreement.css", tag = "cases",
    responses((status = 200, content_type = "text/css", description = "Stylesheet")))]
pub async fn agreement_css() -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8")], lotse_service::cases::AGREEMENT_CSS)
        .into_response()
}
