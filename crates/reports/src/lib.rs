//! The reports of `../shared/spec/reports.md`.
//!
//! A report is computed in three steps, each in its own place:
//! 1. the service loads a [`data::Dataset`] from storage — only the records
//!    the user's role may see (`lotse_service::reports`);
//! 2. a pure function of this crate computes the figures, each pointing at
//!    its [`definitions::Def`] (`key_figures`, `programme`, `esf`, ...), and
//!    [`suppress`] applies statistical disclosure control where it must;
//! 3. [`render`] writes the same figures as JSON (the reference), CSV, XLSX
//!    or HTML.
//!
//! The common rules (active in a period, upon leaving, age, whole years)
//! live in [`rules`], written once.

pub mod allocation;
pub mod caseload;
pub mod data;
pub mod definitions;
pub mod eligibility;
pub mod esf;
pub mod figure;
pub mod key_figures;
pub mod labels;
pub mod programme;
pub mod proof_of_use;
pub mod query;
pub mod render;
pub mod rule;
pub mod rules;
pub mod suppress;

pub use figure::{Figure, Report, Value};
pub use rules::Period;

pub use lotse_domain::Lang;

/// The reports of reports.md.
pub const NAMES: &[&str] =
    &["key-figures", "programme", "esf", "reach", "caseload", "allocation", "eligibility", "query", "proof-of-use"];

/// Does the report list persons one by one (rather than counting them)?
pub fn lists_persons(name: &str) -> bool {
    name == "eligibility"
}

/// Does the report need a period (`--year` or `--from/--to`)?
pub fn needs_period(name: &str) -> bool {
    matches!(name, "key-figures" | "programme" | "esf" | "reach" | "query" | "proof-of-use")
}

/// The options of reports.md; each report reads those it needs.
#[derive(Debug, Clone)]
pub struct Options {
    pub year: Option<i32>,
    pub program: Option<String>,
    /// `proof-of-use`: the funder (a funding category) it is addressed to.
    pub funder: Option<String>,
    pub suppress: bool,
    /// `caseload` and `eligibility`: the day (default today).
    pub date: Option<data::Date>,
    /// `caseload`: cases per FTE aimed at (default 80).
    pub target: Option<f64>,
    pub target_size: Option<i64>,
    pub target_indicator: Option<String>,
    pub rows: Vec<String>,
    pub cols: Option<String>,
    pub measure: String,
    pub age_bands: Vec<i32>,
    /// List the records behind this figure key while computing.
    pub trace: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            year: None,
            program: None,
            funder: None,
            suppress: false,
            date: None,
            target: None,
            target_size: None,
            target_indicator: None,
            rows: Vec::new(),
            cols: None,
            measure: "persons".into(),
            age_bands: query::DEFAULT_AGE_BANDS.to_vec(),
            trace: None,
        }
    }
}

impl Options {
    /// Records the options a report was computed with in its `params`.
    fn describe(&self, r: &mut Report) {
        r.trace = self.trace.clone().map(|key| figure::Trace { key, members: Vec::new() });
        match (self.year, r.period) {
            (Some(y), _) => {
                r.param("year", y);
            }
            (None, Some(p)) => {
                r.param("from", p.from).param("to", p.to);
            }
            _ => {}
        }
        if let Some(p) = &self.program {
            r.param("program", p);
        }
        if r.name == "query" {
            r.param("rows", self.rows.join(",")).param("cols", self.cols.clone().unwrap_or_default());
            r.param("measure", &self.measure);
            r.param("age_bands", self.age_bands.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(","));
        }
        if let Some(n) = self.target_size {
            r.param("target_size", n);
        }
        if let Some(i) = &self.target_indicator {
            r.param("target_indicator", i);
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    #[error("unknown report {0}")]
    UnknownReport(String),
    #[error("the report {0} needs --program")]
    NeedsProgram(&'static str),
    #[error("the report needs a period")]
    NeedsPeriod,
    #[error("unknown programme {0}")]
    UnknownProgram(String),
    #[error("bad target-group rule of {0}: {1}")]
    BadRule(String, String),
    #[error("no statistic {0} for {1}")]
    NoStatistic(String, i32),
    #[error("reach needs --target-size or --target-indicator")]
    NeedsTarget,
    #[error("units file line {0}: {1}")]
    Units(usize, String),
    #[error("{0}: {2}")]
    Invalid(&'static str, String, String),
    #[error("unknown dimension {0}")]
    UnknownDimension(String),
    #[error("the report {0} needs --year")]
    NeedsYear(&'static str),
    #[error("unknown funder {0}")]
    UnknownFunder(String),
}

impl ReportError {
    pub fn message(&self, lang: Lang) -> String {
        let (de, en) = match self {
            ReportError::UnknownReport(n) => (
                format!("Unbekannter Bericht „{n}“. Verfügbar sind: {}.", NAMES.join(", ")),
                format!("Unknown report \"{n}\". Available: {}.", NAMES.join(", ")),
            ),
            ReportError::NeedsProgram(n) => (
                format!("Der Bericht „{n}“ braucht ein Programm (--program)."),
                format!("The report \"{n}\" needs a programme (--program)."),
            ),
            ReportError::NeedsYear(n) => (
                format!("Der Bericht „{n}“ gilt für ein Kalenderjahr (--year)."),
                format!("The report \"{n}\" covers one calendar year (--year)."),
            ),
            ReportError::UnknownFunder(f) => (
                format!(
                    "Unbekannter Mittelgeber „{f}“. Möglich sind: {}.",
                    lotse_bundle::spec::FUNDING_CATEGORY.join(", ")
                ),
                format!("Unknown funder \"{f}\". Possible: {}.", lotse_bundle::spec::FUNDING_CATEGORY.join(", ")),
            ),
            ReportError::NeedsPeriod => (
                "Bitte einen Zeitraum angeben: --year JAHR oder --from DATUM --to DATUM.".into(),
                "Please give a period: --year YEAR or --from DATE --to DATE.".into(),
            ),
            ReportError::UnknownProgram(p) => (
                format!("Das Programm „{p}“ gibt es in diesem Mandanten nicht."),
                format!("There is no programme \"{p}\" in this tenant."),
            ),
            ReportError::BadRule(p, e) => (
                format!("Die Zielgruppenregel des Programms „{p}“ ist fehlerhaft: {e}"),
                format!("The target-group rule of programme \"{p}\" is invalid: {e}"),
            ),
            ReportError::NoStatistic(i, y) => (
                format!("Für die Kennzahl „{i}“ gibt es im Jahr {y} keine Werte der Sozialräume."),
                format!("There are no district values of \"{i}\" for {y}."),
            ),
            ReportError::NeedsTarget => (
                "Bitte die Größe der Zielgruppe angeben: --target-size ANZAHL oder --target-indicator KENNZAHL.".into(),
                "Please give the target group's size: --target-size N or --target-indicator INDICATOR.".into(),
            ),
            ReportError::Units(line, e) => {
                (format!("Einheiten-Datei, Zeile {line}: {e}"), format!("units file, line {line}: {e}"))
            }
            ReportError::Invalid(what, de, en) => {
                (format!("{what}: erwartet wird {de}."), format!("{what}: expected {en}."))
            }
            ReportError::UnknownDimension(d) => (
                format!("Unbekannte Dimension „{d}“. Möglich sind: {}.", query::DIMENSIONS.join(", ")),
                format!("Unknown dimension \"{d}\". Possible: {}.", query::DIMENSIONS.join(", ")),
            ),
        };
        match lang {
            Lang::De => de,
            Lang::En => en,
        }
    }
}

/// Computes a report over `data` (everything but `allocation`, which reads
/// units rather than a tenant's records: see [`allocation::compute`]).
pub fn compute(
    name: &str,
    data: &data::Dataset,
    period: Option<Period>,
    opts: &Options,
) -> Result<Report, ReportError> {
    let period_or = || period.ok_or(ReportError::NeedsPeriod);
    let today = || chrono::Local::now().date_naive();
    let mut r = match name {
        "key-figures" => key_figures::compute(data, period_or()?, opts),
        "programme" => programme::compute(data, period_or()?, opts)?,
        "esf" => esf::compute(data, period_or()?, opts),
        "reach" => eligibility::reach(data, period_or()?, opts)?,
        "caseload" => caseload::compute(data, opts.date.unwrap_or_else(today), opts),
        "eligibility" => eligibility::eligibility(data, opts.date.unwrap_or_else(today), opts)?,
        "query" => query::compute(data, period_or()?, opts)?,
        "proof-of-use" => proof_of_use::compute(data, period_or()?, opts)?,
        other => return Err(ReportError::UnknownReport(other.to_string())),
    };
    if let Some(t) = &mut r.trace {
        t.members.sort();
        t.members.dedup();
    }
    if opts.suppress {
        suppress::apply(&mut r);
    }
    Ok(r)
}
