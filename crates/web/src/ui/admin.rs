//! Administration: accounts (administrators; provider administrators for
//! their provider's staff), one's own API tokens, and the audit trail for
//! the auditors.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lotse_domain::{DomainError, EntityId, Login, Role};
use lotse_service::audit::AuditFilter;
use lotse_service::auth::NewToken;
use lotse_service::page::PageRequest;
use lotse_service::users::NewUser;
use serde::Deserialize;

use super::page::{Chrome, Head, SortValue, Sorting, UiUser, date, message, page_of};
use super::programme::{enc, error_page};
use super::render;
use crate::AppState;

pub(super) const PAGE: u64 = 50;

/// Previous and next page links of a list.
pub struct Pager {
    pub prev: Option<String>,
    pub next: Option<String>,
    /// The offsets behind the links (for pages whose pager is buttons).
    pub prev_offset: Option<u64>,
    pub next_offset: Option<u64>,
    pub from: u64,
    pub to: u64,
    pub total: u64,
    /// `total` is a lower bound: the list was counted only this far.
    pub more: bool,
}

impl Pager {
    pub fn new(path: &str, query: &str, offset: u64, shown: usize, total: u64) -> Pager {
        let link = |o: u64| format!("{path}?{query}{}offset={o}", if query.is_empty() { "" } else { "&" });
        let prev_offset = (offset > 0).then(|| offset.saturating_sub(PAGE));
        let next_offset = (offset + (shown as u64) < total).then_some(offset + PAGE);
        Pager {
            prev: prev_offset.map(&link),
            next: next_offset.map(&link),
            prev_offset,
            next_offset,
            from: if shown == 0 { 0 } else { offset + 1 },
            to: offset + shown as u64,
            total,
            more: false,
        }
    }

    /// For a list counted only up to `total` (`Page::total_capped`): says
    /// "mehr als" and offers the next page while a page comes back full.
    pub fn capped(mut self, capped: bool, path: &str, query: &str, shown: usize) -> Pager {
        if capped {
            self.more = true;
            let offset = self.from.saturating_sub(1);
            if self.next.is_none() && shown as u64 == PAGE {
                let o = offset + PAGE;
                self.next_offset = Some(o);
                self.next = Some(format!("{path}?{query}{}offset={o}", if query.is_empty() { "" } else { "&" }));
            }
        }
        self
    }
}

// ---------------------------------------------------------------- accounts

pub struct UserRow {
    id: String,
    login: String,
    name: String,
    role: &'static str,
    provider: String,
    active: &'static str,
}

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    provider_id: String,
    #[serde(default)]
    password: String,
    /// The staff member (staff.csv) a case manager works as: "Meine Fälle".
    #[serde(default)]
    staff_id: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    heads: Vec<Head>,
    users: Vec<UserRow>,
    total: u64,
    pager: Pager,
    roles: Vec<(String, &'static str)>,
    providers: Vec<(String, String)>,
    form: UserForm,
    error: Option<String>,
    error_field: String,
    notice: Option<String>,
    min_chars: usize,
}

super::page::field_errors!(TokensPage, UsersPage);

#[derive(Deserialize, Default)]
pub struct Paging {
    offset: Option<u64>,
    sort: Option<String>,
}

/// The account list's columns; the keys are the service's orders.
const USER_COLUMNS: [(&str, &str); 5] = [
    ("login", "Anmeldename"),
    ("display_name", "Name"),
    ("role", "Rolle"),
    ("provider_id", "Träger"),
    ("active", "aktiv"),
];

async fn users_page(
    s: &AppState,
    u: &UiUser,
    offset: u64,
    sort: Option<&str>,
    form: UserForm,
) -> Result<UsersPage, Response> {
    let chrome = Chrome::new(s, u, "/verwaltung/benutzer").await;
    let page = PageRequest { limit: Some(PAGE), offset: Some(offset) };
    let sorting = Sorting::read(sort, &USER_COLUMNS, ("login", false));
    let list = match s.lotse.users_ordered(&u.actor, page, Some(&sorting.order())).await {
        Ok(l) => l,
        Err(e) => return Err(error_page(StatusCode::FORBIDDEN, chrome, message(&e))),
    };
    let (providers, roles) = account_choices(s, u).await;
    Ok(UsersPage {
        pager: Pager::new(
            "/verwaltung/benutzer",
            &format!("sort={}", sorting.param()),
            offset,
            list.items.len(),
            list.total,
        ),
        heads: sorting.heads("/verwaltung/benutzer", "", &USER_COLUMNS),
        total: list.total,
        users: list
            .items
            .into_iter()
            .map(|x| UserRow {
                id: x.id,
                login: x.login,
                name: x.display_name,
                role: x.role.label_de(),
                provider: x.provider_id.unwrap_or_default(),
                active: if x.active { "ja" } else { "nein" },
            })
            .collect(),
        roles,
        providers,
        form,
        error: None,
        error_field: String::new(),
        notice: None,
        min_chars: lotse_service::crypto::MIN_PASSWORD_CHARS,
        chrome,
    })
}

/// The providers and roles an account form offers the actor: a provider's
/// administrator only their provider and its roles.
pub(super) async fn account_choices(s: &AppState, u: &UiUser) -> (Vec<(String, String)>, Vec<(String, &'static str)>) {
    let providers = s
        .lotse
        .providers(&u.actor, PageRequest { limit: Some(500), offset: None })
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|p| u.actor.provider.as_ref().is_none_or(|own| own.as_str() == p.id))
                .map(|p| (p.id, p.name))
                .collect()
        })
        .unwrap_or_default();
    let roles = Role::ALL
        .into_iter()
        .filter(|r| u.actor.role == Role::Admin || r.needs_provider())
        .map(|r| (r.as_str().to_owned(), r.label_de()))
        .collect();
    (providers, roles)
}

pub async fn users(State(s): State<AppState>, u: UiUser, Query(p): Query<Paging>) -> Response {
    match users_page(&s, &u, p.offset.unwrap_or(0), p.sort.as_deref(), UserForm::default()).await {
        Ok(page) => render(&page),
        Err(r) => r,
    }
}

pub async fn create_user(State(s): State<AppState>, u: UiUser, Form(mut f): Form<UserForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let parsed = (|| -> Result<NewUser, DomainError> {
        Ok(NewUser {
            login: Login::parse(f.login.trim()).map_err(|_| {
                DomainError::invalid(
                    "login",
                    "Der Anmeldename besteht aus Kleinbuchstaben, Ziffern, Punkt, Binde- oder Unterstrich.",
                    "invalid login",
                )
            })?,
            display_name: Some(f.display_name.trim().to_owned()).filter(|d| !d.is_empty()),
            role: Role::parse(&f.role)?,
            provider_id: match f.provider_id.trim() {
                "" => None,
                p => Some(EntityId::parse(p)?),
            },
            password: f.password.clone(),
            staff_id: Some(f.staff_id.trim().to_owned()).filter(|s| !s.is_empty()),
        })
    })();
    let result = match parsed {
        Ok(new) => s.lotse.create_user(&u.actor, new).await,
        Err(e) => Err(e),
    };
    f.password.clear();
    match result {
        Ok(created) => match users_page(&s, &u, 0, None, UserForm::default()).await {
            Ok(mut page) => {
                page.notice = Some(format!("Das Konto „{}“ wurde angelegt.", created.login));
                render(&page)
            }
            Err(r) => r,
        },
        Err(e) => {
            let status = if matches!(e, DomainError::Forbidden { .. }) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            const INPUTS: [&str; 6] = ["login", "display_name", "role", "provider_id", "staff_id", "password"];
            // At its input the message goes without the service's field name.
            let (field, text) = match &e {
                DomainError::Invalid { field, de, .. } if INPUTS.contains(&field.as_str()) => {
                    (field.clone(), de.clone())
                }
                DomainError::Conflict { .. } => ("login".into(), message(&e)),
                _ => (String::new(), message(&e)),
            };
            match users_page(&s, &u, 0, None, f).await {
                Ok(mut page) => {
                    page.error = Some(text);
                    page.error_field = field;
                    (status, render(&page)).into_response()
                }
                Err(r) => r,
            }
        }
    }
}

// ------------------------------------------------------------------ tokens

pub struct TokenRow {
    id: String,
    name: String,
    created: String,
    expires: String,
    used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    heads: Vec<Head>,
    pager: Pager,
    total: usize,
    tokens: Vec<TokenRow>,
    issued: Option<String>,
    error: Option<String>,
    /// The input the error belongs to ("name", "days"; else none).
    error_field: String,
    name: String,
    days: String,
}

/// The token list's columns (sorted in memory: one's own tokens are few).
const TOKEN_COLUMNS: [(&str, &str); 5] = [
    ("name", "Zweck"),
    ("created", "angelegt"),
    ("expires", "gültig bis"),
    ("used", "zuletzt benutzt"),
    ("", "Status"),
];

async fn tokens_page(s: &AppState, u: &UiUser, offset: u64, sort: Option<&str>) -> Result<TokensPage, Response> {
    let chrome = Chrome::new(s, u, "/zugaenge").await;
    let list = match s.lotse.tokens(&u.actor, PageRequest { limit: Some(500), offset: None }).await {
        Ok(l) => l,
        Err(e) => return Err(error_page(StatusCode::FORBIDDEN, chrome, message(&e))),
    };
    let mut own: Vec<_> = list.items.into_iter().filter(|t| t.user_id == u.actor.user_id).collect();
    let sorting = Sorting::read(sort, &TOKEN_COLUMNS, ("created", true));
    sorting.sort(&mut own, |t, key| match key {
        "name" => SortValue::text(&t.name),
        "expires" => SortValue::Date(t.expires_at.date_naive()),
        "used" => t.last_used_at.map_or(SortValue::Empty, |d| SortValue::Date(d.date_naive())),
        _ => SortValue::Date(t.created_at.date_naive()),
    });
    let total = own.len();
    let shown = page_of(own, offset, PAGE);
    Ok(TokensPage {
        heads: sorting.heads("/zugaenge", "", &TOKEN_COLUMNS),
        pager: Pager::new("/zugaenge", &format!("sort={}", sorting.param()), offset, shown.len(), total as u64),
        total,
        tokens: shown
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                created: date(t.created_at.date_naive()),
                expires: date(t.expires_at.date_naive()),
                used: t.last_used_at.map(|d| date(d.date_naive())).unwrap_or_else(|| "–".into()),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        issued: None,
        error: None,
        error_field: String::new(),
        name: String::new(),
        days: "90".into(),
        chrome,
    })
}

pub async fn tokens(State(s): State<AppState>, u: UiUser, Query(p): Query<Paging>) -> Response {
    match tokens_page(&s, &u, p.offset.unwrap_or(0), p.sort.as_deref()).await {
        Ok(p) => render(&p),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
    name: String,
    days: String,
}

pub async fn create_token(State(s): State<AppState>, u: UiUser, Form(f): Form<TokenForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let days = match f.days.trim() {
        "" => Ok(None),
        d => d
            .parse::<u32>()
            .map(Some)
            .map_err(|_| DomainError::invalid("days", "Die Gültigkeit ist eine Zahl von Tagen.", "days")),
    };
    let result = match days {
        Ok(days) => s.lotse.create_token(&u.actor, NewToken { name: f.name.clone(), days, login: None }).await,
        Err(e) => Err(e),
    };
    let mut page = match tokens_page(&s, &u, 0, None).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match result {
        Ok(t) => {
            page.issued = Some(t.token);
            render(&page)
        }
        Err(e) => {
            page.error = Some(message(&e));
            if let DomainError::Invalid { field, de, .. } = &e
                && ["name", "days"].contains(&field.as_str())
            {
                page.error_field = field.clone();
                page.error = Some(de.clone());
            }
            page.name = f.name;
            page.days = f.days;
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    csrf: String,
    id: String,
}

pub async fn revoke_token(State(s): State<AppState>, u: UiUser, Form(f): Form<RevokeForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = s.lotse.revoke_token(&u.actor, &f.id).await;
    let mut page = match tokens_page(&s, &u, 0, None).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(e) = result {
        page.error = Some(message(&e));
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    }
    render(&page)
}

// -------------------------------------------------------------- audit trail

pub struct EntryRow {
    seq: String,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    changes: String,
    reason: String,
}

#[derive(Deserialize, Default)]
pub struct AuditForm {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    offset: Option<u64>,
    sort: Option<String>,
}

/// The audit trail's columns; the keys are the service's orders.
const AUDIT_COLUMNS: [(&str, &str); 8] = [
    ("seq", "Nr."),
    ("", "Zeit"),
    ("actor", "Wer"),
    ("action", "Aktion"),
    ("entity", "Art"),
    ("", "Kennung"),
    ("", "Änderungen"),
    ("", "Begründung"),
];

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    filter: AuditForm,
    heads: Vec<Head>,
    sort: String,
    newest_first: bool,
    actions: Vec<(String, &'static str)>,
    entries: Vec<EntryRow>,
    pager: Pager,
    verdict: Option<String>,
}

async fn audit_page(s: &AppState, u: &UiUser, f: AuditForm, verdict: Option<String>) -> Response {
    let chrome = Chrome::new(s, u, "/protokoll").await;
    let opt = |v: &str| Some(v.trim().to_owned()).filter(|x| !x.is_empty());
    let filter = AuditFilter {
        entity: opt(&f.entity),
        entity_id: opt(&f.entity_id),
        action: opt(&f.action),
        actor: opt(&f.actor),
    };
    let offset = f.offset.unwrap_or(0);
    let sorting = Sorting::read(f.sort.as_deref(), &AUDIT_COLUMNS, ("seq", true));
    let request = PageRequest { limit: Some(PAGE), offset: Some(offset) };
    let page = match s.lotse.audit_entries_ordered(&u.actor, &filter, request, Some(&sorting.order())).await {
        Ok(p) => p,
        Err(e @ DomainError::Forbidden { .. }) => return error_page(StatusCode::FORBIDDEN, chrome, message(&e)),
        Err(e) => return error_page(StatusCode::UNPROCESSABLE_ENTITY, chrome, message(&e)),
    };
    let query = [("entity", &f.entity), ("entity_id", &f.entity_id), ("action", &f.action), ("actor", &f.actor)]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let sep = if query.is_empty() { "" } else { "&" };
    let paged = format!("{query}{sep}sort={}", sorting.param());
    let action_de = |a: &str| match a {
        "read" => "gelesen",
        "create" => "angelegt",
        "update" => "geändert",
        "delete" => "gelöscht",
        "login" => "angemeldet",
        "export" => "exportiert",
        _ => "sonstiges",
    };
    render(&AuditPage {
        pager: Pager::new("/protokoll", &paged, offset, page.items.len(), page.total),
        heads: sorting.heads("/protokoll", &query, &AUDIT_COLUMNS),
        sort: sorting.param(),
        newest_first: sorting.key == "seq" && sorting.descending,
        actions: ["read", "create", "update", "delete", "login", "export"]
            .iter()
            .map(|a| (a.to_string(), action_de(a)))
            .collect(),
        entries: page
            .items
            .into_iter()
            .map(|e| EntryRow {
                seq: e.seq.map(|s| s.to_string()).unwrap_or_else(|| "–".into()),
                at: e.at.with_timezone(&chrono::Local).format("%d.%m.%Y %H:%M:%S").to_string(),
                actor: e.actor,
                action: action_de(&e.action).to_owned(),
                entity: e.entity,
                entity_id: e.entity_id,
                changes: if e.changes.get("erased").is_some() {
                    "gelöscht".into()
                } else if e.changes.is_null() {
                    String::new()
                } else {
                    e.changes.to_string()
                },
                reason: e.reason.unwrap_or_default(),
            })
            .collect(),
        filter: f,
        verdict,
        chrome,
    })
}

pub async fn audit(State(s): State<AppState>, u: UiUser, Query(f): Query<AuditForm>) -> Response {
    audit_page(&s, &u, f, None).await
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn verify(State(s): State<AppState>, u: UiUser, Form(f): Form<CsrfOnly>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let verdict = match s.lotse.verify_audit(&u.actor).await {
        Ok(r) if r.ok => format!(
            "Die Kette ist unversehrt: {} Einträge geprüft, Ende Nr. {} mit Prüfsumme {}.",
            r.entries,
            r.head_seq,
            r.head_hash.unwrap_or_default()
        ),
        Ok(r) => format!(
            "Die Kette ist verletzt: {}",
            r.problems.iter().map(|p| format!("Nr. {}: {}", p.seq, p.message)).collect::<Vec<_>>().join("; ")
        ),
        Err(e) => message(&e),
    };
    audit_page(&s, &u, AuditForm::default(), Some(verdict)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pager_links_what_is_before_and_after() {
        let first = Pager::new("/protokoll", "action=read", 0, 50, 120);
        assert_eq!((first.prev, first.next.as_deref()), (None, Some("/protokoll?action=read&offset=50")));
        assert_eq!((first.from, first.to, first.total), (1, 50, 120));
        let last = Pager::new("/protokoll", "", 100, 20, 120);
        assert_eq!((last.prev.as_deref(), last.next), (Some("/protokoll?offset=50"), None));
        assert_eq!((last.from, last.to), (101, 120));
        let empty = Pager::new("/x", "", 0, 0, 0);
        assert_eq!((empty.from, empty.to, empty.prev, empty.next), (0, 0, None, None));
    }
}
