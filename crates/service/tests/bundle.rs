//! The data bundle: import rules, idempotency, dialects, containers, and the
//! round trip export → import → export, on both backends.

use std::path::{Path, PathBuf};

use lotse_bundle::source::Bundle;
use lotse_bundle::write::{FolderSink, XlsxSink, ZipSink};
use lotse_domain::{Actor, Role, TenantId};
use lotse_service::Lotse;
use lotse_service::audit::AuditFilter;
use lotse_service::import::ImportReport;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/example/bundle")
}

async fn tenant(lotse: &Lotse, id: &str) -> Actor {
    let t = TenantId::parse(id).unwrap();
    lotse.create_tenant(&t, id).await.unwrap();
    Actor::system(t)
}

async fn import(lotse: &Lotse, actor: &Actor, path: &Path) -> ImportReport {
    lotse.import_bundle(actor, &Bundle::open(path).unwrap(), None).await.unwrap()
}

async fn export_dir(lotse: &Lotse, actor: &Actor) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    lotse.export_bundle(actor, Box::new(FolderSink::new(dir.path()).unwrap())).await.unwrap();
    dir
}

fn same_dirs(a: &Path, b: &Path) {
    let mut names: Vec<_> = std::fs::read_dir(a).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(
        names.len(),
        lotse_bundle::spec::FILES.len(),
        "every file of the spec and Lotse's additions is exported"
    );
    for f in &lotse_bundle::spec::FILES[..lotse_bundle::spec::CORE_FILES] {
        assert!(names.iter().any(|n| n.to_str() == Some(f.name)), "{} is exported", f.name);
    }
    for n in names {
        let (x, y) = (std::fs::read(a.join(&n)).unwrap(), std::fs::read(b.join(&n)).unwrap());
        assert!(x == y, "{n:?} differs");
    }
}

/// The secondary indexes (and on PostgreSQL foreign keys) of the tables a
/// large load sets aside.
async fn secondary(lotse: &Lotse) -> Vec<String> {
    let mut all = Vec::new();
    for t in ["persons", "person_search", "participations", "outcomes", "consents", "offers"] {
        all.extend(lotse_db::bulk::secondary_definitions(&lotse.db, t).await.unwrap());
    }
    assert!(all.len() >= 12, "{all:?}");
    all
}

/// SQLite: the `temp_store` of every pooled connection (2: memory, as
/// `lotse_db::backend::connect` opens them), all held at once so that each
/// is asked; PostgreSQL: none.
async fn temp_stores(lotse: &Lotse) -> Vec<i64> {
    use lotse_db::sea_orm::sqlx;
    if lotse_db::backend::Backend::of(&lotse.db) != lotse_db::backend::Backend::Sqlite {
        return Vec::new();
    }
    let pool = lotse.db.get_sqlite_connection_pool();
    let mut held = Vec::new();
    for _ in 0..pool.size().max(1) {
        held.push(pool.acquire().await.unwrap());
    }
    let mut out = Vec::new();
    for c in &mut held {
        out.push(sqlx::query_scalar::<_, i64>("PRAGMA temp_store").fetch_one(&mut **c).await.unwrap());
    }
    out
}

fn summary(r: &ImportReport, file: &str) -> (u64, u64, u64, u64) {
    let f = r.files.iter().find(|f| f.file == file).unwrap_or_else(|| panic!("no summary for {file}"));
    (f.created, f.updated, f.unchanged, f.warnings)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn edit(dir: &Path, file: &str, f: impl Fn(&str) -> String) {
    let p = dir.join(file);
    let s = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, f(&s)).unwrap();
}

lotse_testkit::both_backends! {
    async fn a_load_writes_every_text_as_it_was_and_a_dropped_load_keeps_nothing(db) {
        use lotse_db::sea_orm::sea_query::{ColumnType, Value};
        use lotse_db::sea_orm::{ConnectionTrait, Statement};
        let lotse = &db.lotse;
        db.sql("CREATE TABLE load_probe (id text PRIMARY KEY, t text, n bigint)").await.unwrap();
        let texts = [
            "Tab\there", "Zeile 1\nZeile 2", "CR\r\nLF", "Backslash \\ und \\N und \\t", "\\", "", "Ünïcødé – ‚ok‘ \"q\" 'a'",
        ];
        let mut rows: Vec<Vec<Value>> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| vec![Value::from(format!("r{i}")), Value::from(*t), Value::from(i as i64)])
            .collect();
        rows.push(vec![Value::from("null"), Value::String(None), Value::BigInt(None)]);
        let cols = [("id", ColumnType::Text), ("t", ColumnType::Text), ("n", ColumnType::BigInteger)];
        let read = |sql: &str| Statement::from_string(lotse.db.get_database_backend(), sql.to_owned());
        let query = "SELECT id, t, n FROM load_probe ORDER BY id";
        let as_tuples = |rows: Vec<lotse_db::sea_orm::QueryResult>| -> Vec<(String, Option<String>, Option<i64>)> {
            rows.iter()
                .map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap(), r.try_get_by_index(2).unwrap()))
                .collect()
        };
        let mut expected: Vec<(String, Option<String>, Option<i64>)> = vec![("null".into(), None, None)];
        expected.extend(texts.iter().enumerate().map(|(i, t)| (format!("r{i}"), Some(t.to_string()), Some(i as i64))));

        let txn = lotse_db::bulk::begin_load(&lotse.db).await.unwrap();
        txn.insert_rows("load_probe", &cols, rows).await.unwrap();
        // Seen within the load, and after its commit by everyone.
        assert_eq!(as_tuples(txn.query_all_raw(read(query)).await.unwrap()), expected);
        txn.commit().await.unwrap();
        assert_eq!(as_tuples(lotse.db.query_all_raw(read(query)).await.unwrap()), expected);

        // A row that breaks the key ends the load with an error, and a load
        // dropped without commit keeps nothing, not even its good rows.
        let txn = lotse_db::bulk::begin_load(&lotse.db).await.unwrap();
        txn.insert_rows("load_probe", &cols, vec![vec![Value::from("neu"), Value::from("x"), Value::from(99i64)]])
            .await
            .unwrap();
        let twice = txn.insert_rows("load_probe", &cols, vec![vec![Value::from("r0"), Value::from("x"), Value::from(1i64)]]).await;
        assert!(twice.is_err(), "{twice:?}");
        drop(txn);
        let txn = lotse_db::bulk::begin_load(&lotse.db).await.unwrap();
        txn.insert_rows("load_probe", &cols, vec![vec![Value::from("neu"), Value::from("y"), Value::from(98i64)]])
            .await
            .unwrap();
        drop(txn);
        // Every pooled connection is usable and none is left in a transaction.
        for _ in 0..20 {
            assert_eq!(as_tuples(lotse.db.query_all_raw(read(query)).await.unwrap()), expected);
        }
    }

    async fn a_first_load_checks_its_keys_once_at_the_end(db) {
        // PostgreSQL: copies into the tables taken skip the per-row foreign-key
        // checks, `check_keys` finds a missing key at the end, names the
        // constraint but not the value, and locks what the rows refer to;
        // everything else keeps its per-row checks. SQLite: nothing is taken,
        // and a missing key fails at once.
        use lotse_db::sea_orm::sea_query::{ColumnType, Value};
        use lotse_db::sea_orm::{ConnectionTrait, Database};
        use lotse_db::bulk::{MissingKeys, begin_load};
        let lotse = &db.lotse;
        let pg = db.backend == lotse_db::backend::Backend::Postgres;
        db.sql("CREATE TABLE key_parent (tenant_id text, id text, PRIMARY KEY (tenant_id, id))").await.unwrap();
        db.sql(
            "CREATE TABLE key_child (tenant_id text, id text PRIMARY KEY, parent text, \
             CONSTRAINT key_child_parent_fkey FOREIGN KEY (tenant_id, parent) REFERENCES key_parent (tenant_id, id))",
        )
        .await
        .unwrap();
        db.sql("INSERT INTO key_parent VALUES ('a', 'p1'), ('b', 'p2')").await.unwrap();
        let cols = [("tenant_id", ColumnType::Text), ("id", ColumnType::Text), ("parent", ColumnType::Text)];
        let row = |t: &str, id: &str, p: Option<&str>| {
            vec![Value::from(t), Value::from(id), Value::String(p.map(str::to_owned))]
        };
        let children = || async {
            let r = lotse.db.query_one_raw(lotse_db::sea_orm::Statement::from_string(
                lotse.db.get_database_backend(),
                "SELECT COUNT(*) FROM key_child",
            ));
            r.await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap()
        };

        // Rows whose keys are there (or NULL) go in and pass the check.
        let txn = begin_load(&lotse.db).await.unwrap();
        let taken = txn.check_keys_at_end("a", &["key_child"]).await.unwrap();
        let expected: &[&str] = if pg { &["key_child"] } else { &[] };
        assert_eq!(taken, expected);
        txn.insert_rows("key_child", &cols, vec![row("a", "c1", Some("p1")), row("a", "c2", None)]).await.unwrap();
        assert_eq!(txn.check_keys().await.unwrap(), None);
        txn.commit().await.unwrap();
        assert_eq!(children().await, 2);

        // A key that is missing for this tenant ('p2' is tenant b's).
        let txn = begin_load(&lotse.db).await.unwrap();
        txn.check_keys_at_end("a", &["key_child"]).await.unwrap();
        let copied = txn.insert_rows("key_child", &cols, vec![row("a", "c3", Some("p2"))]).await;
        if pg {
            copied.unwrap();
            let missing = txn.check_keys().await.unwrap();
            let expected = MissingKeys {
                table: "key_child".into(),
                constraint: "key_child_parent_fkey".into(),
                target: "key_parent".into(),
                count: 1,
            };
            assert_eq!(missing, Some(expected));
            assert!(txn.commit().await.is_err(), "a load whose keys are missing does not commit");
        } else {
            assert!(copied.is_err(), "SQLite checks the key at once");
            drop(txn);
        }
        assert_eq!(children().await, 2, "nothing of the failed load is kept");

        // Only the copies skip the triggers: a plain insert after one, and
        // copies into a table not taken, are checked row by row.
        let txn = begin_load(&lotse.db).await.unwrap();
        txn.check_keys_at_end("a", &["key_child"]).await.unwrap();
        txn.insert_rows("key_child", &cols, vec![row("a", "c4", Some("p1"))]).await.unwrap();
        let plain = txn.execute_unprepared("INSERT INTO key_child VALUES ('a', 'c5', 'fehlt')").await;
        assert!(plain.is_err(), "{plain:?}");
        drop(txn);
        let txn = begin_load(&lotse.db).await.unwrap();
        txn.check_keys_at_end("a", &["key_child"]).await.unwrap();
        txn.insert_rows("key_child", &cols, vec![row("a", "c4", Some("p1"))]).await.unwrap();
        let update = txn.execute_unprepared("UPDATE key_child SET parent = 'fehlt' WHERE id = 'c1'").await;
        assert!(update.is_err(), "an update after a copy is checked at once: {update:?}");
        drop(txn);
        let txn = begin_load(&lotse.db).await.unwrap();
        let copied = txn.insert_rows("key_child", &cols, vec![row("a", "c6", Some("fehlt"))]).await;
        assert!(copied.is_err(), "a table not taken checks its keys at once: {copied:?}");
        drop(txn);
        if !pg {
            return;
        }

        // What the rows refer to is locked until the commit, as by the
        // per-row check: deleting it waits (and here gives up).
        let txn = begin_load(&lotse.db).await.unwrap();
        txn.check_keys_at_end("a", &["key_child"]).await.unwrap();
        txn.insert_rows("key_child", &cols, vec![row("a", "c7", Some("p1"))]).await.unwrap();
        assert_eq!(txn.check_keys().await.unwrap(), None);
        let other = Database::connect(db.url.as_str()).await.unwrap();
        // One string, so that both go to the same pooled connection.
        let deleted =
            other.execute_unprepared("SET lock_timeout = '300ms'; DELETE FROM key_parent WHERE tenant_id = 'a'").await;
        assert!(deleted.is_err_and(|e| e.to_string().contains("lock timeout")), "the referred row is locked");
        other.close().await.unwrap();
        txn.commit().await.unwrap();
        assert_eq!(children().await, 3);

        // A key between two tables the tenant had no rows in: the rows it
        // finds are the load's own, which nobody else can delete, so they
        // are not locked (a lock would set their xmax); a missing one is
        // reported all the same.
        let parent_cols = [("tenant_id", ColumnType::Text), ("id", ColumnType::Text)];
        let parent = |t: &str, id: &str| vec![Value::from(t), Value::from(id)];
        let xmax = async |txn: &lotse_db::bulk::LoadTxn| -> String {
            let sql = "SELECT xmax::text FROM key_parent WHERE tenant_id = 'c'";
            let r = txn.query_one_raw(lotse_db::sea_orm::Statement::from_string(lotse_db::sea_orm::DbBackend::Postgres, sql));
            r.await.unwrap().unwrap().try_get_by_index(0).unwrap()
        };
        let txn = begin_load(&lotse.db).await.unwrap();
        assert_eq!(txn.check_keys_at_end("c", &["key_parent", "key_child"]).await.unwrap(), ["key_parent", "key_child"]);
        txn.insert_rows("key_parent", &parent_cols, vec![parent("c", "p3")]).await.unwrap();
        txn.insert_rows("key_child", &cols, vec![row("c", "c9", Some("p3"))]).await.unwrap();
        assert_eq!(txn.check_keys().await.unwrap(), None);
        assert_eq!(xmax(&txn).await, "0", "the load's own rows are not locked");
        txn.commit().await.unwrap();
        let txn = begin_load(&lotse.db).await.unwrap();
        txn.check_keys_at_end("d", &["key_parent", "key_child"]).await.unwrap();
        txn.insert_rows("key_parent", &parent_cols, vec![parent("d", "p4")]).await.unwrap();
        txn.insert_rows("key_child", &cols, vec![row("d", "c10", Some("p5"))]).await.unwrap();
        let missing = txn.check_keys().await.unwrap().expect("p5 is missing");
        assert_eq!((missing.table.as_str(), missing.target.as_str(), missing.count), ("key_child", "key_parent", 1));
        drop(txn);
        assert_eq!(children().await, 4);

        // A table with a trigger on inserts is not taken (it would be
        // skipped too), unless the trigger fires always.
        db.sql("CREATE FUNCTION key_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$").await.unwrap();
        db.sql("CREATE TRIGGER key_touch BEFORE INSERT ON key_child FOR EACH ROW EXECUTE FUNCTION key_touch()").await.unwrap();
        let txn = begin_load(&lotse.db).await.unwrap();
        assert!(txn.check_keys_at_end("a", &["key_child"]).await.unwrap().is_empty());
        drop(txn);
        db.sql("ALTER TABLE key_child ENABLE ALWAYS TRIGGER key_touch").await.unwrap();
        let txn = begin_load(&lotse.db).await.unwrap();
        assert_eq!(txn.check_keys_at_end("a", &["key_child"]).await.unwrap(), ["key_child"]);
        drop(txn);

        // Nor a table without tenant_id, or with a key that is not MATCH SIMPLE.
        db.sql("CREATE TABLE key_untenanted (id text PRIMARY KEY, parent_tenant text, parent text, \
                FOREIGN KEY (parent_tenant, parent) REFERENCES key_parent (tenant_id, id))")
            .await
            .unwrap();
        db.sql("CREATE TABLE key_full (tenant_id text, id text PRIMARY KEY, parent text, \
                FOREIGN KEY (tenant_id, parent) REFERENCES key_parent (tenant_id, id) MATCH FULL)")
            .await
            .unwrap();
        let txn = begin_load(&lotse.db).await.unwrap();
        assert_eq!(
            txn.check_keys_at_end("a", &["key_untenanted", "key_full", "key_parent"]).await.unwrap(),
            ["key_parent"]
        );
        drop(txn);

        // A role that may not set session_replication_role keeps the per-row
        // checks; `GRANT SET ON PARAMETER` (PostgreSQL 15) lets it skip them.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let role = format!("lotse_k_{}_{nanos}", std::process::id());
        db.sql(&format!("CREATE ROLE {role} LOGIN")).await.unwrap();
        db.sql(&format!("GRANT ALL ON key_child TO {role}")).await.unwrap();
        db.sql(&format!("GRANT SELECT ON key_parent TO {role}")).await.unwrap();
        // (The test server trusts local connections, as CI's does.)
        let (scheme, rest) = db.url.split_once("://").unwrap();
        let url = format!("{scheme}://{role}@{}", rest.split_once('@').map_or(rest, |(_, host)| host));
        let as_role = lotse_db::backend::connect_unmigrated(&url).await.unwrap();
        let txn = begin_load(&as_role).await.unwrap();
        assert!(txn.check_keys_at_end("a", &["key_child"]).await.unwrap().is_empty(), "no right, no skipping");
        drop(txn);
        let version: i64 = {
            let r = lotse.db.query_one_raw(lotse_db::sea_orm::Statement::from_string(
                lotse.db.get_database_backend(),
                "SELECT current_setting('server_version_num')::bigint",
            ));
            r.await.unwrap().unwrap().try_get_by_index(0).unwrap()
        };
        if version >= 150_000 {
            db.sql(&format!("GRANT SET ON PARAMETER session_replication_role TO {role}")).await.unwrap();
            // Locking the rows referred to needs UPDATE on their table.
            let txn = begin_load(&as_role).await.unwrap();
            assert!(txn.check_keys_at_end("a", &["key_child"]).await.unwrap().is_empty(), "no lock, no skipping");
            drop(txn);
            db.sql(&format!("GRANT UPDATE ON key_parent TO {role}")).await.unwrap();
            let txn = begin_load(&as_role).await.unwrap();
            assert_eq!(txn.check_keys_at_end("a", &["key_child"]).await.unwrap(), ["key_child"]);
            txn.insert_rows("key_child", &cols, vec![row("a", "c8", Some("p1"))]).await.unwrap();
            assert_eq!(txn.check_keys().await.unwrap(), None);
            txn.commit().await.unwrap();
            db.sql(&format!("REVOKE SET ON PARAMETER session_replication_role FROM {role}")).await.unwrap();
        }
        as_role.close().await.unwrap();
        db.sql(&format!("DROP OWNED BY {role}")).await.unwrap();
        db.sql(&format!("DROP ROLE {role}")).await.unwrap();
    }

    async fn example_imports_idempotently_and_round_trips(db) {
        let lotse = &db.lotse;
        let a = tenant(lotse, "example").await;
        let r = import(lotse, &a, &example()).await;
        assert!(r.written && r.error_count == 0, "{:?}", r.errors);
        assert_eq!(summary(&r, "persons.csv"), (60, 0, 0, 0));
        assert_eq!(summary(&r, "participations.csv").0, 148);
        assert_eq!(summary(&r, "finance.csv").0, 75);
        // The example has at-exit outcomes dated long after the exit: warnings, not errors.
        assert!(summary(&r, "outcomes.csv").3 > 0);
        assert!(r.warnings.iter().any(|w| w.render(false).starts_with("outcomes.csv:2:date: ")));

        // Twice: nothing changes.
        let again = import(lotse, &a, &example()).await;
        for f in &again.files {
            assert_eq!((f.created, f.updated), (0, 0), "{}", f.file);
        }
        assert_eq!(summary(&again, "persons.csv"), (0, 0, 60, 0));

        // Export → import into an empty tenant → export gives identical files.
        let first = export_dir(lotse, &a).await;
        let b = tenant(lotse, "kopie").await;
        let r = import(lotse, &b, first.path()).await;
        assert!(r.written, "{:?}", r.errors);
        let second = export_dir(lotse, &b).await;
        same_dirs(first.path(), second.path());
        // Canonical input comes out as it went in (persons.csv is canonical already).
        let mut orig: Vec<String> = std::fs::read_to_string(example().join("persons.csv")).unwrap().lines().map(str::to_owned).collect();
        let mut out: Vec<String> = std::fs::read_to_string(first.path().join("persons.csv")).unwrap().lines().map(str::to_owned).collect();
        orig.sort();
        out.sort();
        assert_eq!(orig, out);

        // The same through a zip and a workbook.
        for kind in ["zip", "xlsx"] {
            let tmp = tempfile::tempdir().unwrap();
            let file = tmp.path().join(format!("bundle.{kind}"));
            let sink: Box<dyn lotse_bundle::write::Sink> =
                if kind == "zip" { Box::new(ZipSink::new(&file).unwrap()) } else { Box::new(XlsxSink::new(&file)) };
            lotse.export_bundle(&a, sink).await.unwrap();
            let c = tenant(lotse, &format!("via-{kind}")).await;
            let r = import(lotse, &c, &file).await;
            assert!(r.written, "{kind}: {:?}", r.errors);
            same_dirs(first.path(), export_dir(lotse, &c).await.path());
        }
    }

    async fn a_bundle_with_many_errors_reports_all_and_writes_nothing(db) {
        let lotse = &db.lotse;
        let a = tenant(lotse, "fehler").await;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("b");
        copy_dir(&example(), &dir);
        edit(&dir, "persons.csv", |s| {
            s.replacen(",female,AL,unknown,", ",female,AL,asyl,", 1) // unknown code
                .replacen("sy-p00002,sy-pr2,", "sy-p00002,sy-pr99,", 1) // reference that does not resolve
                + "sy-p00001,sy-pr1,Doppelt,X,2000-01-01,male,,,,,,,,,,,,\n" // duplicate id
                + "sy-p99999,sy-pr1,Ohne,Geschlecht,2000-13-01,,,,,,,,,,9,,25,\n" // bad date, missing gender, ranges
        });
        edit(&dir, "participations.csv", |s| s.to_owned() + "sy-x1,sy-p00003,sy-i00,,2023-05-01,2023-04-01,completed\n");
        edit(&dir, "outcomes.csv", |s| s.to_owned() + "sy-o-x1,sy-x1,school,2020-01-01,at_exit\nsy-o-x2,sy-a00001,schule,2023-01-01,at_exit\n");
        edit(&dir, "finance.csv", |s| s.to_owned() + "sy-f9999,2023,expense,federal,,12.345,,,\n");
        edit(&dir, "consents.csv", |s| s.to_owned() + "sy-c9999,sy-p00004,share_with_provider,,,2021-01-01,\n");
        let r = import(lotse, &a, &dir).await;
        assert!(!r.written);
        let all: Vec<String> = r.errors.iter().map(|e| e.render(false)).collect();
        let text = all.join("\n");
        let n_persons = std::fs::read_to_string(dir.join("persons.csv")).unwrap().lines().count();
        for expected in [
            "residence_status: unbekannter Wert „asyl“".to_owned(),
            ":provider_id: „sy-pr99“ gibt es weder in providers.csv noch im Mandanten".to_owned(),
            format!("persons.csv:{}:person_id: doppelte Kennung „sy-p00001“", n_persons - 1),
            format!("persons.csv:{n_persons}:birth_date: ungültiges Datum „2000-13-01“"),
            format!("persons.csv:{n_persons}:education_isced: 9 liegt außerhalb des zulässigen Bereichs 0–8"),
            format!("persons.csv:{n_persons}:sgb2_months_24: 25 liegt außerhalb"),
            "participations.csv:".to_owned() + "150:exit_date: Der Austritt liegt vor dem Eintritt",
            "outcomes.csv:".to_owned() + "313:kind: unbekannter Wert „schule“",
            "finance.csv:77:category: „federal“ passt nicht zur Art „expense“".to_owned(),
            "finance.csv:77:amount_eur: „12.345“ ist kein Eurobetrag".to_owned(),
            "consents.csv:17:provider_id: „share_with_provider“ braucht einen Träger".to_owned(),
        ] {
            assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
        }
        // A row that refers to a row with errors is not reported again as "missing".
        assert!(!text.contains("„sy-p00002“ gibt es weder"), "no follow-up errors:\n{text}");
        // English on request.
        assert!(r.errors.iter().any(|e| e.render(true).contains("unknown value \"asyl\"")));
        // Nothing was written, not even the valid files before the first error.
        let export = export_dir(lotse, &a).await;
        for f in ["districts.csv", "persons.csv", "finance.csv"] {
            assert_eq!(std::fs::read_to_string(export.path().join(f)).unwrap().lines().count(), 1, "{f} stays empty");
        }
    }

    async fn changed_rows_update_and_show_in_the_audit_trail(db) {
        let lotse = &db.lotse;
        let a = tenant(lotse, "aenderung").await;
        assert!(import(lotse, &a, &example()).await.written);
        let tmp = tempfile::tempdir().unwrap();
        // Only two columns: the others keep their stored values; an empty cell clears.
        std::fs::write(tmp.path().join("persons.csv"), "person_id,provider_id,municipality,extra\nsy-p00001,sy-pr1,Neustadt,x\nsy-p00002,sy-pr2,,y\n").unwrap();
        let r = import(lotse, &a, tmp.path()).await;
        assert!(r.written, "{:?}", r.errors);
        assert_eq!(summary(&r, "persons.csv"), (0, 2, 0, 1)); // the unknown column is a warning
        assert!(r.warnings[0].render(false).contains("persons.csv:1:extra: unbekannte Spalte"));
        let out = export_dir(lotse, &a).await;
        let persons = std::fs::read_to_string(out.path().join("persons.csv")).unwrap();
        let p1 = persons.lines().find(|l| l.starts_with("sy-p00001,")).unwrap();
        assert!(p1.contains(",Neustadt,") && p1.contains(",female,"), "{p1}");
        let auditor = Actor { role: Role::Auditor, ..a.clone() };
        let entries = lotse
            .audit_entries(&auditor, &AuditFilter { entity: Some("persons".into()), action: Some("update".into()), ..Default::default() }, Default::default())
            .await
            .unwrap();
        assert_eq!(entries.total, 2);
        let e = entries.items.iter().find(|e| e.entity_id == "sy-p00001").unwrap();
        assert_eq!(e.changes["municipality"][1], "Neustadt");
    }

    async fn german_spreadsheet_dialect_in_windows_1252(db) {
        let lotse = &db.lotse;
        let a = tenant(lotse, "kanonisch").await;
        let b = tenant(lotse, "deutsch").await;
        let tmp = tempfile::tempdir().unwrap();
        let (canon, german) = (tmp.path().join("c"), tmp.path().join("g"));
        std::fs::create_dir_all(&canon).unwrap();
        std::fs::create_dir_all(&german).unwrap();
        std::fs::write(canon.join("providers.csv"), "provider_id,name,kind\np1,Jugendberufshilfe Süd,welfare\n").unwrap();
        std::fs::write(canon.join("programs.csv"), "program_id,name,funder,start_date,end_date,target_group\nprog,Durchstarten,Land NRW,2020-03-01,2023-06-30,\n").unwrap();
        std::fs::write(canon.join("finance.csv"), "entry_id,year,kind,category,program_id,amount_eur,quantity,unit,note\nf1,2023,funding,land,prog,29958.39,,,\nf2,2023,revenue,hze_avoided,,1234567.5,4180,HzE-Einheit,Schätzung\n").unwrap();
        let german_text = [
            ("providers.csv", "provider_id;name;kind\r\np1;Jugendberufshilfe Süd;welfare\r\n"),
            ("programs.csv", "program_id;name;funder;start_date;end_date;target_group\r\nprog;Durchstarten;Land NRW;01.03.2020;30.06.2023;\r\n"),
            ("finance.csv", "entry_id;year;kind;category;program_id;amount_eur;quantity;unit;note\r\nf1;2023;funding;land;prog;29.958,39;;;\r\nf2;2023;revenue;hze_avoided;;1.234.567,50;4.180;HzE-Einheit;Schätzung\r\n"),
        ];
        for (name, text) in german_text {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
            if text.contains('ü') {
                assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
            }
            std::fs::write(german.join(name), bytes).unwrap();
        }
        let ra = import(lotse, &a, &canon).await;
        let rb = import(lotse, &b, &german).await;
        assert!(ra.written && rb.written, "{:?} {:?}", ra.errors, rb.errors);
        same_dirs(export_dir(lotse, &a).await.path(), export_dir(lotse, &b).await.path());
        let fin = std::fs::read_to_string(export_dir(lotse, &b).await.path().join("finance.csv")).unwrap();
        assert!(fin.contains("f1,2023,funding,land,prog,29958.39,,,") && fin.contains("1234567.50,4180,HzE-Einheit,Schätzung"), "{fin}");
    }

    async fn a_database_refusing_rows_mid_load_ends_the_import_and_keeps_nothing(db) {
        // Someone with direct access to the database makes it refuse every
        // outcome: the writer fails while the reader still has rows to give.
        let lotse = &db.lotse;
        let tmp = tempfile::tempdir().unwrap();
        lotse_bundle::generate::generate(tmp.path(), 10_000, 7).unwrap();
        let a = tenant(lotse, "verweigert").await;
        let before = secondary(lotse).await;
        match db.backend {
            lotse_db::backend::Backend::Sqlite => db
                .sql("CREATE TRIGGER refuse BEFORE INSERT ON outcomes BEGIN SELECT RAISE(ABORT, 'refused'); END")
                .await
                .unwrap(),
            lotse_db::backend::Backend::Postgres => {
                db.sql("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql")
                    .await
                    .unwrap();
                db.sql("CREATE TRIGGER refuse BEFORE INSERT ON outcomes FOR EACH ROW EXECUTE FUNCTION refuse()").await.unwrap();
            }
        }
        let bundle = Bundle::open(tmp.path()).unwrap();
        let result = tokio::time::timeout(std::time::Duration::from_secs(300), lotse.import_bundle(&a, &bundle, None))
            .await
            .expect("the import ends when the database refuses a batch");
        assert!(result.is_err(), "the database's refusal is the import's error");
        use lotse_testkit::sea_orm::ConnectionTrait;
        let persons = lotse
            .db
            .query_one_raw(lotse_testkit::sea_orm::Statement::from_string(
                lotse.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM persons WHERE tenant_id = 'verweigert'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(persons, 0, "nothing of the load is kept");
        assert_eq!(secondary(lotse).await, before, "every index and key is back");
    }

    async fn generated_bundle_of_10000_persons_round_trips(db) {
        let lotse = &db.lotse;
        let tmp = tempfile::tempdir().unwrap();
        let g = lotse_bundle::generate::generate(tmp.path(), 10_000, 42).unwrap();
        assert!(g.participations > 25_000, "{g:?}");
        let a = tenant(lotse, "gen-a").await;
        let before = secondary(lotse).await;
        // The search keys' unique index is among what a large load sets
        // aside (the table has no primary key that would stay, decision 56).
        assert!(
            before.iter().any(|d| d.contains("UNIQUE INDEX") && d.contains("person_search_key")),
            "{before:?}"
        );
        // A first import that fails sets its indexes aside and gets them back with the rollback.
        let broken = tempfile::tempdir().unwrap();
        copy_dir(tmp.path(), broken.path());
        let mut consents = std::fs::read_to_string(broken.path().join("consents.csv")).unwrap();
        // One consent of an unknown person, in a file read after the large ones.
        let mut fields: Vec<String> = consents.lines().nth(1).unwrap().split(',').map(str::to_owned).collect();
        fields[0] = "kaputt".into();
        fields[1] = "niemand".into();
        consents.push_str(&(fields.join(",") + "\n"));
        std::fs::write(broken.path().join("consents.csv"), consents).unwrap();
        let r = import(lotse, &a, broken.path()).await;
        assert!(!r.written && r.error_count == 1 && r.rebuilt_indexes.is_empty(), "{:?}", r.errors);
        assert_eq!(secondary(lotse).await, before, "a failed import leaves every index and key as it was");
        let r = import(lotse, &a, tmp.path()).await;
        assert!(r.written && r.error_count == 0, "{:?}", &r.errors[..r.errors.len().min(5)]);
        // The large files of a first load are written without indexes, which are built at the end.
        assert_eq!(r.rebuilt_indexes, ["outcomes", "participations", "persons", "person_search"]);
        // PostgreSQL checks their foreign keys once at the end, as for the second tenant below.
        let first_loaded: &[&str] = match db.backend {
            lotse_db::backend::Backend::Sqlite => &[],
            lotse_db::backend::Backend::Postgres => &["outcomes", "participations", "person_search", "persons"],
        };
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        assert_eq!(sorted(&r.keys_checked_at_end), first_loaded);
        assert_eq!(secondary(lotse).await, before, "every index and key is back");
        // The import's connection went back to the pool with the temp_store it came with (memory).
        let stores = temp_stores(lotse).await;
        assert!(stores.iter().all(|t| *t == 2), "{stores:?}");
        assert_eq!(summary(&r, "persons.csv").0, 10_000);
        assert_eq!(summary(&r, "participations.csv").0, g.participations);
        assert_eq!(summary(&r, "participations.csv").3, 0, "generated data is warning-free");
        let first = export_dir(lotse, &a).await;
        let b = tenant(lotse, "gen-b").await;
        let r = import(lotse, &b, first.path()).await;
        assert!(r.written);
        // A second tenant's load: on PostgreSQL never (the tables hold rows,
        // other readers would wait), on SQLite while the table holds fewer
        // rows than the file brings.
        let expected: &[&str] = match db.backend {
            lotse_db::backend::Backend::Sqlite => &["outcomes", "participations", "persons", "person_search"],
            lotse_db::backend::Backend::Postgres => &[],
        };
        assert_eq!(r.rebuilt_indexes, expected);
        assert_eq!(sorted(&r.keys_checked_at_end), first_loaded, "a first load of this tenant");
        // Importing it again writes no new rows: every row is checked as always.
        let again = import(lotse, &b, first.path()).await;
        assert!(again.written && again.keys_checked_at_end.is_empty());
        assert_eq!(secondary(lotse).await, before);
        same_dirs(first.path(), export_dir(lotse, &b).await.path());
        // The generator writes canonical files: the export gives them back byte for byte.
        for f in ["persons.csv", "participations.csv", "outcomes.csv", "finance.csv"] {
            let mut x: Vec<String> = std::fs::read_to_string(tmp.path().join(f)).unwrap().lines().skip(1).map(str::to_owned).collect();
            let mut y: Vec<String> = std::fs::read_to_string(first.path().join(f)).unwrap().lines().skip(1).map(str::to_owned).collect();
            x.sort();
            y.sort();
            assert!(x == y, "{f} differs after import and export");
        }
    }

    async fn line_numbers_partial_files_and_spec_only_errors(db) {
        let lotse = &db.lotse;
        let a = tenant(lotse, "genau").await;
        assert!(import(lotse, &a, &example()).await.written);
        let tmp = tempfile::tempdir().unwrap();
        // A blank line and a quoted field over two lines: errors keep the spreadsheet's row numbers.
        std::fs::write(tmp.path().join("providers.csv"), "provider_id,name,kind\nn1,\"Träger\r\nmit Umbruch\",welfare\n\nn2,Zwei,wohlfahrt\n").unwrap();
        let r = import(lotse, &a, tmp.path()).await;
        assert_eq!(r.errors.iter().map(|e| e.render(false)).collect::<Vec<_>>(), ["providers.csv:4:kind: unbekannter Wert „wohlfahrt“; erlaubt: public, welfare, education, jobcenter, other"]);
        // A file with only some columns updates stored rows without touching (or checking) the others.
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("participations.csv"), "participation_id,exit_reason\nsy-t000002,moved\n").unwrap();
        let r = import(lotse, &a, tmp.path()).await;
        assert!(r.written, "{:?}", r.errors);
        // German numbers: a dot only between groups of three digits.
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("finance.csv"), "entry_id;year;kind;category;program_id;amount_eur;quantity;unit;note\nx1;2023;expense;other;;12.50;;;\n").unwrap();
        let r = import(lotse, &a, tmp.path()).await;
        assert!(r.errors[0].render(false).starts_with("finance.csv:2:amount_eur: „12.50“ ist kein Eurobetrag"), "{:?}", r.errors);
        // What the spec does not call an error is a warning: a birth date in the future.
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("persons.csv"), "person_id,provider_id,gender,birth_date\nneu1,sy-pr1,female,2099-01-01\n").unwrap();
        let r = import(lotse, &a, tmp.path()).await;
        assert!(r.written && r.warnings.iter().any(|w| w.render(false).contains("birth_date: Das Geburtsdatum liegt in der Zukunft")), "{:?}", r);
    }

    async fn only_coordinators_and_the_operator_import(db) {
        let lotse = &db.lotse;
        let a = tenant(lotse, "rechte").await;
        let bundle = Bundle::open(&example()).unwrap();
        for (role, ok) in [(Role::CaseManager, false), (Role::Controller, false), (Role::Admin, false), (Role::Coordinator, true)] {
            let actor = Actor { role, user_id: "u".into(), ..a.clone() };
            let r = lotse.import_bundle(&actor, &bundle, None).await;
            assert_eq!(r.is_ok(), ok, "{role}");
        }
        let cm = Actor { role: Role::Coordinator, user_id: "u".into(), ..a.clone() };
        assert!(lotse.export_bundle(&cm, Box::new(FolderSink::new(tempfile::tempdir().unwrap().path()).unwrap())).await.is_err());
    }
}

/// The same data exported from SQLite and from PostgreSQL gives the same files
/// (rows sorted by bytes on both, not by a locale).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_export_the_same_bytes() {
    if !lotse_testkit::backend_enabled("postgres") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    lotse_bundle::generate::generate(tmp.path(), 500, 3).unwrap();
    let mut exports = vec![];
    for db in [lotse_testkit::TestDb::sqlite().await, lotse_testkit::TestDb::postgres().await] {
        let a = tenant(&db.lotse, "gleich").await;
        assert!(import(&db.lotse, &a, tmp.path()).await.written);
        exports.push((export_dir(&db.lotse, &a).await, db));
    }
    same_dirs(exports[0].0.path(), exports[1].0.path());
}
