//! Every figure's definition, in one place: the computations point at these,
//! the outputs print them (JSON `definition`, HTML tooltips and footnotes,
//! the XLSX notes sheet), and `lotse report definitions` lists them for the
//! documentation. The English text is reports.md's own wording.

/// The definition of a figure (or of a family of figures: `{kind}` etc.).
#[derive(Debug, PartialEq, Eq)]
pub struct Def {
    pub report: &'static str,
    /// The key as reports.md writes it, with placeholders.
    pub key: &'static str,
    pub de: &'static str,
    pub en: &'static str,
}

impl Def {
    /// Is it a count of persons or records (which disclosure control
    /// protects)? Capacities, numbers of offers and population statistics are not.
    pub fn counts(&self) -> bool {
        !matches!(self.key, "group_offers" | "{modules|offers}.{id}.capacity" | "target_group_size")
    }

    pub fn text(&self, lang: crate::Lang) -> &'static str {
        match lang {
            crate::Lang::De => self.de,
            crate::Lang::En => self.en,
        }
    }
}

macro_rules! defs {
    ($($name:ident = $report:literal, $key:literal, $de:literal, $en:literal;)*) => {
        $(pub static $name: Def = Def { report: $report, key: $key, de: $de, en: $en };)*
        /// All definitions, in the order of reports.md.
        pub static ALL: &[&Def] = &[$(&$name),*];
    };
}

defs! {
    PERSONS_TOTAL = "key-figures", "persons_total",
        "Personen mit einer im Zeitraum aktiven Teilnahme (jede Person einmal)",
        "persons with a participation active in the period";
    PARTICIPANTS_TOTAL = "key-figures", "participants_total",
        "Teilnehmende in Gruppenangeboten plus Personen in Einzelbegleitung",
        "group_participants + individual_persons";
    GROUP_OFFERS = "key-figures", "group_offers",
        "Gruppenangebote, deren Laufzeit den Zeitraum berührt",
        "group offers whose own period overlaps the period";
    GROUP_PARTICIPANTS = "key-figures", "group_participants",
        "In diesen Gruppenangeboten: im Zeitraum aktive Teilnahmen plus namentlich nicht erfasste Teilnehmende",
        "over those group offers: participations active in the period + unregistered_participants";
    INDIVIDUAL_PERSONS = "key-figures", "individual_persons",
        "Personen mit einer im Zeitraum aktiven Teilnahme an einem Einzelangebot",
        "persons with a participation in an individual offer active in the period";
    PERSONS_BY_GENDER = "key-figures", "persons_by_gender.{gender}",
        "Personen insgesamt nach Geschlecht",
        "persons_total split by gender";
    PERSONS_BY_AGE = "key-figures", "persons_by_age.{band}",
        "Personen insgesamt nach Alter beim ersten gezählten Eintritt (unter 18, 18–29, 30–54, ab 55 Jahren; Lotse-Ergänzung)",
        "persons_total by age at their earliest counted entry (Lotse addition)";
    EXITS = "key-figures", "exits",
        "Teilnahmen mit Austrittsdatum im Zeitraum",
        "participations whose exit_date lies in the period";
    OUTCOMES_AT_EXIT = "key-figures", "outcomes_at_exit.{kind}",
        "Austritte im Zeitraum nach Verbleib beim Austritt (letzter Verbleib „bei Austritt“ bis 28 Tage nach dem Austritt; Austritte ohne Verbleib zählen hier nicht)",
        "exits in the period whose at-exit outcome is kind (each exit counted once; exits without one are not counted here)";
    FINANCE_EXPENSES = "key-figures", "finance.expenses",
        "Summe der Ausgaben der vollständig im Zeitraum liegenden Kalenderjahre",
        "sum of expense entries of the year";
    FINANCE_FUNDING = "key-figures", "finance.funding.{category}",
        "Summe der Fördermittel nach Mittelgeber",
        "sum of funding entries of the year by category";
    FINANCE_FUNDING_TOTAL = "key-figures", "finance.funding.total",
        "Summe aller Fördermittel",
        "sum of funding entries of the year";
    FINANCE_REVENUE = "key-figures", "finance.revenue.{category}",
        "Summe der erzielten Werte (Wertschöpfung) nach Art",
        "sum of revenue entries by category";
    FINANCE_REVENUE_TOTAL = "key-figures", "finance.revenue.total",
        "Summe aller erzielten Werte",
        "sum of revenue entries";
    FINANCE_NET_COST = "key-figures", "finance.net_cost",
        "Ausgaben minus Fördermittel minus erzielte Werte",
        "expenses - funding.total - revenue.total";

    PROG_PARTICIPANTS = "programme", "{modules|offers}.{id}.participants",
        "Personen mit einer im Zeitraum aktiven Teilnahme (ohne namentlich nicht erfasste Teilnehmende)",
        "persons active in the period";
    PROG_CAPACITY = "programme", "{modules|offers}.{id}.capacity",
        "Kapazität des Angebots; beim Baustein die Summe der Kapazitäten seiner Angebote",
        "the offer's capacity; for a module, the sum of its offers' capacities";
    PROG_ENTRIES = "programme", "{modules|offers}.{id}.entries",
        "Teilnahmen mit Eintrittsdatum im Zeitraum",
        "participations with entry_date in the period";
    PROG_EXITS = "programme", "{modules|offers}.{id}.exits",
        "Teilnahmen mit Austrittsdatum im Zeitraum",
        "participations with exit_date in the period";
    PROG_FIRST_ENTRY = "programme", "{modules|offers}.{id}.first_entry",
        "Frühester Eintritt unter den im Zeitraum aktiven Teilnahmen",
        "earliest entry among the participations active in the period";
    PROG_LAST_EXIT = "programme", "{modules|offers}.{id}.last_exit",
        "Spätester Austritt unter den im Zeitraum aktiven Teilnahmen",
        "latest exit among the participations active in the period";
    PROG_PEAK = "programme", "{modules|offers}.{id}.peak_concurrent",
        "Höchste Zahl gleichzeitig aktiver Personen an einem Tag des Zeitraums (Eintritts- und Austrittstag zählen mit)",
        "the most persons active on any single day of the period";
    PROG_OUTCOMES = "programme", "{modules|offers}.{id}.outcomes_at_exit.{kind}",
        "Personen, die hier im Zeitraum ausgetreten sind, nach ihrem Verbleib beim Austritt hier",
        "persons who left this module or offer in the period, by their at-exit outcome there";
    PROG_HANDED_OVER = "programme", "{modules|offers}.{id}.handed_over",
        "Austritte im Zeitraum mit dem Grund „Übergabe an einen anderen Träger“",
        "exits in the period with reason handed_over";

    EECO01 = "esf", "EECO01", "Teilnehmende insgesamt (Eintritt im Zeitraum; Merkmale beim Eintritt)", "total participants";
    EECO02 = "esf", "EECO02", "Arbeitslose, einschließlich Langzeitarbeitslose", "unemployed, including long-term unemployed";
    EECO03 = "esf", "EECO03", "Langzeitarbeitslose", "long-term unemployed";
    EECO04 = "esf", "EECO04", "Nichterwerbstätige (einschließlich in Ausbildung)", "inactive";
    EECO05 = "esf", "EECO05", "Erwerbstätige, einschließlich Selbstständige", "employed, including self-employed";
    EECO06 = "esf", "EECO06", "Unter 18 Jahren (beim Eintritt)", "below 18 years";
    EECO07 = "esf", "EECO07", "18 bis 29 Jahre (beim Eintritt)", "18 to 29 years";
    EECO08 = "esf", "EECO08", "55 Jahre und älter (beim Eintritt)", "55 years and above";
    EECO09 = "esf", "EECO09", "ISCED 0–2", "ISCED 0–2";
    EECO10 = "esf", "EECO10", "ISCED 3–4", "ISCED 3–4";
    EECO11 = "esf", "EECO11", "ISCED 5–8", "ISCED 5–8";
    EECO12 = "esf", "EECO12", "Menschen mit Behinderungen", "with disabilities";
    EECO13 = "esf", "EECO13",
        "Drittstaatsangehörige (Staatsangehörigkeit bekannt, weder deutsch noch eines anderen der 27 EU-Staaten)",
        "third-country nationals (nationality known and neither DE nor another of the 27 EU states)";
    EECO14 = "esf", "EECO14", "Mit ausländischer Herkunft (Migrationshintergrund)", "with a foreign background";
    EECO16 = "esf", "EECO16", "Obdachlose oder von Ausgrenzung auf dem Wohnungsmarkt Betroffene", "homeless or affected by housing exclusion";
    EECR01 = "esf", "EECR01", "Beim Austritt auf Arbeitssuche", "engaged in job searching upon leaving";
    EECR02 = "esf", "EECR02",
        "Beim Austritt in schulischer oder beruflicher Bildung (Ausbildung, Schule, Berufsvorbereitung, Sprachkurs)",
        "in education or training upon leaving";
    EECR03 = "esf", "EECR03", "Beim Austritt mit erworbener Qualifikation", "gaining a qualification upon leaving";
    EECR04 = "esf", "EECR04",
        "Beim Austritt erwerbstätig, einschließlich Selbstständige (sozialversicherungspflichtig, Minijob, selbstständig)",
        "in employment, including self-employment, upon leaving";
    EECR05 = "esf", "EECR05",
        "Sechs Monate nach dem Austritt erwerbstätig, einschließlich Selbstständige (letzter Verbleib „nach sechs Monaten“)",
        "in employment, including self-employment, six months after leaving";

    REACH_TARGET = "reach", "target_group_size",
        "Größe der Zielgruppe (angegeben oder Summe einer Sozialraum-Kennzahl über die untersten Bezirke im letzten Jahr des Zeitraums)",
        "given with --target-size, or the sum of a district statistic over the districts without child districts for the period's last year";
    REACH_REACHED = "reach", "reached",
        "Personen mit einer Teilnahme am Programm im Zeitraum, die bei ihrem ersten Eintritt im Zeitraum zur Zielgruppe gehörten",
        "persons with a participation in the programme in the period who belong to its target group on their first entry in the period";
    REACH_RATE = "reach", "reach_rate", "Erreichte geteilt durch Zielgruppengröße (kann über 1 liegen)", "reached / target_group_size";
    REACH_GENDER = "reach", "gender_share.{gender}", "Anteile der Erreichten nach Geschlecht", "shares of reached";
    REACH_BY_GENDER = "reach", "reached_by_gender.{gender}", "Erreichte Personen nach Geschlecht", "reached split by gender";

    CASE_STAFF_ACTIVE = "caseload", "staff.{staff_id}.active_cases",
        "Am Stichtag aktive Teilnahmen an Einzelangeboten bei dieser Fachkraft",
        "individual participations active on D with that staff_id";
    CASE_STAFF_FTE = "caseload", "staff.{staff_id}.fte", "Vollzeitäquivalente der Fachkraft", "the staff member's full-time equivalents";
    CASE_STAFF_PER_FTE = "caseload", "staff.{staff_id}.caseload_per_fte", "Aktive Fälle je Vollzeitstelle", "active cases / fte";
    CASE_STAFF_RATIO = "caseload", "staff.{staff_id}.ratio_to_target",
        "Fälle je Vollzeitstelle geteilt durch den Zielschlüssel (1 = genau im Schlüssel)",
        "caseload per fte / target";
    CASE_ACTIVE = "caseload", "active_cases",
        "Am Stichtag aktive Teilnahmen an Einzelangeboten mit zuständiger Fachkraft",
        "individual participations active on D with a staff member";
    CASE_FTE = "caseload", "fte", "Vollzeitäquivalente der aufgeführten Fachkräfte", "full-time equivalents of the staff listed";
    CASE_PER_FTE = "caseload", "caseload_per_fte", "Aktive Fälle je Vollzeitstelle insgesamt", "active cases / fte";

    ALLOC_SHARE = "allocation", "units.{unit_id}.share",
        "Endgültiger Anteil der Einheit am Gesamtbetrag (nach Kappung und Umverteilung)",
        "the final key after capping";
    ALLOC_AMOUNT = "allocation", "units.{unit_id}.amount",
        "Zugewiesener Betrag in Euro (ganze Cent, Rundung nach größten Resten)",
        "euro, whole cents, largest-remainder rounding";
    ALLOC_TOTAL = "allocation", "total", "Zu verteilender Gesamtbetrag in Euro", "the total in euro";

    ELIG_ELIGIBLE = "eligibility", "persons.{person_id}.eligible",
        "Gehört die Person am Stichtag zur Zielgruppe des Programms?",
        "whether the person belongs to the programme's target group on the date";
    ELIG_FAILING = "eligibility", "persons.{person_id}.failing",
        "Die nicht erfüllten Bedingungen der Zielgruppenregel (unbekannte Angaben gelten als nicht erfüllt)",
        "the top-level && conjuncts of the rule that are false, each as its source text";
    ELIG_TOTAL = "eligibility", "eligible_total", "Zahl der Personen, die zur Zielgruppe gehören", "number of eligible persons";

    POU_EXPENSES = "proof-of-use", "expenses.{category}.{plan|actual|difference}",
        "Ausgaben des Programms im Jahr nach Kostenart: Plan (Haushaltsplan), Ist (Buchungen) und Abweichung (Ist minus Plan)",
        "the programme's expenses of the year by cost category: budget plan, booked actuals, actual minus plan";
    POU_EXPENSES_TOTAL = "proof-of-use", "expenses.total.{plan|actual|difference}",
        "Summe der Ausgaben aller Kostenarten",
        "expenses of all cost categories";
    POU_FUNDING = "proof-of-use", "funding.{funder}.{plan|actual|difference}",
        "Fördermittel des Programms im Jahr nach Mittelgeber: geplant, erhalten und Abweichung",
        "the programme's funding of the year by funder: planned, received, received minus planned";
    POU_FUNDING_TOTAL = "proof-of-use", "funding.total.{plan|actual|difference}",
        "Summe der Fördermittel aller Mittelgeber",
        "funding of all funders";
    POU_FUNDER_GRANTED = "proof-of-use", "funder.granted",
        "Im Haushaltsplan vorgesehene Mittel des angegebenen Mittelgebers",
        "the named funder's planned funding";
    POU_FUNDER_RECEIVED = "proof-of-use", "funder.received",
        "Erhaltene Mittel des angegebenen Mittelgebers (Buchungen des Jahres)",
        "the named funder's funding booked in the year";

    QUERY_CELL = "query", "cells.{row}.{col}", "Anzahl in dieser Zeile und Spalte", "the count in this row and column";
    QUERY_ROW_TOTAL = "query", "row_total.{row}", "Summe der Zeile (Personen je einmal)", "row total (persons once)";
    QUERY_COL_TOTAL = "query", "col_total.{col}", "Summe der Spalte (Personen je einmal)", "column total (persons once)";
    QUERY_TOTAL = "query", "total", "Gesamtzahl (Personen je einmal)", "grand total (persons once)";
}

/// Keys Lotse adds to the spec's (reports.md: "a report may carry more").
pub const ADDITIONS: &[&str] = &["persons_by_age.", "reached_by_gender."];

/// Reports Lotse adds to reports.md's (documented in docs/reports.md).
pub const ADDED_REPORTS: &[&str] = &["proof-of-use"];

pub fn is_addition(key: &str) -> bool {
    ADDITIONS.iter().any(|a| key.starts_with(a))
}

/// The definitions of one report.
pub fn of_report(report: &str) -> impl Iterator<Item = &'static Def> + '_ {
    ALL.iter().copied().filter(move |d| d.report == report)
}

/// The definitions as a Markdown table per report, for docs/reports.md.
pub fn markdown() -> String {
    let mut out = String::new();
    let mut current = "";
    for d in ALL {
        if d.report != current {
            current = d.report;
            out.push_str(&format!("\n### {current}\n\n| key | Definition (de) | definition (en) |\n|---|---|---|\n"));
        }
        out.push_str(&format!("| `{}` | {} | {} |\n", d.key, d.de.replace('|', "\\|"), d.en.replace('|', "\\|")));
    }
    out
}

#[cfg(test)]
mod tests {
    const BEGIN: &str = "<!-- definitions: generated from crates/reports/src/definitions.rs -->\n";
    const END: &str = "<!-- end of definitions -->";

    /// docs/reports.md shows the definitions the code uses. To update it:
    /// `LOTSE_WRITE_DOCS=1 cargo test -p lotse-reports definitions_doc`.
    #[test]
    fn definitions_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/reports.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let (head, rest) = doc.split_once(BEGIN).expect("marker in docs/reports.md");
        let (_, tail) = rest.split_once(END).expect("end marker in docs/reports.md");
        let fresh = format!("{head}{BEGIN}{}{END}{tail}", super::markdown());
        if std::env::var_os("LOTSE_WRITE_DOCS").is_some() {
            std::fs::write(path, &fresh).unwrap();
        }
        assert!(
            doc == fresh,
            "docs/reports.md is out of date: LOTSE_WRITE_DOCS=1 cargo test -p lotse-reports definitions_doc"
        );
    }

    #[test]
    fn every_report_has_definitions() {
        for name in crate::NAMES {
            assert!(super::of_report(name).count() > 0, "{name}");
        }
    }
}
