//! What every signed-in page shares: the signed-in user (or a redirect to
//! the login), the navigation for their role, and German number and date
//! formats.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use lotse_domain::authz::{Action, Resource, is_allowed};
use lotse_domain::{Actor, DomainError, Lang, Role};
use std::net::SocketAddr;

use crate::AppState;
use crate::extract::{SESSION_COOKIE, client_address};

/// A signed-in user of the web interface.
pub struct UiUser {
    pub actor: Actor,
    pub csrf: String,
}

impl FromRequestParts<AppState> for UiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(c) = jar.get(SESSION_COOKIE) else {
            return Err(Redirect::to("/anmelden").into_response());
        };
        let addr = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        let address = client_address(&parts.headers, addr, s.config.trust_proxy);
        match s.lotse.session(c.value(), address).await {
            Ok(session) => Ok(UiUser { actor: session.actor, csrf: session.csrf_token }),
            Err(_) => Err(Redirect::to("/anmelden").into_response()),
        }
    }
}

impl UiUser {
    /// A form's CSRF token against the session's (constant time); a wrong
    /// one is refused with a German 403 before anything is read or written.
    pub fn check_csrf(&self, token: &str) -> Result<(), Response> {
        if lotse_service::crypto::constant_time_eq(&self.csrf, token) { Ok(()) } else { Err(expired()) }
    }
}

/// The page for a form whose CSRF token does not match the session's.
#[derive(askama::Template)]
#[template(path = "expired.html")]
struct Expired;

/// A 403 page for a form sent with a CSRF token that does not match.
pub fn expired() -> Response {
    (axum::http::StatusCode::FORBIDDEN, super::render(&Expired)).into_response()
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The frame of a page: who is signed in, where they may go.
pub struct Chrome {
    pub csrf: String,
    pub user: String,
    pub role: &'static str,
    pub tenant: String,
    pub nav: Vec<NavItem>,
}

impl Chrome {
    /// The navigation shows what the policy lets this role reach.
    pub async fn new(s: &AppState, u: &UiUser, current: &str) -> Chrome {
        let a = &u.actor;
        let program = is_allowed(a, Action::Read, &Resource::ProgramData { provider: None });
        let users =
            is_allowed(a, Action::Read, &Resource::User { provider: a.provider.as_ref(), role: Role::CaseManager });
        let cases = matches!(a.role, Role::CaseManager);
        let handovers =
            a.provider.as_ref().is_some_and(|p| is_allowed(a, Action::Read, &Resource::IncomingHandover { to: p }));
        let items: [(&'static str, &'static str, bool); 17] = [
            ("/", "Start", true),
            ("/personen", "Personen", cases),
            ("/faelle", "Fälle", cases),
            ("/uebergaben", "Übergaben", handovers),
            ("/programme", "Programme und Angebote", program),
            ("/angebotslandkarte", "Angebotslandkarte", program),
            ("/gremien", "Gremien und Meilensteine", program),
            ("/innovationsfonds", "Innovationsfonds", is_allowed(a, Action::Read, &Resource::Review)),
            ("/finanzen", "Finanzen", is_allowed(a, Action::Read, &Resource::Finance)),
            ("/mittelverteilung", "Mittelverteilung", is_allowed(a, Action::Read, &Resource::Report)),
            ("/berichte", "Berichte", is_allowed(a, Action::Read, &Resource::Report)),
            ("/import", "Daten einlesen", is_allowed(a, Action::Create, &Resource::Import)),
            ("/verwaltung/benutzer", "Benutzerkonten", users),
            ("/verwaltung/rollen", "Rollen", users),
            ("/verwaltung/aufbewahrung", "Aufbewahrung", is_allowed(a, Action::Read, &Resource::Retention)),
            ("/protokoll", "Protokoll", is_allowed(a, Action::Read, &Resource::AuditTrail)),
            ("/zugaenge", "API-Zugänge", !a.via_token),
        ];
        let tenant = s.lotse.my_tenant(a).await.map(|t| t.name).unwrap_or_else(|_| a.tenant.to_string());
        Chrome {
            csrf: u.csrf.clone(),
            user: a.login.to_string(),
            role: a.role.label_de(),
            tenant,
            nav: items
                .into_iter()
                .filter(|(_, _, ok)| *ok)
                .map(|(href, label, _)| NavItem { href, label, current: href == current })
                .collect(),
        }
    }
}

/// A service error as a sentence for the page.
pub fn message(e: &DomainError) -> String {
    e.message(Lang::De)
}

/// Euro from cents in German notation: `1.234.567,89 €`.
pub fn euro(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{},{:02} €", group(c / 100), c % 100)
}

/// A whole number with German thousands separators: `21.700`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// A decimal with a comma and `places` places: `12,5`.
pub fn decimal(x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (neg, int) = int.strip_prefix('-').map_or((false, int), |i| (true, i));
    let int = group(int.parse().unwrap_or(0));
    let sign = if neg { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{int}") } else { format!("{sign}{int},{frac}") }
}

/// A date as German offices write it: `01.12.2026`.
pub fn date(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// A date as typed: `01.12.2026` or `2026-12-01`; an empty field is None.
pub fn typed_date(field: &str, s: &str) -> Result<Option<chrono::NaiveDate>, DomainError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(s, "%d.%m.%Y")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .map(Some)
        .map_err(|_| DomainError::invalid(field, format!("„{s}“ ist kein Datum (TT.MM.JJJJ)."), "not a date"))
}

/// A date the form must have.
pub fn required_date(field: &str, s: &str) -> Result<chrono::NaiveDate, DomainError> {
    typed_date(field, s)?.ok_or_else(|| DomainError::invalid(field, "„“ ist kein Datum (TT.MM.JJJJ).", "not a date"))
}

/// The status of a page that shows a service's refusal.
pub fn status_of(e: &DomainError) -> axum::http::StatusCode {
    use axum::http::StatusCode;
    match e {
        DomainError::NotFound { .. } => StatusCode::NOT_FOUND,
        DomainError::Forbidden { .. } => StatusCode::FORBIDDEN,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Euro as typed by a German user (`5.000.000,00`, `5000000`) or as the
/// canonical form (`5000000.00`), in cents.
pub fn parse_euro(s: &str) -> Option<i64> {
    use lotse_bundle::cell::{Dialect, parse_money};
    let s = s.trim().trim_end_matches('€').trim();
    parse_money(s, Dialect::Canonical).or_else(|| parse_money(s, Dialect::German))
}

/// A column header of a list: a link that sorts by it (and turns the order
/// round when the list is already sorted by it), `aria-sort` on the column
/// the list is sorted by.
pub struct Head {
    pub label: &'static str,
    /// None: the column does not sort.
    pub href: Option<String>,
    /// The `sort` value the link sets (for lists whose headers are buttons).
    pub value: String,
    /// `ascending` / `descending` on the sorted column, else empty.
    pub aria: &'static str,
    /// What following the link does, for screen readers.
    pub action: &'static str,
    pub num: bool,
}

/// The order a list page was asked for, read against the keys it offers
/// (`(key, label)`; an empty key: the column does not sort). An unknown or
/// missing key gives `default`; a key never reaches a service unchecked.
pub struct Sorting {
    pub key: &'static str,
    pub descending: bool,
}

impl Sorting {
    pub fn read(raw: Option<&str>, columns: &[(&'static str, &'static str)], default: (&'static str, bool)) -> Sorting {
        let raw = raw.unwrap_or_default().trim();
        let (k, descending) = match raw.strip_prefix('-') {
            Some(k) => (k, true),
            None => (raw, false),
        };
        match columns.iter().find(|(key, _)| !key.is_empty() && *key == k) {
            Some((key, _)) => Sorting { key: *key, descending },
            None => Sorting { key: default.0, descending: default.1 },
        }
    }

    /// `key` or `-key`, as the link and the service take it.
    pub fn param(&self) -> String {
        format!("{}{}", if self.descending { "-" } else { "" }, self.key)
    }

    /// The service's order.
    pub fn order(&self) -> lotse_service::page::Order {
        lotse_service::page::Order { key: self.key.to_owned(), descending: self.descending }
    }

    /// The headers, linking to `path?{query}&sort=…` (first page).
    pub fn heads(&self, path: &str, query: &str, columns: &[(&'static str, &'static str)]) -> Vec<Head> {
        self.heads_num(path, query, columns, &[])
    }

    /// As `heads`, with the numeric columns (right-aligned) named.
    pub fn heads_num(
        &self,
        path: &str,
        query: &str,
        columns: &[(&'static str, &'static str)],
        numeric: &[&str],
    ) -> Vec<Head> {
        columns
            .iter()
            .map(|(key, label)| {
                let current = !key.is_empty() && *key == self.key;
                // A click on the sorted column turns it round; another column starts ascending.
                let descending = current && !self.descending;
                let sep = if query.is_empty() { "" } else { "&" };
                let value = format!("{}{key}", if descending { "-" } else { "" });
                Head {
                    label: *label,
                    href: (!key.is_empty()).then(|| format!("{path}?{query}{sep}sort={value}")),
                    value,
                    aria: match (current, self.descending) {
                        (false, _) => "",
                        (true, false) => "ascending",
                        (true, true) => "descending",
                    },
                    action: if descending { "absteigend sortieren" } else { "aufsteigend sortieren" },
                    num: numeric.contains(key) || numeric.contains(label),
                }
            })
            .collect()
    }
}

/// A value a list held in memory sorts by (see [`Sorting::sort`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    Num(i64),
    Date(chrono::NaiveDate),
    /// Compared without case.
    Text(String),
    /// Sorts last in either direction, as the database lists do (decision 44).
    Empty,
}

impl SortValue {
    pub fn text(s: &str) -> SortValue {
        if s.is_empty() { SortValue::Empty } else { SortValue::Text(s.to_lowercase()) }
    }
}

impl Sorting {
    /// Sorts a short list that is held whole (one's own tokens, the
    /// retention rules) by the chosen column: `value(item, key)`; equal
    /// values keep their order. Empty values last in both directions.
    pub fn sort<T>(&self, items: &mut [T], value: impl Fn(&T, &str) -> SortValue) {
        items.sort_by(|a, b| {
            let (x, y) = (value(a, self.key), value(b, self.key));
            match (&x, &y) {
                (SortValue::Empty, SortValue::Empty) => std::cmp::Ordering::Equal,
                (SortValue::Empty, _) => std::cmp::Ordering::Greater,
                (_, SortValue::Empty) => std::cmp::Ordering::Less,
                _ if self.descending => y.cmp(&x),
                _ => x.cmp(&y),
            }
        });
    }
}

/// One page (`offset`, `size`) of a list held whole.
pub fn page_of<T>(items: Vec<T>, offset: u64, size: u64) -> Vec<T> {
    items.into_iter().skip(offset as usize).take(size as usize).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_in_memory_sorts_with_empty_values_last() {
        let cols = [("name", "Name"), ("n", "Zahl")];
        let rows = vec![("beta", 2), ("", 1), ("Alpha", 3)];
        let value = |r: &(&str, i64), key: &str| match key {
            "name" => SortValue::text(r.0),
            _ => SortValue::Num(r.1),
        };
        let mut asc = rows.clone();
        Sorting::read(Some("name"), &cols, ("n", false)).sort(&mut asc, value);
        assert_eq!(asc, [("Alpha", 3), ("beta", 2), ("", 1)]);
        let mut desc = rows.clone();
        Sorting::read(Some("-name"), &cols, ("n", false)).sort(&mut desc, value);
        assert_eq!(desc, [("beta", 2), ("Alpha", 3), ("", 1)], "empty last also descending");
        let mut by_n = rows;
        Sorting::read(Some("-n"), &cols, ("name", false)).sort(&mut by_n, value);
        assert_eq!(by_n.iter().map(|r| r.1).collect::<Vec<_>>(), [3, 2, 1]);
        assert_eq!(page_of(vec![1, 2, 3, 4, 5], 2, 2), [3, 4]);
    }

    #[test]
    fn sorting_is_whitelisted_and_turns_round() {
        let cols = [("name", "Name"), ("birth_date", "Geburtsdatum"), ("", "Wohnort")];
        let s = Sorting::read(Some("-birth_date"), &cols, ("name", false));
        assert_eq!((s.key, s.descending, s.param().as_str()), ("birth_date", true, "-birth_date"));
        let unknown = Sorting::read(Some("password_hash"), &cols, ("name", false));
        assert_eq!((unknown.key, unknown.descending), ("name", false), "an unknown key falls back to the default");
        let heads = s.heads("/personen", "phase=x", &cols);
        assert_eq!(heads[0].href.as_deref(), Some("/personen?phase=x&sort=name"));
        assert_eq!(
            heads[1].href.as_deref(),
            Some("/personen?phase=x&sort=birth_date"),
            "the sorted column turns round"
        );
        assert_eq!((heads[0].aria, heads[1].aria), ("", "descending"));
        assert!(heads[2].href.is_none());
        let asc = Sorting::read(Some("name"), &cols, ("name", false)).heads("/p", "", &cols);
        assert_eq!((asc[0].href.as_deref(), asc[0].aria), (Some("/p?sort=-name"), "ascending"));
    }

    #[test]
    fn german_numbers() {
        assert_eq!(euro(500_000_000_00), "500.000.000,00 €");
        assert_eq!(euro(-19), "-0,19 €");
        assert_eq!(group(21_700), "21.700");
        assert_eq!(group(999), "999");
        assert_eq!(decimal(0.70089, 1), "0,7");
        assert_eq!(decimal(1234.5, 2), "1.234,50");
        assert_eq!(parse_euro("5.000.000,00 €"), Some(500_000_000));
        assert_eq!(parse_euro("5000000.50"), Some(500_000_050));
        assert_eq!(parse_euro("5000000"), Some(500_000_000));
        assert_eq!(parse_euro("fünf"), None);
        assert_eq!(date(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()), "01.12.2026");
    }
}

/// For a page with one form whose error is `error: Option<String>` and the
/// input it belongs to `error_field: String`: `err(field)` gives the error
/// when it belongs to that input (templates put it beside the input).
macro_rules! field_errors {
    ($($page:ty),+) => {$(
        impl $page {
            fn err(&self, field: &str) -> Option<&str> {
                self.error.as_deref().filter(|_| self.error_field == field)
            }
        }
    )+};
}
pub(crate) use field_errors;

/// A form sent back with an error: the page shows it again with what the
/// user typed, the error at the input it belongs to (or at the top of the
/// form), and a summary at the top of the page that links there. A page
/// with several forms names each by a `section`.
#[derive(Default)]
pub struct SentBack {
    section: &'static str,
    /// The input the error belongs to; empty when it belongs to the form.
    input: &'static str,
    typed: std::collections::HashMap<String, String>,
    /// The error in German, without the service's field name.
    pub error: String,
    /// The element the summary links to: the input, or the form
    /// (`form-SECTION`).
    pub target: String,
}

impl SentBack {
    /// `inputs` are the form's inputs as (name, element id); `aliases` name
    /// the input of a service field called otherwise (`("due_date", "due")`).
    pub fn new(
        section: &'static str,
        typed: &[(&str, &str)],
        e: &DomainError,
        inputs: &[(&'static str, String)],
        aliases: &[(&str, &'static str)],
    ) -> SentBack {
        let (field, error) = match e {
            DomainError::Invalid { field, de, .. } => (field.as_str(), de.clone()),
            _ => ("", message(e)),
        };
        let name = aliases.iter().find(|(f, _)| *f == field).map_or(field, |(_, n)| *n);
        let (input, target) = match inputs.iter().find(|(n, _)| *n == name) {
            Some((n, element)) => (*n, element.clone()),
            None => ("", format!("form-{section}")),
        };
        let typed = typed.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        SentBack { section, input, typed, error, target }
    }

    /// Whether a form came back.
    pub fn any(&self) -> bool {
        !self.section.is_empty()
    }

    /// What was typed into `name` of the form `section` when that form came
    /// back; else `default`.
    pub fn typed<'a>(&'a self, section: &str, name: &str, default: &'a str) -> &'a str {
        if self.section == section { self.typed.get(name).map(String::as_str).unwrap_or_default() } else { default }
    }

    /// Whether `value` is the choice of `name` to show: the one sent when
    /// the form came back, else `default`.
    pub fn chosen(&self, section: &str, name: &str, value: &str, default: bool) -> bool {
        if self.section == section { self.typed.get(name).is_some_and(|v| v == value) } else { default }
    }

    /// Whether the error belongs to the input `name` of the form `section`.
    pub fn bad(&self, section: &str, name: &str) -> bool {
        self.section == section && self.input == name
    }

    /// Whether the form `section` came back with an error that belongs to
    /// no single input (shown at the top of the form).
    pub fn form_error(&self, section: &str) -> bool {
        self.section == section && self.input.is_empty()
    }
}
