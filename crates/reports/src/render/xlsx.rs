//! A report as a workbook: one sheet per table with German number formats
//! (thousands separators, euro with two places, dates), a `*` for suppressed
//! values, and a sheet of definitions.

use super::value_display;
use crate::figure::{Report, Value};
use crate::{Lang, labels};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(title: &str, taken: &mut Vec<String>) -> String {
    let clean: String = title.chars().filter(|c| !"[]:*?/\\".contains(*c)).collect();
    let mut base: String = clean.trim().chars().take(28).collect::<String>().trim_end().to_string();
    if base.is_empty() {
        base = "Tabelle".into();
    }
    let mut name = base.clone();
    let mut i = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{base} {i}");
        i += 1;
    }
    taken.push(name.clone());
    name
}

pub fn render(r: &Report, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title_f = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_background_color("#EEF2F6").set_text_wrap();
    let count = Format::new().set_num_format("#,##0");
    let money = Format::new().set_num_format("#,##0.00 \"€\"");
    let number = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("DD.MM.YYYY");
    let star = Format::new().set_align(FormatAlign::Right);
    let mut taken = Vec::new();
    let title = labels::report_title(r.name);
    let period = super::html::period_text(r, lang);

    for table in &r.tables {
        let ws: &mut Worksheet = wb.add_worksheet();
        ws.set_name(sheet_name(table.title.get(lang), &mut taken))?;
        ws.write_with_format(0, 0, format!("{} – {}", title.get(lang), r.tenant), &title_f)?;
        ws.write(1, 0, format!("{}: {period}", if lang == Lang::De { "Zeitraum" } else { "Period" }))?;
        ws.write_with_format(3, 0, table.title.get(lang), &bold)?;
        for (j, c) in table.columns.iter().enumerate() {
            ws.write_with_format(4, j as u16 + 1, c.get(lang), &head)?;
        }
        for (i, row) in table.rows.iter().enumerate() {
            let y = 5 + i as u32;
            ws.write(y, 0, row.label.get(lang))?;
            for (j, key) in row.cells.iter().enumerate() {
                let x = j as u16 + 1;
                let Some(f) = key.as_ref().and_then(|k| r.figures.get(k)) else { continue };
                match &f.value {
                    None => ws.write_with_format(y, x, "*", &star)?,
                    Some(Value::Count(n)) => ws.write_with_format(y, x, *n as f64, &count)?,
                    Some(Value::Money(c)) => ws.write_with_format(y, x, *c as f64 / 100.0, &money)?,
                    Some(Value::Number(v)) => ws.write_with_format(y, x, *v, &number)?,
                    Some(Value::Date(d)) => {
                        use chrono::Datelike;
                        let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                        ws.write_with_format(y, x, &dt, &date)?
                    }
                    Some(v) => ws.write(y, x, value_display(Some(v), lang))?,
                };
            }
        }
        ws.set_column_width(0, 48)?;
        for j in 0..table.columns.len() {
            ws.set_column_width(j as u16 + 1, 16)?;
        }
        ws.set_freeze_panes(5, 1)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(if lang == Lang::De { "Definitionen" } else { "Definitions" }, &mut taken))?;
    ws.write_with_format(0, 0, if lang == Lang::De { "Kennzahl" } else { "Figure" }, &head)?;
    ws.write_with_format(0, 1, "Definition", &head)?;
    let mut seen = Vec::new();
    let mut y = 1;
    for f in r.figures.values() {
        if seen.contains(&f.def.key) {
            continue;
        }
        seen.push(f.def.key);
        ws.write(y, 0, f.def.key)?;
        ws.write(y, 1, f.def.text(lang))?;
        y += 1;
    }
    if r.suppressed {
        ws.write(
            y + 1,
            0,
            if lang == Lang::De {
                "* = statistische Geheimhaltung (Werte 1 und 2 und was sie verraten würde)"
            } else {
                "* = statistical disclosure control"
            },
        )?;
    }
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 100)?;
    wb.save_to_buffer()
}
