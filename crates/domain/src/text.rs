//! Free text entered by people (names, places, notes).

use crate::error::DomainError;

/// Trims `raw` and checks it: no control characters (a NUL byte would be
/// refused by PostgreSQL and accepted by SQLite — the same input must behave
/// the same on both), at most `max` characters.
pub fn clean(field: &str, raw: &str, max: usize) -> Result<String, DomainError> {
    let s = raw.trim();
    if let Some(c) = s.chars().find(|&c| c.is_control() || invisible(c)) {
        return Err(DomainError::invalid(
            field,
            format!("enthält ein Steuerzeichen (U+{:04X}); bitte nur sichtbaren Text eingeben.", c as u32),
            format!("contains a control character (U+{:04X}); please enter visible text only.", c as u32),
        ));
    }
    if s.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("höchstens {max} Zeichen."),
            format!("at most {max} characters."),
        ));
    }
    Ok(s.to_owned())
}

/// Characters that are not text: noncharacters (U+FFFE, U+FFFF, which make
/// XML documents invalid) and invisible format characters that reorder or
/// hide text (bidi overrides, zero-width characters, the BOM).
fn invisible(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF | 0xFFF9..=0xFFFB | 0xFFFE | 0xFFFF)
        || (c as u32 & 0xFFFE) == 0xFFFE
        || (0xFDD0..=0xFDEF).contains(&(c as u32))
}

/// Like [`clean`] for optional fields; empty text becomes `None`.
pub fn clean_opt(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, DomainError> {
    Ok(raw.map(|r| clean(field, r, max)).transpose()?.filter(|s| !s.is_empty()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_and_length() {
        assert_eq!(super::clean("name", "  Özdemir ", 10).unwrap(), "Özdemir");
        assert!(super::clean("name", "a\u{0}b", 10).is_err());
        assert!(super::clean("name", "zu lang", 3).is_err());
        assert_eq!(super::clean_opt("x", Some("  "), 3).unwrap(), None);
    }
}

/// Like [`clean`] for longer text in paragraphs (an answer, a note): line
/// breaks and tabs are allowed (CRLF becomes LF), other control characters not.
pub fn clean_paragraphs(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, DomainError> {
    let Some(raw) = raw else { return Ok(None) };
    let normalised = raw.replace("\r\n", "\n");
    let without_breaks: String = normalised.chars().map(|c| if c == '\n' || c == '\t' { ' ' } else { c }).collect();
    clean(field, &without_breaks, max)?;
    let s = normalised.trim();
    Ok((!s.is_empty()).then(|| s.to_owned()))
}

#[cfg(test)]
mod paragraph_tests {
    use super::*;

    #[test]
    fn paragraphs_keep_line_breaks_but_no_other_control_characters() {
        assert_eq!(
            clean_paragraphs("a", Some(" Zu 1.:\r\nText\n\nMehr "), 100).unwrap().unwrap(),
            "Zu 1.:\nText\n\nMehr"
        );
        assert!(clean_paragraphs("a", Some("x\u{0}y"), 100).is_err());
        assert!(clean("a", "Fraktion\u{202E}XYZ", 100).is_err(), "bidi override");
        assert!(clean("a", "x\u{FFFF}", 100).is_err(), "noncharacter");
        assert_eq!(clean("a", "Müller-Lüdenscheidt ğ ش", 100).unwrap(), "Müller-Lüdenscheidt ğ ش");
        assert_eq!(clean_paragraphs("a", Some("  "), 100).unwrap(), None);
    }
}
