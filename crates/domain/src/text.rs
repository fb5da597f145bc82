//! Free text entered by people (names, places, notes).

use crate::error::DomainError;

/// Trims `raw` and checks it: no control characters (a NUL byte would be
/// refused by PostgreSQL and accepted by SQLite — the same input must behave
/// the same on both), at most `max` characters.
pub fn clean(field: &str, raw: &str, max: usize) -> Result<String, DomainError> {
    let s = raw.trim();
    if let Some(c) = s.chars().find(|c| c.is_control()) {
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
