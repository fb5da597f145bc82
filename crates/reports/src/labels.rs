//! Display names of codes, figures and dimensions, in German (for the
//! department and the council) and English.

use crate::figure::Text;

pub fn index(list: &[&str], code: &str) -> usize {
    list.iter().position(|c| *c == code).unwrap_or(list.len() - 1)
}

pub fn date_de(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

pub fn prefixed(de: &str, en: &str, t: Text) -> Text {
    Text::new(format!("{de}: {}", t.de), format!("{en}: {}", t.en))
}

/// The label of a code of one of the spec's enumerations.
pub fn code(family: &str, c: &str) -> Text {
    let de = match (family, c) {
        (_, "unknown") => "unbekannt",
        ("gender", "female") => "weiblich",
        ("gender", "male") => "männlich",
        ("gender", "diverse") => "divers",
        ("esf_split", "women") => "Frauen",
        ("esf_split", "men") => "Männer",
        ("esf_split", "non_binary") => "nicht-binär",
        ("outcome", "apprenticeship") => "Ausbildung",
        ("outcome", "employment_insured") => "sozialversicherungspflichtige Beschäftigung",
        ("outcome", "minijob") => "Minijob",
        ("outcome", "self_employment") => "Selbstständigkeit",
        ("outcome", "school") => "Schule",
        ("outcome", "vocational_preparation") => "Berufsvorbereitung",
        ("outcome", "language_course") => "Sprachkurs",
        ("outcome", "qualification_gained") => "Qualifikation erworben",
        ("outcome", "volunteering") => "Freiwilligendienst / Ehrenamt",
        ("outcome", "job_searching") => "arbeitsuchend",
        ("outcome", "further_support") => "weitere Unterstützung",
        ("outcome", "stabilisation") => "Stabilisierung",
        ("outcome", "none") => "kein Verbleib",
        ("outcome", "not_left") => "nicht ausgetreten",
        ("funding", "federal") => "Bund",
        ("funding", "land") => "Land",
        ("funding", "esf") => "ESF Plus",
        ("funding", "jobcenter") => "Jobcenter",
        ("funding", "municipality") => "Kommune",
        ("revenue", "work_16i") => "Arbeit nach § 16i SGB II",
        ("revenue", "hze_avoided") => "vermiedene Hilfen zur Erziehung",
        ("revenue", "own_offers") => "eigene Gruppenangebote",
        ("funding" | "revenue", "other") => "Sonstige",
        ("expense", "personnel") => "Personalausgaben",
        ("expense", "material") => "Sachausgaben",
        ("expense", "capital") => "Investitionen",
        ("expense", "other") => "sonstige Ausgaben",
        ("residence_status", "german") => "deutsch",
        ("residence_status", "eu") => "EU-Bürger/in",
        ("residence_status", "permit") => "Aufenthaltserlaubnis",
        ("residence_status", "gestattung") => "Aufenthaltsgestattung",
        ("residence_status", "duldung") => "Duldung",
        ("residence_status", "other") => "sonstiger Status",
        ("yes_no", "yes") => "ja",
        ("yes_no", "no") => "nein",
        ("labour_status", "employed") => "erwerbstätig",
        ("labour_status", "self_employed") => "selbstständig",
        ("labour_status", "unemployed") => "arbeitslos",
        ("labour_status", "long_term_unemployed") => "langzeitarbeitslos",
        ("labour_status", "inactive") => "nicht erwerbstätig",
        ("labour_status", "in_education") => "in Ausbildung / Schule",
        ("life_stage", "pregnancy_birth") => "Schwangerschaft und Geburt",
        ("life_stage", "early_childhood") => "frühe Kindheit",
        ("life_stage", "daycare") => "Kita",
        ("life_stage", "primary_school") => "Grundschule",
        ("life_stage", "secondary_school") => "weiterführende Schule",
        ("life_stage", "school_to_work") => "Übergang Schule – Beruf",
        ("life_stage", "adult") => "Erwachsene",
        ("topic", "self_help") => "Aktivierung der Selbsthilfe",
        ("topic", "parents") => "Elternarbeit",
        ("topic", "social_learning") => "soziales Lernen",
        ("topic", "culture_sport_leisure") => "Kultur, Sport, Freizeit",
        ("topic", "language") => "Sprache",
        ("topic", "job_orientation") => "Berufsorientierung",
        ("topic", "other") => "Sonstiges",
        ("body", "steering_committee") => "Lenkungskreis",
        ("body", "steering_group") => "Steuerungsgruppe",
        ("body", "working_group") => "Arbeitsgruppe",
        ("body", "core_group") => "Bündniskerngruppe",
        ("body", "case_conference") => "Fallkonferenz",
        ("body", "other") => "sonstiges Gremium",
        ("milestone", "open") => "offen",
        ("milestone", "in_progress") => "in Arbeit",
        ("milestone", "done") => "erledigt",
        ("milestone", "dropped") => "verworfen",
        ("key", "fluag") => "FlüAG NRW (90 % Einwohner, 10 % Fläche)",
        ("key", "population") => "Einwohnerzahl",
        ("key", "weights") => "eigene Gewichte",
        ("delivery", "individual") => "Einzelangebot",
        ("delivery", "group") => "Gruppenangebot",
        ("exit_reason", "completed") => "regulär beendet",
        ("exit_reason", "dropped_out") => "abgebrochen",
        ("exit_reason", "moved") => "verzogen",
        ("exit_reason", "handed_over") => "übergeben",
        ("exit_reason", "other") => "sonstiger Grund",
        _ => c,
    };
    let en = match (family, c) {
        ("esf_split", s) => s.replace('_', "-"),
        _ => c.replace('_', " "),
    };
    Text::new(de, en)
}

/// The label of a dimension value of the `query` report.
pub fn dim_value(dim: &str, v: &str) -> Text {
    let family = match dim {
        "outcome_at_exit" => "outcome",
        "migration_background" | "single_parent" => "yes_no",
        "age_band" => return age_band(v),
        d => d,
    };
    code(family, v)
}

fn age_band(v: &str) -> Text {
    if v == "unknown" {
        return code("", v);
    }
    if let Some(n) = v.strip_prefix("under_") {
        return Text::new(format!("unter {n} Jahre"), format!("under {n}"));
    }
    if let Some(n) = v.strip_suffix("_plus") {
        return Text::new(format!("{n} Jahre und älter"), format!("{n} and over"));
    }
    let (a, b) = v.split_once('_').unwrap_or((v, v));
    Text::new(format!("{a} bis {b} Jahre"), format!("{a} to {b}"))
}

pub fn dimension(dim: &str) -> Text {
    let de = match dim {
        "program" => "Programm",
        "module" => "Baustein",
        "offer" => "Angebot",
        "provider" => "Träger",
        "district" => "Sozialraum",
        "delivery" => "Angebotsform",
        "gender" => "Geschlecht",
        "age_band" => "Altersgruppe",
        "residence_status" => "Aufenthaltsstatus",
        "migration_background" => "Migrationshintergrund",
        "single_parent" => "alleinerziehend",
        "labour_status" => "Erwerbsstatus",
        "outcome_at_exit" => "Verbleib beim Austritt",
        "exit_reason" => "Austrittsgrund",
        "entry_year" => "Eintrittsjahr",
        d => d,
    };
    Text::new(de, dim.replace('_', " "))
}

pub fn measure(m: &str) -> Text {
    match m {
        "persons" => Text::new("Personen", "Persons"),
        "participations" => Text::new("Teilnahmen", "Participations"),
        _ => Text::new("Austritte", "Exits"),
    }
}

pub fn alloc_key(k: crate::allocation::Key) -> Text {
    match k {
        crate::allocation::Key::Fluag => {
            Text::new("FlüAG (90 % Einwohner, 10 % Fläche)", "FlüAG (90 % population, 10 % area)")
        }
        crate::allocation::Key::Population => Text::new("Einwohnerzahl", "population"),
        crate::allocation::Key::Weights => Text::new("eigene Gewichte", "custom weights"),
    }
}

/// The label of a figure key (without ids).
pub fn figure(key: &str) -> Text {
    let (de, en) = match key {
        "persons_total" => ("Personen insgesamt", "Persons"),
        "participants_total" => ("Teilnehmende insgesamt", "Participants"),
        "group_offers" => ("Gruppenangebote", "Group offers"),
        "group_participants" => ("Teilnehmende an Gruppenangeboten", "Group participants"),
        "individual_persons" => ("Personen in Einzelbegleitung", "Persons in individual support"),
        "exits" => ("Austritte", "Exits"),
        "finance.expenses" => ("Ausgaben", "Expenses"),
        "finance.funding.total" => ("Fördermittel insgesamt", "Funding, total"),
        "finance.revenue.total" => ("Erzielte Werte insgesamt", "Value created, total"),
        "finance.net_cost" => ("Nettokosten", "Net cost"),
        "participants" => ("Teilnehmende", "Participants"),
        "capacity" => ("Kapazität", "Capacity"),
        "entries" => ("Eintritte", "Entries"),
        "first_entry" => ("erster Eintritt", "First entry"),
        "last_exit" => ("letzter Austritt", "Last exit"),
        "peak_concurrent" => ("höchstens gleichzeitig", "Peak at once"),
        "handed_over" => ("übergeben", "Handed over"),
        "target_group_size" => ("Größe der Zielgruppe", "Target group size"),
        "reached" => ("Erreichte Personen", "Reached"),
        "reach_rate" => ("Erreichungsquote", "Reach rate"),
        "active_cases" => ("aktive Fälle", "Active cases"),
        "fte" => ("Vollzeitstellen", "FTE"),
        "caseload_per_fte" => ("Fälle je Vollzeitstelle", "Cases per FTE"),
        "ratio_to_target" => ("Verhältnis zum Schlüssel", "Ratio to target"),
        "eligible_total" => ("Personen in der Zielgruppe", "Eligible persons"),
        k => (k, k),
    };
    Text::new(de, en)
}

/// The German title of a report.
pub fn report_title(name: &str) -> Text {
    match name {
        "key-figures" => Text::new("Sachstandsbericht – Kennzahlen", "Status report – key figures"),
        "programme" => Text::new("Programmbericht nach Bausteinen", "Programme report by module"),
        "esf" => Text::new("ESF Plus – gemeinsame Indikatoren", "ESF+ common indicators"),
        "reach" => Text::new("Erreichung der Zielgruppe", "Target-group reach"),
        "caseload" => Text::new("Fallbelastung", "Caseload"),
        "allocation" => Text::new("Mittelverteilung", "Budget allocation"),
        "proof-of-use" => Text::new("Verwendungsnachweis", "Proof of use"),
        "eligibility" => Text::new("Zugehörigkeit zur Zielgruppe", "Eligibility"),
        "query" => Text::new("Auswertung", "Query"),
        n => Text::same(n),
    }
}
