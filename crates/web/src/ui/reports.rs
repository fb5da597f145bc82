//! The reports page: choose a report, a year and a programme; see it with
//! its tables, charts and definitions; download it in every format; publish it.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lotse_domain::Lang;
use lotse_domain::authz::{Action, Resource, is_allowed};
use lotse_reports::labels;
use lotse_service::reports::ReportParams;
use serde::Deserialize;

use super::page::{Chrome, UiUser, message};
use super::programme::{choices, downloads, enc};
use super::render;
use crate::AppState;

/// The reports a page can show for a year (the others need parameters a
/// form for experts would ask for: they are in the API and the CLI).
const PAGE_REPORTS: &[&str] = &["key-figures", "programme", "esf", "reach", "proof-of-use"];

#[derive(Deserialize, Default)]
pub struct ReportForm {
    name: Option<String>,
    year: Option<String>,
    program: Option<String>,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    chrome: Chrome,
    names: Vec<(String, String)>,
    programs: Vec<(String, String)>,
    name: String,
    year: String,
    program: String,
    error: Option<String>,
    error_field: String,
    result: Option<String>,
    downloads: Vec<(&'static str, String)>,
    may_publish: bool,
    publish_title: String,
    published: Option<String>,
}

async fn page(s: &AppState, u: &UiUser, f: &ReportForm, published: Option<String>) -> Response {
    let chrome = Chrome::new(s, u, "/berichte").await;
    let mut p = ReportsPage {
        chrome,
        names: PAGE_REPORTS.iter().map(|n| (n.to_string(), labels::report_title(n).de)).collect(),
        programs: choices(s, u, "programs", "program_id").await,
        name: f.name.clone().filter(|n| PAGE_REPORTS.contains(&n.as_str())).unwrap_or_else(|| "key-figures".into()),
        year: f.year.clone().unwrap_or_default(),
        program: f.program.clone().unwrap_or_default(),
        error: None,
        error_field: String::new(),
        result: None,
        downloads: vec![],
        may_publish: false,
        publish_title: String::new(),
        published,
    };
    if f.name.is_none() {
        return render(&p);
    }
    let params = ReportParams {
        year: Some(p.year.clone()).filter(|y| !y.is_empty()),
        program: Some(p.program.clone()).filter(|x| !x.is_empty()),
        ..Default::default()
    };
    let report = match params.request(&p.name) {
        Ok(req) => s.lotse.report(&u.actor, &req).await,
        Err(e) => Err(e),
    };
    match report {
        Ok(r) => {
            p.result = Some(lotse_reports::render::html::fragment(&r, Lang::De));
            let mut query = format!("year={}", enc(&p.year));
            if !p.program.is_empty() {
                query.push_str(&format!("&program={}", enc(&p.program)));
            }
            p.downloads = downloads(&format!("/api/v1/reports/{}", p.name), &query);
            p.may_publish = is_allowed(&u.actor, Action::Create, &Resource::Publication);
            p.publish_title = format!("{} {}", labels::report_title(&p.name).de, p.year);
            render(&p)
        }
        Err(e @ lotse_domain::DomainError::Forbidden { .. }) => {
            p.error = Some(message(&e));
            (StatusCode::FORBIDDEN, render(&p)).into_response()
        }
        Err(e) => {
            if let lotse_domain::DomainError::Invalid { field, .. } = &e {
                p.error_field = field.clone();
            }
            p.error = Some(message(&e));
            (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response()
        }
    }
}

pub async fn reports(State(s): State<AppState>, u: UiUser, Query(f): Query<ReportForm>) -> Response {
    page(&s, &u, &f, None).await
}

#[derive(Deserialize)]
pub struct PublishForm {
    csrf: String,
    name: String,
    year: String,
    program: String,
    title: String,
}

pub async fn publish(State(s): State<AppState>, u: UiUser, Form(f): Form<PublishForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let params = ReportParams {
        year: Some(f.year.clone()).filter(|y| !y.is_empty()),
        program: Some(f.program.clone()).filter(|x| !x.is_empty()),
        ..Default::default()
    };
    let title = Some(f.title.trim().to_owned()).filter(|t| !t.is_empty());
    let form = ReportForm { name: Some(f.name.clone()), year: Some(f.year), program: Some(f.program) };
    match s.lotse.publish_report(&u.actor, &f.name, &params, title).await {
        Ok(p) => page(&s, &u, &form, Some(p.title.unwrap_or(p.id))).await,
        Err(e) => {
            let chrome = Chrome::new(&s, &u, "/berichte").await;
            let status = if matches!(e, lotse_domain::DomainError::Forbidden { .. }) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            super::programme::error_page(status, chrome, message(&e))
        }
    }
}
