//! The files of the bundle and their columns, exactly as
//! ../shared/spec/exchange-format.md defines them.

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// An id: 1–64 letters, digits, `-`, `_`.
    Id,
    /// A reference to the key of another file (by file name).
    Ref(&'static str),
    Text,
    /// One of a closed set of lower-case codes.
    Code(&'static [&'static str]),
    Date,
    Int {
        min: i64,
        max: i64,
    },
    /// A non-negative decimal number (area, full-time equivalents, quantities).
    Decimal,
    /// Euro with at most two decimals, stored as whole cents.
    Money,
    /// ISO 3166-1 alpha-2.
    Country,
    /// Text like [`Kind::Text`] with its own maximum of characters (notes of
    /// a case: 4,000; a login: 64).
    TextMax(usize),
    /// `yes` or `no`.
    Bool,
    /// A moment: RFC 3339 (`2025-03-01T09:30:00Z`, any offset; stored in UTC
    /// to the microsecond, written in UTC).
    Timestamp,
    /// When a record was made, as [`Kind::Timestamp`]; empty: the time of the
    /// import for a new record, the stored time for an existing one.
    Stamp,
    /// Bytes in base64 (RFC 4648, with padding): a document's content.
    Bytes,
    /// A user account by its login. Accounts are not in the bundle (they
    /// carry credentials): the login must exist in the tenant.
    Account,
}

#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// The column's name in the database table.
    pub db: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    pub name: &'static str,
    pub table: &'static str,
    /// The columns that identify a row (all of them required).
    pub key: &'static [&'static str],
    pub cols: &'static [Col],
    /// Set for a file that carries more columns of another file's records
    /// (`person_details.csv` → `persons.csv`): its key refers to that file,
    /// its rows only update records (never create one), and the export
    /// leaves out records that have none of its values.
    pub extends: Option<&'static str>,
}

impl FileSpec {
    pub fn col(&self, name: &str) -> Option<usize> {
        self.cols.iter().position(|c| c.name == name)
    }

    /// The spec of a file name as a bundle may write it: `persons.csv`,
    /// `persons`, `Persons.CSV`.
    pub fn by_name(name: &str) -> Option<&'static FileSpec> {
        let lower = name.to_ascii_lowercase();
        let stem = lower.strip_suffix(".csv").unwrap_or(&lower);
        FILES.iter().find(|f| f.name.strip_suffix(".csv") == Some(stem))
    }
}

const fn c(name: &'static str, kind: Kind, required: bool) -> Col {
    Col { name, kind, required, db: name }
}

const fn key(name: &'static str) -> Col {
    Col { name, kind: Kind::Id, required: true, db: "id" }
}

pub const YES_NO: &[&str] = &["yes", "no", "unknown"];
pub const GENDER: &[&str] = &["female", "male", "diverse", "unknown"];
pub const RESIDENCE: &[&str] = &["german", "eu", "permit", "gestattung", "duldung", "other", "unknown"];
pub const LABOUR: &[&str] =
    &["employed", "self_employed", "unemployed", "long_term_unemployed", "inactive", "in_education", "unknown"];
pub const PROVIDER_KIND: &[&str] = &["public", "welfare", "education", "jobcenter", "other"];
pub const MODULE_KIND: &[&str] = &[
    "coaching",
    "qualification",
    "school_certificate",
    "preparation",
    "innovation",
    "participation_management",
    "other",
];
pub const DELIVERY: &[&str] = &["individual", "group"];
pub const TOPIC: &[&str] =
    &["self_help", "parents", "social_learning", "culture_sport_leisure", "language", "job_orientation", "other"];
pub const LIFE_STAGE: &[&str] =
    &["pregnancy_birth", "early_childhood", "daycare", "primary_school", "secondary_school", "school_to_work", "adult"];
pub const EXIT_REASON: &[&str] = &["completed", "dropped_out", "moved", "handed_over", "other"];
pub const TIMING: &[&str] = &["at_exit", "follow_up_6m"];
pub const OUTCOME_KIND: &[&str] = &[
    "apprenticeship",
    "employment_insured",
    "minijob",
    "self_employment",
    "school",
    "vocational_preparation",
    "language_course",
    "qualification_gained",
    "volunteering",
    "job_searching",
    "further_support",
    "stabilisation",
    "none",
];
pub const CONSENT_SCOPE: &[&str] = &["share_with_provider", "process_for_program", "follow_up_contact"];
pub const FINANCE_KIND: &[&str] = &["expense", "funding", "revenue"];
pub const EXPENSE_CATEGORY: &[&str] = &["personnel", "material", "capital", "other"];
pub const FUNDING_CATEGORY: &[&str] = &["federal", "land", "esf", "jobcenter", "municipality", "other"];
pub const REVENUE_CATEGORY: &[&str] = &["work_16i", "hze_avoided", "own_offers", "other"];
/// Every category of any finance kind; which fits which kind is checked per row.
pub const FINANCE_CATEGORY: &[&str] = &[
    "personnel",
    "material",
    "capital",
    "other",
    "federal",
    "land",
    "esf",
    "jobcenter",
    "municipality",
    "work_16i",
    "hze_avoided",
    "own_offers",
];

pub const BUDGET_KIND: &[&str] = &["expense", "funding"];
pub const DECISION: &[&str] = &["selected", "rejected"];
pub const BODY_KIND: &[&str] =
    &["steering_committee", "steering_group", "working_group", "core_group", "case_conference", "other"];
pub const MILESTONE_STATUS: &[&str] = &["open", "in_progress", "done", "dropped"];

pub const WORK_PERMISSION: &[&str] = &["yes", "no", "restricted"];
/// The phases of a case (lotse_domain::case::Phase), in order.
pub const PHASE: &[&str] = &["intake", "assessment", "planning", "implementation", "monitoring", "closure"];
pub const WAY_IN: &[&str] = &["outreach", "jobcenter", "school", "self", "youth_welfare", "other"];
pub const LIFE_DOMAIN: &[&str] = &[
    "language",
    "school_education",
    "vocational_training",
    "work_experience",
    "health",
    "housing",
    "residence_status",
    "finances",
    "family_childcare",
    "social_network",
];
pub const STEP_STATUS: &[&str] = &["open", "done", "dropped"];
pub const REFERRAL_STATUS: &[&str] = &["proposed", "accepted", "started", "declined", "completed"];
pub const CONTACT_TYPE: &[&str] = &["meeting", "phone", "outreach", "home_visit", "accompaniment"];
pub const OUTREACH_TOPIC: &[&str] =
    &["work_training", "school", "language", "housing", "health", "residence", "money", "family", "leisure", "other"];
pub const HANDOVER_STATUS: &[&str] = &["requested", "accepted", "declined"];
pub const RETENTION_KIND: &[&str] = &["after_case_closed", "esf"];

/// Longest note of a case record (as the case service allows).
pub const NOTE: Kind = Kind::TextMax(4000);
/// Who recorded a case record: the login.
const AUTHOR: Kind = Kind::TextMax(64);
/// The largest document a case keeps (10 MiB), as the case service allows.
pub const DOCUMENT_LIMIT: i64 = 10 * 1024 * 1024;

const YEAR: Kind = Kind::Int { min: 1900, max: 2200 };
const COUNT: Kind = Kind::Int { min: 0, max: 100_000_000 };

/// How many of [`FILES`] are the spec's own files; the rest are Lotse's
/// additions (docs/bundle.md), written by every export so that an export is a
/// complete copy of a tenant, and never required by an import.
pub const CORE_FILES: usize = 12;

/// A reference column (the file's own key column name differs from `db`).
const fn r(name: &'static str, file: &'static str, required: bool) -> Col {
    Col { name, kind: Kind::Ref(file), required, db: name }
}

/// The key of a file that extends another (see [`FileSpec::extends`]).
const fn of(name: &'static str, file: &'static str) -> Col {
    Col { name, kind: Kind::Ref(file), required: true, db: "id" }
}

/// The case (participation) a case record belongs to.
const CASE: Col = r("participation_id", "participations.csv", true);

/// The files in the order they are imported: everything a file refers to
/// comes before it. The spec's files first, then Lotse's additions.
pub const FILES: &[FileSpec] = &[
    FileSpec {
        name: "districts.csv",
        table: "districts",
        extends: None,
        key: &["district_id"],
        cols: &[
            key("district_id"),
            c("name", Kind::Text, true),
            c("parent_id", Kind::Ref("districts.csv"), false),
            c("area_km2", Kind::Decimal, false),
        ],
    },
    FileSpec {
        name: "district_stats.csv",
        table: "district_stats",
        extends: None,
        key: &["district_id", "year", "indicator"],
        cols: &[
            Col { name: "district_id", kind: Kind::Ref("districts.csv"), required: true, db: "district_id" },
            c("year", YEAR, true),
            Col { name: "indicator", kind: Kind::Id, required: true, db: "indicator" },
            c("value", Kind::Decimal, true),
        ],
    },
    FileSpec {
        name: "providers.csv",
        table: "providers",
        extends: None,
        key: &["provider_id"],
        cols: &[key("provider_id"), c("name", Kind::Text, true), c("kind", Kind::Code(PROVIDER_KIND), false)],
    },
    FileSpec {
        name: "programs.csv",
        table: "programs",
        extends: None,
        key: &["program_id"],
        cols: &[
            key("program_id"),
            c("name", Kind::Text, true),
            c("funder", Kind::Text, false),
            c("start_date", Kind::Date, false),
            c("end_date", Kind::Date, false),
            c("target_group", Kind::Text, false),
        ],
    },
    FileSpec {
        name: "modules.csv",
        table: "modules",
        extends: None,
        key: &["module_id"],
        cols: &[
            key("module_id"),
            c("program_id", Kind::Ref("programs.csv"), true),
            c("number", Kind::Int { min: 0, max: 1000 }, false),
            c("name", Kind::Text, true),
            c("kind", Kind::Code(MODULE_KIND), false),
        ],
    },
    FileSpec {
        name: "offers.csv",
        table: "offers",
        extends: None,
        key: &["offer_id"],
        cols: &[
            key("offer_id"),
            c("name", Kind::Text, true),
            c("provider_id", Kind::Ref("providers.csv"), true),
            c("module_id", Kind::Ref("modules.csv"), false),
            c("delivery", Kind::Code(DELIVERY), true),
            c("topic", Kind::Code(TOPIC), false),
            c("life_stage", Kind::Code(LIFE_STAGE), false),
            c("district_id", Kind::Ref("districts.csv"), false),
            c("start_date", Kind::Date, false),
            c("end_date", Kind::Date, false),
            c("capacity", COUNT, false),
            c("unregistered_participants", COUNT, false),
        ],
    },
    FileSpec {
        name: "staff.csv",
        table: "staff",
        extends: None,
        key: &["staff_id"],
        cols: &[
            key("staff_id"),
            c("provider_id", Kind::Ref("providers.csv"), true),
            c("name", Kind::Text, true),
            c("role", Kind::Text, false),
            c("fte", Kind::Decimal, false),
        ],
    },
    FileSpec {
        name: "persons.csv",
        table: "persons",
        extends: None,
        key: &["person_id"],
        cols: &[
            key("person_id"),
            c("provider_id", Kind::Ref("providers.csv"), true),
            c("given_name", Kind::Text, false),
            c("family_name", Kind::Text, false),
            c("birth_date", Kind::Date, false),
            c("gender", Kind::Code(GENDER), true),
            c("nationality", Kind::Country, false),
            c("residence_status", Kind::Code(RESIDENCE), false),
            c("migration_background", Kind::Code(YES_NO), false),
            c("district_id", Kind::Ref("districts.csv"), false),
            c("municipality", Kind::Text, false),
            c("household_id", Kind::Id, false),
            c("single_parent", Kind::Code(YES_NO), false),
            c("disability", Kind::Code(YES_NO), false),
            c("education_isced", Kind::Int { min: 0, max: 8 }, false),
            c("labour_status", Kind::Code(LABOUR), false),
            c("sgb2_months_24", Kind::Int { min: 0, max: 24 }, false),
            c("homeless", Kind::Code(YES_NO), false),
        ],
    },
    FileSpec {
        name: "participations.csv",
        table: "participations",
        extends: None,
        key: &["participation_id"],
        cols: &[
            key("participation_id"),
            c("person_id", Kind::Ref("persons.csv"), true),
            c("offer_id", Kind::Ref("offers.csv"), true),
            c("staff_id", Kind::Ref("staff.csv"), false),
            c("entry_date", Kind::Date, true),
            c("exit_date", Kind::Date, false),
            c("exit_reason", Kind::Code(EXIT_REASON), false),
        ],
    },
    FileSpec {
        name: "outcomes.csv",
        table: "outcomes",
        extends: None,
        key: &["outcome_id"],
        cols: &[
            key("outcome_id"),
            c("participation_id", Kind::Ref("participations.csv"), true),
            c("kind", Kind::Code(OUTCOME_KIND), true),
            c("date", Kind::Date, true),
            c("timing", Kind::Code(TIMING), true),
        ],
    },
    FileSpec {
        name: "consents.csv",
        table: "consents",
        extends: None,
        key: &["consent_id"],
        cols: &[
            key("consent_id"),
            c("person_id", Kind::Ref("persons.csv"), true),
            c("scope", Kind::Code(CONSENT_SCOPE), true),
            c("provider_id", Kind::Ref("providers.csv"), false),
            c("program_id", Kind::Ref("programs.csv"), false),
            c("given_date", Kind::Date, true),
            c("withdrawn_date", Kind::Date, false),
        ],
    },
    FileSpec {
        name: "finance.csv",
        table: "finance",
        extends: None,
        key: &["entry_id"],
        cols: &[
            key("entry_id"),
            c("year", YEAR, true),
            c("kind", Kind::Code(FINANCE_KIND), true),
            c("category", Kind::Code(FINANCE_CATEGORY), false),
            c("program_id", Kind::Ref("programs.csv"), false),
            Col { name: "amount_eur", kind: Kind::Money, required: true, db: "amount_cents" },
            c("quantity", Kind::Decimal, false),
            c("unit", Kind::Text, false),
            c("note", Kind::Text, false),
        ],
    },
    FileSpec {
        name: "sessions.csv",
        table: "group_sessions",
        extends: None,
        key: &["session_id"],
        cols: &[
            key("session_id"),
            r("offer_id", "offers.csv", true),
            c("date", Kind::Date, true),
            c("head_count", COUNT, false),
            c("note", Kind::Text, false),
        ],
    },
    FileSpec {
        name: "attendance.csv",
        table: "attendance",
        extends: None,
        key: &["session_id", "person_id"],
        cols: &[r("session_id", "sessions.csv", true), r("person_id", "persons.csv", true)],
    },
    FileSpec {
        name: "budget.csv",
        table: "budget_lines",
        extends: None,
        key: &["budget_id"],
        cols: &[
            key("budget_id"),
            r("program_id", "programs.csv", true),
            c("year", YEAR, true),
            c("kind", Kind::Code(BUDGET_KIND), true),
            c("category", Kind::Code(FINANCE_CATEGORY), false),
            Col { name: "amount_eur", kind: Kind::Money, required: true, db: "amount_cents" },
            c("note", Kind::Text, false),
        ],
    },
    FileSpec {
        name: "fund_calls.csv",
        table: "fund_calls",
        extends: None,
        key: &["call_id"],
        cols: &[
            key("call_id"),
            r("program_id", "programs.csv", false),
            c("name", Kind::Text, true),
            Col { name: "budget_eur", kind: Kind::Money, required: true, db: "budget_cents" },
            c("deadline", Kind::Date, false),
            c("description", Kind::Text, false),
        ],
    },
    FileSpec {
        name: "fund_criteria.csv",
        table: "fund_criteria",
        extends: None,
        key: &["criterion_id"],
        cols: &[
            key("criterion_id"),
            r("call_id", "fund_calls.csv", true),
            c("name", Kind::Text, true),
            c("weight", Kind::Decimal, true),
        ],
    },
    FileSpec {
        name: "proposals.csv",
        table: "proposals",
        extends: None,
        key: &["proposal_id"],
        cols: &[
            key("proposal_id"),
            r("call_id", "fund_calls.csv", true),
            r("provider_id", "providers.csv", false),
            c("applicant", Kind::Text, false),
            c("title", Kind::Text, true),
            c("target_group", Kind::Text, false),
            c("planned_female", COUNT, false),
            c("planned_male", COUNT, false),
            c("planned_diverse", COUNT, false),
            Col { name: "budget_eur", kind: Kind::Money, required: true, db: "budget_cents" },
            c("submitted_date", Kind::Date, false),
            c("decision", Kind::Code(DECISION), false),
        ],
    },
    FileSpec {
        name: "proposal_scores.csv",
        table: "proposal_scores",
        extends: None,
        key: &["proposal_id", "criterion_id", "reviewer"],
        cols: &[
            r("proposal_id", "proposals.csv", true),
            r("criterion_id", "fund_criteria.csv", true),
            c("reviewer", Kind::Id, true),
            c("score", Kind::Int { min: 0, max: 10 }, true),
        ],
    },
    FileSpec {
        name: "bodies.csv",
        table: "bodies",
        extends: None,
        key: &["body_id"],
        cols: &[
            key("body_id"),
            c("name", Kind::Text, true),
            c("kind", Kind::Code(BODY_KIND), false),
            r("program_id", "programs.csv", false),
            r("parent_id", "bodies.csv", false),
            c("mission", Kind::Text, false),
        ],
    },
    FileSpec {
        name: "body_members.csv",
        table: "body_members",
        extends: None,
        key: &["member_id"],
        cols: &[
            key("member_id"),
            r("body_id", "bodies.csv", true),
            c("name", Kind::Text, false),
            c("institution", Kind::Text, true),
            c("function", Kind::Text, false),
        ],
    },
    FileSpec {
        name: "meetings.csv",
        table: "meetings",
        extends: None,
        key: &["meeting_id"],
        cols: &[
            key("meeting_id"),
            r("body_id", "bodies.csv", true),
            c("date", Kind::Date, true),
            c("topic", Kind::Text, false),
            c("minutes", Kind::Text, false),
        ],
    },
    FileSpec {
        name: "goals.csv",
        table: "goals",
        extends: None,
        key: &["goal_id"],
        cols: &[
            key("goal_id"),
            r("program_id", "programs.csv", false),
            r("body_id", "bodies.csv", false),
            c("title", Kind::Text, true),
            c("description", Kind::Text, false),
        ],
    },
    FileSpec {
        name: "milestones.csv",
        table: "milestones",
        extends: None,
        key: &["milestone_id"],
        cols: &[
            key("milestone_id"),
            r("goal_id", "goals.csv", true),
            c("title", Kind::Text, true),
            c("owner", Kind::Text, false),
            c("due_date", Kind::Date, true),
            c("status", Kind::Code(MILESTONE_STATUS), true),
            c("done_date", Kind::Date, false),
        ],
    },
    // Lotse's columns of the spec's records (update only).
    FileSpec {
        name: "person_details.csv",
        table: "persons",
        extends: Some("persons.csv"),
        key: &["person_id"],
        cols: &[
            of("person_id", "persons.csv"),
            c("phone", Kind::TextMax(40), false),
            c("email", Kind::TextMax(200), false),
            c("address_line1", Kind::TextMax(200), false),
            c("address_line2", Kind::TextMax(200), false),
            c("postal_code", Kind::TextMax(10), false),
            c("anonymised_at", Kind::Timestamp, false),
        ],
    },
    FileSpec {
        name: "provider_details.csv",
        table: "providers",
        extends: Some("providers.csv"),
        key: &["provider_id"],
        cols: &[of("provider_id", "providers.csv"), c("archived_at", Kind::Timestamp, false)],
    },
    FileSpec {
        name: "program_details.csv",
        table: "programs",
        extends: Some("programs.csv"),
        key: &["program_id"],
        cols: &[
            of("program_id", "programs.csv"),
            c("caseload_target", Kind::Decimal, false),
            c("archived_at", Kind::Timestamp, false),
        ],
    },
    FileSpec {
        name: "module_details.csv",
        table: "modules",
        extends: Some("modules.csv"),
        key: &["module_id"],
        cols: &[of("module_id", "modules.csv"), c("archived_at", Kind::Timestamp, false)],
    },
    FileSpec {
        name: "offer_details.csv",
        table: "offers",
        extends: Some("offers.csv"),
        key: &["offer_id"],
        cols: &[of("offer_id", "offers.csv"), c("archived_at", Kind::Timestamp, false)],
    },
    FileSpec {
        name: "staff_details.csv",
        table: "staff",
        extends: Some("staff.csv"),
        key: &["staff_id"],
        cols: &[of("staff_id", "staff.csv"), c("archived_at", Kind::Timestamp, false)],
    },
    // Persons: history of residence status, merged identities.
    FileSpec {
        name: "residence_statuses.csv",
        table: "residence_statuses",
        extends: None,
        key: &["residence_id"],
        cols: &[
            key("residence_id"),
            r("person_id", "persons.csv", true),
            c("status", Kind::Code(RESIDENCE), true),
            c("valid_from", Kind::Date, true),
            c("valid_until", Kind::Date, false),
            c("work_permission", Kind::Code(WORK_PERMISSION), true),
            c("note", Kind::TextMax(2000), false),
            c("created_at", Kind::Stamp, false),
        ],
    },
    FileSpec {
        name: "person_aliases.csv",
        table: "person_aliases",
        extends: None,
        key: &["alias_id"],
        cols: &[
            Col { name: "alias_id", kind: Kind::Id, required: true, db: "alias_id" },
            r("person_id", "persons.csv", true),
            c("merged_at", Kind::Timestamp, true),
        ],
    },
    // Case management (docs/cases.md): the records of a case (an individual participation).
    FileSpec {
        name: "case_intakes.csv",
        table: "case_intakes",
        extends: None,
        key: &["participation_id"],
        cols: &[
            CASE,
            c("date", Kind::Date, true),
            c("author", AUTHOR, true),
            c("way_in", Kind::Code(WAY_IN), true),
            c("indicated", Kind::Bool, true),
            c("note", NOTE, false),
        ],
    },
    FileSpec {
        name: "assessments.csv",
        table: "assessments",
        extends: None,
        key: &["assessment_id"],
        cols: &[
            key("assessment_id"),
            CASE,
            c("date", Kind::Date, true),
            c("author", AUTHOR, true),
            c("note", NOTE, false),
            c("created_at", Kind::Stamp, false),
        ],
    },
    FileSpec {
        name: "assessment_ratings.csv",
        table: "assessment_ratings",
        extends: None,
        key: &["assessment_id", "domain"],
        cols: &[
            r("assessment_id", "assessments.csv", true),
            c("domain", Kind::Code(LIFE_DOMAIN), true),
            c("rating", Kind::Int { min: 1, max: 5 }, true),
            c("note", NOTE, false),
        ],
    },
    FileSpec {
        name: "case_goals.csv",
        table: "case_goals",
        extends: None,
        key: &["goal_id"],
        cols: &[
            key("goal_id"),
            CASE,
            c("date", Kind::Date, true),
            c("author", AUTHOR, true),
            c("title", Kind::TextMax(300), true),
            c("description", NOTE, false),
            c("status", Kind::Code(STEP_STATUS), true),
            c("created_at", Kind::Stamp, false),
        ],
    },
    FileSpec {
        name: "case_steps.csv",
        table: "case_steps",
        extends: None,
        key: &["step_id"],
        cols: &[
            key("step_id"),
            r("goal_id", "case_goals.csv", true),
            c("title", Kind::TextMax(300), true),
            c("owner", Kind::TextMax(200), false),
            c("due_date", Kind::Date, false),
            c("status", Kind::Code(STEP_STATUS), true),
            c("created_at", Kind::Stamp, false),
        ],
    },
    FileSpec {
        name: "referrals.csv",
        table: "referrals",
        extends: None,
        key: &["referral_id"],
        cols: &[
            key("referral_id"),
            CASE,
            c("date", Kind::Date, true),
            c("author", AUTHOR, true),
            r("offer_id", "offers.csv", false),
            c("agency", Kind::TextMax(300), false),
            c("status", Kind::Code(REFERRAL_STATUS), true),
            c("note", NOTE, false),
            c("created_at", Kind::Stamp, false),
        ],
    },
    FileSpec {
        name: "case_contacts.csv",
        table: "case_contacts",
        extends: None,
        key: &["contact_id"],
        cols: &[
            key("contact_id"),
            CASE,
            c("date", Kind::Date, true),
            c("author", AUTHOR, true),
            c("kind", Kind::Code(CONTACT_TYPE), true),
            c("minutes", Kind::Int { min: 1, max: 1440 }, true),
            c("note", NOTE, false),
            c("created_at", Kind::Stamp, false),
        ],
    },
    FileSpec {
        name: "case_conferences.csv",
        table: "case_conferences",
        extends: None,
        key: &["conference_id"],
        cols: &[
            key("conference_id"),
            CASE,
            c("date", Kind::Date, true),
            c("author", AUTHOR, true),
            c("participants", NOTE, true),
            c("outcome", NOTE, true),
            c("created_at", Kind::Stamp, false),
        ],
    },
    FileSpec {
        name: "case_documents.csv",
        table: "case_documents",
        extends: None,
        key: &["document_id"],
        cols: &[
            key("document_id"),
            CASE,
            c("date", Kind::Date, true),
            c("author", AUTHOR, true),
            c("file_name", Kind::TextMax(255), true),
            c("content_type", Kind::TextMax(128), true),
            c("size", Kind::Int { min: 1, max: DOCUMENT_LIMIT }, true),
            Col { name: "content_base64", kind: Kind::Bytes, required: true, db: "content" },
            c("created_at", Kind::Stamp, false),
        ],
    },
    FileSpec {
        name: "follow_up_reminders.csv",
        table: "follow_up_reminders",
        extends: None,
        key: &["participation_id"],
        cols: &[CASE, c("due_date", Kind::Date, true), c("done", Kind::Bool, true)],
    },
    FileSpec {
        name: "case_phases.csv",
        table: "case_phases",
        extends: None,
        key: &["phase_id"],
        cols: &[
            key("phase_id"),
            CASE,
            c("date", Kind::Date, true),
            c("author", AUTHOR, true),
            c("phase", Kind::Code(PHASE), true),
            c("note", NOTE, false),
            c("created_at", Kind::Stamp, false),
        ],
    },
    FileSpec {
        name: "waiting_list.csv",
        table: "waiting_list",
        extends: None,
        key: &["entry_id"],
        cols: &[
            key("entry_id"),
            r("offer_id", "offers.csv", true),
            r("person_id", "persons.csv", true),
            r("staff_id", "staff.csv", false),
            c("requested_date", Kind::Date, true),
            c("author", AUTHOR, true),
            c("created_at", Kind::Stamp, false),
        ],
    },
    FileSpec {
        name: "outreach_contacts.csv",
        table: "outreach_contacts",
        extends: None,
        key: &["contact_id"],
        cols: &[
            key("contact_id"),
            r("provider_id", "providers.csv", false),
            c("date", Kind::Date, true),
            c("place", Kind::TextMax(300), true),
            r("district_id", "districts.csv", false),
            c("people", Kind::Int { min: 1, max: 10_000 }, true),
            c("topic", Kind::Code(OUTREACH_TOPIC), true),
            c("author", AUTHOR, true),
            c("created_at", Kind::Stamp, false),
        ],
    },
    // Rights (docs/rights.md): handovers, deputies, retention.
    FileSpec {
        name: "handovers.csv",
        table: "handovers",
        extends: None,
        key: &["handover_id"],
        cols: &[
            key("handover_id"),
            r("person_id", "persons.csv", true),
            r("participation_id", "participations.csv", false),
            r("from_provider", "providers.csv", true),
            r("to_provider", "providers.csv", true),
            c("note", Kind::TextMax(2000), false),
            c("requested_at", Kind::Timestamp, true),
            c("requested_by", Kind::TextMax(128), true),
            c("status", Kind::Code(HANDOVER_STATUS), true),
            c("decided_at", Kind::Timestamp, false),
            c("decided_by", Kind::TextMax(128), false),
            c("passed_on", Kind::TextMax(100_000), false),
        ],
    },
    FileSpec {
        name: "deputies.csv",
        table: "deputies",
        extends: None,
        key: &["deputy_id"],
        cols: &[
            key("deputy_id"),
            Col { name: "absent_login", kind: Kind::Account, required: true, db: "absent_user_id" },
            Col { name: "deputy_login", kind: Kind::Account, required: true, db: "deputy_user_id" },
            c("from_date", Kind::Date, true),
            c("until_date", Kind::Date, true),
        ],
    },
    FileSpec {
        name: "retention_rules.csv",
        table: "retention_rules",
        extends: None,
        key: &["rule_id"],
        cols: &[
            key("rule_id"),
            c("kind", Kind::Code(RETENTION_KIND), true),
            c("years", Kind::Int { min: 1, max: 100 }, true),
            r("program_id", "programs.csv", false),
        ],
    },
    // Publications and council inquiries (docs/reports.md). A published
    // report is frozen: a row may add one, never change one ([`FROZEN`]).
    FileSpec {
        name: "published_reports.csv",
        table: "published_reports",
        extends: None,
        key: &["report_id"],
        cols: &[
            key("report_id"),
            c("report", Kind::TextMax(32), true),
            c("title", Kind::TextMax(300), false),
            c("params", Kind::TextMax(10_000), true),
            c("published_at", Kind::Timestamp, true),
            c("published_by", Kind::TextMax(128), true),
            c("content", Kind::TextMax(PUBLICATION_LIMIT), true),
            c("content_hash", Kind::TextMax(64), true),
        ],
    },
    FileSpec {
        name: "inquiries.csv",
        table: "inquiries",
        extends: None,
        key: &["inquiry_id"],
        cols: &[
            key("inquiry_id"),
            c("received_on", Kind::Date, true),
            c("faction", Kind::TextMax(300), true),
            c("title", Kind::TextMax(500), true),
            c("addressee", Kind::TextMax(300), false),
            c("created_at", Kind::Stamp, false),
            c("created_by", Kind::TextMax(128), true),
        ],
    },
    FileSpec {
        name: "inquiry_questions.csv",
        table: "inquiry_questions",
        extends: None,
        key: &["inquiry_id", "number"],
        cols: &[
            r("inquiry_id", "inquiries.csv", true),
            c("number", Kind::Int { min: 1, max: 1000 }, true),
            c("question", Kind::TextMax(20_000), true),
            c("answer", Kind::TextMax(20_000), false),
            c("publications", Kind::TextMax(2_000), true),
        ],
    },
];

/// The files whose rows are frozen once stored: an import may add rows and
/// leave them as they are, but a row that differs from the stored one is an
/// error (the database refuses the update too).
pub const FROZEN: &[&str] = &["published_reports.csv"];

/// The longest content of a published report (characters of its JSON).
pub const PUBLICATION_LIMIT: usize = 20_000_000;
