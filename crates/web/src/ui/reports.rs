//! The reports page: choose a report, a period (a year or from–to) and a
//! programme, and what else the report asks for; see it with its tables,
//! charts and definitions; download it in every format; publish it.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use lotse_domain::authz::{Action, Resource, is_allowed};
use lotse_domain::{DomainError, Lang};
use lotse_reports::labels;
use lotse_service::reports::ReportParams;
use serde::Deserialize;

use super::page::{Chrome, UiUser, message, status_of, typed_date};
use super::programme::{choices, downloads, enc};
use super::render;
use crate::AppState;

/// The reports this page makes: all of reports.md but the allocation,
/// which has a page of its own (`/mittelverteilung`) with its key and sum.
const PAGE_REPORTS: &[&str] =
    &["key-figures", "programme", "esf", "reach", "caseload", "eligibility", "query", "proof-of-use"];

/// What the form sends; everything as typed (dates in German notation).
#[derive(Deserialize, Default, Clone)]
pub struct ReportForm {
    name: Option<String>,
    #[serde(default)]
    year: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    program: String,
    /// Day of a caseload or eligibility report.
    #[serde(default)]
    date: String,
    /// Caseload: cases per full-time post aimed at.
    #[serde(default)]
    target: String,
    /// Proof of use: the funder.
    #[serde(default)]
    funder: String,
    /// Reach: size of the target group.
    #[serde(default)]
    target_size: String,
    /// Query: row and column dimensions, what is counted.
    #[serde(default)]
    rows: String,
    #[serde(default)]
    cols: String,
    #[serde(default)]
    measure: String,
    /// Small numbers protected ("ja" when ticked).
    #[serde(default)]
    suppress: String,
}

impl ReportForm {
    /// The form's values in the service's terms; a date that is none names its field.
    fn params(&self) -> Result<ReportParams, DomainError> {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|x| !x.is_empty());
        let day = |field: &str, s: &str| typed_date(field, s).map(|d| d.map(|d| d.to_string()));
        Ok(ReportParams {
            year: text(&self.year),
            from: day("from", &self.from)?,
            to: day("to", &self.to)?,
            program: text(&self.program),
            funder: text(&self.funder),
            suppress: (!self.suppress.is_empty()).then_some(true),
            date: day("date", &self.date)?,
            target: text(&self.target).map(|t| t.replace(',', ".")),
            target_size: text(&self.target_size).map(|t| t.replace('.', "")),
            target_indicator: None,
            rows: text(&self.rows),
            cols: text(&self.cols),
            measure: text(&self.measure),
            age_bands: None,
        })
    }

    /// The fields that carry a value, as (name, value) — for the publish
    /// form's hidden inputs.
    fn carried(&self) -> Vec<(&'static str, String)> {
        [
            ("year", &self.year),
            ("from", &self.from),
            ("to", &self.to),
            ("program", &self.program),
            ("date", &self.date),
            ("target", &self.target),
            ("funder", &self.funder),
            ("target_size", &self.target_size),
            ("rows", &self.rows),
            ("cols", &self.cols),
            ("measure", &self.measure),
            ("suppress", &self.suppress),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_owned()))
        .collect()
    }
}

/// The API's query for the same report (ISO dates), for the downloads.
fn api_query(p: &ReportParams) -> String {
    let pairs = [
        ("year", &p.year),
        ("from", &p.from),
        ("to", &p.to),
        ("program", &p.program),
        ("funder", &p.funder),
        ("date", &p.date),
        ("target", &p.target),
        ("target_size", &p.target_size),
        ("rows", &p.rows),
        ("cols", &p.cols),
        ("measure", &p.measure),
    ];
    let mut q: Vec<String> = pairs.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", enc(v)))).collect();
    if p.suppress == Some(true) {
        q.push("suppress=true".into());
    }
    q.join("&")
}

/// The inputs an error can stand at; the service's `period` is the start.
const INPUTS: &[&str] =
    &["year", "from", "to", "program", "date", "target", "funder", "target_size", "rows", "cols", "measure"];

/// An input's label, as the form shows it.
fn label_of(field: &str) -> &'static str {
    match field {
        "year" => "Jahr",
        "from" => "von",
        "to" => "bis",
        "program" => "Programm",
        "date" => "Stichtag",
        "target" => "Zielschlüssel",
        "funder" => "Mittelgeber",
        "target_size" => "Größe der Zielgruppe",
        "rows" => "Zeilen",
        "cols" => "Spalten",
        _ => "Gezählt werden",
    }
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    chrome: Chrome,
    names: Vec<(String, String)>,
    programs: Vec<(String, String)>,
    funders: Vec<(&'static str, String)>,
    dimensions: Vec<(&'static str, String)>,
    measures: Vec<(&'static str, String)>,
    name: String,
    form: ReportForm,
    error: Option<String>,
    /// The input the error belongs to (empty: the form as a whole).
    error_field: String,
    result: Option<String>,
    downloads: Vec<(&'static str, String)>,
    may_publish: bool,
    carried: Vec<(&'static str, String)>,
    publish_title: String,
    /// Publishing failed: why (shown at the title, the typed title kept).
    publish_error: Option<String>,
    published: Option<String>,
}

/// What happened to a publishing, if one was asked for.
enum Publishing {
    None,
    Done(String),
    Failed { title: String, error: DomainError },
}

super::page::field_errors!(ReportsPage);

async fn page(s: &AppState, u: &UiUser, f: &ReportForm, publishing: Publishing) -> Response {
    let chrome = Chrome::new(s, u, "/berichte").await;
    let mut p = ReportsPage {
        chrome,
        names: PAGE_REPORTS.iter().map(|n| (n.to_string(), labels::report_title(n).de)).collect(),
        programs: choices(s, u, "programs", "program_id").await,
        funders: lotse_bundle::spec::FUNDING_CATEGORY.iter().map(|c| (*c, labels::code("funding", c).de)).collect(),
        dimensions: lotse_reports::query::DIMENSIONS.iter().map(|d| (*d, labels::dimension(d).de)).collect(),
        measures: lotse_reports::query::MEASURES.iter().map(|m| (*m, labels::measure(m).de)).collect(),
        name: f.name.clone().filter(|n| PAGE_REPORTS.contains(&n.as_str())).unwrap_or_else(|| "key-figures".into()),
        form: f.clone(),
        error: None,
        error_field: String::new(),
        result: None,
        downloads: vec![],
        may_publish: false,
        carried: f.carried(),
        publish_title: String::new(),
        publish_error: None,
        published: None,
    };
    if f.name.is_none() {
        return render(&p);
    }
    let params = f.params();
    let report = match params.as_ref().map_err(Clone::clone).and_then(|x| x.request(&p.name)) {
        Ok(req) => s.lotse.report(&u.actor, &req).await,
        Err(e) => Err(e),
    };
    match (report, params) {
        (Ok(r), Ok(params)) => {
            p.result = Some(lotse_reports::render::html::fragment(&r, Lang::De));
            p.downloads = downloads(&format!("/api/v1/reports/{}", p.name), &api_query(&params));
            // Lists of persons and staff workloads are not published (the service refuses them too).
            p.may_publish = is_allowed(&u.actor, Action::Create, &Resource::Publication)
                && lotse_service::publications::publishable(&p.name);
            let period = match (f.year.trim(), f.from.trim(), f.to.trim()) {
                ("", "", "") => String::new(),
                ("", from, to) => format!(" {from}–{to}"),
                (year, _, _) => format!(" {year}"),
            };
            p.publish_title = format!("{}{period}", labels::report_title(&p.name).de);
            match publishing {
                Publishing::None => render(&p),
                Publishing::Done(title) => {
                    p.published = Some(title);
                    render(&p)
                }
                Publishing::Failed { title, error } => {
                    let status = status_of(&error);
                    p.publish_title = title;
                    p.publish_error = Some(match &error {
                        DomainError::Invalid { de, .. } => de.clone(),
                        e => message(e),
                    });
                    (status, render(&p)).into_response()
                }
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            let status = status_of(&e);
            // The period's rules in the form's words (the service's speak of --year and --from/--to).
            let e = match &e {
                DomainError::Invalid { field, .. } if field == "period" => {
                    let missing = if f.from.trim().is_empty() { "from" } else { "to" };
                    DomainError::invalid(missing, "Bitte Anfang und Ende des Zeitraums angeben.", "from and to")
                }
                DomainError::Invalid { field, .. }
                    if field == "year" && !(f.from.trim().is_empty() && f.to.trim().is_empty()) =>
                {
                    DomainError::invalid(
                        "year",
                        "Bitte entweder ein Jahr oder einen Zeitraum von … bis angeben, nicht beides.",
                        "year or period",
                    )
                }
                _ => e,
            };
            if let DomainError::Invalid { field, de, .. } = &e {
                let field = field.as_str();
                if INPUTS.contains(&field) {
                    p.error_field = field.to_owned();
                    // The report crate speaks of its command-line option ("--cols: …"): named as the form does.
                    p.error = Some(match de.strip_prefix("--").and_then(|r| r.split_once(": ")) {
                        Some((_, text)) => format!("{}: {text}", label_of(field)),
                        None => de.clone(),
                    });
                }
            }
            if p.error.is_none() {
                p.error = Some(message(&e));
            }
            (status, render(&p)).into_response()
        }
    }
}

pub async fn reports(State(s): State<AppState>, u: UiUser, Query(f): Query<ReportForm>) -> Response {
    page(&s, &u, &f, Publishing::None).await
}

#[derive(Deserialize)]
pub struct PublishForm {
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(flatten)]
    report: ReportForm,
}

pub async fn publish(State(s): State<AppState>, u: UiUser, Form(f): Form<PublishForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let title = Some(f.title.trim().to_owned()).filter(|t| !t.is_empty());
    let name = f.report.name.clone().unwrap_or_default();
    let result = match f.report.params() {
        Ok(params) => s.lotse.publish_report(&u.actor, &name, &params, title).await,
        Err(e) => Err(e),
    };
    let publishing = match result {
        Ok(p) => Publishing::Done(p.title.unwrap_or(p.id)),
        // The report again, with the typed title and the error beside it.
        Err(error) => Publishing::Failed { title: f.title, error },
    };
    page(&s, &u, &f.report, publishing).await
}
