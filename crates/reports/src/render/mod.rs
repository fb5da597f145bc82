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
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "html" => Some(Format::Html),
            _ => None,
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Html => "text/html; charset=utf-8",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Html => "html",
        }
    }
}

pub fn render(r: &Report, format: Format, lang: Lang) -> Vec<u8> {
    match format {
        Format::Json => {
            let mut out = serde_json::to_vec_pretty(&json(r, lang)).expect("serialisable");
            out.push(b'\n');
            out
        }
        Format::Csv => csv(r, lang),
        Format::Xlsx => xlsx::render(r, lang),
        Format::Html => html::render(r, lang).into_bytes(),
    }
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

/// The reference form: `{report, tenant, params, period, figures: {key: {value, definition}}}`.
pub fn json(r: &Report, lang: Lang) -> serde_json::Value {
    let mut figures = serde_json::Map::new();
    for (k, f) in &r.figures {
        let mut o = serde_json::Map::new();
        o.insert("value".into(), f.value.as_ref().map_or(serde_json::Value::Null, value_json));
        if f.suppressed {
            o.insert("suppressed".into(), true.into());
        }
        o.insert("definition".into(), f.def.text(lang).into());
        figures.insert(k.clone(), o.into());
    }
    let mut top = serde_json::Map::new();
    top.insert("report".into(), r.name.into());
    top.insert("tenant".into(), r.tenant.clone().into());
    top.insert("params".into(), serde_json::to_value(&r.params).expect("strings"));
    if let Some(p) = r.period {
        top.insert("period".into(), serde_json::json!({"from": p.from.to_string(), "to": p.to.to_string()}));
    }
    top.insert("suppressed".into(), r.suppressed.into());
    top.insert("figures".into(), figures.into());
    top.into()
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
