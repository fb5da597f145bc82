//! Handovers addressed to the caller's provider (accept or decline), and
//! the tenant's retention rules for the administration.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_domain::{DomainError, EntityId};
use lotse_service::handover::HandoverQuery;
use lotse_service::retention::RetentionRule;
use serde::Deserialize;

use super::admin::Pager;
use super::page::{Chrome, Head, SortValue, Sorting, UiUser, date, message, page_of, status_of};
use super::programme::error_page;
use super::render;
use crate::AppState;

// ---------------------------------------------------------------- handovers

pub struct HandoverRow {
    id: String,
    person: String,
    birth_year: String,
    from: String,
    note: String,
    requested: String,
}

#[derive(Template)]
#[template(path = "handovers.html")]
struct HandoversPage {
    chrome: Chrome,
    heads: Vec<Head>,
    pager: Pager,
    rows: Vec<HandoverRow>,
    notice: Option<String>,
    error: Option<String>,
}

/// The handover list's columns; the keys are the service's orders.
const HANDOVER_COLUMNS: [(&str, &str); 6] = [
    ("person", "Person"),
    ("", "Geburtsjahr"),
    ("from_provider", "von"),
    ("", "Notiz"),
    ("requested_at", "angefragt am"),
    ("", "Entscheidung"),
];

#[derive(Deserialize, Default)]
pub struct ListForm {
    offset: Option<u64>,
    sort: Option<String>,
}

async fn handovers_page(
    s: &AppState,
    u: &UiUser,
    f: &ListForm,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let chrome = Chrome::new(s, u, "/uebergaben").await;
    let sorting = Sorting::read(f.sort.as_deref(), &HANDOVER_COLUMNS, ("requested_at", false));
    let offset = f.offset.unwrap_or(0);
    let q = HandoverQuery {
        sort: Some(sorting.param()),
        limit: Some(super::admin::PAGE),
        offset: Some(offset),
        ..Default::default()
    };
    let list = match s.lotse.handovers(&u.actor, q).await {
        Ok(l) => l,
        Err(e) => return error_page(status_of(&e), chrome, message(&e)),
    };
    let providers = s
        .lotse
        .providers(&u.actor, lotse_service::page::PageRequest { limit: Some(500), offset: None })
        .await
        .map(|p| p.items.into_iter().map(|p| (p.id, p.name)).collect::<std::collections::HashMap<_, _>>())
        .unwrap_or_default();
    let query = format!("sort={}", sorting.param());
    let pager = Pager::new("/uebergaben", &query, offset, list.items.len(), list.total);
    let heads = sorting.heads("/uebergaben", "", &HANDOVER_COLUMNS);
    let rows = list
        .items
        .into_iter()
        .map(|h| HandoverRow {
            person: {
                let n = [h.given_name.as_deref(), h.family_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                if n.is_empty() { "(ohne Namen)".into() } else { n }
            },
            birth_year: h.birth_year.map(|y| y.to_string()).unwrap_or_else(|| "–".into()),
            from: providers.get(&h.from_provider).cloned().unwrap_or(h.from_provider),
            note: h.note.unwrap_or_default(),
            requested: date(h.requested_at.with_timezone(&chrono::Local).date_naive()),
            id: h.id,
        })
        .collect();
    (status, render(&HandoversPage { heads, pager, rows, notice, error, chrome })).into_response()
}

pub async fn handovers(State(s): State<AppState>, u: UiUser, Query(f): Query<ListForm>) -> Response {
    handovers_page(&s, &u, &f, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    /// `annehmen` or `ablehnen`.
    decision: String,
}

/// Accepts or declines a handover; the service checks the consent again.
pub async fn decide(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let hid = EntityId::parse(&id).map_err(|_| DomainError::NotFound { entity: "handover" })?;
        match f.decision.as_str() {
            "annehmen" => s.lotse.accept_handover(&u.actor, &hid).await,
            "ablehnen" => s.lotse.decline_handover(&u.actor, &hid).await,
            _ => Err(DomainError::invalid("decision", "Bitte annehmen oder ablehnen.", "accept or decline")),
        }
    }
    .await;
    match result {
        Ok(h) if h.status == "accepted" => {
            // The person is now the caller's provider's: straight to the record.
            Redirect::to(&format!("/personen/{}", h.person_id)).into_response()
        }
        Ok(_) => {
            let note = "Die Übergabe ist abgelehnt; die Person bleibt beim abgebenden Träger.".to_owned();
            handovers_page(&s, &u, &ListForm::default(), StatusCode::OK, Some(note), None).await
        }
        Err(e) => handovers_page(&s, &u, &ListForm::default(), status_of(&e), None, Some(message(&e))).await,
    }
}

// ---------------------------------------------------------------- retention

pub struct RuleRow {
    index: usize,
    kind: &'static str,
    years: i32,
    program: String,
}

#[derive(Deserialize, Default)]
pub struct RuleForm {
    #[serde(default)]
    csrf: String,
    /// The rule changed (its place in the list, from 1); empty: a new rule.
    #[serde(default)]
    index: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    years: String,
    #[serde(default)]
    program_id: String,
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    chrome: Chrome,
    heads: Vec<Head>,
    pager: Pager,
    total: usize,
    /// The sort order, carried by the links to change a rule.
    sort: String,
    rules: Vec<RuleRow>,
    kinds: Vec<(&'static str, &'static str)>,
    programs: Vec<(String, String)>,
    form: RuleForm,
    editing: bool,
    error: Option<String>,
    error_field: String,
    notice: Option<String>,
}

fn kind_de(kind: &str) -> &'static str {
    match kind {
        "after_case_closed" => "Jahre nach Abschluss des letzten Falls",
        "esf" => "ESF: Jahre nach dem 31. Dezember des Jahres, in dem der letzte Fall im Programm endete",
        _ => "unbekannt",
    }
}

/// The rule list's columns (sorted in memory: a tenant has a few rules).
const RULE_COLUMNS: [(&str, &str); 5] =
    [("nr", "Nr."), ("kind", "Frist"), ("years", "Jahre"), ("program", "gilt für"), ("", "Bearbeiten")];

async fn retention_page(
    s: &AppState,
    u: &UiUser,
    list: &ListQuery,
    status: StatusCode,
    form: RuleForm,
    failure: Option<DomainError>,
    notice: Option<String>,
) -> Response {
    let chrome = Chrome::new(s, u, "/verwaltung/aufbewahrung").await;
    let rules = match s.lotse.retention_rules(&u.actor).await {
        Ok(r) => r,
        Err(e) => return error_page(status_of(&e), chrome, message(&e)),
    };
    // The administration sees no programme data; the rule names the programme by id.
    let programs: Vec<(String, String)> = s
        .lotse
        .records(
            &u.actor,
            "programs",
            &Default::default(),
            lotse_service::page::PageRequest { limit: Some(500), offset: None },
        )
        .await
        .map(|p| {
            p.items
                .iter()
                .filter_map(|r: &lotse_service::records::Record| {
                    let id = r.get("program_id")?.as_str()?.to_owned();
                    let name = r.get("name").and_then(|v| v.as_str()).unwrap_or(&id).to_owned();
                    Some((id, name))
                })
                .collect()
        })
        .unwrap_or_default();
    let (error, error_field) = match failure {
        Some(DomainError::Invalid { field, de, .. }) => {
            // The service names `rules[i].years`; the form has `years`.
            let f = field.rsplit('.').next().unwrap_or_default().to_owned();
            (Some(de), f)
        }
        Some(e) => (Some(message(&e)), String::new()),
        None => (None, String::new()),
    };
    let mut rows: Vec<RuleRow> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| RuleRow {
            index: i + 1,
            kind: kind_de(&r.kind),
            years: r.years,
            program: match &r.program_id {
                Some(p) => programs
                    .iter()
                    .find(|(id, _)| id == p)
                    .map(|(_, name)| format!("{name} ({p})"))
                    .unwrap_or_else(|| p.clone()),
                None => "alle Personen".into(),
            },
        })
        .collect();
    // Each row keeps its number (the rule's place, which applies it), whatever the order.
    let sorting = Sorting::read(list.sort.as_deref(), &RULE_COLUMNS, ("nr", false));
    sorting.sort(&mut rows, |r, key| match key {
        "kind" => SortValue::text(r.kind),
        "years" => SortValue::Num(r.years.into()),
        "program" => SortValue::text(&r.program),
        _ => SortValue::Num(r.index as i64),
    });
    let total = rows.len();
    let offset = list.offset.unwrap_or(0);
    let rows = page_of(rows, offset, super::admin::PAGE);
    const PATH: &str = "/verwaltung/aufbewahrung";
    let page = RetentionPage {
        heads: sorting.heads_num(PATH, "", &RULE_COLUMNS, &["nr", "years"]),
        pager: Pager::new(PATH, &format!("sort={}", sorting.param()), offset, rows.len(), total as u64),
        total,
        sort: sorting.param(),
        rules: rows,
        kinds: vec![("after_case_closed", kind_de("after_case_closed")), ("esf", kind_de("esf"))],
        programs,
        editing: !form.index.is_empty(),
        form,
        error,
        error_field,
        notice,
        chrome,
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize, Default)]
pub struct EditQuery {
    /// The rule to change (its place in the list, from 1).
    regel: Option<usize>,
    gespeichert: Option<String>,
    // Not a flattened ListQuery: serde_urlencoded cannot read numbers through `flatten`.
    sort: Option<String>,
    offset: Option<u64>,
}

/// Order and page of the rule list.
#[derive(Default)]
pub struct ListQuery {
    sort: Option<String>,
    offset: Option<u64>,
}

pub async fn retention(State(s): State<AppState>, u: UiUser, Query(q): Query<EditQuery>) -> Response {
    let mut form = RuleForm { kind: "after_case_closed".into(), ..Default::default() };
    if let Some(i) = q.regel
        && let Ok(rules) = s.lotse.retention_rules(&u.actor).await
        && let Some(r) = i.checked_sub(1).and_then(|i| rules.get(i))
    {
        form = RuleForm {
            csrf: String::new(),
            index: i.to_string(),
            kind: r.kind.clone(),
            years: r.years.to_string(),
            program_id: r.program_id.clone().unwrap_or_default(),
        };
    }
    let notice = q.gespeichert.map(|_| "Die Regeln sind gespeichert.".to_owned());
    let list = ListQuery { sort: q.sort, offset: q.offset };
    retention_page(&s, &u, &list, StatusCode::OK, form, None, notice).await
}

/// Adds a rule or changes one; the service checks every rule.
pub async fn save_rule(State(s): State<AppState>, u: UiUser, Form(f): Form<RuleForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let mut rules = s.lotse.retention_rules(&u.actor).await?;
        let years: i32 = f.years.trim().parse().map_err(|_| {
            DomainError::invalid("years", "Bitte die Zahl der Jahre eingeben, z. B. 10.", "a number of years")
        })?;
        let rule = RetentionRule {
            kind: f.kind.trim().to_owned(),
            years,
            program_id: Some(f.program_id.trim().to_owned()).filter(|p| !p.is_empty()),
        };
        match f.index.trim() {
            "" => rules.push(rule),
            i => {
                let slot = i
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| rules.get_mut(i))
                    .ok_or_else(|| DomainError::conflict("Diese Regel gibt es nicht mehr.", "no such rule"))?;
                *slot = rule;
            }
        }
        s.lotse.set_retention_rules(&u.actor, rules).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/verwaltung/aufbewahrung?gespeichert=ja").into_response(),
        Err(e) => retention_page(&s, &u, &ListQuery::default(), status_of(&e), f, Some(e), None).await,
    }
}

#[derive(Deserialize)]
pub struct RemoveForm {
    csrf: String,
    index: usize,
}

pub async fn remove_rule(State(s): State<AppState>, u: UiUser, Form(f): Form<RemoveForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let mut rules = s.lotse.retention_rules(&u.actor).await?;
        if f.index == 0 || f.index > rules.len() {
            return Err(DomainError::conflict("Diese Regel gibt es nicht mehr.", "no such rule"));
        }
        rules.remove(f.index - 1);
        s.lotse.set_retention_rules(&u.actor, rules).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/verwaltung/aufbewahrung").into_response(),
        Err(e) => {
            retention_page(&s, &u, &ListQuery::default(), status_of(&e), RuleForm::default(), Some(e), None).await
        }
    }
}
