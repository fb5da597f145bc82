//! Typed cells: the text of a CSV field (or an XLSX cell) parsed by its
//! column's kind and the file's dialect, and written back canonically.

use base64::Engine;
use chrono::{DateTime, NaiveDate, SecondsFormat, Timelike, Utc};

use crate::spec::{DOCUMENT_LIMIT, Kind};

/// How a file writes numbers. Dates are read in both forms in both dialects
/// (`2023-06-30` and `30.06.2023` cannot be confused); numbers cannot
/// (`1.234` is one thousand two hundred and thirty-four in German).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Comma-separated, decimal point, ISO dates.
    Canonical,
    /// What German Excel writes: semicolons, decimal comma, `DD.MM.YYYY`.
    German,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Decimal(f64),
    /// Whole cents.
    Money(i64),
    Date(NaiveDate),
    Bool(bool),
    /// A moment in UTC, to the microsecond (what PostgreSQL keeps).
    Timestamp(DateTime<Utc>),
    Bytes(Vec<u8>),
}

/// Why a value could not be read: German and English.
pub type CellError = (String, String);

fn err(de: String, en: String) -> CellError {
    (de, en)
}

/// Longest text in a cell. PostgreSQL cannot index entries over 2,704 bytes;
/// 500 characters are at most 2,000 bytes in UTF-8.
pub const MAX_TEXT: usize = 500;

pub fn is_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| NaiveDate::parse_from_str(s, "%d.%m.%Y").ok()).filter(
        |d| {
            use chrono::Datelike;
            (1900..=2200).contains(&d.year())
        },
    )
}

/// In German, a dot may only separate groups of three digits (`1.234.567`).
fn german_groups_ok(int_part: &str) -> bool {
    let int_part = int_part.strip_prefix('-').unwrap_or(int_part);
    let mut groups = int_part.split('.');
    let first = groups.next().unwrap_or("");
    (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3)
}

/// The number's text in canonical form (`1234.5`), or None.
fn normalise_number(s: &str, dialect: Dialect) -> Option<String> {
    let t: String = match dialect {
        Dialect::Canonical => s.to_owned(),
        Dialect::German => {
            let int_part = s.split(',').next().unwrap_or(s);
            if int_part.contains('.') && !german_groups_ok(int_part) {
                return None;
            }
            s.replace('.', "").replace(',', ".")
        }
    };
    let body = t.strip_prefix('-').unwrap_or(&t);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let ok = !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(t)
}

pub fn parse_money(s: &str, dialect: Dialect) -> Option<i64> {
    let t = normalise_number(s, dialect)?;
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.as_str()),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if frac.len() > 2 {
        return None;
    }
    let euros: i64 = int.parse().ok()?;
    let cents: i64 = format!("{frac:0<2}").parse().ok()?;
    let v = euros.checked_mul(100)?.checked_add(cents)?;
    Some(if neg { -v } else { v })
}

pub fn format_money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.unsigned_abs() / 100, cents.unsigned_abs() % 100)
}

/// Logins of accounts are at most this long.
pub const MAX_LOGIN: usize = 128;

fn max_of(kind: Kind) -> usize {
    match kind {
        Kind::TextMax(m) => m,
        Kind::Account => MAX_LOGIN,
        _ => MAX_TEXT,
    }
}

/// Free text: no control characters but line breaks and tabs, at most `max` characters.
fn text(raw: &str, max: usize) -> Result<Cell, CellError> {
    // Line breaks inside a field may be CRLF, as the file's own.
    let raw = &raw.replace("\r\n", "\n");
    if let Some(ch) = raw.chars().find(|c| c.is_control() && *c != '\n' && *c != '\t') {
        Err(err(
            format!("enthält ein Steuerzeichen (U+{:04X})", ch as u32),
            format!("contains a control character (U+{:04X})", ch as u32),
        ))
    } else if raw.chars().count() > max {
        Err(err(format!("zu lang (höchstens {max} Zeichen)"), format!("too long (at most {max} characters)")))
    } else {
        Ok(Cell::Text(raw.to_owned()))
    }
}

/// An RFC 3339 moment (a space for the `T` is accepted), in UTC, cut to
/// the microsecond; years 1900–2200 as dates.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)).ok()?.with_timezone(&Utc);
    use chrono::Datelike;
    if !(1900..=2200).contains(&t.year()) {
        return None;
    }
    micros(t)
}

/// A moment cut to the microsecond, as PostgreSQL stores it.
pub fn micros(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    t.with_nanosecond(t.nanosecond() / 1000 * 1000)
}

/// The canonical text of a moment: UTC, `Z`, as many decimals as it needs (0, 3 or 6).
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    micros(*t).unwrap_or(*t).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parses one non-empty field.
pub fn parse(kind: Kind, raw: &str, dialect: Dialect) -> Result<Cell, CellError> {
    match kind {
        Kind::Id | Kind::Ref(_) => {
            if is_id(raw) {
                Ok(Cell::Text(raw.to_owned()))
            } else {
                Err(err(
                    format!("ungültige Kennung „{raw}“ (1–64 Buchstaben, Ziffern, „-“, „_“)"),
                    format!("invalid id \"{raw}\" (1–64 letters, digits, \"-\", \"_\")"),
                ))
            }
        }
        Kind::Text => text(raw, MAX_TEXT),
        Kind::TextMax(_) | Kind::Account => text(raw, max_of(kind)),
        Kind::Bool => match raw {
            "yes" | "true" => Ok(Cell::Bool(true)),
            "no" | "false" => Ok(Cell::Bool(false)),
            _ => Err(err(
                format!("unbekannter Wert „{raw}“; erlaubt: yes, no"),
                format!("unknown value \"{raw}\"; allowed: yes, no"),
            )),
        },
        Kind::Timestamp | Kind::Stamp => parse_timestamp(raw).map(Cell::Timestamp).ok_or_else(|| {
            err(
                format!("ungültiger Zeitpunkt „{raw}“; erwartet RFC 3339, z. B. 2025-03-01T09:30:00Z"),
                format!("invalid moment \"{raw}\"; expected RFC 3339, e.g. 2025-03-01T09:30:00Z"),
            )
        }),
        Kind::Bytes => {
            // Base64 is 4 characters for 3 bytes: refuse before decoding what cannot fit.
            if raw.len() as i64 > DOCUMENT_LIMIT / 3 * 4 + 8 {
                return Err(err(
                    format!("Inhalt zu groß (höchstens {} MiB)", DOCUMENT_LIMIT >> 20),
                    format!("content too large (at most {} MiB)", DOCUMENT_LIMIT >> 20),
                ));
            }
            base64::engine::general_purpose::STANDARD.decode(raw).map(Cell::Bytes).map_err(|_| {
                err(
                    "kein gültiges Base64 (RFC 4648 mit „=“ am Ende)".to_owned(),
                    "not valid base64 (RFC 4648 with \"=\" padding)".to_owned(),
                )
            })
        }
        Kind::Code(codes) => {
            if codes.contains(&raw) {
                Ok(Cell::Text(raw.to_owned()))
            } else {
                let allowed = codes.join(", ");
                Err(err(
                    format!("unbekannter Wert „{raw}“; erlaubt: {allowed}"),
                    format!("unknown value \"{raw}\"; allowed: {allowed}"),
                ))
            }
        }
        Kind::Country => {
            if raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_uppercase()) {
                Ok(Cell::Text(raw.to_owned()))
            } else {
                Err(err(
                    format!("„{raw}“ ist kein Ländercode nach ISO 3166-1 (zwei Großbuchstaben, z. B. DE, SY)"),
                    format!("\"{raw}\" is not an ISO 3166-1 alpha-2 code (two capitals, e.g. DE, SY)"),
                ))
            }
        }
        Kind::Date => parse_date(raw).map(Cell::Date).ok_or_else(|| {
            err(
                format!("ungültiges Datum „{raw}“; erwartet JJJJ-MM-TT oder TT.MM.JJJJ"),
                format!("invalid date \"{raw}\"; expected YYYY-MM-DD or DD.MM.YYYY"),
            )
        }),
        Kind::Int { min, max } => {
            let v: i64 = match dialect {
                Dialect::German if raw.contains('.') && !german_groups_ok(raw) => "x".parse(),
                Dialect::German => raw.replace('.', "").parse(),
                Dialect::Canonical => raw.parse(),
            }
            .map_err(|_| err(format!("„{raw}“ ist keine ganze Zahl"), format!("\"{raw}\" is not a whole number")))?;
            if v < min || v > max {
                return Err(err(
                    format!("{v} liegt außerhalb des zulässigen Bereichs {min}–{max}"),
                    format!("{v} is outside the allowed range {min}–{max}"),
                ));
            }
            Ok(Cell::Int(v))
        }
        Kind::Decimal => {
            let v: f64 = normalise_number(raw, dialect)
                .and_then(|t| t.parse().ok())
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| err(format!("„{raw}“ ist keine Zahl"), format!("\"{raw}\" is not a number")))?;
            if v < 0.0 {
                return Err(err(format!("{raw} ist negativ"), format!("{raw} is negative")));
            }
            Ok(Cell::Decimal(v))
        }
        Kind::Money => parse_money(raw, dialect).map(Cell::Money).ok_or_else(|| {
            err(
                format!("„{raw}“ ist kein Eurobetrag (höchstens zwei Nachkommastellen)"),
                format!("\"{raw}\" is not an amount in euro (at most two decimals)"),
            )
        }),
    }
}

/// The canonical text of a cell, as the export writes it.
pub fn format(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Int(v) => v.to_string(),
        Cell::Decimal(v) => v.to_string(),
        Cell::Money(c) => format_money(*c),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Cell::Timestamp(t) => format_timestamp(t),
        Cell::Bytes(b) => base64::engine::general_purpose::STANDARD.encode(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_in_both_dialects_is_exact() {
        assert_eq!(parse_money("29958.39", Dialect::Canonical), Some(2_995_839));
        assert_eq!(parse_money("126799", Dialect::Canonical), Some(12_679_900));
        assert_eq!(parse_money("368677.6", Dialect::Canonical), Some(36_867_760));
        assert_eq!(parse_money("29.958,39", Dialect::German), Some(2_995_839));
        assert_eq!(parse_money("29958,39", Dialect::German), Some(2_995_839));
        // In German a dot separates groups of three digits; anything else is an error, not a guess.
        assert_eq!(parse_money("1.5", Dialect::German), None);
        assert_eq!(parse_money("12.50", Dialect::German), None);
        assert_eq!(parse_money("1.234.567,5", Dialect::German), Some(123_456_750));
        assert_eq!(parse_money("1.005", Dialect::Canonical), None);
        assert_eq!(parse_money("12,5", Dialect::Canonical), None);
        assert_eq!(format_money(2_995_839), "29958.39");
        assert_eq!(format_money(-5), "-0.05");
    }

    #[test]
    fn dates_in_both_forms() {
        let d = NaiveDate::from_ymd_opt(2023, 6, 30).unwrap();
        assert_eq!(parse_date("2023-06-30"), Some(d));
        assert_eq!(parse_date("30.06.2023"), Some(d));
        assert_eq!(parse_date("2023-02-30"), None);
        assert_eq!(parse_date("06/30/2023"), None);
    }

    #[test]
    fn decimals_round_trip_canonically() {
        for s in ["214.38", "25", "0.5", "18.52"] {
            let Cell::Decimal(v) = parse(Kind::Decimal, s, Dialect::Canonical).unwrap() else { panic!() };
            assert_eq!(format(&Cell::Decimal(v)), s);
        }
        let Cell::Decimal(v) = parse(Kind::Decimal, "214,38", Dialect::German).unwrap() else { panic!() };
        assert_eq!(v, 214.38);
    }
}
