//! The bundle's files for case management, persons and rights
//! (docs/bundle.md, "Lotse's additional files"): a tenant with data in every
//! one of them, made through the service, round-trips (export → import into
//! an empty tenant → export is identical, and the cases read the same);
//! importing twice changes nothing; bad rows in every new file are all
//! reported at once and nothing is written — on SQLite and PostgreSQL.

use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use lotse_bundle::source::Bundle;
use lotse_bundle::spec::FileSpec;
use lotse_bundle::write::FolderSink;
use lotse_domain::{Actor, EntityId, Login, Role, TenantId};
use lotse_service::Lotse;
use lotse_service::caseload::DeputyInput;
use lotse_service::consents::ConsentInput;
use lotse_service::handover::HandoverInput;
use lotse_service::import::ImportReport;
use lotse_service::inquiries::{Answer, NewInquiry};
use lotse_service::persons::{MergeInput, PersonInput};
use lotse_service::retention::RetentionRule;
use lotse_service::users::NewUser;
use serde_json::json;

fn id(s: &str) -> EntityId {
    EntityId::parse(s).unwrap()
}

fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

/// `days` ago (case records may not lie in the future).
fn ago(days: i64) -> NaiveDate {
    Utc::now().date_naive() - Duration::days(days)
}

/// The accounts of a tenant, by login: they are not in the bundle, so the
/// target tenant of a round trip gets them first (as an operator would).
const ACCOUNTS: [(&str, Role, Option<&str>); 4] = [
    ("cm1", Role::CaseManager, Some("p1")),
    ("cm2", Role::CaseManager, Some("p1")),
    ("cm3", Role::CaseManager, Some("p2")),
    ("koordination", Role::Coordinator, None),
];

/// Creates tenant `t`.
async fn tenant(lotse: &Lotse, t: &str) -> Actor {
    let tid = TenantId::parse(t).unwrap();
    lotse.create_tenant(&tid, t).await.unwrap();
    Actor::system(tid)
}

/// Creates [`ACCOUNTS`] in tenant `t` (its providers exist); returns their actors in that order.
async fn accounts(lotse: &Lotse, t: &str) -> Vec<Actor> {
    let tid = TenantId::parse(t).unwrap();
    let sys = Actor::system(tid.clone());
    let mut actors = vec![];
    for (login, role, provider) in ACCOUNTS {
        let new = NewUser {
            login: Login::parse(login).unwrap(),
            display_name: None,
            role,
            provider_id: provider.map(id),
            password: "test-passwort".into(),
            staff_id: None,
        };
        let u = lotse.create_user(&sys, new).await.unwrap();
        actors.push(Actor {
            tenant: tid.clone(),
            user_id: u.id,
            login: Login::parse(login).unwrap(),
            role,
            provider: provider.map(id),
            break_glass: None,
            address: None,
            via_token: false,
            staff_id: None,
        });
    }
    actors
}

fn file(name: &str, body: &str) -> (String, String) {
    (name.to_owned(), body.to_owned())
}

/// A document with every byte value (and more than a workbook cell holds in base64).
fn document() -> Vec<u8> {
    (0..40_000u32).map(|i| (i * 7 % 256) as u8).collect()
}

/// Tenant `quelle` with data in every file of case management, persons and
/// rights, made through the service as users would.
async fn source(lotse: &Lotse) -> Vec<Actor> {
    let sys = tenant(lotse, "quelle").await;
    let base = vec![
        file("providers.csv", "provider_id,name,kind\np1,Träger Eins,welfare\np2,Träger Zwei,education\n"),
        file("districts.csv", "district_id,name,parent_id,area_km2\nnord,Nord,,\n"),
        file("programs.csv", "program_id,name,funder\nprog,Programm,ESF Plus\n"),
        file("modules.csv", "module_id,program_id,name\nm1,prog,Coaching\n"),
        file(
            "offers.csv",
            "offer_id,name,provider_id,module_id,delivery,capacity\n\
             einzel,Teilhabemanagement,p1,m1,individual,\n\
             klein,Coaching klein,p1,m1,individual,1\n\
             einzel2,Beratung Zwei,p2,m1,individual,\n\
             gruppe,Elterncafé,p1,,group,\n",
        ),
        file(
            "staff.csv",
            "staff_id,provider_id,name,role,fte\ns1,p1,Frau Yilmaz,case_manager,1\ns2,p2,Herr Ahrens,case_manager,1\n",
        ),
    ];
    let r = lotse.import_bundle(&sys, &Bundle::from_memory("base", base), None).await.unwrap();
    assert!(r.written, "{:?}", r.errors);
    let actors = accounts(lotse, "quelle").await;
    let (cm1, cm2, cm3, co) = (&actors[0], &actors[1], &actors[2], &actors[3]);
    let person = |pid: &str, family: &str, extra: serde_json::Value| {
        let mut v = json!({
            "id": pid, "provider_id": "p1", "given_name": "Amina", "family_name": family,
            "birth_date": "2001-04-17", "gender": "female", "nationality": "SY", "residence_status": "duldung"
        });
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        from::<PersonInput>(v)
    };
    lotse
        .create_person(
            cm1,
            person(
                "q1",
                "Haddad",
                json!({"phone": "+49 2151 12345", "email": "amina@example.org", "address_line1": "Ostwall 1", "postal_code": "47798"}),
            ),
        )
        .await
        .unwrap();
    for (pid, family) in [("q2", "Nazari"), ("q3", "Tesfay"), ("q5", "Kovalenko"), ("q5dup", "Kowalenko")] {
        lotse.create_person(cm1, person(pid, family, json!({}))).await.unwrap();
    }

    // A case through every phase.
    let open = |person: &str, offer: &str, entry: NaiveDate, waiting: bool| {
        from::<lotse_service::cases::OpenCase>(json!({
            "person_id": person, "offer_id": offer, "staff_id": "s1", "entry_date": entry, "waiting_list": waiting
        }))
    };
    let phase = |p: &str, date: NaiveDate| from::<lotse_service::cases::PhaseInput>(json!({"phase": p, "date": date}));
    let case = lotse.open_case(cm1, open("q1", "einzel", ago(200), false)).await.unwrap().case.unwrap();
    let c = id(&case.summary.id);
    lotse
        .record_intake(cm1, &c, from(json!({"date": ago(199), "way_in": "jobcenter", "indicated": true, "note": "Erstgespräch\nmit Dolmetscherin"})))
        .await
        .unwrap();
    lotse.move_phase(cm1, &c, phase("assessment", ago(190))).await.unwrap();
    let ratings = json!({"date": ago(189), "note": "erste Einschätzung", "ratings": [
        {"domain": "language", "rating": 2, "note": "A2"}, {"domain": "housing", "rating": 4}]});
    lotse.record_assessment(cm1, &c, from(ratings)).await.unwrap();
    lotse.move_phase(cm1, &c, phase("planning", ago(180))).await.unwrap();
    let goal = lotse
        .add_goal(
            cm1,
            &c,
            from(json!({"title": "Ausbildungsplatz finden", "description": "Pflege oder Handwerk", "steps": [
            {"title": "Bewerbungsmappe", "owner": "Amina", "due_date": ago(100)}, {"title": "Berufsberatung"}]})),
        )
        .await
        .unwrap();
    lotse.set_step_status(cm1, &c, &id(&goal.steps[0].id), from(json!({"status": "done"}))).await.unwrap();
    lotse.move_phase(cm1, &c, phase("implementation", ago(170))).await.unwrap();
    lotse
        .add_referral(
            cm1,
            &c,
            from(json!({"offer_id": "einzel2", "date": ago(160), "status": "accepted", "note": "Sprachförderung"})),
        )
        .await
        .unwrap();
    lotse.add_referral(cm1, &c, from(json!({"agency": "Schuldnerberatung", "date": ago(159)}))).await.unwrap();
    lotse
        .add_contact(
            cm1,
            &c,
            from(
                json!({"type": "home_visit", "date": ago(150), "minutes": 90, "note": "Hausbesuch, \"gute\" Stimmung"}),
            ),
        )
        .await
        .unwrap();
    lotse
        .add_conference(
            cm1,
            &c,
            from(json!({"date": ago(140), "participants": "Jobcenter, Schule", "outcome": "Praktikum suchen"})),
        )
        .await
        .unwrap();
    lotse
        .upload_document(cm1, &c, "Vereinbarung, unterschrieben.pdf", Some("application/pdf"), document())
        .await
        .unwrap();
    lotse.move_phase(cm1, &c, phase("monitoring", ago(120))).await.unwrap();
    lotse.move_phase(cm1, &c, phase("implementation", ago(110))).await.unwrap();
    lotse.move_phase(cm1, &c, phase("monitoring", ago(110))).await.unwrap();
    let close = json!({"exit_date": ago(30), "exit_reason": "completed", "outcome": "apprenticeship", "note": "Ausbildung begonnen"});
    lotse.close_case(cm1, &c, from(close)).await.unwrap();

    // The waiting list of a full offer; an outreach contact.
    lotse.open_case(cm1, open("q2", "klein", ago(60), false)).await.unwrap();
    let waiting = lotse.open_case(cm1, open("q3", "klein", ago(50), true)).await.unwrap();
    assert!(waiting.waiting.is_some());
    lotse
        .record_outreach(cm1, from(json!({"date": ago(20), "place": "Jugendtreff", "district_id": "nord", "people": 4, "topic": "housing"})))
        .await
        .unwrap();

    // Consent, and a handover with it (it closes q2's case at p1).
    let consent = ConsentInput {
        scope: lotse_domain::consent::ConsentScope::ShareWithProvider,
        provider_id: Some("p2".into()),
        program_id: None,
        given_date: ago(40),
    };
    lotse.record_consent(cm1, &id("q2"), consent).await.unwrap();
    let h = lotse
        .request_handover(cm1, &id("q2"), HandoverInput { to_provider: "p2".into(), note: Some("Umzug".into()) })
        .await
        .unwrap();
    lotse.accept_handover(cm3, &id(&h.id)).await.unwrap();

    // A deputy, residence history, a merge, retention rules, an archived offer.
    let deputy =
        DeputyInput { absent_user_id: None, deputy_user_id: cm2.user_id.clone(), from: ago(5), until: ago(-10) };
    lotse.create_deputy(cm1, deputy).await.unwrap();
    for (status, from_day, until_day, work) in
        [("gestattung", 700, Some(301), "no"), ("duldung", 300, None, "restricted")]
    {
        let input = json!({"status": status, "valid_from": ago(from_day), "valid_until": until_day.map(ago), "work_permission": work, "note": "laut Bescheid"});
        lotse.add_residence_status(cm1, &id("q1"), from(input)).await.unwrap();
    }
    lotse.merge_persons(cm1, &id("q5"), MergeInput { duplicate: id("q5dup") }).await.unwrap();
    let rules = vec![
        RetentionRule { kind: "after_case_closed".into(), years: 10, program_id: None },
        RetentionRule { kind: "esf".into(), years: 12, program_id: Some("prog".into()) },
    ];
    lotse.set_retention_rules(&sys, rules).await.unwrap();
    lotse.archive_record(co, "offers", &id("gruppe"), true).await.unwrap();

    // A published report, and a council inquiry whose answer cites it.
    let params = lotse_service::reports::ReportParams { year: Some(ago(0).year().to_string()), ..Default::default() };
    let published = lotse.publish_report(co, "key-figures", &params, Some("Sachstand".into())).await.unwrap();
    let inquiry = NewInquiry {
        received_on: ago(3),
        faction: "Fraktion Beispiel".into(),
        title: "Teilhabe im Quartier".into(),
        addressee: Some("z.d.A.: Rat".into()),
        questions: vec!["Wie viele Personen werden begleitet?".into(), "Mit welchem Ergebnis?".into()],
    };
    let inquiry = lotse.create_inquiry(co, inquiry).await.unwrap();
    let answer =
        Answer { answer: Some("Siehe Sachstand.\n\nZweiter Absatz.".into()), publications: vec![published.id] };
    lotse.answer_question(co, &inquiry.id, 1, answer).await.unwrap();
    actors
}

async fn import_dir(lotse: &Lotse, actor: &Actor, dir: &Path) -> ImportReport {
    lotse.import_bundle(actor, &Bundle::open(dir).unwrap(), None).await.unwrap()
}

async fn export_dir(lotse: &Lotse, actor: &Actor) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    lotse.export_bundle(actor, Box::new(FolderSink::new(dir.path()).unwrap())).await.unwrap();
    dir
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn same_dirs(a: &Path, b: &Path) {
    for f in lotse_bundle::spec::FILES {
        assert!(
            read(a, f.name) == read(b, f.name),
            "{} differs:\n{}\n---\n{}",
            f.name,
            read(a, f.name),
            read(b, f.name)
        );
    }
}

/// The files this work added, and whether the source tenant has rows in them.
const NEW_FILES: [&str; 21] = [
    "person_details.csv",
    "offer_details.csv",
    "residence_statuses.csv",
    "person_aliases.csv",
    "case_intakes.csv",
    "assessments.csv",
    "assessment_ratings.csv",
    "case_goals.csv",
    "case_steps.csv",
    "referrals.csv",
    "case_contacts.csv",
    "case_conferences.csv",
    "case_documents.csv",
    "follow_up_reminders.csv",
    "case_phases.csv",
    "waiting_list.csv",
    "outreach_contacts.csv",
    "handovers.csv",
    "published_reports.csv",
    "inquiries.csv",
    "inquiry_questions.csv",
];

lotse_testkit::both_backends! {
    async fn case_management_persons_and_rights_round_trip(db) {
        let lotse = &db.lotse;
        let src = source(lotse).await;
        let sys = Actor::system(TenantId::parse("quelle").unwrap());
        let first = export_dir(lotse, &sys).await;
        for f in NEW_FILES.iter().chain(&["deputies.csv", "retention_rules.csv"]) {
            assert!(read(first.path(), f).lines().count() > 1, "{f} has rows:\n{}", read(first.path(), f));
        }
        // Accounts by login, documents in base64, moments in UTC.
        let deputies = read(first.path(), "deputies.csv");
        assert!(deputies.lines().nth(1).unwrap().contains(",cm1,cm2,"), "{deputies}");
        let docs = read(first.path(), "case_documents.csv");
        assert!(docs.contains("\"Vereinbarung, unterschrieben.pdf\",application/pdf,40000,"), "{docs}");
        let handovers = read(first.path(), "handovers.csv");
        assert!(handovers.contains(",accepted,") && handovers.contains("Z,cm3,"), "{handovers}");
        assert!(read(first.path(), "person_details.csv").contains("q1,+49 2151 12345,amina@example.org,Ostwall 1,,47798,"));
        assert!(read(first.path(), "person_aliases.csv").contains("q5dup,q5,"));
        // The spec's files stay as the spec has them.
        assert!(read(first.path(), "persons.csv").starts_with("person_id,provider_id,given_name,family_name,birth_date,gender,nationality,residence_status,migration_background,district_id,municipality,household_id,single_parent,disability,education_isced,labour_status,sgb2_months_24,homeless\n"));

        // A workbook cell cannot hold the document: the xlsx export says so instead of cutting it.
        let tmp = tempfile::tempdir().unwrap();
        let xlsx = Box::new(lotse_bundle::write::XlsxSink::new(&tmp.path().join("b.xlsx")));
        let e = lotse.export_bundle(&sys, xlsx).await.unwrap_err();
        assert!(format!("{e:?}").contains("als Ordner oder .zip exportieren"), "{e:?}");

        // Importing its own export changes nothing (also stored nanoseconds on SQLite).
        let again = import_dir(lotse, &sys, first.path()).await;
        assert!(again.written, "{:?}", again.errors);
        for f in &again.files {
            assert_eq!((f.created, f.updated), (0, 0), "{}", f.file);
        }

        // A published report is frozen: a changed title is refused at its
        // line and column, and compared even after an error in another file.
        let changed = tempfile::tempdir().unwrap();
        for f in lotse_bundle::spec::FILES {
            std::fs::copy(first.path().join(f.name), changed.path().join(f.name)).unwrap();
        }
        let reports = read(first.path(), "published_reports.csv");
        let published = reports.lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
        std::fs::write(changed.path().join("published_reports.csv"), reports.replacen(",Sachstand,", ",Sachstand (neu),", 1)).unwrap();
        let handovers = read(first.path(), "handovers.csv");
        std::fs::write(changed.path().join("handovers.csv"), handovers.replacen(",accepted,", ",offen,", 1)).unwrap();
        let r = import_dir(lotse, &sys, changed.path()).await;
        let text = r.errors.iter().map(|e| e.render(false)).collect::<Vec<_>>().join("\n");
        assert!(!r.written && r.error_count == 2, "{text}");
        assert!(text.contains("handovers.csv:2:status: unbekannter Wert „offen“"), "{text}");
        assert!(text.contains(&format!("published_reports.csv:2:title: „{published}“ ist veröffentlicht und wird nicht mehr geändert (abweichend: title)")), "{text}");
        assert_eq!(lotse.publications(&src[3]).await.unwrap()[0].title.as_deref(), Some("Sachstand"));

        // Into an empty tenant, as an operator moves a tenant: accounts are
        // not in the bundle and need their providers, so first everything but
        // the deputies, then the accounts, then the whole bundle again.
        let csys = tenant(lotse, "kopie").await;
        let without = tempfile::tempdir().unwrap();
        for f in lotse_bundle::spec::FILES.iter().filter(|f| f.name != "deputies.csv") {
            std::fs::copy(first.path().join(f.name), without.path().join(f.name)).unwrap();
        }
        let r = import_dir(lotse, &csys, without.path()).await;
        assert!(r.written && r.error_count == 0, "{:?}", r.errors);
        let r = import_dir(lotse, &csys, first.path()).await;
        assert!(!r.written && r.errors[0].render(false).contains("ein Konto „cm1“ gibt es im Mandanten nicht"), "{:?}", r.errors);
        let copy = accounts(lotse, "kopie").await;
        let r = import_dir(lotse, &csys, first.path()).await;
        assert!(r.written && r.error_count == 0, "{:?}", r.errors);
        for f in &r.files {
            let created = if f.file == "deputies.csv" { 1 } else { 0 };
            assert_eq!((f.created, f.updated), (created, 0), "{}", f.file);
        }
        let second = export_dir(lotse, &csys).await;
        same_dirs(first.path(), second.path());
        // Twice: nothing changes.
        let r = import_dir(lotse, &csys, first.path()).await;
        for f in &r.files {
            assert_eq!((f.created, f.updated), (0, 0), "{}", f.file);
        }
        let case_of = |a: &Actor| {
            let a = a.clone();
            async move {
                let cases = lotse.cases(&a, from(json!({"person": "q1"}))).await.unwrap();
                let c = lotse.case(&a, &id(&cases.items[0].id)).await.unwrap();
                let doc = lotse.document(&a, &id(&c.summary.id), &id(&c.documents[0].id)).await.unwrap();
                (serde_json::to_value(&c).unwrap(), doc.content, c.summary.phase)
            }
        };
        let (a, doc_a, phase) = case_of(&src[0]).await;
        let (b, doc_b, _) = case_of(&copy[0]).await;
        assert_eq!(a, b);
        assert_eq!(phase, "closure");
        assert!(doc_a == document() && doc_b == document());
        // The publication opens in the copy (its hash checked), with the
        // same figures; the inquiry's answer still cites it.
        let (src_pub, copy_pub) = (lotse.publications(&src[3]).await.unwrap(), lotse.publications(&copy[3]).await.unwrap());
        assert_eq!(serde_json::to_value(&src_pub).unwrap(), serde_json::to_value(&copy_pub).unwrap());
        let opened = lotse.publication(&copy[3], &copy_pub[0].id).await.unwrap();
        assert_eq!(opened.report.to_stored(), lotse.publication(&src[3], &src_pub[0].id).await.unwrap().report.to_stored());
        let inquiries = lotse.inquiries(&copy[3]).await.unwrap();
        let inquiry = lotse.inquiry(&copy[3], &inquiries[0].id).await.unwrap();
        assert_eq!(inquiry.questions[0].publications, vec![copy_pub[0].id.clone()]);
        assert_eq!(inquiry.questions.len(), 2);
        // The merged id still leads to the kept person, the deputy works in the copy.
        assert_eq!(lotse.person(&copy[0], &id("q5dup")).await.unwrap().id, "q5");
        assert_eq!(lotse.deputies(&copy[0]).await.unwrap().len(), 1);
    }

    async fn errors_in_every_new_file_are_reported_at_once_and_nothing_is_written(db) {
        let lotse = &db.lotse;
        source(lotse).await;
        let sys = Actor::system(TenantId::parse("quelle").unwrap());
        let export = export_dir(lotse, &sys).await;
        let dir = export.path();
        // Rows appended to a file, its columns named (the others empty).
        let add = |name: &str, rows: &[&[(&str, &str)]]| {
            let spec = FileSpec::by_name(name).unwrap();
            let mut text = read(dir, name);
            for row in rows {
                let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(vec![]);
                w.write_record(spec.cols.iter().map(|c| row.iter().find(|(k, _)| *k == c.name).map_or("", |(_, v)| *v))).unwrap();
                text.push_str(&String::from_utf8(w.into_inner().unwrap()).unwrap());
            }
            std::fs::write(dir.join(name), &text).unwrap();
            // The last row's line as a spreadsheet counts (quoted line breaks do not count).
            csv::Reader::from_reader(text.as_bytes()).records().count() + 1
        };
        let case = read(dir, "case_intakes.csv").lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
        let open_case = read(dir, "participations.csv").lines().find(|l| l.contains(",klein,")).unwrap().split(',').next().unwrap().to_owned();
        let (case, open_case) = (case.as_str(), open_case.as_str());
        let today = ago(0).to_string();
        let future = ago(-3).to_string();
        let mut expected: Vec<String> = vec![];
        let mut expect = |file: &str, line: usize, col: &str, msg: &str| expected.push(format!("{file}:{line}:{col}: {msg}"));

        let n = add("person_details.csv", &[&[("person_id", "niemand"), ("email", "kein-at")], &[("person_id", "q2"), ("phone", "abc"), ("anonymised_at", "gestern")]]);
        expect("person_details.csv", n - 1, "person_id", "„niemand“ gibt es weder in persons.csv");
        expect("person_details.csv", n - 1, "email", "„kein-at“ ist keine E-Mail-Adresse");
        expect("person_details.csv", n, "phone", "„abc“ ist keine Telefonnummer");
        expect("person_details.csv", n, "anonymised_at", "ungültiger Zeitpunkt „gestern“");
        let n = add("offer_details.csv", &[&[("offer_id", "nirgends"), ("archived_at", "2025-01-01T10:00:00Z")]]);
        expect("offer_details.csv", n, "offer_id", "„nirgends“ gibt es weder in offers.csv");
        let n = add("residence_statuses.csv", &[
            &[("residence_id", "rs-x1"), ("person_id", "niemand"), ("status", "asyl"), ("valid_from", "2025-02-30"), ("work_permission", "no")],
            &[("residence_id", "rs-x2"), ("person_id", "q1"), ("status", "duldung"), ("valid_from", "2025-03-01"), ("valid_until", "2025-02-01"), ("work_permission", "no")],
        ]);
        expect("residence_statuses.csv", n - 1, "person_id", "„niemand“ gibt es weder in persons.csv");
        expect("residence_statuses.csv", n - 1, "status", "unbekannter Wert „asyl“");
        expect("residence_statuses.csv", n - 1, "valid_from", "ungültiges Datum „2025-02-30“");
        expect("residence_statuses.csv", n, "valid_until", "liegt vor dem Beginn");
        let n = add("person_aliases.csv", &[&[("alias_id", "q1"), ("person_id", "q3"), ("merged_at", "2025-01-01T00:00:00Z")], &[("alias_id", "alt9"), ("person_id", "niemand"), ("merged_at", "01.01.2025")]]);
        expect("person_aliases.csv", n - 1, "alias_id", "„q1“ ist eine Person");
        expect("person_aliases.csv", n, "person_id", "„niemand“ gibt es weder in persons.csv");
        expect("person_aliases.csv", n, "merged_at", "ungültiger Zeitpunkt „01.01.2025“");
        // A case record on a participation in a group offer.
        add("participations.csv", &[&[("participation_id", "grp1"), ("person_id", "q3"), ("offer_id", "gruppe"), ("entry_date", "2025-01-01")]]);
        let n = add("case_intakes.csv", &[
            &[("participation_id", "grp1"), ("date", "2025-01-02"), ("author", "cm1"), ("way_in", "school"), ("indicated", "yes")],
            &[("participation_id", "fehlt"), ("date", "2025-13-01"), ("author", "cm1"), ("way_in", "zufall"), ("indicated", "vielleicht")],
        ]);
        expect("case_intakes.csv", n - 1, "participation_id", "„grp1“ ist eine Teilnahme an einem Gruppenangebot");
        expect("case_intakes.csv", n, "participation_id", "„fehlt“ gibt es weder in participations.csv");
        expect("case_intakes.csv", n, "date", "ungültiges Datum „2025-13-01“");
        expect("case_intakes.csv", n, "way_in", "unbekannter Wert „zufall“");
        expect("case_intakes.csv", n, "indicated", "unbekannter Wert „vielleicht“");
        let n = add("assessments.csv", &[
            &[("assessment_id", "as-x1"), ("participation_id", case), ("date", &future), ("author", "cm1")],
            &[("assessment_id", "as-x2"), ("participation_id", case), ("date", "2000-01-01"), ("author", "cm1")],
            &[("assessment_id", "as-x3"), ("participation_id", case), ("date", &today), ("author", "cm1")],
        ]);
        expect("assessments.csv", n - 2, "date", &format!("{future} liegt in der Zukunft"));
        expect("assessments.csv", n - 1, "date", "2000-01-01 liegt vor dem Beginn des Falls");
        expect("assessments.csv", n, "assessment_id", "Einschätzung „as-x3“ ohne Bewertung eines Lebensbereichs");
        let assessment = read(dir, "assessments.csv").lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
        let n = add("assessment_ratings.csv", &[
            &[("assessment_id", "as-fehlt"), ("domain", "health"), ("rating", "6")],
            &[("assessment_id", &assessment), ("domain", "mut"), ("rating", "3")],
        ]);
        expect("assessment_ratings.csv", n - 1, "assessment_id", "„as-fehlt“ gibt es weder in assessments.csv");
        expect("assessment_ratings.csv", n - 1, "rating", "6 liegt außerhalb des zulässigen Bereichs 1–5");
        expect("assessment_ratings.csv", n, "domain", "unbekannter Wert „mut“");
        let n = add("case_goals.csv", &[&[("goal_id", "g-x1"), ("participation_id", case), ("date", "31.02.2025"), ("author", "cm1"), ("title", "Ziel"), ("status", "offen")]]);
        expect("case_goals.csv", n, "date", "ungültiges Datum „31.02.2025“");
        expect("case_goals.csv", n, "status", "unbekannter Wert „offen“");
        let n = add("case_steps.csv", &[&[("step_id", "st-x1"), ("goal_id", "g-fehlt"), ("title", "Schritt"), ("due_date", "morgen"), ("status", "erledigt")]]);
        expect("case_steps.csv", n, "goal_id", "„g-fehlt“ gibt es weder in case_goals.csv");
        expect("case_steps.csv", n, "due_date", "ungültiges Datum „morgen“");
        expect("case_steps.csv", n, "status", "unbekannter Wert „erledigt“");
        let n = add("referrals.csv", &[
            &[("referral_id", "ref-x1"), ("participation_id", case), ("date", "2025-99-01"), ("author", "cm1"), ("offer_id", "nirgends"), ("status", "vielleicht")],
            &[("referral_id", "ref-x2"), ("participation_id", case), ("date", &today), ("author", "cm1"), ("status", "proposed")],
        ]);
        expect("referrals.csv", n - 1, "offer_id", "„nirgends“ gibt es weder in offers.csv");
        expect("referrals.csv", n - 1, "date", "ungültiges Datum");
        expect("referrals.csv", n - 1, "status", "unbekannter Wert „vielleicht“");
        expect("referrals.csv", n, "offer_id", "Bitte ein Angebot");
        let n = add("case_contacts.csv", &[&[("contact_id", "ct-x1"), ("participation_id", "fehlt"), ("date", "heute"), ("author", "cm1"), ("kind", "brief"), ("minutes", "0")]]);
        expect("case_contacts.csv", n, "participation_id", "„fehlt“ gibt es weder");
        expect("case_contacts.csv", n, "date", "ungültiges Datum „heute“");
        expect("case_contacts.csv", n, "kind", "unbekannter Wert „brief“");
        expect("case_contacts.csv", n, "minutes", "0 liegt außerhalb des zulässigen Bereichs 1–1440");
        let n = add("case_conferences.csv", &[&[("conference_id", "cf-x1"), ("participation_id", case), ("date", "2025-02-29"), ("author", "cm1"), ("participants", "Schule")]]);
        expect("case_conferences.csv", n, "date", "ungültiges Datum „2025-02-29“");
        expect("case_conferences.csv", n, "outcome", "Pflichtwert fehlt");
        let n = add("case_documents.csv", &[&[("document_id", "doc-x1"), ("participation_id", "fehlt"), ("date", "gestern"), ("author", "cm1"), ("file_name", "a.txt"), ("content_type", "text/plain"), ("size", "3"), ("content_base64", "###")]]);
        expect("case_documents.csv", n, "participation_id", "„fehlt“ gibt es weder");
        expect("case_documents.csv", n, "date", "ungültiges Datum „gestern“");
        expect("case_documents.csv", n, "content_base64", "kein gültiges Base64");
        let n = add("case_documents.csv", &[&[("document_id", "doc-x2"), ("participation_id", case), ("date", &today), ("author", "cm1"), ("file_name", "a.txt"), ("content_type", "text/plain"), ("size", "5"), ("content_base64", "YWJj")]]);
        expect("case_documents.csv", n, "size", "5 Bytes angegeben, der Inhalt hat 3");
        let n = add("follow_up_reminders.csv", &[&[("participation_id", open_case), ("due_date", "2025-06-31"), ("done", "ja")]]);
        expect("follow_up_reminders.csv", n, "due_date", "ungültiges Datum „2025-06-31“");
        expect("follow_up_reminders.csv", n, "done", "unbekannter Wert „ja“");
        let n = add("case_phases.csv", &[
            &[("phase_id", "ph-x1"), ("participation_id", open_case), ("date", &today), ("author", "cm1"), ("phase", "closure")],
            &[("phase_id", "ph-x2"), ("participation_id", case), ("date", "2025-01-32"), ("author", "cm1"), ("phase", "abschluss")],
        ]);
        let closure = format!("Fall „{open_case}“, Phase „closure“: Für den Abschluss fehlt: Ergebnis bei Austritt.");
        expect("case_phases.csv", n - 1, "phase", &closure);
        expect("case_phases.csv", n, "date", "ungültiges Datum „2025-01-32“");
        expect("case_phases.csv", n, "phase", "unbekannter Wert „abschluss“");
        let n = add("waiting_list.csv", &[&[("entry_id", "wl-x1"), ("offer_id", "gruppe"), ("person_id", "niemand"), ("requested_date", "2025/01/01"), ("author", "cm1")]]);
        expect("waiting_list.csv", n, "offer_id", "„gruppe“ ist ein Gruppenangebot");
        expect("waiting_list.csv", n, "person_id", "„niemand“ gibt es weder in persons.csv");
        expect("waiting_list.csv", n, "requested_date", "ungültiges Datum „2025/01/01“");
        let n = add("outreach_contacts.csv", &[&[("contact_id", "oc-x1"), ("district_id", "west"), ("date", "32.01.2025"), ("place", "Park"), ("people", "0"), ("topic", "wetter"), ("author", "cm1")]]);
        expect("outreach_contacts.csv", n, "district_id", "„west“ gibt es weder in districts.csv");
        expect("outreach_contacts.csv", n, "date", "ungültiges Datum „32.01.2025“");
        expect("outreach_contacts.csv", n, "people", "0 liegt außerhalb des zulässigen Bereichs 1–10000");
        expect("outreach_contacts.csv", n, "topic", "unbekannter Wert „wetter“");
        let n = add("handovers.csv", &[
            &[("handover_id", "h-x1"), ("person_id", "q1"), ("from_provider", "p1"), ("to_provider", "p9"), ("requested_at", "2025-01-01"), ("requested_by", "cm1"), ("status", "offen")],
            &[("handover_id", "h-x2"), ("person_id", "q1"), ("from_provider", "p1"), ("to_provider", "p1"), ("requested_at", "2025-01-01T08:00:00+01:00"), ("requested_by", "cm1"), ("status", "accepted")],
        ]);
        expect("handovers.csv", n - 1, "to_provider", "„p9“ gibt es weder in providers.csv");
        expect("handovers.csv", n - 1, "requested_at", "ungültiger Zeitpunkt „2025-01-01“");
        expect("handovers.csv", n - 1, "status", "unbekannter Wert „offen“");
        expect("handovers.csv", n, "to_provider", "Übergabe an denselben Träger");
        expect("handovers.csv", n, "decided_at", "eine entschiedene Übergabe braucht decided_at und decided_by");
        let n = add("deputies.csv", &[
            &[("deputy_id", "d-x1"), ("absent_login", "unbekannt"), ("deputy_login", "cm2"), ("from_date", "2025-01-01"), ("until_date", "2025-01-40")],
            &[("deputy_id", "d-x2"), ("absent_login", "cm2"), ("deputy_login", "cm2"), ("from_date", "2025-02-01"), ("until_date", "2025-01-01")],
        ]);
        expect("deputies.csv", n - 1, "absent_login", "ein Konto „unbekannt“ gibt es im Mandanten nicht");
        expect("deputies.csv", n - 1, "until_date", "ungültiges Datum „2025-01-40“");
        expect("deputies.csv", n, "deputy_login", "Niemand kann sich selbst vertreten");
        expect("deputies.csv", n, "until_date", "liegt vor dem Beginn");
        // A new published report must be a stored report with its own hash.
        let content = csv::Reader::from_reader(read(dir, "published_reports.csv").as_bytes())
            .deserialize::<std::collections::HashMap<String, String>>()
            .next()
            .unwrap()
            .unwrap()["content"]
            .clone();
        let n = add("published_reports.csv", &[
            &[("report_id", "pub-x1"), ("report", "bilanz"), ("params", "[1]"), ("published_at", "2025-01-01T10:00:00Z"), ("published_by", "koordination"), ("content", "{}"), ("content_hash", "abc")],
            &[("report_id", "pub-x3"), ("report", "caseload"), ("params", "{}"), ("published_at", "2025-01-01T10:00:00Z"), ("published_by", "koordination"), ("content", &content), ("content_hash", &"0".repeat(64))],
            &[("report_id", "pub-x2"), ("report", "key-figures"), ("params", "{}"), ("published_at", "2025-01-01T10:00:00Z"), ("published_by", "koordination"), ("content", &content), ("content_hash", &"0".repeat(64))],
        ]);
        expect("published_reports.csv", n - 2, "report", "unbekannter Bericht „bilanz“");
        expect("published_reports.csv", n - 2, "params", "keine Parameter als JSON-Objekt");
        expect("published_reports.csv", n - 2, "content", "kein gespeicherter Bericht");
        expect("published_reports.csv", n - 1, "report", "„caseload“ wird nicht veröffentlicht");
        expect("published_reports.csv", n - 1, "content_hash", &format!("„{}“ ist nicht die SHA-256-Prüfsumme des Inhalts", "0".repeat(64)));
        expect("published_reports.csv", n, "content_hash", &format!("„{}“ ist nicht die SHA-256-Prüfsumme des Inhalts", "0".repeat(64)));
        let n = add("inquiries.csv", &[&[("inquiry_id", "inq-x1"), ("received_on", "2025-02-30"), ("title", "Frage"), ("created_by", "koordination")]]);
        expect("inquiries.csv", n, "received_on", "ungültiges Datum „2025-02-30“");
        expect("inquiries.csv", n, "faction", "Pflichtwert fehlt");
        let n = add("inquiry_questions.csv", &[
            &[("inquiry_id", "inq-fehlt"), ("number", "1"), ("question", "Warum?"), ("publications", "[]")],
            &[("inquiry_id", "inq-x1"), ("number", "0"), ("question", "Wann?"), ("publications", "[]")],
            &[("inquiry_id", "inq-x1"), ("number", "1"), ("question", "Wie?"), ("publications", "pub-x1")],
            &[("inquiry_id", "inq-x1"), ("number", "2"), ("question", "Wo?"), ("publications", "[\"pub-nirgends\"]")],
        ]);
        expect("inquiry_questions.csv", n - 3, "inquiry_id", "„inq-fehlt“ gibt es weder in inquiries.csv");
        expect("inquiry_questions.csv", n - 2, "number", "0 liegt außerhalb des zulässigen Bereichs 1–1000");
        expect("inquiry_questions.csv", n - 1, "publications", "„pub-x1“ ist keine Liste von Kennungen");
        expect("inquiry_questions.csv", n, "publications", "„pub-nirgends“ gibt es weder in published_reports.csv");
        let n = add("retention_rules.csv", &[&[("rule_id", "r9"), ("kind", "immer"), ("years", "0"), ("program_id", "nirgends")]]);
        expect("retention_rules.csv", n, "kind", "unbekannter Wert „immer“");
        expect("retention_rules.csv", n, "years", "0 liegt außerhalb des zulässigen Bereichs 1–100");
        expect("retention_rules.csv", n, "program_id", "„nirgends“ gibt es weder in programs.csv");

        // The target has the accounts (and so the providers they belong to).
        let target = tenant(lotse, "leer").await;
        let providers = vec![file("providers.csv", "provider_id,name,kind\np1,Träger Eins,welfare\np2,Träger Zwei,education\n")];
        assert!(lotse.import_bundle(&target, &Bundle::from_memory("p", providers), None).await.unwrap().written);
        accounts(lotse, "leer").await;
        let r = import_dir(lotse, &target, dir).await;
        assert!(!r.written);
        let text = r.errors.iter().map(|e| e.render(false)).collect::<Vec<_>>().join("\n");
        for e in &expected {
            assert!(text.contains(e.as_str()), "missing {e:?} in:\n{text}");
        }
        assert_eq!(r.error_count, expected.len(), "exactly the expected errors:\n{text}");
        // English too.
        assert!(r.errors.iter().any(|e| e.render(true).contains("nobody can be their own deputy")));
        // Nothing was written.
        let out = export_dir(lotse, &target).await;
        for f in ["persons.csv", "participations.csv", "case_phases.csv", "case_documents.csv", "handovers.csv"] {
            assert_eq!(read(out.path(), f).lines().count(), 1, "{f} stays empty");
        }
    }
}
