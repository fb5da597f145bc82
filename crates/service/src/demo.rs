//! Demo tenants with a login for every role (password `demo`), so that
//! `lotse serve --demo` can be tried at once. Logins are `ROLE@TENANT`;
//! provider staff also `ROLE.PROVIDER@TENANT`.
//!
//! The tenants' data (persons, programmes, figures from the seed documents)
//! is loaded from the demo bundle by the importer; this module only sets up
//! tenants, providers and accounts.

use lotse_domain::{Actor, DomainError, EntityId, Login, Role, TenantId};

use crate::Lotse;
use crate::crypto;
use crate::providers::{ProviderInput, ProviderKind};
use crate::users::NewUser;

pub const DEMO_PASSWORD: &str = "demo";

pub struct DemoTenant {
    pub id: &'static str,
    pub name: &'static str,
    /// `(id, name, kind)`; the first is the one behind `case_manager@TENANT`.
    pub providers: &'static [(&'static str, &'static str, ProviderKind)],
}

pub const TENANTS: &[DemoTenant] = &[
    DemoTenant {
        id: "krefeld",
        name: "Stadt Krefeld",
        providers: &[("kzb", "Kommunale Zentralstelle für Beschäftigungsförderung", ProviderKind::Public)],
    },
    DemoTenant {
        id: "leverkusen",
        name: "Stadt Leverkusen",
        providers: &[
            ("kja", "Katholische Jugendagentur Leverkusen", ProviderKind::Welfare),
            ("dekra", "DEKRA Akademie", ProviderKind::Education),
        ],
    },
    DemoTenant {
        id: "gross-gerau",
        name: "Kreis Groß-Gerau",
        providers: &[("kjc", "Kommunales Jobcenter Kreis Groß-Gerau", ProviderKind::Jobcenter)],
    },
    DemoTenant {
        id: "nrw",
        name: "Land Nordrhein-Westfalen",
        providers: &[("gib", "G.I.B. – Gesellschaft für innovative Beschäftigungsförderung", ProviderKind::Public)],
    },
];

/// One demo login, for printing.
pub struct DemoLogin {
    pub login: String,
    pub role: Role,
}

/// Creates the demo tenants, providers and accounts that do not exist yet.
pub async fn load(lotse: &Lotse) -> Result<Vec<DemoLogin>, DomainError> {
    let hash =
        tokio::task::spawn_blocking(|| crypto::hash_password(DEMO_PASSWORD)).await.map_err(DomainError::internal)??;
    let mut logins = vec![];
    for t in TENANTS {
        let tenant = TenantId::parse(t.id)?;
        if lotse.tenant(&tenant).await.is_err() {
            lotse.create_tenant(&tenant, t.name).await?;
        }
        let system = Actor::system(tenant.clone());
        for (id, name, kind) in t.providers {
            let pid = EntityId::parse(id)?;
            if lotse.provider(&system, &pid).await.is_err() {
                lotse
                    .create_provider(&system, ProviderInput { id: pid, name: (*name).into(), kind: Some(*kind) })
                    .await?;
            }
        }
        for role in Role::ALL {
            let mut accounts: Vec<(String, Option<&str>)> = vec![];
            if role.needs_provider() {
                accounts.push((role.as_str().to_owned(), Some(t.providers[0].0)));
                for (p, _, _) in t.providers {
                    accounts.push((format!("{}.{p}", role.as_str()), Some(p)));
                }
            } else {
                accounts.push((role.as_str().to_owned(), None));
            }
            for (login, provider) in accounts {
                let l = Login::parse(&login)?;
                if lotse.user_id_of(&tenant, &l).await.is_err() {
                    let new = NewUser {
                        login: l,
                        display_name: Some(format!("Demo {} ({})", role.label_de(), login)),
                        role,
                        provider_id: provider.map(EntityId::parse).transpose()?,
                        password: String::new(),
                    };
                    lotse.insert_user(&system, new, hash.clone()).await?;
                }
                logins.push(DemoLogin { login: format!("{login}@{}", t.id), role });
            }
        }
    }
    Ok(logins)
}
