//! The data a report reads, loaded once per report from storage (see
//! `lotse_service::reports`), already restricted to what the user may see.
//!
//! Codes are interned as the spec's own `&'static str` (see [`code`]), so a
//! data set of a million persons stays small and comparisons stay cheap.
//! Participations refer to their person and offer by index.

use chrono::NaiveDate;
use lotse_bundle::spec;
use std::collections::HashMap;

pub type Date = NaiveDate;
/// One of the spec's codes, e.g. `"female"` from [`spec::GENDER`].
pub type Code = &'static str;

/// The spec's code equal to `value` in `list`, if it is one.
pub fn code(list: &'static [&'static str], value: Option<&str>) -> Option<Code> {
    let v = value?;
    list.iter().copied().find(|c| *c == v)
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub provider_id: String,
    pub birth_date: Option<Date>,
    pub gender: Code,
    pub nationality: Option<String>,
    pub residence_status: Option<Code>,
    pub migration_background: Option<Code>,
    pub district_id: Option<String>,
    pub municipality: Option<String>,
    pub household_id: Option<String>,
    pub single_parent: Option<Code>,
    pub disability: Option<Code>,
    pub education_isced: Option<i16>,
    pub labour_status: Option<Code>,
    pub sgb2_months_24: Option<i16>,
    pub homeless: Option<Code>,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    pub kind: Code,
    pub date: Date,
    pub timing: Code,
}

#[derive(Debug, Clone)]
pub struct Participation {
    pub id: String,
    /// Index into [`Dataset::persons`].
    pub person: usize,
    /// Index into [`Dataset::offers`].
    pub offer: usize,
    pub staff_id: Option<String>,
    pub entry: Date,
    pub exit: Option<Date>,
    pub exit_reason: Option<Code>,
    pub outcomes: Vec<Outcome>,
}

#[derive(Debug, Clone)]
pub struct Offer {
    pub id: String,
    pub name: String,
    pub provider_id: String,
    pub module_id: Option<String>,
    pub delivery: Code,
    pub topic: Option<Code>,
    pub life_stage: Option<Code>,
    pub district_id: Option<String>,
    pub start: Option<Date>,
    pub end: Option<Date>,
    pub capacity: Option<i64>,
    pub unregistered: Option<i64>,
    /// Is the offer the actor's own (always, for the department)? Provider
    /// staff count only their provider's group offers and head counts.
    pub in_scope: bool,
}

impl Offer {
    pub fn is_group(&self) -> bool {
        self.delivery == "group"
    }
}

#[derive(Debug, Clone)]
pub struct Module {
    pub id: String,
    pub program_id: String,
    pub number: Option<i32>,
    pub name: String,
    pub kind: Option<Code>,
}

#[derive(Debug, Clone)]
pub struct Program {
    pub id: String,
    pub name: String,
    pub funder: Option<String>,
    pub start: Option<Date>,
    pub end: Option<Date>,
    pub target_group: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Staff {
    pub id: String,
    pub provider_id: String,
    pub name: String,
    pub fte: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct District {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub area_km2: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct DistrictStat {
    pub district_id: String,
    pub year: i32,
    pub indicator: String,
    pub value: f64,
}

#[derive(Debug, Clone)]
pub struct FinanceEntry {
    pub id: String,
    pub year: i32,
    pub kind: Code,
    pub category: Option<Code>,
    pub program_id: Option<String>,
    pub amount_cents: i64,
}

/// A planned amount of a programme's year (budget.csv).
#[derive(Debug, Clone)]
pub struct BudgetLine {
    pub program_id: String,
    pub year: i32,
    pub kind: Code,
    pub category: Option<Code>,
    pub amount_cents: i64,
}

/// Everything one report may read.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub tenant: String,
    pub persons: Vec<Person>,
    pub participations: Vec<Participation>,
    pub offers: Vec<Offer>,
    pub modules: Vec<Module>,
    pub programs: Vec<Program>,
    pub staff: Vec<Staff>,
    pub districts: Vec<District>,
    pub district_stats: Vec<DistrictStat>,
    pub finance: Vec<FinanceEntry>,
    pub budget: Vec<BudgetLine>,
}

impl Dataset {
    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.id == id)
    }

    /// For each offer: the programme it belongs to (through its module).
    pub fn offer_programs(&self) -> Vec<Option<&str>> {
        let module_program: HashMap<&str, &str> =
            self.modules.iter().map(|m| (m.id.as_str(), m.program_id.as_str())).collect();
        self.offers.iter().map(|o| o.module_id.as_deref().and_then(|m| module_program.get(m).copied())).collect()
    }

    /// Which offers a report with `--program` counts: all without it.
    pub fn offers_in(&self, program: Option<&str>) -> Vec<bool> {
        match program {
            None => vec![true; self.offers.len()],
            Some(p) => self.offer_programs().into_iter().map(|op| op == Some(p)).collect(),
        }
    }
}

/// Convenience for tests and loaders: intern a code or fall back to `unknown`
/// semantics (None).
pub fn gender(value: &str) -> Code {
    code(spec::GENDER, Some(value)).unwrap_or("unknown")
}
