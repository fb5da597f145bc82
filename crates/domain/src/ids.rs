//! Identifiers. They are parsed once at the edge (API body, import row, CLI
//! argument) and cannot hold an invalid value afterwards.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::DomainError;

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $field:literal, $check:expr, $rule_de:literal, $rule_en:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                let check: fn(&str) -> bool = $check;
                if check(raw) {
                    Ok(Self(raw.to_owned()))
                } else {
                    Err(DomainError::invalid(
                        $field,
                        format!(concat!("„{}“ ist ungültig: ", $rule_de), raw),
                        format!(concat!("\"{}\" is invalid: ", $rule_en), raw),
                    ))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(|e| serde::de::Error::custom(e.message(crate::Lang::De)))
            }
        }

        impl std::str::FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

string_id!(
    /// A tenant: a municipality, a county or a Land. Lower-case so that it can
    /// stand in a login (`coordinator@krefeld`) and in file names.
    TenantId,
    "tenant",
    |s| (1..=64).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()),
    "1 bis 64 Zeichen aus Kleinbuchstaben, Ziffern, „-“ und „_“",
    "1 to 64 characters of lower-case letters, digits, \"-\" and \"_\""
);

string_id!(
    /// The id of a record within a tenant, as the data bundle defines it:
    /// 1–64 letters, digits, `-` and `_`.
    EntityId,
    "id",
    |s| (1..=64).contains(&s.len()) && s.chars().all(is_id_char),
    "1 bis 64 Zeichen aus Buchstaben, Ziffern, „-“ und „_“",
    "1 to 64 characters of letters, digits, \"-\" and \"_\""
);

string_id!(
    /// A user's login name within a tenant (`coordinator`, `case_manager.kja`,
    /// `a.schmidt`). No `@`: the login form reads `LOGIN@TENANT`.
    Login,
    "login",
    |s| (1..=64).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
    "1 bis 64 Zeichen aus Buchstaben, Ziffern, „.“, „-“ und „_“",
    "1 to 64 characters of letters, digits, \".\", \"-\" and \"_\""
);

/// Splits what a user types into the login form, `LOGIN@TENANT`, at the last `@`.
pub fn split_qualified_login(raw: &str) -> Option<(Login, TenantId)> {
    let (login, tenant) = raw.trim().rsplit_once('@')?;
    Some((Login::parse(login).ok()?, TenantId::parse(tenant).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_bundle_rule() {
        assert!(EntityId::parse("sy-p00001").is_ok());
        assert!(EntityId::parse("007").is_ok());
        assert!(EntityId::parse("").is_err());
        assert!(EntityId::parse(&"x".repeat(65)).is_err());
        assert!(EntityId::parse("a b").is_err());
        assert!(EntityId::parse("ä").is_err());
    }

    #[test]
    fn tenants_are_lower_case() {
        assert!(TenantId::parse("gross-gerau").is_ok());
        assert!(TenantId::parse("Krefeld").is_err());
        assert!(TenantId::parse("-x").is_err());
    }

    #[test]
    fn qualified_login_splits_at_last_at() {
        let (l, t) = split_qualified_login(" case_manager.kja@leverkusen ").unwrap();
        assert_eq!(l.as_str(), "case_manager.kja");
        assert_eq!(t.as_str(), "leverkusen");
        assert!(split_qualified_login("coordinator").is_none());
    }
}
