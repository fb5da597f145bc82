//! Target-group rules: a programme's `target_group`, a CEL expression over a
//! person's attributes (with the bundle's values: codes are strings, counts
//! and ages integers), e.g.
//! `age >= 18 && age <= 27 && residence_status in ["duldung", "gestattung"]`.
//!
//! The rule is split into its top-level `&&` conjuncts, each compiled on its
//! own, so that a "no" can say which conditions failed. An attribute that is
//! unknown makes every conjunct that reads it false (not an error).

use crate::data::{Date, Person};
use crate::rules::age;
use cel_interpreter::{Context, Program, Value};
use std::sync::Arc;

/// The attributes a rule may read.
pub const ATTRIBUTES: &[&str] = &[
    "age",
    "gender",
    "nationality",
    "residence_status",
    "migration_background",
    "district_id",
    "municipality",
    "household_id",
    "single_parent",
    "disability",
    "education_isced",
    "labour_status",
    "sgb2_months_24",
    "homeless",
    "provider_id",
];

pub struct Conjunct {
    /// The conjunct as written in the rule, trimmed.
    pub source: String,
    program: Program,
    reads: Vec<String>,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("source", &self.source).finish()
    }
}

pub struct Rule {
    pub source: String,
    pub conjuncts: Vec<Conjunct>,
}

/// Why a rule cannot be used, and where: `position` is the 1-based
/// character in the whole rule where the problem starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{de}")]
pub struct RuleError {
    pub de: String,
    pub en: String,
    pub position: Option<usize>,
}

impl RuleError {
    fn at(position: Option<usize>, de: String, en: String) -> RuleError {
        let (de, en) = match position {
            Some(p) => (format!("Zeichen {p}: {de}"), format!("character {p}: {en}")),
            None => (de, en),
        };
        RuleError { de, en, position }
    }
}

/// A person with every attribute known, to try each condition on when a
/// rule is saved (a condition that is not true or false is an error).
fn sample_context() -> Context<'static> {
    let mut ctx = Context::default();
    for name in ATTRIBUTES {
        let v = match *name {
            "age" => Value::Int(30),
            "education_isced" => Value::Int(3),
            "sgb2_months_24" => Value::Int(12),
            _ => Value::String(Arc::new("x".to_string())),
        };
        ctx.add_variable_from_value(*name, v);
    }
    ctx
}

/// The 1-based character position of identifier `name` in `part` (outside
/// string literals), if it occurs.
fn ident_position(part: &str, name: &str) -> Option<usize> {
    let chars: Vec<char> = part.chars().collect();
    let word: Vec<char> = name.chars().collect();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut quote: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                if c == '\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None => {
                if chars[i..].starts_with(&word)
                    && (i == 0 || !is_ident(chars[i - 1]))
                    && chars.get(i + word.len()).is_none_or(|n| !is_ident(*n))
                {
                    return Some(i + 1);
                }
            }
        }
        i += 1;
    }
    None
}

impl Rule {
    pub fn parse(source: &str) -> Result<Rule, RuleError> {
        let parts = split_conjuncts(source);
        if let Some((offset, _)) = parts.iter().find(|(_, p)| p.is_empty()) {
            return Err(RuleError::at(
                Some(offset + 1),
                "leere Bedingung (ein „&&“ zu viel?)".into(),
                "empty condition (one \"&&\" too many?)".into(),
            ));
        }
        let sample = sample_context();
        let mut conjuncts = Vec::new();
        for (offset, part) in parts {
            let program = Program::compile(&part).map_err(|e| {
                let at = e.span.start.as_ref().map(|l| offset + part[..l.absolute.min(part.len())].chars().count() + 1);
                let what = match e.msg.as_str() {
                    "unrecognized eof" => {
                        ("die Bedingung endet zu früh".to_string(), "the condition ends too early".to_string())
                    }
                    "invalid token" => ("ungültiges Zeichen".to_string(), "invalid character".to_string()),
                    m => (format!("nicht lesbar ({m})"), format!("cannot be read ({m})")),
                };
                RuleError::at(at, format!("„{part}“: {}", what.0), format!("\"{part}\": {}", what.1))
            })?;
            let reads: Vec<String> = program.references().variables().into_iter().map(str::to_string).collect();
            if let Some(unknown) = reads.iter().find(|v| !ATTRIBUTES.contains(&v.as_str())) {
                return Err(RuleError::at(
                    ident_position(&part, unknown).map(|p| offset + p),
                    format!("unbekanntes Merkmal „{unknown}“ (bekannt sind: {})", ATTRIBUTES.join(", ")),
                    format!("unknown attribute \"{unknown}\" (known: {})", ATTRIBUTES.join(", ")),
                ));
            }
            // Tried on a person with every attribute known: a condition must
            // give true or false (a panic, e.g. a division by zero, is left to
            // `failing`, where it makes the condition false).
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| program.execute(&sample)));
            match run {
                Ok(Ok(Value::Bool(_))) | Err(_) => {}
                Ok(Ok(other)) => {
                    return Err(RuleError::at(
                        Some(offset + 1),
                        format!("„{part}“ ist keine Bedingung (ergibt {other:?} statt wahr oder falsch)"),
                        format!("\"{part}\" is not a condition (gives {other:?} instead of true or false)"),
                    ));
                }
                Ok(Err(e)) => {
                    return Err(RuleError::at(
                        Some(offset + 1),
                        format!("„{part}“ kann nicht ausgewertet werden ({e})"),
                        format!("\"{part}\" cannot be evaluated ({e})"),
                    ));
                }
            }
            conjuncts.push(Conjunct { source: part, program, reads });
        }
        Ok(Rule { source: source.trim().to_string(), conjuncts })
    }

    /// The conjuncts that are false for `person` with the age taken on `on`
    /// (empty: the person belongs to the target group).
    pub fn failing(&self, person: &Person, on: Date) -> Vec<&str> {
        let attrs = attributes(person, on);
        let mut ctx = Context::default();
        for (name, value) in &attrs {
            if let Some(v) = value {
                ctx.add_variable_from_value(*name, v.clone());
            }
        }
        self.conjuncts
            .iter()
            .filter(|c| {
                let known = c.reads.iter().all(|r| attrs.iter().any(|(n, v)| n == r && v.is_some()));
                // cel-interpreter 0.9 panics on integer division by zero; a
                // rule's arithmetic error makes its conjunct false, not a crash.
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.program.execute(&ctx)));
                !(known && matches!(run, Ok(Ok(Value::Bool(true)))))
            })
            .map(|c| c.source.as_str())
            .collect()
    }
}

fn text(v: &Option<String>) -> Option<Value> {
    v.as_ref().map(|s| Value::String(Arc::new(s.clone())))
}

fn code(v: Option<&'static str>) -> Option<Value> {
    v.filter(|c| *c != "unknown").map(|c| Value::String(Arc::new(c.to_string())))
}

/// The person's attributes as the rule sees them; `None` is unknown.
fn attributes(p: &Person, on: Date) -> Vec<(&'static str, Option<Value>)> {
    vec![
        ("age", p.birth_date.map(|b| Value::Int(age(b, on) as i64))),
        ("gender", code(Some(p.gender))),
        ("nationality", text(&p.nationality)),
        ("residence_status", code(p.residence_status)),
        ("migration_background", code(p.migration_background)),
        ("district_id", text(&p.district_id)),
        ("municipality", text(&p.municipality)),
        ("household_id", text(&p.household_id)),
        ("single_parent", code(p.single_parent)),
        ("disability", code(p.disability)),
        ("education_isced", p.education_isced.map(|i| Value::Int(i as i64))),
        ("labour_status", code(p.labour_status)),
        ("sgb2_months_24", p.sgb2_months_24.map(|i| Value::Int(i as i64))),
        ("homeless", code(p.homeless)),
        ("provider_id", Some(Value::String(Arc::new(p.provider_id.clone())))),
    ]
}

/// Splits at `&&` outside brackets, parentheses and string literals, each
/// part trimmed, with its character offset in `source`. A rule whose top
/// level is `||` or `? :` (which bind looser than `&&`) is one conjunct as
/// a whole.
fn split_conjuncts(source: &str) -> Vec<(usize, String)> {
    let parts = split_top_level(source);
    if parts.iter().any(|(_, p)| has_top_level_or(p)) {
        let lead = source.chars().take_while(|c| c.is_whitespace()).count();
        return vec![(lead, source.trim().to_string())];
    }
    parts
}

fn has_top_level_or(part: &str) -> bool {
    let (mut depth, mut quote, mut prev) = (0i32, None::<char>, ' ');
    for c in part.chars() {
        match quote {
            Some(q) if c == q && prev != '\\' => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                '|' if depth == 0 && prev == '|' => return true,
                '?' if depth == 0 => return true,
                _ => {}
            },
        }
        prev = c;
    }
    false
}

fn split_top_level(source: &str) -> Vec<(usize, String)> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    let mut start = 0usize;
    let mut chars = source.chars().enumerate().peekable();
    let finish = |current: &str, start: usize| {
        let lead = current.chars().take_while(|c| c.is_whitespace()).count();
        (start + lead, current.trim().to_string())
    };
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) => {
                current.push(c);
                if c == '\\' {
                    if let Some((_, n)) = chars.next() {
                        current.push(n);
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => {
                    quote = Some(c);
                    current.push(c);
                }
                '(' | '[' | '{' => {
                    depth += 1;
                    current.push(c);
                }
                ')' | ']' | '}' => {
                    depth -= 1;
                    current.push(c);
                }
                '&' if depth == 0 && chars.peek().map(|(_, n)| *n) == Some('&') => {
                    chars.next();
                    parts.push(finish(&current, start));
                    current.clear();
                    start = i + 2;
                }
                _ => current.push(c),
            },
        }
    }
    parts.push(finish(&current, start));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(birth: Option<&str>, residence: Option<&'static str>) -> Person {
        Person {
            id: "p1".into(),
            provider_id: "kja".into(),
            birth_date: birth.map(|b| b.parse().unwrap()),
            gender: "female",
            nationality: Some("SY".into()),
            residence_status: residence,
            migration_background: Some("yes"),
            district_id: None,
            municipality: None,
            household_id: None,
            single_parent: None,
            disability: None,
            education_isced: Some(2),
            labour_status: None,
            sgb2_months_24: None,
            homeless: None,
        }
    }

    #[test]
    fn splits_only_top_level_conjunctions() {
        assert_eq!(
            texts(split_conjuncts(r#" age >= 18 && (a || b && c) && x in ["&&", "y"] "#)),
            vec!["age >= 18", "(a || b && c)", r#"x in ["&&", "y"]"#]
        );
        let offsets: Vec<usize> = split_conjuncts(" age >= 18 &&  x").into_iter().map(|(o, _)| o).collect();
        assert_eq!(offsets, vec![1, 15]);
    }

    #[test]
    fn names_the_failing_conditions_and_treats_unknown_as_false() {
        let rule = Rule::parse(r#"age >= 18 && age <= 27 && residence_status in ["duldung", "gestattung"]"#).unwrap();
        let on: Date = "2023-06-30".parse().unwrap();
        assert!(rule.failing(&person(Some("2000-01-01"), Some("duldung")), on).is_empty());
        assert_eq!(
            rule.failing(&person(Some("1990-01-01"), Some("german")), on),
            vec!["age <= 27", r#"residence_status in ["duldung", "gestattung"]"#]
        );
        assert_eq!(rule.failing(&person(None, Some("duldung")), on), vec!["age >= 18", "age <= 27"]);
        // "unknown" as a code is an unknown attribute too.
        assert_eq!(rule.failing(&person(Some("2000-01-01"), Some("unknown")), on).len(), 1);
    }

    #[test]
    fn looser_operators_keep_the_rule_whole() {
        assert_eq!(texts(split_conjuncts("a && b || c")), vec!["a && b || c"]);
        assert_eq!(texts(split_conjuncts("x ? a && b : c")), vec!["x ? a && b : c"]);
        assert_eq!(texts(split_conjuncts(r#"a && (b || c) && d == "||""#)), vec!["a", "(b || c)", r#"d == "||""#]);
        let rule = Rule::parse(r#"age >= 30 && residence_status == "duldung" || age < 25"#).unwrap();
        let on: Date = "2023-06-30".parse().unwrap();
        assert!(
            rule.failing(&person(Some("2000-01-01"), Some("german")), on).is_empty(),
            "23 years: the || side holds"
        );
    }

    #[test]
    fn arithmetic_errors_make_a_condition_false_not_a_crash() {
        let rule = Rule::parse("age / 0 > 1 && age >= 18").unwrap();
        let on: Date = "2023-06-30".parse().unwrap();
        assert_eq!(rule.failing(&person(Some("2000-01-01"), None), on), vec!["age / 0 > 1"]);
    }

    fn texts(parts: Vec<(usize, String)>) -> Vec<String> {
        parts.into_iter().map(|(_, p)| p).collect()
    }

    #[test]
    fn rejects_unknown_attributes_and_bad_syntax_with_the_position() {
        let e = Rule::parse("alter >= 18").unwrap_err();
        assert!(e.de.contains("alter") && e.de.starts_with("Zeichen 1:"), "{e:?}");
        let e = Rule::parse(r#"age >= 18 && wohnort == "Raunheim""#).unwrap_err();
        assert_eq!(e.position, Some(14), "{e:?}");
        assert!(e.en.contains("unknown attribute \"wohnort\""), "{e:?}");
        // "age >= " ends too early: the error is at the end of the first condition.
        let e = Rule::parse("age >= && 3").unwrap_err();
        assert_eq!(e.position, Some(7), "{e:?}");
        let e = Rule::parse(r#"age >= 18 && residence_status in ["duldung" "gestattung"]"#).unwrap_err();
        assert_eq!(e.position, Some(45), "{e:?}");
        let e = Rule::parse("age >= 18 &&  && age <= 27").unwrap_err();
        assert_eq!(e.position, Some(15), "the second && : {e:?}");
        let e = Rule::parse("age >= 18 && age + 1").unwrap_err();
        assert_eq!(e.position, Some(14), "not a condition: {e:?}");
        let e = Rule::parse(r#"age >= "achtzehn""#).unwrap_err();
        assert!(e.de.contains("kann nicht ausgewertet werden"), "{e:?}");
        // Every attribute of the persons, and the seeds' rules, are accepted.
        for a in [
            "age",
            "gender",
            "residence_status",
            "migration_background",
            "sgb2_months_24",
            "municipality",
            "district_id",
            "single_parent",
            "disability",
            "labour_status",
            "education_isced",
            "nationality",
        ] {
            let cond = if matches!(a, "age" | "sgb2_months_24" | "education_isced") {
                format!("{a} >= 1")
            } else {
                format!("{a} == \"x\"")
            };
            assert!(Rule::parse(&cond).is_ok(), "{cond}");
        }
    }
}
