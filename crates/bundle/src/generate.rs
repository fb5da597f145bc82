//! Synthetic bundles with realistic distributions, deterministic for a seed:
//! the data that tests and benchmarks run on.
//!
//! Persons come from the groups German employment promotion serves, with
//! names in the transliterations German offices use; ages, residence status,
//! schooling and benefit history follow the group. Each person has one to
//! five participations over 2019–2025, most of them ended, most endings with
//! an outcome, some followed up after six months.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::cell::format_money;

pub(crate) struct Origin {
    pub(crate) weight: u32,
    pub(crate) nationality: &'static [&'static str],
    pub(crate) given_f: &'static [&'static str],
    pub(crate) given_m: &'static [&'static str],
    pub(crate) family: &'static [&'static str],
    /// residence status codes with weights
    pub(crate) residence: &'static [(&'static str, u32)],
    pub(crate) migration_background: bool,
}

pub(crate) const ORIGINS: &[Origin] = &[
    Origin {
        weight: 40,
        nationality: &["DE"],
        given_f: &["Anna", "Lea", "Sabine", "Jana", "Laura", "Michelle", "Sarah", "Vanessa", "Julia", "Nicole"],
        given_m: &["Lukas", "Kevin", "Dennis", "Tim", "Jan", "Marcel", "Florian", "Patrick", "Daniel", "Sven"],
        family: &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Meyer",
            "Wagner",
            "Becker",
            "Schulz",
            "Hoffmann",
            "Koch",
            "Richter",
        ],
        residence: &[("german", 100)],
        migration_background: false,
    },
    Origin {
        weight: 14,
        nationality: &["TR", "DE"],
        given_f: &["Elif", "Zeynep", "Ayşe", "Merve", "Büşra", "Esra"],
        given_m: &["Mehmet", "Emre", "Burak", "Can", "Yusuf", "Murat"],
        family: &["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan"],
        residence: &[("german", 45), ("permit", 50), ("unknown", 5)],
        migration_background: true,
    },
    Origin {
        weight: 16,
        nationality: &["SY", "IQ"],
        given_f: &["Fatima", "Aya", "Rasha", "Nour", "Hiba", "Lina"],
        given_m: &["Mohammed", "Ahmad", "Omar", "Khaled", "Mahmoud", "Hussein", "Muhammad", "Mohamad"],
        family: &["Al-Hassan", "Al-Ahmad", "Haddad", "Khalil", "Ibrahim", "Hamdan", "Al-Khatib", "Mansour"],
        residence: &[("permit", 55), ("gestattung", 20), ("duldung", 15), ("german", 10)],
        migration_background: true,
    },
    Origin {
        weight: 10,
        nationality: &["AF"],
        given_f: &["Mariam", "Zahra", "Fereshta", "Shabnam", "Madina"],
        given_m: &["Ahmad", "Mohammad", "Ali", "Hamid", "Farid", "Sayed", "Rahmatullah"],
        family: &["Ahmadi", "Rahimi", "Hashimi", "Noori", "Sultani", "Mohammadi", "Popal", "Wardak"],
        residence: &[("gestattung", 35), ("duldung", 30), ("permit", 35)],
        migration_background: true,
    },
    Origin {
        weight: 5,
        nationality: &["ER"],
        given_f: &["Senait", "Helen", "Saba", "Yohanna"],
        given_m: &["Yonas", "Tesfay", "Dawit", "Mehari", "Filmon"],
        family: &["Tesfamariam", "Haile", "Gebremedhin", "Kidane", "Tekle", "Berhane"],
        residence: &[("permit", 50), ("gestattung", 30), ("duldung", 20)],
        migration_background: true,
    },
    Origin {
        weight: 10,
        nationality: &["UA"],
        given_f: &["Olena", "Iryna", "Kateryna", "Oksana", "Natalija", "Julija"],
        given_m: &["Oleksandr", "Andrij", "Serhij", "Dmytro", "Wolodymyr", "Mykola"],
        family: &["Kowalenko", "Bondarenko", "Tkatschenko", "Schewtschenko", "Melnyk", "Krawtschenko"],
        residence: &[("permit", 95), ("unknown", 5)],
        migration_background: true,
    },
    Origin {
        weight: 5,
        nationality: &["PL", "RO", "BG", "IT"],
        given_f: &["Agnieszka", "Ioana", "Maria", "Giulia"],
        given_m: &["Piotr", "Andrei", "Georgi", "Marco"],
        family: &["Nowak", "Popescu", "Ivanov", "Rossi", "Kowalski", "Dimitrov"],
        residence: &[("eu", 100)],
        migration_background: true,
    },
];

const TOWNS: &[&str] =
    &["Musterstadt", "Rüsselsheim", "Raunheim", "Kelsterbach", "Ginsheim-Gustavsburg", "Bischofsheim", "Nachbarort"];
const OUTCOMES: &[(&str, u32)] = &[
    ("apprenticeship", 12),
    ("employment_insured", 16),
    ("minijob", 8),
    ("self_employment", 1),
    ("school", 8),
    ("vocational_preparation", 8),
    ("language_course", 10),
    ("qualification_gained", 5),
    ("volunteering", 3),
    ("job_searching", 12),
    ("further_support", 9),
    ("stabilisation", 5),
    ("none", 3),
];

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

pub(crate) fn pick_str(rng: &mut ChaCha8Rng, xs: &[&'static str]) -> &'static str {
    xs[rng.random_range(0..xs.len())]
}

fn weighted<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [(T, u32)]) -> &'a T {
    let total: u32 = xs.iter().map(|x| x.1).sum();
    let mut r = rng.random_range(0..total);
    for (x, w) in xs {
        if r < *w {
            return x;
        }
        r -= w;
    }
    &xs[0].0
}

pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A CSV writer for one file of the bundle, its header taken from the spec.
pub(crate) fn spec_writer(dir: &Path, name: &str) -> io::Result<csv::Writer<BufWriter<File>>> {
    let spec = crate::spec::FileSpec::by_name(name).expect("a file of the spec");
    let header: Vec<&str> = spec.cols.iter().map(|c| c.name).collect();
    writer(dir, name, &header)
}

fn writer(dir: &Path, name: &str, header: &[&str]) -> io::Result<csv::Writer<BufWriter<File>>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::with_capacity(1 << 20, File::create(dir.join(name))?));
    w.write_record(header)?;
    Ok(w)
}

/// What was written.
#[derive(Debug, Default, Clone, Copy)]
pub struct Generated {
    pub persons: u64,
    pub participations: u64,
    pub outcomes: u64,
    pub offers: u64,
}

/// Writes a canonical bundle of `persons` persons into `dir`.
pub fn generate(dir: &Path, persons: u64, seed: u64) -> io::Result<Generated> {
    std::fs::create_dir_all(dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Generated { persons, ..Default::default() };
    let ndistricts = 12u32;

    let mut w = spec_writer(dir, "districts.csv")?;
    w.write_record(["g-city", "Generstadt", "", "214.38"])?;
    for d in 1..=ndistricts {
        let area = format!("{}.{:02}", rng.random_range(2..30), rng.random_range(0..100));
        w.write_record([&format!("g-d{d:02}"), &format!("Sozialraum {d}"), "g-city", &area])?;
    }
    w.flush()?;
    let mut w = spec_writer(dir, "district_stats.csv")?;
    let pop_per_district = (persons * 40 / u64::from(ndistricts)).max(1000);
    for d in 1..=ndistricts {
        for year in 2019..=2025 {
            let pop = pop_per_district + rng.random_range(0..pop_per_district / 5);
            let rows = [
                ("population", pop),
                ("population_under_15", pop * 14 / 100),
                ("sgb2_under_15", pop * rng.random_range(2..9) / 100),
                ("sgb2_households", pop * rng.random_range(3..10) / 100),
                ("refugees", pop * rng.random_range(1..5) / 100),
            ];
            for (ind, v) in rows {
                w.write_record([&format!("g-d{d:02}"), &year.to_string(), ind, &v.to_string()])?;
            }
        }
    }
    w.flush()?;

    let providers = [
        ("g-awo", "AWO Kreisverband", "welfare"),
        ("g-caritas", "Caritasverband", "welfare"),
        ("g-diakonie", "Diakonisches Werk", "welfare"),
        ("g-kja", "Katholische Jugendagentur", "welfare"),
        ("g-vhs", "Volkshochschule", "education"),
        ("g-bfz", "Berufsförderungszentrum", "education"),
        ("g-stadt", "Fachbereich Jugend und Beschäftigungsförderung", "public"),
        ("g-jc", "Jobcenter", "jobcenter"),
    ];
    let mut w = spec_writer(dir, "providers.csv")?;
    for (id, name, kind) in providers {
        w.write_record([id, name, kind])?;
    }
    w.flush()?;

    let mut w = spec_writer(dir, "programs.csv")?;
    w.write_record([
        "g-durchstarten",
        "Durchstarten in Ausbildung und Arbeit",
        "Land NRW",
        "2019-01-01",
        "2025-12-31",
        "age >= 18 && age <= 27 && residence_status in [\"duldung\", \"gestattung\"]",
    ])?;
    w.write_record([
        "g-kompetenzen",
        "Kompetenzen entwickeln – Perspektiven eröffnen",
        "Land Hessen, ESF",
        "2019-01-01",
        "",
        "age >= 23 && age <= 34 && migration_background == \"yes\" && sgb2_months_24 >= 21",
    ])?;
    w.write_record(["g-quartier", "Wir im Quartier", "ESF, Bund", "2019-01-01", "", ""])?;
    w.flush()?;
    let modules = [
        ("g-ds-1", "g-durchstarten", "1", "Coaching", "coaching"),
        ("g-ds-2", "g-durchstarten", "2", "Qualifizierung und Sprachförderung", "qualification"),
        ("g-ds-3", "g-durchstarten", "3", "Nachträglicher Schulabschluss", "school_certificate"),
        ("g-ds-4", "g-durchstarten", "4", "Vorbereitende Kurse", "preparation"),
        ("g-ds-5", "g-durchstarten", "5", "Innovationsfonds", "innovation"),
        ("g-ds-6", "g-durchstarten", "6", "Teilhabemanagement", "participation_management"),
        ("g-ko-1", "g-kompetenzen", "1", "Coaching", "coaching"),
        ("g-wq-1", "g-quartier", "1", "Gruppenangebote im Quartier", "other"),
    ];
    let mut w = spec_writer(dir, "modules.csv")?;
    for m in modules {
        w.write_record([m.0, m.1, m.2, m.3, m.4])?;
    }
    w.flush()?;

    // Individual offers: one per module and provider that runs it.
    let mut individual: Vec<(String, String)> = vec![]; // (offer, provider)
    let mut group: Vec<(String, NaiveDate, NaiveDate)> = vec![];
    let mut w = spec_writer(dir, "offers.csv")?;
    for (mi, m) in modules.iter().enumerate().filter(|(_, m)| m.4 != "other" && m.4 != "innovation") {
        for (pi, p) in providers.iter().enumerate().filter(|(pi, _)| (pi + mi) % 3 != 0) {
            let id = format!("g-i-{}-{}", m.0.trim_start_matches("g-"), pi);
            w.write_record([
                &id,
                &format!("{} ({})", m.3, p.1),
                p.0,
                m.0,
                "individual",
                "",
                "school_to_work",
                &format!("g-d{:02}", 1 + (pi + mi) as u32 % ndistricts),
                "2019-01-01",
                "",
                "",
                "",
            ])?;
            individual.push((id, p.0.to_owned()));
        }
    }
    let topics = ["self_help", "parents", "social_learning", "culture_sport_leisure", "language", "job_orientation"];
    let stages = ["early_childhood", "daycare", "primary_school", "secondary_school", "school_to_work", "adult"];
    let groups_per_year = (persons / 10).max(3);
    for year in 2019..=2025 {
        for g in 0..groups_per_year {
            let id = format!("g-g{year}-{g}");
            let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap() + Duration::days(rng.random_range(0..200));
            let end = start + Duration::days(rng.random_range(1..160));
            let p = pick(&mut rng, &providers);
            let unregistered = rng.random_range(0..30).to_string();
            let (topic, stage) = (pick_str(&mut rng, &topics), pick_str(&mut rng, &stages));
            let district = format!("g-d{:02}", rng.random_range(1..=ndistricts));
            let name = format!("Gruppe {g} ({year})");
            let (start_s, end_s) = (date(start), date(end));
            w.write_record([
                id.as_str(),
                &name,
                p.0,
                "g-wq-1",
                "group",
                topic,
                stage,
                &district,
                &start_s,
                &end_s,
                "40",
                &unregistered,
            ])?;
            group.push((id, start, end));
        }
    }
    out.offers = (individual.len() + group.len()) as u64;
    w.flush()?;

    // Staff: one case manager per provider and ~70 persons.
    let nstaff = (persons / 70).max(providers.len() as u64);
    let mut staff_of: Vec<Vec<String>> = vec![vec![]; providers.len()];
    let mut w = spec_writer(dir, "staff.csv")?;
    for s in 0..nstaff {
        let pi = (s as usize) % providers.len();
        let id = format!("g-s{s}");
        let fte = ["1", "1", "0.75", "0.5"][rng.random_range(0..4)];
        let o = pick(&mut rng, ORIGINS);
        let name = format!("{} {}", pick_str(&mut rng, o.given_f), pick_str(&mut rng, o.family));
        w.write_record([&id, providers[pi].0, &name, "case_manager", fte])?;
        staff_of[pi].push(id);
    }
    w.flush()?;

    let total_w: u32 = ORIGINS.iter().map(|o| o.weight).sum();
    let mut wp = spec_writer(dir, "persons.csv")?;
    let mut wt = spec_writer(dir, "participations.csv")?;
    let mut wo = spec_writer(dir, "outcomes.csv")?;
    let mut wc = spec_writer(dir, "consents.csv")?;
    let day0 = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let span = (last - day0).num_days();
    let (mut npart, mut nout) = (0u64, 0u64);
    for i in 0..persons {
        let mut r = rng.random_range(0..total_w);
        let o = ORIGINS
            .iter()
            .find(|o| {
                if r < o.weight {
                    true
                } else {
                    r -= o.weight;
                    false
                }
            })
            .unwrap_or(&ORIGINS[0]);
        let female = rng.random_bool(0.48);
        let gender = if rng.random_bool(0.005) {
            "diverse"
        } else if rng.random_bool(0.01) {
            "unknown"
        } else if female {
            "female"
        } else {
            "male"
        };
        let given: &str = if female { pick_str(&mut rng, o.given_f) } else { pick_str(&mut rng, o.given_m) };
        let age = match rng.random_range(0..10) {
            0..=5 => rng.random_range(16..28),
            6..=8 => rng.random_range(28..45),
            _ => rng.random_range(45..62),
        };
        let birth = NaiveDate::from_ymd_opt(2023 - age, 1, 1).unwrap() + Duration::days(rng.random_range(0..365));
        let residence = *weighted(&mut rng, o.residence);
        let pi = rng.random_range(0..providers.len());
        let pid = format!("g-p{i}");
        let household = if rng.random_bool(0.3) { format!("g-h{}", i / 3) } else { String::new() };
        let isced = if rng.random_bool(0.1) { String::new() } else { rng.random_range(0..7).to_string() };
        let labour = *weighted(
            &mut rng,
            &[
                ("unemployed", 35),
                ("long_term_unemployed", 25),
                ("inactive", 15),
                ("in_education", 12),
                ("employed", 8),
                ("self_employed", 1),
                ("unknown", 4),
            ],
        );
        let sgb2 = rng.random_range(0..25).to_string();
        let birth_s = if rng.random_bool(0.02) { String::new() } else { date(birth) };
        let district = format!("g-d{:02}", rng.random_range(1..=ndistricts));
        let rec: [&str; 18] = [
            pid.as_str(),
            providers[pi].0,
            given,
            pick_str(&mut rng, o.family),
            &birth_s,
            gender,
            pick_str(&mut rng, o.nationality),
            residence,
            if o.migration_background {
                "yes"
            } else if rng.random_bool(0.1) {
                "unknown"
            } else {
                "no"
            },
            &district,
            pick_str(&mut rng, TOWNS),
            &household,
            if female && rng.random_bool(0.15) { "yes" } else { "no" },
            if rng.random_bool(0.08) { "yes" } else { "no" },
            &isced,
            labour,
            &sgb2,
            if rng.random_bool(0.03) { "yes" } else { "no" },
        ];
        wp.write_record(rec)?;
        if rng.random_bool(0.5) {
            let given_date = day0 + Duration::days(rng.random_range(0..span));
            let withdrawn = if rng.random_bool(0.05) {
                date(given_date + Duration::days(rng.random_range(1..300)))
            } else {
                String::new()
            };
            wc.write_record([
                &format!("g-c{i}"),
                pid.as_str(),
                "share_with_provider",
                providers[(pi + 1) % providers.len()].0,
                "",
                &date(given_date),
                &withdrawn,
            ])?;
        }
        let n = *weighted(&mut rng, &[(1u32, 5), (2, 15), (3, 30), (4, 30), (5, 20)]);
        let mut entry = day0 + Duration::days(rng.random_range(0..span - 60));
        for k in 0..n {
            if entry > last {
                break;
            }
            let part = format!("g-t{i}-{k}");
            let mut until = None;
            let (offer, staff) = if rng.random_bool(0.7) || group.is_empty() {
                let candidates: Vec<&(String, String)> =
                    individual.iter().filter(|(_, p)| *p == providers[pi].0).collect();
                let (offer, _) =
                    if candidates.is_empty() { pick(&mut rng, &individual) } else { *pick(&mut rng, &candidates) };
                let s = if staff_of[pi].is_empty() { String::new() } else { pick(&mut rng, &staff_of[pi]).clone() };
                (offer.clone(), s)
            } else {
                let (g, s, e) = pick(&mut rng, &group);
                entry = *s;
                until = Some(*e);
                (g.clone(), String::new())
            };
            let ended = rng.random_bool(0.92) || until.is_some();
            let exit = entry + Duration::days(rng.random_range(14..540));
            // A group participation ends with its group at the latest.
            let exit = until.map_or(exit, |u| exit.min(u));
            let exit = (ended && exit <= last).then_some(exit);
            let reason = exit.map(|_| {
                *weighted(
                    &mut rng,
                    &[("completed", 70), ("dropped_out", 15), ("moved", 5), ("handed_over", 6), ("other", 4)],
                )
            });
            wt.write_record([
                &part,
                pid.as_str(),
                &offer,
                &staff,
                &date(entry),
                &exit.map(date).unwrap_or_default(),
                reason.unwrap_or(""),
            ])?;
            npart += 1;
            if let Some(x) = exit {
                if rng.random_bool(0.8) {
                    let d = x + Duration::days(rng.random_range(0..21));
                    let kind: &str = *weighted(&mut rng, OUTCOMES);
                    wo.write_record([format!("g-o{i}-{k}").as_str(), &part, kind, &date(d), "at_exit"])?;
                    nout += 1;
                }
                let f = x + Duration::days(183);
                if f <= last && rng.random_bool(0.4) {
                    let kind: &str = *weighted(&mut rng, OUTCOMES);
                    wo.write_record([format!("g-f{i}-{k}").as_str(), &part, kind, &date(f), "follow_up_6m"])?;
                    nout += 1;
                }
                entry = x + Duration::days(rng.random_range(1..90));
            } else {
                break;
            }
        }
    }
    wp.flush()?;
    wt.flush()?;
    wo.flush()?;
    wc.flush()?;
    out.participations = npart;
    out.outcomes = nout;

    let mut w = spec_writer(dir, "finance.csv")?;
    let scale = (persons as i64).max(100) * 3_500_00; // about 3,500 euro per person and year, in cents
    let mut e = 0;
    for year in 2019..=2025 {
        for program in ["g-durchstarten", "g-kompetenzen", "g-quartier"] {
            for (kind, cat, share) in [
                ("expense", "personnel", 55),
                ("expense", "material", 15),
                ("expense", "other", 5),
                ("funding", "land", 25),
                ("funding", "esf", 15),
                ("funding", "jobcenter", 10),
                ("funding", "municipality", 5),
                ("revenue", "work_16i", 10),
                ("revenue", "own_offers", 4),
            ] {
                e += 1;
                let cents = scale / 3 * share / 100 + rng.random_range(0..100_000);
                w.write_record([
                    &format!("g-f{e}"),
                    &year.to_string(),
                    kind,
                    cat,
                    program,
                    &format_money(cents),
                    "",
                    "",
                    "",
                ])?;
            }
        }
        e += 1;
        let units = rng.random_range(100..5000);
        w.write_record([
            &format!("g-f{e}"),
            &year.to_string(),
            "revenue",
            "hze_avoided",
            "",
            &format_money(units as i64 * 120_00),
            &units.to_string(),
            "HzE-Einheit",
            "",
        ])?;
    }
    w.flush()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_same_seed_gives_the_same_bundle() {
        let (a, b, c) = (tempfile_dir("a"), tempfile_dir("b"), tempfile_dir("c"));
        super::generate(&a, 300, 5).unwrap();
        super::generate(&b, 300, 5).unwrap();
        super::generate(&c, 300, 6).unwrap();
        let read = |d: &std::path::Path| std::fs::read(d.join("persons.csv")).unwrap();
        assert_eq!(read(&a), read(&b));
        assert_ne!(read(&a), read(&c));
        for d in [a, b, c] {
            std::fs::remove_dir_all(d).unwrap();
        }
    }

    fn tempfile_dir(tag: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("lotse-gen-{tag}-{}", std::process::id()))
    }
}
