//! The common rules of reports.md ("Unless a definition says otherwise"),
//! each written once and used by every report.

use crate::data::{Code, Dataset, Date, Outcome, Participation};
use chrono::{Datelike, Days, NaiveDate};

/// A report period, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    pub fn year(year: i32) -> Option<Period> {
        Some(Period { from: NaiveDate::from_ymd_opt(year, 1, 1)?, to: NaiveDate::from_ymd_opt(year, 12, 31)? })
    }

    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && d <= self.to
    }

    /// Does `[start, end]` (either side open when `None`) meet the period?
    pub fn overlaps(&self, start: Option<Date>, end: Option<Date>) -> bool {
        start.is_none_or(|s| s <= self.to) && end.is_none_or(|e| e >= self.from)
    }

    /// The calendar years the period covers completely (finance figures).
    pub fn whole_years(&self) -> Vec<i32> {
        (self.from.year()..=self.to.year())
            .filter(|&y| {
                let p = Period::year(y).expect("valid year");
                self.from <= p.from && p.to <= self.to
            })
            .collect()
    }
}

/// A participation is active in a period when `entry <= to` and
/// (`exit` is empty or `exit >= from`).
pub fn active(p: &Participation, period: &Period) -> bool {
    p.entry <= period.to && p.exit.is_none_or(|e| e >= period.from)
}

/// Active on one day (entry and exit days included).
pub fn active_on(p: &Participation, day: Date) -> bool {
    p.entry <= day && p.exit.is_none_or(|e| e >= day)
}

pub fn exited_in(p: &Participation, period: &Period) -> bool {
    p.exit.is_some_and(|e| period.contains(e))
}

/// Days after the exit within which an `at_exit` outcome counts as "upon leaving".
pub const UPON_LEAVING_DAYS: u64 = 28;

fn later<'a>(a: &'a Outcome, b: &'a Outcome) -> &'a Outcome {
    if (b.date, b.id.as_str()) > (a.date, a.id.as_str()) { b } else { a }
}

/// The at-exit outcome of an exit: the last `at_exit` outcome dated from the
/// exit date up to 28 days after it (by date, then the larger `outcome_id`).
pub fn at_exit_outcome(p: &Participation) -> Option<&Outcome> {
    let exit = p.exit?;
    let last_day = exit.checked_add_days(Days::new(UPON_LEAVING_DAYS))?;
    p.outcomes.iter().filter(|o| o.timing == "at_exit" && o.date >= exit && o.date <= last_day).reduce(later)
}

/// The last `follow_up_6m` outcome of a participation (by date, then id).
pub fn follow_up_outcome(p: &Participation) -> Option<&Outcome> {
    p.outcomes.iter().filter(|o| o.timing == "follow_up_6m").reduce(later)
}

/// Of a person's participations (`parts`), the exit in the period whose
/// at-exit outcome is the person's: the last exit that has one (same day:
/// the larger `participation_id`).
pub fn person_at_exit<'a>(parts: impl IntoIterator<Item = &'a Participation>, period: &Period) -> Option<Code> {
    parts
        .into_iter()
        .filter(|p| exited_in(p, period))
        .filter_map(|p| at_exit_outcome(p).map(|o| (p.exit.expect("exited"), p.id.as_str(), o.kind)))
        .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)))
        .map(|(_, _, kind)| kind)
}

/// Age in whole years on `on`. Someone born on 29 February turns a year
/// older on 1 March in years without a 29 February.
pub fn age(birth: Date, on: Date) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// For each person (by index): the indices of their participations that a
/// report counts (`keep`), in the order of the data set.
pub fn by_person(data: &Dataset, keep: impl Fn(&Participation) -> bool) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); data.persons.len()];
    for (i, p) in data.participations.iter().enumerate() {
        if keep(p) {
            out[p.person].push(i);
        }
    }
    out
}

/// The first entry date among participations (for a person's age in a period).
pub fn first_entry<'a>(parts: impl IntoIterator<Item = &'a Participation>) -> Option<Date> {
    parts.into_iter().map(|p| p.entry).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn leap_day_birthdays_turn_older_on_first_march() {
        assert_eq!(age(d("2004-02-29"), d("2022-02-28")), 17);
        assert_eq!(age(d("2004-02-29"), d("2022-03-01")), 18);
        assert_eq!(age(d("2004-02-29"), d("2024-02-29")), 20);
        assert_eq!(age(d("2000-06-30"), d("2023-06-30")), 23);
        assert_eq!(age(d("2000-07-01"), d("2023-06-30")), 22);
    }

    #[test]
    fn whole_years_of_a_period() {
        let p = Period { from: d("2022-01-01"), to: d("2023-12-31") };
        assert_eq!(p.whole_years(), vec![2022, 2023]);
        let p = Period { from: d("2022-01-02"), to: d("2023-12-31") };
        assert_eq!(p.whole_years(), vec![2023]);
        let p = Period { from: d("2023-01-01"), to: d("2023-06-30") };
        assert!(p.whole_years().is_empty());
    }

    fn part(exit: Option<&str>, outcomes: &[(&str, &str, &str, &str)]) -> Participation {
        Participation {
            id: "p".into(),
            person: 0,
            offer: 0,
            staff_id: None,
            entry: d("2023-01-01"),
            exit: exit.map(d),
            exit_reason: None,
            outcomes: outcomes
                .iter()
                .map(|(id, kind, date, timing)| Outcome {
                    id: id.to_string(),
                    kind: crate::data::code(lotse_bundle::spec::OUTCOME_KIND, Some(kind)).unwrap(),
                    date: d(date),
                    timing: crate::data::code(lotse_bundle::spec::TIMING, Some(timing)).unwrap(),
                })
                .collect(),
        }
    }

    #[test]
    fn upon_leaving_is_the_last_at_exit_outcome_within_28_days() {
        let p = part(
            Some("2023-05-01"),
            &[
                ("o1", "school", "2023-04-30", "at_exit"),
                ("o2", "minijob", "2023-05-29", "at_exit"),
                ("o3", "apprenticeship", "2023-05-30", "at_exit"),
                ("o4", "employment_insured", "2023-11-01", "follow_up_6m"),
            ],
        );
        assert_eq!(at_exit_outcome(&p).unwrap().kind, "minijob");
        let same_day = part(
            Some("2023-05-01"),
            &[("o9", "school", "2023-05-02", "at_exit"), ("o10", "minijob", "2023-05-02", "at_exit")],
        );
        // Ids compare as text: "o9" > "o10".
        assert_eq!(at_exit_outcome(&same_day).unwrap().kind, "school");
        assert!(at_exit_outcome(&part(None, &[("o1", "school", "2023-05-02", "at_exit")])).is_none());
    }
}
