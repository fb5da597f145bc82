//! Consent: what a person agreed to, and whether it holds on a given day.

use chrono::NaiveDate;

use crate::error::DomainError;

/// What a consent covers (exchange-format.md, consents.csv).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    /// Passing the person's data on to the provider `provider_id`.
    ShareWithProvider,
    /// Processing the data for the programme `program_id`.
    ProcessForProgram,
    /// Contacting the person again after their case.
    FollowUpContact,
}

impl ConsentScope {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "share_with_provider" => Ok(Self::ShareWithProvider),
            "process_for_program" => Ok(Self::ProcessForProgram),
            "follow_up_contact" => Ok(Self::FollowUpContact),
            other => Err(DomainError::invalid(
                "scope",
                format!(
                    "„{other}“ ist kein Umfang einer Einwilligung (share_with_provider, process_for_program, follow_up_contact)."
                ),
                format!(
                    "\"{other}\" is not a consent scope (share_with_provider, process_for_program, follow_up_contact)."
                ),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ShareWithProvider => "share_with_provider",
            Self::ProcessForProgram => "process_for_program",
            Self::FollowUpContact => "follow_up_contact",
        }
    }
}

/// One recorded consent, as the rule needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent<'a> {
    pub scope: ConsentScope,
    pub provider_id: Option<&'a str>,
    pub program_id: Option<&'a str>,
    pub given: NaiveDate,
    pub withdrawn: Option<NaiveDate>,
}

impl Consent<'_> {
    /// Does the consent hold on `day`? From the day it was given; a
    /// withdrawal ends it from the day of the withdrawal on ("from then on").
    pub fn holds_on(&self, day: NaiveDate) -> bool {
        self.given <= day && self.withdrawn.is_none_or(|w| day < w)
    }

    /// Does it cover `scope` for `target` (the provider of
    /// `share_with_provider`, the programme of `process_for_program`) on `day`?
    pub fn covers(&self, scope: ConsentScope, target: Option<&str>, day: NaiveDate) -> bool {
        let target_matches = match scope {
            ConsentScope::ShareWithProvider => self.provider_id.is_some() && self.provider_id == target,
            ConsentScope::ProcessForProgram => self.program_id.is_some() && self.program_id == target,
            ConsentScope::FollowUpContact => true,
        };
        self.scope == scope && target_matches && self.holds_on(day)
    }
}

/// Is any of `consents` active for `scope` (and its provider/programme) on `day`?
pub fn is_active<'a>(
    consents: impl IntoIterator<Item = &'a Consent<'a>>,
    scope: ConsentScope,
    target: Option<&str>,
    day: NaiveDate,
) -> bool {
    consents.into_iter().any(|c| c.covers(scope, target, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_consent_holds_from_given_until_the_day_before_withdrawal() {
        let c = Consent {
            scope: ConsentScope::ShareWithProvider,
            provider_id: Some("p2"),
            program_id: None,
            given: d("2026-03-01"),
            withdrawn: Some(d("2026-06-10")),
        };
        assert!(!c.covers(ConsentScope::ShareWithProvider, Some("p2"), d("2026-02-28")));
        assert!(c.covers(ConsentScope::ShareWithProvider, Some("p2"), d("2026-03-01")));
        assert!(c.covers(ConsentScope::ShareWithProvider, Some("p2"), d("2026-06-09")));
        assert!(!c.covers(ConsentScope::ShareWithProvider, Some("p2"), d("2026-06-10")));
        assert!(!c.covers(ConsentScope::ShareWithProvider, Some("p3"), d("2026-04-01")));
        assert!(!c.covers(ConsentScope::ProcessForProgram, Some("p2"), d("2026-04-01")));
        assert!(is_active([&c], ConsentScope::ShareWithProvider, Some("p2"), d("2026-04-01")));
        assert!(!is_active([&c], ConsentScope::ShareWithProvider, None, d("2026-04-01")));
    }
}
