use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// What a user may do is decided by their role (and, for provider staff, by
/// their provider). See [`crate::authz`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Tenant administration: users, tokens, retention. No person data.
    Admin,
    /// Head of department: every dashboard and report; person data only by
    /// logged break-glass access with a reason.
    Head,
    /// Programmes, offers, all of the tenant's reports.
    Coordinator,
    /// The persons and cases of their own provider.
    CaseManager,
    /// Their provider's staff and offers.
    ProviderAdmin,
    /// Aggregate figures only (always suppressed), never a person's data.
    Controller,
    /// The audit trail.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Head,
        Role::Coordinator,
        Role::CaseManager,
        Role::ProviderAdmin,
        Role::Controller,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Head => "head",
            Role::Coordinator => "coordinator",
            Role::CaseManager => "case_manager",
            Role::ProviderAdmin => "provider_admin",
            Role::Controller => "controller",
            Role::Auditor => "auditor",
        }
    }

    pub fn label_de(self) -> &'static str {
        match self {
            Role::Admin => "Administration",
            Role::Head => "Amtsleitung",
            Role::Coordinator => "Koordination",
            Role::CaseManager => "Fallmanagement",
            Role::ProviderAdmin => "Trägerverwaltung",
            Role::Controller => "Controlling",
            Role::Auditor => "Revision",
        }
    }

    /// Roles that belong to one provider and must name it.
    pub fn needs_provider(self) -> bool {
        matches!(self, Role::CaseManager | Role::ProviderAdmin)
    }

    pub fn parse(raw: &str) -> Result<Role, DomainError> {
        Role::ALL.into_iter().find(|r| r.as_str() == raw).ok_or_else(|| {
            let all = Role::ALL.map(Role::as_str).join(", ");
            DomainError::invalid(
                "role",
                format!("unbekannte Rolle „{raw}“; erlaubt: {all}"),
                format!("unknown role \"{raw}\"; allowed: {all}"),
            )
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s)
    }
}
