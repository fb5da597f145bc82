//! Demo tenants with a login for every role (password `demo`), so that
//! `lotse serve --demo` can be tried at once. Logins are `ROLE@TENANT`;
//! provider staff also `ROLE.PROVIDER@TENANT`.
//!
//! The tenants' data (persons, programmes, figures from the seed documents)
//! is the demo bundle in the repository's `demo/` folder, loaded through the
//! ordinary importer.

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
            ("kja", "Katholische Jugendagentur Leverkusen, Rhein-Berg, Oberberg (KJA)", ProviderKind::Welfare),
            ("dekra", "DEKRA Akademie Leverkusen", ProviderKind::Education),
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

/// The demo bundles (the repository's `demo/` folder, written by
/// `lotse_bundle::demo::write_all`), compiled into the binary so that
/// `lotse serve --demo` works wherever the binary is.
pub const BUNDLES: &[(&str, &[(&str, &str)])] = &[
    (
        "krefeld",
        &[
            ("districts.csv", include_str!("../../../demo/krefeld/districts.csv")),
            ("district_stats.csv", include_str!("../../../demo/krefeld/district_stats.csv")),
            ("providers.csv", include_str!("../../../demo/krefeld/providers.csv")),
            ("programs.csv", include_str!("../../../demo/krefeld/programs.csv")),
            ("modules.csv", include_str!("../../../demo/krefeld/modules.csv")),
            ("offers.csv", include_str!("../../../demo/krefeld/offers.csv")),
            ("staff.csv", include_str!("../../../demo/krefeld/staff.csv")),
            ("persons.csv", include_str!("../../../demo/krefeld/persons.csv")),
            ("participations.csv", include_str!("../../../demo/krefeld/participations.csv")),
            ("outcomes.csv", include_str!("../../../demo/krefeld/outcomes.csv")),
            ("consents.csv", include_str!("../../../demo/krefeld/consents.csv")),
            ("finance.csv", include_str!("../../../demo/krefeld/finance.csv")),
            ("sessions.csv", include_str!("../../../demo/krefeld/sessions.csv")),
            ("attendance.csv", include_str!("../../../demo/krefeld/attendance.csv")),
            ("budget.csv", include_str!("../../../demo/krefeld/budget.csv")),
            ("fund_calls.csv", include_str!("../../../demo/krefeld/fund_calls.csv")),
            ("fund_criteria.csv", include_str!("../../../demo/krefeld/fund_criteria.csv")),
            ("proposals.csv", include_str!("../../../demo/krefeld/proposals.csv")),
            ("proposal_scores.csv", include_str!("../../../demo/krefeld/proposal_scores.csv")),
            ("bodies.csv", include_str!("../../../demo/krefeld/bodies.csv")),
            ("body_members.csv", include_str!("../../../demo/krefeld/body_members.csv")),
            ("meetings.csv", include_str!("../../../demo/krefeld/meetings.csv")),
            ("goals.csv", include_str!("../../../demo/krefeld/goals.csv")),
            ("milestones.csv", include_str!("../../../demo/krefeld/milestones.csv")),
        ],
    ),
    (
        "leverkusen",
        &[
            ("districts.csv", include_str!("../../../demo/leverkusen/districts.csv")),
            ("district_stats.csv", include_str!("../../../demo/leverkusen/district_stats.csv")),
            ("providers.csv", include_str!("../../../demo/leverkusen/providers.csv")),
            ("programs.csv", include_str!("../../../demo/leverkusen/programs.csv")),
            ("modules.csv", include_str!("../../../demo/leverkusen/modules.csv")),
            ("offers.csv", include_str!("../../../demo/leverkusen/offers.csv")),
            ("staff.csv", include_str!("../../../demo/leverkusen/staff.csv")),
            ("persons.csv", include_str!("../../../demo/leverkusen/persons.csv")),
            ("participations.csv", include_str!("../../../demo/leverkusen/participations.csv")),
            ("outcomes.csv", include_str!("../../../demo/leverkusen/outcomes.csv")),
            ("consents.csv", include_str!("../../../demo/leverkusen/consents.csv")),
            ("finance.csv", include_str!("../../../demo/leverkusen/finance.csv")),
            ("sessions.csv", include_str!("../../../demo/leverkusen/sessions.csv")),
            ("attendance.csv", include_str!("../../../demo/leverkusen/attendance.csv")),
            ("budget.csv", include_str!("../../../demo/leverkusen/budget.csv")),
            ("fund_calls.csv", include_str!("../../../demo/leverkusen/fund_calls.csv")),
            ("fund_criteria.csv", include_str!("../../../demo/leverkusen/fund_criteria.csv")),
            ("proposals.csv", include_str!("../../../demo/leverkusen/proposals.csv")),
            ("proposal_scores.csv", include_str!("../../../demo/leverkusen/proposal_scores.csv")),
            ("bodies.csv", include_str!("../../../demo/leverkusen/bodies.csv")),
            ("body_members.csv", include_str!("../../../demo/leverkusen/body_members.csv")),
            ("meetings.csv", include_str!("../../../demo/leverkusen/meetings.csv")),
            ("goals.csv", include_str!("../../../demo/leverkusen/goals.csv")),
            ("milestones.csv", include_str!("../../../demo/leverkusen/milestones.csv")),
        ],
    ),
    (
        "gross-gerau",
        &[
            ("districts.csv", include_str!("../../../demo/gross-gerau/districts.csv")),
            ("district_stats.csv", include_str!("../../../demo/gross-gerau/district_stats.csv")),
            ("providers.csv", include_str!("../../../demo/gross-gerau/providers.csv")),
            ("programs.csv", include_str!("../../../demo/gross-gerau/programs.csv")),
            ("modules.csv", include_str!("../../../demo/gross-gerau/modules.csv")),
            ("offers.csv", include_str!("../../../demo/gross-gerau/offers.csv")),
            ("staff.csv", include_str!("../../../demo/gross-gerau/staff.csv")),
            ("persons.csv", include_str!("../../../demo/gross-gerau/persons.csv")),
            ("participations.csv", include_str!("../../../demo/gross-gerau/participations.csv")),
            ("outcomes.csv", include_str!("../../../demo/gross-gerau/outcomes.csv")),
            ("consents.csv", include_str!("../../../demo/gross-gerau/consents.csv")),
            ("finance.csv", include_str!("../../../demo/gross-gerau/finance.csv")),
            ("sessions.csv", include_str!("../../../demo/gross-gerau/sessions.csv")),
            ("attendance.csv", include_str!("../../../demo/gross-gerau/attendance.csv")),
            ("budget.csv", include_str!("../../../demo/gross-gerau/budget.csv")),
            ("fund_calls.csv", include_str!("../../../demo/gross-gerau/fund_calls.csv")),
            ("fund_criteria.csv", include_str!("../../../demo/gross-gerau/fund_criteria.csv")),
            ("proposals.csv", include_str!("../../../demo/gross-gerau/proposals.csv")),
            ("proposal_scores.csv", include_str!("../../../demo/gross-gerau/proposal_scores.csv")),
            ("bodies.csv", include_str!("../../../demo/gross-gerau/bodies.csv")),
            ("body_members.csv", include_str!("../../../demo/gross-gerau/body_members.csv")),
            ("meetings.csv", include_str!("../../../demo/gross-gerau/meetings.csv")),
            ("goals.csv", include_str!("../../../demo/gross-gerau/goals.csv")),
            ("milestones.csv", include_str!("../../../demo/gross-gerau/milestones.csv")),
        ],
    ),
    (
        "nrw",
        &[
            ("districts.csv", include_str!("../../../demo/nrw/districts.csv")),
            ("district_stats.csv", include_str!("../../../demo/nrw/district_stats.csv")),
            ("providers.csv", include_str!("../../../demo/nrw/providers.csv")),
            ("programs.csv", include_str!("../../../demo/nrw/programs.csv")),
            ("modules.csv", include_str!("../../../demo/nrw/modules.csv")),
            ("offers.csv", include_str!("../../../demo/nrw/offers.csv")),
            ("staff.csv", include_str!("../../../demo/nrw/staff.csv")),
            ("persons.csv", include_str!("../../../demo/nrw/persons.csv")),
            ("participations.csv", include_str!("../../../demo/nrw/participations.csv")),
            ("outcomes.csv", include_str!("../../../demo/nrw/outcomes.csv")),
            ("consents.csv", include_str!("../../../demo/nrw/consents.csv")),
            ("finance.csv", include_str!("../../../demo/nrw/finance.csv")),
            ("sessions.csv", include_str!("../../../demo/nrw/sessions.csv")),
            ("attendance.csv", include_str!("../../../demo/nrw/attendance.csv")),
            ("budget.csv", include_str!("../../../demo/nrw/budget.csv")),
            ("fund_calls.csv", include_str!("../../../demo/nrw/fund_calls.csv")),
            ("fund_criteria.csv", include_str!("../../../demo/nrw/fund_criteria.csv")),
            ("proposals.csv", include_str!("../../../demo/nrw/proposals.csv")),
            ("proposal_scores.csv", include_str!("../../../demo/nrw/proposal_scores.csv")),
            ("bodies.csv", include_str!("../../../demo/nrw/bodies.csv")),
            ("body_members.csv", include_str!("../../../demo/nrw/body_members.csv")),
            ("meetings.csv", include_str!("../../../demo/nrw/meetings.csv")),
            ("goals.csv", include_str!("../../../demo/nrw/goals.csv")),
            ("milestones.csv", include_str!("../../../demo/nrw/milestones.csv")),
        ],
    ),
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
        if let Some((_, files)) = BUNDLES.iter().find(|(id, _)| *id == t.id) {
            import_embedded(lotse, &system, files).await?;
        }
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
                        staff_id: None,
                    };
                    lotse.insert_user(&system, new, hash.clone()).await?;
                }
                logins.push(DemoLogin { login: format!("{login}@{}", t.id), role });
            }
        }
    }
    Ok(logins)
}

/// Imports an embedded bundle through the ordinary importer (idempotent:
/// on a second start nothing changes).
async fn import_embedded(lotse: &Lotse, actor: &Actor, files: &[(&str, &str)]) -> Result<(), DomainError> {
    let files = files.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect();
    let bundle = lotse_bundle::source::Bundle::from_memory(actor.tenant.as_str(), files);
    let report = lotse.import_bundle(actor, &bundle, None).await;
    let report = report?;
    if !report.written {
        let first = report.errors.first().map(|e| e.render(false)).unwrap_or_default();
        return Err(DomainError::internal(format!(
            "demo bundle {} has {} errors, first: {first}",
            actor.tenant, report.error_count
        )));
    }
    Ok(())
}
