//! The demo tenants' bundles, built from the seed documents
//! (../shared/seeds/). The people are invented; the figures are the seeds':
//!
//! - `leverkusen` — "Durchstarten in Ausbildung und Arbeit": module 6
//!   Teilhabemanagement (KJA, 2020-03-01 – 2022-06-30) with 86 persons, 22
//!   into apprenticeships, 16 into insured employment, the others into school,
//!   preparation, language courses, volunteering, counselling; module 1
//!   Coaching (DEKRA Akademie, 2022-02-01 – 2023-06-30) with at most five at
//!   once: 1 apprenticeship, 2 insured employment, 2 further support.
//! - `gross-gerau` — "Kompetenzen entwickeln – Perspektiven eröffnen" from
//!   March 2016: its target-group rule, three coaches with 80 people each
//!   (on 2018-02-01), 44 into insured employment (9 of them single mothers),
//!   14 into mini-jobs.
//! - `krefeld` — employment promotion 2023: 1,351 group offers with 21,700
//!   participants (21,400 unregistered head counts and 300 registered), 2,100
//!   persons in individual support, the three areas of work, the projects
//!   Jugend stärken, Wir im Quartier Plus and BIWAQ in social districts, 38
//!   school social work posts (21 primary, 17 secondary), and finance 2023:
//!   7.0 million spending, 3.95 million funding, 2.4 million value created
//!   (§16i work, 4,180 units of youth-welfare help avoided, own offers).
//!
//! `write_all` writes them; the files in the repository's `demo/` folder
//! are its output (a test keeps the two equal).

use std::io;
use std::path::Path;

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::cell::format_money;
use crate::generate::{ORIGINS, Origin, date, pick_str, spec_writer};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

type Out = csv::Writer<io::BufWriter<std::fs::File>>;

struct PersonFile {
    w: Out,
}

struct P<'a> {
    id: &'a str,
    provider: &'a str,
    female: bool,
    birth: NaiveDate,
    origin: &'a Origin,
    residence: &'a str,
    district: &'a str,
    municipality: &'a str,
    single_parent: bool,
    sgb2: u32,
    labour: &'a str,
}

impl PersonFile {
    fn write(&mut self, rng: &mut ChaCha8Rng, p: P<'_>) -> io::Result<()> {
        let given = if p.female { pick_str(rng, p.origin.given_f) } else { pick_str(rng, p.origin.given_m) };
        let family = pick_str(rng, p.origin.family);
        let nat = pick_str(rng, p.origin.nationality);
        let isced = rng.random_range(1..4).to_string();
        let sgb2 = p.sgb2.to_string();
        let birth = date(p.birth);
        let rec: [&str; 18] = [
            p.id,
            p.provider,
            given,
            family,
            &birth,
            if p.female { "female" } else { "male" },
            nat,
            p.residence,
            if p.origin.migration_background { "yes" } else { "no" },
            p.district,
            p.municipality,
            "",
            if p.single_parent { "yes" } else { "no" },
            "no",
            &isced,
            p.labour,
            &sgb2,
            "no",
        ];
        self.w.write_record(rec)?;
        Ok(())
    }
}

fn origin(code: &str) -> &'static Origin {
    ORIGINS.iter().find(|o| o.nationality.contains(&code)).expect("origin")
}

fn participations(dir: &Path) -> io::Result<Out> {
    spec_writer(dir, "participations.csv")
}

fn outcomes(dir: &Path) -> io::Result<Out> {
    spec_writer(dir, "outcomes.csv")
}

/// A file with its header only.
fn empty(dir: &Path, name: &str) -> io::Result<()> {
    spec_writer(dir, name)?.flush()
}

/// Writes the three demo bundles into `dir/<tenant>/`.
pub fn write_all(dir: &Path) -> io::Result<()> {
    leverkusen(&dir.join("leverkusen"))?;
    gross_gerau(&dir.join("gross-gerau"))?;
    krefeld(&dir.join("krefeld"))
}

const DURCHSTARTEN_RULE: &str = "age >= 18 && age <= 27 && residence_status in [\"duldung\", \"gestattung\"]";

fn leverkusen(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(2023_12_07);
    let mut w = spec_writer(dir, "districts.csv")?;
    w.write_record(["lev", "Leverkusen", "", "78.85"])?;
    for (id, name, area) in
        [("lev-1", "Stadtbezirk I", "27.8"), ("lev-2", "Stadtbezirk II", "23.5"), ("lev-3", "Stadtbezirk III", "27.55")]
    {
        w.write_record([id, name, "lev", area])?;
    }
    w.flush()?;
    empty(dir, "district_stats.csv")?;
    let mut w = spec_writer(dir, "providers.csv")?;
    w.write_record(["kja", "Katholische Jugendagentur Leverkusen, Rhein-Berg, Oberberg (KJA)", "welfare"])?;
    w.write_record(["dekra", "DEKRA Akademie Leverkusen", "education"])?;
    w.write_record(["ki", "Kommunales Integrationszentrum Leverkusen", "public"])?;
    w.flush()?;
    let mut w = spec_writer(dir, "programs.csv")?;
    w.write_record([
        "durchstarten",
        "Durchstarten in Ausbildung und Arbeit",
        "Land NRW",
        "2020-03-01",
        "2023-06-30",
        DURCHSTARTEN_RULE,
    ])?;
    w.flush()?;
    let mut w = spec_writer(dir, "modules.csv")?;
    w.write_record(["ds-1", "durchstarten", "1", "Coaching", "coaching"])?;
    w.write_record(["ds-6", "durchstarten", "6", "Teilhabemanagement", "participation_management"])?;
    w.flush()?;
    let mut w = spec_writer(dir, "offers.csv")?;
    w.write_record([
        "lev-tm",
        "Teilhabemanagement",
        "kja",
        "ds-6",
        "individual",
        "",
        "school_to_work",
        "lev",
        "2020-03-01",
        "2022-06-30",
        "",
        "",
    ])?;
    w.write_record([
        "lev-coaching",
        "Coaching",
        "dekra",
        "ds-1",
        "individual",
        "",
        "school_to_work",
        "lev",
        "2022-02-01",
        "2023-06-30",
        "5",
        "",
    ])?;
    w.flush()?;
    let mut w = spec_writer(dir, "staff.csv")?;
    w.write_record(["kja-tm1", "kja", "Teilhabemanagerin A.", "case_manager", "1"])?;
    w.write_record(["kja-tm2", "kja", "Teilhabemanager B.", "case_manager", "0.5"])?;
    w.write_record(["dekra-c1", "dekra", "Coach C.", "case_manager", "0.5"])?;
    w.flush()?;

    let mut persons = PersonFile { w: spec_writer(dir, "persons.csv")? };
    let (mut parts, mut outs) = (participations(dir)?, outcomes(dir)?);
    let nats = ["AF", "SY", "IQ", "ER", "AF", "SY"];
    // Module 6: 86 persons; every one left with an outcome.
    let mut kinds: Vec<&str> = vec![];
    for (k, n) in [
        ("apprenticeship", 22),
        ("employment_insured", 16),
        ("school", 8),
        ("vocational_preparation", 10),
        ("language_course", 12),
        ("volunteering", 4),
        ("further_support", 8),
        ("stabilisation", 6),
    ] {
        kinds.extend(std::iter::repeat_n(k, n));
    }
    for (i, kind) in kinds.iter().enumerate() {
        let n = i + 1;
        let id = format!("lev-p{n:03}");
        let entry = d(2020, 3, 1) + Duration::days((i as i64 * 8) % 760);
        // The last twenty were handed over when the module ended.
        let (exit, reason) = if n > 66 {
            (d(2022, 6, 30), "handed_over")
        } else {
            ((entry + Duration::days(120 + (i as i64 * 37) % 300)).min(d(2022, 6, 29)), "completed")
        };
        let age = 18 + (i as i64 * 7) % 9; // 18–26 at entry
        let birth = entry - Duration::days(age * 365 + 40 + (i as i64 % 200));
        let o = origin(nats[i % nats.len()]);
        persons.write(
            &mut rng,
            P {
                id: &id,
                provider: "kja",
                female: i % 3 == 0,
                birth,
                origin: o,
                residence: if i % 2 == 0 { "duldung" } else { "gestattung" },
                district: ["lev-1", "lev-2", "lev-3"][i % 3],
                municipality: "Leverkusen",
                single_parent: false,
                sgb2: 0,
                labour: "inactive",
            },
        )?;
        let part = format!("lev-t{n:03}");
        let staff = if i % 3 == 2 { "kja-tm2" } else { "kja-tm1" };
        parts.write_record([part.as_str(), &id, "lev-tm", staff, &date(entry), &date(exit), reason])?;
        outs.write_record([format!("lev-o{n:03}").as_str(), &part, kind, &date(exit), "at_exit"])?;
    }
    // Module 1: nine persons, at most five at once.
    let coaching = [
        ("2022-02-01", "2022-09-30", "apprenticeship", "completed"),
        ("2022-02-01", "2022-07-31", "employment_insured", "completed"),
        ("2022-02-15", "2022-12-31", "language_course", "completed"),
        ("2022-03-01", "2023-01-31", "further_support", "handed_over"),
        ("2022-03-15", "2022-06-30", "job_searching", "dropped_out"),
        ("2022-08-01", "2023-03-31", "employment_insured", "completed"),
        ("2022-10-01", "2023-06-30", "further_support", "handed_over"),
        ("2023-03-01", "2023-06-30", "language_course", "completed"),
        ("2023-04-01", "2023-06-30", "none", "completed"),
    ];
    for (i, (entry, exit, kind, reason)) in coaching.iter().enumerate() {
        let n = 101 + i;
        let id = format!("lev-p{n:03}");
        let e = NaiveDate::parse_from_str(entry, "%Y-%m-%d").expect("date");
        let birth = e - Duration::days((19 + i as i64) * 365 + 100);
        persons.write(
            &mut rng,
            P {
                id: &id,
                provider: "dekra",
                female: i % 4 == 1,
                birth,
                origin: origin(nats[(i + 1) % nats.len()]),
                residence: if i % 3 == 0 { "gestattung" } else { "duldung" },
                district: "lev-2",
                municipality: "Leverkusen",
                single_parent: false,
                sgb2: 0,
                labour: "unemployed",
            },
        )?;
        let part = format!("lev-t{n:03}");
        parts.write_record([part.as_str(), &id, "lev-coaching", "dekra-c1", entry, exit, reason])?;
        outs.write_record([format!("lev-o{n:03}").as_str(), &part, kind, exit, "at_exit"])?;
    }
    persons.w.flush()?;
    parts.flush()?;
    outs.flush()?;
    let mut w = spec_writer(dir, "consents.csv")?;
    for n in 1..=86 {
        w.write_record([
            format!("lev-c{n:03}").as_str(),
            &format!("lev-p{n:03}"),
            "process_for_program",
            "",
            "durchstarten",
            &date(d(2020, 3, 1) + Duration::days(((n - 1) as i64 * 8) % 760)),
            "",
        ])?;
    }
    w.flush()?;
    empty(dir, "finance.csv")
}

const GG_TOWNS: [(&str, &str); 5] = [
    ("gg-ruesselsheim", "Rüsselsheim"),
    ("gg-raunheim", "Raunheim"),
    ("gg-kelsterbach", "Kelsterbach"),
    ("gg-ginsheim", "Ginsheim-Gustavsburg"),
    ("gg-bischofsheim", "Bischofsheim"),
];

fn gross_gerau(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(2018_02_19);
    let mut w = spec_writer(dir, "districts.csv")?;
    w.write_record(["gg", "Kreis Groß-Gerau", "", "453.04"])?;
    for ((id, name), area) in GG_TOWNS.iter().zip(["58.29", "12.68", "15.43", "18.88", "8.01"]) {
        w.write_record([*id, *name, "gg", area])?;
    }
    w.flush()?;
    empty(dir, "district_stats.csv")?;
    let mut w = spec_writer(dir, "providers.csv")?;
    w.write_record(["kjc", "Kommunales Jobcenter Kreis Groß-Gerau", "jobcenter"])?;
    w.flush()?;
    let rule = "age >= 23 && age <= 34 && migration_background == \"yes\" && sgb2_months_24 >= 21 && municipality in [\"Rüsselsheim\", \"Raunheim\", \"Kelsterbach\", \"Ginsheim-Gustavsburg\", \"Bischofsheim\"]";
    let mut w = spec_writer(dir, "programs.csv")?;
    w.write_record([
        "kep",
        "Kompetenzen entwickeln – Perspektiven eröffnen",
        "Hessisches Ministerium für Soziales und Integration",
        "2016-03-01",
        "2018-12-31",
        rule,
    ])?;
    w.flush()?;
    let mut w = spec_writer(dir, "modules.csv")?;
    w.write_record(["kep-1", "kep", "1", "Integrationscoaching und Qualifizierung", "coaching"])?;
    w.flush()?;
    let mut w = spec_writer(dir, "offers.csv")?;
    w.write_record([
        "gg-coaching",
        "Integrationscoaching",
        "kjc",
        "kep-1",
        "individual",
        "",
        "adult",
        "gg",
        "2016-03-01",
        "2018-12-31",
        "",
        "",
    ])?;
    w.flush()?;
    let mut w = spec_writer(dir, "staff.csv")?;
    for s in 1..=3 {
        w.write_record([
            format!("kjc-coach{s}").as_str(),
            "kjc",
            &format!("Integrationscoach {s}"),
            "case_manager",
            "1",
        ])?;
    }
    w.flush()?;
    let mut persons = PersonFile { w: spec_writer(dir, "persons.csv")? };
    let (mut parts, mut outs) = (participations(dir)?, outcomes(dir)?);
    // 300 persons: 44 into insured employment (the first 9 single mothers),
    // 14 into mini-jobs, 2 moved away — all before 2018-02-01 — and 240 in
    // coaching on 2018-02-01, 80 per coach.
    let nats = ["TR", "SY", "AF", "ER", "TR", "IQ", "UA"];
    for i in 0..300usize {
        let n = i + 1;
        let id = format!("gg-p{n:03}");
        let entry = d(2016, 3, 1) + Duration::days((i as i64 * 2) % 640);
        let (exit, reason, kind) = match i {
            0..44 => {
                (Some(entry + Duration::days(200 + (i as i64 * 5) % 150)), "completed", Some("employment_insured"))
            }
            44..58 => (Some(entry + Duration::days(150 + (i as i64 * 3) % 100)), "completed", Some("minijob")),
            58..60 => (Some(entry + Duration::days(90)), "moved", None),
            _ => (None, "", None),
        };
        let single_mother = i < 9;
        let age = 23 + (i as i64 * 5) % 12; // 23–34
        let birth = entry - Duration::days(age * 365 + 30 + (i as i64 % 300));
        let (district, town) = GG_TOWNS[i % GG_TOWNS.len()];
        persons.write(
            &mut rng,
            P {
                id: &id,
                provider: "kjc",
                female: single_mother || i % 2 == 0,
                birth,
                origin: origin(nats[i % nats.len()]),
                residence: "permit",
                district,
                municipality: town,
                single_parent: single_mother,
                sgb2: 21 + (i % 4) as u32,
                labour: "long_term_unemployed",
            },
        )?;
        let part = format!("gg-t{n:03}");
        let staff = format!("kjc-coach{}", 1 + (i % 3));
        let exit_s = exit.map(date).unwrap_or_default();
        parts.write_record([part.as_str(), &id, "gg-coaching", &staff, &date(entry), &exit_s, reason])?;
        if let (Some(x), Some(k)) = (exit, kind) {
            outs.write_record([format!("gg-o{n:03}").as_str(), &part, k, &date(x), "at_exit"])?;
        }
    }
    persons.w.flush()?;
    parts.flush()?;
    outs.flush()?;
    empty(dir, "consents.csv")?;
    empty(dir, "finance.csv")
}

const KR_DISTRICTS: [(&str, &str, &str); 9] = [
    ("kr-mitte", "Mitte", "7.42"),
    ("kr-sued", "Süd", "9.95"),
    ("kr-west", "West", "12.1"),
    ("kr-nord", "Nord", "11.3"),
    ("kr-ost", "Ost", "16.8"),
    ("kr-oppum", "Oppum-Linn", "15.2"),
    ("kr-uerdingen", "Uerdingen", "22.6"),
    ("kr-huels", "Hüls", "16.4"),
    ("kr-fischeln", "Fischeln", "25.9"),
];

fn krefeld(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(2024_12_12);
    let mut w = spec_writer(dir, "districts.csv")?;
    w.write_record(["kr", "Krefeld", "", "137.78"])?;
    for (id, name, area) in KR_DISTRICTS {
        w.write_record([id, name, "kr", area])?;
    }
    w.flush()?;
    empty(dir, "district_stats.csv")?;
    let mut w = spec_writer(dir, "providers.csv")?;
    w.write_record(["kzb", "Kommunale Zentralstelle für Beschäftigungsförderung", "public"])?;
    w.flush()?;
    let mut w = spec_writer(dir, "programs.csv")?;
    w.write_record(["kommunal", "Kommunale Beschäftigungsförderung", "Stadt Krefeld", "1998-01-01", "", ""])?;
    w.write_record([
        "jugend-staerken",
        "JUGEND STÄRKEN im Quartier",
        "Bund, ESF Plus",
        "2022-01-01",
        "2026-12-31",
        "",
    ])?;
    w.write_record(["wiq-plus", "Wir im Quartier Plus", "Land NRW, ESF Plus", "2022-01-01", "2026-12-31", ""])?;
    w.write_record([
        "biwaq",
        "BIWAQ – Bildung, Wirtschaft, Arbeit im Quartier",
        "Bund, ESF Plus",
        "2022-01-01",
        "2026-12-31",
        "",
    ])?;
    w.flush()?;
    let modules = [
        ("km-1", "kommunal", "1", "Jugendsozialarbeit", "other"),
        ("km-2", "kommunal", "2", "Beschäftigungsförderung", "coaching"),
        ("km-3", "kommunal", "3", "Fachliche Begleitung und koordinierende Aufgaben", "other"),
        ("js-1", "jugend-staerken", "1", "Einzelfallhilfe", "coaching"),
        ("wiq-1", "wiq-plus", "1", "Einzelfallhilfe und Gruppenangebote", "coaching"),
        ("biwaq-1", "biwaq", "1", "Einzelfallhilfe und Qualifizierung", "qualification"),
    ];
    let mut w = spec_writer(dir, "modules.csv")?;
    for m in modules {
        w.write_record([m.0, m.1, m.2, m.3, m.4])?;
    }
    w.flush()?;
    // Individual offers: each project in three districts, the municipal ones city-wide.
    let mut individual: Vec<String> = vec![];
    let mut w = spec_writer(dir, "offers.csv")?;
    for (m, district) in [
        ("km-1", "kr"),
        ("km-2", "kr"),
        ("js-1", "kr-mitte"),
        ("js-1", "kr-sued"),
        ("js-1", "kr-ost"),
        ("wiq-1", "kr-nord"),
        ("wiq-1", "kr-west"),
        ("wiq-1", "kr-oppum"),
        ("biwaq-1", "kr-mitte"),
        ("biwaq-1", "kr-uerdingen"),
        ("biwaq-1", "kr-sued"),
    ] {
        let id = format!("kr-e-{m}-{}", district.trim_start_matches("kr-"));
        let name = format!(
            "Einzelfallhilfe {} ({})",
            modules.iter().find(|x| x.0 == m).map_or("", |x| x.3),
            KR_DISTRICTS.iter().find(|x| x.0 == district).map_or("Krefeld", |x| x.1)
        );
        let stage = if m == "km-1" || m == "js-1" { "school_to_work" } else { "adult" };
        w.write_record([id.as_str(), &name, "kzb", m, "individual", "", stage, district, "2022-01-01", "", "", ""])?;
        individual.push(id);
    }
    // 1,351 group offers in 2023 with 21,400 unregistered participants.
    let topics = ["self_help", "parents", "social_learning", "culture_sport_leisure"];
    let stages = ["early_childhood", "daycare", "primary_school", "secondary_school", "school_to_work", "adult"];
    let group_modules = ["km-1", "km-3", "wiq-1", "js-1"];
    let mut groups = vec![];
    for g in 0..1351usize {
        let id = format!("kr-g{:04}", g + 1);
        let start = d(2023, 1, 9) + Duration::days((g as i64 * 7) % 330);
        let end = (start + Duration::days(rng.random_range(0..60))).min(d(2023, 12, 31));
        let unregistered = if g < 1135 { 16 } else { 15 };
        let topic = topics[g % topics.len()];
        let name = format!(
            "{} {}",
            ["Selbsthilfegruppe", "Elterncafé", "Soziales Lerntraining", "Kultur, Sport und Freizeit"][g % 4],
            g + 1
        );
        let district = KR_DISTRICTS[g % KR_DISTRICTS.len()].0;
        let (s, e, u) = (date(start), date(end), unregistered.to_string());
        w.write_record([
            id.as_str(),
            &name,
            "kzb",
            group_modules[g % group_modules.len()],
            "group",
            topic,
            stages[g % stages.len()],
            district,
            &s,
            &e,
            "20",
            &u,
        ])?;
        groups.push((id, start, end));
    }
    w.flush()?;
    let mut w = spec_writer(dir, "staff.csv")?;
    for s in 1..=30 {
        w.write_record([
            format!("kzb-fm{s:02}").as_str(),
            "kzb",
            &format!("Fallmanagement {s}"),
            "case_manager",
            if s % 4 == 0 { "0.5" } else { "1" },
        ])?;
    }
    for s in 1..=38 {
        let role = if s <= 21 { "Schulsozialarbeit Grundschule" } else { "Schulsozialarbeit weiterführende Schule" };
        w.write_record([format!("kzb-ssa{s:02}").as_str(), "kzb", &format!("Schulsozialarbeit {s}"), role, "1"])?;
    }
    w.flush()?;
    // 2,100 persons in individual support in 2023; the first 300 also registered in one group offer.
    let mut persons = PersonFile { w: spec_writer(dir, "persons.csv")? };
    let (mut parts, mut outs) = (participations(dir)?, outcomes(dir)?);
    let nats = ["DE", "DE", "DE", "TR", "SY", "PL", "UA", "IQ", "AF", "DE"];
    let kinds = [
        "employment_insured",
        "minijob",
        "apprenticeship",
        "school",
        "vocational_preparation",
        "language_course",
        "stabilisation",
        "further_support",
        "job_searching",
    ];
    for i in 0..2100usize {
        let n = i + 1;
        let id = format!("kr-p{n:04}");
        let o = origin(nats[i % nats.len()]);
        let entry = d(2022, 6, 1) + Duration::days((i as i64 * 13) % 560);
        let age = 16 + (i as i64 * 11) % 40;
        let birth = entry - Duration::days(age * 365 + (i as i64 % 300));
        let residence = if o.migration_background { "permit" } else { "german" };
        persons.write(
            &mut rng,
            P {
                id: &id,
                provider: "kzb",
                female: i % 2 == 0,
                birth,
                origin: o,
                residence,
                district: KR_DISTRICTS[i % KR_DISTRICTS.len()].0,
                municipality: "Krefeld",
                single_parent: i % 9 == 0,
                sgb2: (i % 25) as u32,
                labour: ["unemployed", "long_term_unemployed", "inactive", "in_education"][i % 4],
            },
        )?;
        let part = format!("kr-t{n:04}");
        let offer = &individual[i % individual.len()];
        let staff = format!("kzb-fm{:02}", 1 + i % 30);
        // About half leave by the end of 2023, most with an outcome.
        // Everyone is in support at some time in 2023.
        let exit = (i % 2 == 0)
            .then(|| (entry + Duration::days(90 + (i as i64 * 17) % 300)).max(d(2023, 1, 2)))
            .filter(|x| *x <= d(2023, 12, 31));
        let reason = exit.map_or("", |_| if i % 10 == 0 { "dropped_out" } else { "completed" });
        parts.write_record([
            part.as_str(),
            &id,
            offer,
            &staff,
            &date(entry),
            &exit.map(date).unwrap_or_default(),
            reason,
        ])?;
        if let Some(x) = exit.filter(|_| i % 10 != 0) {
            outs.write_record([format!("kr-o{n:04}").as_str(), &part, kinds[i % kinds.len()], &date(x), "at_exit"])?;
        }
        if i < 300 {
            let (gid, s, e) = &groups[(i * 4) % groups.len()];
            parts.write_record([format!("kr-tg{n:04}").as_str(), &id, gid, "", &date(*s), &date(*e), "completed"])?;
        }
    }
    persons.w.flush()?;
    parts.flush()?;
    outs.flush()?;
    empty(dir, "consents.csv")?;
    let mut w = spec_writer(dir, "finance.csv")?;
    let euro = |e: i64| format_money(e * 100);
    let rows: [(&str, &str, &str, i64, &str, &str, &str); 10] = [
        ("kr-f2023-01", "expense", "personnel", 5_200_000, "", "", "Personalkosten"),
        ("kr-f2023-02", "expense", "material", 1_300_000, "", "", "Sachkosten"),
        ("kr-f2023-03", "expense", "other", 500_000, "", "", "Sonstiges"),
        ("kr-f2023-04", "funding", "federal", 1_150_000, "", "", "Bund (Jugend stärken, BIWAQ)"),
        ("kr-f2023-05", "funding", "land", 1_420_000, "", "", "Land NRW"),
        ("kr-f2023-06", "funding", "jobcenter", 980_000, "", "", "Jobcenter Krefeld"),
        ("kr-f2023-07", "funding", "other", 400_000, "", "", "weitere Institutionen"),
        ("kr-f2023-08", "revenue", "work_16i", 1_247_600, "", "", "Arbeitsleistung 16i-Kräfte"),
        ("kr-f2023-09", "revenue", "hze_avoided", 752_400, "4180", "HzE-Einheit", "eingesparte Hilfen zur Erziehung"),
        ("kr-f2023-10", "revenue", "own_offers", 400_000, "", "", "selbst kreierte Gruppenangebote"),
    ];
    for (id, kind, cat, eur, qty, unit, note) in rows {
        w.write_record([id, "2023", kind, cat, "", &euro(eur), qty, unit, note])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    /// The files in the repository are the generator's output: change the
    /// generator, then run `lotse demo write-bundles demo`.
    #[test]
    fn demo_files_in_the_repository_are_current() {
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo");
        let tmp = std::env::temp_dir().join(format!("lotse-demo-check-{}", std::process::id()));
        super::write_all(&tmp).unwrap();
        for tenant in ["krefeld", "leverkusen", "gross-gerau"] {
            for e in std::fs::read_dir(tmp.join(tenant)).unwrap() {
                let e = e.unwrap();
                let fresh = std::fs::read(e.path()).unwrap();
                let stored = std::fs::read(repo.join(tenant).join(e.file_name())).unwrap_or_default();
                assert!(
                    fresh == stored,
                    "demo/{tenant}/{:?} is out of date: run `lotse demo write-bundles demo`",
                    e.file_name()
                );
            }
        }
        std::fs::remove_dir_all(tmp).unwrap();
    }
}
