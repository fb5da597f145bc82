use lotse_db::entity::provider;
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::{Actor, DomainError, EntityId};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::error::db_err;
use crate::page::{Page, PageRequest};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Public,
    Welfare,
    Education,
    Jobcenter,
    Other,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Public => "public",
            ProviderKind::Welfare => "welfare",
            ProviderKind::Education => "education",
            ProviderKind::Jobcenter => "jobcenter",
            ProviderKind::Other => "other",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Provider {
    pub id: String,
    pub name: String,
    pub kind: Option<ProviderKind>,
    pub archived: bool,
}

impl From<provider::Model> for Provider {
    fn from(m: provider::Model) -> Self {
        Provider {
            kind: m.kind.as_deref().and_then(ProviderKind::parse),
            id: m.id,
            name: m.name,
            archived: m.archived_at.is_some(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderInput {
    #[schema(value_type = String, example = "kja")]
    pub id: EntityId,
    pub name: String,
    pub kind: Option<ProviderKind>,
}

impl Lotse {
    pub async fn create_provider(&self, actor: &Actor, input: ProviderInput) -> Result<Provider, DomainError> {
        authorize(actor, Action::Create, &Resource::Provider { id: Some(&input.id) })?;
        let name = lotse_domain::text::clean("name", &input.name, 200)?;
        let name = name.as_str();
        if name.is_empty() {
            return Err(DomainError::invalid("name", "Der Name darf nicht leer sein.", "The name must not be empty."));
        }
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = provider::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(input.id.to_string()),
            name: Set(name.to_owned()),
            kind: Set(input.kind.map(|k| k.as_str().to_owned())),
            archived_at: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "provider", &m.id)
                .changes(serde_json::json!({ "name": m.name, "kind": m.kind })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(m.into())
    }

    pub async fn provider(&self, actor: &Actor, id: &EntityId) -> Result<Provider, DomainError> {
        authorize(actor, Action::Read, &Resource::Provider { id: Some(id) })?;
        provider::Entity::find_by_id((actor.tenant.to_string(), id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(Provider::from)
            .ok_or(DomainError::NotFound { entity: "provider" })
    }

    pub async fn providers(&self, actor: &Actor, page: PageRequest) -> Result<Page<Provider>, DomainError> {
        authorize(actor, Action::Read, &Resource::Provider { id: None })?;
        let q = provider::Entity::find()
            .filter(provider::Column::TenantId.eq(actor.tenant.as_str()))
            .order_by_asc(provider::Column::Id);
        let (rows, total) = page.fetch(q, &self.db).await?;
        Ok(Page::new(rows.into_iter().map(Provider::from).collect(), total, page))
    }
}
