//! A computed report: figures keyed as reports.md says, each with its
//! definition, plus the tables the renderers lay them out in and the groups
//! statistical disclosure control protects.

use crate::data::Date;
use crate::definitions::Def;
use crate::rules::Period;
use indexmap::IndexMap;

#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone)]
pub struct Table {
    pub title: Text,
    pub columns: Vec<Text>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub label: Text,
    /// One figure key per column (`None`: no figure in that cell).
    pub cells: Vec<Option<String>>,
}

/// A label in both languages of Lotse (or a code/id that needs none).
#[derive(Debug, Clone, PartialEq)]
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
}

impl Report {
    pub fn new(name: &'static str, tenant: &str, period: Option<Period>) -> Report {
        Report {
            name,
            tenant: tenant.to_string(),
            params: IndexMap::new(),
            period,
            figures: IndexMap::new(),
            tables: Vec::new(),
            groups: Vec::new(),
            basis: IndexMap::new(),
            suppressed: false,
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

    pub fn value(&self, key: &str) -> Option<&Value> {
        self.figures.get(key).and_then(|f| f.value.as_ref())
    }
}
