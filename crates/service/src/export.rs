//! Exporting a tenant as a canonical bundle: every file of the spec, rows in
//! key order, values in canonical form — the same data gives the same bytes,
//! so export → import into an empty tenant → export is identical.

use std::collections::HashMap;

use lotse_bundle::spec::{FILES, FileSpec, Kind};
use lotse_bundle::write::{Sink, TooLargeForCell, XLSX_CELL_MAX};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::{Actor, DomainError};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, ModelTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::error::db_err;
use crate::import::{column, for_each_table, value_text};

const PAGE: u64 = 20_000;

async fn export_file<E>(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    spec: &FileSpec,
    accounts: &HashMap<String, String>,
    sink: &mut dyn Sink,
) -> Result<u64, DomainError>
where
    E: EntityTrait,
    E::Model: FromQueryResult + ModelTrait<Entity = E> + Sync,
{
    let header: Vec<&str> = spec.cols.iter().map(|c| c.name).collect();
    sink.begin(spec.name, &header).map_err(DomainError::internal)?;
    let cols: Vec<E::Column> = spec.cols.iter().map(|c| column::<E>(c.db)).collect();
    // Key columns, and whether each is text (sorted by bytes) or a number.
    let key_cols: Vec<(E::Column, bool)> = spec
        .key
        .iter()
        .map(|k| {
            let i = spec.col(k).expect("key");
            (cols[i], !matches!(spec.cols[i].kind, Kind::Int { .. }))
        })
        .collect();
    let tenant_col = column::<E>("tenant_id");
    // Documents (up to 10 MiB each) come a few at a time.
    let page_size = if spec.cols.iter().any(|c| c.kind == Kind::Bytes) { 16 } else { PAGE };
    let mut n = 0u64;
    let mut offset = 0u64;
    loop {
        // Keyset pagination would be faster for huge tables; OFFSET keeps
        // composite keys simple and is fine at the sizes exported today.
        let mut q = E::find().filter(tenant_col.eq(actor.tenant.as_str()));
        for (k, text) in &key_cols {
            q = q.order_by(
                lotse_db::backend::byte_order(txn.get_database_backend(), k.as_str(), *text),
                sea_orm::Order::Asc,
            );
        }
        let page = q.offset(offset).limit(page_size).all(txn).await.map_err(db_err)?;
        let len = page.len() as u64;
        for m in page {
            let fields: Vec<String> = cols
                .iter()
                .zip(spec.cols)
                .map(|(c, spec_col)| match spec_col.kind {
                    // An account goes by its login (accounts are not in the bundle).
                    Kind::Account => {
                        let id = value_text(&m.get(*c), spec_col.kind);
                        accounts.get(&id).cloned().unwrap_or(id)
                    }
                    kind => value_text(&m.get(*c), kind),
                })
                .collect();
            // A file that extends another has the records that have any of its values.
            if spec.extends.is_some() && fields.iter().skip(spec.key.len()).all(String::is_empty) {
                continue;
            }
            sink.row(&fields).map_err(|e| {
                if e.get_ref().is_some_and(|inner| inner.is::<TooLargeForCell>()) {
                    DomainError::invalid(
                        "format",
                        format!(
                            "{}: ein Wert (etwa ein Dokument in base64 oder ein veröffentlichter Bericht) hat mehr \
                             als {XLSX_CELL_MAX} Zeichen und passt in keine Zelle einer Arbeitsmappe; bitte als \
                             Ordner oder .zip exportieren.",
                            spec.name
                        ),
                        format!(
                            "{}: a value (such as a document in base64 or a published report) has more than \
                             {XLSX_CELL_MAX} characters and fits no workbook cell; please export a folder or a .zip.",
                            spec.name
                        ),
                    )
                } else {
                    DomainError::internal(e)
                }
            })?;
            n += 1;
        }
        offset += len;
        if len < page_size {
            break;
        }
    }
    sink.end().map_err(DomainError::internal)?;
    Ok(n)
}

impl Lotse {
    /// Writes the actor's tenant as a canonical bundle; returns rows per file.
    pub async fn export_bundle(
        &self,
        actor: &Actor,
        mut sink: Box<dyn Sink>,
    ) -> Result<Vec<(String, u64)>, DomainError> {
        authorize(actor, Action::Read, &Resource::Export)?;
        self.tenant(&actor.tenant).await?;
        let mut counts = vec![];
        let snapshot = lotse_db::backend::begin_snapshot(&self.db).await.map_err(db_err)?;
        let accounts: HashMap<String, String> = lotse_db::entity::user::Entity::find()
            .select_only()
            .columns([lotse_db::entity::user::Column::Id, lotse_db::entity::user::Column::Login])
            .filter(lotse_db::entity::user::Column::TenantId.eq(actor.tenant.as_str()))
            .into_tuple()
            .all(&snapshot)
            .await
            .map_err(db_err)?
            .into_iter()
            .collect();
        for spec in FILES {
            let s = sink.as_mut();
            let n = for_each_table!(spec.table, E => export_file::<E>(&snapshot, actor, spec, &accounts, s).await?);
            counts.push((spec.name.to_owned(), n));
        }
        snapshot.commit().await.map_err(db_err)?;
        sink.finish().map_err(DomainError::internal)?;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let summary: serde_json::Map<String, serde_json::Value> =
            counts.iter().map(|(f, n)| (f.clone(), (*n).into())).collect();
        record(&txn, actor, Event::new(AuditAction::Export, "tenant", actor.tenant.as_str()).changes(summary.into()))
            .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(counts)
    }
}
