//! The records of programme work one by one: programmes, modules, offers,
//! staff, districts, group sessions and attendance, budget lines, finance
//! entries, the innovation fund (calls, criteria, proposals, scores) and
//! governance (bodies, members, meetings, goals, milestones).
//!
//! A record is written exactly as an import writes a row of its bundle file:
//! the same columns and types (lotse-bundle's spec), the same rules and
//! reference checks (`import.rs`), the same audit entries and data version.
//! A record typed into a form and a row delivered in a spreadsheet cannot be
//! held to different rules. What differs is who may write it: an import is
//! the coordination's, a record is authorized by its kind and owner here.

use lotse_bundle::cell::{self, Dialect};
use lotse_bundle::source::Bundle;
use lotse_bundle::spec::{FileSpec, Kind};
use lotse_db::entity::{offer, person};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize, is_allowed};
use lotse_domain::{Actor, DomainError, EntityId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, ModelTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;

use crate::Lotse;
use crate::audit::{Event, record};
use crate::error::db_err;
use crate::import::{column, db_value, for_each_table, value_text};
use crate::page::{Order, Page, PageRequest};

/// How a list of records is cut: equality on columns, archived or current,
/// and an order (a column of the kind; the key breaks ties).
#[derive(Debug, Clone, Default)]
pub struct RecordList {
    pub filter: Record,
    /// Some(false): current records only; Some(true): archived only (archivable kinds).
    pub archived: Option<bool>,
    pub order: Option<Order>,
}

/// The kinds of record edited one by one, named like their bundle file.
pub const KINDS: &[&str] = &[
    "providers",
    "districts",
    "district_stats",
    "programs",
    "modules",
    "offers",
    "staff",
    "sessions",
    "attendance",
    "finance",
    "budget",
    "fund_calls",
    "fund_criteria",
    "proposals",
    "proposal_scores",
    "bodies",
    "body_members",
    "meetings",
    "goals",
    "milestones",
];

/// Kinds that are archived rather than deleted (history refers to them).
pub const ARCHIVABLE: &[&str] = &["providers", "programs", "modules", "offers", "staff"];

/// Kinds that may be deleted: what nothing else counts on.
const DELETABLE: &[&str] = &["attendance", "proposal_scores", "body_members", "meetings", "milestones", "budget"];

/// A record as JSON: the bundle file's columns in canonical text (dates
/// `YYYY-MM-DD`, amounts `1234.50`), empty values left out; archivable kinds
/// also say `archived`.
pub type Record = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Saved {
    /// True when the record was new.
    pub created: bool,
    #[schema(value_type = Object)]
    pub record: Record,
    /// What the rules note without refusing (e.g. an offer over capacity).
    pub warnings: Vec<String>,
}

fn spec_of(kind: &str) -> Result<&'static FileSpec, DomainError> {
    if !KINDS.contains(&kind) {
        return Err(DomainError::NotFound { entity: "record_kind" });
    }
    FileSpec::by_name(kind).ok_or(DomainError::NotFound { entity: "record_kind" })
}

/// A JSON value as the cell text a bundle would carry.
fn cell_text(field: &str, v: &serde_json::Value) -> Result<String, DomainError> {
    match v {
        serde_json::Value::Null => Ok(String::new()),
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        _ => Err(DomainError::invalid(
            field,
            "erwartet wird Text, eine Zahl oder null",
            "expected text, a number or null",
        )),
    }
}

/// Who owns a record, as far as the policy needs to know.
enum Owner {
    Department,
    Provider(Option<EntityId>),
    Person(Option<EntityId>),
}

impl Lotse {
    /// A column's value: as given in `fields`, else as stored.
    async fn given_or_stored(
        &self,
        actor: &Actor,
        spec: &FileSpec,
        fields: &Record,
        col: &str,
    ) -> Result<Option<String>, DomainError> {
        match fields.get(col).and_then(|v| v.as_str()) {
            Some(v) => Ok(Some(v.to_owned())),
            None => self.stored_value(actor, spec, fields, col).await,
        }
    }

    /// Who owns the record of `spec` with these fields, for the policy.
    async fn owner(&self, actor: &Actor, spec: &FileSpec, fields: &Record) -> Result<Owner, DomainError> {
        let t = actor.tenant.to_string();
        let pid = |s: Option<String>| s.and_then(|s| EntityId::parse(&s).ok());
        Ok(match spec.table {
            "providers" => Owner::Provider(pid(fields.get("provider_id").and_then(|v| v.as_str()).map(str::to_owned))),
            "offers" | "staff" | "proposals" => {
                Owner::Provider(pid(self.given_or_stored(actor, spec, fields, "provider_id").await?))
            }
            "group_sessions" => {
                let provider = match self.given_or_stored(actor, spec, fields, "offer_id").await? {
                    Some(o) => {
                        offer::Entity::find_by_id((t, o)).one(&self.db).await.map_err(db_err)?.map(|o| o.provider_id)
                    }
                    None => None,
                };
                Owner::Provider(pid(provider))
            }
            "attendance" => {
                let provider = match fields.get("person_id").and_then(|v| v.as_str()) {
                    Some(id) => person::Entity::find_by_id((t, id.to_owned()))
                        .one(&self.db)
                        .await
                        .map_err(db_err)?
                        .map(|p| p.provider_id),
                    None => None,
                };
                Owner::Person(pid(provider))
            }
            _ => Owner::Department,
        })
    }

    /// A column of the stored record with the key in `fields`, if there is one.
    async fn stored_value(
        &self,
        actor: &Actor,
        spec: &FileSpec,
        fields: &Record,
        col: &str,
    ) -> Result<Option<String>, DomainError> {
        let mut filter = Record::new();
        for k in spec.key {
            match fields.get(*k) {
                Some(v) => filter.insert((*k).to_owned(), v.clone()),
                None => return Ok(None),
            };
        }
        let rows = self.find_records(actor, spec, &filter, PageRequest { limit: Some(1), offset: None }).await?;
        Ok(rows.0.first().and_then(|r| r.get(col)).and_then(|v| v.as_str()).map(str::to_owned))
    }

    fn authorize_record(actor: &Actor, action: Action, spec: &FileSpec, owner: &Owner) -> Result<(), DomainError> {
        match (spec.table, owner) {
            ("finance" | "budget_lines", _) => authorize(actor, action, &Resource::Finance),
            ("proposal_scores", _) => authorize(actor, action, &Resource::Review),
            ("proposals", Owner::Provider(p)) => authorize(actor, action, &Resource::Proposal { provider: p.as_ref() }),
            ("providers", Owner::Provider(p)) => authorize(actor, action, &Resource::Provider { id: p.as_ref() }),
            (_, Owner::Provider(p)) => authorize(actor, action, &Resource::ProgramData { provider: p.as_ref() }),
            (_, Owner::Person(Some(p))) => authorize(actor, action, &Resource::Person { provider: p }),
            // A person who does not exist (or not for this actor) cannot attend.
            (_, Owner::Person(None)) => {
                authorize(actor, action, &Resource::Records)?;
                Err(DomainError::invalid("person_id", "Person nicht gefunden", "person not found"))
            }
            (_, Owner::Department) => authorize(actor, action, &Resource::ProgramData { provider: None }),
        }
    }

    /// Creates or changes one record of `kind` (`offers`, `milestones`, …).
    /// `fields` are the bundle file's columns; the key columns say which
    /// record; an absent column keeps its stored value, `null` clears it.
    pub async fn save_record(&self, actor: &Actor, kind: &str, fields: Record) -> Result<Saved, DomainError> {
        let spec = spec_of(kind)?;
        for name in fields.keys() {
            if spec.col(name).is_none() {
                let known: Vec<&str> = spec.cols.iter().map(|c| c.name).collect();
                return Err(DomainError::invalid(
                    name.as_str(),
                    format!("unbekanntes Feld; möglich sind: {}", known.join(", ")),
                    format!("unknown field; known: {}", known.join(", ")),
                ));
            }
        }
        for k in spec.key {
            if fields.get(*k).is_none_or(|v| v.is_null()) {
                return Err(DomainError::invalid(*k, "Pflichtfeld fehlt", "required field is missing"));
            }
        }
        // A reviewer scores in their own name; only an import (the operator)
        // brings in other reviewers' scores.
        if spec.table == "proposal_scores"
            && !actor.is_system()
            && fields.get("reviewer").and_then(|v| v.as_str()) != Some(actor.login.as_str())
        {
            return Err(DomainError::invalid(
                "reviewer",
                format!("Bewertungen werden unter dem eigenen Namen abgegeben („{}“).", actor.login),
                format!("Scores are given in one's own name (\"{}\").", actor.login),
            ));
        }
        let exists = self.stored_value(actor, spec, &fields, spec.key[0]).await?.is_some();
        let owner = self.owner(actor, spec, &fields).await?;
        Self::authorize_record(actor, if exists { Action::Update } else { Action::Create }, spec, &owner)?;
        // One row of the bundle file, in the canonical dialect.
        let mut header = vec![];
        let mut row = vec![];
        for c in spec.cols.iter().filter(|c| fields.contains_key(c.name)) {
            header.push(c.name);
            row.push(cell_text(c.name, &fields[c.name])?);
        }
        let mut w = csv::Writer::from_writer(vec![]);
        w.write_record(&header).map_err(DomainError::internal)?;
        w.write_record(&row).map_err(DomainError::internal)?;
        let text = String::from_utf8(w.into_inner().map_err(DomainError::internal)?).map_err(DomainError::internal)?;
        let bundle = Bundle::from_memory("record", vec![(spec.name.to_owned(), text)]);
        let mut scope: Vec<&str> = vec![spec.name];
        scope.extend(spec.cols.iter().filter_map(|c| match c.kind {
            Kind::Ref(f) => Some(f),
            _ => None,
        }));
        let report = self.run_import(actor, &bundle, None, Some(&scope), true).await?;
        if !report.written {
            let field = report.errors.first().map(|e| e.column.clone()).unwrap_or_default();
            let join = |en: bool| {
                report
                    .errors
                    .iter()
                    .map(|e| if en { format!("{}: {}", e.column, e.en) } else { format!("{}: {}", e.column, e.de) })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            return Err(DomainError::invalid(field, join(false), join(true)));
        }
        let mut key = Record::new();
        for k in spec.key {
            key.insert((*k).to_owned(), fields[*k].clone());
        }
        let record = self.find_records(actor, spec, &key, PageRequest::default()).await?.0.into_iter().next();
        Ok(Saved {
            created: !exists,
            record: record.ok_or(DomainError::internal("saved record not found"))?,
            warnings: report.warnings.iter().map(|w| format!("{}: {}", w.column, w.de)).collect(),
        })
    }

    /// Records of `kind`, filtered by equality on any of its columns
    /// (`?program_id=…&year=2023`), in key order.
    pub async fn records(
        &self,
        actor: &Actor,
        kind: &str,
        filter: &Record,
        page: PageRequest,
    ) -> Result<Page<Record>, DomainError> {
        let list = RecordList { filter: filter.clone(), ..Default::default() };
        self.record_list(actor, kind, &list, page).await
    }

    /// Records of `kind` as `list` cuts and orders them. An order names a
    /// column of the kind's bundle file, nothing else.
    pub async fn record_list(
        &self,
        actor: &Actor,
        kind: &str,
        list: &RecordList,
        page: PageRequest,
    ) -> Result<Page<Record>, DomainError> {
        let spec = spec_of(kind)?;
        if let Some(o) = &list.order {
            let cols: Vec<&str> = spec.cols.iter().map(|c| c.name).collect();
            Order::parse(&o.key, &cols)?;
        }
        let mut filter = list.filter.clone();
        match spec.table {
            "finance" | "budget_lines" => authorize(actor, Action::Read, &Resource::Finance)?,
            "proposal_scores" => authorize(actor, Action::Read, &Resource::Review)?,
            "attendance" => authorize(actor, Action::Read, &Resource::Records)?,
            "proposals" if !is_allowed(actor, Action::Read, &Resource::Proposal { provider: None }) => {
                // Provider staff see their own provider's proposals only.
                let own = actor.provider.as_ref();
                authorize(actor, Action::Read, &Resource::Proposal { provider: own })?;
                filter.insert("provider_id".into(), own.map(|p| p.to_string()).into());
            }
            _ => authorize(actor, Action::Read, &Resource::ProgramData { provider: None })?,
        }
        let cut = Cut { archived: list.archived, order: list.order.as_ref() };
        let (items, total) =
            for_each_table!(spec.table, E => find::<E>(&self.db, actor, spec, &filter, page, cut).await)?;
        Ok(Page::new(items, total, page))
    }

    async fn find_records(
        &self,
        actor: &Actor,
        spec: &FileSpec,
        filter: &Record,
        page: PageRequest,
    ) -> Result<(Vec<Record>, u64), DomainError> {
        for_each_table!(spec.table, E => find::<E>(&self.db, actor, spec, filter, page, Cut::default()).await)
    }

    /// Archives (or brings back) a programme, module, offer or staff member:
    /// it stays in history and reports, and leaves the lists of current work.
    pub async fn archive_record(
        &self,
        actor: &Actor,
        kind: &str,
        id: &EntityId,
        archived: bool,
    ) -> Result<Record, DomainError> {
        let spec = spec_of(kind)?;
        if !ARCHIVABLE.contains(&kind) {
            return Err(DomainError::invalid(
                "kind",
                "Diese Art von Datensatz wird nicht archiviert.",
                "This kind of record is not archived.",
            ));
        }
        let mut key = Record::new();
        key.insert(spec.key[0].to_owned(), id.to_string().into());
        if self.stored_value(actor, spec, &key, spec.key[0]).await?.is_none() {
            return Err(DomainError::NotFound { entity: "record" });
        }
        let owner = self.owner(actor, spec, &key).await?;
        Self::authorize_record(actor, Action::Update, spec, &owner)?;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let at = archived.then(chrono::Utc::now);
        for_each_table!(spec.table, E => {
            E::update_many()
                .col_expr(column::<E>("archived_at"), sea_orm::sea_query::Expr::value(at))
                .filter(column::<E>("tenant_id").eq(actor.tenant.as_str()))
                .filter(column::<E>("id").eq(id.as_str()))
                .exec(&txn)
                .await
                .map_err(db_err)?;
        });
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, spec.table, id.as_str())
                .changes(serde_json::json!({ "archived": archived })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(self.find_records(actor, spec, &key, PageRequest::default()).await?.0.into_iter().next().unwrap_or_default())
    }

    /// Deletes a record of a kind nothing else counts on (an attendance
    /// recorded by mistake, a score, a member, a meeting, a milestone, a
    /// budget line). `key`: its key columns.
    pub async fn delete_record(&self, actor: &Actor, kind: &str, key: Record) -> Result<(), DomainError> {
        let spec = spec_of(kind)?;
        if !DELETABLE.contains(&kind) {
            return Err(DomainError::invalid(
                "kind",
                "Diese Art von Datensatz wird archiviert, nicht gelöscht.",
                "This kind of record is archived, not deleted.",
            ));
        }
        let mut filter = Record::new();
        for k in spec.key {
            let v = key
                .get(*k)
                .ok_or_else(|| DomainError::invalid(*k, "Pflichtfeld fehlt", "required field is missing"))?;
            filter.insert((*k).to_owned(), v.clone());
        }
        if self.stored_value(actor, spec, &filter, spec.key[0]).await?.is_none() {
            return Err(DomainError::NotFound { entity: "record" });
        }
        let owner = self.owner(actor, spec, &filter).await?;
        Self::authorize_record(actor, Action::Delete, spec, &owner)?;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        for_each_table!(spec.table, E => {
            let mut q = E::delete_many().filter(column::<E>("tenant_id").eq(actor.tenant.as_str()));
            for k in spec.key {
                let c = &spec.cols[spec.col(k).expect("key")];
                let col = column::<E>(c.db);
                match typed(k, c.kind, col.def().get_column_type(), &filter[*k])? {
                    Some(v) => q = q.filter(col.eq(v)),
                    None => return Err(DomainError::invalid(*k, "Pflichtfeld fehlt", "required field is missing")),
                }
            }
            q.exec(&txn).await.map_err(db_err)?;
        });
        let id = spec.key.iter().map(|k| cell_text(k, &filter[*k])).collect::<Result<Vec<_>, _>>()?.join("/");
        let mut event = Event::new(AuditAction::Delete, spec.table, &id);
        if let Some(p) = filter.get("person_id").and_then(|v| v.as_str()) {
            event = event.of_person(p);
        }
        record(&txn, actor, event).await?;
        txn.commit().await.map_err(db_err)
    }
}

/// A filter value as the column's database value (parsed like a bundle
/// cell); None for an empty value.
fn typed(
    field: &str,
    kind: Kind,
    ty: &sea_orm::sea_query::ColumnType,
    v: &serde_json::Value,
) -> Result<Option<sea_orm::sea_query::Value>, DomainError> {
    let raw = cell_text(field, v)?;
    if raw.is_empty() {
        return Ok(None);
    }
    let cell = cell::parse(kind, &raw, Dialect::Canonical).map_err(|e| DomainError::invalid(field, e.0, e.1))?;
    Ok(Some(db_value(ty, Some(&cell))))
}

/// Beyond equality: archived or current, and the order.
#[derive(Clone, Copy, Default)]
struct Cut<'a> {
    archived: Option<bool>,
    order: Option<&'a Order>,
}

async fn find<E>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    spec: &FileSpec,
    filter: &Record,
    page: PageRequest,
    cut: Cut<'_>,
) -> Result<(Vec<Record>, u64), DomainError>
where
    E: EntityTrait,
    E::Model: FromQueryResult + ModelTrait<Entity = E> + Sync,
{
    let mut q = E::find().filter(column::<E>("tenant_id").eq(actor.tenant.as_str()));
    for (name, v) in filter {
        let Some(i) = spec.col(name) else {
            return Err(DomainError::invalid(name.as_str(), "unbekanntes Feld", "unknown field"));
        };
        let c = &spec.cols[i];
        let col = column::<E>(c.db);
        q = match typed(name, c.kind, col.def().get_column_type(), v)? {
            None => q.filter(col.is_null()),
            Some(v) => q.filter(col.eq(v)),
        };
    }
    let archivable = ARCHIVABLE.iter().any(|k| FileSpec::by_name(k).is_some_and(|s| s.table == spec.table));
    match (archivable, cut.archived) {
        (true, Some(true)) => q = q.filter(column::<E>("archived_at").is_not_null()),
        (true, Some(false)) => q = q.filter(column::<E>("archived_at").is_null()),
        _ => {}
    }
    if let Some(o) = cut.order
        && let Some(i) = spec.col(&o.key)
    {
        // Empty values last in both directions, on both backends.
        q = q.order_by_with_nulls(column::<E>(spec.cols[i].db), o.direction(), sea_orm::sea_query::NullOrdering::Last);
    }
    for k in spec.key {
        q = q.order_by_asc(column::<E>(spec.cols[spec.col(k).expect("key")].db));
    }
    let total = sea_orm::PaginatorTrait::count(q.clone(), db).await.map_err(db_err)?;
    let rows = q.offset(page.offset()).limit(page.limit()).all(db).await.map_err(db_err)?;
    let items = rows
        .into_iter()
        .map(|m| {
            let mut r = Record::new();
            for c in spec.cols {
                let text = value_text(&m.get(column::<E>(c.db)), c.kind);
                if !text.is_empty() {
                    r.insert(c.name.to_owned(), text.into());
                }
            }
            if archivable {
                let archived =
                    !matches!(m.get(column::<E>("archived_at")), sea_orm::sea_query::Value::ChronoDateTimeUtc(None));
                r.insert("archived".into(), archived.into());
            }
            r
        })
        .collect();
    Ok((items, total))
}
