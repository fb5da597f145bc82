//! Persons: the most protected data in Lotse. Every read and write is scoped
//! to what the actor may see and recorded in the audit trail, with the
//! changed values encrypted under the person's own key.

use chrono::Datelike;
use chrono::{NaiveDate, Utc};
use lotse_db::bulk::{LoadTxn, PreparedRows};
use lotse_db::entity::{name_variant, person, person_search, provider};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, PersonScope, Resource, authorize, person_scope};
use lotse_domain::person::{Gender, LabourStatus, ResidenceStatus, YesNo};
use lotse_domain::{Actor, DomainError, EntityId, text};
use sea_orm::sea_query::{ColumnType, Value};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use std::collections::{BTreeSet, HashMap};

use lotse_domain::search;
use sea_orm::ConnectionTrait;

use crate::Lotse;
use crate::audit::{self, Event, record};
use crate::error::db_err;
use crate::page::{Order, Page, PageRequest};

/// A person's attributes as a client sends them (the columns of persons.csv).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// Lotse's id of the person. On create: given by the client (e.g. the id
    /// of the source system) or, when left out, assigned. On update: the
    /// path's id; another one is an error.
    #[serde(default, skip_serializing)]
    #[schema(value_type = Option<String>, example = "p-0001")]
    pub id: Option<EntityId>,
    #[schema(value_type = String)]
    pub provider_id: EntityId,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    #[schema(value_type = String, example = "female")]
    pub gender: Gender,
    /// ISO 3166-1 alpha-2, e.g. `SY`.
    pub nationality: Option<String>,
    #[schema(value_type = Option<String>, example = "duldung")]
    pub residence_status: Option<ResidenceStatus>,
    #[schema(value_type = Option<String>)]
    pub migration_background: Option<YesNo>,
    pub district_id: Option<String>,
    pub municipality: Option<String>,
    pub household_id: Option<String>,
    #[schema(value_type = Option<String>)]
    pub single_parent: Option<YesNo>,
    #[schema(value_type = Option<String>)]
    pub disability: Option<YesNo>,
    /// 0–8
    pub education_isced: Option<i16>,
    #[schema(value_type = Option<String>)]
    pub labour_status: Option<LabourStatus>,
    /// 0–24
    pub sgb2_months_24: Option<i16>,
    #[schema(value_type = Option<String>)]
    pub homeless: Option<YesNo>,
    /// Contact data (Lotse's own, not part of the data bundle).
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: String,
    #[serde(flatten)]
    pub attributes: PersonInput,
}

impl PersonInput {
    /// Checks the rules serde cannot, and trims free text.
    fn validate(&mut self) -> Result<(), DomainError> {
        self.given_name = text::clean_opt("given_name", self.given_name.as_deref(), 200)?;
        self.family_name = text::clean_opt("family_name", self.family_name.as_deref(), 200)?;
        self.municipality = text::clean_opt("municipality", self.municipality.as_deref(), 200)?;
        self.address_line1 = text::clean_opt("address_line1", self.address_line1.as_deref(), 200)?;
        self.address_line2 = text::clean_opt("address_line2", self.address_line2.as_deref(), 200)?;
        self.phone = text::clean_opt("phone", self.phone.as_deref(), 40)?;
        if let Some(v) = &self.phone {
            if !v.chars().all(|c| c.is_ascii_digit() || " +-/()".contains(c)) || !v.chars().any(|c| c.is_ascii_digit())
            {
                return Err(DomainError::invalid(
                    "phone",
                    "keine Telefonnummer (erlaubt: Ziffern, Leerzeichen und + - / ( )).",
                    "not a phone number (allowed: digits, spaces and + - / ( )).",
                ));
            }
        }
        self.email = text::clean_opt("email", self.email.as_deref(), 200)?;
        if let Some(v) = &self.email {
            let ok = v.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            }) && !v.contains(char::is_whitespace)
                && v.matches('@').count() == 1;
            if !ok {
                return Err(DomainError::invalid(
                    "email",
                    "keine E-Mail-Adresse (Form: name@beispiel.de).",
                    "not an e-mail address (form: name@example.org).",
                ));
            }
        }
        self.postal_code = text::clean_opt("postal_code", self.postal_code.as_deref(), 10)?;
        if let Some(v) = &self.postal_code {
            if !v.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
                return Err(DomainError::invalid(
                    "postal_code",
                    "keine Postleitzahl (Ziffern und Buchstaben).",
                    "not a postal code (digits and letters).",
                ));
            }
        }
        if let Some(n) = &self.nationality {
            if n.len() != 2 || !n.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(DomainError::invalid(
                    "nationality",
                    format!("„{n}“ ist kein Ländercode nach ISO 3166-1 (zwei Großbuchstaben, z. B. DE, SY)."),
                    format!("\"{n}\" is not an ISO 3166-1 alpha-2 code (two capitals, e.g. DE, SY)."),
                ));
            }
        }
        if let Some(v) = self.education_isced.filter(|v| !(0..=8).contains(v)) {
            return Err(DomainError::invalid(
                "education_isced",
                format!("{v} liegt nicht zwischen 0 und 8."),
                format!("{v} is not between 0 and 8."),
            ));
        }
        if let Some(v) = self.sgb2_months_24.filter(|v| !(0..=24).contains(v)) {
            return Err(DomainError::invalid(
                "sgb2_months_24",
                format!("{v} liegt nicht zwischen 0 und 24."),
                format!("{v} is not between 0 and 24."),
            ));
        }
        if let Some(d) = self.birth_date.filter(|d| *d > Utc::now().date_naive()) {
            return Err(DomainError::invalid(
                "birth_date",
                format!("{d} liegt in der Zukunft."),
                format!("{d} is in the future."),
            ));
        }
        if let Some(d) = self.birth_date.filter(|d| d.year() < 1900) {
            return Err(DomainError::invalid(
                "birth_date",
                format!("{d} liegt vor 1900."),
                format!("{d} is before 1900."),
            ));
        }
        for (field, v) in [("district_id", &self.district_id), ("household_id", &self.household_id)] {
            if let Some(s) = v {
                EntityId::parse(s).map_err(|e| match e {
                    DomainError::Invalid { de, en, .. } => DomainError::Invalid { field: field.into(), de, en },
                    other => other,
                })?;
            }
        }
        Ok(())
    }

    fn apply(self, m: &mut person::ActiveModel) {
        m.provider_id = Set(self.provider_id.into_string());
        m.given_name = Set(self.given_name);
        m.family_name = Set(self.family_name);
        m.birth_date = Set(self.birth_date);
        m.gender = Set(self.gender.as_str().to_owned());
        m.nationality = Set(self.nationality);
        m.residence_status = Set(self.residence_status.map(|v| v.as_str().to_owned()));
        m.migration_background = Set(self.migration_background.map(|v| v.as_str().to_owned()));
        m.district_id = Set(self.district_id);
        m.municipality = Set(self.municipality);
        m.household_id = Set(self.household_id);
        m.single_parent = Set(self.single_parent.map(|v| v.as_str().to_owned()));
        m.disability = Set(self.disability.map(|v| v.as_str().to_owned()));
        m.education_isced = Set(self.education_isced);
        m.labour_status = Set(self.labour_status.map(|v| v.as_str().to_owned()));
        m.sgb2_months_24 = Set(self.sgb2_months_24);
        m.homeless = Set(self.homeless.map(|v| v.as_str().to_owned()));
        m.phone = Set(self.phone);
        m.email = Set(self.email);
        m.address_line1 = Set(self.address_line1);
        m.address_line2 = Set(self.address_line2);
        m.postal_code = Set(self.postal_code);
    }
}

impl TryFrom<person::Model> for Person {
    type Error = DomainError;
    fn try_from(m: person::Model) -> Result<Self, DomainError> {
        fn code<T>(v: Option<String>, parse: fn(&str) -> Result<T, DomainError>) -> Result<Option<T>, DomainError> {
            v.as_deref().map(parse).transpose()
        }
        Ok(Person {
            id: m.id,
            attributes: PersonInput {
                id: None,
                provider_id: EntityId::parse(&m.provider_id)?,
                given_name: m.given_name,
                family_name: m.family_name,
                birth_date: m.birth_date,
                gender: Gender::parse(&m.gender)?,
                nationality: m.nationality,
                residence_status: code(m.residence_status, ResidenceStatus::parse)?,
                migration_background: code(m.migration_background, YesNo::parse)?,
                district_id: m.district_id,
                municipality: m.municipality,
                household_id: m.household_id,
                single_parent: code(m.single_parent, YesNo::parse)?,
                disability: code(m.disability, YesNo::parse)?,
                education_isced: m.education_isced,
                labour_status: code(m.labour_status, LabourStatus::parse)?,
                sgb2_months_24: m.sgb2_months_24,
                homeless: code(m.homeless, YesNo::parse)?,
                phone: m.phone,
                email: m.email,
                address_line1: m.address_line1,
                address_line2: m.address_line2,
                postal_code: m.postal_code,
            },
        })
    }
}

/// The fields that differ, as `{field: [old, new]}`.
fn diff(old: Option<&PersonInput>, new: Option<&PersonInput>) -> serde_json::Value {
    let o = old.map(|p| serde_json::to_value(p).unwrap_or_default()).unwrap_or_default();
    let n = new.map(|p| serde_json::to_value(p).unwrap_or_default()).unwrap_or_default();
    let mut out = serde_json::Map::new();
    let keys = o
        .as_object()
        .into_iter()
        .chain(n.as_object())
        .flat_map(|m| m.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>();
    for k in keys {
        let (a, b) = (o.get(&k).cloned().unwrap_or_default(), n.get(&k).cloned().unwrap_or_default());
        if a != b {
            out.insert(k, serde_json::json!([a, b]));
        }
    }
    serde_json::Value::Object(out)
}

/// The columns of `person_search`, in the order [`search_rows`] fills them.
pub(crate) fn search_columns() -> Vec<(&'static str, ColumnType)> {
    let text = ColumnType::String(Default::default());
    vec![
        ("tenant_id", text.clone()),
        ("person_id", text.clone()),
        ("key", text.clone()),
        ("provider_id", text.clone()),
        ("names", text),
    ]
}

/// Writes an import's batch of `person_search` rows (from [`search_rows`]),
/// ordered as their unique index `person_search_key (tenant_id, key,
/// provider_id, person_id)` is, so that the batch walks that B-tree once
/// from left to right instead of jumping about in it for every row
/// (measured with Python's sqlite3 for the primary key it replaced, 2,700,000
/// rows in batches of 32,000: 24.5 s against 31.8 s; docs/performance.md).
/// A large first load sets the index aside and builds it at the end
/// (decision 56); then the order costs a sort and gains little.
pub(crate) async fn insert_search_rows(txn: &LoadTxn, rows: Vec<Vec<Value>>) -> Result<(), DbErr> {
    insert_prepared_search_rows(txn, prepare_search_rows(txn, rows)).await
}

/// Starts making search rows ready for [`insert_prepared_search_rows`]
/// (`LoadTxn::prepare_rows`), in the order of their key.
pub(crate) fn prepare_search_rows(txn: &LoadTxn, rows: Vec<Vec<Value>>) -> PreparedRows {
    fn text(v: &Value) -> &str {
        match v {
            Value::String(Some(s)) => s,
            _ => "",
        }
    }
    fn order(r: &[Value]) -> (&str, &str, &str, &str) {
        (text(&r[0]), text(&r[2]), text(&r[3]), text(&r[1]))
    }
    fn sort(rows: &mut [Vec<Value>]) {
        rows.sort_unstable_by(|a, b| order(a).cmp(&order(b)));
    }
    txn.prepare_rows(search_columns().len(), rows, Some(sort))
}

/// Writes search rows made ready by [`prepare_search_rows`].
pub(crate) async fn insert_prepared_search_rows(txn: &LoadTxn, rows: PreparedRows) -> Result<(), DbErr> {
    txn.insert_prepared("person_search", &search_columns(), rows).await
}

/// The `person_search` rows of one person.
pub(crate) fn search_rows(
    tenant: &str,
    person_id: &str,
    provider: &str,
    names: [Option<&str>; 2],
) -> impl Iterator<Item = Vec<Value>> {
    let keys = search::index_keys(names.into_iter().flatten());
    let pair_names = search::pair_names(names.into_iter().flatten());
    let (tenant, person_id, provider) = (tenant.to_owned(), person_id.to_owned(), provider.to_owned());
    keys.into_iter().map(move |k| {
        let names = (k.starts_with("q:") && k != search::LONG_NAMES_KEY).then(|| pair_names.clone());
        vec![
            Value::String(Some(tenant.clone())),
            Value::String(Some(person_id.clone())),
            Value::String(Some(k)),
            Value::String(Some(provider.clone())),
            Value::String(names),
        ]
    })
}

/// The columns of `name_variants`, in the order [`vocabulary_rows`] fills them.
pub(crate) fn vocabulary_columns() -> Vec<(&'static str, ColumnType)> {
    let text = ColumnType::String(Default::default());
    vec![("tenant_id", text.clone()), ("variant", text.clone()), ("token", text)]
}

/// The `name_variants` rows of vocabulary tokens.
pub(crate) fn vocabulary_rows<'a>(
    tenant: &'a str,
    tokens: impl IntoIterator<Item = &'a String> + 'a,
) -> impl Iterator<Item = Vec<Value>> + 'a {
    tokens.into_iter().flat_map(move |t| {
        search::variants(t).into_iter().map(move |v| {
            vec![Value::String(Some(tenant.to_owned())), Value::String(Some(v)), Value::String(Some(t.clone()))]
        })
    })
}

/// Files tokens in the tenant's typo vocabulary (those there stay as they are).
pub(crate) async fn file_vocabulary(
    conn: &impl ConnectionTrait,
    tenant: &str,
    tokens: &BTreeSet<String>,
) -> Result<(), DomainError> {
    let rows: Vec<Vec<Value>> = vocabulary_rows(tenant, tokens).collect();
    lotse_db::bulk::insert_rows_ignoring_duplicates(conn, "name_variants", &vocabulary_columns(), rows)
        .await
        .map_err(db_err)
}

/// Removes from the vocabulary those of `tokens` that no person's keys
/// hold any more: a deleted or renamed person's name must not stay behind.
async fn prune_vocabulary(
    conn: &impl ConnectionTrait,
    tenant: &str,
    tokens: impl IntoIterator<Item = String>,
) -> Result<(), DomainError> {
    for t in tokens {
        let used = person_search::Entity::find()
            .filter(person_search::Column::TenantId.eq(tenant))
            .filter(person_search::Column::Key.is_in([format!("e:{t}"), format!("n:{t}")]))
            .one(conn)
            .await
            .map_err(db_err)?
            .is_some();
        if !used {
            name_variant::Entity::delete_many()
                .filter(name_variant::Column::TenantId.eq(tenant))
                .filter(name_variant::Column::Token.eq(t))
                .exec(conn)
                .await
                .map_err(db_err)?;
        }
    }
    Ok(())
}

/// Deletes one person's search keys and returns the vocabulary tokens they
/// held (to be pruned once the change is made).
async fn take_search_keys(
    conn: &impl ConnectionTrait,
    tenant: &str,
    person_id: &str,
) -> Result<BTreeSet<String>, DomainError> {
    let keys: Vec<String> = person_search::Entity::find()
        .filter(person_search::Column::TenantId.eq(tenant))
        .filter(person_search::Column::PersonId.eq(person_id))
        .all(conn)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|r| r.key)
        .collect();
    person_search::Entity::delete_many()
        .filter(person_search::Column::TenantId.eq(tenant))
        .filter(person_search::Column::PersonId.eq(person_id))
        .exec(conn)
        .await
        .map_err(db_err)?;
    Ok(search::vocabulary_of_keys(keys.iter().map(String::as_str)))
}

/// Deletes a person's search keys and forgets the vocabulary tokens no one
/// else has: before a person is deleted, merged away or anonymised.
pub(crate) async fn forget_search_keys(
    conn: &impl ConnectionTrait,
    tenant: &str,
    person_id: &str,
) -> Result<(), DomainError> {
    let old = take_search_keys(conn, tenant, person_id).await?;
    prune_vocabulary(conn, tenant, old).await
}

/// Replaces one person's search keys (inside the transaction of the change).
pub(crate) async fn replace_search_keys(
    txn: &impl ConnectionTrait,
    tenant: &str,
    person_id: &str,
    provider: &str,
    names: [Option<&str>; 2],
) -> Result<(), DomainError> {
    let old = take_search_keys(txn, tenant, person_id).await?;
    let rows: Vec<Vec<Value>> = search_rows(tenant, person_id, provider, names).collect();
    lotse_db::bulk::insert_rows(txn, "person_search", &search_columns(), rows).await.map_err(db_err)?;
    let new = search::vocabulary(names.into_iter().flatten());
    file_vocabulary(txn, tenant, &new).await?;
    prune_vocabulary(txn, tenant, old.difference(&new).cloned().collect::<Vec<_>>()).await
}

/// Moves a person's search keys to another provider (a handover: the
/// names stay, the provider changes).
pub(crate) async fn move_search_keys(
    conn: &impl ConnectionTrait,
    tenant: &str,
    person_id: &str,
    provider: &str,
) -> Result<(), DomainError> {
    person_search::Entity::update_many()
        .col_expr(person_search::Column::ProviderId, sea_orm::sea_query::Expr::value(provider))
        .filter(person_search::Column::TenantId.eq(tenant))
        .filter(person_search::Column::PersonId.eq(person_id))
        .exec(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Fills the typo vocabulary of every tenant whose persons have search keys
/// but which has no vocabulary yet (a database from before it existed).
/// Returns the number of tenants filled.
pub(crate) async fn fill_missing_vocabularies(db: &lotse_db::Db) -> Result<usize, DomainError> {
    let backend = db.get_database_backend();
    let tenants = db
        .query_all_raw(lotse_db::backend::portable_statement(
            backend,
            "SELECT id FROM tenants t WHERE EXISTS (SELECT 1 FROM person_search s WHERE s.tenant_id = t.id) \
             AND NOT EXISTS (SELECT 1 FROM name_variants v WHERE v.tenant_id = t.id)",
            Vec::new(),
        ))
        .await
        .map_err(db_err)?;
    let mut filled = 0;
    for row in tenants {
        let tenant: String = row.try_get("", "id").map_err(db_err)?;
        let keys = db
            .query_all_raw(lotse_db::backend::portable_statement(
                backend,
                "SELECT DISTINCT \"key\" FROM person_search WHERE tenant_id = ? AND (\"key\" LIKE 'e:%' OR \"key\" LIKE 'n:%')",
                vec![tenant.clone().into()],
            ))
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|r| r.try_get::<String>("", "key").map_err(db_err))
            .collect::<Result<Vec<_>, _>>()?;
        let tokens = search::vocabulary_of_keys(keys.iter().map(String::as_str));
        let txn = lotse_db::backend::begin_write(db).await.map_err(db_err)?;
        file_vocabulary(&txn, &tenant, &tokens).await?;
        txn.commit().await.map_err(db_err)?;
        filled += 1;
    }
    Ok(filled)
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PersonQuery {
    /// Names to search for (given and family names, any order). Each word
    /// must match one of the person's names: as written, normalised ("Mueller"
    /// finds "Müller"), by sound (Kölner Phonetik: "Muhammad" finds
    /// "Mohammed") or with one typo ("Mülelr"); results are ranked in that
    /// order. Without `q`: every person, by family name.
    pub q: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// `name` (family, then given name), `birth_date`, `municipality`, `id`;
    /// `-` before it for descending. Default: by family name, or with `q`
    /// the best match first.
    pub sort: Option<String>,
}

/// The orders the person list offers.
pub const PERSON_ORDERS: &[&str] = &["name", "birth_date", "municipality", "id"];

/// The columns behind an order of the person list.
fn person_order_columns(key: &str) -> &'static [&'static str] {
    match key {
        "name" => &["family_name", "given_name"],
        "birth_date" => &["birth_date"],
        "municipality" => &["municipality"],
        _ => &["id"],
    }
}

/// Search keys per lookup statement part (see `search`).
const KEY_BATCH: usize = 16;

/// A search matching more persons than this (one common word over many
/// providers) shows the best-ranked this many and says "at least"
/// (`Page::total_capped`): nobody pages through a thousand Müllers, and
/// ranking every one of tens of thousands cost 100–200 ms at a million
/// persons.
pub const SEARCH_CAP: u64 = 1_000;

/// A word matching at most this many key rows drives an exact match. It is
/// four ranks' worth of SEARCH_CAP + 1 rows, so a word beyond it has a rank
/// of more than SEARCH_CAP rows: [`capped_match`] then cuts a rank.
const WIDE_ROWS: u64 = 4 * (SEARCH_CAP + 1);

/// Pair keys' rows are counted up to this many when choosing the pair that
/// drives a search of more than two words.
const PAIR_COUNT_CAP: u64 = 20_000;

/// Appends the `person_search` rows of these keys (in IN batches, each
/// priced by SQLite as an index search), selecting `what`.
fn key_rows<'a>(
    sql: &mut String,
    values: &mut Vec<sea_orm::Value>,
    tenant: &str,
    provider: Option<&str>,
    keys: impl Iterator<Item = &'a str>,
    what: &str,
) {
    let keys: Vec<&str> = keys.collect();
    if keys.is_empty() {
        // No key: no row (keeps the statement well-formed).
        sql.push_str(&format!("SELECT {what} FROM person_search WHERE 1 = 0"));
        return;
    }
    for (b, batch) in keys.chunks(KEY_BATCH).enumerate() {
        if b > 0 {
            sql.push_str(" UNION ALL ");
        }
        sql.push_str(&format!(
            "SELECT {what} FROM person_search WHERE tenant_id = ? AND \"key\" IN ({})",
            vec!["?"; batch.len()].join(",")
        ));
        values.push(tenant.into());
        values.extend(batch.iter().map(|k| (*k).into()));
        if let Some(p) = provider {
            sql.push_str(" AND provider_id = ?");
            values.push(p.into());
        }
    }
}

/// Appends the pair key rows (`q:`) of these keys from their own index
/// (`person_search_pairs`, which holds only rows with names), selecting `what`.
fn pair_rows(
    sql: &mut String,
    values: &mut Vec<sea_orm::Value>,
    tenant: &str,
    provider: Option<&str>,
    keys: &BTreeSet<String>,
    what: &str,
) {
    sql.push_str(&format!(
        "SELECT {what} FROM person_search WHERE tenant_id = ? AND \"key\" IN ({}) AND names IS NOT NULL",
        vec!["?"; keys.len()].join(",")
    ));
    values.push(tenant.into());
    values.extend(keys.iter().map(|k| k.as_str().into()));
    if let Some(p) = provider {
        sql.push_str(" AND provider_id = ?");
        values.push(p.into());
    }
}

/// `MIN(CASE WHEN "key" IN (…) THEN rank … ELSE typo END)`: a word's best
/// rank among the key rows of one person (`col` is the key column).
fn rank_of(sql: &mut String, values: &mut Vec<sea_orm::Value>, t: &search::QueryToken, col: &str) {
    sql.push_str("MIN(CASE");
    for rank in [search::EXACT, search::NORMALISED, search::PHONETIC] {
        let keys: Vec<&str> = t.ranked(rank).collect();
        if !keys.is_empty() {
            sql.push_str(&format!(" WHEN {col} IN ({}) THEN {rank}", vec!["?"; keys.len()].join(",")));
            values.extend(keys.into_iter().map(|k| k.into()));
        }
    }
    sql.push_str(&format!(" ELSE {} END)", search::TYPO));
}

/// The exact match driven by one word (`driver`, the narrowest): its
/// persons with their rank, the other words' ranks probed per person on the
/// person's own keys (NULL when a word does not match: dropped). Selects
/// `m.person_id`, `m.score`, `m.total` (the number of matches).
fn driven_match(
    tenant: &str,
    provider: Option<&str>,
    tokens: &[search::QueryToken],
    driver: usize,
) -> (String, Vec<sea_orm::Value>) {
    let mut sql = String::from("SELECT m.person_id, m.score, COUNT(*) OVER () AS total FROM (SELECT d.person_id, d.r");
    let mut values: Vec<sea_orm::Value> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if i == driver {
            continue;
        }
        sql.push_str(" + (SELECT ");
        rank_of(&mut sql, &mut values, t, "s.\"key\"");
        sql.push_str(" FROM person_search s WHERE s.tenant_id = ? AND s.person_id = d.person_id AND s.\"key\" IN (");
        values.push(tenant.into());
        sql.push_str(&vec!["?"; t.keys.len()].join(","));
        values.extend(t.keys.iter().map(|(k, _)| k.as_str().into()));
        sql.push(')');
        sql.push(')');
    }
    sql.push_str(" AS score FROM (SELECT person_id, ");
    rank_of(&mut sql, &mut values, &tokens[driver], "\"key\"");
    sql.push_str(" AS r FROM (");
    key_rows(
        &mut sql,
        &mut values,
        tenant,
        provider,
        tokens[driver].keys.iter().map(|(k, _)| k.as_str()),
        "person_id, \"key\"",
    );
    sql.push_str(") k GROUP BY person_id) d) m WHERE m.score IS NOT NULL");
    (sql, values)
}

/// One common word: per rank at most SEARCH_CAP + 1 rows (the index's
/// first), a person's best rank kept. The ranks are complete up to the
/// first one cut, so the first SEARCH_CAP matches are the best-ranked.
fn capped_match(tenant: &str, provider: Option<&str>, t: &search::QueryToken) -> (String, Vec<sea_orm::Value>) {
    let mut sql = String::from(
        "SELECT m.person_id, m.score, COUNT(*) OVER () AS total FROM (SELECT person_id, MIN(r) AS score FROM (",
    );
    let mut values: Vec<sea_orm::Value> = Vec::new();
    for (n, rank) in [search::EXACT, search::NORMALISED, search::PHONETIC, search::TYPO].into_iter().enumerate() {
        if n > 0 {
            sql.push_str(" UNION ALL ");
        }
        sql.push_str("SELECT person_id, r FROM (");
        key_rows(&mut sql, &mut values, tenant, provider, t.ranked(rank), &format!("person_id, {rank} AS r"));
        sql.push_str(&format!(" LIMIT {}) r{rank}", SEARCH_CAP + 1));
    }
    sql.push_str(") x GROUP BY person_id) m");
    (sql, values)
}

/// Every match of every word: each word's persons with their rank, those
/// matching every word kept, ranked by the sum.
fn full_match(tenant: &str, provider: Option<&str>, tokens: &[search::QueryToken]) -> (String, Vec<sea_orm::Value>) {
    let mut sql = String::from(
        "SELECT m.person_id, m.score, COUNT(*) OVER () AS total FROM (SELECT person_id, SUM(r) AS score FROM (",
    );
    let mut values: Vec<sea_orm::Value> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        sql.push_str("SELECT person_id, ");
        rank_of(&mut sql, &mut values, t, "\"key\"");
        sql.push_str(" AS r FROM (");
        key_rows(&mut sql, &mut values, tenant, provider, t.keys.iter().map(|(k, _)| k.as_str()), "person_id, \"key\"");
        sql.push_str(&format!(") k{i} GROUP BY person_id"));
    }
    sql.push_str(") u GROUP BY person_id HAVING COUNT(*) = ?) m");
    values.push((tokens.len() as i64).into());
    (sql, values)
}

impl Lotse {
    pub(crate) async fn person_row(&self, actor: &Actor, id: &EntityId) -> Result<person::Model, DomainError> {
        let scope = person_scope(actor)?;
        let t = actor.tenant.to_string();
        let mut found = person::Entity::find_by_id((t.clone(), id.to_string())).one(&self.db).await.map_err(db_err)?;
        if found.is_none() {
            // The id of a merged duplicate finds the person it was merged into.
            let alias = lotse_db::entity::person_alias::Entity::find_by_id((t.clone(), id.to_string()))
                .one(&self.db)
                .await
                .map_err(db_err)?;
            if let Some(a) = alias {
                found = person::Entity::find_by_id((t, a.person_id)).one(&self.db).await.map_err(db_err)?;
            }
        }
        found
            .filter(|p| EntityId::parse(&p.provider_id).is_ok_and(|pr| scope.admits(&pr)))
            .ok_or(DomainError::NotFound { entity: "person" })
    }

    async fn check_provider(&self, actor: &Actor, id: &EntityId) -> Result<(), DomainError> {
        let found = provider::Entity::find_by_id((actor.tenant.to_string(), id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        if found.is_none() {
            return Err(DomainError::invalid(
                "provider_id",
                format!("Den Träger „{id}“ gibt es in diesem Mandanten nicht."),
                format!("There is no provider \"{id}\" in this tenant."),
            ));
        }
        Ok(())
    }

    pub async fn create_person(&self, actor: &Actor, mut input: PersonInput) -> Result<Person, DomainError> {
        authorize(actor, Action::Create, &Resource::Person { provider: &input.provider_id })?;
        input.validate()?;
        self.check_provider(actor, &input.provider_id).await?;
        let id = match input.id.take() {
            Some(id) => id,
            None => EntityId::parse(&format!("p-{}", &uuid::Uuid::now_v7().simple().to_string()[..20]))?,
        };
        let alias = lotse_db::entity::person_alias::Entity::find_by_id((actor.tenant.to_string(), id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        if alias.is_some() {
            return Err(DomainError::invalid(
                "id",
                format!("„{id}“ ist die Kennung einer zusammengeführten Person und kann nicht neu vergeben werden."),
                format!("\"{id}\" is the id of a merged person and cannot be given again."),
            ));
        }
        let now = Utc::now();
        let mut am = person::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(id.to_string()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let changes = diff(None, Some(&input));
        input.apply(&mut am);
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.insert(&txn).await.map_err(db_err)?;
        replace_search_keys(
            &txn,
            &m.tenant_id,
            &m.id,
            &m.provider_id,
            [m.given_name.as_deref(), m.family_name.as_deref()],
        )
        .await?;
        record(&txn, actor, Event::new(AuditAction::Create, "person", &m.id).of_person(&m.id).changes(changes)).await?;
        txn.commit().await.map_err(db_err)?;
        Person::try_from(m)
    }

    /// One person's record; the read is recorded in the audit trail.
    pub async fn person(&self, actor: &Actor, id: &EntityId) -> Result<Person, DomainError> {
        let m = self.person_row(actor, id).await?;
        authorize(actor, Action::Read, &Resource::Person { provider: &EntityId::parse(&m.provider_id)? })?;
        self.record_read(actor, Event::new(AuditAction::Read, "person", &m.id).of_person(&m.id)).await?;
        Person::try_from(m)
    }

    /// The persons the actor may see; the ids read are recorded.
    pub async fn persons(&self, actor: &Actor, query: PersonQuery) -> Result<Page<Person>, DomainError> {
        let scope = person_scope(actor)?;
        let query = PersonQuery { q: text::clean_opt("q", query.q.as_deref(), 200)?, ..query };
        let page = PageRequest { limit: query.limit, offset: query.offset };
        let order = Order::parse_opt(query.sort.as_deref(), PERSON_ORDERS)?;
        if let Some(text) = query.q.as_deref().filter(|t| !t.trim().is_empty()) {
            let (rows, total, capped) = self.search(actor, &scope, text, page, order.as_ref()).await?;
            self.audit_list(actor, rows.iter().map(|r| r.id.as_str())).await?;
            let mut found = Page::new(rows.into_iter().map(Person::try_from).collect::<Result<_, _>>()?, total, page);
            found.total_capped = capped;
            return Ok(found);
        }
        let mut q = person::Entity::find().filter(person::Column::TenantId.eq(actor.tenant.as_str()));
        if let PersonScope::Provider(p) = &scope {
            q = q.filter(person::Column::ProviderId.eq(p.as_str()));
        }
        let q = match &order {
            None => q.order_by_asc(person::Column::FamilyName),
            Some(o) => {
                let mut q = q;
                for c in person_order_columns(&o.key) {
                    let col = crate::import::column::<person::Entity>(c);
                    q = q.order_by_with_nulls(col, o.direction(), sea_orm::sea_query::NullOrdering::Last);
                }
                q
            }
        };
        let (rows, total) = page.fetch(q.order_by_asc(person::Column::Id), &self.db).await?;
        self.audit_list(actor, rows.iter().map(|r| r.id.as_str())).await?;
        Ok(Page::new(rows.into_iter().map(Person::try_from).collect::<Result<_, _>>()?, total, page))
    }

    /// The names ("given family") of the persons with these ids whom the
    /// actor may see; others are left out. The read is audited as a list.
    pub async fn person_names(&self, actor: &Actor, ids: &[String]) -> Result<HashMap<String, String>, DomainError> {
        let names = self.person_name_rows(actor, ids).await?;
        self.audit_list(actor, names.iter().map(|(id, _)| id.as_str())).await?;
        Ok(names.into_iter().collect())
    }

    /// The names of those persons the actor may see, not yet recorded as read.
    pub(crate) async fn person_name_rows(
        &self,
        actor: &Actor,
        ids: &[String],
    ) -> Result<Vec<(String, String)>, DomainError> {
        let scope = person_scope(actor)?;
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            rows.extend(
                person::Entity::find()
                    .filter(person::Column::TenantId.eq(actor.tenant.as_str()))
                    .filter(person::Column::Id.is_in(chunk.iter().map(String::as_str)))
                    .all(&self.db)
                    .await
                    .map_err(db_err)?,
            );
        }
        rows.retain(|r| EntityId::parse(&r.provider_id).is_ok_and(|p| scope.admits(&p)));
        Ok(rows
            .into_iter()
            .map(|r| {
                let name = [r.given_name.as_deref(), r.family_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                (r.id, name)
            })
            .collect())
    }

    /// Records the ids a list showed.
    async fn audit_list<'a>(&self, actor: &Actor, ids: impl Iterator<Item = &'a str>) -> Result<(), DomainError> {
        let ids: Vec<&str> = ids.collect();
        if !ids.is_empty() {
            self.record_read(
                actor,
                Event::new(AuditAction::Read, "person", "list").changes(serde_json::json!({ "ids": ids })),
            )
            .await?;
        }
        Ok(())
    }

    /// One page of the persons whose names match `text`, best match first
    /// (then by id), and the number of matches. Two statements: the typo
    /// candidates from the vocabulary, then the match: each query token's
    /// keys are looked up in `person_search` (index on tenant, key,
    /// provider), the best rank per person and token kept, persons matching
    /// every token kept, ranked by the sum, counted by a window function.
    async fn search(
        &self,
        actor: &Actor,
        scope: &PersonScope,
        text: &str,
        page: PageRequest,
        order: Option<&Order>,
    ) -> Result<(Vec<person::Model>, u64, bool), DomainError> {
        let mut tokens = search::query_keys(text);
        if tokens.is_empty() {
            return Ok((Vec::new(), 0, false));
        }
        let tenant = actor.tenant.as_str();
        // Typos: the vocabulary tokens sharing a variant with a query token
        // (one statement for all tokens); those one edit away become keys.
        let wanted: BTreeSet<String> =
            tokens.iter().filter_map(|t| t.typo_of.as_deref()).flat_map(search::variants).collect();
        if !wanted.is_empty() {
            let candidates: BTreeSet<String> = name_variant::Entity::find()
                .filter(name_variant::Column::TenantId.eq(tenant))
                .filter(name_variant::Column::Variant.is_in(wanted))
                .all(&self.db)
                .await
                .map_err(db_err)?
                .into_iter()
                .map(|r| r.token)
                .collect();
            for t in &mut tokens {
                t.add_typos(candidates.iter().map(String::as_str));
            }
        }
        let scope_provider = match scope {
            PersonScope::Provider(p) => Some(p.as_str()),
            _ => None,
        };
        // Several words, best match first: found by a pair of them (one key
        // lookup per pair of codes), ranked from the candidates' names.
        if tokens.len() >= 2 && order.is_none() && !self.has_long_names(tenant, scope_provider).await? {
            if let Some(keys) = self.narrowest_pair(tenant, scope_provider, &tokens).await? {
                let (ids, total) = self.paired_match(tenant, scope_provider, &tokens, &keys, page).await?;
                return Ok((self.persons_in_order(tenant, scope, &ids).await?, total, false));
            }
        }
        // How many key rows each word matches, counted only up to WIDE_ROWS
        // (one statement): the narrowest word decides how the match is made.
        let key_sets: Vec<Vec<&str>> =
            tokens.iter().map(|t| t.keys.iter().map(|(k, _)| k.as_str()).collect()).collect();
        let rows_of = self.key_row_counts(tenant, scope_provider, &key_sets, WIDE_ROWS + 1).await?;
        let narrowest = (0..tokens.len()).min_by_key(|i| rows_of[*i]).unwrap_or(0);
        let (sql, values, wide) = if rows_of[narrowest] <= WIDE_ROWS {
            // Exact: every person the narrowest word matches, each probed
            // for the other words (a handful of index entries per person).
            let (sql, values) = driven_match(tenant, scope_provider, &tokens, narrowest);
            (sql, values, false)
        } else if tokens.len() == 1 {
            // One common word (a frequent family name over every
            // provider): the best-ranked SEARCH_CAP matches, rank by rank.
            let (sql, values) = capped_match(tenant, scope_provider, &tokens[0]);
            (sql, values, true)
        } else {
            // Several common words: every match of every word, grouped.
            let (sql, values) = full_match(tenant, scope_provider, &tokens);
            (sql, values, false)
        };
        let mut sql = sql;
        let mut values = values;
        sql.push_str(" ORDER BY ");
        // An order the list offers (whitelisted column names only): looked
        // up per match, which are few; otherwise the best match first.
        if let Some(o) = order {
            let dir = if o.descending { "DESC" } else { "ASC" };
            for c in person_order_columns(&o.key) {
                sql.push_str(&format!(
                    "(SELECT p.\"{c}\" FROM persons p WHERE p.tenant_id = ? AND p.id = m.person_id) {dir} NULLS LAST, "
                ));
                values.push(tenant.into());
            }
        }
        sql.push_str("m.score, m.person_id LIMIT ? OFFSET ?");
        // A capped search has no page past its SEARCH_CAP best.
        let limit = if wide { page.limit().min(SEARCH_CAP.saturating_sub(page.offset())) } else { page.limit() };
        values.push((limit as i64).into());
        values.push((page.offset() as i64).into());
        let backend = self.db.get_database_backend();
        let found = self
            .db
            .query_all_raw(lotse_db::backend::portable_statement(backend, &sql, values))
            .await
            .map_err(db_err)?;
        let mut ids = Vec::with_capacity(found.len());
        let mut total = 0u64;
        for row in &found {
            ids.push(row.try_get::<String>("", "person_id").map_err(db_err)?);
            total = row.try_get::<i64>("", "total").map_err(db_err)? as u64;
        }
        if ids.is_empty() && page.offset() > 0 {
            // Past the end: the count still answers.
            let mut again = page;
            again.offset = Some(0);
            again.limit = Some(1);
            let (_, t, w) = Box::pin(self.search(actor, scope, text, again, None)).await?;
            return Ok((Vec::new(), t, w));
        }
        let total = if wide { total.min(SEARCH_CAP) } else { total };
        Ok((self.persons_in_order(tenant, scope, &ids).await?, total, wide))
    }

    /// The persons of a search page, in the order of `ids`, those outside
    /// the scope dropped.
    async fn persons_in_order(
        &self,
        tenant: &str,
        scope: &PersonScope,
        ids: &[String],
    ) -> Result<Vec<person::Model>, DomainError> {
        let mut rows = person::Entity::find()
            .filter(person::Column::TenantId.eq(tenant))
            .filter(person::Column::Id.is_in(ids.iter().map(String::as_str)))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let order: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        rows.retain(|r| EntityId::parse(&r.provider_id).is_ok_and(|p| scope.admits(&p)));
        rows.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
        Ok(rows)
    }

    /// Whether a person in the search's scope has names too long for pair
    /// keys ([`search::LONG_NAMES_KEY`]): then pairs would not find them.
    async fn has_long_names(&self, tenant: &str, provider: Option<&str>) -> Result<bool, DomainError> {
        let mut q = person_search::Entity::find()
            .filter(person_search::Column::TenantId.eq(tenant))
            .filter(person_search::Column::Key.eq(search::LONG_NAMES_KEY));
        if let Some(p) = provider {
            q = q.filter(person_search::Column::ProviderId.eq(p));
        }
        Ok(q.one(&self.db).await.map_err(db_err)?.is_some())
    }

    /// How many `person_search` rows each set of keys has, each counted only
    /// up to `cap` (one statement).
    async fn key_row_counts(
        &self,
        tenant: &str,
        provider: Option<&str>,
        key_sets: &[Vec<&str>],
        cap: u64,
    ) -> Result<Vec<u64>, DomainError> {
        let mut sql = String::from("SELECT ");
        let mut values: Vec<sea_orm::Value> = Vec::new();
        for (i, keys) in key_sets.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str("(SELECT COUNT(*) FROM (");
            key_rows(&mut sql, &mut values, tenant, provider, keys.iter().copied(), "1");
            sql.push_str(&format!(" LIMIT {cap}) c{i}) AS n{i}"));
        }
        let row = self
            .db
            .query_one_raw(lotse_db::backend::portable_statement(self.db.get_database_backend(), &sql, values))
            .await
            .map_err(db_err)?
            .ok_or_else(|| db_err(sea_orm::DbErr::Custom("the search counted no rows".into())))?;
        (0..key_sets.len()).map(|i| row.try_get_by_index::<i64>(i).map(|n| n as u64).map_err(db_err)).collect()
    }

    /// The pair keys of the two words that match the fewest persons
    /// together ([`search::pair_lookup`]); None when no two words can be
    /// paired. With more than two words each pair's rows are counted (up to
    /// PAIR_COUNT_CAP, one statement).
    async fn narrowest_pair(
        &self,
        tenant: &str,
        provider: Option<&str>,
        tokens: &[search::QueryToken],
    ) -> Result<Option<BTreeSet<String>>, DomainError> {
        let mut pairs = Vec::new();
        for (i, a) in tokens.iter().enumerate() {
            for b in &tokens[i + 1..] {
                pairs.extend(search::pair_lookup(a, b));
            }
        }
        if pairs.len() <= 1 {
            return Ok(pairs.pop());
        }
        let key_sets: Vec<Vec<&str>> = pairs.iter().map(|keys| keys.iter().map(String::as_str).collect()).collect();
        let counts = self.key_row_counts(tenant, provider, &key_sets, PAIR_COUNT_CAP).await?;
        // The first of the narrowest.
        let best = counts.iter().enumerate().min_by_key(|(_, n)| **n).map(|(i, _)| i);
        Ok(best.map(|i| pairs.swap_remove(i)))
    }

    /// Every person stored under one of the pair `keys`, ranked by all
    /// words from their names (best first, then by id); the page's ids and
    /// the number of matches. Both statements read only the pair keys'
    /// index (`person_search_pairs`, which holds the names): the distinct
    /// names with their number of persons, ranked here, then the page among
    /// the persons with the best names.
    async fn paired_match(
        &self,
        tenant: &str,
        provider: Option<&str>,
        tokens: &[search::QueryToken],
        keys: &BTreeSet<String>,
        page: PageRequest,
    ) -> Result<(Vec<String>, u64), DomainError> {
        let backend = self.db.get_database_backend();
        let mut sql = String::from("SELECT names, COUNT(DISTINCT person_id) AS n FROM (");
        let mut values: Vec<sea_orm::Value> = Vec::new();
        pair_rows(&mut sql, &mut values, tenant, provider, keys, "names, person_id");
        sql.push_str(") k GROUP BY names");
        let rows = self
            .db
            .query_all_raw(lotse_db::backend::portable_statement(backend, &sql, values))
            .await
            .map_err(db_err)?;
        let mut names: Vec<(u32, String, u64)> = Vec::with_capacity(rows.len());
        for row in rows {
            let n: String = row.try_get("", "names").map_err(db_err)?;
            let count = row.try_get::<i64>("", "n").map_err(db_err)? as u64;
            if let Some(score) = search::rank_of_names(tokens, [n.as_str()]) {
                names.push((score, n, count));
            }
        }
        names.sort_unstable();
        let total: u64 = names.iter().map(|(_, _, c)| c).sum();
        // The names the page's persons can have: every name up to the score
        // at which the page ends (names of one score interleave by id).
        let end = page.offset() + page.limit();
        let mut before = 0;
        let mut last_score = None;
        for (score, _, count) in &names {
            if before >= end && last_score != Some(*score) {
                break;
            }
            before += count;
            last_score = Some(*score);
        }
        let wanted: Vec<&(u32, String, u64)> =
            names.iter().take_while(|(score, _, _)| last_score.is_some_and(|l| *score <= l)).collect();
        if wanted.is_empty() || page.offset() >= total {
            return Ok((Vec::new(), total));
        }
        let mut sql = String::from("SELECT DISTINCT person_id, CASE names");
        let mut values: Vec<sea_orm::Value> = Vec::new();
        for (score, n, _) in &wanted {
            sql.push_str(&format!(" WHEN ? THEN {score}"));
            values.push(n.as_str().into());
        }
        sql.push_str(" END AS score FROM (");
        pair_rows(&mut sql, &mut values, tenant, provider, keys, "names, person_id");
        sql.push_str(&format!(") k WHERE names IN ({})", vec!["?"; wanted.len()].join(",")));
        values.extend(wanted.iter().map(|(_, n, _)| n.as_str().into()));
        sql.push_str(" ORDER BY score, person_id LIMIT ? OFFSET ?");
        values.push((page.limit() as i64).into());
        values.push((page.offset() as i64).into());
        let ids = self
            .db
            .query_all_raw(lotse_db::backend::portable_statement(backend, &sql, values))
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|r| r.try_get::<String>("", "person_id").map_err(db_err))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((ids, total))
    }

    pub async fn update_person(
        &self,
        actor: &Actor,
        id: &EntityId,
        mut input: PersonInput,
    ) -> Result<Person, DomainError> {
        if input.id.take().is_some_and(|given| &given != id) {
            return Err(DomainError::invalid(
                "id",
                "Die Kennung im Inhalt weicht von der Adresse ab; Kennungen können nicht geändert werden.",
                "The id in the body differs from the one in the path; ids cannot be changed.",
            ));
        }
        let old = self.person_row(actor, id).await?;
        let old_provider = EntityId::parse(&old.provider_id)?;
        authorize(actor, Action::Update, &Resource::Person { provider: &old_provider })?;
        authorize(actor, Action::Update, &Resource::Person { provider: &input.provider_id })?;
        input.validate()?;
        self.check_provider(actor, &input.provider_id).await?;
        let before = Person::try_from(old.clone())?;
        let changes = diff(Some(&before.attributes), Some(&input));
        if changes.as_object().is_some_and(|m| m.is_empty()) {
            return Ok(before);
        }
        let mut am: person::ActiveModel = old.into();
        input.apply(&mut am);
        am.updated_at = Set(Utc::now());
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.update(&txn).await.map_err(db_err)?;
        replace_search_keys(
            &txn,
            &m.tenant_id,
            &m.id,
            &m.provider_id,
            [m.given_name.as_deref(), m.family_name.as_deref()],
        )
        .await?;
        record(&txn, actor, Event::new(AuditAction::Update, "person", &m.id).of_person(&m.id).changes(changes)).await?;
        txn.commit().await.map_err(db_err)?;
        Person::try_from(m)
    }

    /// Deletes a person and shreds their key, so their values in the audit
    /// trail become unreadable while the chain still verifies.
    pub async fn delete_person(&self, actor: &Actor, id: &EntityId) -> Result<(), DomainError> {
        let old = self.person_row(actor, id).await?;
        authorize(actor, Action::Delete, &Resource::Person { provider: &EntityId::parse(&old.provider_id)? })?;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        // `old.id`: the path may name an alias of the person.
        forget_search_keys(&txn, actor.tenant.as_str(), &old.id).await?;
        person::Entity::delete_by_id((actor.tenant.to_string(), old.id.clone())).exec(&txn).await.map_err(db_err)?;
        audit::shred(&txn, &actor.tenant, &old.id).await?;
        record(&txn, actor, Event::new(AuditAction::Delete, "person", &old.id)).await?;
        txn.commit().await.map_err(db_err)
    }
}

/// `POST /persons/{id}/merge`: the duplicate to merge into the person.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    #[schema(value_type = String)]
    pub duplicate: EntityId,
}

/// Whether a person belongs to a programme's target group on a date.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Eligibility {
    pub person_id: String,
    pub program_id: String,
    pub date: NaiveDate,
    pub eligible: bool,
    /// The rule's conditions the person does not meet (an unknown attribute
    /// does not meet a condition that reads it).
    pub failing: Vec<String>,
    /// The programme's rule as stored (None: it has none; everyone belongs).
    pub rule: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EligibilityQuery {
    pub program: String,
    /// The day the age is taken on (default: today).
    pub date: Option<NaiveDate>,
}

/// The person as the report rules see them (codes as the spec's own).
pub(crate) fn rule_person(m: &person::Model) -> lotse_reports::data::Person {
    use lotse_bundle::spec;
    use lotse_reports::data::{code, gender};
    lotse_reports::data::Person {
        id: m.id.clone(),
        provider_id: m.provider_id.clone(),
        birth_date: m.birth_date,
        gender: gender(&m.gender),
        nationality: m.nationality.clone(),
        residence_status: code(spec::RESIDENCE, m.residence_status.as_deref()),
        migration_background: code(spec::YES_NO, m.migration_background.as_deref()),
        district_id: m.district_id.clone(),
        municipality: m.municipality.clone(),
        household_id: m.household_id.clone(),
        single_parent: code(spec::YES_NO, m.single_parent.as_deref()),
        disability: code(spec::YES_NO, m.disability.as_deref()),
        education_isced: m.education_isced,
        labour_status: code(spec::LABOUR, m.labour_status.as_deref()),
        sgb2_months_24: m.sgb2_months_24,
        homeless: code(spec::YES_NO, m.homeless.as_deref()),
    }
}

impl Lotse {
    /// Merges `duplicate` into the person `keep`: the duplicate's
    /// participations, consents, attendance and residence history move over,
    /// its id (and the ids merged into it before) become aliases of `keep`,
    /// and it is deleted with its key, so its own values in the audit trail
    /// are erased as with any deletion. Both must be visible to the actor.
    pub async fn merge_persons(
        &self,
        actor: &Actor,
        keep: &EntityId,
        input: MergeInput,
    ) -> Result<Person, DomainError> {
        let kept = self.person_row(actor, keep).await?;
        let dup = self.person_row(actor, &input.duplicate).await?;
        authorize(actor, Action::Update, &Resource::Person { provider: &EntityId::parse(&kept.provider_id)? })?;
        authorize(actor, Action::Delete, &Resource::Person { provider: &EntityId::parse(&dup.provider_id)? })?;
        if kept.id == dup.id {
            return Err(DomainError::invalid(
                "duplicate",
                "Eine Person kann nicht mit sich selbst zusammengeführt werden.",
                "A person cannot be merged with themselves.",
            ));
        }
        use lotse_db::entity::{attendance, consent, participation, person_alias, residence_status};
        use sea_orm::sea_query::Expr;
        let t = actor.tenant.as_str();
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let moved_participations = participation::Entity::update_many()
            .col_expr(participation::Column::PersonId, Expr::value(kept.id.clone()))
            .filter(participation::Column::TenantId.eq(t))
            .filter(participation::Column::PersonId.eq(dup.id.as_str()))
            .exec(&txn)
            .await
            .map_err(db_err)?
            .rows_affected;
        let moved_consents = consent::Entity::update_many()
            .col_expr(consent::Column::PersonId, Expr::value(kept.id.clone()))
            .filter(consent::Column::TenantId.eq(t))
            .filter(consent::Column::PersonId.eq(dup.id.as_str()))
            .exec(&txn)
            .await
            .map_err(db_err)?
            .rows_affected;
        // Attendance is keyed by (session, person): a session both attended stays once.
        let kept_sessions: Vec<String> = attendance::Entity::find()
            .filter(attendance::Column::TenantId.eq(t))
            .filter(attendance::Column::PersonId.eq(kept.id.as_str()))
            .all(&txn)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|a| a.session_id)
            .collect();
        attendance::Entity::delete_many()
            .filter(attendance::Column::TenantId.eq(t))
            .filter(attendance::Column::PersonId.eq(dup.id.as_str()))
            .filter(attendance::Column::SessionId.is_in(kept_sessions))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        attendance::Entity::update_many()
            .col_expr(attendance::Column::PersonId, Expr::value(kept.id.clone()))
            .filter(attendance::Column::TenantId.eq(t))
            .filter(attendance::Column::PersonId.eq(dup.id.as_str()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        let moved_statuses = residence_status::Entity::update_many()
            .col_expr(residence_status::Column::PersonId, Expr::value(kept.id.clone()))
            .filter(residence_status::Column::TenantId.eq(t))
            .filter(residence_status::Column::PersonId.eq(dup.id.as_str()))
            .exec(&txn)
            .await
            .map_err(db_err)?
            .rows_affected;
        person_alias::Entity::update_many()
            .col_expr(person_alias::Column::PersonId, Expr::value(kept.id.clone()))
            .filter(person_alias::Column::TenantId.eq(t))
            .filter(person_alias::Column::PersonId.eq(dup.id.as_str()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        forget_search_keys(&txn, t, &dup.id).await?;
        person::Entity::delete_by_id((t.to_owned(), dup.id.clone())).exec(&txn).await.map_err(db_err)?;
        person_alias::ActiveModel {
            tenant_id: Set(t.to_owned()),
            alias_id: Set(dup.id.clone()),
            person_id: Set(kept.id.clone()),
            merged_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        audit::shred(&txn, &actor.tenant, &dup.id).await?;
        let changes = serde_json::json!({
            "merged": dup.id, "participations": moved_participations, "consents": moved_consents,
            "residence_statuses": moved_statuses,
        });
        record(&txn, actor, Event::new(AuditAction::Update, "person", &kept.id).of_person(&kept.id).changes(changes))
            .await?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Delete, "person", &dup.id).changes(serde_json::json!({ "merged_into": kept.id })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Person::try_from(kept)
    }

    /// Whether the person belongs to the programme's target group on `date`
    /// (default today), and which conditions fail.
    pub async fn person_eligibility(
        &self,
        actor: &Actor,
        id: &EntityId,
        query: EligibilityQuery,
    ) -> Result<Eligibility, DomainError> {
        use lotse_db::entity::program;
        let m = self.person_row(actor, id).await?;
        authorize(actor, Action::Read, &Resource::Person { provider: &EntityId::parse(&m.provider_id)? })?;
        let prog = program::Entity::find_by_id((actor.tenant.to_string(), query.program.clone()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "program" })?;
        let date = query.date.unwrap_or_else(|| Utc::now().date_naive());
        let source = prog.target_group.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let failing = match source {
            None => Vec::new(),
            Some(src) => {
                let rule = lotse_reports::rule::Rule::parse(src).map_err(|e| {
                    DomainError::invalid(
                        "program",
                        format!("Die Zielgruppenregel des Programms ist ungültig: {e}"),
                        format!("The programme's target-group rule is invalid: {e}"),
                    )
                })?;
                rule.failing(&rule_person(&m), date).into_iter().map(str::to_owned).collect()
            }
        };
        self.record_read(
            actor,
            Event::new(AuditAction::Read, "person", &m.id)
                .of_person(&m.id)
                .changes(serde_json::json!({ "eligibility": prog.id })),
        )
        .await?;
        Ok(Eligibility {
            person_id: m.id,
            program_id: prog.id,
            date,
            eligible: failing.is_empty(),
            failing,
            rule: source.map(str::to_owned),
        })
    }
}
