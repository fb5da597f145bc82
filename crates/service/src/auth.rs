//! Signing in: passwords (with throttling), browser sessions and API tokens.
//! Each turns into an [`Actor`]; nothing past this module sees credentials.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lotse_db::entity::{api_token, session, user};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::{Actor, DomainError, Login, Role, TenantId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::crypto;
use crate::error::db_err;
use crate::page::{Page, PageRequest};

/// A browser session ends after this much inactivity …
pub const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
/// … and after this long in any case.
pub const SESSION_MAX: Duration = Duration::from_secs(10 * 3600);
/// Sliding expiry is written at most this often, not on every request.
const SESSION_TOUCH: Duration = Duration::from_secs(60);

pub(crate) const MAX_FAILURES_PER_LOGIN: u32 = 5;
const MAX_FAILURES_PER_ADDRESS: u32 = 30;
const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failed logins per account and per address, kept in memory: a restart
/// forgets them, which only ever lets an attacker start a new window.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    /// Counts an attempt, or refuses it when `key` has had `max` failures in
    /// the window. Check and count happen under one lock, so attempts sent at
    /// the same moment cannot all slip through.
    pub(crate) fn attempt(&self, key: &str, max: u32) -> Result<(), DomainError> {
        let mut map = self.failures.lock().expect("throttle lock");
        if map.len() > 100_000 {
            map.retain(|_, (_, t)| t.elapsed() < THROTTLE_WINDOW);
        }
        let e = map.entry(key.to_owned()).or_insert((0, Instant::now()));
        if e.1.elapsed() >= THROTTLE_WINDOW {
            *e = (0, Instant::now());
        }
        if e.0 >= max {
            return Err(DomainError::Throttled {
                retry_after_secs: (THROTTLE_WINDOW - e.1.elapsed()).as_secs().max(1),
            });
        }
        e.0 += 1;
        Ok(())
    }

    /// Takes back one counted attempt (it succeeded).
    pub(crate) fn forgive(&self, key: &str) {
        if let Some(e) = self.failures.lock().expect("throttle lock").get_mut(key) {
            e.0 = e.0.saturating_sub(1);
        }
    }

    fn clear(&self, key: &str) {
        self.failures.lock().expect("throttle lock").remove(key);
    }
}

/// A new browser session: the cookie value and the form token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie: String,
    pub csrf_token: String,
    pub actor: Actor,
}

/// A session found from its cookie.
#[derive(Debug, Clone)]
pub struct SessionActor {
    pub actor: Actor,
    pub csrf_token: String,
}

fn actor_of(
    u: &user::Model,
    tenant: &TenantId,
    address: Option<String>,
    via_token: bool,
) -> Result<Actor, DomainError> {
    Ok(Actor {
        tenant: tenant.clone(),
        user_id: u.id.clone(),
        login: Login::parse(&u.login)?,
        role: Role::parse(&u.role)?,
        provider: crate::users::opt_id(&u.provider_id),
        break_glass: None,
        address,
        via_token,
        staff_id: u.staff_id.clone(),
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. "Nachtimport Träger KJA".
    pub name: String,
    /// Days until it expires (default 90, at most 730).
    pub days: Option<u32>,
    /// Issue for another user of the tenant (administrators only).
    #[schema(value_type = Option<String>)]
    pub login: Option<Login>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub user_id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for TokenInfo {
    fn from(m: api_token::Model) -> Self {
        TokenInfo {
            id: m.id,
            name: m.name,
            user_id: m.user_id,
            created_at: m.created_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
            last_used_at: m.last_used_at,
        }
    }
}

/// A freshly issued token: `secret` is shown this once and never stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

impl Lotse {
    /// Checks a password and opens a browser session.
    pub async fn login(
        &self,
        tenant: &TenantId,
        login: &Login,
        password: &str,
        address: Option<String>,
    ) -> Result<NewSession, DomainError> {
        let login_key = format!("{tenant}/{login}");
        let addr_key = format!("addr/{}", address.as_deref().unwrap_or("-"));
        // Counted before the (slow) password check and taken back on success.
        self.throttle.attempt(&addr_key, MAX_FAILURES_PER_ADDRESS)?;
        if let Err(e) = self.throttle.attempt(&login_key, MAX_FAILURES_PER_LOGIN) {
            self.throttle.forgive(&addr_key);
            return Err(e);
        }
        let found = user::Entity::find()
            .filter(user::Column::TenantId.eq(tenant.as_str()))
            .filter(user::Column::Login.eq(login.as_str()))
            .filter(user::Column::Active.eq(true))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        let hash = found.as_ref().map_or_else(|| crypto::dummy_hash().to_owned(), |u| u.password_hash.clone());
        let pw = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || crypto::verify_password(&pw, &hash))
            .await
            .map_err(DomainError::internal)?;
        let Some(u) = found.filter(|_| ok) else {
            if self.tenant(tenant).await.is_ok() {
                let who = Actor { address, ..Actor::system(tenant.clone()) };
                let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
                record(
                    &txn,
                    &Actor { login: login.clone(), ..who },
                    Event::new(AuditAction::Login, "user", login.as_str())
                        .changes(serde_json::json!({ "success": false })),
                )
                .await?;
                txn.commit().await.map_err(db_err)?;
            }
            return Err(DomainError::Unauthenticated);
        };
        self.throttle.clear(&login_key);
        self.throttle.forgive(&addr_key);
        let actor = actor_of(&u, tenant, address, false)?;
        let cookie_secret = crypto::random_token();
        let csrf_token = crypto::random_token();
        let now = Utc::now();
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        session::ActiveModel {
            tenant_id: Set(tenant.to_string()),
            secret_sha256: Set(crypto::sha256_hex(&cookie_secret)),
            user_id: Set(u.id.clone()),
            csrf_token: Set(csrf_token.clone()),
            created_at: Set(now),
            expires_at: Set(now + SESSION_IDLE),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            &actor,
            Event::new(AuditAction::Login, "user", &u.id)
                .changes(serde_json::json!({ "success": true, "via": "session" })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        // The tenant in the cookie lets the lookup use the tenant-leading key.
        Ok(NewSession { cookie: format!("{tenant}.{cookie_secret}"), csrf_token, actor })
    }

    /// The actor of a session cookie, extending its idle timeout.
    pub async fn session(&self, cookie: &str, address: Option<String>) -> Result<SessionActor, DomainError> {
        let (tenant, secret) = cookie.split_once('.').ok_or(DomainError::Unauthenticated)?;
        let tenant = TenantId::parse(tenant).map_err(|_| DomainError::Unauthenticated)?;
        let s = session::Entity::find_by_id((tenant.to_string(), crypto::sha256_hex(secret)))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::Unauthenticated)?;
        let now = Utc::now();
        if s.expires_at <= now || s.created_at + SESSION_MAX <= now {
            return Err(DomainError::Unauthenticated);
        }
        let u = user::Entity::find_by_id((tenant.to_string(), s.user_id.clone()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|u| u.active)
            .ok_or(DomainError::Unauthenticated)?;
        if (s.expires_at - now).to_std().unwrap_or_default() < SESSION_IDLE - SESSION_TOUCH {
            session::Entity::update_many()
                .col_expr(session::Column::ExpiresAt, Expr::value(now + SESSION_IDLE))
                .filter(session::Column::TenantId.eq(tenant.as_str()))
                .filter(session::Column::SecretSha256.eq(&s.secret_sha256))
                .exec(&self.db)
                .await
                .map_err(db_err)?;
        }
        Ok(SessionActor { actor: actor_of(&u, &tenant, address, false)?, csrf_token: s.csrf_token })
    }

    pub async fn logout(&self, cookie: &str) -> Result<(), DomainError> {
        if let Some((tenant, secret)) = cookie.split_once('.') {
            session::Entity::delete_by_id((tenant.to_owned(), crypto::sha256_hex(secret)))
                .exec(&self.db)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    /// Issues an API token; the token text is returned this once.
    pub async fn create_token(&self, actor: &Actor, new: NewToken) -> Result<IssuedToken, DomainError> {
        // Decided before any lookup, so that the answer does not tell which logins exist.
        if new.login.as_ref().is_some_and(|l| l != &actor.login) && !actor.is_system() {
            return Err(DomainError::forbidden(
                "API-Tokens kann nur die Person selbst anlegen (oder der Betrieb über die Kommandozeile).",
                "Only the account's owner (or the operator at the command line) can issue its tokens.",
            ));
        }
        let owner = match &new.login {
            Some(l) if l != &actor.login => {
                user::Entity::find()
                    .filter(user::Column::TenantId.eq(actor.tenant.as_str()))
                    .filter(user::Column::Login.eq(l.as_str()))
                    .one(&self.db)
                    .await
                    .map_err(db_err)?
                    .ok_or(DomainError::NotFound { entity: "user" })?
                    .id
            }
            _ => actor.user_id.clone(),
        };
        authorize(actor, Action::Create, &Resource::ApiToken { owner: &owner })?;
        let days = new.days.unwrap_or(90);
        if !(1..=730).contains(&days) {
            return Err(DomainError::invalid(
                "days",
                "Die Gültigkeit muss zwischen 1 und 730 Tagen liegen.",
                "Validity must be between 1 and 730 days.",
            ));
        }
        let name = lotse_domain::text::clean("name", &new.name, 200)?;
        let name = name.as_str();
        if name.is_empty() {
            return Err(DomainError::invalid(
                "name",
                "Bitte einen Namen (1–200 Zeichen) angeben, wofür das Token dient.",
                "Give a name (1–200 characters) saying what the token is for.",
            ));
        }
        let id = uuid::Uuid::now_v7().simple().to_string()[..16].to_owned();
        let secret = crypto::random_token();
        let now = Utc::now();
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = api_token::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(id.clone()),
            user_id: Set(owner),
            name: Set(name.to_owned()),
            secret_sha256: Set(crypto::sha256_hex(&secret)),
            created_at: Set(now),
            expires_at: Set(now + chrono::Duration::days(days.into())),
            revoked_at: Set(None),
            last_used_at: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Create, "token", &id)
                .changes(serde_json::json!({ "name": name, "user_id": m.user_id, "expires_at": m.expires_at })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(IssuedToken { token: format!("lt_{}.{id}.{secret}", actor.tenant), info: m.into() })
    }

    /// The actor behind a bearer token.
    pub async fn authenticate_token(&self, token: &str, address: Option<String>) -> Result<Actor, DomainError> {
        let rest = token.strip_prefix("lt_").ok_or(DomainError::Unauthenticated)?;
        let mut parts = rest.splitn(3, '.');
        let (Some(tenant), Some(id), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(DomainError::Unauthenticated);
        };
        let tenant = TenantId::parse(tenant).map_err(|_| DomainError::Unauthenticated)?;
        let t = api_token::Entity::find_by_id((tenant.to_string(), id.to_owned()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::Unauthenticated)?;
        let now = Utc::now();
        if !crypto::constant_time_eq(&t.secret_sha256, &crypto::sha256_hex(secret))
            || t.revoked_at.is_some()
            || t.expires_at <= now
        {
            return Err(DomainError::Unauthenticated);
        }
        let u = user::Entity::find_by_id((tenant.to_string(), t.user_id.clone()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|u| u.active)
            .ok_or(DomainError::Unauthenticated)?;
        if t.last_used_at.is_none_or(|l| now - l > chrono::Duration::minutes(5)) {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
                .filter(api_token::Column::TenantId.eq(tenant.as_str()))
                .filter(api_token::Column::Id.eq(id))
                .exec(&self.db)
                .await
                .map_err(db_err)?;
        }
        actor_of(&u, &tenant, address, true)
    }

    pub async fn tokens(&self, actor: &Actor, page: PageRequest) -> Result<Page<TokenInfo>, DomainError> {
        authorize(actor, Action::Read, &Resource::ApiToken { owner: &actor.user_id })?;
        let mut q = api_token::Entity::find().filter(api_token::Column::TenantId.eq(actor.tenant.as_str()));
        if !(actor.is_system() || actor.role == Role::Admin) {
            q = q.filter(api_token::Column::UserId.eq(&actor.user_id));
        }
        let (rows, total) = page.fetch(q.order_by_desc(api_token::Column::CreatedAt), &self.db).await?;
        Ok(Page::new(rows.into_iter().map(TokenInfo::from).collect(), total, page))
    }

    pub async fn revoke_token(&self, actor: &Actor, id: &str) -> Result<TokenInfo, DomainError> {
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DomainError::NotFound { entity: "token" });
        }
        let t = api_token::Entity::find_by_id((actor.tenant.to_string(), id.to_owned()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "token" })?;
        if authorize(actor, Action::Delete, &Resource::ApiToken { owner: &t.user_id }).is_err() {
            return Err(DomainError::NotFound { entity: "token" });
        }
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let mut am: api_token::ActiveModel = t.into();
        am.revoked_at = Set(Some(Utc::now()));
        let m = am.update(&txn).await.map_err(db_err)?;
        record(
            &txn,
            actor,
            Event::new(AuditAction::Delete, "token", id).changes(serde_json::json!({ "revoked": true })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(m.into())
    }

    /// Finds a user for the operator at the command line.
    pub async fn user_id_of(&self, tenant: &TenantId, login: &Login) -> Result<String, DomainError> {
        user::Entity::find()
            .filter(user::Column::TenantId.eq(tenant.as_str()))
            .filter(user::Column::Login.eq(login.as_str()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(|u| u.id)
            .ok_or(DomainError::NotFound { entity: "user" })
    }
}
