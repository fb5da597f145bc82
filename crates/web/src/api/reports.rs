use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use lotse_domain::{DomainError, Lang};
use lotse_reports::render::Format;
use lotse_service::publications::{Comparison, Publication};
use lotse_service::reports::ReportParams;
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authed, Query};

/// How a report is delivered.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Output {
    /// json (default), csv, xlsx, html or pdf.
    pub format: Option<String>,
    /// Allocation: the total in euro.
    pub total: Option<String>,
    /// Allocation: fluag (default), population or weights.
    pub key: Option<String>,
}

fn invalid(field: &str, de: &str, en: &str, lang: Lang) -> ApiError {
    ApiError::from_domain(DomainError::invalid(field, de, en), lang)
}

fn format_of(o: &Output, lang: Lang) -> Result<Format, ApiError> {
    Format::parse(o.format.as_deref().unwrap_or("json")).ok_or_else(|| {
        invalid("format", "Format json, csv, xlsx, html oder pdf.", "format json, csv, xlsx, html or pdf.", lang)
    })
}

/// Renders off the async runtime (typesetting a PDF takes a while).
async fn deliver(report: lotse_reports::Report, format: Format, lang: Lang) -> Result<Response, ApiError> {
    let name = report.name;
    let body = tokio::task::spawn_blocking(move || lotse_pdf::render(&report, format, lang))
        .await
        .map_err(|e| ApiError::from_domain(DomainError::internal(e), lang))?
        .map_err(|e| {
            // A table too large for a spreadsheet is the request's; anything else is ours.
            if format == Format::Xlsx {
                let de = format!("Der Bericht passt nicht in eine XLSX-Datei: {e}");
                let en = format!("The report does not fit an XLSX file: {e}");
                ApiError::from_domain(DomainError::invalid("format", de, en), lang)
            } else {
                ApiError::from_domain(DomainError::internal(e), lang)
            }
        })?;
    let file = format!("{name}.{}", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{file}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// A report of reports.md (`key-figures`, `programme`, `esf`, `reach`,
/// `caseload`, `eligibility`, `query`; `allocation` over the tenant's
/// districts). Every figure carries its definition. Reports for the
/// controller role are always suppressed; case managers and provider
/// administrators count their provider's persons.
#[utoipa::path(get, path = "/api/v1/reports/{name}", tag = "reports",
    params(("name" = String, Path, description = "report name"), ReportParams, Output),
    responses((status = 200, description = "the report in the format asked for"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(name): Path<String>,
    Query(p): Query<ReportParams>,
    Query(o): Query<Output>,
) -> Result<Response, ApiError> {
    let format = format_of(&o, lang)?;
    let err = |e| ApiError::from_domain(e, lang);
    let report = if name == "allocation" {
        let year: i32 = p.year.as_deref().and_then(|y| y.parse().ok()).ok_or_else(|| {
            invalid(
                "year",
                "Die Verteilung braucht das Jahr der Einwohnerzahlen (year).",
                "allocation needs the year of the population figures.",
                lang,
            )
        })?;
        let units = s.lotse.allocation_units(&a, year).await.map_err(err)?;
        allocation(&a, &units, &o, p.suppress.unwrap_or(false), lang)?
    } else {
        let req = p.request(&name).map_err(err)?;
        s.lotse.report(&a, &req).await.map_err(err)?
    };
    deliver(report, format, lang).await
}

/// An allocation over the units in the request body (CSV
/// `unit_id,name,population,area_km2[,weight]`), e.g. the 53 counties of a Land.
#[utoipa::path(post, path = "/api/v1/allocation", tag = "reports", params(Output),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "the allocation"), (status = 422, body = ErrorBody)))]
pub async fn allocate(Authed(a, lang): Authed, Query(o): Query<Output>, body: String) -> Result<Response, ApiError> {
    let format = format_of(&o, lang)?;
    lotse_domain::authz::authorize(&a, lotse_domain::authz::Action::Read, &lotse_domain::authz::Resource::Report)
        .map_err(|e| ApiError::from_domain(e, lang))?;
    let units = lotse_reports::allocation::read_units(&body)
        .map_err(|e| ApiError::from_domain(lotse_service::reports::report_error(e), lang))?;
    let report = allocation(&a, &units, &o, false, lang)?;
    deliver(report, format, lang).await
}

fn allocation(
    a: &lotse_domain::Actor,
    units: &[lotse_reports::allocation::Unit],
    o: &Output,
    suppress: bool,
    lang: Lang,
) -> Result<lotse_reports::Report, ApiError> {
    let (total, key) = (o.total.as_deref().unwrap_or(""), o.key.as_deref().unwrap_or("fluag"));
    lotse_reports::allocation::request(units, total, key, a.tenant.as_str(), suppress)
        .map_err(|e| ApiError::from_domain(lotse_service::reports::report_error(e), lang))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Title {
    /// A title for the publication (e.g. "Sachstandsbericht 2023").
    pub title: Option<String>,
}

/// Publishes a report: computed now with disclosure control, frozen with its
/// parameters, time, author and content hash (coordinators and the head of
/// department).
#[utoipa::path(post, path = "/api/v1/reports/{name}/publications", tag = "reports",
    params(("name" = String, Path), ReportParams, Title),
    responses((status = 201, body = Publication), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(name): Path<String>,
    Query(p): Query<ReportParams>,
    Query(t): Query<Title>,
) -> Result<impl IntoResponse, ApiError> {
    let publication =
        s.lotse.publish_report(&a, &name, &p, t.title).await.map_err(|e| ApiError::from_domain(e, lang))?;
    Ok((axum::http::StatusCode::CREATED, crate::extract::JsonOut(publication)))
}

/// The tenant's published reports, newest first.
#[utoipa::path(get, path = "/api/v1/publications", tag = "reports",
    responses((status = 200, body = Vec<Publication>), (status = 403, body = ErrorBody)))]
pub async fn publications(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
) -> Result<crate::extract::JsonOut<Vec<Publication>>, ApiError> {
    s.lotse.publications(&a).await.map(crate::extract::JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

/// A published report exactly as it was published, in any format; the
/// headers carry its content hash and publication time.
#[utoipa::path(get, path = "/api/v1/publications/{id}", tag = "reports",
    params(("id" = String, Path), Output),
    responses((status = 200, description = "the published report"), (status = 404, body = ErrorBody)))]
pub async fn publication(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
    Query(o): Query<Output>,
) -> Result<Response, ApiError> {
    let format = format_of(&o, lang)?;
    let p = s.lotse.publication(&a, &id).await.map_err(|e| ApiError::from_domain(e, lang))?;
    let mut res = deliver(p.report, format, lang).await?;
    let h = res.headers_mut();
    if let Ok(v) = p.publication.content_hash.parse() {
        h.insert("x-lotse-content-hash", v);
    }
    if let Ok(v) = p.publication.published_at.to_rfc3339().parse() {
        h.insert("x-lotse-published-at", v);
    }
    Ok(res)
}

/// Compares a publication with a fresh computation on today's data.
#[utoipa::path(get, path = "/api/v1/publications/{id}/comparison", tag = "reports",
    params(("id" = String, Path)),
    responses((status = 200, body = Comparison), (status = 404, body = ErrorBody)))]
pub async fn comparison(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(id): Path<String>,
) -> Result<crate::extract::JsonOut<Comparison>, ApiError> {
    s.lotse.compare_publication(&a, &id).await.map(crate::extract::JsonOut).map_err(|e| ApiError::from_domain(e, lang))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FigureKey {
    /// The figure's key, e.g. `persons_by_gender.female` or `cells.female.apprenticeship`.
    pub key: String,
}

/// The records behind one count of a report: persons by their pseudonymous
/// id, participations and offers by theirs — never names. For coordinators
/// and the providers' staff (their own persons); recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/reports/{name}/records", tag = "reports",
    params(("name" = String, Path), FigureKey, ReportParams),
    responses((status = 200, body = lotse_service::reports::Records), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn records(
    State(s): State<AppState>,
    Authed(a, lang): Authed,
    Path(name): Path<String>,
    Query(k): Query<FigureKey>,
    Query(p): Query<ReportParams>,
) -> Result<crate::extract::JsonOut<lotse_service::reports::Records>, ApiError> {
    let err = |e| ApiError::from_domain(e, lang);
    let req = p.request(&name).map_err(err)?;
    s.lotse.report_records(&a, &req, &k.key, lang).await.map(crate::extract::JsonOut).map_err(err)
}
