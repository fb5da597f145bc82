//! `allocation` — distributing a budget over counties or districts by a key,
//! in exact rational arithmetic and whole cents that add up to the total.

use crate::definitions as d;
use crate::figure::{Report, Row, Table, Text, Value};
use crate::{ReportError, labels};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// §3 FlüAG NRW: 90 % population, 10 % area, capped at 1.25 × the population share.
    Fluag,
    Population,
    Weights,
}

impl Key {
    pub fn parse(s: &str) -> Option<Key> {
        match s {
            "fluag" => Some(Key::Fluag),
            "population" => Some(Key::Population),
            "weights" => Some(Key::Weights),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Key::Fluag => "fluag",
            Key::Population => "population",
            Key::Weights => "weights",
        }
    }
}

/// A county or district with its weights, given as exact decimals.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub population: BigRational,
    pub area_km2: BigRational,
    pub weight: Option<BigRational>,
}

/// Reads a decimal (`1234`, `1234.5`, `-0.25`) exactly.
pub fn decimal(s: &str) -> Option<BigRational> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n: BigInt = format!("{int}{frac}").parse().ok()?;
    let r = BigRational::new(n, BigInt::from(10u32).pow(frac.len() as u32));
    Some(if neg { -r } else { r })
}

/// Reads the units file `unit_id,name,population,area_km2[,weight]`.
pub fn read_units(csv_text: &str) -> Result<Vec<Unit>, ReportError> {
    let mut rdr =
        csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rdr.headers().map_err(|e| ReportError::Units(1, e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(id), Some(name), Some(pop), Some(area)) =
        (col("unit_id"), col("name"), col("population"), col("area_km2"))
    else {
        return Err(ReportError::Units(1, "die Kopfzeile braucht unit_id,name,population,area_km2[,weight]".into()));
    };
    let weight = col("weight");
    let mut units: Vec<Unit> = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| ReportError::Units(line, e.to_string()))?;
        let get = |c: usize| rec.get(c).unwrap_or("").to_string();
        let num = |c: usize, what: &str| -> Result<BigRational, ReportError> {
            let v = decimal(&get(c))
                .ok_or_else(|| ReportError::Units(line, format!("{what}: „{}“ ist keine Zahl", get(c))))?;
            if v.is_negative() {
                return Err(ReportError::Units(line, format!("{what}: darf nicht negativ sein")));
            }
            Ok(v)
        };
        let unit_id = get(id);
        if !lotse_bundle::cell::is_id(&unit_id) {
            return Err(ReportError::Units(line, format!("unit_id: „{unit_id}“ ist keine gültige Kennung")));
        }
        if units.iter().any(|u| u.id == unit_id) {
            return Err(ReportError::Units(line, format!("unit_id: „{unit_id}“ kommt doppelt vor")));
        }
        let w = match weight {
            Some(c) if !get(c).is_empty() => Some(num(c, "weight")?),
            _ => None,
        };
        units.push(Unit {
            id: unit_id,
            name: get(name),
            population: num(pop, "population")?,
            area_km2: num(area, "area_km2")?,
            weight: w,
        });
    }
    if units.is_empty() {
        return Err(ReportError::Units(1, "die Datei enthält keine Einheiten".into()));
    }
    Ok(units)
}

fn ratio(a: &BigRational, total: &BigRational) -> BigRational {
    if total.is_zero() { BigRational::zero() } else { a / total }
}

/// The final shares of the units (summing to 1), in the units' order.
pub fn shares(units: &[Unit], key: Key) -> Result<Vec<BigRational>, ReportError> {
    let sum = |f: &dyn Fn(&Unit) -> BigRational| units.iter().map(f).fold(BigRational::zero(), |a, b| a + b);
    match key {
        Key::Population | Key::Fluag => {
            let pop = sum(&|u| u.population.clone());
            if pop.is_zero() {
                return Err(ReportError::Units(0, "die Summe der Einwohnerzahlen ist 0".into()));
            }
            let p: Vec<BigRational> = units.iter().map(|u| ratio(&u.population, &pop)).collect();
            if key == Key::Population {
                return Ok(p);
            }
            let area = sum(&|u| u.area_km2.clone());
            if area.is_zero() {
                return Err(ReportError::Units(
                    0,
                    "der FlüAG-Schlüssel braucht Flächen (area_km2); ihre Summe ist 0".into(),
                ));
            }
            let nine = BigRational::new(9.into(), 10.into());
            let one_tenth = BigRational::new(1.into(), 10.into());
            let mut s: Vec<BigRational> =
                units.iter().zip(&p).map(|(u, p)| &nine * p + &one_tenth * ratio(&u.area_km2, &area)).collect();
            let cap: Vec<BigRational> = p.iter().map(|p| p * BigRational::new(5.into(), 4.into())).collect();
            let mut capped = vec![false; units.len()];
            loop {
                let mut excess = BigRational::zero();
                for i in 0..s.len() {
                    if !capped[i] && s[i] > cap[i] {
                        excess += &s[i] - &cap[i];
                        s[i] = cap[i].clone();
                        capped[i] = true;
                    }
                }
                if excess.is_zero() {
                    break;
                }
                let free: BigRational =
                    (0..s.len()).filter(|&i| !capped[i]).map(|i| s[i].clone()).fold(BigRational::zero(), |a, b| a + b);
                if free.is_zero() {
                    break;
                }
                for i in 0..s.len() {
                    if !capped[i] {
                        let add = &excess * &s[i] / &free;
                        s[i] += add;
                    }
                }
            }
            Ok(s)
        }
        Key::Weights => {
            if let Some(u) = units.iter().find(|u| u.weight.is_none()) {
                return Err(ReportError::Units(0, format!("Einheit „{}“ hat kein Gewicht (Spalte weight)", u.id)));
            }
            let w = sum(&|u| u.weight.clone().unwrap_or_default());
            if w.is_zero() {
                return Err(ReportError::Units(0, "die Summe der Gewichte ist 0".into()));
            }
            Ok(units.iter().map(|u| ratio(u.weight.as_ref().expect("checked"), &w)).collect())
        }
    }
}

/// Whole cents per unit that add up to `total_cents` exactly: each unit gets
/// the floor of its exact amount, and the remaining cents go to the largest
/// fractional parts (ties: the smaller unit id, compared as strings).
pub fn apportion(units: &[Unit], shares: &[BigRational], total_cents: i64) -> Vec<i64> {
    let total = BigRational::from_integer(total_cents.into());
    let exact: Vec<BigRational> = shares.iter().map(|s| s * &total).collect();
    let mut cents: Vec<i64> = exact.iter().map(|e| e.floor().to_integer().to_i64().unwrap_or(0)).collect();
    let left = total_cents - cents.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a].fract();
        let fb = exact[b].fract();
        fb.cmp(&fa).then_with(|| units[a].id.cmp(&units[b].id))
    });
    for &i in order.iter().cycle().take(left.max(0) as usize) {
        cents[i] += 1;
    }
    cents
}

/// The allocation as the command line and the API ask for it: the total in
/// euro and the key's name as text, disclosure control on request.
pub fn request(units: &[Unit], total: &str, key: &str, tenant: &str, suppress: bool) -> Result<Report, ReportError> {
    let cents = lotse_bundle::cell::parse_money(total, lotse_bundle::cell::Dialect::Canonical).ok_or_else(|| {
        ReportError::Invalid(
            "--total",
            format!("ein Gesamtbetrag in Euro wie 5000000.00 (nicht „{total}“)"),
            format!("a total in euro such as 5000000.00 (not \"{total}\")"),
        )
    })?;
    let key = Key::parse(key).ok_or_else(|| {
        ReportError::Invalid(
            "--key",
            "der Schlüssel fluag, population oder weights".into(),
            "the key fluag, population or weights".into(),
        )
    })?;
    let mut r = compute(units, key, cents, tenant)?;
    if suppress {
        crate::suppress::apply(&mut r);
    }
    Ok(r)
}

pub fn compute(units: &[Unit], key: Key, total_cents: i64, tenant: &str) -> Result<Report, ReportError> {
    if total_cents < 0 {
        return Err(ReportError::Invalid(
            "--total",
            "ein Betrag ab 0 Euro".into(),
            "an amount of 0 euro or more".into(),
        ));
    }
    let shares = shares(units, key)?;
    let cents = apportion(units, &shares, total_cents);
    let mut r = Report::new("allocation", tenant, None);
    r.param("key", key.name()).param("total", lotse_bundle::cell::format_money(total_cents));
    let mut rows = Vec::new();
    for ((u, s), c) in units.iter().zip(&shares).zip(&cents) {
        let k = format!("units.{}", u.id);
        r.put(format!("{k}.share"), &d::ALLOC_SHARE, Value::Number(s.to_f64().unwrap_or(0.0)));
        r.put(format!("{k}.amount"), &d::ALLOC_AMOUNT, Value::Money(*c));
        rows.push(Row {
            label: Text::same(if u.name.is_empty() { u.id.clone() } else { format!("{} ({})", u.name, u.id) }),
            cells: vec![Some(format!("{k}.share")), Some(format!("{k}.amount"))],
        });
    }
    r.put("total", &d::ALLOC_TOTAL, Value::Money(total_cents));
    rows.push(Row { label: Text::new("Insgesamt", "Total"), cells: vec![None, Some("total".into())] });
    r.tables.push(Table {
        chart: Vec::new(),
        title: Text::new(
            format!("Verteilung nach Schlüssel {}", labels::alloc_key(key).de),
            format!("Allocation by key {}", labels::alloc_key(key).en),
        ),
        columns: vec![Text::new("Anteil", "Share"), Text::new("Betrag (Euro)", "Amount (euro)")],
        rows,
    });
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_traits::One;

    fn unit(id: &str, pop: &str, area: &str) -> Unit {
        Unit {
            id: id.into(),
            name: id.into(),
            population: decimal(pop).unwrap(),
            area_km2: decimal(area).unwrap(),
            weight: None,
        }
    }

    #[test]
    fn fluag_caps_area_lift_at_a_quarter_and_redistributes() {
        // A large rural county: 10 % population, 80 % area.
        let units = vec![unit("a", "100", "800"), unit("b", "450", "100"), unit("c", "450", "100")];
        let s = shares(&units, Key::Fluag).unwrap();
        let cap = BigRational::new(125.into(), 1000.into());
        assert_eq!(s[0], cap, "share ≤ 1.25 × population share");
        assert_eq!(s.iter().fold(BigRational::zero(), |a, b| a + b), BigRational::one());
        assert_eq!(s[1], s[2]);
    }

    #[test]
    fn cents_add_up_with_largest_remainder_and_id_ties() {
        let units = vec![unit("b", "1", "1"), unit("a", "1", "1"), unit("c", "1", "1")];
        let s = shares(&units, Key::Population).unwrap();
        let cents = apportion(&units, &s, 100);
        // 33.33… each; the one spare cent goes to the smallest id, "a".
        assert_eq!(cents, vec![33, 34, 33]);
        assert_eq!(cents.iter().sum::<i64>(), 100);
    }

    #[test]
    fn reads_exact_decimals_and_reports_bad_lines() {
        assert_eq!(decimal("1234.50").unwrap(), BigRational::new(2469.into(), 2.into()));
        assert!(decimal("1.2.3").is_none() && decimal("").is_none() && decimal("1e3").is_none());
        let err = read_units("unit_id,name,population,area_km2\nk1,Köln,x,405\n").unwrap_err();
        assert_eq!(err, ReportError::Units(2, "population: „x“ ist keine Zahl".into()));
    }
}
