//! A person's attributes as the data bundle defines them (persons.csv), as
//! closed sets of codes. Parsed at the edge; an unknown code is an error that
//! lists the allowed ones.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Defines an enumeration of lower-case codes with its German labels.
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident = $code:literal / $de:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label_de(self) -> &'static str {
                match self { $($name::$variant => $de),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                match raw {
                    $($code => Ok($name::$variant),)+
                    _ => {
                        let allowed = Self::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
                        Err(DomainError::invalid(
                            $field,
                            format!("unbekannter Wert „{raw}“; erlaubt: {allowed}"),
                            format!("unknown value \"{raw}\"; allowed: {allowed}"),
                        ))
                    }
                }
            }
        }
    };
}
pub(crate) use codes;

codes!(Gender, "gender" {
    Female = "female" / "weiblich",
    Male = "male" / "männlich",
    Diverse = "diverse" / "divers",
    Unknown = "unknown" / "unbekannt",
});

codes!(ResidenceStatus, "residence_status" {
    German = "german" / "deutsch",
    Eu = "eu" / "EU-Bürger/in",
    Permit = "permit" / "Aufenthaltserlaubnis",
    Gestattung = "gestattung" / "Aufenthaltsgestattung",
    Duldung = "duldung" / "Duldung",
    Other = "other" / "sonstiger",
    Unknown = "unknown" / "unbekannt",
});

codes!(YesNo, "yes_no" {
    Yes = "yes" / "ja",
    No = "no" / "nein",
    Unknown = "unknown" / "unbekannt",
});

codes!(LabourStatus, "labour_status" {
    Employed = "employed" / "beschäftigt",
    SelfEmployed = "self_employed" / "selbstständig",
    Unemployed = "unemployed" / "arbeitslos",
    LongTermUnemployed = "long_term_unemployed" / "langzeitarbeitslos",
    Inactive = "inactive" / "nicht erwerbstätig",
    InEducation = "in_education" / "in Ausbildung/Schule",
    Unknown = "unknown" / "unbekannt",
});

codes!(
    /// Whether a residence title allows work (a Duldung often only with the
    /// foreigners' office's permission: restricted).
    WorkPermission, "work_permission" {
    Yes = "yes" / "erlaubt",
    No = "no" / "nicht erlaubt",
    Restricted = "restricted" / "eingeschränkt",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_list_the_allowed_ones() {
        assert_eq!(ResidenceStatus::parse("duldung").unwrap(), ResidenceStatus::Duldung);
        let e = ResidenceStatus::parse("asyl").unwrap_err();
        assert!(e.message(crate::Lang::De).contains("gestattung"));
        assert_eq!(serde_json::to_string(&LabourStatus::LongTermUnemployed).unwrap(), "\"long_term_unemployed\"");
    }
}
