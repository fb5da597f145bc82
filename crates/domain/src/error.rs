//! Errors of the domain and service layer. Each has a stable machine code and
//! a message in German (the default) and English.

use serde::{Deserialize, Serialize};

/// The language of messages shown to a person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    De,
    En,
}

impl Lang {
    /// Reads an `Accept-Language` header or a `--lang` flag: English only when asked for.
    pub fn from_header(value: Option<&str>) -> Lang {
        match value {
            Some(v) if v.trim_start().to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::De,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input that does not meet a rule. `field` names where (a JSON field, a column).
    #[error("invalid {field}: {en}")]
    Invalid { field: String, de: String, en: String },
    /// The record does not exist *for this actor*: another tenant's records and
    /// records outside the actor's scope are reported the same way, so that
    /// their existence does not leak.
    #[error("not found: {entity}")]
    NotFound { entity: &'static str },
    #[error("forbidden")]
    Forbidden { de: String, en: String },
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("too many login attempts")]
    Throttled { retry_after_secs: u64 },
    #[error("conflict: {en}")]
    Conflict { de: String, en: String },
    /// A storage or other internal failure. The detail goes to the log, not to the user.
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, de: impl Into<String>, en: impl Into<String>) -> Self {
        DomainError::Invalid { field: field.into(), de: de.into(), en: en.into() }
    }

    pub fn forbidden(de: impl Into<String>, en: impl Into<String>) -> Self {
        DomainError::Forbidden { de: de.into(), en: en.into() }
    }

    pub fn conflict(de: impl Into<String>, en: impl Into<String>) -> Self {
        DomainError::Conflict { de: de.into(), en: en.into() }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        DomainError::Internal(detail.to_string())
    }

    /// A stable code for clients; never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Invalid { .. } => "invalid_input",
            DomainError::NotFound { .. } => "not_found",
            DomainError::Forbidden { .. } => "forbidden",
            DomainError::Unauthenticated => "unauthenticated",
            DomainError::Throttled { .. } => "too_many_attempts",
            DomainError::Conflict { .. } => "conflict",
            DomainError::Internal(_) => "internal_error",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let de = lang == Lang::De;
        match self {
            DomainError::Invalid { field, de: d, en } => {
                if de {
                    format!("{field}: {d}")
                } else {
                    format!("{field}: {en}")
                }
            }
            DomainError::NotFound { entity } => {
                if de {
                    format!("{} nicht gefunden (oder kein Zugriff).", entity_de(entity))
                } else {
                    format!("{entity} not found (or no access).")
                }
            }
            DomainError::Forbidden { de: d, en } => {
                if de {
                    d.clone()
                } else {
                    en.clone()
                }
            }
            DomainError::Unauthenticated => {
                if de {
                    "Anmeldung erforderlich: Sitzung abgelaufen, Token fehlt, ist ungültig, abgelaufen oder widerrufen."
                        .into()
                } else {
                    "Authentication required: session expired, or token missing, invalid, expired or revoked.".into()
                }
            }
            DomainError::Throttled { retry_after_secs } => {
                if de {
                    format!(
                        "Zu viele fehlgeschlagene Anmeldeversuche. Bitte in {retry_after_secs} Sekunden erneut versuchen."
                    )
                } else {
                    format!("Too many failed login attempts. Try again in {retry_after_secs} seconds.")
                }
            }
            DomainError::Conflict { de: d, en } => {
                if de {
                    d.clone()
                } else {
                    en.clone()
                }
            }
            DomainError::Internal(_) => {
                if de {
                    "Interner Fehler. Es wurde nichts geändert; bitte später erneut versuchen.".into()
                } else {
                    "Internal error. Nothing was changed; please try again later.".into()
                }
            }
        }
    }
}

fn entity_de(entity: &str) -> &str {
    match entity {
        "person" => "Person",
        "provider" => "Träger",
        "user" => "Benutzerkonto",
        "token" => "API-Token",
        "tenant" => "Mandant",
        "audit_entry" => "Protokolleintrag",
        "route" => "Adresse",
        "record" => "Datensatz",
        "record_kind" => "Art von Datensatz",
        "proposal" => "Antrag",
        "fund_call" => "Förderaufruf",
        "case" => "Fall",
        "offer" => "Angebot",
        "goal" => "Ziel",
        "step" => "Schritt",
        "referral" => "Vermittlung",
        "document" => "Dokument",
        other => other,
    }
}
