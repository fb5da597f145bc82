//! Programmes, funding modules and offers: lists (paged, sorted, filtered),
//! one form for creating and changing a record, archiving; for a group
//! offer its sessions and the registered attendance, for an individual
//! offer its waiting list. Every record is written through the records
//! service, so a form is held to the rules of an import row (decision 28).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_bundle::spec::{FileSpec, Kind};
use lotse_domain::authz::{Action, Resource, is_allowed};
use lotse_domain::{DomainError, EntityId};
use lotse_reports::labels;
use lotse_service::page::PageRequest;
use lotse_service::records::{Record, RecordList};
use serde::Deserialize;

use super::admin::Pager;
use super::page::{Chrome, Head, Sorting, UiUser, date, group, message, status_of, typed_date};
use super::programme::{enc, error_page};
use super::render;
use crate::AppState;

const PAGE: u64 = 50;
const ALL: PageRequest = PageRequest { limit: Some(500), offset: None };

/// How one kind of record appears in the interface.
pub struct KindUi {
    kind: &'static str,
    path: &'static str,
    title: &'static str,
    one: &'static str,
    new_label: &'static str,
    /// The list's columns (bundle names), the key first.
    list: &'static [&'static str],
    /// Columns the list can be filtered by (a choice each).
    filters: &'static [&'static str],
}

pub const PROGRAMS: KindUi = KindUi {
    kind: "programs",
    path: "/programme",
    title: "Programme",
    one: "Programm",
    new_label: "Neues Programm",
    list: &["program_id", "name", "funder", "start_date", "end_date"],
    filters: &[],
};

pub const MODULES: KindUi = KindUi {
    kind: "modules",
    path: "/foerderbausteine",
    title: "Förderbausteine",
    one: "Förderbaustein",
    new_label: "Neuer Förderbaustein",
    list: &["module_id", "program_id", "number", "name", "kind"],
    filters: &["program_id"],
};

pub const OFFERS: KindUi = KindUi {
    kind: "offers",
    path: "/angebote",
    title: "Angebote",
    one: "Angebot",
    new_label: "Neues Angebot",
    list: &["offer_id", "name", "provider_id", "module_id", "delivery", "life_stage", "capacity"],
    filters: &["provider_id", "module_id", "delivery"],
};

/// The three lists, for the links between them.
const SECTIONS: [&KindUi; 3] = [&PROGRAMS, &MODULES, &OFFERS];

fn spec_of(k: &KindUi) -> &'static FileSpec {
    FileSpec::by_name(k.kind).expect("a kind of the bundle")
}

/// The German name of a column.
fn label(k: &KindUi, col: &str) -> &'static str {
    if spec_of(k).key.first() == Some(&col) {
        return "Kennung";
    }
    match col {
        "program_id" => "Programm",
        "module_id" => "Förderbaustein",
        "provider_id" => "Träger",
        "district_id" => "Sozialraum",
        "name" => "Name",
        "funder" => "Zuwendungsgeber",
        "start_date" => "Beginn",
        "end_date" => "Ende",
        "target_group" => "Zielgruppe (Regel)",
        "number" => "Nummer",
        "kind" => "Art",
        "delivery" => "Form",
        "topic" => "Thema",
        "life_stage" => "Lebensphase",
        "capacity" => "Plätze",
        "unregistered_participants" => "Teilnehmende ohne Registrierung",
        _ => "",
    }
}

fn hint(col: &str, key: bool) -> &'static str {
    match col {
        _ if key => "Kurzzeichen aus Kleinbuchstaben, Ziffern und Bindestrichen, z. B. jugend-2027; bleibt fest",
        "start_date" | "end_date" => "TT.MM.JJJJ",
        "target_group" => "Regel, wer zur Zielgruppe gehört (z. B. age >= 16 && age <= 26); leer: alle",
        "capacity" => "höchstens gleichzeitig; leer: ohne Grenze",
        "unregistered_participants" => "bei offenen Gruppen: Teilnehmende, die nicht einzeln erfasst werden",
        _ => "",
    }
}

/// The German label of a code of a column.
fn code_label(col: &str, code: &str) -> String {
    match (col, code) {
        ("kind", "coaching") => "Coaching".into(),
        ("kind", "qualification") => "Qualifizierung".into(),
        ("kind", "school_certificate") => "Schulabschluss".into(),
        ("kind", "preparation") => "Vorbereitung".into(),
        ("kind", "innovation") => "Innovation".into(),
        ("kind", "participation_management") => "Teilhabemanagement".into(),
        ("kind", "other") => "Sonstiges".into(),
        _ => labels::code(col, code).de,
    }
}

/// The kind of record a reference column points to.
fn ref_kind(file: &str) -> &'static str {
    match file {
        "programs.csv" => "programs",
        "modules.csv" => "modules",
        "providers.csv" => "providers",
        "districts.csv" => "districts",
        _ => "",
    }
}

fn text(r: &Record, col: &str) -> String {
    r.get(col)
        .and_then(|v| v.as_str().map(str::to_owned).or_else(|| v.as_i64().map(|n| n.to_string())))
        .unwrap_or_default()
}

/// Id → name of the records of `kind` with these ids (each looked up once).
pub async fn names_of(s: &AppState, u: &UiUser, kind: &str, ids: &[String]) -> HashMap<String, String> {
    let Some(spec) = FileSpec::by_name(kind) else { return HashMap::new() };
    let key = spec.key[0];
    let mut out = HashMap::new();
    for id in ids {
        if out.contains_key(id) {
            continue;
        }
        let mut f = Record::new();
        f.insert(key.into(), id.clone().into());
        if let Ok(p) = s.lotse.records(&u.actor, kind, &f, PageRequest { limit: Some(1), offset: None }).await
            && let Some(r) = p.items.first()
        {
            out.insert(id.clone(), text(r, "name"));
        }
    }
    out
}

/// Id → name of every record of `kind` (the choices of a reference field).
async fn choices(s: &AppState, u: &UiUser, kind: &str) -> Vec<(String, String)> {
    let Some(spec) = FileSpec::by_name(kind) else { return vec![] };
    let key = spec.key[0];
    let list = RecordList {
        order: Some(lotse_service::page::Order { key: "name".into(), descending: false }),
        ..Default::default()
    };
    s.lotse
        .record_list(&u.actor, kind, &list, ALL)
        .await
        .map(|p| p.items.iter().map(|r| (text(r, key), text(r, "name"))).collect())
        .unwrap_or_default()
}

/// May the user create or change records of this kind (for `provider`, an offer's)?
fn may_edit(u: &UiUser, k: &KindUi, provider: Option<&str>) -> bool {
    let p = provider.and_then(|p| EntityId::parse(p).ok());
    let provider = match k.kind {
        "offers" => p.as_ref().or(u.actor.provider.as_ref()),
        _ => None,
    };
    is_allowed(&u.actor, Action::Create, &Resource::ProgramData { provider })
}

/// A cell of a list: codes and references by name, dates and numbers in German.
fn shown(k: &KindUi, col: &str, r: &Record, refs: &HashMap<&'static str, HashMap<String, String>>) -> String {
    let spec = spec_of(k);
    let raw = text(r, col);
    if raw.is_empty() {
        return String::new();
    }
    match spec.col(col).map(|i| spec.cols[i].kind) {
        Some(Kind::Date) => chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d").map(date).unwrap_or(raw),
        Some(Kind::Code(_)) => code_label(col, &raw),
        Some(Kind::Ref(file)) => refs.get(ref_kind(file)).and_then(|m| m.get(&raw)).cloned().unwrap_or(raw),
        Some(Kind::Int { .. }) => raw.parse::<u64>().map(group).unwrap_or(raw),
        _ => raw,
    }
}

// -------------------------------------------------------------------- list

pub struct Row {
    href: String,
    cells: Vec<(String, bool)>,
}

pub struct Filter {
    name: &'static str,
    label: &'static str,
    value: String,
    options: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "records.html")]
struct ListPage {
    chrome: Chrome,
    title: &'static str,
    path: &'static str,
    new_label: &'static str,
    may_create: bool,
    sections: Vec<(&'static str, &'static str, bool)>,
    filters: Vec<Filter>,
    archived: bool,
    sort: String,
    heads: Vec<Head>,
    rows: Vec<Row>,
    pager: Pager,
    error: Option<String>,
}

async fn list_page(s: &AppState, u: &UiUser, k: &'static KindUi, q: HashMap<String, String>) -> Response {
    let chrome = Chrome::new(s, u, "/programme").await;
    let spec = spec_of(k);
    let columns: Vec<(&'static str, &'static str)> = k.list.iter().map(|c| (*c, label(k, c))).collect();
    let sorting = Sorting::read(q.get("sort").map(String::as_str), &columns, ("name", false));
    let offset = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let archived = q.get("archiv").is_some_and(|a| a == "ja");
    // The references shown by name, and the filters' choices.
    let mut refs: HashMap<&'static str, HashMap<String, String>> = HashMap::new();
    for c in spec.cols.iter().filter(|c| k.list.contains(&c.name) || k.filters.contains(&c.name)) {
        if let Kind::Ref(file) = c.kind {
            let kind = ref_kind(file);
            if !refs.contains_key(kind) {
                refs.insert(kind, choices(s, u, kind).await.into_iter().collect());
            }
        }
    }
    let mut filter = Record::new();
    let mut filters = vec![];
    let mut query = vec![];
    for name in k.filters {
        let value = q.get(*name).map(|v| v.trim().to_owned()).unwrap_or_default();
        let c = &spec.cols[spec.col(name).expect("a column")];
        let mut options: Vec<(String, String)> = match c.kind {
            Kind::Ref(file) => refs.get(ref_kind(file)).map(|m| m.clone().into_iter().collect()).unwrap_or_default(),
            Kind::Code(codes) => codes.iter().map(|x| (x.to_string(), code_label(name, x))).collect(),
            _ => vec![],
        };
        options.sort_by(|a, b| a.1.cmp(&b.1));
        // Only a value the choice offers filters; anything else is ignored.
        if !value.is_empty() && options.iter().any(|(id, _)| *id == value) {
            filter.insert((*name).to_owned(), value.clone().into());
            query.push(format!("{name}={}", enc(&value)));
        }
        filters.push(Filter { name, label: label(k, name), value, options });
    }
    if archived {
        query.push("archiv=ja".into());
    }
    let list = RecordList { filter, archived: Some(archived), order: Some(sorting.order()) };
    let page = match s
        .lotse
        .record_list(&u.actor, k.kind, &list, PageRequest { limit: Some(PAGE), offset: Some(offset) })
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(status_of(&e), chrome, message(&e)),
    };
    let query = query.join("&");
    let sep = if query.is_empty() { "" } else { "&" };
    let key = spec.key[0];
    let numeric: Vec<&str> = spec
        .cols
        .iter()
        .filter(|c| matches!(c.kind, Kind::Int { .. }) && k.list.contains(&c.name))
        .map(|c| c.name)
        .collect();
    let rows = page
        .items
        .iter()
        .map(|r| Row {
            href: format!("{}/{}", k.path, text(r, key)),
            cells: k.list.iter().map(|c| (shown(k, c, r, &refs), numeric.contains(c))).collect(),
        })
        .collect();
    render(&ListPage {
        title: k.title,
        path: k.path,
        new_label: k.new_label,
        may_create: may_edit(u, k, None),
        sections: SECTIONS.iter().map(|x| (x.path, x.title, x.path == k.path)).collect(),
        filters,
        archived,
        sort: sorting.param(),
        heads: sorting.heads_num(k.path, &query, &columns, &numeric),
        pager: Pager::new(
            k.path,
            &format!("{query}{sep}sort={}", sorting.param()),
            offset,
            page.items.len(),
            page.total,
        ),
        rows,
        error: None,
        chrome,
    })
}

pub async fn programs(State(s): State<AppState>, u: UiUser, Query(q): Query<HashMap<String, String>>) -> Response {
    list_page(&s, &u, &PROGRAMS, q).await
}

pub async fn modules(State(s): State<AppState>, u: UiUser, Query(q): Query<HashMap<String, String>>) -> Response {
    list_page(&s, &u, &MODULES, q).await
}

pub async fn offers(State(s): State<AppState>, u: UiUser, Query(q): Query<HashMap<String, String>>) -> Response {
    list_page(&s, &u, &OFFERS, q).await
}

// -------------------------------------------------------------------- form

pub struct Field {
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    /// `text`, `date`, `number` or `select`.
    input: &'static str,
    required: bool,
    options: Vec<(String, String)>,
    value: String,
    readonly: bool,
    error: Option<String>,
}

/// What an offer's page shows beside its form.
#[derive(Default)]
pub struct OfferExtras {
    group: bool,
    /// A case manager's view of the waiting list: name (link), since, place.
    waiting: Option<Vec<(String, String, String, usize)>>,
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    chrome: Chrome,
    title: String,
    path: &'static str,
    /// The record's id; empty for a new one.
    id: String,
    action: String,
    fields: Vec<Field>,
    may_edit: bool,
    archived: bool,
    error: Option<String>,
    notice: Option<String>,
    offer: OfferExtras,
}

/// The form's fields with the values given (stored or typed).
async fn fields(s: &AppState, u: &UiUser, k: &KindUi, values: &HashMap<String, String>, new: bool) -> Vec<Field> {
    let spec = spec_of(k);
    let mut out = vec![];
    for c in spec.cols {
        let key = spec.key.contains(&c.name);
        let (input, mut options) = match c.kind {
            Kind::Date => ("date", vec![]),
            Kind::Int { .. } => ("number", vec![]),
            Kind::Code(codes) => ("select", codes.iter().map(|x| (x.to_string(), code_label(c.name, x))).collect()),
            Kind::Ref(file) => ("select", choices(s, u, ref_kind(file)).await),
            _ => ("text", vec![]),
        };
        // Provider staff keep offers at their own provider.
        if c.name == "provider_id"
            && let Some(own) = u.actor.provider.as_ref()
        {
            options.retain(|(id, _)| id == own.as_str());
        }
        let value = values.get(c.name).cloned().unwrap_or_default();
        out.push(Field {
            name: c.name,
            label: label(k, c.name),
            hint: hint(c.name, key),
            input,
            required: c.required,
            options,
            value,
            readonly: key && !new,
            error: None,
        });
    }
    out
}

/// A stored record as the form shows it (dates in German).
fn form_values(k: &KindUi, r: &Record) -> HashMap<String, String> {
    let spec = spec_of(k);
    spec.cols
        .iter()
        .map(|c| {
            let raw = text(r, c.name);
            let v = match c.kind {
                Kind::Date => chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d").map(date).unwrap_or(raw),
                _ => raw,
            };
            (c.name.to_owned(), v)
        })
        .collect()
}

async fn stored(s: &AppState, u: &UiUser, k: &KindUi, id: &str) -> Result<Option<Record>, DomainError> {
    let mut f = Record::new();
    f.insert(spec_of(k).key[0].into(), id.into());
    Ok(s.lotse
        .records(&u.actor, k.kind, &f, PageRequest { limit: Some(1), offset: None })
        .await?
        .items
        .into_iter()
        .next())
}

#[allow(clippy::too_many_arguments)]
async fn record_page(
    s: &AppState,
    u: &UiUser,
    k: &'static KindUi,
    id: Option<&str>,
    values: HashMap<String, String>,
    archived: bool,
    failure: Option<DomainError>,
    notice: Option<String>,
) -> Response {
    let chrome = Chrome::new(s, u, "/programme").await;
    let mut fields = fields(s, u, k, &values, id.is_none()).await;
    let provider = values.get("provider_id").map(String::as_str).filter(|p| !p.is_empty());
    let may = may_edit(u, k, provider);
    let mut error = None;
    let status = failure.as_ref().map(status_of).unwrap_or(StatusCode::OK);
    if let Some(e) = failure {
        let field = match &e {
            DomainError::Invalid { field, .. } => field.clone(),
            DomainError::Conflict { .. } => spec_of(k).key[0].to_owned(),
            _ => String::new(),
        };
        let text = match &e {
            DomainError::Invalid { de, .. } => de.clone(),
            e => message(e),
        };
        match fields.iter_mut().find(|f| f.name == field) {
            Some(f) => f.error = Some(text),
            None => error = Some(text),
        }
    }
    let mut offer = OfferExtras::default();
    if k.kind == "offers"
        && let Some(id) = id
    {
        offer.group = values.get("delivery").is_some_and(|d| d == "group");
        if !offer.group
            && let Ok(oid) = EntityId::parse(id)
            && let Ok(w) = s.lotse.waiting_list(&u.actor, &oid).await
        {
            let ids: Vec<String> = w.iter().map(|e| e.person_id.clone()).collect();
            let names = s.lotse.person_names(&u.actor, &ids).await.unwrap_or_default();
            offer.waiting = Some(
                w.into_iter()
                    .map(|e| {
                        let name = names.get(&e.person_id).filter(|n| !n.is_empty()).cloned();
                        (
                            e.person_id.clone(),
                            name.unwrap_or_else(|| format!("(ohne Namen) {}", e.person_id)),
                            date(e.requested_date),
                            e.position,
                        )
                    })
                    .collect(),
            );
        }
    }
    let page = RecordPage {
        title: match id {
            Some(_) => values.get("name").cloned().filter(|n| !n.is_empty()).unwrap_or_else(|| k.one.to_owned()),
            None => k.new_label.to_owned(),
        },
        path: k.path,
        id: id.unwrap_or_default().to_owned(),
        action: match id {
            Some(id) => format!("{}/{id}", k.path),
            None => format!("{}/neu", k.path),
        },
        fields: {
            if !may {
                for f in &mut fields {
                    f.readonly = true;
                }
            }
            fields
        },
        may_edit: may,
        archived,
        error,
        notice,
        offer,
        chrome,
    };
    (status, render(&page)).into_response()
}

async fn show(s: &AppState, u: &UiUser, k: &'static KindUi, id: &str, notice: Option<String>) -> Response {
    match stored(s, u, k, id).await {
        Ok(Some(r)) => {
            let archived = r.get("archived").and_then(|v| v.as_bool()) == Some(true);
            record_page(s, u, k, Some(id), form_values(k, &r), archived, None, notice).await
        }
        Ok(None) => {
            let chrome = Chrome::new(s, u, "/programme").await;
            error_page(StatusCode::NOT_FOUND, chrome, format!("{} „{id}“ gibt es nicht.", k.one))
        }
        Err(e) => {
            let chrome = Chrome::new(s, u, "/programme").await;
            error_page(status_of(&e), chrome, message(&e))
        }
    }
}

/// Typed values as the record's fields: dates to the canonical form, empty
/// fields left out of a new record and cleared in a stored one.
fn to_record(k: &KindUi, form: &HashMap<String, String>, new: bool) -> Result<Record, DomainError> {
    let spec = spec_of(k);
    let mut r = Record::new();
    for c in spec.cols {
        let v = form.get(c.name).map(|v| v.trim()).unwrap_or_default();
        if v.is_empty() {
            if c.required && !spec.key.contains(&c.name) {
                // Sent empty, so that the import's rule names the field.
                r.insert(c.name.to_owned(), "".into());
            } else if !new && !spec.key.contains(&c.name) {
                r.insert(c.name.to_owned(), serde_json::Value::Null);
            }
            continue;
        }
        let v = match c.kind {
            Kind::Date => typed_date(c.name, v)?.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            // A number as a German types it: thousands separated by a point.
            Kind::Int { .. } => v.replace('.', ""),
            _ => v.to_owned(),
        };
        r.insert(c.name.to_owned(), v.into());
    }
    Ok(r)
}

async fn save(
    s: &AppState,
    u: &UiUser,
    k: &'static KindUi,
    id: Option<&str>,
    form: HashMap<String, String>,
) -> Response {
    if let Err(r) = u.check_csrf(form.get("csrf").map(String::as_str).unwrap_or_default()) {
        return r;
    }
    let key = spec_of(k).key[0];
    let result = async {
        let mut record = to_record(k, &form, id.is_none())?;
        match id {
            // The address names the record; a form cannot move it.
            Some(id) => {
                record.insert(key.into(), id.into());
                if stored(s, u, k, id).await?.is_none() {
                    return Err(DomainError::NotFound { entity: "record" });
                }
            }
            None => {
                let given = form.get(key).map(|v| v.trim()).unwrap_or_default();
                if given.is_empty() {
                    return Err(DomainError::invalid(key, "Bitte eine Kennung eingeben.", "id missing"));
                }
                EntityId::parse(given).map_err(|_| {
                    DomainError::invalid(
                        key,
                        "Die Kennung besteht aus Kleinbuchstaben, Ziffern, Punkt, Binde- oder Unterstrich.",
                        "invalid id",
                    )
                })?;
                // Saving an existing id would change that record: a new one needs a new id.
                if stored(s, u, k, given).await?.is_some() {
                    return Err(DomainError::invalid(
                        key,
                        format!("Die Kennung „{given}“ ist schon vergeben."),
                        "id taken",
                    ));
                }
            }
        }
        s.lotse.save_record(&u.actor, k.kind, record).await
    }
    .await;
    match result {
        Ok(saved) => {
            let id = text(&saved.record, key);
            Redirect::to(&format!("{}/{}?gespeichert=ja", k.path, enc(&id))).into_response()
        }
        Err(e) => {
            let mut values = form;
            values.remove("csrf");
            if let Some(id) = id {
                values.insert(key.into(), id.into());
            }
            let archived = values.get("archived").is_some_and(|a| a == "ja");
            record_page(s, u, k, id, values, archived, Some(e), None).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct Saved {
    gespeichert: Option<String>,
}

fn saved_note(q: &Saved) -> Option<String> {
    q.gespeichert.as_deref().map(|_| "Gespeichert.".to_owned())
}

macro_rules! kind_pages {
    ($k:expr, $new_form:ident, $create:ident, $show:ident, $update:ident, $archive:ident) => {
        pub async fn $new_form(State(s): State<AppState>, u: UiUser) -> Response {
            record_page(&s, &u, &$k, None, HashMap::new(), false, None, None).await
        }
        pub async fn $create(State(s): State<AppState>, u: UiUser, Form(f): Form<HashMap<String, String>>) -> Response {
            save(&s, &u, &$k, None, f).await
        }
        pub async fn $show(
            State(s): State<AppState>,
            u: UiUser,
            Path(id): Path<String>,
            Query(q): Query<Saved>,
        ) -> Response {
            show(&s, &u, &$k, &id, saved_note(&q)).await
        }
        pub async fn $update(
            State(s): State<AppState>,
            u: UiUser,
            Path(id): Path<String>,
            Form(f): Form<HashMap<String, String>>,
        ) -> Response {
            save(&s, &u, &$k, Some(&id), f).await
        }
        pub async fn $archive(
            State(s): State<AppState>,
            u: UiUser,
            Path(id): Path<String>,
            Form(f): Form<ArchiveForm>,
        ) -> Response {
            archive(&s, &u, &$k, &id, f).await
        }
    };
}

kind_pages!(PROGRAMS, new_program, create_program, program, update_program, archive_program);
kind_pages!(MODULES, new_module, create_module, module, update_module, archive_module);
kind_pages!(OFFERS, new_offer, create_offer, offer, update_offer, archive_offer);

#[derive(Deserialize)]
pub struct ArchiveForm {
    csrf: String,
    /// `ja`: archive; anything else: bring back.
    archived: String,
}

async fn archive(s: &AppState, u: &UiUser, k: &'static KindUi, id: &str, f: ArchiveForm) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let on = f.archived == "ja";
    let result = match EntityId::parse(id) {
        Ok(eid) => s.lotse.archive_record(&u.actor, k.kind, &eid, on).await,
        Err(_) => Err(DomainError::NotFound { entity: "record" }),
    };
    match result {
        Ok(_) => Redirect::to(&format!("{}/{}", k.path, enc(id))).into_response(),
        Err(e) => {
            let chrome = Chrome::new(s, u, "/programme").await;
            error_page(status_of(&e), chrome, message(&e))
        }
    }
}

// -------------------------------------------------------- group sessions

pub struct SessionRow {
    id: String,
    date: String,
    head_count: String,
    registered: String,
    note: String,
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    chrome: Chrome,
    offer_id: String,
    offer_name: String,
    heads: Vec<Head>,
    rows: Vec<SessionRow>,
    pager: Pager,
    figures: Vec<(&'static str, String)>,
    may_add: bool,
    /// Case managers record who attended.
    may_attend: bool,
    form: SessionForm,
    error: Option<String>,
    error_field: String,
}

#[derive(Deserialize, Default)]
pub struct SessionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    head_count: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, Default)]
pub struct SessionsQuery {
    sort: Option<String>,
    offset: Option<u64>,
}

const SESSION_COLUMNS: [(&str, &str); 4] = [
    ("date", "Datum"),
    ("head_count", "gezählt (ohne Registrierung)"),
    ("", "registriert anwesend"),
    ("note", "Notiz"),
];

async fn sessions_page(
    s: &AppState,
    u: &UiUser,
    id: &str,
    q: SessionsQuery,
    form: SessionForm,
    failure: Option<DomainError>,
) -> Response {
    let chrome = Chrome::new(s, u, "/programme").await;
    let Ok(oid) = EntityId::parse(id) else {
        return error_page(StatusCode::NOT_FOUND, chrome, "Dieses Angebot gibt es nicht.".into());
    };
    let group = match s.lotse.group_offer(&u.actor, &oid).await {
        Ok(g) => g,
        Err(e) => return error_page(status_of(&e), chrome, message(&e)),
    };
    let offer = stored(s, u, &OFFERS, id).await.ok().flatten().unwrap_or_default();
    if text(&offer, "delivery") != "group" {
        return error_page(
            StatusCode::NOT_FOUND,
            chrome,
            "Termine und Anwesenheit gibt es nur bei Gruppenangeboten.".into(),
        );
    }
    let registered: HashMap<&str, i64> = group.sessions.iter().map(|x| (x.id.as_str(), x.registered)).collect();
    let sorting = Sorting::read(q.sort.as_deref(), &SESSION_COLUMNS, ("date", false));
    let offset = q.offset.unwrap_or(0);
    let mut filter = Record::new();
    filter.insert("offer_id".into(), id.into());
    let list = RecordList { filter, archived: None, order: Some(sorting.order()) };
    let page = match s
        .lotse
        .record_list(&u.actor, "sessions", &list, PageRequest { limit: Some(PAGE), offset: Some(offset) })
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(status_of(&e), chrome, message(&e)),
    };
    let path = format!("/angebote/{}/termine", enc(id));
    let rows = page
        .items
        .iter()
        .map(|r| {
            let sid = text(r, "session_id");
            SessionRow {
                date: chrono::NaiveDate::parse_from_str(&text(r, "date"), "%Y-%m-%d")
                    .map(date)
                    .unwrap_or_else(|_| text(r, "date")),
                head_count: text(r, "head_count").parse::<u64>().map(group_num).unwrap_or_default(),
                registered: registered.get(sid.as_str()).copied().unwrap_or(0).to_string(),
                note: text(r, "note"),
                id: sid,
            }
        })
        .collect();
    let provider = EntityId::parse(&group.provider_id).ok();
    let may_add = is_allowed(&u.actor, Action::Create, &Resource::ProgramData { provider: provider.as_ref() });
    let may_attend =
        provider.as_ref().is_some_and(|p| is_allowed(&u.actor, Action::Create, &Resource::Person { provider: p }));
    let mut error = None;
    let mut error_field = String::new();
    let status = failure.as_ref().map(status_of).unwrap_or(StatusCode::OK);
    if let Some(e) = failure {
        if let DomainError::Invalid { field, de, .. } = &e {
            error_field = field.clone();
            error = Some(de.clone());
        } else {
            error = Some(message(&e));
        }
    }
    let figures = vec![
        ("Termine", group_num(group.sessions.len() as u64)),
        ("registrierte Teilnehmende", group_num(group.registered_participants.max(0) as u64)),
        ("Teilnahmen insgesamt (gezählt und registriert)", group_num(group.attendance_total.max(0) as u64)),
        (
            "Anwesenheitsquote der Registrierten",
            group
                .attendance_rate
                .map(|r| format!("{} %", super::page::decimal(r * 100.0, 1)))
                .unwrap_or_else(|| "–".into()),
        ),
    ];
    let page = SessionsPage {
        heads: sorting.heads_num(&path, "", &SESSION_COLUMNS, &["head_count", "registriert anwesend"]),
        pager: Pager::new(&path, &format!("sort={}", sorting.param()), offset, page.items.len(), page.total),
        rows,
        offer_id: id.to_owned(),
        offer_name: group.name,
        figures,
        may_add,
        may_attend,
        form,
        error,
        error_field,
        chrome,
    };
    (status, render(&page)).into_response()
}

fn group_num(n: u64) -> String {
    group(n)
}

pub async fn sessions(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Query(q): Query<SessionsQuery>,
) -> Response {
    sessions_page(&s, &u, &id, q, SessionForm::default(), None).await
}

/// Adds a session: a new id, the date, the head count and a note.
pub async fn add_session(
    State(s): State<AppState>,
    u: UiUser,
    Path(id): Path<String>,
    Form(f): Form<SessionForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let day = super::page::required_date("date", &f.date)?;
        let mut r = Record::new();
        let sid = format!("s-{}", &lotse_service::crypto::sha256_hex(&lotse_service::crypto::random_token())[..12]);
        r.insert("session_id".into(), sid.into());
        r.insert("offer_id".into(), id.clone().into());
        r.insert("date".into(), day.format("%Y-%m-%d").to_string().into());
        let heads = f.head_count.trim().replace('.', "");
        if !heads.is_empty() {
            heads.parse::<u32>().map_err(|_| {
                DomainError::invalid("head_count", "Die Teilnehmendenzahl ist eine ganze Zahl, z. B. 12.", "a number")
            })?;
            r.insert("head_count".into(), heads.into());
        }
        if !f.note.trim().is_empty() {
            r.insert("note".into(), f.note.trim().into());
        }
        s.lotse.save_record(&u.actor, "sessions", r).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/angebote/{}/termine", enc(&id))).into_response(),
        Err(e) => sessions_page(&s, &u, &id, SessionsQuery::default(), f, Some(e)).await,
    }
}

// -------------------------------------------------------------- attendance

#[derive(Template)]
#[template(path = "attendance.html")]
struct AttendancePage {
    chrome: Chrome,
    offer_id: String,
    offer_name: String,
    session_id: String,
    session_date: String,
    /// Person id, name, present.
    persons: Vec<(String, String, bool)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn attendance_page(
    s: &AppState,
    u: &UiUser,
    id: &str,
    sid: &str,
    notice: Option<String>,
    failure: Option<DomainError>,
) -> Response {
    let chrome = Chrome::new(s, u, "/programme").await;
    let not_found = |chrome| error_page(StatusCode::NOT_FOUND, chrome, "Diesen Termin gibt es nicht.".into());
    let Ok(oid) = EntityId::parse(id) else { return not_found(chrome) };
    let mut f = Record::new();
    f.insert("session_id".into(), sid.into());
    f.insert("offer_id".into(), id.into());
    let session = match s.lotse.records(&u.actor, "sessions", &f, PageRequest { limit: Some(1), offset: None }).await {
        Ok(p) => match p.items.into_iter().next() {
            Some(x) => x,
            None => return not_found(chrome),
        },
        Err(e) => return error_page(status_of(&e), chrome, message(&e)),
    };
    let participants = match s.lotse.group_participants(&u.actor, &oid).await {
        Ok(p) => p,
        Err(e) => return error_page(status_of(&e), chrome, message(&e)),
    };
    let present = present_at(s, u, sid).await.unwrap_or_default();
    let offer_name = names_of(s, u, "offers", &[id.to_owned()]).await.remove(id).unwrap_or_else(|| id.to_owned());
    let status = failure.as_ref().map(status_of).unwrap_or(StatusCode::OK);
    let page = AttendancePage {
        offer_id: id.to_owned(),
        offer_name,
        session_id: sid.to_owned(),
        session_date: chrono::NaiveDate::parse_from_str(&text(&session, "date"), "%Y-%m-%d")
            .map(date)
            .unwrap_or_default(),
        persons: participants
            .into_iter()
            .map(|(pid, name)| {
                let here = present.contains(&pid);
                let name = if name.is_empty() { format!("(ohne Namen) {pid}") } else { name };
                (pid, name, here)
            })
            .collect(),
        notice,
        error: failure.map(|e| message(&e)),
        chrome,
    };
    (status, render(&page)).into_response()
}

/// The persons recorded as present at a session.
async fn present_at(s: &AppState, u: &UiUser, sid: &str) -> Result<Vec<String>, DomainError> {
    let mut f = Record::new();
    f.insert("session_id".into(), sid.into());
    let rows = s.lotse.records(&u.actor, "attendance", &f, ALL).await?;
    Ok(rows.items.iter().map(|r| text(r, "person_id")).collect())
}

pub async fn attendance(
    State(s): State<AppState>,
    u: UiUser,
    Path((id, sid)): Path<(String, String)>,
    Query(q): Query<Saved>,
) -> Response {
    attendance_page(&s, &u, &id, &sid, saved_note(&q), None).await
}

/// Records who attended: the ticked participants are present, the others
/// (of those the user may see) are not.
pub async fn record_attendance(
    State(s): State<AppState>,
    u: UiUser,
    Path((id, sid)): Path<(String, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = f.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    if let Err(r) = u.check_csrf(csrf) {
        return r;
    }
    let ticked: Vec<&str> = f.iter().filter(|(k, _)| k == "present").map(|(_, v)| v.as_str()).collect();
    let result = async {
        let oid = EntityId::parse(&id).map_err(|_| DomainError::NotFound { entity: "offer" })?;
        let participants = s.lotse.group_participants(&u.actor, &oid).await?;
        let present = present_at(&s, &u, &sid).await?;
        for (pid, _) in &participants {
            let mut key = Record::new();
            key.insert("session_id".into(), sid.clone().into());
            key.insert("person_id".into(), pid.clone().into());
            let was = present.contains(pid);
            let is = ticked.contains(&pid.as_str());
            if is && !was {
                s.lotse.save_record(&u.actor, "attendance", key).await?;
            } else if was && !is {
                s.lotse.delete_record(&u.actor, "attendance", key).await?;
            }
        }
        Ok::<_, DomainError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/angebote/{}/termine/{}?gespeichert=ja", enc(&id), enc(&sid))).into_response(),
        Err(e) => attendance_page(&s, &u, &id, &sid, None, Some(e)).await,
    }
}
