//! A computed report: figures keyed as reports.md says, each with its
//! definition, plus the tables the renderers lay them out in and the groups
//! statistical disclosure control protects.

use crate::data::Date;
use crate::definitions::Def;
use crate::rules::Period;
use indexmap::IndexMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", content = "v", rename_all = "snake_case")]
pub enum Value {
    Count(i64),
    /// Euro in whole cents, shown as a decimal string with two places.
    Money(i64),
    /// A rate or share.
    Number(f64),
    Date(Date),
    Bool(bool),
    Texts(Vec<String>),
}

impl Value {
    pub fn as_count(&self) -> Option<i64> {
        match self {
            Value::Count(n) => Some(*n),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Figure {
    /// `None` when suppressed.
    pub value: Option<Value>,
    pub suppressed: bool,
    pub def: &'static Def,
}

/// A table for display: rows of figure keys under column headings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub title: Text,
    pub columns: Vec<Text>,
    pub rows: Vec<Row>,
    /// The keys to draw as a bar chart (with the table as its text alternative).
    #[serde(default)]
    pub chart: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub label: Text,
    /// One figure key per column (`None`: no figure in that cell).
    pub cells: Vec<Option<String>>,
}

/// A label in both languages of Lotse (or a code/id that needs none).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Text {
    pub de: String,
    pub en: String,
}

impl Text {
    pub fn new(de: impl Into<String>, en: impl Into<String>) -> Text {
        Text { de: de.into(), en: en.into() }
    }
    pub fn same(s: impl Into<String>) -> Text {
        let s = s.into();
        Text { de: s.clone(), en: s }
    }
    pub fn get(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::De => &self.de,
            crate::Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    /// The report's name as in reports.md (`key-figures`, `esf`, ...).
    pub name: &'static str,
    pub tenant: String,
    /// The tenant's name for titles (the id when not known).
    pub tenant_name: Option<String>,
    /// The parameters it was computed with, as given (`year`, `program`, ...).
    pub params: IndexMap<String, String>,
    pub period: Option<Period>,
    pub figures: IndexMap<String, Figure>,
    pub tables: Vec<Table>,
    /// Sets of counts where one value can be computed from the others
    /// (a row or column with its total); see [`crate::suppress`].
    pub groups: Vec<Vec<String>>,
    /// For figures that are not counts (a share, a caseload per FTE): the
    /// key of the count they rest on; when that count is withheld, so are they.
    pub basis: IndexMap<String, String>,
    /// Whether statistical disclosure control was applied.
    pub suppressed: bool,
    /// When asked for: the records behind one figure (see [`Trace`]).
    pub trace: Option<Trace>,
}

/// The records behind one count: persons by their (pseudonymous) id,
/// participations and offers by theirs — never names.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, utoipa::ToSchema)]
pub struct Member {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
}

impl Member {
    pub fn person(id: &str) -> Member {
        Member { person: Some(id.to_string()), ..Default::default() }
    }
    pub fn participation(person: &str, id: &str) -> Member {
        Member { person: Some(person.to_string()), participation: Some(id.to_string()), offer: None }
    }
    pub fn offer(id: &str) -> Member {
        Member { offer: Some(id.to_string()), ..Default::default() }
    }
}

/// Collects the members of the figure `key` while a report is computed.
#[derive(Debug, Clone)]
pub struct Trace {
    pub key: String,
    pub members: Vec<Member>,
}

impl Report {
    pub fn new(name: &'static str, tenant: &str, period: Option<Period>) -> Report {
        Report {
            name,
            tenant: tenant.to_string(),
            tenant_name: None,
            params: IndexMap::new(),
            period,
            figures: IndexMap::new(),
            tables: Vec::new(),
            groups: Vec::new(),
            basis: IndexMap::new(),
            suppressed: false,
            trace: None,
        }
    }

    pub fn param(&mut self, key: &str, value: impl ToString) -> &mut Self {
        self.params.insert(key.to_string(), value.to_string());
        self
    }

    pub fn put(&mut self, key: impl Into<String>, def: &'static Def, value: Value) {
        self.figures.insert(key.into(), Figure { value: Some(value), suppressed: false, def });
    }

    pub fn count(&mut self, key: impl Into<String>, def: &'static Def, n: usize) {
        self.put(key, def, Value::Count(n as i64));
    }

    /// Records `member` as one of those behind `key`, when that figure is traced.
    /// The key is built only then.
    pub fn note(&mut self, key: impl FnOnce() -> String, member: impl FnOnce() -> Member) {
        if let Some(t) = &mut self.trace
            && key() == t.key
        {
            t.members.push(member());
        }
    }

    /// The tenant as titles show it.
    pub fn tenant_title(&self) -> &str {
        self.tenant_name.as_deref().unwrap_or(&self.tenant)
    }
}

/// A report as stored when it is published: everything needed to render it
/// again in every format, unchanged, without the data it was computed from.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    report: String,
    tenant: String,
    #[serde(default)]
    tenant_name: Option<String>,
    params: IndexMap<String, String>,
    period: Option<(Date, Date)>,
    suppressed: bool,
    figures: IndexMap<String, StoredFigure>,
    tables: Vec<Table>,
    groups: Vec<Vec<String>>,
    basis: IndexMap<String, String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredFigure {
    value: Option<Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    suppressed: bool,
    /// The definition's key within the report (`persons_total`, `EECO01`, ...).
    def: String,
}

impl Report {
    /// The report as canonical JSON bytes (the same report gives the same bytes).
    pub fn to_stored(&self) -> Vec<u8> {
        let s = Stored {
            report: self.name.to_string(),
            tenant: self.tenant.clone(),
            tenant_name: self.tenant_name.clone(),
            params: self.params.clone(),
            period: self.period.map(|p| (p.from, p.to)),
            suppressed: self.suppressed,
            figures: self
                .figures
                .iter()
                .map(|(k, f)| {
                    (
                        k.clone(),
                        StoredFigure { value: f.value.clone(), suppressed: f.suppressed, def: f.def.key.to_string() },
                    )
                })
                .collect(),
            tables: self.tables.clone(),
            groups: self.groups.clone(),
            basis: self.basis.clone(),
        };
        serde_json::to_vec(&s).expect("serialisable")
    }

    /// Reads a report written by [`Report::to_stored`].
    pub fn from_stored(bytes: &[u8]) -> Result<Report, String> {
        let s: Stored = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let name = crate::NAMES
            .iter()
            .copied()
            .find(|n| *n == s.report)
            .ok_or_else(|| format!("unknown report {}", s.report))?;
        let mut figures = IndexMap::new();
        for (k, f) in s.figures {
            let def = crate::definitions::of_report(name)
                .find(|d| d.key == f.def)
                .ok_or_else(|| format!("unknown definition {} of {name}", f.def))?;
            figures.insert(k, Figure { value: f.value, suppressed: f.suppressed, def });
        }
        Ok(Report {
            name,
            tenant: s.tenant,
            tenant_name: s.tenant_name,
            params: s.params,
            period: s.period.map(|(from, to)| Period { from, to }),
            figures,
            tables: s.tables,
            groups: s.groups,
            basis: s.basis,
            suppressed: s.suppressed,
            trace: None,
        })
    }

    /// The keys whose values differ between two reports (or exist in one only).
    pub fn differences(&self, other: &Report) -> Vec<String> {
        let mut keys: Vec<&String> = self.figures.keys().chain(other.figures.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| self.figures.get(*k).map(|f| &f.value) != other.figures.get(*k).map(|f| &f.value))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions as d;

    #[test]
    fn a_stored_report_reads_back_identical() {
        let mut r = Report::new("key-figures", "t", Period::year(2023));
        r.param("year", 2023);
        r.count("persons_total", &d::PERSONS_TOTAL, 46);
        r.put("finance.net_cost", &d::FINANCE_NET_COST, Value::Money(-251209790));
        r.put("persons_by_gender.diverse", &d::PERSONS_BY_GENDER, Value::Count(2));
        r.groups.push(vec!["persons_total".into(), "persons_by_gender.diverse".into()]);
        crate::suppress::apply(&mut r);
        let bytes = r.to_stored();
        let back = Report::from_stored(&bytes).unwrap();
        assert_eq!(back.to_stored(), bytes);
        assert!(back.figures["persons_by_gender.diverse"].suppressed);
        assert!(std::ptr::eq(back.figures["persons_total"].def, &d::PERSONS_TOTAL));
        assert!(back.differences(&r).is_empty());
        let mut changed = back.clone();
        changed.count("persons_total", &d::PERSONS_TOTAL, 47);
        assert_eq!(changed.differences(&r), vec!["persons_total".to_string()]);
    }
}
