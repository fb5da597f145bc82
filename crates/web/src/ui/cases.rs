//! The case manager's pages: their cases, and a case through its phases —
//! intake, assessment by life domain with its progress, goals and steps,
//! contacts, documents, closure with the outcome.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use lotse_domain::case::{ContactType, ExitReason, LifeDomain, OutcomeKind, Phase, WayIn};
use lotse_domain::{DomainError, EntityId};
use lotse_service::cases::{
    AssessmentInput, CaseQuery, CloseInput, ContactInput, GoalInput, IntakeInput, PhaseInput, RatingInput, StepInput,
};
use serde::Deserialize;
use std::collections::HashMap;

use super::admin::Pager;
use super::page::{Chrome, Head, SentBack, Sorting, UiUser, date, message, status_of, typed_date};
use super::programme::error_page;
use super::render;
use crate::AppState;

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<(String, &'static str)> {
    all.iter().map(|c| (code(*c).to_owned(), label(*c))).collect()
}

// ------------------------------------------------------------------- list

pub struct CaseRow {
    id: String,
    person: String,
    person_id: String,
    offer: String,
    entry: String,
    phase: &'static str,
    since: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    chrome: Chrome,
    phases: Vec<(String, &'static str)>,
    phase: String,
    sort: String,
    heads: Vec<Head>,
    rows: Vec<CaseRow>,
    pager: Pager,
    error: Option<String>,
    /// The account works as a staff member: the list can show that
    /// member's cases ("Meine Fälle") or every case of the provider.
    own: bool,
    all: bool,
}

#[derive(Deserialize, Default)]
pub struct ListForm {
    /// "1": every case of the provider, not only one's own.
    alle: Option<String>,
    phase: Option<String>,
    offset: Option<u64>,
    sort: Option<String>,
}

/// The case list's columns; the keys are the service's orders.
const CASE_COLUMNS: [(&str, &str); 6] =
    [("", "Fall"), ("person", "Person"), ("offer", "Angebot"), ("entry_date", "Beginn"), ("", "Phase"), ("", "seit")];

/// A case's person as a list shows it: the name, or the id of a person
/// without one (anonymised).
pub(super) fn person_name(names: &std::collections::HashMap<String, String>, person_id: &str) -> String {
    names.get(person_id).filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| format!("(ohne Namen) {person_id}"))
}

/// The phase filter's choice "all open cases".
const OPEN: &str = "offen";

fn phase_label(code: &str) -> &'static str {
    Phase::parse(code).map(Phase::label_de).unwrap_or("unbekannt")
}

pub async fn list(State(s): State<AppState>, u: UiUser, Query(f): Query<ListForm>) -> Response {
    let phase = f.phase.clone().filter(|p| !p.is_empty());
    let offset = f.offset.unwrap_or(0);
    let sorting = Sorting::read(f.sort.as_deref(), &CASE_COLUMNS, ("entry_date", true));
    // A case manager whose account works as a staff member sees that
    // member's cases first; the provider's whole list is one click away.
    let own = u.actor.staff_id.clone().filter(|_| u.actor.role == lotse_domain::Role::CaseManager);
    let chrome = Chrome::new(&s, &u, "/faelle").await;
    let all = own.is_none() || f.alle.as_deref() == Some("1");
    // "offen": every phase but closure.
    let open_only = phase.as_deref() == Some(OPEN);
    let q = CaseQuery {
        staff: if all { None } else { own.clone() },
        phase: phase.clone().filter(|_| !open_only),
        open: open_only.then_some(true),
        person: None,
        limit: Some(50),
        offset: Some(offset),
        sort: Some(sorting.param()),
    };
    // Names instead of ids: the persons and offers of this page.
    let (page, names) = match s.lotse.cases_with_names(&u.actor, q).await {
        Ok(p) => p,
        Err(e @ DomainError::Forbidden { .. }) => return error_page(StatusCode::FORBIDDEN, chrome, message(&e)),
        Err(e) => return error_page(StatusCode::UNPROCESSABLE_ENTITY, chrome, message(&e)),
    };
    let offer_ids: Vec<String> = page.items.iter().map(|c| c.offer_id.clone()).collect();
    let offers = super::records::names_of(&s, &u, "offers", &offer_ids).await;
    let mut filter = phase.as_deref().map(|p| format!("phase={}", super::programme::enc(p))).unwrap_or_default();
    if all && own.is_some() {
        filter = if filter.is_empty() { "alle=1".to_owned() } else { format!("alle=1&{filter}") };
    }
    let sep = if filter.is_empty() { "" } else { "&" };
    let query = format!("{filter}{sep}sort={}", sorting.param());
    render(&CasesPage {
        pager: Pager::new("/faelle", &query, offset, page.items.len(), page.total).capped(
            page.total_capped,
            "/faelle",
            &query,
            page.items.len(),
        ),
        own: own.is_some(),
        all,
        heads: sorting.heads("/faelle", &filter, &CASE_COLUMNS),
        sort: sorting.param(),
        rows: page
            .items
            .into_iter()
            .map(|c| CaseRow {
                since: c.phase_since.map(date).unwrap_or_default(),
                phase: phase_label(&c.phase),
                entry: date(c.entry_date),
                person: person_name(&names, &c.person_id),
                offer: offers.get(&c.offer_id).cloned().unwrap_or_else(|| c.offer_id.clone()),
                person_id: c.person_id,
                id: c.id,
            })
            .collect(),
        phases: codes(Phase::ALL, Phase::as_str, Phase::label_de),
        phase: phase.unwrap_or_default(),
        error: None,
        chrome,
    })
}

// ------------------------------------------------------------------- case

pub struct CaseView {
    id: String,
    person: String,
    offer: String,
    entry: String,
    phase: &'static str,
    since: String,
    exit: Option<String>,
    closed: bool,
    phases: Vec<String>,
    intake: Option<String>,
    assessment_dates: Vec<String>,
    /// Domain, a rating per assessment date ("–" where not rated), change.
    progress: Vec<(&'static str, Vec<String>, String)>,
    goals: Vec<(String, Vec<String>)>,
    contacts: Vec<String>,
    referrals: Vec<String>,
    conferences: Vec<String>,
    documents: Vec<(String, String)>,
}

/// The service's names of the fields the case page's inputs send.
const ALIASES: &[(&str, &str)] = &[("due_date", "due"), ("offer_id", "agency"), ("type", "kind")];

/// The inputs of each form of the case page that an error can belong to:
/// (name, element id). The template marks each of them.
fn inputs_of(section: &str) -> Vec<(&'static str, String)> {
    let fixed: &[(&'static str, &'static str)] = match section {
        "phase" => &[("phase", "phase"), ("note", "phase-note")],
        "intake" => &[("way_in", "way_in")],
        "goal" => &[("title", "goal-title"), ("step", "step-title"), ("owner", "step-owner"), ("due", "step-due")],
        "contact" => &[("kind", "contact-type"), ("minutes", "contact-minutes"), ("note", "contact-note")],
        "referral" => &[("agency", "agency")],
        "conference" => &[("participants", "participants"), ("outcome", "conference-outcome")],
        "close" => &[("exit_date", "exit_date"), ("exit_reason", "exit_reason"), ("outcome", "outcome")],
        "assessment" => &[("note", "a-note")],
        _ => &[],
    };
    let mut out: Vec<(&'static str, String)> = fixed.iter().map(|(n, e)| (*n, e.to_string())).collect();
    if section == "assessment" {
        out.extend(LifeDomain::ALL.iter().map(|d| (d.as_str(), format!("r-{}", d.as_str()))));
    }
    out
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    c: CaseView,
    /// The phase the case moves to next (preselected).
    next_phase: String,
    notice: Option<String>,
    /// The form that came back with an error, and what was typed into it.
    sent: SentBack,
    today: String,
    phases: Vec<(String, &'static str)>,
    ways_in: Vec<(String, &'static str)>,
    domains: Vec<(String, &'static str)>,
    contact_types: Vec<(String, &'static str)>,
    exit_reasons: Vec<(String, &'static str)>,
    outcomes: Vec<(String, &'static str)>,
}

async fn case_page(s: &AppState, u: &UiUser, id: &str, status: StatusCode, sent: SentBack) -> Response {
    let chrome = Chrome::new(s, u, "/faelle").await;
    let Ok(id) = EntityId::parse(id) else {
        return error_page(
            StatusCode::NOT_FOUND,
            chrome,
            "Diesen Fall gibt es nicht (oder Sie haben keinen Zugriff).".into(),
        );
    };
    let c = match s.lotse.case(&u.actor, &id).await {
        Ok(c) => c,
        Err(e @ DomainError::NotFound { .. }) => return error_page(StatusCode::NOT_FOUND, chrome, message(&e)),
        Err(e) => return error_page(StatusCode::FORBIDDEN, chrome, message(&e)),
    };
    let person = match EntityId::parse(&c.summary.person_id) {
        Ok(pid) => match s.lotse.person(&u.actor, &pid).await {
            Ok(p) => {
                let name = [p.attributes.given_name.clone(), p.attributes.family_name.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                if name.is_empty() { p.id } else { format!("{name} ({})", p.id) }
            }
            Err(_) => c.summary.person_id.clone(),
        },
        Err(_) => c.summary.person_id.clone(),
    };
    // Ratings by domain and date, in the fixed order of the domains.
    let dates: Vec<NaiveDate> = c.assessments.iter().map(|a| a.date).collect();
    let mut by: HashMap<(&str, usize), i16> = HashMap::new();
    for (i, a) in c.assessments.iter().enumerate() {
        for r in &a.ratings {
            by.insert((r.domain.as_str(), i), r.rating);
        }
    }
    let progress = LifeDomain::ALL
        .iter()
        .filter(|d| (0..dates.len()).any(|i| by.contains_key(&(d.as_str(), i))))
        .map(|d| {
            let values: Vec<Option<i16>> = (0..dates.len()).map(|i| by.get(&(d.as_str(), i)).copied()).collect();
            let rated: Vec<i16> = values.iter().flatten().copied().collect();
            let change = match (rated.first(), rated.last()) {
                (Some(a), Some(b)) if rated.len() > 1 => format!("{:+}", b - a),
                _ => "–".into(),
            };
            (
                d.label_de(),
                values.iter().map(|v| v.map(|x| x.to_string()).unwrap_or_else(|| "–".into())).collect(),
                change,
            )
        })
        .collect();
    let closed = c.summary.exit_date.is_some();
    let view = CaseView {
        id: c.summary.id.clone(),
        person,
        offer: c.offer_name.clone(),
        entry: date(c.summary.entry_date),
        phase: phase_label(&c.summary.phase),
        since: c.summary.phase_since.map(date).unwrap_or_default(),
        exit: c.summary.exit_date.map(|d| {
            let reason = c
                .summary
                .exit_reason
                .as_deref()
                .and_then(|r| ExitReason::parse(r).ok())
                .map(ExitReason::label_de)
                .unwrap_or("");
            let outcome = c
                .outcomes
                .iter()
                .find(|o| o.timing == "at_exit")
                .and_then(|o| OutcomeKind::parse(&o.kind).ok())
                .map(OutcomeKind::label_de)
                .unwrap_or("");
            format!("{} – {reason}; Verbleib: {outcome}", date(d))
        }),
        closed,
        phases: c
            .phases
            .iter()
            .map(|p| {
                format!(
                    "{} – {} ({}){}",
                    date(p.date),
                    phase_label(&p.phase),
                    p.author,
                    p.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default()
                )
            })
            .collect(),
        intake: c.intake.as_ref().map(|i| {
            format!(
                "{}: {}; Fallmanagement {}angezeigt{}",
                date(i.date),
                WayIn::parse(&i.way_in).map(WayIn::label_de).unwrap_or(""),
                if i.indicated { "" } else { "nicht " },
                i.note.as_deref().map(|n| format!(" – {n}")).unwrap_or_default()
            )
        }),
        assessment_dates: dates.iter().map(|d| date(*d)).collect(),
        progress,
        goals: c
            .goals
            .iter()
            .map(|g| {
                (
                    format!(
                        "{} ({})",
                        g.title,
                        lotse_domain::case::StepStatus::parse(&g.status).map(|s| s.label_de()).unwrap_or("")
                    ),
                    g.steps
                        .iter()
                        .map(|st| {
                            format!(
                                "{}{}{} – {}",
                                st.title,
                                st.owner.as_deref().map(|o| format!(", {o}")).unwrap_or_default(),
                                st.due_date.map(|d| format!(", bis {}", date(d))).unwrap_or_default(),
                                lotse_domain::case::StepStatus::parse(&st.status).map(|s| s.label_de()).unwrap_or("")
                            )
                        })
                        .collect(),
                )
            })
            .collect(),
        contacts: c
            .contacts
            .iter()
            .map(|k| {
                format!(
                    "{} – {}, {} Minuten{}",
                    date(k.date),
                    ContactType::parse(&k.kind).map(ContactType::label_de).unwrap_or(""),
                    k.minutes,
                    k.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default()
                )
            })
            .collect(),
        referrals: c
            .referrals
            .iter()
            .map(|r| {
                format!(
                    "{} – an {}: {}",
                    date(r.date),
                    r.agency.clone().or(r.offer_id.clone()).unwrap_or_default(),
                    lotse_domain::case::ReferralStatus::parse(&r.status).map(|s| s.label_de()).unwrap_or("")
                )
            })
            .collect(),
        conferences: c
            .conferences
            .iter()
            .map(|k| format!("{} – {}: {}", date(k.date), k.participants, k.outcome))
            .collect(),
        documents: c
            .documents
            .iter()
            .map(|d| (d.file_name.clone(), format!("/api/v1/cases/{}/documents/{}", c.summary.id, d.id)))
            .collect(),
    };
    let next_phase = Phase::parse(&c.summary.phase)
        .ok()
        .and_then(|p| Phase::ALL.get(p.index() + 1))
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let page = CasePage {
        next_phase,
        c: view,
        notice: None,
        sent,
        today: date(chrono::Local::now().date_naive()),
        phases: codes(Phase::ALL, Phase::as_str, Phase::label_de),
        ways_in: codes(WayIn::ALL, WayIn::as_str, WayIn::label_de),
        domains: codes(LifeDomain::ALL, LifeDomain::as_str, LifeDomain::label_de),
        contact_types: codes(ContactType::ALL, ContactType::as_str, ContactType::label_de),
        exit_reasons: codes(ExitReason::ALL, ExitReason::as_str, ExitReason::label_de),
        outcomes: codes(OutcomeKind::ALL, OutcomeKind::as_str, OutcomeKind::label_de),
        chrome,
    };
    (status, render(&page)).into_response()
}

pub async fn show(State(s): State<AppState>, u: UiUser, Path(id): Path<String>) -> Response {
    case_page(&s, &u, &id, StatusCode::OK, SentBack::default()).await
}

/// After a change: back to the case (POST → redirect → GET), or the case
/// with the error in the section of the form.
async fn after(
    s: &AppState,
    u: &UiUser,
    id: &str,
    section: &'static str,
    typed: &[(&str, &str)],
    result: Result<(), DomainError>,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/faelle/{id}#{section}")).into_response(),
        Err(e) => {
            let sent = SentBack::new(section, typed, &e, &inputs_of(section), ALIASES);
            case_page(s, u, id, status_of(&e), sent).await
        }
    }
}

fn case_id(id: &str) -> Result<EntityId, DomainError> {
    EntityId::parse(id).map_err(|_| DomainError::NotFound { entity: "case" })
}

#[derive(Deserialize)]
pub struct PhaseForm {
    csrf: String,
    phase: String,
    #[serde(default)]
    note: String,
}

pub async fn phase(State(s): State<AppState>, u: UiUser, Path(id): Path<String>, Form(f): Form<PhaseForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let input = PhaseInput {
            phase: Phase::parse(&f.phase)?,
            date: None,
            note: Some(f.note.clone()).filter(|n| !n.trim().is_empty()),
        };
        s.lotse.move_phase(&u.actor, &case_id(&id)?, input).await.map(|_| ())
    }
    .await;
    after(&s, &u, &id, "phase", &[("phase", &f.phase), ("note", &f.note)], result).await
}

#[derive(Deserialize)]
pub struct IntakeForm {
    csrf: String,
    way_in: String,
    indicated: String,
}

pub async fn intake(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<IntakeForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let input =
            IntakeInput { date: None, way_in: WayIn::parse(&f.way_in)?, indicated: f.indicated == "ja", note: None };
        s.lotse.record_intake(&u.actor, &case_id(&id)?, input).await.map(|_| ())
    }
    .await;
    after(&s, &u, &id, "intake", &[("way_in", &f.way_in), ("indicated", &f.indicated)], result).await
}

pub async fn assessment(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = u.check_csrf(f.get("csrf").map(String::as_str).unwrap_or_default()) {
        return r;
    }
    let result = async {
        let mut ratings = vec![];
        for d in LifeDomain::ALL {
            let Some(v) = f.get(d.as_str()).filter(|v| !v.is_empty()) else { continue };
            let rating: i16 =
                v.parse().map_err(|_| DomainError::invalid(d.as_str(), "Bitte 1 bis 5 wählen.", "1 to 5"))?;
            ratings.push(RatingInput { domain: *d, rating, note: None });
        }
        if ratings.is_empty() {
            return Err(DomainError::invalid(
                "ratings",
                "Bitte mindestens einen Lebensbereich einschätzen.",
                "rate at least one domain",
            ));
        }
        let note = f.get("note").cloned().filter(|n| !n.trim().is_empty());
        s.lotse
            .record_assessment(&u.actor, &case_id(&id)?, AssessmentInput { date: None, ratings, note })
            .await
            .map(|_| ())
    }
    .await;
    let typed: Vec<(&str, &str)> =
        f.iter().filter(|(k, _)| k.as_str() != "csrf").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    after(&s, &u, &id, "assessment", &typed, result).await
}

#[derive(Deserialize)]
pub struct GoalForm {
    csrf: String,
    title: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due: String,
}

pub async fn goal(State(s): State<AppState>, u: UiUser, Path(id): Path<String>, Form(f): Form<GoalForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let mut steps = vec![];
        if !f.step.trim().is_empty() {
            steps.push(StepInput {
                title: f.step.clone(),
                owner: Some(f.owner.clone()).filter(|o| !o.trim().is_empty()),
                due_date: typed_date("due_date", &f.due)?,
            });
        }
        let input = GoalInput { title: f.title.clone(), description: None, steps };
        s.lotse.add_goal(&u.actor, &case_id(&id)?, input).await.map(|_| ())
    }
    .await;
    after(&s, &u, &id, "goal", &[("title", &f.title), ("step", &f.step), ("owner", &f.owner), ("due", &f.due)], result)
        .await
}

#[derive(Deserialize)]
pub struct ContactForm {
    csrf: String,
    kind: String,
    minutes: String,
    #[serde(default)]
    note: String,
}

pub async fn contact(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<ContactForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let minutes = f
            .minutes
            .trim()
            .parse()
            .map_err(|_| DomainError::invalid("minutes", "Die Dauer ist eine Zahl von Minuten.", "minutes"))?;
        let input = ContactInput {
            kind: ContactType::parse(&f.kind)?,
            date: None,
            minutes,
            note: Some(f.note.clone()).filter(|n| !n.trim().is_empty()),
        };
        s.lotse.add_contact(&u.actor, &case_id(&id)?, input).await.map(|_| ())
    }
    .await;
    after(&s, &u, &id, "contact", &[("kind", &f.kind), ("minutes", &f.minutes), ("note", &f.note)], result).await
}

#[derive(Deserialize)]
pub struct CloseForm {
    csrf: String,
    exit_date: String,
    exit_reason: String,
    outcome: String,
}

pub async fn close(State(s): State<AppState>, u: UiUser, Path(id): Path<String>, Form(f): Form<CloseForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let input = CloseInput {
            exit_date: typed_date("exit_date", &f.exit_date)?,
            exit_reason: match f.exit_reason.as_str() {
                "" => None,
                r => Some(ExitReason::parse(r)?),
            },
            outcome: match f.outcome.as_str() {
                "" => None,
                o => Some(OutcomeKind::parse(o)?),
            },
            note: None,
        };
        s.lotse.close_case(&u.actor, &case_id(&id)?, input).await.map(|_| ())
    }
    .await;
    after(
        &s,
        &u,
        &id,
        "close",
        &[("exit_date", &f.exit_date), ("exit_reason", &f.exit_reason), ("outcome", &f.outcome)],
        result,
    )
    .await
}

#[derive(Deserialize)]
pub struct ReferralForm {
    csrf: String,
    agency: String,
}

pub async fn referral(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<ReferralForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let input = lotse_service::cases::ReferralInput {
            offer_id: None,
            agency: Some(f.agency.clone()).filter(|a| !a.trim().is_empty()),
            date: None,
            status: None,
            note: None,
        };
        s.lotse.add_referral(&u.actor, &case_id(&id)?, input).await.map(|_| ())
    }
    .await;
    after(&s, &u, &id, "referral", &[("agency", &f.agency)], result).await
}

#[derive(Deserialize)]
pub struct ConferenceForm {
    csrf: String,
    participants: String,
    outcome: String,
}

pub async fn conference(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<ConferenceForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let input = lotse_service::cases::ConferenceInput {
            date: None,
            participants: f.participants.clone(),
            outcome: f.outcome.clone(),
        };
        s.lotse.add_conference(&u.actor, &case_id(&id)?, input).await.map(|_| ())
    }
    .await;
    after(&s, &u, &id, "conference", &[("participants", &f.participants), ("outcome", &f.outcome)], result).await
}
