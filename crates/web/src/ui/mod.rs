//! The German web interface: server-rendered HTML that works without
//! JavaScript. Every form carries a CSRF token; the login form, which has no
//! session yet, uses a double-submit cookie.

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use lotse_domain::ids::split_qualified_login;
use lotse_domain::{DomainError, Lang};
use lotse_service::crypto;
use serde::Deserialize;
use std::net::SocketAddr;

use crate::AppState;
use crate::extract::{SESSION_COOKIE, client_address};

mod accounts;
mod admin;
mod cases;
mod import;
mod page;
mod persons;
mod programme;
mod records;
mod reports;
mod rights;

use page::{Chrome, UiUser};

const LOGIN_CSRF_COOKIE: &str = "lotse_login_csrf";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/anmelden", get(login_form).post(login))
        .route("/abmelden", axum::routing::post(logout))
        .route("/barrierefreiheit", get(accessibility))
        .route("/mittelverteilung", get(programme::allocation))
        .route("/angebotslandkarte", get(programme::offer_map))
        .route("/gremien", get(programme::governance))
        .route("/innovationsfonds", get(programme::fund))
        .route("/innovationsfonds/{id}/auswahl", axum::routing::post(programme::select))
        .route("/finanzen", get(programme::finance))
        .route(
            "/import",
            get(import::form)
                .post(import::check)
                .layer(axum::extract::DefaultBodyLimit::max(crate::api::imports::UPLOAD_LIMIT)),
        )
        .route("/import/uebernehmen", axum::routing::post(import::confirm))
        .route("/verwaltung/benutzer", get(admin::users).post(admin::create_user))
        .route("/verwaltung/benutzer/{id}", get(accounts::show).post(accounts::update))
        .route("/verwaltung/benutzer/{id}/passwort", axum::routing::post(accounts::reset_password))
        .route("/verwaltung/rollen", get(accounts::roles))
        .route("/konto", get(accounts::own).post(accounts::change_password))
        .route("/zugaenge", get(admin::tokens).post(admin::create_token))
        .route("/zugaenge/widerrufen", axum::routing::post(admin::revoke_token))
        .route("/protokoll", get(admin::audit))
        .route("/protokoll/pruefen", axum::routing::post(admin::verify))
        .route("/personen", get(persons::list).post(persons::search))
        .route("/personen/{id}", get(persons::show))
        .route("/personen/{id}/fall", axum::routing::post(persons::open_case))
        .route("/personen/{id}/einwilligung", axum::routing::post(persons::record_consent))
        .route("/personen/{id}/einwilligung-widerrufen", axum::routing::post(persons::withdraw_consent))
        .route("/personen/{id}/uebergabe", axum::routing::post(persons::handover))
        .route("/faelle", get(cases::list))
        .route("/faelle/{id}", get(cases::show))
        .route("/faelle/{id}/phase", axum::routing::post(cases::phase))
        .route("/faelle/{id}/zugang", axum::routing::post(cases::intake))
        .route("/faelle/{id}/einschaetzung", axum::routing::post(cases::assessment))
        .route("/faelle/{id}/ziele", axum::routing::post(cases::goal))
        .route("/faelle/{id}/kontakte", axum::routing::post(cases::contact))
        .route("/faelle/{id}/abschluss", axum::routing::post(cases::close))
        .route("/faelle/{id}/vermittlungen", axum::routing::post(cases::referral))
        .route("/faelle/{id}/konferenzen", axum::routing::post(cases::conference))
        .route("/programme", get(records::programs))
        .route("/programme/neu", get(records::new_program).post(records::create_program))
        .route("/programme/{id}", get(records::program).post(records::update_program))
        .route("/programme/{id}/archivieren", axum::routing::post(records::archive_program))
        .route("/foerderbausteine", get(records::modules))
        .route("/foerderbausteine/neu", get(records::new_module).post(records::create_module))
        .route("/foerderbausteine/{id}", get(records::module).post(records::update_module))
        .route("/foerderbausteine/{id}/archivieren", axum::routing::post(records::archive_module))
        .route("/angebote", get(records::offers))
        .route("/angebote/neu", get(records::new_offer).post(records::create_offer))
        .route("/angebote/{id}", get(records::offer).post(records::update_offer))
        .route("/angebote/{id}/archivieren", axum::routing::post(records::archive_offer))
        .route("/angebote/{id}/termine", get(records::sessions).post(records::add_session))
        .route("/angebote/{id}/termine/{session}", get(records::attendance).post(records::record_attendance))
        .route("/uebergaben", get(rights::handovers))
        .route("/uebergaben/{id}", axum::routing::post(rights::decide))
        .route("/verwaltung/aufbewahrung", get(rights::retention).post(rights::save_rule))
        .route("/verwaltung/aufbewahrung/entfernen", axum::routing::post(rights::remove_rule))
        .route("/berichte", get(reports::reports))
        .route("/berichte/veroeffentlichen", axum::routing::post(reports::publish))
        .route("/static/lotse.css", get(css))
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Interner Fehler").into_response()
        }
    }
}

/// Secure cookies when users reach Lotse over TLS (directly or via a proxy).
fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
        || headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes() == b"https")
}

fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value)).http_only(true).secure(secure).same_site(SameSite::Strict).path("/").build()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    login: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    display_name: String,
    provider: Option<String>,
    year: i32,
    years: Vec<i32>,
    /// The year's key figures (coordination, head, controlling).
    figures: Option<String>,
    late: Vec<String>,
    /// A case manager's day: due steps, follow-ups, expiring residence titles, caseload.
    work: Option<Work>,
}

struct Work {
    /// Handover requests waiting for the provider's decision.
    handovers: u64,
    until: String,
    steps: Vec<(String, String)>,
    follow_ups: Vec<(String, String)>,
    residence: Vec<(String, String)>,
    open_cases: u64,
    /// The newest open cases (own, else the provider's): (case id, person
    /// id, person, offer, phase, since).
    cases: Vec<HomeCase>,
    /// The list is the account's own cases (it works as a staff member).
    own: bool,
    caseload: Vec<String>,
}

struct HomeCase {
    id: String,
    person_id: String,
    person: String,
    offer: String,
    phase: &'static str,
    since: String,
}

/// How many open cases the start page lists.
const HOME_CASES: u64 = 10;

/// What a case manager has to do: due steps of the next two weeks, the
/// six-month follow-ups due, residence titles ending within 30 days, and
/// the caseload against its target.
async fn work_of(s: &AppState, u: &UiUser) -> Work {
    let a = &u.actor;
    let today = chrono::Local::now().date_naive();
    let until = today + chrono::Duration::days(14);
    let steps = s.lotse.due_steps(a, until).await.unwrap_or_default();
    let follow_ups = s.lotse.follow_up_reminders(a, Some(today)).await.unwrap_or_default();
    let residence = s
        .lotse
        .residence_reminders(a, lotse_service::residence::ReminderQuery { within_days: Some(30) })
        .await
        .unwrap_or_default();
    // One's own cases when the account works as a staff member, else the
    // provider's.
    let own = a.staff_id.clone();
    let open = lotse_service::cases::CaseQuery { staff: own.clone(), open: Some(true), ..Default::default() };
    let open_cases = s.lotse.case_count(a, &open).await.unwrap_or(0);
    let newest = lotse_service::cases::CaseQuery { limit: Some(HOME_CASES), ..open };
    let cases = match s.lotse.cases_with_names(a, newest).await {
        Ok((page, names)) => {
            let offer_ids: Vec<String> = page.items.iter().map(|c| c.offer_id.clone()).collect();
            let offers = records::names_of(s, u, "offers", &offer_ids).await;
            page.items
                .into_iter()
                .map(|c| HomeCase {
                    person: cases::person_name(&names, &c.person_id),
                    offer: offers.get(&c.offer_id).cloned().unwrap_or_else(|| c.offer_id.clone()),
                    phase: lotse_domain::case::Phase::parse(&c.phase).map(|p| p.label_de()).unwrap_or("unbekannt"),
                    since: c.phase_since.map(page::date).unwrap_or_default(),
                    person_id: c.person_id,
                    id: c.id,
                })
                .collect()
        }
        Err(_) => vec![],
    };
    // One's own open cases against one's FTE, cheaply; the team's caseload
    // (the `caseload` report over the whole provider) is a link: at a large
    // provider it takes seconds (docs/performance.md, "Start page").
    let target = lotse_reports::caseload::DEFAULT_TARGET;
    let caseload = match s.lotse.own_fte(a).await.ok().flatten() {
        Some(fte) if fte > 0.0 => {
            let per = open_cases as f64 / fte;
            vec![format!(
                "Ihre offenen Fälle je Vollzeitstelle: {} ({} Fälle bei {} Vollzeitstellen) – Zielschlüssel 1:{}{}",
                page::decimal(per, 1),
                open_cases,
                page::decimal(fte, 2),
                page::decimal(target, 0),
                if per > target { ", darüber" } else { "" }
            )]
        }
        _ => vec![format!("Zielschlüssel 1:{}", page::decimal(target, 0))],
    };
    Work {
        handovers: s.lotse.incoming_handover_count(a).await.unwrap_or(0),
        until: page::date(until),
        steps: steps
            .into_iter()
            .map(|d| {
                (
                    format!("/faelle/{}", d.case_id),
                    format!(
                        "{}: {} – {} (bis {})",
                        d.goal,
                        d.step,
                        d.owner.unwrap_or_default(),
                        page::date(d.due_date)
                    ),
                )
            })
            .collect(),
        follow_ups: follow_ups
            .into_iter()
            .map(|r| {
                (
                    format!("/faelle/{}", r.case_id),
                    format!(
                        "Fall {}: ausgetreten am {}, fällig am {}",
                        r.case_id,
                        page::date(r.exit_date),
                        page::date(r.due_date)
                    ),
                )
            })
            .collect(),
        residence: residence
            .into_iter()
            .map(|r| {
                let name = [r.given_name, r.family_name].into_iter().flatten().collect::<Vec<_>>().join(" ");
                (
                    format!("/personen/{}", r.person_id),
                    format!(
                        "{name}: {} bis {} (noch {} Tage)",
                        r.status.label_de(),
                        page::date(r.valid_until),
                        r.days_left
                    ),
                )
            })
            .collect(),
        open_cases,
        cases,
        own: own.is_some(),
        caseload,
    }
}

#[derive(Deserialize)]
struct HomeQuery {
    jahr: Option<i32>,
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage;

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../templates/lotse.css"),
    )
}

/// The page shown instead of one whose reads could not be recorded.
#[derive(Template)]
#[template(path = "unavailable.html")]
struct Unavailable;

/// A page that only reads (GET, HEAD) is made of many parts, each of which
/// records in the audit trail what it read. The parts' entries are
/// committed together when the page is ready (one wait for the trail, not
/// one per part — on SQLite each commit is an fsync and the pages queued
/// behind each other's), and the page is sent only once they are: if they
/// cannot be recorded, it is not shown.
pub(crate) async fn reads_together(
    State(s): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::Method;
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let (page, recorded) = s.lotse.reads_together(next.run(req)).await;
    match recorded {
        Ok(()) => page,
        Err(e) => {
            tracing::warn!(code = e.code(), "page withheld: its reads could not be recorded in the audit trail");
            let mut withheld = (StatusCode::SERVICE_UNAVAILABLE, render(&Unavailable)).into_response();
            // Cookies the page set (a sign-in form's token) still reach the browser.
            for c in page.headers().get_all(axum::http::header::SET_COOKIE) {
                withheld.headers_mut().append(axum::http::header::SET_COOKIE, c.clone());
            }
            withheld
        }
    }
}

async fn accessibility() -> Response {
    render(&AccessibilityPage)
}

/// The start page by role: the department sees the year's key figures with
/// their charts and the late milestones; controlling the figures only
/// (always with disclosure control); others where their work is.
async fn home(
    State(s): State<AppState>,
    u: UiUser,
    axum::extract::Query(q): axum::extract::Query<HomeQuery>,
) -> Response {
    use lotse_domain::Role;
    let chrome = Chrome::new(&s, &u, "/").await;
    let a = &u.actor;
    let department = matches!(a.role, Role::Coordinator | Role::Head | Role::Controller);
    let this_year = chrono::Datelike::year(&chrono::Local::now().date_naive());
    let latest = if department { s.lotse.latest_activity_year(a).await.ok().flatten() } else { None };
    let year = q.jahr.filter(|y| (1990..=this_year).contains(y)).or(latest).unwrap_or(this_year).min(this_year);
    let mut figures = None;
    if department {
        let params = lotse_service::reports::ReportParams { year: Some(year.to_string()), ..Default::default() };
        if let Ok(req) = params.request("key-figures")
            && let Ok(r) = s.lotse.report(a, &req).await
        {
            figures = Some(lotse_reports::render::html::fragment(&r, Lang::De));
        }
    }
    let late = if matches!(a.role, Role::Coordinator | Role::Head) {
        s.lotse
            .governance(a, None)
            .await
            .map(|g| g.late.iter().map(|m| format!("{} (fällig {})", m.title, page::date(m.due_date))).collect())
            .unwrap_or_default()
    } else {
        vec![]
    };
    let work = if a.role == Role::CaseManager { Some(work_of(&s, &u).await) } else { None };
    render(&HomePage {
        work,
        display_name: a.login.to_string(),
        provider: a.provider.as_ref().map(ToString::to_string),
        years: (year.min(this_year) - 3..=this_year).rev().collect(),
        year,
        figures,
        late,
        chrome,
    })
}

fn login_page(
    s: &AppState,
    headers: &HeaderMap,
    jar: CookieJar,
    login: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let csrf = crypto::random_token();
    let jar = jar.add(cookie(LOGIN_CSRF_COOKIE, csrf.clone(), secure(s, headers)));
    (status, jar, render(&LoginPage { csrf, login, error })).into_response()
}

async fn login_form(State(s): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Response {
    login_page(&s, &headers, jar, String::new(), None, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    csrf: String,
}

async fn login(
    State(s): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(f): Form<LoginForm>,
) -> Response {
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if expected.is_empty() || !crypto::constant_time_eq(&expected, &f.csrf) {
        let msg = "Das Formular ist abgelaufen. Bitte erneut anmelden.".to_owned();
        return login_page(&s, &headers, jar, f.login, Some(msg), StatusCode::FORBIDDEN);
    }
    let Some((login, tenant)) = split_qualified_login(&f.login) else {
        let msg = "Bitte den Anmeldenamen in der Form name@mandant eingeben.".to_owned();
        return login_page(&s, &headers, jar, f.login, Some(msg), StatusCode::UNPROCESSABLE_ENTITY);
    };
    let address = client_address(&headers, Some(addr), s.config.trust_proxy);
    match s.lotse.login(&tenant, &login, &f.password, address).await {
        Ok(session) => {
            let jar = jar.remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/")).add(cookie(
                SESSION_COOKIE,
                session.cookie,
                secure(&s, &headers),
            ));
            (jar, Redirect::to("/")).into_response()
        }
        Err(e) => {
            let (status, msg) = match &e {
                DomainError::Unauthenticated => {
                    (StatusCode::UNAUTHORIZED, "Anmeldename oder Passwort ist falsch.".to_owned())
                }
                DomainError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, e.message(Lang::De)),
                _ => (StatusCode::INTERNAL_SERVER_ERROR, e.message(Lang::De)),
            };
            login_page(&s, &headers, jar, f.login, Some(msg), status)
        }
    }
}

#[derive(Deserialize)]
struct LogoutForm {
    csrf: String,
}

async fn logout(State(s): State<AppState>, jar: CookieJar, Form(f): Form<LogoutForm>) -> Response {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        match s.lotse.session(c.value(), None).await {
            Ok(session) if crypto::constant_time_eq(&session.csrf_token, &f.csrf) => {
                let _ = s.lotse.logout(c.value()).await;
            }
            Ok(_) => return page::expired(),
            Err(_) => {}
        }
    }
    (jar.remove(Cookie::build(SESSION_COOKIE).path("/")), Redirect::to("/anmelden")).into_response()
}
