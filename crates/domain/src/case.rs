//! Case management (Fallmanagement): a case is an individual participation
//! that moves through the phases of the case-management cycle as German
//! practice describes it (DGCC standards; the BA's beschäftigungsorientiertes
//! Fallmanagement): intake/clarification → assessment → planning → linking
//! and implementation → monitoring → evaluation and closure.
//!
//! This module holds the codes and the rules of the cycle — which phase may
//! follow which, and what each requires — as pure functions, so the service
//! only gathers the facts and asks.

use chrono::{Datelike, Months, NaiveDate};

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::person::codes;

codes!(
    /// The phases of the cycle, in order.
    Phase, "phase" {
    Intake = "intake" / "Zugang und Klärung",
    Assessment = "assessment" / "Einschätzung (Assessment)",
    Planning = "planning" / "Hilfeplanung und Vereinbarung",
    Implementation = "implementation" / "Umsetzung und Vernetzung",
    Monitoring = "monitoring" / "Begleitung und Überprüfung (Monitoring)",
    Closure = "closure" / "Auswertung und Abschluss",
});

codes!(
    /// How a person came to the case management.
    WayIn, "way_in" {
    Outreach = "outreach" / "aufsuchende Arbeit",
    Jobcenter = "jobcenter" / "Überweisung durch das Jobcenter",
    School = "school" / "Schule",
    SelfReferral = "self" / "aus eigenem Antrieb",
    YouthWelfare = "youth_welfare" / "Jugendhilfe",
    Other = "other" / "anderer Weg",
});

codes!(
    /// The life domains an assessment rates.
    LifeDomain, "domain" {
    Language = "language" / "Sprache",
    SchoolEducation = "school_education" / "Schulbildung",
    VocationalTraining = "vocational_training" / "Berufsausbildung",
    WorkExperience = "work_experience" / "Berufserfahrung",
    Health = "health" / "Gesundheit",
    Housing = "housing" / "Wohnen",
    ResidenceStatus = "residence_status" / "Aufenthaltsstatus",
    Finances = "finances" / "Finanzen",
    FamilyChildcare = "family_childcare" / "Familie und Kinderbetreuung",
    SocialNetwork = "social_network" / "soziales Netz",
});

codes!(
    /// A step of a goal, or a goal itself.
    StepStatus, "status" {
    Open = "open" / "offen",
    Done = "done" / "erledigt",
    Dropped = "dropped" / "verworfen",
});

codes!(ReferralStatus, "status" {
    Proposed = "proposed" / "vorgeschlagen",
    Accepted = "accepted" / "angenommen",
    Started = "started" / "begonnen",
    Declined = "declined" / "abgelehnt",
    Completed = "completed" / "abgeschlossen",
});

codes!(ContactType, "type" {
    Meeting = "meeting" / "Gespräch",
    Phone = "phone" / "Telefonat",
    Outreach = "outreach" / "aufsuchender Kontakt",
    HomeVisit = "home_visit" / "Hausbesuch",
    Accompaniment = "accompaniment" / "Begleitung",
});

codes!(
    /// Why a participation ended (participations.csv).
    ExitReason, "exit_reason" {
    Completed = "completed" / "regulär beendet",
    DroppedOut = "dropped_out" / "abgebrochen",
    Moved = "moved" / "verzogen",
    HandedOver = "handed_over" / "übergeben",
    Other = "other" / "sonstiger Grund",
});

codes!(
    /// What a person reached (outcomes.csv).
    OutcomeKind, "outcome" {
    Apprenticeship = "apprenticeship" / "Ausbildung",
    EmploymentInsured = "employment_insured" / "sozialversicherungspflichtige Beschäftigung",
    Minijob = "minijob" / "Minijob",
    SelfEmployment = "self_employment" / "Selbstständigkeit",
    School = "school" / "Schule",
    VocationalPreparation = "vocational_preparation" / "Berufsvorbereitung",
    LanguageCourse = "language_course" / "Sprachkurs",
    QualificationGained = "qualification_gained" / "Qualifikation erworben",
    Volunteering = "volunteering" / "Ehrenamt",
    JobSearching = "job_searching" / "auf Arbeitssuche",
    FurtherSupport = "further_support" / "weitere Unterstützung",
    Stabilisation = "stabilisation" / "Stabilisierung",
    Nothing = "none" / "kein Ergebnis",
});

codes!(
    /// What an anonymous outreach contact was about.
    OutreachTopic, "topic" {
    WorkTraining = "work_training" / "Arbeit und Ausbildung",
    School = "school" / "Schule",
    Language = "language" / "Sprache",
    Housing = "housing" / "Wohnen",
    Health = "health" / "Gesundheit",
    Residence = "residence" / "Aufenthalt",
    Money = "money" / "Geld und Schulden",
    Family = "family" / "Familie",
    Leisure = "leisure" / "Freizeit",
    Other = "other" / "Sonstiges",
});

/// Ratings of a life domain: 1 (great need) … 5 (no need, a strength).
pub const RATING_MIN: i16 = 1;
pub const RATING_MAX: i16 = 5;

impl Phase {
    pub fn index(self) -> usize {
        Phase::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// What is known about a case when a phase change is asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseFacts {
    /// The intake is recorded; `Some(indicated)`.
    pub intake_indicated: Option<bool>,
    pub assessments: usize,
    pub goals: usize,
    pub exit_date: Option<NaiveDate>,
    pub exit_reason: bool,
    pub at_exit_outcome: bool,
}

fn refuse(de: String, en: String) -> DomainError {
    DomainError::invalid("phase", de, en)
}

/// May a case in phase `from` move to `to`, given `facts`? The cycle runs
/// forward one phase at a time; monitoring may go back to implementation
/// (a new step of the plan); closure may follow any phase (a person may
/// move or drop out at any time) but needs the exit and its outcome. A
/// closed case does not move.
pub fn check_transition(from: Phase, to: Phase, facts: &CaseFacts) -> Result<(), DomainError> {
    use Phase::*;
    if from == Closure {
        return Err(refuse(
            "Der Fall ist abgeschlossen; seine Phase ändert sich nicht mehr.".into(),
            "The case is closed; its phase no longer changes.".into(),
        ));
    }
    if from == to {
        return Err(refuse(
            format!("Der Fall ist bereits in der Phase „{}“.", to.label_de()),
            format!("The case is already in phase \"{}\".", to.as_str()),
        ));
    }
    let in_order = to.index() == from.index() + 1;
    let back = from == Monitoring && to == Implementation;
    if !(in_order || back || to == Closure) {
        let next = Phase::ALL[from.index() + 1];
        return Err(refuse(
            format!(
                "Von „{}“ geht es nur weiter zu „{}“ (oder zum Abschluss); Phasen werden nicht übersprungen.",
                from.label_de(),
                next.label_de()
            ),
            format!(
                "From \"{}\" the case moves on to \"{}\" only (or to closure); phases are not skipped.",
                from.as_str(),
                next.as_str()
            ),
        ));
    }
    match to {
        Intake => unreachable!("intake follows no phase"),
        Assessment => match facts.intake_indicated {
            None => Err(refuse(
                "Für die Einschätzung fehlt das Erstgespräch: bitte zuerst Zugangsweg und Indikation erfassen.".into(),
                "The assessment needs the intake: record the way in and whether case management is indicated first."
                    .into(),
            )),
            Some(false) => Err(refuse(
                "Laut Erstgespräch ist Fallmanagement nicht angezeigt; der Fall kann nur abgeschlossen werden.".into(),
                "The intake found case management not indicated; the case can only be closed.".into(),
            )),
            Some(true) => Ok(()),
        },
        Planning if facts.assessments == 0 => Err(refuse(
            "Für die Hilfeplanung fehlt eine Einschätzung der Lebensbereiche (Assessment).".into(),
            "Planning needs an assessment of the life domains.".into(),
        )),
        Implementation if facts.goals == 0 => Err(refuse(
            "Für die Umsetzung fehlt ein Ziel im Hilfeplan.".into(),
            "Implementation needs at least one goal in the plan.".into(),
        )),
        Closure => {
            let mut missing = vec![];
            if facts.exit_date.is_none() {
                missing.push(("Austrittsdatum", "exit date"));
            }
            if !facts.exit_reason {
                missing.push(("Austrittsgrund", "exit reason"));
            }
            if !facts.at_exit_outcome {
                missing.push(("Ergebnis bei Austritt", "outcome at exit"));
            }
            if missing.is_empty() {
                Ok(())
            } else {
                Err(refuse(
                    format!("Für den Abschluss fehlt: {}.", missing.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")),
                    format!("Closure needs: {}.", missing.iter().map(|m| m.1).collect::<Vec<_>>().join(", ")),
                ))
            }
        }
        _ => Ok(()),
    }
}

/// The day the six-month follow-up outcome is due: six calendar months
/// after the exit (the end of the month when that day does not exist).
pub fn follow_up_due(exit: NaiveDate) -> NaiveDate {
    exit.checked_add_months(Months::new(6))
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(exit.year() + 1, exit.month(), 1).unwrap_or(exit))
}

/// The most participations of `spans` (entry, exit; the exit day counts)
/// running at the same time on `day` or later: an open-ended enrolment from
/// `day` meets all of them, so it fits only while this is below capacity.
pub fn peak_from(day: NaiveDate, spans: &[(NaiveDate, Option<NaiveDate>)]) -> i64 {
    let mut events: Vec<(NaiveDate, i64)> = Vec::with_capacity(spans.len() * 2);
    for (entry, exit) in spans {
        if exit.is_some_and(|x| x < day) {
            continue;
        }
        events.push(((*entry).max(day), 1));
        if let Some(x) = exit.and_then(|x| x.succ_opt()) {
            events.push((x, -1));
        }
    }
    // Leaving before entering on the same day.
    events.sort();
    let (mut cur, mut peak) = (0, 0);
    for (_, delta) in events {
        cur += delta;
        peak = peak.max(cur);
    }
    peak
}

/// Checks a rating of a life domain.
pub fn check_rating(domain: LifeDomain, rating: i16) -> Result<(), DomainError> {
    if (RATING_MIN..=RATING_MAX).contains(&rating) {
        return Ok(());
    }
    Err(DomainError::invalid(
        format!("ratings.{}", domain.as_str()),
        format!("{rating} liegt nicht zwischen {RATING_MIN} (großer Bedarf) und {RATING_MAX} (kein Bedarf)."),
        format!("{rating} is not between {RATING_MIN} (great need) and {RATING_MAX} (no need)."),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    fn msg(r: Result<(), DomainError>) -> String {
        r.unwrap_err().message(Lang::De)
    }

    fn full() -> CaseFacts {
        CaseFacts {
            intake_indicated: Some(true),
            assessments: 1,
            goals: 1,
            exit_date: NaiveDate::from_ymd_opt(2026, 6, 30),
            exit_reason: true,
            at_exit_outcome: true,
        }
    }

    #[test]
    fn the_cycle_runs_forward_one_phase_at_a_time() {
        let f = full();
        for w in Phase::ALL.windows(2) {
            check_transition(w[0], w[1], &f).unwrap();
        }
        assert!(msg(check_transition(Phase::Intake, Phase::Planning, &f)).contains("nicht übersprungen"));
        assert!(msg(check_transition(Phase::Assessment, Phase::Monitoring, &f)).contains("„Hilfeplanung"));
        assert!(check_transition(Phase::Planning, Phase::Assessment, &f).is_err());
        // Monitoring may return to implementation, nothing else goes back.
        check_transition(Phase::Monitoring, Phase::Implementation, &f).unwrap();
        assert!(check_transition(Phase::Implementation, Phase::Planning, &f).is_err());
        assert!(msg(check_transition(Phase::Closure, Phase::Intake, &f)).contains("abgeschlossen"));
        assert!(msg(check_transition(Phase::Planning, Phase::Planning, &f)).contains("bereits"));
    }

    #[test]
    fn each_phase_requires_what_it_builds_on() {
        let none = CaseFacts::default();
        assert!(msg(check_transition(Phase::Intake, Phase::Assessment, &none)).contains("Erstgespräch"));
        let not_indicated = CaseFacts { intake_indicated: Some(false), ..full() };
        assert!(msg(check_transition(Phase::Intake, Phase::Assessment, &not_indicated)).contains("nicht angezeigt"));
        let no_assessment = CaseFacts { assessments: 0, ..full() };
        assert!(msg(check_transition(Phase::Assessment, Phase::Planning, &no_assessment)).contains("Einschätzung"));
        let no_goal = CaseFacts { goals: 0, ..full() };
        assert!(msg(check_transition(Phase::Planning, Phase::Implementation, &no_goal)).contains("Ziel"));
        let e = check_transition(Phase::Monitoring, Phase::Closure, &none).unwrap_err();
        assert_eq!(
            e.message(Lang::De),
            "phase: Für den Abschluss fehlt: Austrittsdatum, Austrittsgrund, Ergebnis bei Austritt."
        );
        let no_outcome = CaseFacts { at_exit_outcome: false, ..full() };
        assert_eq!(
            msg(check_transition(Phase::Implementation, Phase::Closure, &no_outcome)),
            "phase: Für den Abschluss fehlt: Ergebnis bei Austritt."
        );
        // Closure may come early (a person moves away during the intake).
        check_transition(Phase::Intake, Phase::Closure, &full()).unwrap();
    }

    #[test]
    fn follow_up_is_six_months_after_exit() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(follow_up_due(d(2026, 3, 15)), d(2026, 9, 15));
        assert_eq!(follow_up_due(d(2026, 8, 31)), d(2027, 2, 28));
    }

    #[test]
    fn capacity_counts_everyone_met_from_the_entry_day_on() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let spans = [(d(1, 10), None), (d(1, 15), None), (d(1, 1), Some(d(1, 11)))];
        // On 12 January only one is in, but from the 15th two are.
        assert_eq!(peak_from(d(1, 12), &spans), 2);
        assert_eq!(peak_from(d(1, 11), &spans), 2);
        assert_eq!(peak_from(d(1, 10), &spans), 2);
        // Someone leaving on the 11th and someone entering the 12th never meet.
        assert_eq!(peak_from(d(1, 1), &[(d(1, 1), Some(d(1, 11))), (d(1, 12), None)]), 1);
        assert_eq!(peak_from(d(2, 1), &[(d(1, 1), Some(d(1, 31)))]), 0);
        assert_eq!(peak_from(d(1, 31), &[(d(1, 1), Some(d(1, 31)))]), 1);
    }

    #[test]
    fn codes_and_ratings() {
        assert_eq!(WayIn::parse("self").unwrap(), WayIn::SelfReferral);
        assert!(WayIn::parse("police").unwrap_err().message(Lang::De).contains("youth_welfare"));
        assert_eq!(LifeDomain::ALL.len(), 10);
        check_rating(LifeDomain::Health, 3).unwrap();
        assert!(check_rating(LifeDomain::Health, 6).unwrap_err().message(Lang::De).starts_with("ratings.health:"));
    }
}
