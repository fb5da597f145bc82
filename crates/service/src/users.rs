use chrono::Utc;
use lotse_db::entity::{provider, user};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::{Actor, DomainError, EntityId, Login, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::crypto;
use crate::error::db_err;
use crate::page::{Order, Page, PageRequest};

/// The orders the account list offers.
pub const USER_ORDERS: &[&str] = &["login", "display_name", "role", "provider_id", "active"];

/// A user account as shown (never with its password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub login: String,
    pub display_name: String,
    #[schema(value_type = String, example = "coordinator")]
    pub role: Role,
    pub provider_id: Option<String>,
    pub active: bool,
}

impl TryFrom<user::Model> for User {
    type Error = DomainError;
    fn try_from(m: user::Model) -> Result<Self, DomainError> {
        Ok(User {
            role: Role::parse(&m.role)?,
            id: m.id,
            login: m.login,
            display_name: m.display_name,
            provider_id: m.provider_id,
            active: m.active,
        })
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(value_type = String, example = "a.schmidt")]
    pub login: Login,
    pub display_name: Option<String>,
    #[schema(value_type = String, example = "coordinator")]
    pub role: Role,
    #[schema(value_type = Option<String>)]
    pub provider_id: Option<EntityId>,
    pub password: String,
    /// The staff record (staff.csv) the account works as, of the same
    /// provider: its cases are the account's own ("Meine Fälle").
    #[serde(default)]
    pub staff_id: Option<String>,
}

impl Lotse {
    pub async fn create_user(&self, actor: &Actor, mut new: NewUser) -> Result<User, DomainError> {
        authorize(actor, Action::Create, &Resource::User { provider: new.provider_id.as_ref(), role: new.role })?;
        match (&new.provider_id, new.role.needs_provider()) {
            (None, true) => {
                return Err(DomainError::invalid(
                    "provider_id",
                    format!("Die Rolle {} gehört zu einem Träger: bitte den Träger angeben.", new.role),
                    format!("The role {} belongs to a provider: please name it.", new.role),
                ));
            }
            (Some(p), _) => {
                let exists = provider::Entity::find_by_id((actor.tenant.to_string(), p.to_string()))
                    .one(&self.db)
                    .await
                    .map_err(db_err)?
                    .is_some();
                if !exists {
                    return Err(DomainError::invalid(
                        "provider_id",
                        format!("Den Träger „{p}“ gibt es in diesem Mandanten nicht."),
                        format!("There is no provider \"{p}\" in this tenant."),
                    ));
                }
            }
            _ => {}
        }
        if let Some(sid) = new.staff_id.as_deref() {
            self.check_account_staff(actor, sid, new.provider_id.as_ref().map(EntityId::as_str)).await?;
        }
        crypto::check_password_policy(&new.password)?;
        new.display_name = lotse_domain::text::clean_opt("display_name", new.display_name.as_deref(), 200)?;
        let password = std::mem::take(&mut new.password);
        let hash = tokio::task::spawn_blocking(move || crypto::hash_password(&password))
            .await
            .map_err(DomainError::internal)??;
        self.insert_user(actor, new, hash).await
    }

    /// Stores an account whose password is already hashed (demo data hashes
    /// its one password once, not once per account).
    pub(crate) async fn insert_user(&self, actor: &Actor, new: NewUser, hash: String) -> Result<User, DomainError> {
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let existing = user::Entity::find()
            .filter(user::Column::TenantId.eq(actor.tenant.as_str()))
            .filter(user::Column::Login.eq(new.login.as_str()))
            .one(&txn)
            .await
            .map_err(db_err)?;
        if existing.is_some() {
            return Err(DomainError::conflict(
                format!("Die Anmeldung „{}“ ist schon vergeben.", new.login),
                format!("The login \"{}\" is taken.", new.login),
            ));
        }
        let m = user::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(uuid::Uuid::now_v7().simple().to_string()),
            login: Set(new.login.to_string()),
            display_name: Set(new.display_name.unwrap_or_else(|| new.login.to_string())),
            role: Set(new.role.as_str().to_owned()),
            provider_id: Set(new.provider_id.map(EntityId::into_string)),
            password_hash: Set(hash),
            active: Set(true),
            created_at: Set(Utc::now()),
            staff_id: Set(new.staff_id),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "user", &m.id).changes(serde_json::json!({
                "login": m.login, "role": m.role, "provider_id": m.provider_id, "staff_id": m.staff_id,
            })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        User::try_from(m)
    }

    async fn user_by_login(&self, actor: &Actor, login: &Login) -> Result<user::Model, DomainError> {
        user::Entity::find()
            .filter(user::Column::TenantId.eq(actor.tenant.as_str()))
            .filter(user::Column::Login.eq(login.as_str()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "user" })
    }

    /// Only roles that may see some accounts get past the first check; an
    /// account outside their scope is then not found, so that which logins
    /// exist elsewhere does not leak.
    fn may_manage_some_users(actor: &Actor) -> Result<(), DomainError> {
        if actor.is_system() || matches!(actor.role, Role::Admin | Role::ProviderAdmin) {
            return Ok(());
        }
        authorize(actor, Action::Read, &Resource::User { provider: None, role: Role::Admin })
    }

    pub async fn user(&self, actor: &Actor, login: &Login) -> Result<User, DomainError> {
        Self::may_manage_some_users(actor)?;
        let u = User::try_from(self.user_by_login(actor, login).await?)?;
        if authorize(actor, Action::Read, &Resource::User { provider: opt_id(&u.provider_id).as_ref(), role: u.role })
            .is_err()
        {
            return Err(DomainError::NotFound { entity: "user" });
        }
        Ok(u)
    }

    pub async fn users(&self, actor: &Actor, page: PageRequest) -> Result<Page<User>, DomainError> {
        self.users_ordered(actor, page, None).await
    }

    /// The accounts in an order of [`USER_ORDERS`] (default: by login).
    pub async fn users_ordered(
        &self,
        actor: &Actor,
        page: PageRequest,
        order: Option<&Order>,
    ) -> Result<Page<User>, DomainError> {
        let mut q = user::Entity::find().filter(user::Column::TenantId.eq(actor.tenant.as_str()));
        if actor.is_system() || actor.role == Role::Admin {
        } else if actor.role == Role::ProviderAdmin {
            q = q
                .filter(user::Column::ProviderId.eq(actor.provider.as_ref().map(|p| p.to_string())))
                .filter(user::Column::Role.is_in([Role::CaseManager.as_str(), Role::ProviderAdmin.as_str()]));
        } else {
            authorize(actor, Action::Read, &Resource::User { provider: None, role: Role::Admin })?;
        }
        if let Some(o) = order {
            Order::parse(&o.key, USER_ORDERS)?;
            let col = match o.key.as_str() {
                "display_name" => user::Column::DisplayName,
                "role" => user::Column::Role,
                "provider_id" => user::Column::ProviderId,
                "active" => user::Column::Active,
                _ => user::Column::Login,
            };
            q = q.order_by_with_nulls(col, o.direction(), sea_orm::sea_query::NullOrdering::Last);
        }
        let (rows, total) = page.fetch(q.order_by_asc(user::Column::Login), &self.db).await?;
        Ok(Page::new(rows.into_iter().map(User::try_from).collect::<Result<_, _>>()?, total, page))
    }

    /// Sets a new password and ends everything signed in with the old one:
    /// the account's sessions and API tokens (a reset often follows a leak).
    pub async fn reset_password(&self, actor: &Actor, login: &Login, password: String) -> Result<(), DomainError> {
        Self::may_manage_some_users(actor)?;
        let m = self.user_by_login(actor, login).await?;
        let role = Role::parse(&m.role)?;
        if authorize(actor, Action::Update, &Resource::User { provider: opt_id(&m.provider_id).as_ref(), role })
            .is_err()
        {
            return Err(DomainError::NotFound { entity: "user" });
        }
        crypto::check_password_policy(&password)?;
        let hash = tokio::task::spawn_blocking(move || crypto::hash_password(&password))
            .await
            .map_err(DomainError::internal)??;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let id = m.id.clone();
        let mut am: user::ActiveModel = m.into();
        am.password_hash = Set(hash);
        am.update(&txn).await.map_err(db_err)?;
        // Signed-in sessions and tokens of the account end with the old password.
        lotse_db::entity::session::Entity::delete_many()
            .filter(lotse_db::entity::session::Column::TenantId.eq(actor.tenant.as_str()))
            .filter(lotse_db::entity::session::Column::UserId.eq(&id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        let revoked = lotse_db::entity::api_token::Entity::update_many()
            .col_expr(lotse_db::entity::api_token::Column::RevokedAt, sea_orm::sea_query::Expr::value(Utc::now()))
            .filter(lotse_db::entity::api_token::Column::TenantId.eq(actor.tenant.as_str()))
            .filter(lotse_db::entity::api_token::Column::UserId.eq(&id))
            .filter(lotse_db::entity::api_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_err)?
            .rows_affected;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "user", &id)
                .changes(serde_json::json!({ "password": "reset", "tokens_revoked": revoked })),
        )
        .await?;
        txn.commit().await.map_err(db_err)
    }
}

pub(crate) fn opt_id(s: &Option<String>) -> Option<EntityId> {
    s.as_deref().and_then(|p| EntityId::parse(p).ok())
}
