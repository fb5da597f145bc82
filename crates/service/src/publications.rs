//! Published reports: a report's figures frozen with its parameters, the
//! time, the author and a SHA-256 hash of the content. A publication can be
//! reopened unchanged whatever happens to the data later, and compared with a
//! fresh computation. Published reports are always suppressed.

use chrono::{DateTime, SubsecRound, Utc};
use lotse_db::entity::published_report;
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, PersonScope, Resource, authorize, report_scope};
use lotse_domain::{Actor, DomainError};
use lotse_reports::Report;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::error::db_err;
use crate::reports::ReportParams;

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Publication {
    pub id: String,
    pub report: String,
    pub title: Option<String>,
    /// The parameters it was computed with.
    pub params: serde_json::Value,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    /// SHA-256 of the stored content, hex.
    pub content_hash: String,
}

pub struct PublishedReport {
    pub publication: Publication,
    pub report: Report,
}

/// What changed since publication.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub differs: bool,
    /// Keys whose value is different in a fresh computation (or exists in one only).
    pub changed: Vec<String>,
}

/// May this report be published? Lists of persons, and caseload with its
/// staff names and workloads, are not for the council or the public; nor is
/// an allocation (it is a working table).
pub fn publishable(name: &str) -> bool {
    lotse_reports::NAMES.contains(&name)
        && !lotse_reports::lists_persons(name)
        && !matches!(name, "allocation" | "caseload")
}

pub(crate) fn hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn to_publication(m: &published_report::Model) -> Publication {
    Publication {
        id: m.id.clone(),
        report: m.report.clone(),
        title: m.title.clone(),
        params: serde_json::from_str(&m.params).unwrap_or(serde_json::Value::Null),
        published_at: m.published_at,
        published_by: m.published_by.clone(),
        content_hash: m.content_hash.clone(),
    }
}

impl Lotse {
    /// Computes the report (always with disclosure control) and freezes it.
    pub async fn publish_report(
        &self,
        actor: &Actor,
        name: &str,
        params: &ReportParams,
        title: Option<String>,
    ) -> Result<Publication, DomainError> {
        authorize(actor, Action::Create, &Resource::Publication)?;
        // Lists of persons, and caseload with its staff names and workloads,
        // are not for the council or the public.
        if !publishable(name) {
            return Err(DomainError::invalid(
                "report",
                format!("„{name}“ wird nicht veröffentlicht: veröffentlicht werden zusammengefasste Berichte."),
                format!("\"{name}\" cannot be published: only aggregate reports are."),
            ));
        }
        let title = title.map(|t| lotse_domain::text::clean("title", &t, 300)).transpose()?.filter(|t| !t.is_empty());
        let mut params = params.clone();
        params.suppress = Some(true);
        let req = params.request(name)?;
        let report = self.report(actor, &req).await?;
        let content = report.to_stored();
        let m = published_report::Model {
            tenant_id: actor.tenant.as_str().to_string(),
            id: uuid::Uuid::now_v7().to_string(),
            report: name.to_string(),
            title,
            params: serde_json::to_string(&params).expect("serialisable"),
            // To the microsecond, as both databases and the bundle keep it.
            published_at: Utc::now().trunc_subsecs(6),
            published_by: actor.login.as_str().to_string(),
            content_hash: hash(&content),
            content: String::from_utf8(content).expect("JSON is UTF-8"),
        };
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        published_report::ActiveModel::from(m.clone()).insert(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "published_report", &m.id)
                .changes(serde_json::json!({"report": name, "content_hash": m.content_hash})),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(to_publication(&m))
    }

    pub async fn publications(&self, actor: &Actor) -> Result<Vec<Publication>, DomainError> {
        authorize(actor, Action::Read, &Resource::Publication)?;
        let rows = published_report::Entity::find()
            .filter(published_report::Column::TenantId.eq(actor.tenant.as_str()))
            .order_by_desc(published_report::Column::PublishedAt)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.iter().map(to_publication).collect())
    }

    /// A publication as it was published; its content is checked against its hash.
    pub async fn publication(&self, actor: &Actor, id: &str) -> Result<PublishedReport, DomainError> {
        authorize(actor, Action::Read, &Resource::Publication)?;
        let m = published_report::Entity::find_by_id((actor.tenant.as_str().to_string(), id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "publication" })?;
        if hash(m.content.as_bytes()) != m.content_hash {
            return Err(DomainError::internal(format!("publication {id}: content does not match its hash")));
        }
        let report = Report::from_stored(m.content.as_bytes()).map_err(DomainError::internal)?;
        Ok(PublishedReport { publication: to_publication(&m), report })
    }

    /// Computes the publication's report afresh with the same parameters and
    /// lists the figures that are different now.
    pub async fn compare_publication(&self, actor: &Actor, id: &str) -> Result<Comparison, DomainError> {
        let published = self.publication(actor, id).await?;
        if report_scope(actor)? != PersonScope::All {
            return Err(DomainError::forbidden(
                "Den Vergleich mit den aktuellen Daten sieht der Fachbereich, nicht ein einzelner Träger.",
                "Only the department compares a publication with current data.",
            ));
        }
        let params: ReportParams =
            serde_json::from_value(published.publication.params.clone()).map_err(DomainError::internal)?;
        let fresh = self.report(actor, &params.request(&published.publication.report)?).await?;
        let changed = published.report.differences(&fresh);
        Ok(Comparison { differs: !changed.is_empty(), changed })
    }
}
