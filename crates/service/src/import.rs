//! Importing a data bundle: all or nothing, every error at once, idempotent.
//!
//! One pass over the files in dependency order, inside one write
//! transaction: each row is parsed into typed cells, checked, and written
//! (created, updated, or left as it is). If any error turns up, writing
//! stops, checking goes on so that every error is reported, and the
//! transaction is rolled back — nothing is written. Memory grows with the
//! number of distinct ids (for references and cross-file checks), not with
//! the size of the files.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use lotse_bundle::Problem;
use lotse_bundle::cell::{self, Cell};
use lotse_bundle::source::Bundle;
use lotse_bundle::spec::{FILES, FileSpec, Kind};
use lotse_db::bulk::LoadTxn;
use lotse_db::entity;
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::{Actor, DomainError};
use sea_orm::sea_query::{ColumnType, Value};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic,
    IntoActiveModel, ModelTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;

use crate::Lotse;
use crate::audit::{Event, record};
use crate::error::db_err;

/// Runs `$body` with `$E` bound to the entity of bundle table `$table`: the
/// one place that maps the spec's tables to entity types.
macro_rules! for_each_table {
    ($table:expr, $E:ident => $body:expr) => {
        match $table {
            "districts" => {
                type $E = lotse_db::entity::district::Entity;
                $body
            }
            "district_stats" => {
                type $E = lotse_db::entity::district_stat::Entity;
                $body
            }
            "providers" => {
                type $E = lotse_db::entity::provider::Entity;
                $body
            }
            "programs" => {
                type $E = lotse_db::entity::program::Entity;
                $body
            }
            "modules" => {
                type $E = lotse_db::entity::module::Entity;
                $body
            }
            "offers" => {
                type $E = lotse_db::entity::offer::Entity;
                $body
            }
            "staff" => {
                type $E = lotse_db::entity::staff::Entity;
                $body
            }
            "persons" => {
                type $E = lotse_db::entity::person::Entity;
                $body
            }
            "participations" => {
                type $E = lotse_db::entity::participation::Entity;
                $body
            }
            "outcomes" => {
                type $E = lotse_db::entity::outcome::Entity;
                $body
            }
            "consents" => {
                type $E = lotse_db::entity::consent::Entity;
                $body
            }
            "finance" => {
                type $E = lotse_db::entity::finance::Entity;
                $body
            }
            "group_sessions" => {
                type $E = lotse_db::entity::group_session::Entity;
                $body
            }
            "attendance" => {
                type $E = lotse_db::entity::attendance::Entity;
                $body
            }
            "budget_lines" => {
                type $E = lotse_db::entity::budget_line::Entity;
                $body
            }
            "fund_calls" => {
                type $E = lotse_db::entity::fund_call::Entity;
                $body
            }
            "fund_criteria" => {
                type $E = lotse_db::entity::fund_criterion::Entity;
                $body
            }
            "proposals" => {
                type $E = lotse_db::entity::proposal::Entity;
                $body
            }
            "proposal_scores" => {
                type $E = lotse_db::entity::proposal_score::Entity;
                $body
            }
            "bodies" => {
                type $E = lotse_db::entity::body::Entity;
                $body
            }
            "body_members" => {
                type $E = lotse_db::entity::body_member::Entity;
                $body
            }
            "meetings" => {
                type $E = lotse_db::entity::meeting::Entity;
                $body
            }
            "goals" => {
                type $E = lotse_db::entity::goal::Entity;
                $body
            }
            "milestones" => {
                type $E = lotse_db::entity::milestone::Entity;
                $body
            }
            "residence_statuses" => {
                type $E = lotse_db::entity::residence_status::Entity;
                $body
            }
            "person_aliases" => {
                type $E = lotse_db::entity::person_alias::Entity;
                $body
            }
            "case_intakes" => {
                type $E = lotse_db::entity::case_intake::Entity;
                $body
            }
            "assessments" => {
                type $E = lotse_db::entity::assessment::Entity;
                $body
            }
            "assessment_ratings" => {
                type $E = lotse_db::entity::assessment_rating::Entity;
                $body
            }
            "case_goals" => {
                type $E = lotse_db::entity::case_goal::Entity;
                $body
            }
            "case_steps" => {
                type $E = lotse_db::entity::case_step::Entity;
                $body
            }
            "referrals" => {
                type $E = lotse_db::entity::referral::Entity;
                $body
            }
            "case_contacts" => {
                type $E = lotse_db::entity::case_contact::Entity;
                $body
            }
            "case_conferences" => {
                type $E = lotse_db::entity::case_conference::Entity;
                $body
            }
            "case_documents" => {
                type $E = lotse_db::entity::case_document::Entity;
                $body
            }
            "follow_up_reminders" => {
                type $E = lotse_db::entity::follow_up_reminder::Entity;
                $body
            }
            "case_phases" => {
                type $E = lotse_db::entity::case_phase::Entity;
                $body
            }
            "waiting_list" => {
                type $E = lotse_db::entity::waiting_list_entry::Entity;
                $body
            }
            "outreach_contacts" => {
                type $E = lotse_db::entity::outreach_contact::Entity;
                $body
            }
            "handovers" => {
                type $E = lotse_db::entity::handover::Entity;
                $body
            }
            "deputies" => {
                type $E = lotse_db::entity::deputy::Entity;
                $body
            }
            "retention_rules" => {
                type $E = lotse_db::entity::retention_rule::Entity;
                $body
            }
            "published_reports" => {
                type $E = lotse_db::entity::published_report::Entity;
                $body
            }
            "inquiries" => {
                type $E = lotse_db::entity::inquiry::Entity;
                $body
            }
            "inquiry_questions" => {
                type $E = lotse_db::entity::inquiry_question::Entity;
                $body
            }
            other => unreachable!("the spec has no table {other}"),
        }
    };
}
pub(crate) use for_each_table;

/// At most this many errors are listed (all are counted).
const MAX_LISTED: usize = 1000;

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct FileSummary {
    pub file: String,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub warnings: u64,
}

impl FileSummary {
    pub fn line(&self, english: bool) -> String {
        if english {
            format!(
                "{}: created {}, updated {}, unchanged {}, warnings {}",
                self.file, self.created, self.updated, self.unchanged, self.warnings
            )
        } else {
            format!(
                "{}: {} angelegt, {} geändert, {} unverändert, {} Warnungen",
                self.file, self.created, self.updated, self.unchanged, self.warnings
            )
        }
    }
}

/// The outcome of an import. `written` is false whenever `error_count > 0`.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub files: Vec<FileSummary>,
    pub errors: Vec<Problem>,
    pub error_count: usize,
    pub warnings: Vec<Problem>,
    pub written: bool,
    /// Tables whose indexes were built anew after a large first load
    /// (`lotse_db::bulk::SetAside`); empty for an ordinary import.
    pub rebuilt_indexes: Vec<String>,
    /// Tables whose new rows went in without per-row foreign-key checks and
    /// whose keys were checked once at the end (PostgreSQL, a large first
    /// load; `lotse_db::bulk::LoadTxn::check_keys_at_end`).
    pub keys_checked_at_end: Vec<String>,
}

/// Progress: file name and rows read so far in it.
pub type Progress<'a> = &'a (dyn Fn(&str, u64) + Send + Sync);

/// Per-row facts later files check against.
#[derive(Default)]
struct Known {
    /// Keys by file name: what references may point to (tenant's stored rows
    /// plus the bundle's rows so far).
    ids: HashMap<&'static str, HashSet<String>>,
    /// Keys each table had before the import (to tell create from update).
    stored: HashMap<&'static str, HashSet<String>>,
    /// Keys of rows that had errors: references to them are not reported
    /// again as missing (the row's own error says what is wrong).
    failed: HashMap<&'static str, HashSet<String>>,
    /// offer → (start, end)
    offer_period: HashMap<String, (Option<NaiveDate>, Option<NaiveDate>)>,
    offer_capacity: HashMap<String, i64>,
    /// participation → (entry, exit)
    participation: HashMap<String, (NaiveDate, Option<NaiveDate>)>,
    /// Ids of merged persons → the person they were merged into.
    person_aliases: HashMap<String, String>,
    /// Logins of the tenant's accounts → their ids (deputies.csv names
    /// accounts by login; accounts are not in the bundle).
    accounts: HashMap<String, String>,
    /// Offers delivered to groups: cases and waiting lists belong to individual offers.
    group_offers: HashSet<String>,
    /// What the rules of case management look at; gathered only when the
    /// bundle has case files (a million plain participations need none of it).
    cases: Option<CaseKnown>,
}

/// Case records: the files whose rows belong to one case (participation).
const CASE_FILES: &[&str] = &[
    "case_intakes.csv",
    "assessments.csv",
    "case_goals.csv",
    "referrals.csv",
    "case_contacts.csv",
    "case_conferences.csv",
    "case_documents.csv",
    "follow_up_reminders.csv",
    "case_phases.csv",
];

/// A phase of a case: stored, or a row of this bundle (with its line).
#[derive(Clone)]
struct PhaseRow {
    id: String,
    date: NaiveDate,
    created_at: Option<chrono::DateTime<Utc>>,
    phase: String,
    line: Option<u64>,
}

/// Facts about cases, stored and from the bundle so far, for the rules the
/// case service enforces (lotse_domain::case): a case lives in an individual
/// offer, its phases follow the cycle and what each phase needs is there.
#[derive(Default)]
struct CaseKnown {
    /// Participations in a group offer.
    in_group: HashSet<String>,
    /// Participations with an exit reason.
    exit_reason: HashSet<String>,
    /// Participations with an at-exit outcome.
    at_exit: HashSet<String>,
    /// Intakes: participation → indicated.
    intake: HashMap<String, bool>,
    /// Participations with an assessment, with a goal.
    assessed: HashSet<String>,
    with_goal: HashSet<String>,
    /// Assessments new in this bundle that no rating has come for yet → line.
    unrated: HashMap<String, u64>,
    /// Phases by case; `touched`: the cases the bundle has phases for.
    phases: HashMap<String, Vec<PhaseRow>>,
    touched: HashSet<String>,
}

struct Ctx<'a> {
    problems: ImportReport,
    known: Known,
    progress: Option<Progress<'a>>,
}

impl Ctx<'_> {
    fn error(&mut self, p: Problem) {
        self.problems.error_count += 1;
        if self.problems.errors.len() < MAX_LISTED {
            self.problems.errors.push(p);
        }
    }

    fn warn(&mut self, summary: &mut FileSummary, p: Problem) {
        summary.warnings += 1;
        if self.problems.warnings.len() < MAX_LISTED {
            self.problems.warnings.push(p);
        }
    }

    fn ok(&self) -> bool {
        self.problems.error_count == 0
    }
}

/// A parsed row: a cell (or nothing) per spec column, and which columns the file has.
struct Parsed<'s> {
    spec: &'s FileSpec,
    line: u64,
    cells: Vec<Option<Cell>>,
    /// Which columns the file has: an absent one keeps its stored value.
    present: std::sync::Arc<[bool]>,
}

impl Parsed<'_> {
    fn has(&self, col: &str) -> bool {
        self.spec.col(col).is_some_and(|i| self.present[i])
    }
    fn get(&self, col: &str) -> Option<&Cell> {
        self.spec.col(col).and_then(|i| self.cells[i].as_ref())
    }
    fn text(&self, col: &str) -> Option<&str> {
        match self.get(col) {
            Some(Cell::Text(s)) => Some(s),
            _ => None,
        }
    }
    fn date(&self, col: &str) -> Option<NaiveDate> {
        match self.get(col) {
            Some(Cell::Date(d)) => Some(*d),
            _ => None,
        }
    }
    fn int(&self, col: &str) -> Option<i64> {
        match self.get(col) {
            Some(Cell::Int(v)) => Some(*v),
            _ => None,
        }
    }
    fn key(&self) -> String {
        self.spec
            .key
            .iter()
            .map(|k| self.get(k).map(cell::format).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\u{1f}")
    }
}

impl Lotse {
    /// May the actor import at all? (Asked before an upload is read.)
    pub fn may_import(&self, actor: &Actor) -> Result<(), DomainError> {
        authorize(actor, Action::Create, &Resource::Import)
    }

    /// Imports `bundle` into the actor's tenant. Bad data is not an `Err`:
    /// it comes back in the report's `errors`, with nothing written.
    pub async fn import_bundle(
        &self,
        actor: &Actor,
        bundle: &Bundle,
        progress: Option<Progress<'_>>,
    ) -> Result<ImportReport, DomainError> {
        self.may_import(actor)?;
        self.run_import(actor, bundle, progress, None, true).await
    }

    /// Checks `bundle` as an import would, every rule and reference, and
    /// writes nothing: what the upload page shows before it is confirmed.
    pub async fn check_bundle(&self, actor: &Actor, bundle: &Bundle) -> Result<ImportReport, DomainError> {
        self.may_import(actor)?;
        self.run_import(actor, bundle, None, None, false).await
    }

    /// The import itself, authorized by the caller. `scope`: the only files
    /// whose stored keys are loaded (a single record's file and the files it
    /// refers to); None loads all. `commit`: false checks only.
    pub(crate) async fn run_import(
        &self,
        actor: &Actor,
        bundle: &Bundle,
        progress: Option<Progress<'_>>,
        scope: Option<&[&str]>,
        commit: bool,
    ) -> Result<ImportReport, DomainError> {
        self.tenant(&actor.tenant).await?;
        let txn = lotse_db::bulk::begin_load(&self.db).await.map_err(db_err)?;
        // One import per tenant at a time (SQLite's write lock does this already).
        lotse_db::backend::lock_tenant(&txn, actor.tenant.as_str()).await.map_err(db_err)?;
        let mut ctx = Ctx { problems: ImportReport::default(), known: Known::default(), progress };
        let names: Vec<String> = bundle.files().map(str::to_owned).collect();
        if names.iter().any(|n| FileSpec::by_name(n).is_some_and(|s| CASE_FILES.contains(&s.name))) {
            ctx.known.cases = Some(CaseKnown::default());
        }
        preload(&txn, actor, &mut ctx.known, scope).await?;
        // A large first load builds its tables' indexes once at the end.
        // PostgreSQL: and checks their foreign keys once at the end, not row by row.
        let mut aside = None;
        if commit && scope.is_none() {
            let first = first_loads(bundle, &ctx.known);
            aside = set_aside_for(&txn, &first).await?;
            let tables: Vec<&str> = first.iter().map(|(t, _)| *t).collect();
            ctx.problems.keys_checked_at_end =
                txn.check_keys_at_end(actor.tenant.as_str(), &tables).await.map_err(db_err)?;
        }

        for name in &names {
            if FileSpec::by_name(name).is_none() {
                let mut s = FileSummary { file: name.clone(), ..Default::default() };
                ctx.warn(
                    &mut s,
                    Problem::new(name, 1, "", "unbekannte Datei, wird nicht eingelesen", "unknown file, not imported"),
                );
                ctx.problems.files.push(s);
            }
        }
        for spec in FILES {
            let mut same = names.iter().filter(|n| FileSpec::by_name(n).is_some_and(|s| s.name == spec.name));
            let Some(name) = same.next() else { continue };
            for other in same {
                let mut s = FileSummary { file: other.clone(), ..Default::default() };
                ctx.warn(
                    &mut s,
                    Problem::new(
                        other,
                        1,
                        "",
                        format!("doppelt: {name} wird eingelesen, diese Datei nicht"),
                        format!("duplicate: {name} is imported, this file is not"),
                    ),
                );
                ctx.problems.files.push(s);
            }
            let unreadable =
                |e: std::io::Error| DomainError::invalid("bundle", format!("{name}: {e}"), format!("{name}: {e}"));
            let Some(rows) = bundle.rows(name).map_err(unreadable)? else { continue };
            // Parsed on a thread of its own while this one checks and writes.
            let rows = rows.read_ahead().map_err(unreadable)?;
            let summary = for_each_table!(spec.table, E => import_file::<E>(&txn, actor, spec, rows, &mut ctx).await?);
            ctx.problems.files.push(summary);
        }
        final_checks(&mut ctx);
        let ctx_progress = ctx.progress;
        let mut report = ctx.problems;
        // The ids the files brought are no longer needed: freed before the
        // index builds (it did not lower the peak measured at a million
        // persons, which SQLite's sorts set; docs/performance.md).
        drop(ctx.known);
        report.files.sort_by_key(|f| FILES.iter().position(|s| s.name == f.file).unwrap_or(usize::MAX));
        if report.error_count == 0 && commit {
            if !report.keys_checked_at_end.is_empty()
                && let Some(p) = ctx_progress
            {
                p(&format!("Verweise werden geprüft ({})", report.keys_checked_at_end.join(", ")), 0);
            }
            if let Some(m) = txn.check_keys().await.map_err(db_err)? {
                // Table and key names only: the values may be personal data.
                tracing::error!(
                    table = %m.table,
                    constraint = %m.constraint,
                    target = %m.target,
                    missing = m.count,
                    "an import's new rows refer to records that are not there; nothing written"
                );
                return Err(DomainError::conflict(
                    format!(
                        "Ein verknüpfter Datensatz fehlt ({} → {}); es wurde nichts gespeichert.",
                        m.table, m.target
                    ),
                    format!("A referenced record is missing ({} → {}); nothing was saved.", m.table, m.target),
                ));
            }
            if let Some(aside) = aside {
                if let Some(p) = ctx_progress {
                    p(&format!("Indizes werden aufgebaut ({})", aside.tables.join(", ")), 0);
                }
                report.rebuilt_indexes = lotse_db::bulk::restore(&txn, aside).await.map_err(db_err)?;
            }
            txn.commit().await.map_err(db_err)?;
            report.written = true;
            // The data is in; the planner's statistics are a matter of speed
            // only, so a failure here is logged, not reported as the import's.
            // A single record (a scoped import) changes no statistics worth it.
            let mut tables: Vec<&str> = FILES.iter().filter(|f| f.extends.is_none()).map(|f| f.table).collect();
            tables.extend(["person_search", "name_variants"]);
            if scope.is_none()
                && let Err(e) = lotse_db::backend::refresh_statistics(&self.db, &tables).await
            {
                tracing::warn!(error = %e, "planner statistics not refreshed after the import");
            }
        }
        if !report.written {
            report.keys_checked_at_end.clear();
        }
        // Otherwise dropping the transaction rolls everything back.
        Ok(report)
    }
}

/// A file at least this large (10,000 to 20,000 rows) is a bulk load.
const BULK_MIN_BYTES: u64 = 1 << 20;
/// Search keys a person has at most, for the estimate of their rows.
const SEARCH_KEYS_PER_PERSON: u64 = 8;
/// Fewest bytes a row takes, for an upper estimate of a file's rows.
const BULK_BYTES_PER_ROW: u64 = 48;

/// The tables a first, large load of the tenant fills, each with an upper
/// estimate of its rows: its file is large and the tenant has no rows in it
/// yet, so every row is a new one. With the persons go their search keys.
fn first_loads(bundle: &Bundle, known: &Known) -> Vec<(&'static str, u64)> {
    let mut tables = Vec::new();
    for name in bundle.files() {
        let Some(spec) = FileSpec::by_name(name) else { continue };
        let Some(bytes) = bundle.size_hint(name) else { continue };
        if spec.extends.is_some()
            || bytes < BULK_MIN_BYTES
            || known.stored.get(spec.name).is_some_and(|s| !s.is_empty())
        {
            continue;
        }
        let rows = bytes / BULK_BYTES_PER_ROW;
        tables.push((spec.table, rows));
        if spec.table == "persons" {
            tables.push(("person_search", rows * SEARCH_KEYS_PER_PERSON));
        }
    }
    tables
}

/// The tables of a first, large load ([`first_loads`]) whose indexes are
/// set aside and built once at the end (`lotse_db::bulk::SetAside`): those
/// whose rows of all tenants are fewer than the file brings (SQLite) or none
/// (PostgreSQL, whose readers would wait for the table until the import
/// ends).
async fn set_aside_for(
    txn: &LoadTxn,
    first: &[(&'static str, u64)],
) -> Result<Option<lotse_db::bulk::SetAside>, DomainError> {
    let pg = txn.get_database_backend() == sea_orm::DbBackend::Postgres;
    let candidates: Vec<(&'static str, u64)> = first.iter().map(|&(t, rows)| (t, if pg { 0 } else { rows })).collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    if pg {
        // One such load at a time: a second one waits here until the first
        // has committed, and then finds the tables no longer empty.
        txn.execute_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtext('lotse-import-set-aside'))",
        ))
        .await
        .map_err(db_err)?;
    }
    let mut tables: Vec<&str> = Vec::new();
    for (table, limit) in candidates {
        if !tables.contains(&table) && lotse_db::bulk::rows_at_most(txn, table, limit).await.map_err(db_err)? {
            tables.push(table);
        }
    }
    let mut aside = lotse_db::bulk::SetAside::default();
    for table in &tables {
        lotse_db::bulk::set_aside(txn, table, &tables, &mut aside).await.map_err(db_err)?;
    }
    Ok((!aside.is_empty()).then_some(aside))
}

/// Loads the tenant's existing keys (and the dates later checks need).
async fn preload(txn: &LoadTxn, actor: &Actor, known: &mut Known, scope: Option<&[&str]>) -> Result<(), DomainError> {
    let t = actor.tenant.as_str();
    use entity::{offer, participation};
    let wanted = |file: &str| scope.is_none_or(|s| s.contains(&file));
    if wanted("persons.csv") {
        use entity::person_alias;
        known.person_aliases = person_alias::Entity::find()
            .filter(person_alias::Column::TenantId.eq(t))
            .all(txn)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|a| (a.alias_id, a.person_id))
            .collect();
    }
    // Every file's stored keys (composite keys joined by U+001F, as `Parsed::key`);
    // offers and participations also bring the dates later checks need.
    if wanted("deputies.csv") {
        use entity::user;
        known.accounts = user::Entity::find()
            .select_only()
            .columns([user::Column::Login, user::Column::Id])
            .filter(user::Column::TenantId.eq(t))
            .into_tuple()
            .all(txn)
            .await
            .map_err(db_err)?
            .into_iter()
            .collect();
    }
    // A file that extends another has no keys of its own.
    for spec in FILES
        .iter()
        .filter(|f| !matches!(f.name, "offers.csv" | "participations.csv") && f.extends.is_none() && wanted(f.name))
    {
        let keys = for_each_table!(spec.table, E => stored_keys::<E>(txn, t, spec).await?);
        if spec.key.len() == 1 {
            known.ids.insert(spec.name, keys.clone());
        }
        known.stored.insert(spec.name, keys);
    }
    if wanted("offers.csv") {
        type OfferRow = (String, Option<NaiveDate>, Option<NaiveDate>, Option<i32>, String);
        let offers: Vec<OfferRow> = offer::Entity::find()
            .select_only()
            .columns([
                offer::Column::Id,
                offer::Column::StartDate,
                offer::Column::EndDate,
                offer::Column::Capacity,
                offer::Column::Delivery,
            ])
            .filter(offer::Column::TenantId.eq(t))
            .into_tuple()
            .all(txn)
            .await
            .map_err(db_err)?;
        let mut ids = HashSet::new();
        for (id, s, e, c, delivery) in offers {
            known.offer_period.insert(id.clone(), (s, e));
            if delivery == "group" {
                known.group_offers.insert(id.clone());
            }
            if let Some(c) = c {
                known.offer_capacity.insert(id.clone(), c.into());
            }
            ids.insert(id);
        }
        known.stored.insert("offers.csv", ids.clone());
        known.ids.insert("offers.csv", ids);
    }
    if wanted("participations.csv") {
        type PartRow = (String, NaiveDate, Option<NaiveDate>, String, Option<String>);
        let parts: Vec<PartRow> = participation::Entity::find()
            .select_only()
            .columns([
                participation::Column::Id,
                participation::Column::EntryDate,
                participation::Column::ExitDate,
                participation::Column::OfferId,
                participation::Column::ExitReason,
            ])
            .filter(participation::Column::TenantId.eq(t))
            .into_tuple()
            .all(txn)
            .await
            .map_err(db_err)?;
        let mut ids = HashSet::new();
        for (id, entry, exit, offer, reason) in parts {
            known.participation.insert(id.clone(), (entry, exit));
            if let Some(c) = known.cases.as_mut() {
                if known.group_offers.contains(&offer) {
                    c.in_group.insert(id.clone());
                }
                if reason.is_some() {
                    c.exit_reason.insert(id.clone());
                }
            }
            ids.insert(id);
        }
        known.stored.insert("participations.csv", ids.clone());
        known.ids.insert("participations.csv", ids);
    }
    if let Some(c) = known.cases.as_mut() {
        preload_cases(txn, t, c).await?;
    }
    Ok(())
}

/// The stored facts of the tenant's cases (see [`CaseKnown`]).
async fn preload_cases(txn: &LoadTxn, t: &str, c: &mut CaseKnown) -> Result<(), DomainError> {
    use entity::{assessment, case_goal, case_intake, case_phase, outcome};
    let at_exit: Vec<String> = outcome::Entity::find()
        .select_only()
        .column(outcome::Column::ParticipationId)
        .filter(outcome::Column::TenantId.eq(t))
        .filter(outcome::Column::Timing.eq("at_exit"))
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)?;
    c.at_exit.extend(at_exit);
    let intakes: Vec<(String, bool)> = case_intake::Entity::find()
        .select_only()
        .columns([case_intake::Column::ParticipationId, case_intake::Column::Indicated])
        .filter(case_intake::Column::TenantId.eq(t))
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)?;
    c.intake.extend(intakes);
    let assessed: Vec<String> = assessment::Entity::find()
        .select_only()
        .column(assessment::Column::ParticipationId)
        .filter(assessment::Column::TenantId.eq(t))
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)?;
    c.assessed.extend(assessed);
    let goals: Vec<String> = case_goal::Entity::find()
        .select_only()
        .column(case_goal::Column::ParticipationId)
        .filter(case_goal::Column::TenantId.eq(t))
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)?;
    c.with_goal.extend(goals);
    for p in case_phase::Entity::find().filter(case_phase::Column::TenantId.eq(t)).all(txn).await.map_err(db_err)? {
        c.phases.entry(p.participation_id).or_default().push(PhaseRow {
            id: p.id,
            date: p.date,
            created_at: Some(p.created_at),
            phase: p.phase,
            line: None,
        });
    }
    Ok(())
}

/// The keys of a file's stored rows in the tenant.
async fn stored_keys<E: EntityTrait>(
    txn: &LoadTxn,
    tenant: &str,
    spec: &FileSpec,
) -> Result<HashSet<String>, DomainError> {
    use sea_orm::ExprTrait;
    let cols: Vec<E::Column> = spec.key.iter().map(|k| column::<E>(spec.cols[spec.col(k).expect("key")].db)).collect();
    let mut q = E::find().select_only().filter(column::<E>("tenant_id").eq(tenant));
    for c in &cols {
        q = q.column_as(c.into_expr().cast_as("text"), c.as_str());
    }
    if cols.len() == 1 {
        let keys: Vec<String> = q.into_tuple().all(txn).await.map_err(db_err)?;
        return Ok(keys.into_iter().collect());
    }
    let rows = q.into_json().all(txn).await.map_err(db_err)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            cols.iter()
                .map(|c| r.get(c.as_str()).and_then(|v| v.as_str()).unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
                .join("\u{1f}")
        })
        .collect())
}

/// A table's column by name; the bundle spec and the entities are defined
/// together, so a missing one is a programming error.
pub(crate) fn column<E: EntityTrait>(name: &str) -> E::Column {
    E::Column::from_str(name).unwrap_or_else(|_| panic!("table has no column {name}"))
}

/// The database value of a cell for a column of type `ty` (or its typed NULL).
pub(crate) fn db_value(ty: &ColumnType, cell: Option<&Cell>) -> Value {
    match (ty, cell) {
        (ColumnType::SmallInteger, Some(Cell::Int(v))) => Value::SmallInt(Some(*v as i16)),
        (ColumnType::SmallInteger, _) => Value::SmallInt(None),
        (ColumnType::Integer, Some(Cell::Int(v))) => Value::Int(Some(*v as i32)),
        (ColumnType::Integer, _) => Value::Int(None),
        (ColumnType::BigInteger, Some(Cell::Int(v) | Cell::Money(v))) => Value::BigInt(Some(*v)),
        (ColumnType::BigInteger, _) => Value::BigInt(None),
        (ColumnType::Double | ColumnType::Float, Some(Cell::Decimal(v))) => Value::Double(Some(*v)),
        (ColumnType::Double | ColumnType::Float, _) => Value::Double(None),
        (ColumnType::Date, Some(Cell::Date(d))) => Value::ChronoDate(Some(*d)),
        (ColumnType::Date, _) => Value::ChronoDate(None),
        (ColumnType::Boolean, Some(Cell::Bool(b))) => Value::Bool(Some(*b)),
        (ColumnType::Boolean, _) => Value::Bool(None),
        (ColumnType::TimestampWithTimeZone, Some(Cell::Timestamp(t))) => Value::ChronoDateTimeUtc(Some(*t)),
        (ColumnType::TimestampWithTimeZone, _) => Value::ChronoDateTimeUtc(None),
        (ColumnType::Blob | ColumnType::Binary(_) | ColumnType::VarBinary(_), Some(Cell::Bytes(b))) => {
            Value::Bytes(Some(b.clone()))
        }
        (ColumnType::Blob | ColumnType::Binary(_) | ColumnType::VarBinary(_), _) => Value::Bytes(None),
        (_, Some(c)) => Value::String(Some(cell::format(c))),
        (_, None) => Value::String(None),
    }
}

/// The cell's value as JSON, for the audit trail's changes.
fn json_of(v: &Value) -> serde_json::Value {
    match v {
        Value::String(Some(s)) => s.clone().into(),
        Value::SmallInt(Some(x)) => (*x).into(),
        Value::Int(Some(x)) => (*x).into(),
        Value::BigInt(Some(x)) => (*x).into(),
        Value::Double(Some(x)) => (*x).into(),
        Value::ChronoDate(Some(d)) => d.to_string().into(),
        Value::Bool(Some(b)) => (*b).into(),
        Value::ChronoDateTimeUtc(Some(t)) => cell::format_timestamp(t).into(),
        // A document's content is not repeated in the trail: its size says it changed.
        Value::Bytes(Some(b)) => format!("{} bytes", b.len()).into(),
        _ => serde_json::Value::Null,
    }
}

const UPDATE_CHECK_BATCH: usize = 500;

/// Documents held for one batch at most (a batch of them is written sooner).
const MAX_BATCH_BYTES: usize = 64 << 20;

fn bytes_of(cells: &[Option<Cell>]) -> usize {
    cells.iter().map(|c| if let Some(Cell::Bytes(b)) = c { b.len() } else { 0 }).sum()
}

async fn import_file<E>(
    txn: &LoadTxn,
    actor: &Actor,
    spec: &'static FileSpec,
    rows: lotse_bundle::source::Rows,
    ctx: &mut Ctx<'_>,
) -> Result<FileSummary, DomainError>
where
    E: EntityTrait,
    E::Model: FromQueryResult + ModelTrait<Entity = E> + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Default + Send,
{
    let file = spec.name;
    let mut summary = FileSummary { file: file.to_owned(), ..Default::default() };
    let dialect = rows.dialect;
    // Header: which spec column each field feeds.
    let header = rows.header.clone();
    let mut feed: Vec<Option<usize>> = Vec::with_capacity(header.len());
    let mut seen_cols = HashSet::new();
    for h in &header {
        match spec.col(h) {
            Some(i) if seen_cols.insert(i) => feed.push(Some(i)),
            Some(_) => {
                ctx.error(Problem::new(file, 1, h, "Spalte kommt doppelt vor", "column appears twice"));
                feed.push(None);
            }
            None => {
                ctx.warn(
                    &mut summary,
                    Problem::new(
                        file,
                        1,
                        h,
                        format!("unbekannte Spalte „{h}“ wird ignoriert"),
                        format!("unknown column \"{h}\" is ignored"),
                    ),
                );
                feed.push(None);
            }
        }
    }
    let present: Vec<bool> = (0..spec.cols.len()).map(|i| seen_cols.contains(&i)).collect();
    let present_shared: std::sync::Arc<[bool]> = present.clone().into();
    // Key columns are needed to know which record a row is; other required
    // columns only for new records (checked per row).
    for k in spec.key {
        if !present[spec.col(k).expect("key column")] {
            ctx.error(Problem::new(file, 1, k, "Schlüsselspalte fehlt", "key column is missing"));
        }
    }
    let header_ok = spec.key.iter().all(|k| present[spec.col(k).expect("key column")]);

    let columns: Vec<(E::Column, ColumnType)> = spec
        .cols
        .iter()
        .map(|c| {
            let col = column::<E>(c.db);
            let ty = col.def().get_column_type().clone();
            (col, ty)
        })
        .collect();
    // A file that extends another only updates its records: every row is "stored".
    let extends = spec.extends.is_some();
    let frozen = lotse_bundle::spec::FROZEN.contains(&file);
    let stored = ctx.known.stored.get(file).cloned().unwrap_or_default();
    let mut keys_in_file: HashSet<String> = HashSet::new();
    let mut inserts: Vec<Vec<Value>> = Vec::new();
    // The columns of a new row, in the order the bulk insert writes them.
    let mut insert_cols: Vec<(&str, ColumnType)> = vec![("tenant_id", ColumnType::String(Default::default()))];
    insert_cols.extend(spec.cols.iter().zip(&columns).map(|(c, (_, ty))| (c.db, ty.clone())));
    // Bookkeeping times the file does not carry are the import's.
    let stamps: Vec<&str> = ["created_at", "updated_at"]
        .into_iter()
        .filter(|c| E::Column::from_str(c).is_ok() && !spec.cols.iter().any(|col| col.db == *c))
        .collect();
    insert_cols.extend(stamps.iter().map(|c| (*c, ColumnType::TimestampWithTimeZone)));
    let now = Utc::now();
    let mut maybe_updates: Vec<Parsed<'static>> = Vec::new();
    // Bytes (documents) held for the next insert / update batch.
    let (mut insert_bytes, mut update_bytes) = (0usize, 0usize);
    let insert_batch = lotse_db::bulk::batch_rows(txn, spec.cols.len() + 3);
    let mut deferred_parent_refs: Vec<(u64, String)> = Vec::new();
    // For the capacity warning: offer → (entry, exit) of its participations.
    let mut spans: HashMap<String, Vec<(NaiveDate, Option<NaiveDate>)>> = HashMap::new();
    let mut read = 0u64;
    // New persons' name search keys (see persons::search_rows).
    let is_persons = spec.table == "persons";
    let mut search_inserts: Vec<Vec<Value>> = Vec::new();
    // Their vocabulary tokens (see persons::file_vocabulary), each once per file.
    let mut vocabulary_filed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut vocabulary_new: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();

    if !header_ok {
        return Ok(summary);
    }
    // New rows go to the database in batches while the next batch is read
    // and checked: the writer below waits for SQLite's worker thread or
    // PostgreSQL's server, the reader goes on meanwhile (both cores busy).
    // One batch waits at most; the channel keeps their order.
    let (to_writer, batches) = tokio::sync::mpsc::channel::<NewRows>(1);
    // Which of the two failed first (1 writer, 2 reader): a PostgreSQL
    // transaction refuses everything after its first error, and that first
    // error is the one to report.
    let first_failure = std::sync::atomic::AtomicU8::new(0);
    let failed = |who: u8| {
        let _ = first_failure.compare_exchange(
            0,
            who,
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
        );
    };
    let writer = async {
        // Owned here, so that a failing writer closes the channel and the
        // reader stops instead of waiting for room.
        let mut batches = batches;
        while let Some(b) = batches.recv().await {
            txn.insert_prepared(spec.table, &insert_cols, b.rows).await.map_err(db_err)?;
            // Search keys after their persons (they reference them).
            crate::persons::insert_prepared_search_rows(txn, b.search).await.map_err(db_err)?;
            crate::persons::file_vocabulary(txn, actor.tenant.as_str(), &b.vocabulary).await?;
        }
        Ok::<(), DomainError>(())
    };
    let writer = async {
        let r = writer.await;
        if r.is_err() {
            failed(1);
        }
        r
    };
    let reader = async {
        let to_writer = to_writer;
        for row in rows {
            read += 1;
            if read % 10_000 == 0 {
                if let Some(p) = ctx.progress {
                    p(file, read);
                }
            }
            let row = match row {
                Ok(r) => r,
                Err(p) => {
                    ctx.error(p);
                    continue;
                }
            };
            let line = row.line;
            if row.fields.len() > header.len() && row.fields[header.len()..].iter().any(|f| !f.trim().is_empty()) {
                ctx.error(Problem::new(
                    file,
                    line,
                    "",
                    "mehr Werte als Spalten in der Kopfzeile",
                    "more values than header columns",
                ));
                continue;
            }
            let mut cells: Vec<Option<Cell>> = vec![None; spec.cols.len()];
            let mut unreadable = vec![false; spec.cols.len()];
            let mut row_ok = true;
            for (fi, raw) in row.fields.iter().enumerate() {
                let Some(Some(ci)) = feed.get(fi) else { continue };
                let raw = raw.trim();
                if raw.is_empty() {
                    continue;
                }
                match cell::parse(spec.cols[*ci].kind, raw, dialect) {
                    Ok(c) => cells[*ci] = Some(c),
                    Err((de, en)) => {
                        ctx.error(Problem::new(file, line, spec.cols[*ci].name, de, en));
                        unreadable[*ci] = true;
                        row_ok = false;
                    }
                }
            }
            // A merged person's old id: references follow it to the kept person;
            // a persons.csv row with it would bring the duplicate back.
            if !ctx.known.person_aliases.is_empty() {
                for (i, c) in spec.cols.iter().enumerate() {
                    let Some(Cell::Text(id)) = &cells[i] else { continue };
                    let Some(kept) = ctx.known.person_aliases.get(id).cloned() else { continue };
                    if matches!(c.kind, Kind::Ref("persons.csv")) {
                        cells[i] = Some(Cell::Text(kept));
                    } else if file == "persons.csv" && c.name == "person_id" {
                        ctx.error(Problem::new(
                            file,
                            line,
                            c.name,
                            format!(
                                "„{id}“ wurde mit der Person „{kept}“ zusammengeführt; bitte deren Kennung verwenden"
                            ),
                            format!("\"{id}\" was merged into the person \"{kept}\"; please use that id"),
                        ));
                        row_ok = false;
                    }
                }
            }
            // An account is named by its login and stored by its id.
            for (i, c) in spec.cols.iter().enumerate() {
                let (Kind::Account, Some(Cell::Text(login))) = (c.kind, &cells[i]) else { continue };
                match ctx.known.accounts.get(login) {
                    Some(id) => cells[i] = Some(Cell::Text(id.clone())),
                    None => {
                        ctx.error(Problem::new(
                        file,
                        line,
                        c.name,
                        format!(
                            "ein Konto „{login}“ gibt es im Mandanten nicht (Konten sind nicht im Paket; bitte zuerst anlegen)"
                        ),
                        format!(
                            "there is no account \"{login}\" in the tenant (accounts are not in the bundle; create it first)"
                        ),
                    ));
                        unreadable[i] = true;
                        cells[i] = None;
                        row_ok = false;
                    }
                }
            }
            let parsed = Parsed { spec, line, cells, present: present_shared.clone() };
            let key = parsed.key();
            // A column the file lacks keeps the stored value: only new rows need every required one.
            let is_new = !extends && !stored.contains(&key);
            for (i, c) in spec.cols.iter().enumerate() {
                if c.required && parsed.cells[i].is_none() && !unreadable[i] && (present[i] || is_new) {
                    let (de, en) = if present[i] {
                        ("Pflichtwert fehlt".to_owned(), "required value is missing".to_owned())
                    } else {
                        (
                            format!("Pflichtspalte „{}“ fehlt; neue Datensätze brauchen sie", c.name),
                            format!("required column \"{}\" is missing; new records need it", c.name),
                        )
                    };
                    ctx.error(Problem::new(file, line, c.name, de, en));
                    row_ok = false;
                }
            }
            let key_readable = spec.key.iter().all(|k| parsed.get(k).is_some());
            if !key_readable {
                continue;
            }
            if !keys_in_file.insert(key.clone()) {
                let k = spec.key[0];
                ctx.error(Problem::new(
                    file,
                    line,
                    k,
                    format!("doppelte Kennung „{}“ in dieser Datei", key.replace('\u{1f}', "/")),
                    format!("duplicate id \"{}\" in this file", key.replace('\u{1f}', "/")),
                ));
                continue;
            }
            // References.
            for (i, c) in spec.cols.iter().enumerate() {
                let (Kind::Ref(target), Some(Cell::Text(id))) = (c.kind, &parsed.cells[i]) else { continue };
                if target == file {
                    deferred_parent_refs.push((line, id.clone()));
                    continue;
                }
                if ctx.known.failed.get(target).is_some_and(|s| s.contains(id)) {
                    row_ok = false; // its own error is reported
                } else if !ctx.known.ids.get(target).is_some_and(|s| s.contains(id)) {
                    ctx.error(Problem::new(
                        file,
                        line,
                        c.name,
                        format!("„{id}“ gibt es weder in {target} noch im Mandanten"),
                        format!("\"{id}\" is neither in {target} nor in the tenant"),
                    ));
                    row_ok = false;
                }
            }
            if !check_row(&parsed, ctx, &mut summary) {
                row_ok = false;
            }
            if !row_ok {
                ctx.known.failed.entry(file).or_default().insert(key);
                continue;
            }
            remember(&parsed, &key, ctx, &mut spans);
            // Keep checking, stop writing; a frozen file's stored rows are still
            // compared (that only reads) so that every change of one is reported.
            if !ctx.ok() && !(frozen && !is_new) {
                continue;
            }
            if !is_new {
                update_bytes += bytes_of(&parsed.cells);
                maybe_updates.push(parsed);
                if maybe_updates.len() >= UPDATE_CHECK_BATCH || update_bytes >= MAX_BATCH_BYTES {
                    update_bytes = 0;
                    update_batch::<E>(
                        txn,
                        actor,
                        spec,
                        &columns,
                        &present,
                        std::mem::take(&mut maybe_updates),
                        &mut summary,
                        ctx,
                    )
                    .await?;
                }
            } else {
                let mut row = Vec::with_capacity(insert_cols.len());
                row.push(Value::String(Some(actor.tenant.to_string())));
                for (i, (_, ty)) in columns.iter().enumerate() {
                    row.push(match (spec.cols[i].kind, &parsed.cells[i]) {
                        (Kind::Stamp, None) => Value::ChronoDateTimeUtc(Some(now)),
                        (_, cell) => db_value(ty, cell.as_ref()),
                    });
                }
                row.extend(stamps.iter().map(|_| Value::ChronoDateTimeUtc(Some(now))));
                insert_bytes += bytes_of(&parsed.cells);
                inserts.push(row);
                if is_persons {
                    if let (Some(id), Some(provider)) = (parsed.text("person_id"), parsed.text("provider_id")) {
                        search_inserts.extend(crate::persons::search_rows(
                            actor.tenant.as_str(),
                            id,
                            provider,
                            [parsed.text("given_name"), parsed.text("family_name")],
                        ));
                        for t in lotse_domain::search::vocabulary(
                            [parsed.text("given_name"), parsed.text("family_name")].into_iter().flatten(),
                        ) {
                            if !vocabulary_filed.contains(&t) {
                                vocabulary_filed.insert(t.clone());
                                vocabulary_new.insert(t);
                            }
                        }
                    }
                }
                summary.created += 1;
                if inserts.len() >= insert_batch || insert_bytes >= MAX_BATCH_BYTES {
                    insert_bytes = 0;
                    // Made ready (PostgreSQL: its COPY text) on another thread
                    // while this one reads on and the writer copies the batch before.
                    let batch = NewRows {
                        rows: txn.prepare_rows(insert_cols.len(), std::mem::take(&mut inserts), None),
                        search: crate::persons::prepare_search_rows(txn, std::mem::take(&mut search_inserts)),
                        vocabulary: std::mem::take(&mut vocabulary_new),
                    };
                    if to_writer.send(batch).await.is_err() {
                        break; // the writer failed and closed the channel; its error is returned below
                    }
                }
            }
        }
        Ok::<(), DomainError>(())
    };
    let reader = async {
        let r = reader.await;
        if r.is_err() {
            failed(2);
        }
        r
    };
    // On the heap: the two futures together are too large for a thread's stack in a debug build.
    let (written, read_ok) = tokio::join!(Box::pin(writer), Box::pin(reader));
    if first_failure.load(std::sync::atomic::Ordering::SeqCst) == 2 {
        read_ok?;
        written?;
    } else {
        written?;
        read_ok?;
    }
    if let Some(p) = ctx.progress {
        p(file, read);
    }
    // Parent references within the file (districts may name a later parent).
    for (line, id) in deferred_parent_refs {
        if !keys_in_file.contains(&id) && !ctx.known.ids.get(file).is_some_and(|s| s.contains(&id)) {
            ctx.error(Problem::new(
                file,
                line,
                "parent_id",
                format!("„{id}“ gibt es weder in {file} noch im Mandanten"),
                format!("\"{id}\" is neither in {file} nor in the tenant"),
            ));
        }
    }
    if file == "participations.csv" {
        for (offer, mut list) in spans {
            let Some(cap) = ctx.known.offer_capacity.get(&offer).copied() else { continue };
            let peak = peak_concurrent(&mut list);
            if peak > cap {
                ctx.warn(
                    &mut summary,
                    Problem::new(
                        file,
                        1,
                        "offer_id",
                        format!("Angebot „{offer}“: bis zu {peak} Personen gleichzeitig bei einer Kapazität von {cap}"),
                        format!("offer \"{offer}\": up to {peak} people at once for a capacity of {cap}"),
                    ),
                );
            }
        }
    }
    if frozen && !ctx.ok() && !maybe_updates.is_empty() {
        update_batch::<E>(txn, actor, spec, &columns, &present, maybe_updates, &mut summary, ctx).await?;
    } else if ctx.ok() {
        txn.insert_rows(spec.table, &insert_cols, inserts).await.map_err(db_err)?;
        crate::persons::insert_search_rows(txn, search_inserts).await.map_err(db_err)?;
        crate::persons::file_vocabulary(txn, actor.tenant.as_str(), &vocabulary_new).await?;
        if !maybe_updates.is_empty() {
            update_batch::<E>(txn, actor, spec, &columns, &present, maybe_updates, &mut summary, ctx).await?;
        }
        if summary.created > 0 {
            let changes = serde_json::json!({ "file": file, "created": summary.created, "via": "import" });
            record(txn, actor, Event::new(AuditAction::Create, spec.table, "import").changes(changes)).await?;
        }
    }
    Ok(summary)
}

/// New rows of one batch for the writer of [`import_file`].
struct NewRows {
    rows: lotse_db::bulk::PreparedRows,
    search: lotse_db::bulk::PreparedRows,
    vocabulary: std::collections::BTreeSet<String>,
}

/// Compares rows whose key is stored with the stored record and writes what
/// differs (only the columns the file has: a missing column keeps its value,
/// an empty cell clears it).
#[allow(clippy::too_many_arguments)]
async fn update_batch<E>(
    txn: &LoadTxn,
    actor: &Actor,
    spec: &FileSpec,
    columns: &[(E::Column, ColumnType)],
    present: &[bool],
    batch: Vec<Parsed<'static>>,
    summary: &mut FileSummary,
    ctx: &mut Ctx<'_>,
) -> Result<(), DomainError>
where
    E: EntityTrait,
    E::Model: FromQueryResult + ModelTrait<Entity = E> + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Default + Send,
{
    let tenant_col = column::<E>("tenant_id");
    let key_cols: Vec<(usize, E::Column)> = spec
        .key
        .iter()
        .map(|k| {
            let i = spec.col(k).expect("key column");
            (i, columns[i].0)
        })
        .collect();
    let mut cond = Condition::any();
    for p in &batch {
        let mut all = Condition::all();
        for (i, col) in &key_cols {
            all = all.add(col.eq(db_value(&columns[*i].1, p.cells[*i].as_ref())));
        }
        cond = cond.add(all);
    }
    let existing =
        E::find().filter(tenant_col.eq(actor.tenant.as_str())).filter(cond).all(txn).await.map_err(db_err)?;
    let mut by_key: HashMap<String, E::Model> = HashMap::new();
    for m in existing {
        let k = key_cols
            .iter()
            .map(|(i, col)| value_text(&m.get(*col), spec.cols[*i].kind))
            .collect::<Vec<_>>()
            .join("\u{1f}");
        by_key.insert(k, m);
    }
    for p in batch {
        let Some(model) = by_key.remove(&p.key()) else { continue };
        let mut diff = serde_json::Map::new();
        let mut am = model.clone().into_active_model();
        for (i, (col, ty)) in columns.iter().enumerate() {
            // An empty stamp keeps the stored time.
            if !present[i] || (spec.cols[i].kind == Kind::Stamp && p.cells[i].is_none()) {
                continue;
            }
            let new = db_value(ty, p.cells[i].as_ref());
            let old = model.get(*col);
            if comparable(&old) != comparable(&new) {
                diff.insert(spec.cols[i].name.to_owned(), serde_json::json!([json_of(&old), json_of(&new)]));
                am.set(*col, new);
            }
        }
        if diff.is_empty() {
            summary.unchanged += 1;
            continue;
        }
        if lotse_bundle::spec::FROZEN.contains(&spec.name) {
            let col = spec.cols.iter().find(|c| diff.contains_key(c.name)).map_or("", |c| c.name);
            ctx.error(Problem::new(
                spec.name,
                p.line,
                col,
                format!(
                    "„{}“ ist veröffentlicht und wird nicht mehr geändert (abweichend: {})",
                    p.key().replace('\u{1f}', "/"),
                    diff.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                format!(
                    "\"{}\" is published and is not changed any more (differs: {})",
                    p.key().replace('\u{1f}', "/"),
                    diff.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
            continue;
        }
        if !ctx.ok() {
            continue; // checked only (a frozen file after an error)
        }
        if let Ok(c) = E::Column::from_str("updated_at") {
            am.set(c, Value::ChronoDateTimeUtc(Some(Utc::now())));
        }
        let m = am.update(txn).await.map_err(db_err)?;
        if spec.table == "persons" && ["given_name", "family_name", "provider_id"].iter().any(|c| diff.contains_key(*c))
        {
            let text = |c: &str| match m.get(column::<E>(c)) {
                Value::String(Some(s)) => Some(s),
                _ => None,
            };
            let (id, provider) = (text("id").unwrap_or_default(), text("provider_id").unwrap_or_default());
            let (given, family) = (text("given_name"), text("family_name"));
            crate::persons::replace_search_keys(
                txn,
                actor.tenant.as_str(),
                &id,
                &provider,
                [given.as_deref(), family.as_deref()],
            )
            .await?;
        }
        summary.updated += 1;
        let key = p.key().replace('\u{1f}', "/");
        let mut event = Event::new(AuditAction::Update, spec.table, &key).changes(serde_json::Value::Object(diff));
        if spec.table == "persons" {
            event = event.of_person(&key);
        }
        record(txn, actor, event).await?;
    }
    Ok(())
}

/// A value as the bundle can carry it: moments to the microsecond (SQLite
/// keeps the nanoseconds the service wrote; a bundle has what PostgreSQL keeps).
fn comparable(v: &Value) -> Value {
    match v {
        Value::ChronoDateTimeUtc(Some(t)) => Value::ChronoDateTimeUtc(cell::micros(*t)),
        other => other.clone(),
    }
}

/// A stored value as the bundle writes it (the export's canonical text;
/// also the key text the import compares).
pub(crate) fn value_text(v: &Value, kind: Kind) -> String {
    match (v, kind) {
        (Value::BigInt(Some(c)), Kind::Money) => cell::format_money(*c),
        (Value::String(Some(s)), _) => s.clone(),
        (Value::SmallInt(Some(x)), _) => x.to_string(),
        (Value::Int(Some(x)), _) => x.to_string(),
        (Value::BigInt(Some(x)), _) => x.to_string(),
        (Value::Double(Some(x)), _) => x.to_string(),
        (Value::ChronoDate(Some(d)), _) => d.format("%Y-%m-%d").to_string(),
        (Value::Bool(Some(b)), _) => cell::format(&Cell::Bool(*b)),
        (Value::ChronoDateTimeUtc(Some(t)), _) => cell::format_timestamp(t),
        (Value::Bytes(Some(b)), _) => cell::format(&Cell::Bytes(b.to_vec())),
        _ => String::new(),
    }
}

/// The rules that tie a row's cells together, and those that look at rows
/// of files read before. Returns false when the row has an error.
fn check_row(p: &Parsed<'_>, ctx: &mut Ctx<'_>, summary: &mut FileSummary) -> bool {
    let file = p.spec.name;
    let mut ok = true;
    let mut error = |ctx: &mut Ctx<'_>, col: &str, de: String, en: String| {
        ctx.error(Problem::new(file, p.line, col, de, en));
        ok = false;
    };
    let before = |a: Option<NaiveDate>, b: Option<NaiveDate>| matches!((a, b), (Some(a), Some(b)) if b < a);
    // Checks the spec does not list are warnings: such a bundle must be accepted.
    let warn = |ctx: &mut Ctx<'_>, summary: &mut FileSummary, col: &str, de: &str, en: &str| {
        ctx.warn(summary, Problem::new(file, p.line, col, de, en));
    };
    // A check runs only on columns the file has; for the others the stored
    // values stand (they were checked when they came).
    let stored_part = p.text("participation_id").and_then(|id| ctx.known.participation.get(id)).copied();
    // A target-group rule must be usable when it is saved, not when a report needs it.
    if file == "programs.csv" {
        if let Some(Err(e)) =
            p.text("target_group").filter(|s| !s.trim().is_empty()).map(lotse_reports::rule::Rule::parse)
        {
            error(
                ctx,
                "target_group",
                format!("ungültige Zielgruppenregel: {}", e.de),
                format!("invalid target-group rule: {}", e.en),
            );
        }
    }
    // What the case service enforces of a case's records (services/cases.rs).
    if let Some(part) = CASE_FILES.contains(&file).then(|| p.text("participation_id")).flatten() {
        if ctx.known.cases.as_ref().is_some_and(|c| c.in_group.contains(part)) {
            error(
                ctx,
                "participation_id",
                format!("„{part}“ ist eine Teilnahme an einem Gruppenangebot; Fälle gibt es nur in Einzelangeboten"),
                format!("\"{part}\" is a participation in a group offer; cases are kept in individual offers only"),
            );
        }
        if let Some(&(entry, exit)) = ctx.known.participation.get(part) {
            if let Some(d) = p.date("date") {
                if d < entry {
                    error(
                        ctx,
                        "date",
                        format!("{d} liegt vor dem Beginn des Falls ({entry})"),
                        format!("{d} is before the case began ({entry})"),
                    );
                }
                if d > Utc::now().date_naive() {
                    error(ctx, "date", format!("{d} liegt in der Zukunft"), format!("{d} is in the future"));
                }
            }
            if file == "follow_up_reminders.csv" && exit.is_none() {
                error(
                    ctx,
                    "participation_id",
                    "Erinnerung an das Ergebnis nach sechs Monaten zu einem Fall ohne Austritt".into(),
                    "six-month follow-up reminder on a case without an exit".into(),
                );
            }
        }
    }
    match file {
        "referrals.csv"
            if p.has("offer_id") && p.has("agency") && p.text("offer_id").is_none() && p.text("agency").is_none() =>
        {
            error(
                ctx,
                "offer_id",
                "Bitte ein Angebot („offer_id“) oder eine Stelle („agency“) angeben".into(),
                "give an offer (offer_id) or an agency".into(),
            );
        }
        "case_documents.csv" => {
            if let (Some(size), Some(Cell::Bytes(b))) = (p.int("size"), p.get("content_base64")) {
                if size != b.len() as i64 {
                    error(
                        ctx,
                        "size",
                        format!("{size} Bytes angegeben, der Inhalt hat {}", b.len()),
                        format!("{size} bytes given, the content has {}", b.len()),
                    );
                }
            }
        }
        "waiting_list.csv" => {
            if let Some(o) = p.text("offer_id").filter(|o| ctx.known.group_offers.contains(*o)) {
                error(
                    ctx,
                    "offer_id",
                    format!("„{o}“ ist ein Gruppenangebot; Wartelisten gibt es nur für Einzelangebote"),
                    format!("\"{o}\" is a group offer; waiting lists are kept for individual offers only"),
                );
            }
        }
        "published_reports.csv" => {
            if let Some(r) = p.text("report").filter(|r| !lotse_reports::NAMES.contains(r)) {
                error(
                    ctx,
                    "report",
                    format!("unbekannter Bericht „{r}“ (bekannt: {})", lotse_reports::NAMES.join(", ")),
                    format!("unknown report \"{r}\" (known: {})", lotse_reports::NAMES.join(", ")),
                );
            } else if let Some(r) = p.text("report").filter(|r| !crate::publications::publishable(r)) {
                error(
                    ctx,
                    "report",
                    format!("„{r}“ wird nicht veröffentlicht: veröffentlicht werden zusammengefasste Berichte"),
                    format!("\"{r}\" is not published: only aggregate reports are"),
                );
            }
            if let Some(Err(e)) =
                p.text("params").map(serde_json::from_str::<serde_json::Map<String, serde_json::Value>>)
            {
                error(
                    ctx,
                    "params",
                    format!("keine Parameter als JSON-Objekt ({e})"),
                    format!("not parameters as a JSON object ({e})"),
                );
            }
            if let Some(content) = p.text("content") {
                if let Err(e) = lotse_reports::Report::from_stored(content.as_bytes()) {
                    error(
                        ctx,
                        "content",
                        format!("kein gespeicherter Bericht ({e})"),
                        format!("not a stored report ({e})"),
                    );
                } else if let Some(h) =
                    p.text("content_hash").filter(|h| *h != crate::publications::hash(content.as_bytes()))
                {
                    error(
                        ctx,
                        "content_hash",
                        format!(
                            "„{h}“ ist nicht die SHA-256-Prüfsumme des Inhalts: der Inhalt wurde verändert oder die Prüfsumme ist falsch"
                        ),
                        format!(
                            "\"{h}\" is not the SHA-256 of the content: the content was changed or the hash is wrong"
                        ),
                    );
                }
            }
        }
        "inquiry_questions.csv" => {
            if let Some(list) = p.text("publications") {
                match serde_json::from_str::<Vec<String>>(list) {
                    Err(_) => error(
                        ctx,
                        "publications",
                        format!("„{list}“ ist keine Liste von Kennungen (erwartet: [] oder [\"kennung\", …])"),
                        format!("\"{list}\" is not a list of ids (expected: [] or [\"id\", …])"),
                    ),
                    Ok(ids) if ids.len() > crate::inquiries::MAX_CITED => error(
                        ctx,
                        "publications",
                        format!("höchstens {} veröffentlichte Berichte je Antwort", crate::inquiries::MAX_CITED),
                        format!("at most {} published reports per answer", crate::inquiries::MAX_CITED),
                    ),
                    Ok(ids) => {
                        let known = ctx.known.ids.get("published_reports.csv");
                        if let Some(missing) = ids.iter().find(|id| !known.is_some_and(|k| k.contains(*id))) {
                            error(
                                ctx,
                                "publications",
                                format!("„{missing}“ gibt es weder in published_reports.csv noch im Mandanten"),
                                format!("\"{missing}\" is neither in published_reports.csv nor in the tenant"),
                            );
                        }
                    }
                }
            }
        }
        "residence_statuses.csv" if before(p.date("valid_from"), p.date("valid_until")) => {
            error(ctx, "valid_until", "liegt vor dem Beginn".into(), "is before the start".into());
        }
        "person_aliases.csv" => {
            if let Some(a) =
                p.text("alias_id").filter(|a| ctx.known.ids.get("persons.csv").is_some_and(|s| s.contains(*a)))
            {
                error(
                    ctx,
                    "alias_id",
                    format!(
                        "„{a}“ ist eine Person; eine zusammengeführte Kennung kann nicht zugleich eine Person sein"
                    ),
                    format!("\"{a}\" is a person; a merged id cannot be a person at the same time"),
                );
            }
        }
        "handovers.csv" => {
            if p.text("from_provider").is_some() && p.text("from_provider") == p.text("to_provider") {
                error(
                    ctx,
                    "to_provider",
                    "Übergabe an denselben Träger".into(),
                    "handover to the same provider".into(),
                );
            }
            let decided = p.get("decided_at").is_some() && p.text("decided_by").is_some();
            match p.text("status") {
                Some("accepted" | "declined") if p.has("decided_at") && p.has("decided_by") && !decided => error(
                    ctx,
                    "decided_at",
                    "eine entschiedene Übergabe braucht decided_at und decided_by".into(),
                    "a decided handover needs decided_at and decided_by".into(),
                ),
                Some("requested") if p.get("decided_at").is_some() || p.text("decided_by").is_some() => error(
                    ctx,
                    "decided_at",
                    "eine angefragte Übergabe ist noch nicht entschieden".into(),
                    "a requested handover is not decided yet".into(),
                ),
                _ => {}
            }
        }
        "deputies.csv" => {
            if p.text("absent_login").is_some() && p.text("absent_login") == p.text("deputy_login") {
                error(
                    ctx,
                    "deputy_login",
                    "Niemand kann sich selbst vertreten".into(),
                    "nobody can be their own deputy".into(),
                );
            }
            if before(p.date("from_date"), p.date("until_date")) {
                error(ctx, "until_date", "liegt vor dem Beginn".into(), "is before the start".into());
            }
        }
        "person_details.csv" => {
            // The rules of the person form (persons.rs).
            if let Some(v) = p.text("phone").filter(|v| {
                !v.chars().all(|c| c.is_ascii_digit() || " +-/()".contains(c)) || !v.chars().any(|c| c.is_ascii_digit())
            }) {
                error(
                    ctx,
                    "phone",
                    format!("„{v}“ ist keine Telefonnummer (erlaubt: Ziffern, Leerzeichen und + - / ( ))"),
                    format!("\"{v}\" is not a phone number (allowed: digits, spaces and + - / ( ))"),
                );
            }
            if let Some(v) = p.text("email").filter(|v| {
                !(v.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
                }) && !v.contains(char::is_whitespace)
                    && v.matches('@').count() == 1)
            }) {
                error(
                    ctx,
                    "email",
                    format!("„{v}“ ist keine E-Mail-Adresse (Form: name@beispiel.de)"),
                    format!("\"{v}\" is not an e-mail address (form: name@example.org)"),
                );
            }
            if let Some(v) =
                p.text("postal_code").filter(|v| !v.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-'))
            {
                error(
                    ctx,
                    "postal_code",
                    format!("„{v}“ ist keine Postleitzahl (Ziffern und Buchstaben)"),
                    format!("\"{v}\" is not a postal code (digits and letters)"),
                );
            }
        }
        "programs.csv" | "offers.csv"
            if p.has("start_date") && p.has("end_date") && before(p.date("start_date"), p.date("end_date")) =>
        {
            warn(ctx, summary, "end_date", "Das Ende liegt vor dem Beginn", "the end is before the start");
        }
        "persons.csv" => {
            if p.date("birth_date").is_some_and(|b| b > Utc::now().date_naive()) {
                warn(
                    ctx,
                    summary,
                    "birth_date",
                    "Das Geburtsdatum liegt in der Zukunft",
                    "the birth date is in the future",
                );
            }
        }
        "participations.csv" => {
            let stored = p.text("participation_id").and_then(|id| ctx.known.participation.get(id)).copied();
            let entry = if p.has("entry_date") { p.date("entry_date") } else { stored.map(|s| s.0) };
            let exit = if p.has("exit_date") { p.date("exit_date") } else { stored.and_then(|s| s.1) };
            if before(entry, exit) {
                error(
                    ctx,
                    "exit_date",
                    "Der Austritt liegt vor dem Eintritt".into(),
                    "the exit is before the entry".into(),
                );
            }
            if p.has("exit_reason") && p.text("exit_reason").is_some() && exit.is_none() {
                warn(
                    ctx,
                    summary,
                    "exit_reason",
                    "Austrittsgrund ohne Austrittsdatum",
                    "exit reason without an exit date",
                );
            }
            if let Some((start, end)) = p.text("offer_id").and_then(|o| ctx.known.offer_period.get(o)).copied() {
                // Entry before the offer starts, or entry or exit after it ends.
                let outside = before(start, entry) || before(entry, end) || before(exit, end);
                if outside {
                    ctx.warn(
                        summary,
                        Problem::new(
                            file,
                            p.line,
                            "entry_date",
                            "Teilnahme liegt (teilweise) außerhalb des Angebotszeitraums",
                            "participation lies (partly) outside the offer's period",
                        ),
                    );
                }
            }
        }
        "outcomes.csv" => {
            if let (Some((entry, exit)), Some(date)) = (stored_part, p.date("date")) {
                if date < entry {
                    error(
                        ctx,
                        "date",
                        "Das Ergebnis liegt vor dem Eintritt".into(),
                        "the outcome is dated before the entry".into(),
                    );
                }
                match exit {
                    None => error(
                        ctx,
                        "participation_id",
                        "Ergebnis zu einer Teilnahme ohne Austritt".into(),
                        "outcome on a participation without an exit".into(),
                    ),
                    Some(x) if p.text("timing") == Some("at_exit") && (date - x).num_days() > 28 => {
                        ctx.warn(
                            summary,
                            Problem::new(
                                file,
                                p.line,
                                "date",
                                "Ergebnis „beim Austritt“ liegt mehr als 28 Tage nach dem Austritt",
                                "\"at exit\" outcome is dated more than 28 days after the exit",
                            ),
                        );
                    }
                    _ => {}
                }
            }
        }
        "consents.csv" => {
            match p.text("scope") {
                Some("share_with_provider") if p.has("provider_id") && p.text("provider_id").is_none() => error(
                    ctx,
                    "provider_id",
                    "„share_with_provider“ braucht einen Träger".into(),
                    "\"share_with_provider\" needs provider_id".into(),
                ),
                Some("process_for_program") if p.has("program_id") && p.text("program_id").is_none() => error(
                    ctx,
                    "program_id",
                    "„process_for_program“ braucht ein Programm".into(),
                    "\"process_for_program\" needs program_id".into(),
                ),
                _ => {}
            }
            if before(p.date("given_date"), p.date("withdrawn_date")) {
                warn(
                    ctx,
                    summary,
                    "withdrawn_date",
                    "Der Widerruf liegt vor der Einwilligung",
                    "withdrawn before it was given",
                );
            }
        }
        "finance.csv" | "budget.csv" if p.has("kind") => {
            let allowed: &[&str] = match p.text("kind") {
                Some("expense") => lotse_bundle::spec::EXPENSE_CATEGORY,
                Some("funding") => lotse_bundle::spec::FUNDING_CATEGORY,
                _ => lotse_bundle::spec::REVENUE_CATEGORY,
            };
            if let Some(cat) = p.text("category").filter(|c| !allowed.contains(c)) {
                error(
                    ctx,
                    "category",
                    format!(
                        "„{cat}“ passt nicht zur Art „{}“; erlaubt: {}",
                        p.text("kind").unwrap_or(""),
                        allowed.join(", ")
                    ),
                    format!(
                        "\"{cat}\" does not fit kind \"{}\"; allowed: {}",
                        p.text("kind").unwrap_or(""),
                        allowed.join(", ")
                    ),
                );
            }
        }
        _ => {}
    }
    ok
}

/// Keeps what later files and checks need to know about a valid row.
fn remember(
    p: &Parsed<'_>,
    key: &str,
    ctx: &mut Ctx<'_>,
    spans: &mut HashMap<String, Vec<(NaiveDate, Option<NaiveDate>)>>,
) {
    let file = p.spec.name;
    ctx.known.ids.entry(file).or_default().insert(key.to_owned());
    if file == "offers.csv" && p.has("delivery") {
        if p.text("delivery") == Some("group") {
            ctx.known.group_offers.insert(key.to_owned());
        } else {
            ctx.known.group_offers.remove(key);
        }
    }
    if ctx.known.cases.is_some() {
        remember_case(p, key, ctx);
    }
    match file {
        "offers.csv" => {
            let old = ctx.known.offer_period.get(key).copied().unwrap_or((None, None));
            let start = if p.has("start_date") { p.date("start_date") } else { old.0 };
            let end = if p.has("end_date") { p.date("end_date") } else { old.1 };
            ctx.known.offer_period.insert(key.to_owned(), (start, end));
            if p.has("capacity") {
                match p.int("capacity") {
                    Some(c) => ctx.known.offer_capacity.insert(key.to_owned(), c),
                    None => ctx.known.offer_capacity.remove(key),
                };
            }
        }
        "participations.csv" => {
            let old = ctx.known.participation.get(key).copied();
            // A new row has an entry date (required); an update may take the stored one.
            let Some(entry) = p.date("entry_date").or(old.map(|o| o.0)) else { return };
            let exit = if p.has("exit_date") { p.date("exit_date") } else { old.and_then(|o| o.1) };
            ctx.known.participation.insert(key.to_owned(), (entry, exit));
            if let Some(o) = p.text("offer_id").filter(|o| ctx.known.offer_capacity.contains_key(*o)) {
                spans.entry(o.to_owned()).or_default().push((entry, exit));
            }
        }
        _ => {}
    }
}

/// Keeps the facts of a valid row that the rules of case management need.
fn remember_case(p: &Parsed<'_>, key: &str, ctx: &mut Ctx<'_>) {
    let is_new = !ctx.known.stored.get(p.spec.name).is_some_and(|s| s.contains(key));
    let group_offers = &ctx.known.group_offers;
    let Some(c) = ctx.known.cases.as_mut() else { return };
    let set = |set: &mut HashSet<String>, on: bool| {
        if on {
            set.insert(key.to_owned());
        } else {
            set.remove(key);
        }
    };
    match p.spec.name {
        "participations.csv" => {
            if let Some(o) = p.text("offer_id") {
                set(&mut c.in_group, group_offers.contains(o));
            }
            if p.has("exit_reason") {
                set(&mut c.exit_reason, p.text("exit_reason").is_some());
            }
        }
        "outcomes.csv" if p.text("timing") == Some("at_exit") => {
            if let Some(part) = p.text("participation_id") {
                c.at_exit.insert(part.to_owned());
            }
        }
        "case_intakes.csv" => {
            if let Some(Cell::Bool(b)) = p.get("indicated") {
                c.intake.insert(key.to_owned(), *b);
            }
        }
        "assessments.csv" => {
            if let Some(part) = p.text("participation_id") {
                c.assessed.insert(part.to_owned());
            }
            if is_new {
                c.unrated.insert(key.to_owned(), p.line);
            }
        }
        "assessment_ratings.csv" => {
            if let Some(a) = p.text("assessment_id") {
                c.unrated.remove(a);
            }
        }
        "case_goals.csv" => {
            if let Some(part) = p.text("participation_id") {
                c.with_goal.insert(part.to_owned());
            }
        }
        "case_phases.csv" => {
            // A changed row replaces the stored phase (its columns the file lacks stay).
            let Some(part) = p
                .text("participation_id")
                .map(str::to_owned)
                .or_else(|| c.phases.iter().find(|(_, v)| v.iter().any(|r| r.id == key)).map(|(k, _)| k.clone()))
            else {
                return;
            };
            let mut old = None;
            for list in c.phases.values_mut() {
                if let Some(i) = list.iter().position(|r| r.id == key) {
                    old = Some(list.remove(i));
                }
            }
            let (Some(date), Some(phase)) = (
                p.date("date").or(old.as_ref().map(|o| o.date)),
                p.text("phase").map(str::to_owned).or(old.as_ref().map(|o| o.phase.clone())),
            ) else {
                return;
            };
            let created_at = match p.get("created_at") {
                Some(Cell::Timestamp(t)) => Some(*t),
                _ => old.and_then(|o| o.created_at),
            };
            c.touched.insert(part.clone());
            c.phases.entry(part).or_default().push(PhaseRow {
                id: key.to_owned(),
                date,
                created_at,
                phase,
                line: Some(p.line),
            });
        }
        _ => {}
    }
}

/// The rules that need every file read: an assessment rates at least one
/// life domain, and a case's phases follow the cycle (lotse_domain::case::
/// check_transition, with what is recorded of the case at the end).
fn final_checks(ctx: &mut Ctx<'_>) {
    use lotse_domain::case::{CaseFacts, Phase, check_transition};
    let Some(c) = ctx.known.cases.take() else { return };
    let mut unrated: Vec<(&String, &u64)> = c.unrated.iter().collect();
    unrated.sort_by_key(|(_, line)| **line);
    for (id, line) in unrated {
        ctx.error(Problem::new(
            "assessments.csv",
            *line,
            "assessment_id",
            format!("Einschätzung „{id}“ ohne Bewertung eines Lebensbereichs (assessment_ratings.csv)"),
            format!("assessment \"{id}\" rates no life domain (assessment_ratings.csv)"),
        ));
    }
    let mut touched: Vec<&String> = c.touched.iter().collect();
    touched.sort();
    for part in touched {
        let Some(list) = c.phases.get(part) else { continue };
        let mut list = list.clone();
        // As the case service orders them; a phase without a time is the import's, the newest.
        list.sort_by(|a, b| {
            (a.date, a.created_at.is_none(), a.created_at, &a.id).cmp(&(
                b.date,
                b.created_at.is_none(),
                b.created_at,
                &b.id,
            ))
        });
        let exit = ctx.known.participation.get(part).and_then(|p| p.1);
        let facts = CaseFacts {
            intake_indicated: c.intake.get(part).copied(),
            assessments: usize::from(c.assessed.contains(part)),
            goals: usize::from(c.with_goal.contains(part)),
            exit_date: exit,
            exit_reason: c.exit_reason.contains(part),
            at_exit_outcome: c.at_exit.contains(part),
        };
        // Where to report: the row itself, or the case's last row in the file.
        let last_line = list.iter().filter_map(|r| r.line).max().unwrap_or(1);
        let mut from: Option<Phase> = None;
        for row in &list {
            let line = row.line.unwrap_or(last_line);
            let Ok(to) = Phase::parse(&row.phase) else { break };
            let result = match from {
                None if to != Phase::Intake => Err(lotse_domain::DomainError::invalid(
                    "phase",
                    format!("Ein Fall beginnt mit der Phase „{}“.", Phase::Intake.label_de()),
                    "A case begins with the intake phase.",
                )),
                None => Ok(()),
                Some(f) => check_transition(f, to, &facts),
            };
            if let Err(lotse_domain::DomainError::Invalid { de, en, .. }) = result {
                ctx.error(Problem::new(
                    "case_phases.csv",
                    line,
                    "phase",
                    format!("Fall „{part}“, Phase „{}“: {de}", row.phase),
                    format!("case \"{part}\", phase \"{}\": {en}", row.phase),
                ));
                break;
            }
            from = Some(to);
        }
    }
}

/// The most spans overlapping on one day (both ends included).
pub fn peak_concurrent(spans: &mut [(NaiveDate, Option<NaiveDate>)]) -> i64 {
    let mut events: Vec<(NaiveDate, i64)> = Vec::with_capacity(spans.len() * 2);
    for (entry, exit) in spans.iter() {
        events.push((*entry, 1));
        if let Some(x) = exit.and_then(|x| x.succ_opt()) {
            events.push((x, -1));
        }
    }
    events.sort();
    let (mut cur, mut peak) = (0, 0);
    for (_, d) in events {
        cur += d;
        peak = peak.max(cur);
    }
    peak
}

#[cfg(test)]
mod tests {
    /// The bundle crate cannot see the domain's codes; they must not drift apart.
    #[test]
    fn the_bundle_codes_are_the_domain_codes() {
        use lotse_bundle::spec;
        use lotse_domain::case::{ContactType, LifeDomain, OutreachTopic, Phase, ReferralStatus, StepStatus, WayIn};
        use lotse_domain::person::{ResidenceStatus, WorkPermission};
        macro_rules! same {
            ($t:ty, $codes:expr) => {
                assert_eq!(<$t>::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(), $codes.to_vec(), stringify!($t));
            };
        }
        same!(Phase, spec::PHASE);
        same!(WayIn, spec::WAY_IN);
        same!(LifeDomain, spec::LIFE_DOMAIN);
        same!(StepStatus, spec::STEP_STATUS);
        same!(ReferralStatus, spec::REFERRAL_STATUS);
        same!(ContactType, spec::CONTACT_TYPE);
        same!(OutreachTopic, spec::OUTREACH_TOPIC);
        same!(ResidenceStatus, spec::RESIDENCE);
        same!(WorkPermission, spec::WORK_PERMISSION);
        assert_eq!(lotse_domain::case::RATING_MIN, 1);
        assert_eq!(lotse_domain::case::RATING_MAX, 5);
        assert_eq!(crate::cases::DOCUMENT_LIMIT as i64, spec::DOCUMENT_LIMIT);
    }
}
