//! `/api/v1`: every route carries `#[utoipa::path]`, so the OpenAPI document
//! is generated from the code it describes.

mod audit;
mod cases;
pub mod imports;
mod inquiries;
mod persons;
mod programme;
mod providers;
mod records;
mod reports;
mod rights;
mod session;
mod users;

use axum::http::StatusCode;
use lotse_domain::{DomainError, EntityId, Lang};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::ReqLang;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lotse API",
        description = "Fallsteuerung, Programme, Angebote und Berichte der kommunalen Beschäftigungsförderung. \
            Authentifizierung mit `Authorization: Bearer lt_…` (API-Token, `lotse admin token create`). \
            Fehler haben immer die Form `{\"error\": {\"code\", \"message\"}}`; Meldungen auf Deutsch, \
            mit `Accept-Language: en` auf Englisch. Listen werden mit `limit` (höchstens 500) und `offset` geblättert."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::me))
        .routes(routes!(providers::list, providers::create))
        .routes(routes!(providers::get))
        .routes(routes!(persons::list, persons::create))
        .routes(routes!(persons::get, persons::update, persons::delete))
        .routes(routes!(persons::residence, persons::add_residence))
        .routes(routes!(persons::household))
        .routes(routes!(persons::merge))
        .routes(routes!(persons::eligibility))
        .routes(routes!(persons::residence_reminders))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update))
        .routes(routes!(users::reset_password))
        .routes(routes!(users::tokens, users::create_token))
        .routes(routes!(users::revoke_token))
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        .routes(routes!(reports::allocate))
        .routes(routes!(reports::get))
        .routes(routes!(reports::publish))
        .routes(routes!(inquiries::create, inquiries::list))
        .routes(routes!(inquiries::get))
        .routes(routes!(inquiries::answer))
        .routes(routes!(inquiries::statement))
        .routes(routes!(reports::records))
        .routes(routes!(reports::publications))
        .routes(routes!(reports::publication))
        .routes(routes!(reports::comparison))
        .routes(routes!(records::list, records::save, records::delete))
        .routes(routes!(records::archive))
        .routes(routes!(programme::offer_map))
        .routes(routes!(programme::group_offer))
        .routes(routes!(programme::governance))
        .routes(routes!(programme::ranking))
        .routes(routes!(programme::select))
        .routes(routes!(cases::list, cases::open))
        .routes(routes!(cases::get))
        .routes(routes!(cases::intake))
        .routes(routes!(cases::move_phase))
        .routes(routes!(cases::assessments, cases::assess))
        .routes(routes!(cases::add_goal))
        .routes(routes!(cases::goal_status))
        .routes(routes!(cases::add_step))
        .routes(routes!(cases::step_status))
        .routes(routes!(cases::add_referral))
        .routes(routes!(cases::referral_status))
        .routes(routes!(cases::add_contact))
        .routes(routes!(cases::add_conference))
        .routes(routes!(cases::close))
        .routes(routes!(cases::follow_up))
        .routes(routes!(cases::reminders))
        .routes(routes!(cases::waiting_list))
        .routes(routes!(cases::download_document, cases::delete_document))
        .routes(routes!(cases::outreach_counts, cases::record_outreach))
        .routes(routes!(cases::agreement))
        .routes(routes!(cases::agreement_css))
        .routes(routes!(rights::record_consent, rights::consents))
        .routes(routes!(rights::withdraw_consent))
        .routes(routes!(rights::consent_form))
        .routes(routes!(rights::request_handover))
        .routes(routes!(rights::handovers))
        .routes(routes!(rights::accept_handover))
        .routes(routes!(rights::decline_handover))
        .routes(routes!(rights::caseload))
        .routes(routes!(rights::reassign))
        .routes(routes!(rights::staff_cases))
        .routes(routes!(rights::deputies, rights::create_deputy))
        .routes(routes!(rights::link_staff))
        .routes(routes!(rights::retention_rules, rights::set_retention_rules))
        .routes(routes!(rights::export_person))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(imports::create))
                .layer(axum::extract::DefaultBodyLimit::max(imports::UPLOAD_LIMIT)),
        )
        .merge(
            OpenApiRouter::new()
                .routes(routes!(cases::documents, cases::upload_document))
                .layer(axum::extract::DefaultBodyLimit::max(cases::DOCUMENT_BODY_LIMIT)),
        )
}

pub async fn fallback(ReqLang(lang): ReqLang) -> ApiError {
    ApiError::not_found(lang)
}

/// Errors that axum produces itself (405, a path that is not valid UTF-8 …)
/// come as plain text; under /api they get our error shape too.
pub async fn error_shape(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let lang = Lang::from_header(req.headers().get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !status.is_client_error() || is_json {
        return res;
    }
    let de = lang == Lang::De;
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            if de {
                "Diese Methode ist für diese Adresse nicht vorgesehen."
            } else {
                "This method is not allowed for this address."
            },
        ),
        StatusCode::NOT_FOUND => return ApiError::not_found(lang).into_response(),
        StatusCode::PAYLOAD_TOO_LARGE => return crate::extract::too_large(lang).into_response(),
        _ => ("bad_request", if de { "Die Anfrage ist ungültig." } else { "The request is invalid." }),
    };
    let mut out = ApiError::new(status, code, message).into_response();
    if let Some(allow) = res.headers().get(axum::http::header::ALLOW) {
        out.headers_mut().insert(axum::http::header::ALLOW, allow.clone());
    }
    out
}

/// A panic is a bug; the client gets the internal-error shape, the log the
/// fact (not the payload, which might quote data).
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    tracing::error!("handler panicked");
    ApiError::from_domain(DomainError::internal("panic"), Lang::De).into_response()
}

/// An id from the path. One that cannot be valid cannot exist either: 404.
pub(crate) fn path_id(raw: &str, entity: &'static str, lang: Lang) -> Result<EntityId, ApiError> {
    EntityId::parse(raw).map_err(|_| ApiError::from_domain(DomainError::NotFound { entity }, lang))
}

pub(crate) fn created<T>(body: T) -> (StatusCode, crate::extract::JsonOut<T>) {
    (StatusCode::CREATED, crate::extract::JsonOut(body))
}
