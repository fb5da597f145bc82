//! All HTTP errors take one shape: `{"error": {"code", "message"}}`, with a
//! stable code and a German message (English on `Accept-Language: en`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lotse_domain::{DomainError, Lang};
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `invalid_input`, `malformed_json`, `not_found`, …
    pub code: String,
    /// For people, in German unless English was asked for.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), retry_after: None }
    }

    pub fn from_domain(e: DomainError, lang: Lang) -> Self {
        let status = match &e {
            DomainError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            DomainError::NotFound { .. } => StatusCode::NOT_FOUND,
            DomainError::Forbidden { .. } => StatusCode::FORBIDDEN,
            DomainError::Unauthenticated => StatusCode::UNAUTHORIZED,
            DomainError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            DomainError::Conflict { .. } => StatusCode::CONFLICT,
            DomainError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let retry_after = match &e {
            DomainError::Throttled { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        ApiError { status, code: e.code(), message: e.message(lang), retry_after }
    }

    pub fn not_found(lang: Lang) -> Self {
        ApiError::from_domain(DomainError::NotFound { entity: "route" }, lang)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.into(), message: self.message } };
        let mut res = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

/// Puts serde's English messages about a JSON body into German, keeping the
/// names and positions it gives.
pub fn json_message(raw: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return raw.to_owned();
    }
    let (what, pos) = match raw.rsplit_once(" at line ") {
        Some((w, p)) => (w, Some(p.replace(" column ", ", Spalte "))),
        None => (raw, None),
    };
    let what = what.strip_prefix("Failed to deserialize the JSON body into the target type: ").unwrap_or(what);
    // A path prefix such as `gender: ` comes first; keep it.
    let (path, detail) = match what.split_once(": ") {
        Some((p, d)) if !p.contains(' ') => (format!("{p}: "), d),
        _ => (String::new(), what),
    };
    let de = if let Some(rest) = detail.strip_prefix("unknown field ") {
        let name = rest.split(',').next().unwrap_or(rest).trim_matches('`');
        format!("unbekanntes Feld „{name}“ (erlaubt: {})", rest.split_once("expected ").map_or("", |x| x.1))
    } else if let Some(rest) = detail.strip_prefix("missing field ") {
        format!("Pflichtfeld „{}“ fehlt", rest.trim_matches('`'))
    } else if let Some(rest) = detail.strip_prefix("invalid type: ") {
        format!("falscher Typ: {}", rest.replace(", expected ", ", erwartet: "))
    } else if let Some(rest) = detail.strip_prefix("unknown variant ") {
        format!(
            "unbekannter Wert {}",
            rest.replace(", expected one of ", ", erlaubt: ").replace(", expected ", ", erwartet: ")
        )
    } else if detail.starts_with("input is out of range") {
        "ungültiges Datum (diesen Tag gibt es nicht); erwartet JJJJ-MM-TT".to_owned()
    } else if ["input contains invalid characters", "premature end of input", "trailing input", "input is not enough"]
        .iter()
        .any(|p| detail.starts_with(p))
    {
        "ungültiges Datum; erwartet JJJJ-MM-TT, z. B. 2001-04-17".to_owned()
    } else {
        detail.to_owned()
    };
    match pos {
        Some(p) => format!("{path}{de} (Zeile {p})"),
        None => format!("{path}{de}"),
    }
}
