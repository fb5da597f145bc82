//! The same figures in every format: JSON (the reference shape of
//! reports.md), CSV (one line per figure), XLSX (one sheet per table) and
//! HTML (tables with each figure's definition).

use crate::figure::{Report, Value};
use crate::{Lang, labels};
use lotse_bundle::cell::format_money;

pub mod html;
pub mod xlsx;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
    Html,
    /// Typeset by the `lotse-pdf` crate.
    Pdf,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "html" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }
}

/// A report that cannot be written in a format (an XLSX sheet has at most
/// 1,048,576 rows and 16,384 columns).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(pub String);

pub fn render(r: &Report, format: Format, lang: Lang) -> Result<Vec<u8>, RenderError> {
    Ok(match format {
        Format::Json => json_bytes(r, lang),
        Format::Csv => csv(r, lang),
        Format::Xlsx => xlsx::render(r, lang).map_err(|e| RenderError(e.to_string()))?,
        Format::Html => html::render(r, lang).into_bytes(),
        Format::Pdf => return Err(RenderError("PDF is typeset by lotse_pdf::render".into())),
    })
}

pub fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Count(n) => (*n).into(),
        Value::Money(c) => format_money(*c).into(),
        Value::Number(x) => serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Date(d) => d.to_string().into(),
        Value::Bool(b) => (*b).into(),
        Value::Texts(t) => t.clone().into(),
    }
}

#[derive(serde::Serialize)]
struct FigureJson<'a> {
    value: serde_json::Value,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    suppressed: bool,
    definition: &'a str,
}

#[derive(serde::Serialize)]
struct ReportJson<'a> {
    report: &'a str,
    tenant: &'a str,
    params: &'a indexmap::IndexMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<serde_json::Value>,
    suppressed: bool,
    figures: indexmap::IndexMap<&'a str, FigureJson<'a>>,
}

/// The reference form: `{report, tenant, params, period, figures: {key:
/// {value, definition}}}`, figures in the report's order.
pub fn json(r: &Report, lang: Lang) -> serde_json::Value {
    serde_json::from_slice(&json_bytes(r, lang)).expect("valid JSON")
}

fn json_bytes(r: &Report, lang: Lang) -> Vec<u8> {
    let doc = ReportJson {
        report: r.name,
        tenant: &r.tenant,
        params: &r.params,
        period: r.period.map(|p| serde_json::json!({"from": p.from.to_string(), "to": p.to.to_string()})),
        suppressed: r.suppressed,
        figures: r
            .figures
            .iter()
            .map(|(k, f)| {
                let value = f.value.as_ref().map_or(serde_json::Value::Null, value_json);
                (k.as_str(), FigureJson { value, suppressed: f.suppressed, definition: f.def.text(lang) })
            })
            .collect(),
    };
    let mut out = serde_json::to_vec_pretty(&doc).expect("serialisable");
    out.push(b'\n');
    out
}

/// A bar of a chart: label, value (0 when withheld), value as shown.
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// The bar's length as a share of the longest.
    pub frac: f64,
    pub shown: String,
}

/// The bars of a table's chart, labelled by the row that shows each figure;
/// amounts in euro, withheld values as `*`. Empty when there is nothing to
/// draw (no chart, fewer than two bars, nothing above zero).
pub fn chart_bars(r: &Report, table: &crate::figure::Table, lang: Lang) -> Vec<Bar> {
    let mut bars: Vec<Bar> = table
        .chart
        .iter()
        .filter_map(|key| {
            let f = r.figures.get(key)?;
            let row = table.rows.iter().find(|row| row.cells.iter().any(|c| c.as_deref() == Some(key.as_str())))?;
            let value = match f.value.as_ref() {
                Some(Value::Count(n)) => *n as f64,
                Some(Value::Money(c)) => (*c as f64 / 100.0).max(0.0),
                Some(Value::Number(x)) => x.max(0.0),
                _ => 0.0,
            };
            Some(Bar {
                label: row.label.get(lang).to_string(),
                value,
                frac: 0.0,
                shown: value_display(f.value.as_ref(), lang),
            })
        })
        .collect();
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    if bars.len() < 2 || max <= 0.0 {
        return Vec::new();
    }
    for b in &mut bars {
        b.frac = b.value / max;
    }
    bars
}

/// The parameters a title shows besides the period ("Programm: sy-a").
pub fn params_text(r: &Report, lang: Lang) -> Vec<String> {
    r.params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "year" | "from" | "to"))
        .map(|(k, v)| {
            let de = match k.as_str() {
                "program" => "Programm",
                "funder" => "Mittelgeber",
                "key" => "Schlüssel",
                "total" => "Gesamtbetrag",
                "date" => "Stichtag",
                "target" => "Zielschlüssel",
                "target_size" => "Größe der Zielgruppe",
                "target_indicator" => "Kennzahl der Zielgruppe",
                "rows" => "Zeilen",
                "cols" => "Spalten",
                "measure" => "gezählt",
                "age_bands" => "Altersgrenzen",
                other => other,
            };
            let v = match (k.as_str(), lang) {
                ("total", Lang::De) => lotse_bundle::cell::parse_money(v, lotse_bundle::cell::Dialect::Canonical)
                    .map(|c| value_display(Some(&Value::Money(c)), lang))
                    .unwrap_or_else(|| v.clone()),
                ("funder" | "key", Lang::De) => labels::code(if k == "key" { "key" } else { "funding" }, v).de,
                _ => v.clone(),
            };
            match lang {
                Lang::De => format!("{de}: {v}"),
                Lang::En => format!("{k}: {v}"),
            }
        })
        .collect()
}

/// Plain text of a value for CSV and tables (canonical: dot decimals).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Count(n) => n.to_string(),
        Value::Money(c) => format_money(*c),
        Value::Number(x) => format!("{x}"),
        Value::Date(d) => d.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Texts(t) => t.join("; "),
    }
}

/// One line per figure: `key,value,suppressed,definition` (canonical values;
/// a suppressed value is empty).
pub fn csv(r: &Report, lang: Lang) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let head = match lang {
        Lang::De => ["schluessel", "wert", "gesperrt", "definition"],
        Lang::En => ["key", "value", "suppressed", "definition"],
    };
    w.write_record(head).expect("in memory");
    for (k, f) in &r.figures {
        let v = f.value.as_ref().map(value_text).unwrap_or_default();
        w.write_record([k.as_str(), &v, if f.suppressed { "true" } else { "false" }, f.def.text(lang)])
            .expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// A value as a German reader expects it: `1.351`, `3.352.775,68 €`, `0,35`,
/// `30.06.2023`; `*` where suppressed.
pub fn value_display(v: Option<&Value>, lang: Lang) -> String {
    let Some(v) = v else { return "*".into() };
    match (v, lang) {
        (Value::Count(n), Lang::De) => group_de(&n.to_string()),
        (Value::Money(c), Lang::De) => {
            let s = format_money(*c);
            let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
            format!("{},{frac} €", group_de(int))
        }
        (Value::Number(x), Lang::De) => {
            let s = format!("{:.2}", x);
            let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
            format!("{},{frac}", group_de(int))
        }
        (Value::Date(d), Lang::De) => labels::date_de(*d),
        (Value::Bool(b), Lang::De) => if *b { "ja" } else { "nein" }.into(),
        (Value::Number(x), Lang::En) => format!("{x:.2}"),
        (v, _) => value_text(v),
    }
}

fn group_de(int: &str) -> String {
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(ch);
    }
    format!("{sign}{out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_numbers() {
        assert_eq!(value_display(Some(&Value::Count(1351)), Lang::De), "1.351");
        assert_eq!(value_display(Some(&Value::Money(-251209790)), Lang::De), "-2.512.097,90 €");
        assert_eq!(value_display(Some(&Value::Number(0.3456)), Lang::De), "0,35");
        assert_eq!(value_display(None, Lang::De), "*");
    }
}
