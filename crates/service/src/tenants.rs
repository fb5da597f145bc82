use chrono::Utc;
use lotse_db::entity::tenant;
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::{Actor, DomainError, TenantId};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
use serde::Serialize;

use crate::Lotse;
use crate::error::db_err;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tenant {
    pub id: String,
    pub name: String,
}

impl From<tenant::Model> for Tenant {
    fn from(m: tenant::Model) -> Self {
        Tenant { id: m.id, name: m.name }
    }
}

impl Lotse {
    /// Creates a tenant. Only the operator at the command line can: a tenant
    /// is where one municipality's data begins and ends.
    pub async fn create_tenant(&self, id: &TenantId, name: &str) -> Result<Tenant, DomainError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(DomainError::invalid("name", "Der Name darf nicht leer sein.", "The name must not be empty."));
        }
        if self.tenant(id).await.is_ok() {
            return Err(DomainError::conflict(
                format!("Den Mandanten „{id}“ gibt es schon."),
                format!("Tenant \"{id}\" exists already."),
            ));
        }
        let m =
            tenant::ActiveModel { id: Set(id.to_string()), name: Set(name.to_owned()), created_at: Set(Utc::now()) }
                .insert(&self.db)
                .await
                .map_err(db_err)?;
        Ok(m.into())
    }

    pub async fn tenant(&self, id: &TenantId) -> Result<Tenant, DomainError> {
        tenant::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(Tenant::from)
            .ok_or(DomainError::NotFound { entity: "tenant" })
    }

    pub async fn tenants(&self) -> Result<Vec<Tenant>, DomainError> {
        Ok(tenant::Entity::find()
            .order_by_asc(tenant::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(Tenant::from)
            .collect())
    }

    /// The actor's own tenant.
    pub async fn my_tenant(&self, actor: &Actor) -> Result<Tenant, DomainError> {
        authorize(actor, Action::Read, &Resource::Tenant)?;
        self.tenant(&actor.tenant).await
    }
}
