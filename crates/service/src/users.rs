use chrono::Utc;
use lotse_db::entity::{provider, user};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::{Actor, DomainError, EntityId, Login, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
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
    /// The staff record (staff.csv) the account works as.
    pub staff_id: Option<String>,
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
            staff_id: m.staff_id,
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

/// What an administrator may change of an account; all of it is sent (the
/// form shows all of it), so that nothing is changed by leaving it out.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    /// Empty: the login is shown as the name.
    pub display_name: String,
    #[schema(value_type = String, example = "case_manager")]
    pub role: Role,
    /// The provider (null for the department's roles); must be sent.
    #[schema(value_type = Option<String>, required = true)]
    #[serde(deserialize_with = "present")]
    pub provider_id: Option<EntityId>,
    /// The staff record the account works as, or null; must be sent, so
    /// that leaving it out does not unlink it.
    #[schema(required = true)]
    #[serde(deserialize_with = "present")]
    pub staff_id: Option<String>,
    /// false: the account is locked (it cannot sign in; its sessions and
    /// tokens end). Accounts are never deleted: the audit trail names them.
    pub active: bool,
}

/// A field that must be sent but may be null: with `deserialize_with`,
/// serde reports a missing `Option` field instead of taking it as null.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

impl Lotse {
    pub async fn create_user(&self, actor: &Actor, mut new: NewUser) -> Result<User, DomainError> {
        authorize(actor, Action::Create, &Resource::User { provider: new.provider_id.as_ref(), role: new.role })?;
        self.check_role_provider(actor, new.role, new.provider_id.as_ref()).await?;
        if let Some(sid) = new.staff_id.as_deref() {
            self.check_account_staff(actor, sid, new.provider_id.as_ref().map(EntityId::as_str)).await?;
        }
        crypto::check_password_policy(&new.password, new.login.as_str())?;
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

    /// A role of a provider needs its provider, which must exist; the
    /// department's roles belong to no provider.
    async fn check_role_provider(
        &self,
        actor: &Actor,
        role: Role,
        provider: Option<&EntityId>,
    ) -> Result<(), DomainError> {
        match (provider, role.needs_provider()) {
            (None, true) => Err(DomainError::invalid(
                "provider_id",
                format!("Die Rolle {} gehört zu einem Träger: bitte den Träger angeben.", role.label_de()),
                format!("The role {role} belongs to a provider: please name it."),
            )),
            (Some(_), false) => Err(DomainError::invalid(
                "provider_id",
                format!(
                    "Die Rolle {} gehört zum Amt, nicht zu einem Träger: bitte keinen Träger angeben.",
                    role.label_de()
                ),
                format!("The role {role} belongs to the department, not to a provider: please name none."),
            )),
            (Some(p), true) => {
                let exists = provider::Entity::find_by_id((actor.tenant.to_string(), p.to_string()))
                    .one(&self.db)
                    .await
                    .map_err(db_err)?
                    .is_some();
                if exists {
                    Ok(())
                } else {
                    Err(DomainError::invalid(
                        "provider_id",
                        format!("Den Träger „{p}“ gibt es in diesem Mandanten nicht."),
                        format!("There is no provider \"{p}\" in this tenant."),
                    ))
                }
            }
            (None, false) => Ok(()),
        }
    }

    /// Changes an account: name, role, provider, staff record, active.
    /// Whoever may manage the account as it is and as it would be may change
    /// it; nobody changes the rights of their own account (so that an
    /// administrator cannot lock the tenant out by mistake). A change of
    /// rights (role, provider, deactivation) ends the account's sessions and
    /// tokens: they were issued under the old rights.
    pub async fn update_user(&self, actor: &Actor, login: &Login, upd: UserUpdate) -> Result<User, DomainError> {
        Self::may_manage_some_users(actor)?;
        let m = self.user_by_login(actor, login).await?;
        let role = Role::parse(&m.role)?;
        if authorize(actor, Action::Update, &Resource::User { provider: opt_id(&m.provider_id).as_ref(), role })
            .is_err()
        {
            return Err(DomainError::NotFound { entity: "user" });
        }
        authorize(actor, Action::Update, &Resource::User { provider: upd.provider_id.as_ref(), role: upd.role })?;
        let new_provider = upd.provider_id.as_ref().map(|p| p.to_string());
        let rights_change = upd.role != role || new_provider != m.provider_id || (m.active && !upd.active);
        if m.id == actor.user_id && rights_change {
            return Err(DomainError::invalid(
                if upd.role != role {
                    "role"
                } else if !upd.active {
                    "active"
                } else {
                    "provider_id"
                },
                "Rolle, Träger und Sperre des eigenen Kontos ändert eine andere Person mit Administrationsrechten – so sperrt sich niemand versehentlich aus.",
                "Another administrator changes the role, provider or state of one's own account.",
            ));
        }
        self.check_role_provider(actor, upd.role, upd.provider_id.as_ref()).await?;
        let staff_id = lotse_domain::text::clean_opt("staff_id", upd.staff_id.as_deref(), 100)?;
        if let Some(sid) = staff_id.as_deref() {
            self.check_account_staff(actor, sid, new_provider.as_deref()).await?;
        }
        let display_name = lotse_domain::text::clean_opt("display_name", Some(&upd.display_name), 200)?
            .unwrap_or_else(|| m.login.clone());
        let mut changes = serde_json::Map::new();
        let mut note = |field: &str, before: serde_json::Value, after: serde_json::Value| {
            if before != after {
                changes.insert(field.into(), serde_json::json!({ "before": before, "after": after }));
            }
        };
        note("display_name", m.display_name.clone().into(), display_name.clone().into());
        note("role", m.role.clone().into(), upd.role.as_str().into());
        note("provider_id", m.provider_id.clone().into(), new_provider.clone().into());
        note("staff_id", m.staff_id.clone().into(), staff_id.clone().into());
        note("active", m.active.into(), upd.active.into());
        if changes.is_empty() {
            return User::try_from(m);
        }
        let id = m.id.clone();
        let was_active = m.active;
        let mut am: user::ActiveModel = m.into();
        am.display_name = Set(display_name);
        am.role = Set(upd.role.as_str().to_owned());
        am.provider_id = Set(new_provider);
        am.staff_id = Set(staff_id);
        am.active = Set(upd.active);
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        // The tenant keeps an active administrator (counted in the write
        // transaction, so that two changes at once see each other on SQLite).
        if role == Role::Admin && was_active && (upd.role != Role::Admin || !upd.active) {
            let others = user::Entity::find()
                .filter(user::Column::TenantId.eq(actor.tenant.as_str()))
                .filter(user::Column::Role.eq(Role::Admin.as_str()))
                .filter(user::Column::Active.eq(true))
                .filter(user::Column::Id.ne(&id))
                .count(&txn)
                .await
                .map_err(db_err)?;
            if others == 0 {
                return Err(DomainError::invalid(
                    if upd.active { "role" } else { "active" },
                    "Das ist das letzte aktive Konto mit Administrationsrechten in diesem Mandanten; es bleibt, bis es ein anderes gibt.",
                    "This is the tenant's last active administrator account.",
                ));
            }
        }
        let saved = am.update(&txn).await.map_err(db_err)?;
        if rights_change {
            let revoked = end_sign_ins(&txn, actor.tenant.as_str(), &id, None).await?;
            changes.insert("tokens_revoked".into(), revoked.into());
        }
        record(&txn, actor, Event::new(AuditAction::Update, "user", &id).changes(changes.into())).await?;
        txn.commit().await.map_err(db_err)?;
        User::try_from(saved)
    }

    /// Someone changes their own password, proving the current one. Their
    /// other browser sessions end (`session_cookie`: the one they use now,
    /// which stays); their API tokens stay.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        current: &str,
        new: String,
        session_cookie: Option<&str>,
    ) -> Result<(), DomainError> {
        let m = user::Entity::find_by_id((actor.tenant.to_string(), actor.user_id.clone()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|u| u.active)
            .ok_or(DomainError::NotFound { entity: "user" })?;
        // Counted with the sign-in attempts of the account: a session left
        // open is no way round the throttle.
        let key = format!("{}/{}", actor.tenant, m.login);
        self.throttle.attempt(&key, crate::auth::MAX_FAILURES_PER_LOGIN)?;
        let (cur, hash) = (current.to_owned(), m.password_hash.clone());
        let ok = tokio::task::spawn_blocking(move || crypto::verify_password(&cur, &hash))
            .await
            .map_err(DomainError::internal)?;
        if !ok {
            let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
            record(
                &txn,
                actor,
                Event::new(AuditAction::Update, "user", &m.id)
                    .changes(serde_json::json!({ "password": "change refused: current password wrong" })),
            )
            .await?;
            txn.commit().await.map_err(db_err)?;
            return Err(DomainError::invalid(
                "current",
                "Das bisherige Passwort stimmt nicht.",
                "The current password is wrong.",
            ));
        }
        self.throttle.forgive(&key);
        crypto::check_password_policy(&new, &m.login)?;
        if new == current {
            return Err(DomainError::invalid(
                "password",
                "Das neue Passwort ist dasselbe wie das bisherige.",
                "The new password is the current one.",
            ));
        }
        let hash =
            tokio::task::spawn_blocking(move || crypto::hash_password(&new)).await.map_err(DomainError::internal)??;
        let id = m.id.clone();
        let mut am: user::ActiveModel = m.into();
        am.password_hash = Set(hash);
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        am.update(&txn).await.map_err(db_err)?;
        let keep = session_cookie.and_then(|c| c.split_once('.')).map(|(_, secret)| crypto::sha256_hex(secret));
        end_sign_ins(&txn, actor.tenant.as_str(), &id, Some(keep.as_deref().unwrap_or(""))).await?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "user", &id).changes(serde_json::json!({ "password": "changed" })),
        )
        .await?;
        txn.commit().await.map_err(db_err)
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
        Self::visible(actor, self.user_by_login(actor, login).await?)
    }

    /// An account by its id (the web interface names accounts by id, so
    /// that no login stands in an address).
    pub async fn user_by_id(&self, actor: &Actor, id: &str) -> Result<User, DomainError> {
        Self::may_manage_some_users(actor)?;
        let m = user::Entity::find_by_id((actor.tenant.to_string(), id.to_owned()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "user" })?;
        Self::visible(actor, m)
    }

    /// The account as the actor may see it; outside their scope, not found.
    fn visible(actor: &Actor, m: user::Model) -> Result<User, DomainError> {
        let u = User::try_from(m)?;
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
        // One's own password is changed with the current one (change_own_password):
        // a session left open must not be enough to take the account over.
        if m.id == actor.user_id {
            return Err(DomainError::invalid(
                "password",
                "Ihr eigenes Passwort ändern Sie unter „Mein Konto“ mit dem bisherigen Passwort.",
                "Change your own password with the current one (own account).",
            ));
        }
        let role = Role::parse(&m.role)?;
        if authorize(actor, Action::Update, &Resource::User { provider: opt_id(&m.provider_id).as_ref(), role })
            .is_err()
        {
            return Err(DomainError::NotFound { entity: "user" });
        }
        crypto::check_password_policy(&password, &m.login)?;
        let hash = tokio::task::spawn_blocking(move || crypto::hash_password(&password))
            .await
            .map_err(DomainError::internal)??;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let id = m.id.clone();
        let mut am: user::ActiveModel = m.into();
        am.password_hash = Set(hash);
        am.update(&txn).await.map_err(db_err)?;
        // Signed-in sessions and tokens of the account end with the old password.
        let revoked = end_sign_ins(&txn, actor.tenant.as_str(), &id, None).await?;
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

/// Ends what the account is signed in with: its browser sessions (but the
/// one whose cookie hash is `keep`) and its API tokens unless a session is
/// kept (someone changing their own password keeps their tokens). Returns
/// how many tokens were revoked.
async fn end_sign_ins(
    txn: &sea_orm::DatabaseTransaction,
    tenant: &str,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64, DomainError> {
    use lotse_db::entity::{api_token, session};
    let mut q = session::Entity::delete_many()
        .filter(session::Column::TenantId.eq(tenant))
        .filter(session::Column::UserId.eq(user_id));
    if let Some(k) = keep {
        q = q.filter(session::Column::SecretSha256.ne(k));
    }
    q.exec(txn).await.map_err(db_err)?;
    if keep.is_some() {
        return Ok(0);
    }
    Ok(api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(api_token::Column::TenantId.eq(tenant))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(txn)
        .await
        .map_err(db_err)?
        .rows_affected)
}

pub(crate) fn opt_id(s: &Option<String>) -> Option<EntityId> {
    s.as_deref().and_then(|p| EntityId::parse(p).ok())
}
