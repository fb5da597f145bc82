//! The Lotse data bundle (exchange format, version 1).
//!
//! [`spec`] lists its files and columns — the contract. [`source`] reads a
//! bundle from a folder, a `.zip` or an `.xlsx` workbook, in the canonical or
//! the German spreadsheet dialect, row by row. [`cell`] turns a row's text
//! into typed values, with errors that say file, line and column. [`write`]
//! writes canonical CSV (and zip/xlsx) for the export.

pub mod cell;
pub mod demo;
pub mod generate;
pub mod source;
pub mod spec;
pub mod write;

pub use cell::{Cell, Dialect};
pub use spec::{Col, FILES, FileSpec, Kind};

/// A problem found in a bundle, located as a spreadsheet shows it:
/// `file:line:column: message` (header = line 1; column = its header name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub de: String,
    pub en: String,
}

impl Problem {
    pub fn new(file: &str, line: u64, column: &str, de: impl Into<String>, en: impl Into<String>) -> Self {
        Problem { file: file.to_owned(), line, column: column.to_owned(), de: de.into(), en: en.into() }
    }

    pub fn render(&self, english: bool) -> String {
        let msg = if english { &self.en } else { &self.de };
        if self.column.is_empty() {
            format!("{}:{}: {msg}", self.file, self.line)
        } else {
            format!("{}:{}:{}: {msg}", self.file, self.line, self.column)
        }
    }
}
