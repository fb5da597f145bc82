//! The data reports read. It is loaded in one snapshot through storage's bulk
//! read path ([`lotse_db::backend::read_snapshot`]: no ORM cost per row), and
//! in a running server it stays resident per tenant for as long as the
//! tenant's data version is unchanged — every change made through Lotse
//! adds a row to `data_changes` in its own transaction
//! ([`crate::audit::record`]), and the version is read in the same snapshot
//! as the data, so a resident copy is never older than the last commit.
//!
//! A report then costs its computation only. The copy is the whole tenant
//! (every person, participation and outcome, never names); what one actor may
//! count is cut from it in memory ([`scoped`]).

use lotse_bundle::spec;
use lotse_db::backend::{BulkQuery, Cell, Kind, read_snapshot};
use lotse_db::entity::{
    budget_line, district, district_stat, finance, module, offer, outcome, participation, person, program, staff,
};
use lotse_domain::DomainError;
use lotse_domain::authz::PersonScope;
use lotse_reports::Period;
use lotse_reports::data::{self as rd, Dataset, code};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Iden, IntoColumnRef, Query, SelectStatement};
use sea_orm::{ColumnTrait, EntityName};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::error::db_err;

/// Which participations to load.
#[derive(Debug, Clone, Copy)]
pub enum Load {
    /// Everything (a resident copy serves every report and period).
    All,
    /// Those active in the period, and only their persons.
    Window(Period),
    /// Every person, no participations (eligibility).
    PersonsOnly,
}

#[derive(Debug, Clone, Copy)]
enum Table {
    Version,
    /// How many persons, offers, participations: room is made for them at
    /// once (growing the vectors row by row cost a third of the load).
    Sizes,
    Persons,
    Offers,
    Participations,
    Outcomes,
    Modules,
    Programs,
    Staff,
    Districts,
    DistrictStats,
    Finance,
    Budget,
}

/// The person columns reports read (no names, no contact data).
const PERSON_COLUMNS: [(person::Column, Kind); 16] = [
    (person::Column::Id, Kind::Text),
    (person::Column::ProviderId, Kind::Text),
    (person::Column::BirthDate, Kind::Date),
    (person::Column::Gender, Kind::Text),
    (person::Column::Nationality, Kind::Text),
    (person::Column::ResidenceStatus, Kind::Text),
    (person::Column::MigrationBackground, Kind::Text),
    (person::Column::DistrictId, Kind::Text),
    (person::Column::Municipality, Kind::Text),
    (person::Column::HouseholdId, Kind::Text),
    (person::Column::SingleParent, Kind::Text),
    (person::Column::Disability, Kind::Text),
    (person::Column::EducationIsced, Kind::Int),
    (person::Column::LabourStatus, Kind::Text),
    (person::Column::Sgb2Months24, Kind::Int),
    (person::Column::Homeless, Kind::Text),
];

fn select<E, C>(entity: E, tenant: &str, tenant_col: C, cols: &[(C, Kind)]) -> BulkQuery
where
    E: EntityName + Iden + Copy + 'static,
    C: ColumnTrait + IntoColumnRef + Copy,
{
    let mut q = Query::select();
    q.from(entity).columns(cols.iter().map(|(c, _)| *c)).and_where(Expr::col(tenant_col).eq(tenant));
    BulkQuery { select: q, kinds: cols.iter().map(|(_, k)| *k).collect() }
}

fn filtered(mut q: BulkQuery, cond: Condition) -> BulkQuery {
    q.select.cond_where(cond);
    q
}

/// The participations active in `w` (the same rule as `lotse_reports::rules::active`).
fn active_in(tenant: &str, w: Period) -> SelectStatement {
    let mut sub = Query::select();
    sub.from(participation::Entity)
        .column(participation::Column::Id)
        .and_where(Expr::col(participation::Column::TenantId).eq(tenant))
        .and_where(Expr::col(participation::Column::EntryDate).lte(w.to))
        .cond_where(
            Condition::any()
                .add(Expr::col(participation::Column::ExitDate).is_null())
                .add(Expr::col(participation::Column::ExitDate).gte(w.from)),
        );
    sub
}

fn queries(t: &str, load: Load) -> Vec<(Table, BulkQuery)> {
    use Kind::*;
    let mut qs = Vec::new();
    qs.push((Table::Version, BulkQuery { select: lotse_db::backend::data_version_query(t), kinds: vec![Int] }));
    if let Load::All = load {
        let count = |table: &'static str| {
            let mut q = Query::select();
            q.expr(Expr::col(sea_orm::sea_query::Asterisk).count())
                .from(sea_orm::sea_query::Alias::new(table))
                .and_where(Expr::col(sea_orm::sea_query::Alias::new("tenant_id")).eq(t));
            Expr::SubQuery(None, Box::new(q.into()))
        };
        let mut sizes = Query::select();
        sizes.expr(count("persons")).expr(count("offers")).expr(count("participations"));
        qs.push((Table::Sizes, BulkQuery { select: sizes, kinds: vec![Int, Int, Int] }));
    }
    let persons = select(person::Entity, t, person::Column::TenantId, &PERSON_COLUMNS);
    qs.push((
        Table::Persons,
        match load {
            Load::Window(w) => {
                let mut ids = active_in(t, w);
                ids.clear_selects().column(participation::Column::PersonId);
                filtered(persons, Condition::all().add(Expr::col(person::Column::Id).in_subquery(ids)))
            }
            Load::All | Load::PersonsOnly => persons,
        },
    ));
    use offer::Column as O;
    qs.push((
        Table::Offers,
        select(
            offer::Entity,
            t,
            O::TenantId,
            &[
                (O::Id, Text),
                (O::Name, Text),
                (O::ProviderId, Text),
                (O::ModuleId, Text),
                (O::Delivery, Text),
                (O::Topic, Text),
                (O::LifeStage, Text),
                (O::DistrictId, Text),
                (O::StartDate, Date),
                (O::EndDate, Date),
                (O::Capacity, Int),
                (O::UnregisteredParticipants, Int),
            ],
        ),
    ));
    use participation::Column as P;
    let parts = select(
        participation::Entity,
        t,
        P::TenantId,
        &[
            (P::Id, Text),
            (P::PersonId, Text),
            (P::OfferId, Text),
            (P::StaffId, Text),
            (P::EntryDate, Date),
            (P::ExitDate, Date),
            (P::ExitReason, Text),
        ],
    );
    use outcome::Column as Oc;
    let outcomes = select(
        outcome::Entity,
        t,
        Oc::TenantId,
        &[(Oc::Id, Text), (Oc::ParticipationId, Text), (Oc::Kind, Text), (Oc::Date, Date), (Oc::Timing, Text)],
    );
    match load {
        Load::All => {
            qs.push((Table::Participations, parts));
            qs.push((Table::Outcomes, outcomes));
        }
        Load::Window(w) => {
            let active = active_in(t, w);
            qs.push((
                Table::Participations,
                filtered(parts, Condition::all().add(Expr::col(P::Id).in_subquery(active.clone()))),
            ));
            qs.push((
                Table::Outcomes,
                filtered(outcomes, Condition::all().add(Expr::col(Oc::ParticipationId).in_subquery(active))),
            ));
        }
        Load::PersonsOnly => {}
    }
    use module::Column as M;
    qs.push((
        Table::Modules,
        select(
            module::Entity,
            t,
            M::TenantId,
            &[(M::Id, Text), (M::ProgramId, Text), (M::Number, Int), (M::Name, Text), (M::Kind, Text)],
        ),
    ));
    use program::Column as Pr;
    qs.push((
        Table::Programs,
        select(
            program::Entity,
            t,
            Pr::TenantId,
            &[
                (Pr::Id, Text),
                (Pr::Name, Text),
                (Pr::Funder, Text),
                (Pr::StartDate, Date),
                (Pr::EndDate, Date),
                (Pr::TargetGroup, Text),
            ],
        ),
    ));
    use staff::Column as S;
    qs.push((
        Table::Staff,
        select(
            staff::Entity,
            t,
            S::TenantId,
            &[(S::Id, Text), (S::ProviderId, Text), (S::Name, Text), (S::Fte, Float)],
        ),
    ));
    use district::Column as D;
    qs.push((
        Table::Districts,
        select(
            district::Entity,
            t,
            D::TenantId,
            &[(D::Id, Text), (D::Name, Text), (D::ParentId, Text), (D::AreaKm2, Float)],
        ),
    ));
    use district_stat::Column as Ds;
    qs.push((
        Table::DistrictStats,
        select(
            district_stat::Entity,
            t,
            Ds::TenantId,
            &[(Ds::DistrictId, Text), (Ds::Year, Int), (Ds::Indicator, Text), (Ds::Value, Float)],
        ),
    ));
    use finance::Column as F;
    qs.push((
        Table::Finance,
        select(
            finance::Entity,
            t,
            F::TenantId,
            &[
                (F::Id, Text),
                (F::Year, Int),
                (F::Kind, Text),
                (F::Category, Text),
                (F::ProgramId, Text),
                (F::AmountCents, Int),
            ],
        ),
    ));
    use budget_line::Column as B;
    qs.push((
        Table::Budget,
        select(
            budget_line::Entity,
            t,
            B::TenantId,
            &[(B::ProgramId, Text), (B::Year, Int), (B::Kind, Text), (B::Category, Text), (B::AmountCents, Int)],
        ),
    ));
    qs
}

/// Builds the [`Dataset`] from the rows as they come.
struct Builder {
    tables: Vec<Table>,
    data: Dataset,
    version: i64,
    person_ix: IdIndex,
    offer_ix: IdIndex,
    part_ix: IdIndex,
}

/// Row numbers by id, keyed by a 64-bit hash of the id rather than a copy
/// of it (a million persons and three million participations would
/// otherwise copy every id once more while loading). A lookup compares the
/// id stored at the row found; the rare ids whose hash another id already
/// has are kept by their full text.
struct IdIndex<H = std::hash::RandomState> {
    by_hash: HashMap<u64, usize, std::hash::BuildHasherDefault<PassThrough>>,
    collided: HashMap<String, usize>,
    hasher: H,
}

impl Default for IdIndex {
    fn default() -> Self {
        IdIndex { by_hash: HashMap::default(), collided: HashMap::new(), hasher: std::hash::RandomState::new() }
    }
}

impl<H: std::hash::BuildHasher> IdIndex<H> {
    fn insert(&mut self, id: &str, row: usize) {
        match self.by_hash.entry(self.hasher.hash_one(id)) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(row);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(id.to_owned(), row);
            }
        }
    }

    fn reserve(&mut self, n: usize) {
        self.by_hash.reserve(n);
    }

    /// The row of `id`; `id_at` gives the id stored at a row.
    fn get<'a>(&self, id: &str, id_at: impl Fn(usize) -> &'a str) -> Option<usize> {
        match self.by_hash.get(&self.hasher.hash_one(id)) {
            Some(&row) if id_at(row) == id => Some(row),
            Some(_) => self.collided.get(id).copied(),
            None => None,
        }
    }
}

/// The hash of an [`IdIndex`] key is the key itself (already a hash).
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn req(c: Cell<'_>, what: &str) -> Result<String, String> {
    c.text().map(str::to_owned).ok_or_else(|| format!("{what} fehlt"))
}

fn opt(c: Cell<'_>) -> Option<String> {
    c.text().map(str::to_owned)
}

impl lotse_db::backend::RowSink for Builder {
    fn row(&mut self, q: usize, c: &[Cell<'_>]) -> Result<(), String> {
        let d = &mut self.data;
        match self.tables[q] {
            Table::Version => self.version = c[0].int().unwrap_or(0),
            Table::Sizes => {
                let n = |i: usize| usize::try_from(c[i].int().unwrap_or(0)).unwrap_or(0);
                d.persons.reserve_exact(n(0));
                self.person_ix.reserve(n(0));
                d.offers.reserve_exact(n(1));
                self.offer_ix.reserve(n(1));
                d.participations.reserve_exact(n(2));
                self.part_ix.reserve(n(2));
            }
            Table::Persons => {
                let id = req(c[0], "person_id")?;
                self.person_ix.insert(&id, d.persons.len());
                d.persons.push(rd::Person {
                    id,
                    provider_id: req(c[1], "provider_id")?,
                    birth_date: c[2].date(),
                    gender: rd::gender(c[3].text().unwrap_or("")),
                    nationality: opt(c[4]),
                    residence_status: code(spec::RESIDENCE, c[5].text()),
                    migration_background: code(spec::YES_NO, c[6].text()),
                    district_id: opt(c[7]),
                    municipality: opt(c[8]),
                    household_id: opt(c[9]),
                    single_parent: code(spec::YES_NO, c[10].text()),
                    disability: code(spec::YES_NO, c[11].text()),
                    education_isced: c[12].int().map(|v| v as i16),
                    labour_status: code(spec::LABOUR, c[13].text()),
                    sgb2_months_24: c[14].int().map(|v| v as i16),
                    homeless: code(spec::YES_NO, c[15].text()),
                });
            }
            Table::Offers => {
                let id = req(c[0], "offer_id")?;
                self.offer_ix.insert(&id, d.offers.len());
                d.offers.push(rd::Offer {
                    id,
                    name: req(c[1], "name")?,
                    provider_id: req(c[2], "provider_id")?,
                    module_id: opt(c[3]),
                    delivery: code(spec::DELIVERY, c[4].text()).unwrap_or("individual"),
                    topic: code(spec::TOPIC, c[5].text()),
                    life_stage: code(spec::LIFE_STAGE, c[6].text()),
                    district_id: opt(c[7]),
                    start: c[8].date(),
                    end: c[9].date(),
                    capacity: c[10].int(),
                    unregistered: c[11].int(),
                    in_scope: true,
                });
            }
            Table::Participations => {
                let (Some(person), Some(offer)) = (
                    c[1].text().and_then(|p| self.person_ix.get(p, |i| &d.persons[i].id)),
                    c[2].text().and_then(|o| self.offer_ix.get(o, |i| &d.offers[i].id)),
                ) else {
                    return Ok(());
                };
                let id = req(c[0], "participation_id")?;
                self.part_ix.insert(&id, d.participations.len());
                d.participations.push(rd::Participation {
                    id,
                    person,
                    offer,
                    staff_id: opt(c[3]),
                    entry: c[4].date().ok_or("entry_date fehlt")?,
                    exit: c[5].date(),
                    exit_reason: code(spec::EXIT_REASON, c[6].text()),
                    outcomes: Vec::new(),
                });
            }
            Table::Outcomes => {
                if let Some(i) = c[1].text().and_then(|p| self.part_ix.get(p, |i| &d.participations[i].id)) {
                    d.participations[i].outcomes.push(rd::Outcome {
                        id: req(c[0], "outcome_id")?,
                        kind: code(spec::OUTCOME_KIND, c[2].text()).unwrap_or("none"),
                        date: c[3].date().ok_or("date fehlt")?,
                        timing: code(spec::TIMING, c[4].text()).unwrap_or("at_exit"),
                    });
                }
            }
            Table::Modules => d.modules.push(rd::Module {
                id: req(c[0], "module_id")?,
                program_id: req(c[1], "program_id")?,
                number: c[2].int().map(|n| n as i32),
                name: req(c[3], "name")?,
                kind: code(spec::MODULE_KIND, c[4].text()),
            }),
            Table::Programs => d.programs.push(rd::Program {
                id: req(c[0], "program_id")?,
                name: req(c[1], "name")?,
                funder: opt(c[2]),
                start: c[3].date(),
                end: c[4].date(),
                target_group: opt(c[5]),
            }),
            Table::Staff => d.staff.push(rd::Staff {
                id: req(c[0], "staff_id")?,
                provider_id: req(c[1], "provider_id")?,
                name: req(c[2], "name")?,
                fte: c[3].float(),
            }),
            Table::Districts => d.districts.push(rd::District {
                id: req(c[0], "district_id")?,
                name: req(c[1], "name")?,
                parent_id: opt(c[2]),
                area_km2: c[3].float(),
            }),
            Table::DistrictStats => d.district_stats.push(rd::DistrictStat {
                district_id: req(c[0], "district_id")?,
                year: c[1].int().ok_or("year fehlt")? as i32,
                indicator: req(c[2], "indicator")?,
                value: c[3].float().ok_or("value fehlt")?,
            }),
            Table::Finance => d.finance.push(rd::FinanceEntry {
                id: req(c[0], "finance_id")?,
                year: c[1].int().ok_or("year fehlt")? as i32,
                kind: code(spec::FINANCE_KIND, c[2].text()).unwrap_or("expense"),
                category: code(spec::FINANCE_CATEGORY, c[3].text()),
                program_id: opt(c[4]),
                amount_cents: c[5].int().ok_or("amount fehlt")?,
            }),
            Table::Budget => d.budget.push(rd::BudgetLine {
                program_id: req(c[0], "program_id")?,
                year: c[1].int().ok_or("year fehlt")? as i32,
                kind: code(spec::BUDGET_KIND, c[2].text()).unwrap_or("expense"),
                category: code(spec::FINANCE_CATEGORY, c[3].text()),
                amount_cents: c[4].int().ok_or("amount fehlt")?,
            }),
        }
        Ok(())
    }
}

/// Loads the tenant's report data in one snapshot, with the data version it
/// has in that snapshot. Every offer is in scope; see [`scoped`].
pub async fn load(db: &lotse_db::Db, tenant: &str, load: Load) -> Result<(i64, Dataset), DomainError> {
    let started = Instant::now();
    let (tables, qs): (Vec<Table>, Vec<BulkQuery>) = queries(tenant, load).into_iter().unzip();
    let builder = Builder {
        tables,
        data: Dataset { tenant: tenant.to_owned(), ..Default::default() },
        version: 0,
        person_ix: IdIndex::default(),
        offer_ix: IdIndex::default(),
        part_ix: IdIndex::default(),
    };
    let b = read_snapshot(db, qs, builder).await.map_err(db_err)?;
    tracing::debug!(
        persons = b.data.persons.len(),
        participations = b.data.participations.len(),
        ms = started.elapsed().as_millis() as u64,
        "report data loaded"
    );
    Ok((b.version, b.data))
}

/// What `scope` may count of the tenant's data: the department everything,
/// provider staff their provider's persons, their participations, staff and
/// (as `in_scope`) group offers.
pub fn scoped(full: &Arc<Dataset>, scope: &PersonScope) -> Arc<Dataset> {
    let PersonScope::Provider(p) = scope else { return full.clone() };
    let p = p.as_str();
    let mut new_ix = vec![usize::MAX; full.persons.len()];
    let mut persons = Vec::new();
    for (i, person) in full.persons.iter().enumerate() {
        if person.provider_id == p {
            new_ix[i] = persons.len();
            persons.push(person.clone());
        }
    }
    let participations = full
        .participations
        .iter()
        .filter(|x| new_ix[x.person] != usize::MAX)
        .map(|x| rd::Participation { person: new_ix[x.person], ..x.clone() })
        .collect();
    let offers = full.offers.iter().map(|o| rd::Offer { in_scope: o.provider_id == p, ..o.clone() }).collect();
    Arc::new(Dataset {
        tenant: full.tenant.clone(),
        persons,
        participations,
        offers,
        modules: full.modules.clone(),
        programs: full.programs.clone(),
        staff: full.staff.iter().filter(|s| s.provider_id == p).cloned().collect(),
        districts: full.districts.clone(),
        district_stats: full.district_stats.clone(),
        finance: full.finance.clone(),
        budget: full.budget.clone(),
    })
}

/// Resident copies of tenants' report data, at most `max` tenants (the least
/// recently used goes first).
pub struct Resident {
    max: usize,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    clock: AtomicU64,
    /// One load at a time: a large tenant's takes both cores and gigabytes.
    loading: Arc<tokio::sync::Semaphore>,
    loads: AtomicU64,
}

#[derive(Default)]
struct Slot {
    data: Arc<tokio::sync::Mutex<Option<(i64, Arc<Dataset>)>>>,
    /// Whether `data` holds a copy (read without its lock, for eviction).
    loaded: AtomicBool,
    used: AtomicU64,
}

impl Resident {
    pub fn new(max: usize) -> Self {
        Resident {
            max: max.max(1),
            slots: Mutex::default(),
            clock: AtomicU64::new(0),
            loading: Arc::new(tokio::sync::Semaphore::new(1)),
            loads: AtomicU64::new(0),
        }
    }

    /// The tenant's data as of now: the resident copy unless a change was
    /// committed since it was read, else a fresh load (one per tenant at a
    /// time; who asks meanwhile waits for it and gets it).
    pub async fn get(&self, db: &lotse_db::Db, tenant: &str) -> Result<Arc<Dataset>, DomainError> {
        let slot = self.slots.lock().expect("slots").entry(tenant.to_owned()).or_default().clone();
        slot.used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        let now = crate::audit::data_version(db, tenant).await?;
        let mut held = slot.data.clone().lock_owned().await;
        // The version only grows: a copy another request loaded meanwhile
        // may be newer than `now`, never older than what `now` covers.
        if let Some((version, data)) = held.as_ref()
            && *version >= now
        {
            tracing::debug!(version, "report data resident");
            return Ok(data.clone());
        }
        // Free the stale copy before loading the new one. The load runs as a
        // task of its own, so that a request that goes away meanwhile (a
        // closed browser tab) does not abandon it for the next to start over.
        *held = None;
        slot.loaded.store(false, Ordering::Relaxed);
        self.loads.fetch_add(1, Ordering::Relaxed);
        let (db, t, permits, filled) = (db.clone(), tenant.to_owned(), self.loading.clone(), slot.clone());
        let task = tokio::spawn(async move {
            let _one_at_a_time = permits.acquire_owned().await.map_err(DomainError::internal)?;
            let (version, data) = load(&db, &t, Load::All).await?;
            let data = Arc::new(data);
            *held = Some((version, data.clone()));
            filled.loaded.store(true, Ordering::Relaxed);
            Ok::<_, DomainError>(data)
        });
        let data = task.await.map_err(DomainError::internal)??;
        self.evict(tenant);
        Ok(data)
    }

    /// How many times a tenant's data was loaded (for tests and metrics).
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// The tenants whose data is resident now.
    pub fn resident_tenants(&self) -> usize {
        self.slots.lock().expect("slots").values().filter(|s| s.loaded.load(Ordering::Relaxed)).count()
    }

    /// Drops the least recently used copies until at most `max` are resident
    /// (`keep`, just loaded, stays).
    fn evict(&self, keep: &str) {
        let slots = self.slots.lock().expect("slots");
        let mut others: Vec<&Arc<Slot>> = slots
            .iter()
            .filter(|(t, s)| t.as_str() != keep && s.loaded.load(Ordering::Relaxed))
            .map(|(_, s)| s)
            .collect();
        others.sort_by_key(|s| s.used.load(Ordering::Relaxed));
        let mut resident = others.len() + 1;
        for s in others {
            if resident <= self.max {
                break;
            }
            // A copy being read at this instant stays until the next eviction.
            if let Ok(mut d) = s.data.try_lock() {
                *d = None;
                s.loaded.store(false, Ordering::Relaxed);
                resident -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids whose hashes collide (here: all of them) are still found, each at its own row.
    #[test]
    fn id_index_survives_hash_collisions() {
        struct Same;
        struct Seven;
        impl std::hash::Hasher for Seven {
            fn finish(&self) -> u64 {
                7
            }
            fn write(&mut self, _: &[u8]) {}
        }
        impl std::hash::BuildHasher for Same {
            type Hasher = Seven;
            fn build_hasher(&self) -> Seven {
                Seven
            }
        }
        let ids: Vec<String> = (0..50).map(|i| format!("p{i}")).collect();
        let mut ix = IdIndex { by_hash: HashMap::default(), collided: HashMap::new(), hasher: Same };
        for (row, id) in ids.iter().enumerate() {
            ix.insert(id, row);
        }
        for (row, id) in ids.iter().enumerate() {
            assert_eq!(ix.get(id, |r| &ids[r]), Some(row), "{id}");
        }
        assert_eq!(ix.get("unknown", |r| &ids[r]), None);
        let mut real = IdIndex::default();
        for (row, id) in ids.iter().enumerate() {
            real.insert(id, row);
        }
        assert!(ids.iter().enumerate().all(|(row, id)| real.get(id, |r| &ids[r]) == Some(row)));
    }
}
