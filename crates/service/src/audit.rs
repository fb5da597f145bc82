//! The audit trail: recording, sealing into the hash chain, verifying,
//! querying and crypto-shredding.
//!
//! Recording happens inside the transaction of the change itself, so a change
//! without its entry cannot be committed. Entries are written unsealed; the
//! sealer chains each tenant's new entries in batches. So writers never wait
//! for a global lock: the chain head is touched once per batch and tenant,
//! not once per write.

use chrono::{DateTime, SecondsFormat, Utc};
use lotse_db::entity::{audit_entry, audit_head, person_key};
use lotse_domain::audit::{AuditAction, ChainedFields, GENESIS, chain_hash};
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::{Actor, DomainError, TenantId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;

use crate::Lotse;
use crate::crypto;
use crate::error::db_err;
use crate::page::{Order, Page, PageRequest};

/// The orders the audit trail offers ("seq" is the time of the entry).
pub const AUDIT_ORDERS: &[&str] = &["seq", "actor", "action", "entity"];

/// What is recorded about one action.
pub struct Event<'a> {
    pub action: AuditAction,
    pub entity: &'a str,
    pub entity_id: &'a str,
    /// The person whose data this is; their key encrypts `changes`.
    pub person: Option<&'a str>,
    pub changes: Option<serde_json::Value>,
}

impl<'a> Event<'a> {
    pub fn new(action: AuditAction, entity: &'a str, entity_id: &'a str) -> Self {
        Event { action, entity, entity_id, person: None, changes: None }
    }

    /// The entry concerns this person's data: `changes` are encrypted with their key.
    pub fn of_person(mut self, person: &'a str) -> Self {
        self.person = Some(person);
        self
    }

    pub fn changes(mut self, changes: serde_json::Value) -> Self {
        self.changes = Some(changes);
        self
    }
}

/// Writes an unsealed entry in the caller's transaction.
pub async fn record(conn: &impl ConnectionTrait, actor: &Actor, event: Event<'_>) -> Result<(), DomainError> {
    let tenant = actor.tenant.as_str();
    let changes = match (event.changes, event.person) {
        (None, _) => None,
        (Some(v), None) => Some(v.to_string()),
        (Some(v), Some(person)) => {
            let key = person_key(conn, tenant, person).await?;
            Some(crypto::seal(&key, &format!("{tenant}/{person}"), &v.to_string())?)
        }
    };
    audit_entry::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        id: Set(uuid::Uuid::now_v7().to_string()),
        seq: Set(None),
        at: Set(Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)),
        actor: Set(actor.login.as_str().to_owned()),
        action: Set(event.action.as_str().to_owned()),
        entity: Set(event.entity.to_owned()),
        entity_id: Set(event.entity_id.chars().take(128).collect()),
        person_id: Set(event.person.map(str::to_owned)),
        changes: Set(changes),
        address: Set(actor.address.clone()),
        reason: Set(actor.break_glass.clone()),
        hash: Set(None),
    }
    .insert(conn)
    .await
    .map_err(db_err)?;
    if changes_report_data(event.action, event.entity) {
        data_changed(conn, tenant).await?;
    }
    Ok(())
}

/// Entities whose changes no report reads. Everything else that is created,
/// changed or deleted makes a resident copy of the tenant's report data
/// stale (see `crate::reports`); when in doubt an entity is not listed here,
/// since a needless reload costs time and a missed one shows wrong figures.
const NOT_REPORT_DATA: &[&str] = &["user", "token", "inquiry", "published_report"];

fn changes_report_data(action: AuditAction, entity: &str) -> bool {
    matches!(action, AuditAction::Create | AuditAction::Update | AuditAction::Delete)
        && !NOT_REPORT_DATA.contains(&entity)
}

/// Counts a change of the tenant's data, in the change's transaction: every
/// change is recorded here, so the count cannot miss one made through Lotse.
/// An insert of its own row, so concurrent writers never wait for each other
/// here (an update of one counter row would hold its lock until commit — a
/// long import would stall every edit of the tenant, and could deadlock
/// with one on PostgreSQL).
async fn data_changed(conn: &impl ConnectionTrait, tenant: &str) -> Result<(), DomainError> {
    use lotse_db::entity::data_change as dc;
    dc::ActiveModel { tenant_id: Set(tenant.to_owned()), id: Set(uuid::Uuid::new_v4().simple().to_string()) }
        .insert(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// The tenant's data version: it grows with every committed change of its
/// report data (0 before the first).
pub async fn data_version(conn: &impl ConnectionTrait, tenant: &str) -> Result<i64, DomainError> {
    let q = lotse_db::backend::data_version_query(tenant);
    let row = conn.query_one_raw(conn.get_database_backend().build(&q)).await.map_err(db_err)?;
    match row {
        Some(r) => r.try_get_by_index::<Option<i64>>(0).map(Option::unwrap_or_default).map_err(db_err),
        None => Ok(0),
    }
}

/// The person's key, created on first use.
async fn person_key(conn: &impl ConnectionTrait, tenant: &str, person: &str) -> Result<Vec<u8>, DomainError> {
    if let Some(k) =
        person_key::Entity::find_by_id((tenant.to_owned(), person.to_owned())).one(conn).await.map_err(db_err)?
    {
        return Ok(k.key);
    }
    let key = crypto::random_bytes::<32>().to_vec();
    person_key::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        person_id: Set(person.to_owned()),
        key: Set(key.clone()),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
    .map_err(db_err)?;
    Ok(key)
}

/// Erases a person's key: their values in the trail can no longer be read.
pub async fn shred(conn: &impl ConnectionTrait, tenant: &TenantId, person: &str) -> Result<(), DomainError> {
    person_key::Entity::delete_by_id((tenant.as_str().to_owned(), person.to_owned()))
        .exec(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

const SEAL_BATCH: u64 = 2000;

fn fields(e: &audit_entry::Model, seq: i64) -> ChainedFields<'_> {
    ChainedFields {
        tenant: &e.tenant_id,
        seq,
        id: &e.id,
        at: &e.at,
        actor: &e.actor,
        action: &e.action,
        entity: &e.entity,
        entity_id: &e.entity_id,
        person_id: e.person_id.as_deref(),
        changes: e.changes.as_deref(),
        address: e.address.as_deref(),
        reason: e.reason.as_deref(),
    }
}

impl Lotse {
    /// Chains every tenant's unsealed entries; returns how many were sealed.
    pub async fn seal_audit(&self) -> Result<u64, DomainError> {
        let tenants: Vec<String> = audit_entry::Entity::find()
            .select_only()
            .column(audit_entry::Column::TenantId)
            .filter(audit_entry::Column::Seq.is_null())
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut sealed = 0;
        // Fold the counted data changes into each tenant's data version
        // (keeps counting them cheap; the version itself does not move).
        lotse_db::backend::fold_data_changes(&self.db).await.map_err(db_err)?;
        for t in tenants {
            loop {
                let n = self.seal_batch(&t).await?;
                sealed += n;
                if n < SEAL_BATCH {
                    break;
                }
            }
        }
        Ok(sealed)
    }

    /// Seals up to one batch of a tenant's entries in one transaction. The
    /// chain head is updated first and conditionally, so two sealers racing
    /// on the same tenant cannot both extend it: the second finds the head
    /// moved and gives way.
    async fn seal_batch(&self, tenant: &str) -> Result<u64, DomainError> {
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let head = audit_head::Entity::find_by_id(tenant.to_owned()).one(&txn).await.map_err(db_err)?;
        let (mut seq, mut hash) = head.as_ref().map_or((0, GENESIS.to_owned()), |h| (h.last_seq, h.last_hash.clone()));
        let pending = audit_entry::Entity::find()
            .filter(audit_entry::Column::TenantId.eq(tenant))
            .filter(audit_entry::Column::Seq.is_null())
            .order_by_asc(audit_entry::Column::Id)
            .limit(SEAL_BATCH)
            .all(&txn)
            .await
            .map_err(db_err)?;
        if pending.is_empty() {
            return Ok(0);
        }
        let start_seq = seq;
        let mut sealed = Vec::with_capacity(pending.len());
        for e in &pending {
            seq += 1;
            hash = chain_hash(&hash, &fields(e, seq));
            sealed.push((e.id.clone(), seq, hash.clone()));
        }
        // Claim the head first.
        if head.is_some() {
            let moved = audit_head::Entity::update_many()
                .col_expr(audit_head::Column::LastSeq, Expr::value(seq))
                .col_expr(audit_head::Column::LastHash, Expr::value(hash.clone()))
                .filter(audit_head::Column::TenantId.eq(tenant))
                .filter(audit_head::Column::LastSeq.eq(start_seq))
                .exec(&txn)
                .await
                .map_err(db_err)?;
            if moved.rows_affected != 1 {
                return Ok(0); // another sealer got there first; dropping txn rolls back
            }
        } else {
            let inserted = audit_head::ActiveModel {
                tenant_id: Set(tenant.to_owned()),
                last_seq: Set(seq),
                last_hash: Set(hash.clone()),
            }
            .insert(&txn)
            .await;
            if inserted.is_err() {
                return Ok(0);
            }
        }
        for (id, s, h) in sealed {
            audit_entry::Entity::update_many()
                .col_expr(audit_entry::Column::Seq, Expr::value(s))
                .col_expr(audit_entry::Column::Hash, Expr::value(h))
                .filter(audit_entry::Column::TenantId.eq(tenant))
                .filter(audit_entry::Column::Id.eq(id))
                .exec(&txn)
                .await
                .map_err(db_err)?;
        }
        txn.commit().await.map_err(db_err)?;
        Ok(pending.len() as u64)
    }

    /// Recomputes the actor's tenant's chain (auditors, and the command line).
    pub async fn verify_audit(&self, actor: &Actor) -> Result<ChainReport, DomainError> {
        authorize(actor, Action::Read, &Resource::AuditTrail)?;
        self.verify_chain(&actor.tenant).await
    }

    /// Seals what is pending, then recomputes the tenant's whole chain up to
    /// the head read at the start: entries sealed meanwhile (a live server
    /// goes on writing) belong to the next check, not to a false alarm.
    async fn verify_chain(&self, tenant: &TenantId) -> Result<ChainReport, DomainError> {
        self.seal_audit().await?;
        let head = audit_head::Entity::find_by_id(tenant.as_str().to_owned()).one(&self.db).await.map_err(db_err)?;
        let last = head.as_ref().map_or(0, |h| h.last_seq);
        let mut report = ChainReport {
            tenant: tenant.to_string(),
            entries: 0,
            ok: true,
            problems: vec![],
            head_seq: last,
            head_hash: head.as_ref().map(|h| h.last_hash.clone()),
        };
        let mut prev = GENESIS.to_owned();
        let mut expected_seq = 1i64;
        loop {
            let batch = audit_entry::Entity::find()
                .filter(audit_entry::Column::TenantId.eq(tenant.as_str()))
                .filter(audit_entry::Column::Seq.gte(expected_seq))
                .filter(audit_entry::Column::Seq.lte(last))
                .order_by_asc(audit_entry::Column::Seq)
                .limit(5000)
                .all(&self.db)
                .await
                .map_err(db_err)?;
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                let seq = e.seq.unwrap_or_default();
                if seq != expected_seq {
                    report.problem(seq, format!("Eintrag {expected_seq} fehlt (nächster vorhandener: {seq})"));
                    expected_seq = seq;
                }
                let h = chain_hash(&prev, &fields(e, seq));
                if Some(&h) != e.hash.as_ref() {
                    report.problem(seq, format!("Prüfsumme stimmt nicht: Eintrag {seq} ({}) wurde verändert", e.id));
                }
                // Go on from the stored hash, so one changed entry is reported once.
                prev = e.hash.clone().unwrap_or(h);
                expected_seq += 1;
                report.entries += 1;
            }
        }
        match head {
            Some(h) if h.last_seq != expected_seq - 1 || h.last_hash != prev => report.problem(
                h.last_seq,
                format!(
                    "Kettenende passt nicht: das Ende verweist auf Eintrag {}, vorhanden ist bis Eintrag {}",
                    h.last_seq,
                    expected_seq - 1
                ),
            ),
            None if report.entries > 0 => report.problem(0, "Kettenende fehlt".into()),
            _ => {}
        }
        Ok(report)
    }

    /// The audit trail, newest first, for auditors.
    pub async fn audit_entries(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditView>, DomainError> {
        self.audit_entries_ordered(actor, filter, page, None).await
    }

    /// The entries in an order of [`AUDIT_ORDERS`] (default: newest first).
    pub async fn audit_entries_ordered(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        page: PageRequest,
        order: Option<&Order>,
    ) -> Result<Page<AuditView>, DomainError> {
        authorize(actor, Action::Read, &Resource::AuditTrail)?;
        for (field, v) in [
            ("entity", &filter.entity),
            ("entity_id", &filter.entity_id),
            ("action", &filter.action),
            ("actor", &filter.actor),
        ] {
            lotse_domain::text::clean_opt(field, v.as_deref(), 128)?;
        }
        self.seal_audit().await?;
        let mut q = audit_entry::Entity::find().filter(audit_entry::Column::TenantId.eq(actor.tenant.as_str()));
        if let Some(e) = &filter.entity {
            q = q.filter(audit_entry::Column::Entity.eq(e.as_str()));
        }
        if let Some(e) = &filter.entity_id {
            q = q.filter(audit_entry::Column::EntityId.eq(e.as_str()));
        }
        if let Some(a) = &filter.action {
            q = q.filter(audit_entry::Column::Action.eq(a.as_str()));
        }
        if let Some(a) = &filter.actor {
            q = q.filter(audit_entry::Column::Actor.eq(a.as_str()));
        }
        if let Some(o) = order {
            Order::parse(&o.key, AUDIT_ORDERS)?;
            let col = match o.key.as_str() {
                "actor" => Some(audit_entry::Column::Actor),
                "action" => Some(audit_entry::Column::Action),
                "entity" => Some(audit_entry::Column::Entity),
                _ => None,
            };
            match col {
                Some(c) => q = q.order_by(c, o.direction()),
                // Time is the chain's order.
                None => q = q.order_by(audit_entry::Column::Seq, o.direction()),
            }
        }
        let (rows, total) = page.fetch(q.order_by_desc(audit_entry::Column::Seq), &self.db).await?;
        let mut items = Vec::with_capacity(rows.len());
        for e in rows {
            items.push(self.view(e).await?);
        }
        Ok(Page::new(items, total, page))
    }

    pub(crate) async fn view(&self, e: audit_entry::Model) -> Result<AuditView, DomainError> {
        let changes = match (&e.changes, &e.person_id) {
            (Some(c), Some(p)) if crypto::is_sealed(c) => {
                let key = person_key::Entity::find_by_id((e.tenant_id.clone(), p.clone()))
                    .one(&self.db)
                    .await
                    .map_err(db_err)?;
                match key.and_then(|k| crypto::open(&k.key, &format!("{}/{p}", e.tenant_id), c)) {
                    Some(plain) => serde_json::from_str(&plain).unwrap_or(serde_json::Value::Null),
                    None => serde_json::json!({ "erased": true }),
                }
            }
            (Some(c), _) => serde_json::from_str(c).unwrap_or(serde_json::Value::Null),
            (None, _) => serde_json::Value::Null,
        };
        Ok(AuditView {
            seq: e.seq,
            at: DateTime::parse_from_rfc3339(&e.at).map(|d| d.with_timezone(&Utc)).map_err(DomainError::internal)?,
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            changes,
            address: e.address,
            reason: e.reason,
        })
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// `read | create | update | delete | login | export`
    pub action: Option<String>,
    pub actor: Option<String>,
}

/// One entry as auditors see it; `changes` is `{"erased": true}` where the
/// person's key has been shredded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub seq: Option<i64>,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub address: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    pub tenant: String,
    pub entries: u64,
    pub ok: bool,
    pub problems: Vec<ChainProblem>,
    /// The chain's end when checked. Recording it outside the database
    /// (e.g. in the operations log) anchors the chain: someone who rewrites
    /// the whole tail together with the head cannot match an anchored hash.
    pub head_seq: i64,
    pub head_hash: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainProblem {
    pub seq: i64,
    pub message: String,
}

impl ChainReport {
    fn problem(&mut self, seq: i64, message: String) {
        self.ok = false;
        self.problems.push(ChainProblem { seq, message });
    }
}

/// An [`Event`] that owns its texts, to be recorded later.
struct OwnedEvent {
    action: AuditAction,
    entity: String,
    entity_id: String,
    person: Option<String>,
    changes: Option<serde_json::Value>,
}

impl OwnedEvent {
    fn of(e: Event<'_>) -> Self {
        OwnedEvent {
            action: e.action,
            entity: e.entity.to_owned(),
            entity_id: e.entity_id.to_owned(),
            person: e.person.map(str::to_owned),
            changes: e.changes,
        }
    }

    fn event(&self) -> Event<'_> {
        Event {
            action: self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
            person: self.person.as_deref(),
            changes: self.changes.clone(),
        }
    }
}

/// Reads to be recorded in one transaction: who read, and what.
type Reads = Vec<(Actor, Vec<OwnedEvent>)>;

/// Reads waiting to be recorded, and who waits for them.
struct PendingRead {
    reads: Reads,
    done: tokio::sync::oneshot::Sender<Result<(), DomainError>>,
}

tokio::task_local! {
    /// The reads of a piece of work run by [`Lotse::reads_together`], held
    /// back until it ends.
    static HELD_READS: std::cell::RefCell<Reads>;
}

/// Most reads one transaction of the read log records.
const READ_BATCH: usize = 512;

/// The read log of a running server: reads are recorded like every other
/// entry, and the reader still waits until its entry is committed — but the
/// entries of readers who arrive while a commit is under way are committed
/// together in the next transaction (group commit). On SQLite, with one
/// writer and an fsync per commit, fifty people opening records at once
/// would otherwise queue for fifty fsyncs.
#[derive(Clone)]
pub(crate) struct ReadLog {
    tx: tokio::sync::mpsc::UnboundedSender<PendingRead>,
}

impl ReadLog {
    /// Starts the writer task on the current runtime.
    pub(crate) fn spawn(db: lotse_db::Db) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PendingRead>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < READ_BATCH {
                    match rx.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
                if write_reads(&db, &batch).await.is_ok() {
                    for p in batch {
                        let _ = p.done.send(Ok(()));
                    }
                    continue;
                }
                // One entry that cannot be written must not refuse the
                // others' reads: each alone, in a transaction of its own.
                for p in batch {
                    let result = write_reads(&db, std::slice::from_ref(&p)).await;
                    if let Err(e) = &result {
                        tracing::warn!(code = e.code(), "read not recorded; refused");
                    }
                    let _ = p.done.send(result);
                }
            }
        });
        ReadLog { tx }
    }
}

/// Records the reads of several readers in one transaction.
async fn write_reads(db: &lotse_db::Db, batch: &[PendingRead]) -> Result<(), DomainError> {
    let reads: Vec<&(Actor, Vec<OwnedEvent>)> = batch.iter().flat_map(|p| &p.reads).collect();
    write_all(db, &reads).await
}

async fn write_all(db: &lotse_db::Db, reads: &[&(Actor, Vec<OwnedEvent>)]) -> Result<(), DomainError> {
    let txn = lotse_db::backend::begin_write(db).await.map_err(db_err)?;
    for (actor, events) in reads.iter().copied() {
        for e in events {
            record(&txn, actor, e.event()).await?;
        }
    }
    txn.commit().await.map_err(db_err)
}

impl Lotse {
    /// Records that the actor read something, in a transaction of its own
    /// (through the read log where this instance has one), and returns once
    /// the entry is committed: nothing is shown that is not in the trail.
    pub(crate) async fn record_read(&self, actor: &Actor, event: Event<'_>) -> Result<(), DomainError> {
        self.record_reads(actor, vec![event]).await
    }

    /// Records several reads of one answer (a list and the names it
    /// shows) as `record_read` does, committed together.
    pub(crate) async fn record_reads(&self, actor: &Actor, events: Vec<Event<'_>>) -> Result<(), DomainError> {
        let mut events = Some(events.into_iter().map(OwnedEvent::of).collect::<Vec<_>>());
        // Inside `reads_together` the entries wait for the work's end.
        let _ = HELD_READS.try_with(|h| h.borrow_mut().extend(events.take().map(|e| (actor.clone(), e))));
        match events {
            None => Ok(()),
            Some(events) => self.commit_reads(vec![(actor.clone(), events)]).await,
        }
    }

    /// Commits reads: through the read log where this instance has one,
    /// else in a transaction of their own.
    async fn commit_reads(&self, reads: Reads) -> Result<(), DomainError> {
        if let Some(log) = &self.read_log {
            let (done, wait) = tokio::sync::oneshot::channel();
            if log.tx.send(PendingRead { reads, done }).is_ok() {
                return wait.await.map_err(|_| DomainError::internal("read log stopped"))?;
            }
            return Err(DomainError::internal("read log stopped"));
        }
        write_all(&self.db, &reads.iter().collect::<Vec<_>>()).await
    }

    /// Runs `work` — one answer that only reads, such as a web page made
    /// of a dozen parts — with the reads it records held back, and commits
    /// them together when it ends: one wait for the audit trail instead of
    /// one per part. The caller must not show the output unless the
    /// result is `Ok` (nothing is shown that is not in the trail). Reads
    /// recorded outside this task (a spawned task, a body streamed later)
    /// are committed as usual, each before its answer.
    pub async fn reads_together<F: std::future::Future>(&self, work: F) -> (F::Output, Result<(), DomainError>) {
        let (out, reads) = HELD_READS
            .scope(std::cell::RefCell::new(Vec::new()), async {
                let out = work.await;
                (out, HELD_READS.with(|h| h.take()))
            })
            .await;
        if reads.is_empty() {
            return (out, Ok(()));
        }
        let recorded = self.commit_reads(reads).await;
        (out, recorded)
    }
}
