//! Reports: the policy decides who may see which figures, storage gives the
//! records in the actor's scope, `lotse_reports` computes. One snapshot per
//! report, so that every figure of it reads the same data.

use lotse_db::entity::{district, district_stat};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, always_suppressed, authorize, report_scope};
use lotse_domain::{Actor, DomainError};
use lotse_reports::allocation::{self, Unit};
use lotse_reports::data::Dataset;
use lotse_reports::{Lang, Options, Period, Report, ReportError};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

use crate::Lotse;
use crate::audit::Event;
use crate::error::db_err;
use crate::report_data::{self, Load};
use std::sync::Arc;

/// A report as asked for: its name, period and options.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub name: String,
    pub period: Option<Period>,
    pub opts: Options,
}

pub fn report_error(e: ReportError) -> DomainError {
    let field: String = match &e {
        ReportError::UnknownReport(_) => "report",
        ReportError::NeedsProgram(_) | ReportError::UnknownProgram(_) | ReportError::BadRule(..) => "program",
        ReportError::NeedsPeriod => "period",
        ReportError::NoStatistic(..) | ReportError::NeedsTarget => "target",
        ReportError::Units(..) => "units",
        ReportError::Invalid(f, ..) => {
            return DomainError::invalid(
                f.trim_start_matches('-').replace('-', "_"),
                e.message(Lang::De),
                e.message(Lang::En),
            );
        }
        ReportError::UnknownDimension(_) => "dimension",
        ReportError::NeedsYear(_) => "year",
        ReportError::UnknownFunder(_) => "funder",
    }
    .into();
    DomainError::invalid(field, e.message(Lang::De), e.message(Lang::En))
}

impl Lotse {
    /// Computes a report for the actor: their tenant, the persons their role
    /// may count, suppression where it must apply.
    pub async fn report(&self, actor: &Actor, req: &ReportRequest) -> Result<Report, DomainError> {
        authorize(actor, Action::Read, &Resource::Report)?;
        if lotse_reports::lists_persons(&req.name) {
            authorize(actor, Action::Read, &Resource::Records)?;
        }
        // The proof of use is an account of money: who reads the books reads it.
        if req.name == "proof-of-use" {
            authorize(actor, Action::Read, &Resource::Finance)?;
        }
        if !lotse_reports::NAMES.contains(&req.name.as_str()) || req.name == "allocation" {
            return Err(report_error(ReportError::UnknownReport(req.name.clone())));
        }
        if lotse_reports::needs_period(&req.name) && req.period.is_none() {
            return Err(report_error(ReportError::NeedsPeriod));
        }
        if req.name == "query" {
            lotse_reports::query::check(&req.opts).map_err(report_error)?;
        }
        // Which participations the report can need: those active in the
        // period, or on the day of a caseload; none for eligibility.
        // "Today" is taken once, for loading and computing alike.
        let mut opts = req.opts.clone();
        opts.date.get_or_insert_with(|| chrono::Local::now().date_naive());
        let window = match req.name.as_str() {
            "eligibility" => None,
            "caseload" => opts.date.map(|d| Period { from: d, to: d }),
            _ => req.period,
        };
        let data = self.load_dataset(actor, window).await?;
        opts.suppress |= always_suppressed(actor);
        let started = std::time::Instant::now();
        let mut report = lotse_reports::compute(&req.name, &data, req.period, &opts).map_err(report_error)?;
        report.tenant_name = Some(self.tenant(&actor.tenant).await?.name);
        tracing::debug!(report = req.name, ms = started.elapsed().as_millis() as u64, "report computed");
        let params: serde_json::Map<String, serde_json::Value> =
            report.params.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect();
        self.record_read(actor, Event::new(AuditAction::Read, "report", &req.name).changes(params.into())).await?;
        Ok(report)
    }

    /// The latest calendar year in which anyone entered an offer (the year a
    /// start page's key figures are about when the current one is empty).
    pub async fn latest_activity_year(&self, actor: &Actor) -> Result<Option<i32>, DomainError> {
        use chrono::Datelike;
        use lotse_db::entity::participation;
        use sea_orm::QuerySelect;
        authorize(actor, Action::Read, &Resource::Report)?;
        let latest: Option<Option<chrono::NaiveDate>> = participation::Entity::find()
            .select_only()
            .column_as(participation::Column::EntryDate.max(), "latest")
            .filter(participation::Column::TenantId.eq(actor.tenant.as_str()))
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(latest.flatten().map(|d| d.year()))
    }

    /// The units of an allocation from the tenant's districts without a
    /// parent: population from `district_stats` of `year`, area from the district.
    pub async fn allocation_units(&self, actor: &Actor, year: i32) -> Result<Vec<Unit>, DomainError> {
        authorize(actor, Action::Read, &Resource::Report)?;
        let t = actor.tenant.as_str();
        let districts = district::Entity::find()
            .filter(district::Column::TenantId.eq(t))
            .filter(district::Column::ParentId.is_null())
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let pops: HashMap<String, f64> = district_stat::Entity::find()
            .filter(district_stat::Column::TenantId.eq(t))
            .filter(district_stat::Column::Year.eq(year))
            .filter(district_stat::Column::Indicator.eq("population"))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|s| (s.district_id, s.value))
            .collect();
        let mut units = Vec::new();
        for d in districts {
            let exact = |x: f64| allocation::decimal(&format!("{x}")).unwrap_or_default();
            let Some(pop) = pops.get(&d.id) else {
                return Err(DomainError::invalid(
                    "units",
                    format!("Für „{}“ ({}) fehlt die Einwohnerzahl (population) des Jahres {year}.", d.name, d.id),
                    format!("\"{}\" ({}) has no population for {year}.", d.name, d.id),
                ));
            };
            units.push(Unit {
                id: d.id.clone(),
                name: d.name.clone(),
                population: exact(*pop),
                area_km2: match d.area_km2 {
                    Some(a) => exact(a),
                    None => {
                        return Err(DomainError::invalid(
                            "units",
                            format!("Für „{}“ ({}) fehlt die Fläche (area_km2).", d.name, d.id),
                            format!("\"{}\" ({}) has no area_km2.", d.name, d.id),
                        ));
                    }
                },
                weight: None,
            });
        }
        units.sort_by(|a, b| a.id.cmp(&b.id));
        if units.is_empty() {
            return Err(DomainError::invalid(
                "units",
                "Dieser Mandant hat keine Kreise oder Bezirke ohne übergeordneten Bezirk.",
                "This tenant has no districts without a parent.",
            ));
        }
        Ok(units)
    }

    /// The data a report for `actor` reads: the resident copy of the
    /// tenant's data where the server keeps one, else loaded now — the
    /// participations active in `window` (None: every person, no
    /// participations). Cut to what the actor may count.
    pub async fn load_dataset(&self, actor: &Actor, window: Option<Period>) -> Result<Arc<Dataset>, DomainError> {
        let t = actor.tenant.as_str();
        let scope = report_scope(actor)?;
        let full = match &self.resident {
            Some(r) => r.get(&self.db, t).await?,
            None => Arc::new(report_data::load(&self.db, t, window.map_or(Load::PersonsOnly, Load::Window)).await?.1),
        };
        Ok(report_data::scoped(&full, &scope))
    }
}

/// A report's parameters as text, the way the command line and the API get
/// them; [`ReportParams::request`] checks them in one place for both.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Calendar year (instead of from/to).
    pub year: Option<String>,
    /// First day of the period (YYYY-MM-DD).
    pub from: Option<String>,
    /// Last day of the period (YYYY-MM-DD).
    pub to: Option<String>,
    /// Programme id (programme, reach, eligibility, proof-of-use; restricts the others).
    pub program: Option<String>,
    /// Proof of use: the funder it is addressed to (federal, land, esf, jobcenter, municipality, other).
    pub funder: Option<String>,
    /// Statistical disclosure control (always on for the controller role).
    pub suppress: Option<bool>,
    /// Day of a caseload or eligibility report (default today).
    pub date: Option<String>,
    /// Caseload: cases per full-time post aimed at (default 80).
    pub target: Option<String>,
    /// Reach: size of the target group.
    pub target_size: Option<String>,
    /// Reach: district statistic giving the target group's size.
    pub target_indicator: Option<String>,
    /// Query: one or two row dimensions, comma-separated.
    pub rows: Option<String>,
    /// Query: the column dimension.
    pub cols: Option<String>,
    /// Query: persons, participations or exits (default persons).
    pub measure: Option<String>,
    /// Query: age band limits (default 18,30,55).
    pub age_bands: Option<String>,
}

fn bad(field: &str, de: String, en: String) -> DomainError {
    DomainError::invalid(field, de, en)
}

fn date_param(field: &str, v: &Option<String>) -> Result<Option<chrono::NaiveDate>, DomainError> {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse().map_err(|_| {
                bad(
                    field,
                    format!("„{s}“ ist kein Datum (JJJJ-MM-TT)."),
                    format!("\"{s}\" is not a date (YYYY-MM-DD)."),
                )
            })
        })
        .transpose()
}

fn number_param<T: std::str::FromStr>(field: &str, v: &Option<String>) -> Result<Option<T>, DomainError> {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse().map_err(|_| bad(field, format!("„{s}“ ist keine Zahl."), format!("\"{s}\" is not a number.")))
        })
        .transpose()
}

impl ReportParams {
    pub fn request(&self, name: &str) -> Result<ReportRequest, DomainError> {
        let mut opts = Options::default();
        opts.year = number_param("year", &self.year)?;
        let from = date_param("from", &self.from)?;
        let to = date_param("to", &self.to)?;
        let period = match (opts.year, from, to) {
            (Some(y), None, None) => Some(Period::year(y).filter(|_| (1900..=2200).contains(&y)).ok_or_else(|| {
                bad("year", format!("{y} ist kein gültiges Jahr."), format!("{y} is not a valid year."))
            })?),
            (Some(_), _, _) => {
                return Err(bad(
                    "year",
                    "Bitte entweder --year oder --from/--to angeben, nicht beides.".into(),
                    "Give either --year or --from/--to, not both.".into(),
                ));
            }
            (None, Some(from), Some(to)) if from <= to => Some(Period { from, to }),
            (None, Some(_), Some(_)) => {
                return Err(bad(
                    "to",
                    "Das Ende liegt vor dem Anfang des Zeitraums.".into(),
                    "The period ends before it begins.".into(),
                ));
            }
            (None, Some(_), None) | (None, None, Some(_)) => {
                return Err(bad(
                    "period",
                    "Bitte Anfang und Ende angeben (--from und --to).".into(),
                    "Give both --from and --to.".into(),
                ));
            }
            (None, None, None) => None,
        };
        opts.program = self.program.clone().filter(|s| !s.is_empty());
        opts.funder = self.funder.clone().filter(|s| !s.is_empty());
        opts.suppress = self.suppress.unwrap_or(false);
        opts.date = date_param("date", &self.date)?;
        opts.target = number_param::<f64>("target", &self.target)?;
        if opts.target.is_some_and(|t| !(t > 0.0 && t.is_finite())) {
            return Err(bad(
                "target",
                "Der Zielschlüssel muss größer als 0 sein.".into(),
                "The target must be above 0.".into(),
            ));
        }
        opts.target_size = number_param("target_size", &self.target_size)?;
        opts.target_indicator = self.target_indicator.clone().filter(|s| !s.is_empty());
        let list = |s: &Option<String>| -> Vec<String> {
            s.as_deref().unwrap_or("").split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()
        };
        opts.rows = list(&self.rows);
        opts.cols = self.cols.clone().filter(|s| !s.is_empty());
        if let Some(m) = self.measure.clone().filter(|s| !s.is_empty()) {
            opts.measure = m;
        }
        if self.age_bands.as_deref().is_some_and(|s| !s.is_empty()) {
            opts.age_bands =
                list(&self.age_bands).iter().map(|b| b.parse::<i32>()).collect::<Result<_, _>>().map_err(|_| {
                    bad(
                        "age_bands",
                        "Altersgrenzen als ganze Zahlen, z. B. 18,30,55.".into(),
                        "Age limits as whole numbers, e.g. 18,30,55.".into(),
                    )
                })?;
        }
        Ok(ReportRequest { name: name.to_string(), period, opts })
    }
}

/// The records behind one count of a report.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Records {
    pub report: String,
    pub key: String,
    pub definition: String,
    pub value: i64,
    /// Persons by id, participations and offers by theirs — no names.
    pub records: Vec<lotse_reports::figure::Member>,
    /// Where the count holds more than the records (people recorded only as
    /// a head count).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Figures that are counts but not of records: a maximum over days.
fn traceable(key: &str, f: &lotse_reports::Figure) -> bool {
    f.def.counts() && !key.ends_with(".peak_concurrent") && matches!(f.value, Some(lotse_reports::Value::Count(_)))
}

impl Lotse {
    /// Lists the (pseudonymised) records behind the figure `key` of a report:
    /// for coordinators and the providers' staff (their own persons), never
    /// for the controller. Recorded in the audit trail.
    pub async fn report_records(
        &self,
        actor: &Actor,
        req: &ReportRequest,
        key: &str,
        lang: Lang,
    ) -> Result<Records, DomainError> {
        authorize(actor, Action::Read, &Resource::Records)?;
        let mut req = req.clone();
        req.opts.suppress = false;
        req.opts.trace = Some(key.to_string());
        let report = self.report(actor, &req).await?;
        let Some(f) = report.figures.get(key) else {
            return Err(DomainError::invalid(
                "key",
                format!("Der Bericht „{}“ hat keine Kennzahl „{key}“.", req.name),
                format!("The report \"{}\" has no figure \"{key}\".", req.name),
            ));
        };
        if !traceable(key, f) {
            return Err(DomainError::invalid(
                "key",
                format!("„{key}“ ist keine Anzahl von Datensätzen; dahinter stehen keine einzelnen Datensätze."),
                format!("\"{key}\" is not a count of records."),
            ));
        }
        let value = f.value.as_ref().and_then(|v| v.as_count()).unwrap_or(0);
        let members = report.trace.map(|t| t.members).unwrap_or_default();
        let unlisted = value - members.len() as i64;
        let heads = matches!(key, "group_participants" | "participants_total");
        if unlisted < 0 || (unlisted > 0 && !heads) {
            return Err(DomainError::internal(format!("{}: {key} = {value}, but {} records", req.name, members.len())));
        }
        let note = (unlisted > 0).then(|| match lang {
            Lang::De => format!(
                "{unlisted} der {value} sind namentlich nicht erfasste Teilnehmende von Gruppenangeboten und hier nicht aufgeführt."
            ),
            Lang::En => format!("{unlisted} of the {value} are unregistered participants of group offers, not listed."),
        });
        self.record_read(
            actor,
            Event::new(AuditAction::Read, "report_records", &req.name)
                .changes(serde_json::json!({"key": key, "records": members.len()})),
        )
        .await?;
        Ok(Records {
            report: req.name.clone(),
            key: key.to_string(),
            definition: f.def.text(lang).to_string(),
            value,
            records: members,
            note,
        })
    }
}
