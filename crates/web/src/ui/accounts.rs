//! Administration of one account (change, lock, new password), one's own
//! account (password change), and the roles with what each may do.
//!
//! Accounts are named by their id in addresses, never by login.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use lotse_domain::authz::{Reach, role_overview};
use lotse_domain::{DomainError, EntityId, Login, Role};
use lotse_service::users::{User, UserUpdate};
use serde::Deserialize;

use super::page::{Chrome, SentBack, UiUser, message, status_of};
use super::programme::error_page;
use super::render;
use crate::AppState;
use crate::extract::SESSION_COOKIE;

const USERS: &str = "/verwaltung/benutzer";

// ------------------------------------------------------------ one account

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    chrome: Chrome,
    user: User,
    role: &'static str,
    /// This is the signed-in user's own account (its rights are changed by
    /// someone else).
    own: bool,
    /// The provider's name (its id if it is not among the choices).
    provider: String,
    roles: Vec<(String, &'static str)>,
    providers: Vec<(String, String)>,
    sent: SentBack,
    notice: Option<String>,
    min_chars: usize,
}

/// The inputs of the account page's forms an error can belong to.
fn inputs_of(section: &str) -> Vec<(&'static str, String)> {
    let inputs: &[(&'static str, &'static str)] = match section {
        "konto" => &[
            ("display_name", "display_name"),
            ("role", "role"),
            ("provider_id", "provider_id"),
            ("staff_id", "staff_id"),
            ("active", "active"),
        ],
        "passwort" => &[("password", "password")],
        _ => &[],
    };
    inputs.iter().map(|(n, e)| (*n, e.to_string())).collect()
}

async fn user_page(
    s: &AppState,
    u: &UiUser,
    id: &str,
    status: StatusCode,
    sent: SentBack,
    notice: Option<String>,
) -> Response {
    let chrome = Chrome::new(s, u, USERS).await;
    let user = match s.lotse.user_by_id(&u.actor, id).await {
        Ok(x) => x,
        Err(e) => return error_page(status_of(&e), chrome, message(&e)),
    };
    let (providers, roles) = super::admin::account_choices(s, u).await;
    let provider = match &user.provider_id {
        None => "–".to_owned(),
        Some(p) => providers.iter().find(|(id, _)| id == p).map_or_else(|| p.clone(), |(_, name)| name.clone()),
    };
    let page = UserPage {
        provider,
        own: user.id == u.actor.user_id,
        role: user.role.label_de(),
        user,
        roles,
        providers,
        sent,
        notice,
        min_chars: lotse_service::crypto::MIN_PASSWORD_CHARS,
        chrome,
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize, Default)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    provider_id: String,
    #[serde(default)]
    staff_id: String,
    /// The checkbox "Konto aktiv": present when ticked.
    #[serde(default)]
    active: Option<String>,
}

pub async fn update(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<AccountForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let user = s.lotse.user_by_id(&u.actor, &id).await?;
        let update = UserUpdate {
            display_name: f.display_name.trim().to_owned(),
            role: Role::parse(&f.role)?,
            provider_id: match f.provider_id.trim() {
                "" => None,
                p => Some(EntityId::parse(p)?),
            },
            staff_id: Some(f.staff_id.trim().to_owned()).filter(|x| !x.is_empty()),
            active: f.active.is_some(),
        };
        s.lotse.update_user(&u.actor, &Login::parse(&user.login)?, update).await
    }
    .await;
    match result {
        // After a successful change the page is fetched anew (no resending on reload).
        Ok(saved) => Redirect::to(&format!("{USERS}/{}?gespeichert=1", saved.id)).into_response(),
        Err(e) => {
            let active = if f.active.is_some() { "ja" } else { "" };
            let typed = [
                ("display_name", f.display_name.as_str()),
                ("role", f.role.as_str()),
                ("provider_id", f.provider_id.as_str()),
                ("staff_id", f.staff_id.as_str()),
                ("active", active),
            ];
            let sent = SentBack::new("konto", &typed, &e, &inputs_of("konto"), &[]);
            user_page(&s, &u, &id, status_of(&e), sent, None).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct Saved {
    gespeichert: Option<String>,
    passwort: Option<String>,
}

pub async fn show(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Saved>,
) -> Response {
    let notice = if q.passwort.is_some() {
        Some("Das neue Passwort gilt. Die Anmeldungen und API-Zugänge des Kontos sind beendet.".to_owned())
    } else {
        q.gespeichert.map(|_| "Die Änderungen sind gespeichert.".to_owned())
    };
    user_page(&s, &u, &id, StatusCode::OK, SentBack::default(), notice).await
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<ResetForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let user = s.lotse.user_by_id(&u.actor, &id).await?;
        s.lotse.reset_password(&u.actor, &Login::parse(&user.login)?, f.password).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("{USERS}/{id}?passwort=neu")).into_response(),
        // A password typed is never sent back into the page.
        Err(e) => {
            let sent = SentBack::new("passwort", &[], &e, &inputs_of("passwort"), &[]);
            user_page(&s, &u, &id, status_of(&e), sent, None).await
        }
    }
}

// -------------------------------------------------------- one's own account

#[derive(Template)]
#[template(path = "own_account.html")]
struct OwnAccountPage {
    chrome: Chrome,
    login: String,
    role: &'static str,
    provider: String,
    sent: SentBack,
    notice: Option<String>,
    min_chars: usize,
}

async fn own_page(s: &AppState, u: &UiUser, status: StatusCode, sent: SentBack, notice: Option<String>) -> Response {
    let page = OwnAccountPage {
        chrome: Chrome::new(s, u, "/konto").await,
        login: u.actor.login.to_string(),
        role: u.actor.role.label_de(),
        provider: match &u.actor.provider {
            None => "–".into(),
            Some(p) => s.lotse.provider(&u.actor, p).await.map_or_else(|_| p.to_string(), |x| x.name),
        },
        sent,
        notice,
        min_chars: lotse_service::crypto::MIN_PASSWORD_CHARS,
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize, Default)]
pub struct OwnQuery {
    geaendert: Option<String>,
}

pub async fn own(
    State(s): State<AppState>,
    u: UiUser,
    axum::extract::Query(q): axum::extract::Query<OwnQuery>,
) -> Response {
    let notice = q.geaendert.map(|_| {
        "Ihr neues Passwort gilt. Ihre anderen Anmeldungen (etwa auf einem anderen Gerät) sind beendet.".to_owned()
    });
    own_page(&s, &u, StatusCode::OK, SentBack::default(), notice).await
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

pub async fn change_password(
    State(s): State<AppState>,
    u: UiUser,
    jar: CookieJar,
    Form(f): Form<ChangeForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = if f.password != f.repeat {
        Err(DomainError::invalid(
            "repeat",
            "Die Wiederholung stimmt nicht mit dem neuen Passwort überein.",
            "The repetition differs from the new password.",
        ))
    } else {
        let cookie = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
        s.lotse.change_own_password(&u.actor, &f.current, f.password, cookie.as_deref()).await
    };
    match result {
        Ok(()) => Redirect::to("/konto?geaendert=1").into_response(),
        Err(e) => {
            let inputs = [
                ("current", "current".to_owned()),
                ("password", "password".to_owned()),
                ("repeat", "repeat".to_owned()),
            ];
            let sent = SentBack::new("passwort", &[], &e, &inputs, &[]);
            own_page(&s, &u, status_of(&e), sent, None).await
        }
    }
}

// ------------------------------------------------------------------- roles

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    chrome: Chrome,
    roles: Vec<(&'static str, &'static str)>,
    rows: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
}

/// What each role may do, from the policy itself (authz::role_overview).
pub async fn roles(State(s): State<AppState>, u: UiUser) -> Response {
    let chrome = Chrome::new(&s, &u, "/verwaltung/rollen").await;
    let rows = role_overview()
        .into_iter()
        .map(|c| {
            let cells = c
                .reach
                .into_iter()
                .map(|(_, r)| {
                    let class = match r {
                        Reach::All => "yes",
                        Reach::No => "no",
                        Reach::OwnProvider | Reach::BreakGlass => "partly",
                    };
                    (r.label_de(), class)
                })
                .collect();
            (c.label_de, cells)
        })
        .collect();
    let roles = Role::ALL.into_iter().map(|r| (r.label_de(), role_summary(r))).collect();
    render(&RolesPage { chrome, roles, rows })
}

/// The role in one sentence, for the roles screen.
fn role_summary(r: Role) -> &'static str {
    match r {
        Role::Admin => {
            "richtet Konten, API-Zugänge und Aufbewahrungsregeln ein; sieht keine Personen und keine Fallzahlen."
        }
        Role::Head => {
            "sieht alle Kennzahlen und Berichte und veröffentlicht sie; Personen nur über einen protokollierten Notfallzugriff mit Begründung."
        }
        Role::Coordinator => {
            "pflegt Programme, Angebote und Finanzen, liest Datenpakete ein, erstellt und veröffentlicht Berichte."
        }
        Role::CaseManager => "arbeitet mit den Personen und Fällen des eigenen Trägers.",
        Role::ProviderAdmin => "verwaltet die Konten und Angebote des eigenen Trägers; sieht keine Personen.",
        Role::Controller => "sieht nur zusammengefasste Zahlen, immer mit Schutz kleiner Fallzahlen.",
        Role::Auditor => "sieht das Protokoll aller Zugriffe und prüft seine Unversehrtheit; sonst nichts.",
    }
}
