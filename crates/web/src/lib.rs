//! HTTP for Lotse: the JSON API under `/api/v1` (OpenAPI document generated
//! from the routes), the German web interface, `/healthz` and `/metrics`.
//! Handlers only translate between HTTP and `lotse-service`.

pub mod api;
pub mod error;
pub mod extract;
mod telemetry;
pub mod ui;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use lotse_service::Lotse;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest JSON body accepted; bigger data goes through the bundle import.
pub const JSON_LIMIT: usize = 256 * 1024;

#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// The address users reach Lotse at; `https://…` marks cookies Secure.
    pub public_url: Option<String>,
    /// Behind a reverse proxy: take the client's address from the last entry
    /// of `X-Forwarded-For` (the one the proxy appended), for throttling and
    /// the audit trail. Only set this when a proxy always sets the header.
    pub trust_proxy: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub lotse: Lotse,
    pub config: WebConfig,
}

/// The whole application as one router.
pub fn app(lotse: Lotse, config: WebConfig) -> Router {
    // Behind HTTPS (the public address says so) browsers are told to use
    // nothing else for a year.
    let https = config.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    let state = AppState { lotse, config };
    let (api, openapi) = api::router().split_for_parts();
    let openapi_json = serde_json::to_string(&openapi).expect("OpenAPI document serializes");
    let api = api
        .route(
            "/api/v1/openapi.json",
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], openapi_json) }),
        )
        .fallback(api::fallback)
        .layer(axum::middleware::from_fn(api::error_shape));
    Router::new()
        .merge(api)
        .merge(ui::router().layer(axum::middleware::from_fn_with_state(state.clone(), ui::reads_together)))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(telemetry::metrics))
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(api::panic_response))
        .layer(axum::middleware::from_fn(telemetry::track))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(tower::util::option_layer(https.then(|| {
            SetResponseHeaderLayer::overriding(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000; includeSubDomains"),
            )
        })))
        .with_state(state)
}

/// Serves until `shutdown` resolves; connections finish their request first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    lotse: Lotse,
    config: WebConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sealer = lotse.spawn_audit_sealer(Duration::from_secs(1));
    let app = app(lotse, config).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    sealer.abort();
    result
}
