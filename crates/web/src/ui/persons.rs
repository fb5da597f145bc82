//! Persons for the case manager: search (spelling variants and typos
//! found), the person's record with residence history and cases, and
//! opening a case. Names never go into a URL: the search is a form field.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_domain::{DomainError, EntityId};
use lotse_service::cases::{CaseQuery, OpenCase};
use lotse_service::page::PageRequest;
use lotse_service::persons::{Person, PersonQuery};
use lotse_service::records::Record;
use serde::Deserialize;

use super::admin::Pager;
use super::page::{Chrome, Head, SentBack, Sorting, UiUser, date, message, required_date, status_of};
use super::programme::error_page;
use super::render;
use crate::AppState;

fn name_of(p: &Person) -> String {
    let n = [p.attributes.given_name.as_deref(), p.attributes.family_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if n.is_empty() { format!("(ohne Namen) {}", p.id) } else { n }
}

pub struct PersonRow {
    id: String,
    name: String,
    birth: String,
    place: String,
}

#[derive(Template)]
#[template(path = "persons.html")]
struct PersonsPage {
    chrome: Chrome,
    q: String,
    /// A search: its headers and pages are buttons of the (POST) search
    /// form, so that the search text never stands in an address.
    searching: bool,
    sort: String,
    heads: Vec<Head>,
    rows: Vec<PersonRow>,
    pager: Pager,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListForm {
    offset: Option<u64>,
    sort: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SearchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    q: String,
    offset: Option<u64>,
    sort: Option<String>,
    /// A header's button: sort by this (from the first page on).
    sort_to: Option<String>,
}

/// The person list's columns; the keys are the service's orders.
const PERSON_COLUMNS: [(&str, &str); 4] =
    [("name", "Name"), ("birth_date", "Geburtsdatum"), ("municipality", "Wohnort"), ("id", "Kennung")];

/// Every person of the caller's provider, sorted and paged by links.
pub async fn list(State(s): State<AppState>, u: UiUser, Query(f): Query<ListForm>) -> Response {
    persons_page(&s, &u, String::new(), f.offset.unwrap_or(0), f.sort.as_deref()).await
}

/// A name search, sent by POST: the text stays out of addresses and logs.
pub async fn search(State(s): State<AppState>, u: UiUser, Form(f): Form<SearchForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let (offset, sort) = match f.sort_to.as_deref() {
        Some(to) => (0, Some(to)),
        None => (f.offset.unwrap_or(0), f.sort.as_deref()),
    };
    persons_page(&s, &u, f.q.clone(), offset, sort).await
}

async fn persons_page(s: &AppState, u: &UiUser, q: String, offset: u64, sort: Option<&str>) -> Response {
    let chrome = Chrome::new(s, u, "/personen").await;
    let searching = !q.trim().is_empty();
    // A search is ranked best match first unless a column is chosen.
    let sorting = Sorting::read(sort, &PERSON_COLUMNS, if searching { ("", false) } else { ("name", false) });
    let query = PersonQuery {
        q: Some(q.clone()).filter(|_| searching),
        limit: Some(50),
        offset: Some(offset),
        sort: Some(sorting.param()).filter(|p| !p.is_empty()),
    };
    let paged = if sorting.key.is_empty() { String::new() } else { format!("sort={}", sorting.param()) };
    match s.lotse.persons(&u.actor, query).await {
        Ok(page) => render(&PersonsPage {
            pager: Pager {
                more: page.total_capped,
                ..Pager::new("/personen", &paged, offset, page.items.len(), page.total)
            },
            heads: sorting.heads("/personen", "", &PERSON_COLUMNS),
            sort: sorting.param(),
            rows: page
                .items
                .iter()
                .map(|p| PersonRow {
                    id: p.id.clone(),
                    name: name_of(p),
                    birth: p.attributes.birth_date.map(date).unwrap_or_default(),
                    place: p.attributes.municipality.clone().unwrap_or_default(),
                })
                .collect(),
            q,
            searching,
            error: None,
            chrome,
        }),
        Err(e @ DomainError::Forbidden { .. }) => error_page(StatusCode::FORBIDDEN, chrome, message(&e)),
        Err(e) => {
            let page = PersonsPage {
                chrome,
                q,
                searching,
                sort: String::new(),
                heads: sorting.heads("/personen", "", &PERSON_COLUMNS),
                rows: vec![],
                pager: Pager::new("/personen", "", 0, 0, 0),
                error: Some(message(&e)),
            };
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

pub struct PersonView {
    id: String,
    name: String,
    facts: Vec<(&'static str, String)>,
    residence: Vec<String>,
    cases: Vec<(String, String)>,
    /// Consent id, text, whether it can still be withdrawn.
    consents: Vec<(String, String, bool)>,
    /// Programme, whether the person belongs to its target group today, the failing conditions.
    eligibility: Vec<(String, bool, String)>,
    /// The waiting lists the person is on: offer link, offer name, since, place.
    waiting: Vec<(String, String, String, usize)>,
}

/// Messages for the person page's forms.
#[derive(Default)]
struct Notes {
    /// The offer was full: the person waits.
    waiting: Option<String>,
    handover_done: Option<String>,
    /// A form that came back with an error.
    sent: SentBack,
}

/// The inputs of each form of the person page that an error can belong
/// to: (name, element id). The template marks each of them.
fn inputs_of(section: &str) -> Vec<(&'static str, String)> {
    let inputs: &[(&'static str, &'static str)] = match section {
        "case" => &[("offer", "offer"), ("staff", "staff"), ("entry", "entry")],
        "consent" => &[("scope", "scope"), ("provider", "consent-provider"), ("given", "given")],
        "handover" => &[("to_provider", "to_provider"), ("note", "handover-note")],
        _ => &[],
    };
    inputs.iter().map(|(n, e)| (*n, e.to_string())).collect()
}

/// The service's names of the fields the person page's inputs send.
const ALIASES: &[(&str, &str)] = &[
    ("offer_id", "offer"),
    ("staff_id", "staff"),
    ("entry_date", "entry"),
    ("given_date", "given"),
    ("provider_id", "provider"),
];

/// The person page again, with the form `section` and its error.
async fn sent_back(
    s: &AppState,
    u: &UiUser,
    id: &str,
    section: &'static str,
    typed: &[(&str, &str)],
    e: DomainError,
) -> Response {
    let status = if matches!(e, DomainError::NotFound { .. }) { StatusCode::NOT_FOUND } else { status_of(&e) };
    let sent = SentBack::new(section, typed, &e, &inputs_of(section), ALIASES);
    person_page(s, u, id, status, Notes { sent, ..Default::default() }).await
}

fn scope_de(scope: &str) -> &'static str {
    match scope {
        "share_with_provider" => "Weitergabe an einen anderen Träger",
        "process_for_program" => "Verarbeitung für ein Programm",
        "follow_up_contact" => "erneute Kontaktaufnahme nach dem Fall",
        _ => "sonstige",
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    chrome: Chrome,
    p: PersonView,
    offers: Vec<(String, String)>,
    staff: Vec<(String, String)>,
    /// Set when the provider has more staff than a choice list shows.
    staff_count: Option<u64>,
    /// The staff id the signed-in case manager works as ("" if none).
    own_staff: String,
    providers: Vec<(String, String)>,
    scopes: Vec<(String, &'static str)>,
    today: String,
    waiting_notice: Option<String>,
    handover_notice: Option<String>,
    sent: SentBack,
}

/// At most this many staff members are offered as a choice list when a
/// case is opened; a larger team types the id.
const STAFF_CHOICE: u64 = 100;

async fn person_page(s: &AppState, u: &UiUser, id: &str, status: StatusCode, notes: Notes) -> Response {
    let not_found = || "Diese Person gibt es nicht (oder Sie haben keinen Zugriff).".to_owned();
    let Ok(pid) = EntityId::parse(id) else {
        return error_page(StatusCode::NOT_FOUND, Chrome::new(s, u, "/personen").await, not_found());
    };
    let (chrome, p) = tokio::join!(Chrome::new(s, u, "/personen"), s.lotse.person(&u.actor, &pid));
    let p = match p {
        Ok(p) => p,
        Err(DomainError::NotFound { .. }) => return error_page(StatusCode::NOT_FOUND, chrome, not_found()),
        Err(e) => return error_page(StatusCode::FORBIDDEN, chrome, message(&e)),
    };
    // The record's parts are independent reads: asked for together, so
    // that their entries in the audit trail are committed together (one
    // wait for the read log instead of one per part).
    let (residence, cases, (offers, own_staff, (staff, staff_count)), consents, waiting, eligibility, providers) = tokio::join!(
        residence_lines(s, u, &pid),
        case_lines(s, u, &p.id),
        open_case_choices(s, u, p.attributes.provider_id.as_str()),
        consent_lines(s, u, &pid),
        waiting_lines(s, u, &pid),
        eligibility_lines(s, u, &pid),
        other_providers(s, u, p.attributes.provider_id.as_str()),
    );
    let a = &p.attributes;
    let mut facts: Vec<(&'static str, String)> = vec![("Kennung", p.id.clone())];
    if let Some(b) = a.birth_date {
        facts.push(("Geburtsdatum", date(b)));
    }
    facts.push(("Geschlecht", a.gender.label_de().to_owned()));
    if let Some(r) = a.residence_status {
        facts.push(("Aufenthaltsstatus", r.label_de().to_owned()));
    }
    if let Some(n) = &a.nationality {
        facts.push(("Staatsangehörigkeit", n.clone()));
    }
    if let Some(m) = &a.municipality {
        facts.push(("Wohnort", m.clone()));
    }
    facts.push(("Träger", a.provider_id.to_string()));
    let page = PersonPage {
        p: PersonView { id: p.id.clone(), name: name_of(&p), facts, residence, cases, consents, eligibility, waiting },
        offers,
        staff,
        staff_count,
        own_staff,
        providers,
        scopes: ["share_with_provider", "process_for_program", "follow_up_contact"]
            .iter()
            .map(|c| (c.to_string(), scope_de(c)))
            .collect(),
        today: date(chrono::Local::now().date_naive()),
        waiting_notice: notes.waiting,
        handover_notice: notes.handover_done,
        sent: notes.sent,
        chrome,
    };
    (status, render(&page)).into_response()
}

/// The residence history, one line per status.
async fn residence_lines(s: &AppState, u: &UiUser, pid: &EntityId) -> Vec<String> {
    s.lotse
        .residence_history(&u.actor, pid)
        .await
        .map(|h| {
            h.iter()
                .map(|r| {
                    format!(
                        "{} ab {}{}",
                        r.entry.status.label_de(),
                        date(r.entry.valid_from),
                        r.entry.valid_until.map(|d| format!(", gültig bis {}", date(d))).unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The person's cases: id and a line.
async fn case_lines(s: &AppState, u: &UiUser, person: &str) -> Vec<(String, String)> {
    let q = CaseQuery { person: Some(person.to_owned()), limit: Some(100), ..Default::default() };
    s.lotse
        .cases(&u.actor, q)
        .await
        .map(|c| {
            c.items
                .iter()
                .map(|c| {
                    let phase = lotse_domain::case::Phase::parse(&c.phase).map(|p| p.label_de()).unwrap_or("");
                    (c.id.clone(), format!("{} – seit {}: {phase}", c.offer_id, date(c.entry_date)))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The provider's staff offered as a choice: (id, name) pairs, and the
/// team's size where it is larger than the choice.
type StaffChoice = (Vec<(String, String)>, Option<u64>);

/// Opening a case: the individual offers and the staff of the person's
/// provider, and the case manager's own staff id.
async fn open_case_choices(s: &AppState, u: &UiUser, provider: &str) -> (Vec<(String, String)>, String, StaffChoice) {
    let mut filter = Record::new();
    filter.insert("provider_id".into(), provider.into());
    // Only the individual offers, asked for as such: a provider may run
    // tens of thousands of group offers.
    let mut individual = filter.clone();
    individual.insert("delivery".into(), "individual".into());
    let all = PageRequest { limit: Some(500), offset: None };
    let pairs = |items: &[Record], key: &str| -> Vec<(String, String)> {
        items
            .iter()
            .filter(|o| o.get("archived").and_then(|v| v.as_bool()) != Some(true))
            .map(|o| {
                (o[key].as_str().unwrap_or_default().to_owned(), o["name"].as_str().unwrap_or_default().to_owned())
            })
            .collect()
    };
    // The provider's staff as a choice, up to STAFF_CHOICE of them; a
    // larger team types the id (the case manager's own is filled in).
    let (offers, staff_page) = tokio::join!(
        s.lotse.records(&u.actor, "offers", &individual, all),
        s.lotse.records(&u.actor, "staff", &filter, PageRequest { limit: Some(STAFF_CHOICE + 1), offset: None }),
    );
    let offers = offers
        .map(|r| {
            let individual: Vec<Record> = r
                .items
                .into_iter()
                .filter(|o| o.get("delivery").and_then(|v| v.as_str()) == Some("individual"))
                .collect();
            pairs(&individual, "offer_id")
        })
        .unwrap_or_default();
    let staff_count = staff_page.as_ref().ok().map(|p| p.total).filter(|n| *n > STAFF_CHOICE);
    let staff = staff_page.map(|r| pairs(&r.items, "staff_id")).unwrap_or_default();
    (offers, u.actor.staff_id.clone().unwrap_or_default(), (staff, staff_count))
}

/// The consents: id, a line, and whether it can still be withdrawn.
async fn consent_lines(s: &AppState, u: &UiUser, pid: &EntityId) -> Vec<(String, String, bool)> {
    s.lotse
        .consents(&u.actor, pid)
        .await
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let target =
                        c.provider_id.clone().or(c.program_id.clone()).map(|t| format!(" ({t})")).unwrap_or_default();
                    let state = match c.withdrawn_date {
                        Some(w) => format!("widerrufen am {}", date(w)),
                        None if c.active_today => "gilt".to_owned(),
                        None => "noch nicht gültig".to_owned(),
                    };
                    (
                        c.id.clone(),
                        format!("{}{target}, erteilt am {}: {state}", scope_de(&c.scope), date(c.given_date)),
                        c.withdrawn_date.is_none(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The waiting lists the person is on: link, offer, date, position.
async fn waiting_lines(s: &AppState, u: &UiUser, pid: &EntityId) -> Vec<(String, String, String, usize)> {
    let waiting_entries = s.lotse.waiting_of_person(&u.actor, pid).await.unwrap_or_default();
    let waiting_offers: Vec<String> = waiting_entries.iter().map(|w| w.offer_id.clone()).collect();
    let offer_names = super::records::names_of(s, u, "offers", &waiting_offers).await;
    waiting_entries
        .into_iter()
        .map(|w| {
            (
                format!("/angebote/{}", w.offer_id),
                offer_names.get(&w.offer_id).cloned().unwrap_or_else(|| w.offer_id.clone()),
                date(w.requested_date),
                w.position,
            )
        })
        .collect()
}

/// The target groups of the programmes that have a rule: name, whether
/// the person belongs, the failing conditions.
async fn eligibility_lines(s: &AppState, u: &UiUser, pid: &EntityId) -> Vec<(String, bool, String)> {
    let all = PageRequest { limit: Some(500), offset: None };
    let Ok(programs) = s.lotse.records(&u.actor, "programs", &Record::new(), all).await else { return vec![] };
    let ruled: Vec<(String, String)> = programs
        .items
        .iter()
        .filter(|x| x.contains_key("target_group"))
        .filter_map(|prog| Some((prog.get("program_id")?.as_str()?.to_owned(), prog.get("name")?.as_str()?.to_owned())))
        .collect();
    // Four at a time: a page must not hold every pooled connection.
    let mut out = Vec::with_capacity(ruled.len());
    for chunk in ruled.chunks(4) {
        let mut checks = Vec::with_capacity(chunk.len());
        for (program, _) in chunk {
            let q = lotse_service::persons::EligibilityQuery { program: program.clone(), date: None };
            checks.push(s.lotse.person_eligibility(&u.actor, pid, q));
        }
        for (e, (_, name)) in futures_util::future::join_all(checks).await.into_iter().zip(chunk) {
            if let Ok(e) = e {
                out.push((name.clone(), e.eligible, e.failing.join("; ")));
            }
        }
    }
    out
}

/// The providers a handover can go to (every other one).
async fn other_providers(s: &AppState, u: &UiUser, own: &str) -> Vec<(String, String)> {
    let all = PageRequest { limit: Some(500), offset: None };
    s.lotse
        .providers(&u.actor, all)
        .await
        .map(|ps| ps.items.into_iter().filter(|x| x.id != own).map(|x| (x.id, x.name)).collect())
        .unwrap_or_default()
}

pub async fn show(State(s): State<AppState>, u: UiUser, Path(id): Path<String>) -> Response {
    person_page(&s, &u, &id, StatusCode::OK, Notes::default()).await
}

#[derive(Deserialize)]
pub struct OpenForm {
    csrf: String,
    offer: String,
    staff: String,
    entry: String,
    #[serde(default)]
    waiting: String,
}

pub async fn open_case(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<OpenForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let entry = required_date("entry_date", &f.entry)?;
        let input = OpenCase {
            person_id: EntityId::parse(&id).map_err(|_| DomainError::NotFound { entity: "person" })?,
            offer_id: EntityId::parse(&f.offer)?,
            staff_id: EntityId::parse(&f.staff)?,
            entry_date: entry,
            waiting_list: f.waiting == "ja",
            intake: None,
        };
        s.lotse.open_case(&u.actor, input).await
    }
    .await;
    match result {
        Ok(opened) => match opened.case {
            Some(c) => Redirect::to(&format!("/faelle/{}", c.summary.id)).into_response(),
            None => {
                let notes = Notes {
                    waiting: Some("Das Angebot ist voll: die Person steht jetzt auf der Warteliste.".into()),
                    ..Default::default()
                };
                person_page(&s, &u, &id, StatusCode::OK, notes).await
            }
        },
        Err(e) => {
            let typed =
                [("offer", f.offer.as_str()), ("staff", &f.staff), ("entry", &f.entry), ("waiting", &f.waiting)];
            sent_back(&s, &u, &id, "case", &typed, e).await
        }
    }
}

#[derive(Deserialize)]
pub struct ConsentForm {
    csrf: String,
    scope: String,
    #[serde(default)]
    provider: String,
    given: String,
}

pub async fn record_consent(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<ConsentForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let input = lotse_service::consents::ConsentInput {
            scope: lotse_domain::consent::ConsentScope::parse(&f.scope)?,
            provider_id: Some(f.provider.clone()).filter(|p| !p.is_empty()),
            program_id: None,
            given_date: required_date("given_date", &f.given)?,
        };
        let pid = EntityId::parse(&id).map_err(|_| DomainError::NotFound { entity: "person" })?;
        s.lotse.record_consent(&u.actor, &pid, input).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/personen/{id}#einwilligungen")).into_response(),
        Err(e) => {
            let typed = [("scope", f.scope.as_str()), ("provider", &f.provider), ("given", &f.given)];
            sent_back(&s, &u, &id, "consent", &typed, e).await
        }
    }
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    csrf: String,
    consent: String,
}

pub async fn withdraw_consent(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let cid = EntityId::parse(&f.consent).map_err(|_| DomainError::NotFound { entity: "consent" })?;
        let input = lotse_service::consents::WithdrawInput { withdrawn_date: chrono::Local::now().date_naive() };
        s.lotse.withdraw_consent(&u.actor, &cid, input).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/personen/{id}#einwilligungen")).into_response(),
        Err(e) => sent_back(&s, &u, &id, "withdraw", &[], e).await,
    }
}

#[derive(Deserialize)]
pub struct HandoverForm {
    csrf: String,
    to_provider: String,
    #[serde(default)]
    note: String,
}

pub async fn handover(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<HandoverForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let pid = EntityId::parse(&id).map_err(|_| DomainError::NotFound { entity: "person" })?;
        let input = lotse_service::handover::HandoverInput {
            to_provider: f.to_provider.clone(),
            note: Some(f.note.clone()).filter(|n| !n.trim().is_empty()),
        };
        s.lotse.request_handover(&u.actor, &pid, input).await
    }
    .await;
    match result {
        Ok(_) => {
            let done = format!(
                "Die Übergabe an „{}“ ist angefragt; der Träger nimmt sie an oder lehnt sie ab.",
                f.to_provider
            );
            person_page(&s, &u, &id, StatusCode::OK, Notes { handover_done: Some(done), ..Default::default() }).await
        }
        Err(e) => {
            let typed = [("to_provider", f.to_provider.as_str()), ("note", &f.note)];
            sent_back(&s, &u, &id, "handover", &typed, e).await
        }
    }
}
