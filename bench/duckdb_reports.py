#!/usr/bin/env python3
"""Independent implementation of four Lotse reports in DuckDB SQL.

    python3 bench/duckdb_reports.py BUNDLE_DIR --report key-figures --year 2023
    python3 bench/duckdb_reports.py BUNDLE_DIR --report esf --year 2023
    python3 bench/duckdb_reports.py BUNDLE_DIR --report programme --year 2023 --program P
    python3 bench/duckdb_reports.py BUNDLE_DIR --report query --year 2023 \
        --rows gender --cols outcome_at_exit --measure persons

The reports `key-figures`, `esf`, `programme` and `query` are computed from the CSV files of
a data bundle (shared/spec/exchange-format.md, canonical dialect: UTF-8,
comma, dates YYYY-MM-DD) following shared/spec/reports.md.  The figures are
derived from the spec text only (not from Lotse's Rust code), so the output is
a cross-check of Lotse's reports and a performance baseline.

Python only orchestrates: it builds SQL text, runs it in DuckDB and puts the
resulting (key, value) rows into the JSON shape of the spec
(`{"report": ..., "figures": {"key": {"value": ...}}}`).  Every count and sum is
computed by DuckDB.  The elapsed time of the DuckDB work (loading the CSV files
included, Python start-up excluded) is printed to stderr as
`duckdb_seconds=<float>` (followed by a line with the split into loading
and computing, `duckdb_load_seconds=... duckdb_compute_seconds=...`).

Needs the `duckdb` package only: run by a python without it, the script
re-runs itself with the python of bench/duckdb_env.sh's venv.
"""

import argparse
import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

try:
    import duckdb
except ImportError:
    # Run by a python without duckdb (e.g. the system python3): re-run this
    # script with the venv's python, which bench/duckdb_env.sh creates once.
    if os.environ.get("LOTSE_DUCKDB_REEXEC"):
        sys.exit("duckdb is not importable, even in the venv of bench/duckdb_env.sh")
    _env = Path(__file__).resolve().parent / "duckdb_env.sh"
    _py = subprocess.run(["bash", str(_env)], check=True, stdout=subprocess.PIPE,
                         text=True).stdout.strip()
    os.environ["LOTSE_DUCKDB_REEXEC"] = "1"
    os.execv(_py, [_py, str(Path(__file__).resolve())] + sys.argv[1:])

# ---------------------------------------------------------------------------
# Enumerations of the spec (order = order of the keys in the output)
# ---------------------------------------------------------------------------

GENDERS = ["female", "male", "diverse", "unknown"]
OUTCOME_KINDS = [
    "apprenticeship", "employment_insured", "minijob", "self_employment",
    "school", "vocational_preparation", "language_course",
    "qualification_gained", "volunteering", "job_searching",
    "further_support", "stabilisation", "none",
]
FUNDING_CATEGORIES = ["federal", "land", "esf", "jobcenter", "municipality", "other"]
REVENUE_CATEGORIES = ["work_16i", "hze_avoided", "own_offers", "other"]

# ESF gender splits: split name -> Lotse gender code ("unknown" also catches a
# missing gender).
ESF_SPLITS = ["women", "men", "non_binary", "unknown"]

# The 26 EU member states other than Germany (ISO 3166-1 alpha-2; Greece is
# GR in ISO, "EL" is only the EU's own abbreviation and not a valid code).
EU_OTHER_THAN_DE = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "GR", "HU",
    "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI",
    "ES", "SE",
]
assert len(EU_OTHER_THAN_DE) == 26

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# ---------------------------------------------------------------------------
# Loading the bundle: every CSV is read with all columns as VARCHAR, then the
# columns the reports need are trimmed ('' -> NULL) and cast.  A column that a
# file does not have is NULL (optional columns may be absent); a missing file
# is an empty table.
# ---------------------------------------------------------------------------

# table -> [(column, SQL expression over the cleaned text value `v`)]
TEXT = "{v}"
DATE = "CAST({v} AS DATE)"
INT = "CAST({v} AS INTEGER)"
MONEY = "CAST({v} AS DECIMAL(38,6))"

SCHEMA = {
    "persons": [
        ("person_id", TEXT), ("provider_id", TEXT), ("birth_date", DATE),
        ("gender", TEXT), ("nationality", "upper({v})"),
        ("residence_status", TEXT), ("migration_background", TEXT),
        ("district_id", TEXT), ("single_parent", TEXT), ("disability", TEXT),
        ("education_isced", INT), ("labour_status", TEXT), ("homeless", TEXT),
    ],
    "modules": [("module_id", TEXT), ("program_id", TEXT)],
    "offers": [
        ("offer_id", TEXT), ("provider_id", TEXT), ("module_id", TEXT),
        ("delivery", TEXT), ("district_id", TEXT), ("start_date", DATE),
        ("end_date", DATE), ("capacity", INT),
        ("unregistered_participants", INT),
    ],
    "participations": [
        ("participation_id", TEXT), ("person_id", TEXT), ("offer_id", TEXT),
        ("staff_id", TEXT), ("entry_date", DATE), ("exit_date", DATE),
        ("exit_reason", TEXT),
    ],
    "outcomes": [
        ("outcome_id", TEXT), ("participation_id", TEXT), ("kind", TEXT),
        ("date", DATE), ("timing", TEXT),
    ],
    "finance": [
        ("entry_id", TEXT), ("year", INT), ("kind", TEXT), ("category", TEXT),
        ("program_id", TEXT), ("amount_eur", MONEY),
    ],
}


def sql_str(s):
    """A SQL string literal (or NULL)."""
    if s is None:
        return "NULL"
    return "'" + str(s).replace("'", "''") + "'"


def csv_header(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return next(csv.reader(f), [])


def load_bundle(con, bundle):
    for table, cols in SCHEMA.items():
        path = bundle / f"{table}.csv"
        header = set(csv_header(path)) if path.exists() else set()
        exprs = []
        for col, cast in cols:
            v = f'NULLIF(trim("{col}"), \'\')' if col in header else "NULL::VARCHAR"
            exprs.append(f"{cast.format(v=v)} AS {col}")
        if path.exists():
            src = (f"read_csv({sql_str(str(path))}, header=true, all_varchar=true,"
                   " delim=',', quote='\"', escape='\"')")
            con.execute(f"CREATE TABLE {table} AS SELECT {', '.join(exprs)} FROM {src}")
        else:
            con.execute(f"CREATE TABLE {table} AS SELECT {', '.join(exprs)} WHERE false")


# ---------------------------------------------------------------------------
# Common definitions (reports.md, "Unless a definition says otherwise")
# ---------------------------------------------------------------------------

def define_common(con, d_from, d_to, program):
    F, T, P = f"DATE '{d_from}'", f"DATE '{d_to}'", sql_str(program)
    con.execute(f"""
    -- Age in whole years on date d of someone born on b.  Comparing (month, day)
    -- gives the 29-February rule for free: in a year without 29 February,
    -- (2,28) < (2,29) still, (3,1) > (2,29), so the birthday is 1 March.
    CREATE MACRO age_on(b, d) AS
        year(d) - year(b)
        - CASE WHEN month(d) * 100 + day(d) < month(b) * 100 + day(b) THEN 1 ELSE 0 END;

    -- Offers in scope (--program: offers of modules of the programme), with
    -- the programme of their module.
    CREATE VIEW offer_scope AS
    SELECT o.*, m.program_id
    FROM offers o LEFT JOIN modules m ON m.module_id = o.module_id
    WHERE {P} IS NULL OR m.program_id = {P};

    -- Participations in scope with the attributes of their offer.
    CREATE TABLE part AS
    SELECT pa.*, o.delivery, o.provider_id AS offer_provider_id, o.module_id,
           o.program_id
    FROM participations pa JOIN offer_scope o ON o.offer_id = pa.offer_id;

    -- Active in the period: entry <= to and (no exit or exit >= from).
    CREATE VIEW active AS
    SELECT * FROM part
    WHERE entry_date <= {T} AND (exit_date IS NULL OR exit_date >= {F});

    -- Exits in the period: exit_date within [from, to].
    CREATE VIEW exited AS
    SELECT * FROM part WHERE exit_date BETWEEN {F} AND {T};

    -- At-exit outcome of an exit ("upon leaving"): the last at_exit outcome
    -- of the participation dated from the exit date up to 28 days after it;
    -- on one day the larger outcome_id (as a string) is the last.
    CREATE TABLE exit_outcome AS
    SELECT p.participation_id, o.kind
    FROM part p JOIN outcomes o ON o.participation_id = p.participation_id
    WHERE o.timing = 'at_exit'
      AND p.exit_date IS NOT NULL
      AND o.date BETWEEN p.exit_date AND p.exit_date + 28
    QUALIFY row_number() OVER (PARTITION BY p.participation_id
                               ORDER BY o.date DESC, o.outcome_id DESC) = 1;

    -- Persons who left (have an exit) in the period.
    CREATE TABLE leavers AS SELECT DISTINCT person_id FROM exited;

    -- A person's at-exit outcome in the period: that of their last exit in
    -- the period that has one (same exit day: the larger participation_id).
    CREATE TABLE person_exit_outcome AS
    SELECT e.person_id, x.kind
    FROM exited e JOIN exit_outcome x ON x.participation_id = e.participation_id
    QUALIFY row_number() OVER (PARTITION BY e.person_id
                               ORDER BY e.exit_date DESC, e.participation_id DESC) = 1;
    """)


def whole_years(d_from, d_to):
    """Calendar years that [d_from, d_to] covers completely."""
    return [y for y in range(d_from.year, d_to.year + 1)
            if d_from <= dt.date(y, 1, 1) and dt.date(y, 12, 31) <= d_to]


def money(expr):
    """SQL: a decimal sum as a string with exactly two places."""
    return f"CAST(round({expr}, 2) AS DECIMAL(38,2))::VARCHAR"


# ---------------------------------------------------------------------------
# key-figures
# ---------------------------------------------------------------------------

def key_figures(con, d_from, d_to, program):
    F, T, P = f"DATE '{d_from}'", f"DATE '{d_to}'", sql_str(program)
    counts = con.execute(f"""
    WITH group_offers AS (          -- group offers whose own period overlaps
        SELECT offer_id, coalesce(unregistered_participants, 0) AS unregistered
        FROM offer_scope
        WHERE delivery = 'group'
          AND (start_date IS NULL OR start_date <= {T})
          AND (end_date IS NULL OR end_date >= {F})
    ),
    base AS (
        SELECT
          (SELECT count(DISTINCT person_id) FROM active) AS persons_total,
          (SELECT count(*) FROM group_offers) AS group_offers,
          (SELECT count(*) FROM active a JOIN group_offers g USING (offer_id))
            + (SELECT coalesce(sum(unregistered), 0) FROM group_offers)
            AS group_participants,
          (SELECT count(DISTINCT person_id) FROM active
             WHERE delivery = 'individual') AS individual_persons,
          (SELECT count(*) FROM exited) AS exits
    )
    SELECT 'persons_total', persons_total FROM base
    UNION ALL SELECT 'participants_total', group_participants + individual_persons FROM base
    UNION ALL SELECT 'group_offers', group_offers FROM base
    UNION ALL SELECT 'group_participants', group_participants FROM base
    UNION ALL SELECT 'individual_persons', individual_persons FROM base
    UNION ALL
    SELECT 'persons_by_gender.' || coalesce(p.gender, 'unknown'), count(DISTINCT a.person_id)
    FROM active a LEFT JOIN persons p ON p.person_id = a.person_id GROUP BY 1
    UNION ALL   -- Lotse addition: age at the earliest active entry, default bands
    SELECT 'persons_by_age.' || {age_band_sql("age_on(p.birth_date, f.first_entry)", AGE_BANDS)}, count(*)
    FROM (SELECT person_id, min(entry_date) AS first_entry FROM active GROUP BY person_id) f
    LEFT JOIN persons p ON p.person_id = f.person_id GROUP BY 1
    UNION ALL SELECT 'exits', exits FROM base
    UNION ALL
    SELECT 'outcomes_at_exit.' || x.kind, count(*)
    FROM exited e JOIN exit_outcome x ON x.participation_id = e.participation_id
    GROUP BY 1
    """).fetchall()
    got = {k: int(v) for k, v in counts}

    # Every key of the table is present, zeros included, in the spec's order.
    keys = (["persons_total", "participants_total", "group_offers",
             "group_participants", "individual_persons"]
            + [f"persons_by_gender.{g}" for g in GENDERS]
            + [f"persons_by_age.{b}" for b in AGE_BAND_NAMES]
            + ["exits"]
            + [f"outcomes_at_exit.{k}" for k in OUTCOME_KINDS])
    figures = {k: {"value": got.get(k, 0)} for k in keys}

    # Finance: the entries of the calendar years the period covers completely;
    # no whole year -> no finance keys at all.
    years = whole_years(d_from, d_to)
    if years:
        rows = [("finance.expenses", "expense", None)]
        rows += [(f"finance.funding.{c}", "funding", c) for c in FUNDING_CATEGORIES]
        rows += [("finance.funding.total", "funding", None)]
        rows += [(f"finance.revenue.{c}", "revenue", c) for c in REVENUE_CATEGORIES]
        rows += [("finance.revenue.total", "revenue", None)]
        wanted = ", ".join(f"({i}, {sql_str(k)}, {sql_str(kind)}, {sql_str(cat)})"
                           for i, (k, kind, cat) in enumerate(rows))
        fin = con.execute(f"""
        WITH f AS (                  -- entries of the whole years (and programme)
            SELECT kind, category, amount_eur AS amount FROM finance
            WHERE year IN ({', '.join(map(str, years))})
              AND ({P} IS NULL OR program_id = {P})
        ),
        wanted(ord, key, kind, category) AS (VALUES {wanted}),
        -- a key with category NULL is the sum over the whole kind
        sums AS (
            SELECT w.ord, w.key,
                   (SELECT coalesce(sum(f.amount), 0) FROM f
                     WHERE f.kind = w.kind
                       AND (w.category IS NULL OR f.category = w.category)) AS amount
            FROM wanted w
        ),
        net AS (
            SELECT 1000 AS ord, 'finance.net_cost' AS key,
                   sum(CASE key WHEN 'finance.expenses' THEN amount
                                WHEN 'finance.funding.total' THEN -amount
                                WHEN 'finance.revenue.total' THEN -amount
                                ELSE 0 END) AS amount
            FROM sums
        )
        SELECT key, {money('amount')} FROM (SELECT * FROM sums UNION ALL SELECT * FROM net)
        ORDER BY ord
        """).fetchall()
        for k, v in fin:
            figures[k] = {"value": v}
    return figures


# ---------------------------------------------------------------------------
# esf
# ---------------------------------------------------------------------------

# Common output indicators: predicates over a participant row `e` (persons
# columns + `age` on the first entry in the period).  An unknown value (NULL)
# makes a predicate NULL, i.e. not counted.
_EU = ", ".join(sql_str(c) for c in EU_OTHER_THAN_DE)
ESF_OUTPUT = [
    ("EECO01", "true"),
    ("EECO02", "e.labour_status IN ('unemployed', 'long_term_unemployed')"),
    ("EECO03", "e.labour_status = 'long_term_unemployed'"),
    ("EECO04", "e.labour_status IN ('inactive', 'in_education')"),
    ("EECO05", "e.labour_status IN ('employed', 'self_employed')"),
    ("EECO06", "e.age < 18"),
    ("EECO07", "e.age BETWEEN 18 AND 29"),
    ("EECO08", "e.age >= 55"),
    ("EECO09", "e.education_isced BETWEEN 0 AND 2"),
    ("EECO10", "e.education_isced BETWEEN 3 AND 4"),
    ("EECO11", "e.education_isced BETWEEN 5 AND 8"),
    ("EECO12", "e.disability = 'yes'"),
    ("EECO13", f"e.nationality IS NOT NULL AND e.nationality <> 'DE'"
               f" AND e.nationality NOT IN ({_EU})"),
    ("EECO14", "e.migration_background = 'yes'"),
    ("EECO16", "e.homeless = 'yes'"),
]
# Common result indicators: predicates over a leaver row `r` (`exit_kind` =
# the person's at-exit outcome, `follow_kind` = last follow_up_6m outcome).
EMPLOYMENT = "('employment_insured', 'minijob', 'self_employment')"
ESF_RESULT = [
    ("EECR01", "r.exit_kind = 'job_searching'"),
    ("EECR02", "r.exit_kind IN ('apprenticeship', 'school', 'vocational_preparation',"
               " 'language_course')"),
    ("EECR03", "r.exit_kind = 'qualification_gained'"),
    ("EECR04", f"r.exit_kind IN {EMPLOYMENT}"),
    ("EECR05", f"r.follow_kind IN {EMPLOYMENT}"),
]


def esf(con, d_from, d_to):
    F, T = f"DATE '{d_from}'", f"DATE '{d_to}'"
    flags = " UNION ALL ".join(
        [f"SELECT e.person_id, '{k}' AS ind FROM entrants e WHERE {cond}"
         for k, cond in ESF_OUTPUT]
        + [f"SELECT r.person_id, '{k}' AS ind FROM results r WHERE {cond}"
           for k, cond in ESF_RESULT])
    rows = con.execute(f"""
    WITH
    -- Participants: persons with an entry in the period; characteristics at
    -- entry, age on their first entry in the period.
    entrants AS (
        SELECT p.*, age_on(p.birth_date, f.first_entry) AS age
        FROM (SELECT person_id, min(entry_date) AS first_entry FROM part
              WHERE entry_date BETWEEN {F} AND {T} GROUP BY person_id) f
        JOIN persons p ON p.person_id = f.person_id
    ),
    -- Last follow_up_6m outcome over the person's exits in the period (by
    -- date, then outcome_id).
    follow_up AS (
        SELECT e.person_id, o.kind
        FROM exited e JOIN outcomes o ON o.participation_id = e.participation_id
        WHERE o.timing = 'follow_up_6m'
        QUALIFY row_number() OVER (PARTITION BY e.person_id
                                   ORDER BY o.date DESC, o.outcome_id DESC) = 1
    ),
    -- Result indicators: persons who left in the period, whenever they entered.
    results AS (
        SELECT l.person_id, x.kind AS exit_kind, fu.kind AS follow_kind
        FROM leavers l
        LEFT JOIN person_exit_outcome x ON x.person_id = l.person_id
        LEFT JOIN follow_up fu ON fu.person_id = l.person_id
    ),
    flags AS ({flags})
    SELECT f.ind,
           CASE WHEN GROUPING(split) = 1 THEN NULL ELSE split END AS split,
           count(DISTINCT f.person_id)
    FROM (SELECT f.*, CASE p.gender WHEN 'female' THEN 'women' WHEN 'male' THEN 'men'
                                    WHEN 'diverse' THEN 'non_binary' ELSE 'unknown' END AS split
          FROM flags f LEFT JOIN persons p ON p.person_id = f.person_id) f
    GROUP BY GROUPING SETS ((f.ind, split), (f.ind))
    """).fetchall()
    got = {(ind if split is None else f"{ind}.{split}"): int(n) for ind, split, n in rows}
    figures = {}
    for ind, _ in ESF_OUTPUT + ESF_RESULT:
        for key in [ind] + [f"{ind}.{s}" for s in ESF_SPLITS]:
            figures[key] = {"value": got.get(key, 0)}
    return figures


# ---------------------------------------------------------------------------
# query
# ---------------------------------------------------------------------------

PERSON_DIMS = {   # dimension -> persons column (same for every measure)
    "gender": "p.gender",
    "residence_status": "p.residence_status",
    "migration_background": "p.migration_background",
    "single_parent": "p.single_parent",
    "labour_status": "p.labour_status",
    "district": "p.district_id",
}
PARTICIPATION_DIMS = {   # dimension -> column of the participation `a`
    "program": "a.program_id",
    "module": "a.module_id",
    "offer": "a.offer_id",
    "provider": "a.offer_provider_id",
    "delivery": "a.delivery",
    "exit_reason": "a.exit_reason",
    "entry_year": "CAST(year(a.entry_date) AS VARCHAR)",
}
ALL_DIMS = sorted(list(PERSON_DIMS) + list(PARTICIPATION_DIMS) + ["age_band", "outcome_at_exit"])


AGE_BANDS = [18, 30, 55]      # the query report's default bands
AGE_BAND_NAMES = ["under_18", "18_29", "30_54", "55_plus", "unknown"]


def age_band_sql(age, bands):
    """CASE expression mapping an age to the band labels of --age-bands."""
    parts = [f"WHEN {age} IS NULL THEN 'unknown'",
             f"WHEN {age} < {bands[0]} THEN 'under_{bands[0]}'"]
    for lo, hi in zip(bands, bands[1:]):
        parts.append(f"WHEN {age} < {hi} THEN '{lo}_{hi - 1}'")
    parts.append(f"ELSE '{bands[-1]}_plus'")
    return "CASE " + " ".join(parts) + " END"


def dim_sql(dim, measure, bands, d_from, d_to):
    """SQL expression of a dimension's value for one record (NULL -> unknown)."""
    F, T = f"DATE '{d_from}'", f"DATE '{d_to}'"
    if dim in PERSON_DIMS:
        expr = PERSON_DIMS[dim]
    elif dim in PARTICIPATION_DIMS:
        expr = PARTICIPATION_DIMS[dim]
    elif dim == "age_band":
        # participations/exits: age on the participation's entry date;
        # persons: age on the person's first entry in the period.
        when = "a.person_first_entry" if measure == "persons" else "a.entry_date"
        return age_band_sql(f"age_on(p.birth_date, {when})", bands)
    elif dim == "outcome_at_exit":
        if measure == "persons":
            return ("CASE WHEN NOT a.person_left THEN 'not_left' "
                    "ELSE coalesce(po.kind, 'unknown') END")
        return (f"CASE WHEN a.exit_date IS NULL OR a.exit_date NOT BETWEEN {F} AND {T} "
                "THEN 'not_left' ELSE coalesce(xo.kind, 'unknown') END")
    else:
        raise SystemExit(f"unknown dimension {dim!r} (known: {', '.join(ALL_DIMS)})")
    return f"coalesce({expr}, 'unknown')"


def query(con, d_from, d_to, rows, col, measure, bands):
    # Records: participations active in the period (persons, participations)
    # or with an exit in the period (exits).  For persons, each person is
    # counted once per cell it has a record in and once in each total.
    base = "exited" if measure == "exits" else "active"
    unit = "person_id" if measure == "persons" else "participation_id"
    row_expr = " || '|' || ".join(dim_sql(d, measure, bands, d_from, d_to) for d in rows)
    col_expr = dim_sql(col, measure, bands, d_from, d_to)
    result = con.execute(f"""
    WITH records AS (
        SELECT a.*,
               min(a.entry_date) OVER (PARTITION BY a.person_id) AS person_first_entry,
               a.person_id IN (SELECT person_id FROM leavers) AS person_left
        FROM {base} a
    ),
    cells AS (
        SELECT a.{unit} AS unit, {row_expr} AS r, {col_expr} AS c
        FROM records a
        LEFT JOIN persons p ON p.person_id = a.person_id
        LEFT JOIN exit_outcome xo ON xo.participation_id = a.participation_id
        LEFT JOIN person_exit_outcome po ON po.person_id = a.person_id
    )
    SELECT GROUPING(r) AS gr, GROUPING(c) AS gc, r, c, count(DISTINCT unit) AS n
    FROM cells
    GROUP BY GROUPING SETS ((r, c), (r), (c), ())
    ORDER BY gr, gc, r, c
    """).fetchall()
    figures = {}
    for gr, gc, r, c, n in result:
        if not gr and not gc:
            key = f"cells.{r}.{c}"
        elif not gr:
            key = f"row_total.{r}"
        elif not gc:
            key = f"col_total.{c}"
        else:
            key = "total"
        figures[key] = {"value": int(n)}
    figures.setdefault("total", {"value": 0})
    return figures


def programme(con, d_from, d_to, program):
    """Per module of the programme and per offer of those modules."""
    F, T, P = f"DATE '{d_from}'", f"DATE '{d_to}'", sql_str(program)
    con.execute(f"""
    -- The units: every module of the programme and every offer under one.
    CREATE TABLE units AS
    SELECT 'modules.' || module_id AS unit, NULL::VARCHAR AS offer_id,
           (SELECT coalesce(sum(o.capacity), 0) FROM offers o
             WHERE o.module_id = m.module_id) AS capacity
    FROM modules m WHERE program_id = {P}
    UNION ALL
    SELECT 'offers.' || o.offer_id, o.offer_id, o.capacity
    FROM modules m JOIN offers o ON o.module_id = m.module_id
    WHERE m.program_id = {P};

    -- A unit's participations: a module has those of all its offers.
    CREATE TABLE up AS
    SELECT 'modules.' || p.module_id AS unit, p.* FROM part p WHERE p.program_id = {P}
    UNION ALL
    SELECT 'offers.' || p.offer_id, p.* FROM part p WHERE p.program_id = {P};
    """)
    rows = con.execute(f"""
    WITH act AS (
        SELECT *, entry_date <= {T} AND (exit_date IS NULL OR exit_date >= {F}) AS active
        FROM up
    ),
    agg AS (
        SELECT unit,
               count(DISTINCT person_id) FILTER (WHERE active) AS participants,
               count(*) FILTER (WHERE entry_date BETWEEN {F} AND {T}) AS entries,
               count(*) FILTER (WHERE exit_date BETWEEN {F} AND {T}) AS exits,
               min(entry_date) FILTER (WHERE active) AS first_entry,
               max(exit_date) FILTER (WHERE active) AS last_exit,
               count(*) FILTER (WHERE exit_date BETWEEN {F} AND {T}
                                  AND exit_reason = 'handed_over') AS handed_over
        FROM act GROUP BY unit
    ),
    -- Days active, clipped to the period; the most persons on one day is
    -- reached on a day when some span starts.
    spans AS (
        SELECT unit, person_id, greatest(entry_date, {F}) AS s,
               least(coalesce(exit_date, {T}), {T}) AS e
        FROM act WHERE active
    ),
    starts AS (SELECT DISTINCT unit, s AS d FROM spans),
    per_day AS (
        SELECT st.unit, st.d, count(DISTINCT sp.person_id) AS n
        FROM starts st JOIN spans sp
          ON sp.unit = st.unit AND sp.s <= st.d AND sp.e >= st.d
        GROUP BY st.unit, st.d
    ),
    peak AS (SELECT unit, max(n) AS peak FROM per_day GROUP BY unit)
    SELECT u.unit, u.offer_id IS NULL AS is_module, u.capacity,
           coalesce(a.participants, 0), coalesce(a.entries, 0), coalesce(a.exits, 0),
           a.first_entry, a.last_exit, coalesce(pk.peak, 0), coalesce(a.handed_over, 0)
    FROM units u LEFT JOIN agg a USING (unit) LEFT JOIN peak pk USING (unit)
    ORDER BY u.unit
    """).fetchall()
    # A person who left the unit in the period, by the at-exit outcome of
    # their last exit there that has one (same day: larger participation_id).
    outcomes = con.execute(f"""
    SELECT unit, kind, count(*) FROM (
        SELECT up.unit, up.person_id, x.kind
        FROM up JOIN exit_outcome x ON x.participation_id = up.participation_id
        WHERE up.exit_date BETWEEN {F} AND {T}
        QUALIFY row_number() OVER (PARTITION BY up.unit, up.person_id
                                   ORDER BY up.exit_date DESC, up.participation_id DESC) = 1
    ) GROUP BY unit, kind
    """).fetchall()
    by_outcome = {(u, k): int(n) for u, k, n in outcomes}
    figures = {}
    for (unit, is_module, capacity, participants, entries, exits, first, last,
         peak, handed_over) in rows:
        figures[f"{unit}.participants"] = {"value": int(participants)}
        if capacity is not None:
            figures[f"{unit}.capacity"] = {"value": int(capacity)}
        figures[f"{unit}.entries"] = {"value": int(entries)}
        figures[f"{unit}.exits"] = {"value": int(exits)}
        if first is not None:
            figures[f"{unit}.first_entry"] = {"value": first.isoformat()}
        if last is not None:
            figures[f"{unit}.last_exit"] = {"value": last.isoformat()}
        figures[f"{unit}.peak_concurrent"] = {"value": int(peak)}
        for k in OUTCOME_KINDS:
            figures[f"{unit}.outcomes_at_exit.{k}"] = {"value": by_outcome.get((unit, k), 0)}
        figures[f"{unit}.handed_over"] = {"value": int(handed_over)}
    return figures


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bundle", type=Path, help="folder with the bundle's CSV files")
    ap.add_argument("--report", required=True, choices=["key-figures", "esf", "programme", "query"])
    ap.add_argument("--year", type=int, help="the calendar year as the period")
    ap.add_argument("--from", dest="d_from", type=dt.date.fromisoformat)
    ap.add_argument("--to", dest="d_to", type=dt.date.fromisoformat)
    ap.add_argument("--program", help="only participations in offers of modules of "
                    "this programme, and its finance entries")
    ap.add_argument("--rows", help="query: DIM[,DIM]")
    ap.add_argument("--cols", help="query: DIM")
    ap.add_argument("--measure", default="persons",
                    choices=["persons", "participations", "exits"])
    ap.add_argument("--age-bands", default="18,30,55",
                    help="query: ascending band limits (default 18,30,55)")
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's)")
    a = ap.parse_args(argv)
    if a.year is not None:
        if a.d_from or a.d_to:
            ap.error("--year excludes --from/--to")
        a.d_from, a.d_to = dt.date(a.year, 1, 1), dt.date(a.year, 12, 31)
    if not (a.d_from and a.d_to):
        ap.error("give --year Y or --from DATE --to DATE")
    if a.d_from > a.d_to:
        ap.error("--from is after --to")
    if a.program is not None and not ID_RE.match(a.program):
        ap.error("--program: not an id")
    if a.report == "programme" and not a.program:
        ap.error("programme needs --program")
    if a.report == "query":
        if not a.rows or not a.cols:
            ap.error("query needs --rows and --cols")
        a.rows = a.rows.split(",")
        if len(a.rows) > 2:
            ap.error("--rows takes at most two dimensions")
        for d in a.rows + [a.cols]:
            if d not in ALL_DIMS:
                ap.error(f"unknown dimension {d!r} (known: {', '.join(ALL_DIMS)})")
        a.age_bands = [int(x) for x in a.age_bands.split(",")]
        if not a.age_bands or a.age_bands != sorted(set(a.age_bands)):
            ap.error("--age-bands: ascending distinct integers")
    if not a.bundle.is_dir():
        ap.error(f"{a.bundle}: not a folder")
    return a


def main(argv=None):
    a = parse_args(argv)
    start = time.perf_counter()
    con = duckdb.connect()
    if a.threads:
        con.execute(f"SET threads = {int(a.threads)}")
    load_bundle(con, a.bundle)
    loaded = time.perf_counter()
    define_common(con, a.d_from, a.d_to, a.program)
    if a.report == "key-figures":
        figures = key_figures(con, a.d_from, a.d_to, a.program)
    elif a.report == "esf":
        figures = esf(con, a.d_from, a.d_to)
    elif a.report == "programme":
        figures = programme(con, a.d_from, a.d_to, a.program)
    else:
        figures = query(con, a.d_from, a.d_to, a.rows, a.cols, a.measure, a.age_bands)
    con.close()
    elapsed = time.perf_counter() - start

    params = {"from": a.d_from.isoformat(), "to": a.d_to.isoformat()}
    if a.year is not None:
        params["year"] = str(a.year)
    if a.program:
        params["program"] = a.program
    if a.report == "query":
        params.update(rows=",".join(a.rows), cols=a.cols, measure=a.measure)
    out = {"report": a.report,
           "period": {"from": a.d_from.isoformat(), "to": a.d_to.isoformat()},
           "params": params, "figures": figures}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    print(f"duckdb_seconds={elapsed:.6f}", file=sys.stderr)
    print(f"duckdb_load_seconds={loaded - start:.6f} "
          f"duckdb_compute_seconds={elapsed - (loaded - start):.6f}", file=sys.stderr)


if __name__ == "__main__":
    main()
