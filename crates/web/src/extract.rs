//! Request extractors: the authenticated actor, the request's language, and
//! JSON bodies and query strings whose rejections speak our error format.

use std::net::SocketAddr;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum_extra::extract::CookieJar;
use lotse_domain::{Actor, DomainError, Lang};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::{ApiError, json_message};

pub const SESSION_COOKIE: &str = "lotse_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const BREAK_GLASS_HEADER: &str = "x-lotse-break-glass";

/// The language the client asked for (`Accept-Language`), German by default.
pub fn lang_of(parts: &Parts) -> Lang {
    Lang::from_header(parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

/// The client's address: the peer, or behind a trusted proxy the last entry
/// of `X-Forwarded-For`.
pub fn client_address(headers: &axum::http::HeaderMap, peer: Option<SocketAddr>, trust_proxy: bool) -> Option<String> {
    if trust_proxy {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|s| s.parse::<std::net::IpAddr>().is_ok())
            .last();
        if let Some(ip) = forwarded {
            return Some(ip.to_owned());
        }
    }
    peer.map(|p| p.ip().to_string())
}

pub fn address_of(parts: &Parts, state: &AppState) -> Option<String> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    client_address(&parts.headers, peer, state.config.trust_proxy)
}

/// The signed-in actor: by `Authorization: Bearer` token, or by session
/// cookie (then unsafe methods must carry the session's CSRF token in
/// `X-CSRF-Token`). A head of department's `X-Lotse-Break-Glass: reason`
/// is attached for the policy to weigh and the audit trail to record.
pub struct Authed(pub Actor, pub Lang);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let lang = lang_of(parts);
        let address = address_of(parts, state);
        let fail = |e: DomainError| ApiError::from_domain(e, lang);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
        let mut actor = if let Some(token) = bearer {
            state.lotse.authenticate_token(token.trim(), address).await.map_err(fail)?
        } else {
            let jar = CookieJar::from_headers(&parts.headers);
            let cookie = jar.get(SESSION_COOKIE).ok_or_else(|| fail(DomainError::Unauthenticated))?;
            let s = state.lotse.session(cookie.value(), address).await.map_err(fail)?;
            if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
                let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
                if !lotse_service::crypto::constant_time_eq(sent, &s.csrf_token) {
                    return Err(fail(DomainError::forbidden(
                        "CSRF-Token fehlt oder ist falsch. Bitte die Seite neu laden.",
                        "CSRF token missing or wrong. Please reload the page.",
                    )));
                }
            }
            s.actor
        };
        if let Some(reason) = parts.headers.get(BREAK_GLASS_HEADER) {
            let reason = String::from_utf8_lossy(reason.as_bytes()).trim().to_owned();
            if !reason.is_empty() {
                actor.break_glass = Some(reason.chars().take(500).collect());
            }
        }
        Ok(Authed(actor, lang))
    }
}

/// The request's language, for handlers that need no actor.
pub struct ReqLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqLang(lang_of(parts)))
    }
}

/// A JSON body. Every way it can be wrong gives a 4xx in our error format.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let lang = Lang::from_header(req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => Err(json_rejection(rejection, lang)),
        }
    }
}

fn json_rejection(r: JsonRejection, lang: Lang) -> ApiError {
    let de = lang == Lang::De;
    match r {
        JsonRejection::JsonDataError(e) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", json_message(&e.body_text(), lang))
        }
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            if de {
                format!(
                    "Der Inhalt ist kein gültiges JSON (oder kein gültiges UTF-8): {}",
                    json_message(&e.body_text(), lang)
                )
            } else {
                format!("The body is not valid JSON (or not valid UTF-8): {}", e.body_text())
            },
        ),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            if de {
                "Erwartet wird „Content-Type: application/json“."
            } else {
                "Expected \"Content-Type: application/json\"."
            },
        ),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(lang),
        other => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", other.body_text()),
    }
}

pub fn too_large(lang: Lang) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        if lang == Lang::De {
            format!("Der Inhalt ist zu groß (höchstens {} KiB).", crate::JSON_LIMIT / 1024)
        } else {
            format!("The body is too large (at most {} KiB).", crate::JSON_LIMIT / 1024)
        },
    )
}

/// A query string, with our error format.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let lang = lang_of(parts);
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| Query(q.0)).map_err(
            |r: QueryRejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    if lang == Lang::De {
                        format!("Ungültige Abfrageparameter: {}", r.body_text())
                    } else {
                        r.body_text()
                    },
                )
            },
        )
    }
}

/// A JSON response body.
pub struct JsonOut<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for JsonOut<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::client_address;

    #[test]
    fn forwarded_address_only_behind_a_trusted_proxy() {
        let mut h = axum::http::HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 198.51.100.2".parse().unwrap());
        let peer = Some("10.0.0.1:443".parse().unwrap());
        assert_eq!(client_address(&h, peer, false).as_deref(), Some("10.0.0.1"));
        assert_eq!(client_address(&h, peer, true).as_deref(), Some("198.51.100.2"));
        h.insert("x-forwarded-for", "kaputt".parse().unwrap());
        assert_eq!(client_address(&h, peer, true).as_deref(), Some("10.0.0.1"));
    }
}
