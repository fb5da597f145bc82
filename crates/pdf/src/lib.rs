//! Reports as PDF: the figures of [`lotse_reports::Report`] laid out by
//! typst — a title page with the tenant and the period, contents, one
//! section per table with its bar chart, each figure's definition as a
//! numbered note, page numbers. Fonts are embedded in the binary; the
//! document reads its text from a JSON file (`data.json`), so nothing from
//! the data is ever parsed as markup.
//!
//! typst is expensive to compile and to run: this crate keeps it out of the
//! rest of the code, and callers in async code run [`render`] in
//! `spawn_blocking`.

use std::sync::OnceLock;

use lotse_domain::Lang;
use lotse_reports::figure::{Report, Table};
use lotse_reports::labels;
use lotse_reports::render::{Format, RenderError, chart_bars, value_display};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

pub mod agreement;
pub mod person_export;
pub mod statement;

const TEMPLATE: &str = include_str!("report.typ");

/// Any format: PDF here, the others by `lotse_reports::render`.
pub fn render(report: &Report, format: Format, lang: Lang) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Pdf => pdf(report, lang),
        other => lotse_reports::render::render(report, other, lang),
    }
}

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    library: LazyHash<Library>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        Fonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts, library: LazyHash::new(Library::default()) }
    })
}

struct Doc {
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: chrono::NaiveDate,
}

fn file_id(name: &str) -> FileId {
    RootedPath::new(VirtualRoot::Project, VirtualPath::new(name).expect("a valid path")).intern()
}

impl World for Doc {
    fn library(&self) -> &LazyHash<Library> {
        &fonts().library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id { Ok(self.data.clone()) } else { Err(FileError::AccessDenied) }
    }
    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        use chrono::Datelike;
        Datetime::from_ymd(self.today.year(), self.today.month() as u8, self.today.day() as u8)
    }
}

fn t(lang: Lang, de: &str, en: &str) -> String {
    if lang == Lang::De { de.into() } else { en.into() }
}

/// The text the template lays out.
fn data(r: &Report, lang: Lang) -> serde_json::Value {
    let mut tables = Vec::new();
    let mut note_of: Vec<&str> = Vec::new();
    for table in &r.tables {
        let mut notes = Vec::new();
        let mut note = |text: &'static str| -> usize {
            match note_of.iter().position(|x| *x == text) {
                Some(i) => i + 1,
                None => {
                    note_of.push(text);
                    notes.push(serde_json::json!({"n": note_of.len(), "text": text}));
                    note_of.len()
                }
            }
        };
        let def_of = |c: &Option<String>| c.as_ref().and_then(|k| r.figures.get(k)).map(|f| f.def.text(lang));
        // A definition per row (one figure per row, or the ESF's splits) goes
        // on the row; otherwise one per column on the column's heading.
        let by_row = table.rows.iter().all(|row| {
            let defs: Vec<&str> = row.cells.iter().filter_map(def_of).collect();
            defs.windows(2).all(|w| w[0] == w[1])
        });
        let mut columns: Vec<serde_json::Value> = Vec::new();
        for (j, c) in table.columns.iter().enumerate() {
            let marker =
                if by_row { None } else { table.rows.iter().find_map(|row| row.cells.get(j).and_then(def_of)) };
            columns.push(serde_json::json!({"text": c.get(lang), "n": marker.map(&mut note)}));
        }
        let rows: Vec<serde_json::Value> = table
            .rows
            .iter()
            .map(|row| {
                let marker = if by_row { row.cells.iter().find_map(def_of).map(&mut note) } else { None };
                let cells: Vec<serde_json::Value> = row
                    .cells
                    .iter()
                    .map(|c| match c.as_ref().and_then(|k| r.figures.get(k)) {
                        None => serde_json::Value::Null,
                        Some(f) => value_display(f.value.as_ref(), lang).into(),
                    })
                    .collect();
                serde_json::json!({"label": row.label.get(lang), "n": marker, "cells": cells})
            })
            .collect();
        tables.push(serde_json::json!({
            "title": table.title.get(lang),
            "columns": columns,
            "rows": rows,
            "notes": notes,
            "bars": bars(r, table, lang),
            "chart_title": t(lang, "Grafik (Werte wie in der Tabelle)", "Chart (values as in the table)"),
            "wide": table.columns.len() > 6,
        }));
    }
    let params = lotse_reports::render::params_text(r, lang);
    serde_json::json!({
        "lang": if lang == Lang::De { "de" } else { "en" },
        "title": labels::report_title(r.name).get(lang),
        "tenant": r.tenant_title(),
        "period_label": t(lang, "Zeitraum", "Period"),
        "period": lotse_reports::render::html::period_text(r, lang),
        "params": params,
        "suppressed": r.suppressed,
        "suppression_note": t(lang,
            "Statistische Geheimhaltung: Werte von 1 und 2 sowie Werte, aus denen sie sich errechnen ließen, sind durch * ersetzt.",
            "Statistical disclosure control: values of 1 and 2, and values from which they could be computed, are replaced by *."),
        "created": format!("{} {}", t(lang, "Erstellt mit Lotse am", "Created with Lotse on"), labels::date_de(chrono::Local::now().date_naive())),
        "contents_label": t(lang, "Inhalt", "Contents"),
        "page_label": t(lang, "Seite", "Page"),
        "of_label": t(lang, "von", "of"),
        "tables": tables,
    })
}

/// Bars of the table's chart, each a fraction of the largest.
fn bars(r: &Report, table: &Table, lang: Lang) -> Vec<serde_json::Value> {
    chart_bars(r, table, lang)
        .into_iter()
        .map(|b| serde_json::json!({"label": b.label, "frac": b.frac, "shown": b.shown}))
        .collect()
}

/// Lays out `template` with `data` as its `data.json`.
fn typeset(template: &str, data: &serde_json::Value) -> Result<PagedDocument, RenderError> {
    let doc = Doc {
        main: Source::new(file_id("main.typ"), template.to_string()),
        data_id: file_id("data.json"),
        data: Bytes::new(serde_json::to_vec(data).expect("serialisable")),
        today: chrono::Local::now().date_naive(),
    };
    typst::compile(&doc)
        .output
        .map_err(|errs| RenderError(errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))
}

/// Typesets the report as PDF.
pub fn pdf(r: &Report, lang: Lang) -> Result<Vec<u8>, RenderError> {
    let document = typeset(TEMPLATE, &data(r, lang))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|errs| RenderError(errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))
}
