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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

impl Rule {
    pub fn parse(source: &str) -> Result<Rule, RuleError> {
        let parts = split_conjuncts(source);
        if parts.iter().any(|p| p.is_empty()) {
            return Err(RuleError(format!("leere Bedingung in der Regel „{source}“")));
        }
        let mut conjuncts = Vec::new();
        for part in parts {
            let program = Program::compile(&part).map_err(|e| RuleError(format!("„{part}“: {e}")))?;
            let reads: Vec<String> = program.references().variables().into_iter().map(str::to_string).collect();
            if let Some(unknown) = reads.iter().find(|v| !ATTRIBUTES.contains(&v.as_str())) {
                return Err(RuleError(format!(
                    "„{part}“: unbekanntes Merkmal „{unknown}“ (bekannt sind: {})",
                    ATTRIBUTES.join(", ")
                )));
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

/// Splits at `&&` outside brackets, parentheses and string literals. A rule
/// whose top level is `||` or `? :` (which bind looser than `&&`) is one
/// conjunct as a whole.
fn split_conjuncts(source: &str) -> Vec<String> {
    let parts = split_top_level(source);
    if parts.iter().any(|p| has_top_level_or(p)) {
        return vec![source.trim().to_string()];
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

fn split_top_level(source: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                current.push(c);
                if c == '\\' {
                    if let Some(n) = chars.next() {
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
                '&' if depth == 0 && chars.peek() == Some(&'&') => {
                    chars.next();
                    parts.push(current.trim().to_string());
                    current.clear();
                }
                _ => current.push(c),
            },
        }
    }
    parts.push(current.trim().to_string());
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
            split_conjuncts(r#" age >= 18 && (a || b && c) && x in ["&&", "y"] "#),
            vec!["age >= 18", "(a || b && c)", r#"x in ["&&", "y"]"#]
        );
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
        assert_eq!(split_conjuncts("a && b || c"), vec!["a && b || c"]);
        assert_eq!(split_conjuncts("x ? a && b : c"), vec!["x ? a && b : c"]);
        assert_eq!(split_conjuncts(r#"a && (b || c) && d == "||""#), vec!["a", "(b || c)", r#"d == "||""#]);
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

    #[test]
    fn rejects_unknown_attributes_and_bad_syntax() {
        assert!(Rule::parse("alter >= 18").unwrap_err().0.contains("alter"));
        assert!(Rule::parse("age >= && 3").is_err());
    }
}
