//! The coordinators' pages: budget allocation, the offer map, governance,
//! the innovation fund and finance (plan against actual, proof of use).
//! Each handler asks the service and lays out what comes back.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_bundle::spec;
use lotse_domain::{EntityId, Lang};
use lotse_reports::labels;
use lotse_service::page::PageRequest;
use lotse_service::programme_work::OfferMapQuery;
use lotse_service::records::Record;
use lotse_service::reports::ReportParams;
use serde::Deserialize;

use super::page::{Chrome, Head, SortValue, Sorting, UiUser, date, decimal, euro, message, parse_euro};
use super::render;
use crate::AppState;

/// Query text as the form sent it, for putting back into the form.
pub(super) fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(super) fn downloads(path: &str, query: &str) -> Vec<(&'static str, String)> {
    [("PDF", "pdf"), ("Excel (XLSX)", "xlsx"), ("CSV", "csv"), ("JSON", "json")]
        .into_iter()
        .map(|(label, f)| (label, format!("{path}?{query}&format={f}")))
        .collect()
}

pub(super) fn error_page(status: StatusCode, chrome: Chrome, text: String) -> Response {
    (status, render(&ErrorPage { chrome, text })).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    text: String,
}

// ------------------------------------------------------------ allocation

#[derive(Deserialize, Default)]
pub struct AllocationForm {
    total: Option<String>,
    key: Option<String>,
    year: Option<String>,
}

#[derive(Template)]
#[template(path = "allocation.html")]
struct AllocationPage {
    chrome: Chrome,
    total: String,
    key: String,
    year: String,
    error: Option<String>,
    error_field: &'static str,
    result: Option<String>,
    downloads: Vec<(&'static str, String)>,
}

pub async fn allocation(State(s): State<AppState>, u: UiUser, Query(f): Query<AllocationForm>) -> Response {
    let chrome = Chrome::new(&s, &u, "/mittelverteilung").await;
    let mut page = AllocationPage {
        chrome,
        total: f.total.clone().unwrap_or_default(),
        key: f.key.clone().filter(|k| k == "population").unwrap_or_else(|| "fluag".into()),
        year: f.year.clone().unwrap_or_default(),
        error: None,
        error_field: "",
        result: None,
        downloads: vec![],
    };
    if page.year.is_empty() {
        // The newest year with population figures is what one usually wants.
        let stats = s
            .lotse
            .records(&u.actor, "district_stats", &Record::new(), PageRequest { limit: Some(500), offset: None })
            .await;
        if let Ok(stats) = stats {
            let newest = stats
                .items
                .iter()
                .filter(|r| r.get("indicator").and_then(|v| v.as_str()) == Some("population"))
                .filter_map(|r| r.get("year").and_then(|v| v.as_str()).and_then(|y| y.parse::<i32>().ok()))
                .max();
            page.year = newest.map(|y| y.to_string()).unwrap_or_default();
        }
    }
    if f.total.is_none() {
        return render(&page);
    }
    let Some(cents) = parse_euro(&page.total).filter(|c| *c > 0) else {
        page.error = Some("Bitte einen Gesamtbetrag in Euro eingeben, z. B. 5.000.000,00.".into());
        page.error_field = "total";
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    };
    let Ok(year) = page.year.trim().parse::<i32>() else {
        page.error = Some("Bitte das Jahr der Einwohnerzahlen als Jahreszahl eingeben, z. B. 2018.".into());
        page.error_field = "year";
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    };
    let units = match s.lotse.allocation_units(&u.actor, year).await {
        Ok(units) if units.is_empty() => {
            page.error = Some("Dieser Mandant hat keine Kreise oder Bezirke, auf die verteilt werden kann.".into());
            return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
        }
        Ok(units) => units,
        Err(e) => {
            page.error = Some(message(&e));
            page.error_field = "year";
            return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
        }
    };
    let total = lotse_bundle::cell::format_money(cents);
    match lotse_reports::allocation::request(&units, &total, &page.key, u.actor.tenant.as_str(), false) {
        Ok(mut r) => {
            r.tenant_name = Some(page.chrome.tenant.clone());
            page.result = Some(lotse_reports::render::html::fragment(&r, Lang::De));
            page.downloads = downloads(
                "/api/v1/reports/allocation",
                &format!("year={year}&total={}&key={}", enc(&total), enc(&page.key)),
            );
            render(&page)
        }
        Err(e) => {
            page.error = Some(e.message(Lang::De));
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

// ------------------------------------------------------------- offer map

#[derive(Deserialize, Default)]
pub struct MapForm {
    provider: Option<String>,
    topic: Option<String>,
    program: Option<String>,
    year: Option<String>,
}

#[derive(Template)]
#[template(path = "offer_map.html")]
struct OfferMapPage {
    chrome: Chrome,
    /// The year typed is none: said at its input, and no map shown.
    year_error: Option<String>,
    providers: Vec<(String, String)>,
    topics: Vec<(String, String)>,
    programs: Vec<(String, String)>,
    provider: String,
    topic: String,
    program: String,
    year: String,
    stages: Vec<String>,
    rows: Vec<(String, Vec<Vec<String>>)>,
    gaps: Vec<String>,
    offers: usize,
    unplaced: usize,
}

/// Id and name of each record of a kind (for choosers).
pub(super) async fn choices(s: &AppState, u: &UiUser, kind: &str, key: &str) -> Vec<(String, String)> {
    let page = PageRequest { limit: Some(500), offset: None };
    s.lotse
        .records(&u.actor, kind, &Record::new(), page)
        .await
        .map(|p| {
            p.items
                .iter()
                .map(|r| {
                    let text = |c: &str| r.get(c).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                    (text(key), text("name"))
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn offer_map(State(s): State<AppState>, u: UiUser, Query(f): Query<MapForm>) -> Response {
    let chrome = Chrome::new(&s, &u, "/angebotslandkarte").await;
    let nonempty = |v: &Option<String>| v.clone().filter(|x| !x.trim().is_empty());
    let year = nonempty(&f.year);
    // A year that is none: the form again with the error at the year, no map.
    let (year_num, year_error) = match year.as_deref().map(|y| y.trim().parse::<i32>()) {
        Some(Ok(y)) if (1900..=2200).contains(&y) => (Some(y), None),
        Some(_) => {
            (None, Some(format!("„{}“ ist keine Jahreszahl, z. B. 2023.", year.as_deref().unwrap_or_default().trim())))
        }
        None => (None, None),
    };
    let q = OfferMapQuery {
        provider: nonempty(&f.provider),
        topic: nonempty(&f.topic),
        program: nonempty(&f.program),
        year: year_num,
    };
    let map = match s.lotse.offer_map(&u.actor, &q).await {
        Ok(m) => m,
        Err(e) => return error_page(StatusCode::FORBIDDEN, chrome, message(&e)),
    };
    let status = if year_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let providers = match s.lotse.providers(&u.actor, PageRequest { limit: Some(500), offset: None }).await {
        Ok(p) => p.items.into_iter().map(|p| (p.id, p.name)).collect(),
        Err(_) => vec![],
    };
    let stage_label = |s: &str| labels::code("life_stage", s).de;
    let offers = map.rows.iter().flat_map(|r| r.cells.iter()).map(Vec::len).sum();
    let page = OfferMapPage {
        year_error,
        providers,
        topics: spec::TOPIC.iter().map(|t| (t.to_string(), labels::code("topic", t).de)).collect(),
        programs: choices(&s, &u, "programs", "program_id").await,
        provider: q.provider.unwrap_or_default(),
        topic: q.topic.unwrap_or_default(),
        program: q.program.unwrap_or_default(),
        year: year.unwrap_or_default(),
        stages: map.life_stages.iter().map(|s| stage_label(s)).collect(),
        rows: map
            .rows
            .iter()
            .map(|r| {
                (r.district_name.clone(), r.cells.iter().map(|c| c.iter().map(|o| o.name.clone()).collect()).collect())
            })
            .collect(),
        gaps: map.gaps.iter().map(|g| format!("{}: {}", g.district_name, stage_label(&g.life_stage))).collect(),
        offers,
        unplaced: map.unplaced,
        chrome,
    };
    (status, render(&page)).into_response()
}

// ------------------------------------------------------------ governance

struct MilestoneRow {
    title: String,
    goal: String,
    owner: String,
    due: String,
    status: String,
    late: bool,
}

struct GoalRow {
    title: String,
    milestones: Vec<MilestoneRow>,
}

struct BodyRow {
    name: String,
    kind: Option<String>,
    mission: Option<String>,
    members: Vec<String>,
    meetings: Vec<String>,
}

#[derive(Template)]
#[template(path = "governance.html")]
struct GovernancePage {
    chrome: Chrome,
    today: String,
    late: Vec<MilestoneRow>,
    goals: Vec<GoalRow>,
    bodies: Vec<BodyRow>,
}

pub async fn governance(State(s): State<AppState>, u: UiUser) -> Response {
    let chrome = Chrome::new(&s, &u, "/gremien").await;
    let g = match s.lotse.governance(&u.actor, None).await {
        Ok(g) => g,
        Err(e) => return error_page(StatusCode::FORBIDDEN, chrome, message(&e)),
    };
    let goal_title = |id: &str| g.goals.iter().find(|x| x.id == id).map(|x| x.title.clone()).unwrap_or_default();
    let row = |m: &lotse_service::programme_work::MilestoneView| MilestoneRow {
        title: m.title.clone(),
        goal: goal_title(&m.goal_id),
        owner: m.owner.clone().unwrap_or_default(),
        due: date(m.due_date),
        status: match m.done_date {
            Some(d) if m.status == "done" => format!("erledigt am {}", date(d)),
            _ => labels::code("milestone", &m.status).de,
        },
        late: m.late,
    };
    render(&GovernancePage {
        today: date(g.today),
        late: g.late.iter().map(row).collect(),
        goals: g
            .goals
            .iter()
            .map(|x| GoalRow { title: x.title.clone(), milestones: x.milestones.iter().map(row).collect() })
            .collect(),
        bodies: g
            .bodies
            .iter()
            .map(|b| BodyRow {
                name: b.name.clone(),
                kind: b.kind.as_deref().map(|k| labels::code("body", k).de),
                mission: b.mission.clone(),
                members: b.members.clone(),
                meetings: b.meetings.iter().map(|d| date(*d)).collect(),
            })
            .collect(),
        chrome,
    })
}

// ------------------------------------------------------- innovation fund

struct ProposalRow {
    rank: usize,
    title: String,
    applicant: String,
    score: String,
    budget: String,
    fits: &'static str,
    decision: &'static str,
}

struct CallView {
    id: String,
    name: String,
    budget: String,
    proposals: usize,
    selected: usize,
    committed: String,
    women: String,
    may_select: bool,
    rows: Vec<ProposalRow>,
    pager: super::admin::Pager,
}

#[derive(Template)]
#[template(path = "fund.html")]
struct FundPage {
    chrome: Chrome,
    heads: Vec<Head>,
    calls: Vec<CallView>,
}

/// The ranking's columns; by rank unless another is chosen. Whether a
/// proposal fits the budget is decided over the whole ranking (by the
/// service), so a page of it still says so.
const RANKING_COLUMNS: [(&str, &str); 7] = [
    ("rank", "Rang"),
    ("title", "Antrag"),
    ("applicant", "Antragsteller"),
    ("score", "Punkte"),
    ("budget", "Budget"),
    ("fits", "Im Budget"),
    ("decision", "Entscheidung"),
];

#[derive(Deserialize, Default)]
pub struct FundQuery {
    sort: Option<String>,
    offset: Option<u64>,
    /// The call whose ranking `offset` pages (a tenant may have several).
    aufruf: Option<String>,
}

pub async fn fund(State(s): State<AppState>, u: UiUser, Query(q): Query<FundQuery>) -> Response {
    let sorting = Sorting::read(q.sort.as_deref(), &RANKING_COLUMNS, ("rank", false));
    let offset = q.offset.unwrap_or(0);
    let chrome = Chrome::new(&s, &u, "/innovationsfonds").await;
    let calls = match s.lotse.fund_calls(&u.actor).await {
        Ok(c) => c,
        Err(e) => return error_page(StatusCode::FORBIDDEN, chrome, message(&e)),
    };
    let may_select = lotse_domain::authz::is_allowed(
        &u.actor,
        lotse_domain::authz::Action::Update,
        &lotse_domain::authz::Resource::Review,
    );
    let mut views = vec![];
    for (id, _) in calls {
        let Ok(id) = EntityId::parse(&id) else { continue };
        let r = match s.lotse.fund_ranking(&u.actor, &id).await {
            Ok(r) => r,
            Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, chrome, message(&e)),
        };
        let cents = |e: &str| parse_euro(e).map(euro).unwrap_or_else(|| e.to_owned());
        let mut ranked: Vec<_> = r.ranking.iter().collect();
        sorting.sort(&mut ranked, |p, key| match key {
            "title" => SortValue::text(&p.title),
            "applicant" => SortValue::text(p.applicant.as_deref().or(p.provider_id.as_deref()).unwrap_or_default()),
            // Hundredths of a point, as shown.
            "score" => SortValue::Num((p.score * 100.0).round() as i64),
            "budget" => parse_euro(&p.budget_eur).map_or(SortValue::Empty, SortValue::Num),
            "fits" => SortValue::Num(i64::from(!p.fits)),
            "decision" => SortValue::text(p.decision.as_deref().unwrap_or_default()),
            _ => SortValue::Num(p.rank as i64),
        });
        let total = ranked.len() as u64;
        let offset = if q.aufruf.as_deref() == Some(r.call_id.as_str()) { offset } else { 0 };
        let shown = super::page::page_of(ranked, offset, super::admin::PAGE);
        let query = format!("aufruf={}&sort={}", enc(&r.call_id), sorting.param());
        views.push(CallView {
            pager: super::admin::Pager::new("/innovationsfonds", &query, offset, shown.len(), total),
            id: r.call_id.clone(),
            name: r.name.clone(),
            budget: cents(&r.budget_eur),
            proposals: r.figures.proposals,
            selected: r.figures.selected,
            committed: cents(&r.figures.funds_committed_eur),
            women: r
                .figures
                .planned_women_share
                .map(|x| format!("{} %", decimal(x * 100.0, 1)))
                .unwrap_or_else(|| "–".into()),
            may_select,
            rows: shown
                .into_iter()
                .map(|p| ProposalRow {
                    rank: p.rank,
                    title: p.title.clone(),
                    applicant: p.applicant.clone().or(p.provider_id.clone()).unwrap_or_default(),
                    score: decimal(p.score, 2) + if p.incomplete { " (unvollständig)" } else { "" },
                    budget: cents(&p.budget_eur),
                    fits: if p.fits { "ja" } else { "nein" },
                    decision: match p.decision.as_deref() {
                        Some("selected") => "ausgewählt",
                        Some("rejected") => "abgelehnt",
                        _ => "offen",
                    },
                })
                .collect(),
        });
    }
    let heads = sorting.heads_num("/innovationsfonds", "", &RANKING_COLUMNS, &["rank", "score", "budget"]);
    render(&FundPage { chrome, heads, calls: views })
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn select(State(s): State<AppState>, u: UiUser, Path(id): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let chrome = Chrome::new(&s, &u, "/innovationsfonds").await;
    let Ok(id) = EntityId::parse(&id) else {
        return error_page(StatusCode::NOT_FOUND, chrome, "Diesen Förderaufruf gibt es nicht.".into());
    };
    match s.lotse.select_proposals(&u.actor, &id).await {
        Ok(_) => Redirect::to("/innovationsfonds").into_response(),
        Err(e) => error_page(StatusCode::UNPROCESSABLE_ENTITY, chrome, message(&e)),
    }
}

// ---------------------------------------------------------------- finance

#[derive(Deserialize, Default)]
pub struct FinanceForm {
    program: Option<String>,
    year: Option<String>,
    funder: Option<String>,
}

#[derive(Template)]
#[template(path = "finance.html")]
struct FinancePage {
    chrome: Chrome,
    programs: Vec<(String, String)>,
    funders: Vec<(String, String)>,
    program: String,
    year: String,
    funder: String,
    error: Option<String>,
    /// The input the error belongs to (year, program, funder), else none.
    error_field: String,
    result: Option<String>,
    downloads: Vec<(&'static str, String)>,
}

super::page::field_errors!(FinancePage);

pub async fn finance(State(s): State<AppState>, u: UiUser, Query(f): Query<FinanceForm>) -> Response {
    let chrome = Chrome::new(&s, &u, "/finanzen").await;
    let programs = choices(&s, &u, "programs", "program_id").await;
    let mut page = FinancePage {
        program: f.program.clone().or_else(|| programs.first().map(|p| p.0.clone())).unwrap_or_default(),
        year: f.year.clone().unwrap_or_else(|| (chrono::Local::now().date_naive().year_ce().1 as i32 - 1).to_string()),
        funder: f.funder.clone().unwrap_or_default(),
        funders: spec::FUNDING_CATEGORY.iter().map(|c| (c.to_string(), labels::code("funding", c).de)).collect(),
        programs,
        chrome,
        error: None,
        error_field: String::new(),
        result: None,
        downloads: vec![],
    };
    if page.program.is_empty() {
        page.error = Some("In diesem Mandanten gibt es noch kein Programm.".into());
        return render(&page);
    }
    let params = ReportParams {
        year: Some(page.year.clone()),
        program: Some(page.program.clone()),
        funder: Some(page.funder.clone()).filter(|f| !f.is_empty()),
        ..Default::default()
    };
    let report = match params.request("proof-of-use") {
        Ok(req) => s.lotse.report(&u.actor, &req).await,
        Err(e) => Err(e),
    };
    match report {
        Ok(r) => {
            page.result = Some(lotse_reports::render::html::fragment(&r, Lang::De));
            let mut query = format!("year={}&program={}", enc(&page.year), enc(&page.program));
            if !page.funder.is_empty() {
                query.push_str(&format!("&funder={}", enc(&page.funder)));
            }
            page.downloads = downloads("/api/v1/reports/proof-of-use", &query);
            render(&page)
        }
        Err(e @ lotse_domain::DomainError::Forbidden { .. }) => {
            error_page(StatusCode::FORBIDDEN, page.chrome, message(&e))
        }
        Err(e) => {
            if let lotse_domain::DomainError::Invalid { field, de, .. } = &e
                && ["year", "program", "funder"].contains(&field.as_str())
            {
                page.error_field = field.clone();
                page.error = Some(de.clone());
            } else {
                page.error = Some(message(&e));
            }
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

use chrono::Datelike;
