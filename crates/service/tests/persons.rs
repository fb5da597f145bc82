//! Persons (issue 4): name search, residence history and reminders,
//! contact data and households, merging duplicates, and target-group rules,
//! on both backends.

use chrono::{Duration, NaiveDate, Utc};
use lotse_bundle::source::Bundle;
use lotse_domain::person::{ResidenceStatus, WorkPermission};
use lotse_domain::{Actor, DomainError, EntityId, Login, Role, TenantId};
use lotse_service::Lotse;
use lotse_service::persons::{EligibilityQuery, MergeInput, PersonInput, PersonQuery};
use lotse_service::residence::{ReminderQuery, ResidenceInput};
use lotse_testkit::sea_orm::EntityTrait;

fn actor(tenant: &str, role: Role, provider: Option<&str>) -> Actor {
    Actor {
        tenant: TenantId::parse(tenant).unwrap(),
        user_id: format!("u-{role}"),
        login: Login::parse("tester").unwrap(),
        role,
        provider: provider.map(|p| EntityId::parse(p).unwrap()),
        break_glass: None,
        address: None,
        via_token: false,
        staff_id: None,
    }
}

fn id(s: &str) -> EntityId {
    EntityId::parse(s).unwrap()
}

fn input(id: &str, provider: &str, given: &str, family: &str) -> PersonInput {
    let mut p = lotse_testkit::fixture::person_input(provider, family);
    p.id = Some(EntityId::parse(id).unwrap());
    p.given_name = Some(given.into());
    p
}

/// The ids a search finds, in order, and the total.
async fn find(lotse: &Lotse, a: &Actor, q: &str, limit: Option<u64>, offset: Option<u64>) -> (Vec<String>, u64) {
    let page = lotse.persons(a, PersonQuery { q: Some(q.into()), limit, offset, sort: None }).await.unwrap();
    (page.items.into_iter().map(|p| p.id).collect(), page.total)
}

async fn ids(lotse: &Lotse, a: &Actor, q: &str) -> Vec<String> {
    find(lotse, a, q, None, None).await.0
}

/// Persons at p1 with the spellings of the issue, one Müller at p2.
async fn register(lotse: &Lotse, tenant: &str) {
    let sys = Actor::system(TenantId::parse(tenant).unwrap());
    for (pid, provider, given, family) in [
        ("m1", "p1", "Lea", "Müller"),
        ("m2", "p1", "Lea", "Mueller"),
        ("m3", "p1", "Lea", "Muller"),
        ("h1", "p1", "Mohammed", "Karimi"),
        ("h2", "p1", "Muhammad", "Karimi"),
        ("h3", "p1", "Mohamad", "Karimi"),
        ("h4", "p1", "Mohamed", "Karimi"),
        ("a1", "p1", "Sara", "Ahmad"),
        ("a2", "p1", "Sara", "Ahmed"),
        ("s1", "p1", "Jan", "Schmidt"),
        ("x1", "p2", "Lea", "Müller"),
    ] {
        lotse.create_person(&sys, input(pid, provider, given, family)).await.unwrap();
    }
}

lotse_testkit::both_backends! {
    async fn search_finds_spellings_sounds_and_typos_ranked(db) {
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        register(lotse, "t1").await;
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        // exact > normalised > phonetic; the other provider's Müller (x1) never.
        assert_eq!(find(lotse, &cm, "Müller", None, None).await, (vec!["m1".into(), "m2".into(), "m3".into()], 3));
        assert_eq!(ids(lotse, &cm, "Mueller").await, ["m2", "m1", "m3"]);
        assert_eq!(ids(lotse, &cm, "muller").await, ["m3", "m1", "m2"]);
        assert_eq!(ids(lotse, &cm, "MÜLLER").await, ["m1", "m2", "m3"], "case does not count");
        // One typo: two letters swapped. Muller is two edits away and sounds different.
        assert_eq!(ids(lotse, &cm, "Mülelr").await, ["m1", "m2"]);
        assert_eq!(ids(lotse, &cm, "Mohammed").await, ["h1", "h2", "h3", "h4"]);
        assert_eq!(ids(lotse, &cm, "Muhammad").await, ["h2", "h1", "h3", "h4"]);
        assert_eq!(ids(lotse, &cm, "Mohamad").await, ["h3", "h1", "h2", "h4"]);
        assert_eq!(ids(lotse, &cm, "Ahmad").await, ["a1", "a2"]);
        assert_eq!(ids(lotse, &cm, "Ahmed").await, ["a2", "a1"]);
        assert_eq!(ids(lotse, &cm, "Schmdit").await, ["s1"], "typo");
        assert!(ids(lotse, &cm, "Schxidx").await.is_empty(), "two typos");
        // Every word must match a name; the better match of both words first.
        assert_eq!(ids(lotse, &cm, "Müller Lea").await, ["m1", "m2", "m3"]);
        assert_eq!(ids(lotse, &cm, "Lea Mueller").await, ["m2", "m1", "m3"]);
        assert!(ids(lotse, &cm, "Schmidt Lea").await.is_empty());
        assert!(ids(lotse, &cm, " - ").await.is_empty());
        // The other provider's case manager sees only theirs.
        let cm2 = actor("t1", Role::CaseManager, Some("p2"));
        assert_eq!(find(lotse, &cm2, "Mueller", None, None).await, (vec!["x1".into()], 1));
        assert!(ids(lotse, &cm2, "Mohammed").await.is_empty());
        // A head with a reason sees every provider's.
        let mut head = actor("t1", Role::Head, None);
        head.break_glass = Some("Prüfung".into());
        assert_eq!(ids(lotse, &head, "Müller").await, ["m1", "x1", "m2", "m3"]);
    }

    async fn search_pages_with_a_total(db) {
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        register(lotse, "t1").await;
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        assert_eq!(find(lotse, &cm, "Karimi", Some(2), None).await, (vec!["h1".into(), "h2".into()], 4));
        assert_eq!(find(lotse, &cm, "Karimi", Some(2), Some(2)).await, (vec!["h3".into(), "h4".into()], 4));
        assert_eq!(find(lotse, &cm, "Karimi", Some(2), Some(3)).await, (vec!["h4".into()], 4));
        assert_eq!(find(lotse, &cm, "Karimi", Some(2), Some(10)).await, (vec![], 4));
        // Without a search text: the list as before (by family name), fixture person included.
        let all = lotse.persons(&cm, PersonQuery::default()).await.unwrap();
        assert_eq!(all.total, 11);
    }

    async fn search_keys_follow_changes_deletion_and_import(db) {
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        register(lotse, "t1").await;
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        lotse.update_person(&cm, &id("m3"), input("m3", "p1", "Lea", "Schmitz")).await.unwrap();
        assert_eq!(ids(lotse, &cm, "Muller").await, ["m1", "m2"]);
        assert_eq!(ids(lotse, &cm, "Schmitz").await, ["m3"]);
        lotse.delete_person(&cm, &id("m2")).await.unwrap();
        assert_eq!(ids(lotse, &cm, "Mueller").await, ["m1"]);
        // Moved to the other provider: out of this case manager's search.
        let sys = Actor::system(TenantId::parse("t1").unwrap());
        lotse.update_person(&sys, &id("s1"), input("s1", "p2", "Jan", "Schmidt")).await.unwrap();
        assert!(ids(lotse, &cm, "Schmidt").await.is_empty());
        // The import writes the keys of new persons and of renamed ones.
        let persons = "person_id,provider_id,given_name,family_name,gender\n\
                       i1,p1,Büşra,Yılmaz,female\n\
                       a1,p1,Sara,Özdemir,female\n";
        let r = lotse
            .import_bundle(&sys, &Bundle::from_memory("t", vec![("persons.csv".into(), persons.into())]), None)
            .await
            .unwrap();
        assert!(r.written, "{r:?}");
        assert_eq!(ids(lotse, &cm, "Yilmaz Busra").await, ["i1"]);
        assert_eq!(ids(lotse, &cm, "Ahmad").await, ["a2"], "a1 is now Özdemir");
        assert_eq!(ids(lotse, &cm, "Oezdemir").await, ["a1"]);
    }

    async fn typo_vocabulary_follows_names_and_forgets_what_no_one_has(db) {
        use lotse_testkit::sea_orm::{ColumnTrait, QueryFilter};
        use lotse_db::entity::name_variant;
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        register(lotse, "t1").await;
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        let conn = &db.lotse.db;
        let tokens = |token: &'static str| async move {
            name_variant::Entity::find()
                .filter(name_variant::Column::TenantId.eq("t1"))
                .filter(name_variant::Column::Token.eq(token))
                .all(conn)
                .await
                .unwrap()
                .len()
        };
        // "schmidt" is filed under itself and its seven deletions.
        assert_eq!(tokens("schmidt").await, 8);
        assert_eq!(ids(lotse, &cm, "Schmiddt").await, ["s1"], "a letter too many");
        assert_eq!(ids(lotse, &cm, "Shmidt").await, ["s1"], "a letter missing");
        // Renamed: the old name leaves the vocabulary, the new one enters it.
        lotse.update_person(&cm, &id("s1"), input("s1", "p1", "Jan", "Wójcik")).await.unwrap();
        assert_eq!(tokens("schmidt").await, 0, "no one is called Schmidt any more");
        assert_eq!(tokens("wojcik").await, 7);
        assert_eq!(ids(lotse, &cm, "Wojcjk").await, ["s1"], "a letter replaced");
        // Two persons share "karimi": deleting one keeps it, deleting all forgets it.
        for (n, pid) in ["h1", "h2", "h3", "h4"].into_iter().enumerate() {
            assert!(tokens("karimi").await > 0, "after {n} deletions");
            lotse.delete_person(&cm, &id(pid)).await.unwrap();
        }
        assert_eq!(tokens("karimi").await, 0);
        // Merged away: the duplicate's name goes unless the kept person has it.
        lotse.merge_persons(&cm, &id("a1"), MergeInput { duplicate: id("a2") }).await.unwrap();
        assert_eq!(tokens("ahmed").await, 0);
        assert!(tokens("ahmad").await > 0);
        // A database from before the vocabulary: it is filled when opened.
        db.sql("DELETE FROM name_variants").await.unwrap();
        assert!(ids(lotse, &cm, "Mülelr").await.is_empty(), "without a vocabulary no typos");
        let reopened = Lotse::open(&db.url).await.unwrap();
        assert_eq!(ids(&reopened, &cm, "Mülelr").await, ["m1", "m2"]);
        assert_eq!(ids(&reopened, &cm, "Wojcjk").await, ["s1"]);
    }

    async fn reads_recorded_by_group_commit_are_all_in_the_trail(db) {
        use lotse_testkit::sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
        use lotse_db::entity::audit_entry;
        let lotse = db.lotse.clone().with_read_log();
        lotse_testkit::fixture::tenant(&lotse, "t1").await;
        register(&lotse, "t1").await;
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        let reads = || async {
            audit_entry::Entity::find()
                .filter(audit_entry::Column::TenantId.eq("t1"))
                .filter(audit_entry::Column::Action.eq("read"))
                .filter(audit_entry::Column::Entity.eq("person"))
                .count(&lotse.db)
                .await
                .unwrap()
        };
        let before = reads().await;
        // Forty readers at once: every read is in the trail when its answer comes.
        let ids = ["m1", "m2", "m3", "h1", "h2", "h3", "h4", "a1", "a2", "s1"];
        let mut readers = tokio::task::JoinSet::new();
        for i in 0..40 {
            let (lotse, cm) = (lotse.clone(), cm.clone());
            readers.spawn(async move { lotse.person(&cm, &id(ids[i % ids.len()])).await.map(|p| p.id) });
        }
        let all = readers.join_all().await;
        assert!(all.iter().all(Result::is_ok), "{all:?}");
        assert_eq!(reads().await, before + 40);
        // A person of another provider is still refused, and nothing is recorded.
        assert!(matches!(lotse.person(&cm, &id("x1")).await, Err(DomainError::NotFound { .. })));
        assert_eq!(reads().await, before + 40);
    }

    async fn reads_together_are_committed_when_the_work_ends_and_not_before(db) {
        use lotse_testkit::sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
        use lotse_db::entity::audit_entry;
        // Without and with the read log of a running server.
        for (tenant, lotse) in [("t1", db.lotse.clone()), ("t2", db.lotse.clone().with_read_log())] {
            lotse_testkit::fixture::tenant(&lotse, tenant).await;
            register(&lotse, tenant).await;
            let cm = actor(tenant, Role::CaseManager, Some("p1"));
            let reads = || async {
                audit_entry::Entity::find()
                    .filter(audit_entry::Column::TenantId.eq(tenant))
                    .filter(audit_entry::Column::Action.eq("read"))
                    .count(&lotse.db)
                    .await
                    .unwrap()
            };
            let before = reads().await;
            // A page of three parts: while it is built, nothing is in the
            // trail; when it ends, all three are.
            let (inside, recorded) = lotse
                .reads_together(async {
                    let (m1, m2) = (id("m1"), id("m2"));
                    let (a, b, h) = tokio::join!(
                        lotse.person(&cm, &m1),
                        lotse.person(&cm, &m2),
                        lotse.residence_history(&cm, &m1),
                    );
                    assert!(a.is_ok() && b.is_ok() && h.is_ok());
                    // A task of its own does not hold its read back.
                    let (l2, cm2) = (lotse.clone(), cm.clone());
                    tokio::spawn(async move { l2.person(&cm2, &id("m3")).await.unwrap() }).await.unwrap();
                    reads().await
                })
                .await;
            recorded.unwrap();
            assert_eq!(inside, before + 1, "only the spawned task's read is in the trail before the end");
            assert_eq!(reads().await, before + 4);
            // Work that reads nothing commits nothing.
            let ((), recorded) = lotse.reads_together(async {}).await;
            recorded.unwrap();
            assert_eq!(reads().await, before + 4);
            // Reads that cannot be recorded: the work's output must not be
            // shown, and the caller learns it.
            db.sql("ALTER TABLE audit_log RENAME TO audit_log_away").await.unwrap();
            let (person, recorded) = lotse.reads_together(lotse.person(&cm, &id("m1"))).await;
            db.sql("ALTER TABLE audit_log_away RENAME TO audit_log").await.unwrap();
            assert!(person.is_ok(), "the read itself worked");
            assert!(recorded.is_err(), "but it was not recorded, and the caller is told");
            assert_eq!(reads().await, before + 4);
        }
    }

    async fn residence_history_sets_the_current_status_and_reminds_before_expiry(db) {
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        register(lotse, "t1").await;
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        let today = Utc::now().date_naive();
        let entry = |status, from: i64, until: Option<i64>, work| ResidenceInput {
            status,
            valid_from: today + Duration::days(from),
            valid_until: until.map(|u| today + Duration::days(u)),
            work_permission: work,
            note: Some("Verlängerung beantragt".into()),
        };
        use ResidenceStatus::*;
        use WorkPermission::*;
        lotse.add_residence_status(&cm, &id("m1"), entry(Gestattung, -300, Some(-100), No)).await.unwrap();
        lotse.add_residence_status(&cm, &id("m1"), entry(Duldung, -99, Some(10), Restricted)).await.unwrap();
        // An older entry recorded later does not change the current status.
        lotse.add_residence_status(&cm, &id("m1"), entry(Permit, -500, Some(-301), Yes)).await.unwrap();
        let history = lotse.residence_history(&cm, &id("m1")).await.unwrap();
        let statuses: Vec<_> = history.iter().map(|h| h.entry.status).collect();
        assert_eq!(statuses, [Duldung, Gestattung, Permit], "newest first");
        assert_eq!(lotse.person(&cm, &id("m1")).await.unwrap().attributes.residence_status, Some(Duldung));
        lotse.add_residence_status(&cm, &id("m2"), entry(Permit, -10, Some(365), Yes)).await.unwrap();
        assert_eq!(lotse.person(&cm, &id("m2")).await.unwrap().attributes.residence_status, Some(Permit));
        // The end before the start: refused, nothing written.
        let e = lotse.add_residence_status(&cm, &id("m2"), entry(Duldung, 0, Some(-1), No)).await.unwrap_err();
        assert!(matches!(&e, DomainError::Invalid { field, .. } if field == "valid_until"), "{e:?}");
        assert_eq!(lotse.residence_history(&cm, &id("m2")).await.unwrap().len(), 1);
        // Reminders: m1 ends in 10 days, m3 in 40, h1 ended yesterday without
        // a newer entry, h2's old Duldung ending in 5 days was followed by a
        // permit; x1 (other provider) ends in 3 days.
        lotse.add_residence_status(&cm, &id("m3"), entry(Duldung, -50, Some(40), Restricted)).await.unwrap();
        lotse.add_residence_status(&cm, &id("h1"), entry(Duldung, -90, Some(-1), No)).await.unwrap();
        lotse.add_residence_status(&cm, &id("h2"), entry(Duldung, -90, Some(5), No)).await.unwrap();
        lotse.add_residence_status(&cm, &id("h2"), entry(Permit, 0, Some(700), Yes)).await.unwrap();
        let cm2 = actor("t1", Role::CaseManager, Some("p2"));
        lotse.add_residence_status(&cm2, &id("x1"), entry(Gestattung, -30, Some(3), No)).await.unwrap();
        let due = |r: Vec<lotse_service::residence::ResidenceReminder>| {
            r.into_iter().map(|r| (r.person_id, r.days_left)).collect::<Vec<_>>()
        };
        let r = lotse.residence_reminders(&cm, ReminderQuery::default()).await.unwrap();
        assert_eq!(due(r), [("h1".to_string(), -1), ("m1".to_string(), 10)]);
        let r = lotse.residence_reminders(&cm, ReminderQuery { within_days: Some(40) }).await.unwrap();
        assert_eq!(due(r), [("h1".to_string(), -1), ("m1".to_string(), 10), ("m3".to_string(), 40)]);
        let r = lotse.residence_reminders(&cm2, ReminderQuery::default()).await.unwrap();
        assert_eq!(due(r), [("x1".to_string(), 3)]);
        assert!(lotse.residence_reminders(&cm, ReminderQuery { within_days: Some(400) }).await.is_err());
        let co = actor("t1", Role::Coordinator, None);
        assert!(matches!(lotse.residence_reminders(&co, ReminderQuery::default()).await, Err(DomainError::Forbidden { .. })));
        // Another provider's person: not found.
        assert!(matches!(lotse.residence_history(&cm, &id("x1")).await, Err(DomainError::NotFound { .. })));
    }

    async fn contact_data_and_households(db) {
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        register(lotse, "t1").await;
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        let mut p = input("m1", "p1", "Lea", "Müller");
        p.phone = Some("+49 2151 86-0".into());
        p.email = Some("lea.mueller@example.org".into());
        p.address_line1 = Some("Von-der-Leyen-Platz 1".into());
        p.postal_code = Some("47798".into());
        p.household_id = Some("hh1".into());
        let saved = lotse.update_person(&cm, &id("m1"), p.clone()).await.unwrap();
        assert_eq!(saved.attributes.email.as_deref(), Some("lea.mueller@example.org"));
        let read = lotse.person(&cm, &id("m1")).await.unwrap();
        assert_eq!(read.attributes.phone.as_deref(), Some("+49 2151 86-0"));
        assert_eq!(read.attributes.postal_code.as_deref(), Some("47798"));
        for (field, bad) in [("email", "lea@"), ("phone", "Lea anrufen"), ("postal_code", "47798;")] {
            let mut q = p.clone();
            match field {
                "email" => q.email = Some(bad.into()),
                "phone" => q.phone = Some(bad.into()),
                _ => q.postal_code = Some(bad.into()),
            }
            let e = lotse.update_person(&cm, &id("m1"), q).await.unwrap_err();
            assert!(matches!(&e, DomainError::Invalid { field: f, .. } if f == field), "{field}: {e:?}");
        }
        // Households: m2 lives with m1; x1 too, but at the other provider.
        let sys = Actor::system(TenantId::parse("t1").unwrap());
        for (pid, provider, family) in [("m2", "p1", "Mueller"), ("x1", "p2", "Müller")] {
            let mut q = input(pid, provider, "Lea", family);
            q.household_id = Some("hh1".into());
            lotse.update_person(&sys, &id(pid), q).await.unwrap();
        }
        let ids = |v: Vec<lotse_service::persons::Person>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
        assert_eq!(ids(lotse.household(&cm, &id("m2")).await.unwrap()), ["m1", "m2"]);
        assert_eq!(ids(lotse.household(&sys, &id("m2")).await.unwrap()), ["m1", "m2", "x1"]);
        assert_eq!(ids(lotse.household(&cm, &id("m3")).await.unwrap()), ["m3"], "no household: the person alone");
    }

    async fn merging_keeps_one_identity_and_the_duplicates_id_as_alias(db) {
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        register(lotse, "t1").await;
        let sys = Actor::system(TenantId::parse("t1").unwrap());
        let bundle = Bundle::from_memory(
            "t",
            vec![
                ("offers.csv".into(), "offer_id,name,provider_id,delivery\no1,Kurs,p1,group\n".into()),
                (
                    "participations.csv".into(),
                    "participation_id,person_id,offer_id,entry_date\npa1,m2,o1,2024-01-01\npa2,m1,o1,2024-02-01\n".into(),
                ),
                ("consents.csv".into(), "consent_id,person_id,scope,given_date\nc1,m2,follow_up_contact,2024-01-01\n".into()),
            ],
        );
        assert!(lotse.import_bundle(&sys, &bundle, None).await.unwrap().written);
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        lotse
            .add_residence_status(&cm, &id("m2"), ResidenceInput {
                status: ResidenceStatus::Duldung,
                valid_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                valid_until: None,
                work_permission: WorkPermission::No,
                note: None,
            })
            .await
            .unwrap();
        // Not with oneself, not with another provider's person.
        let e = lotse.merge_persons(&cm, &id("m1"), MergeInput { duplicate: id("m1") }).await.unwrap_err();
        assert!(matches!(e, DomainError::Invalid { .. }), "{e:?}");
        let e = lotse.merge_persons(&cm, &id("m1"), MergeInput { duplicate: id("x1") }).await.unwrap_err();
        assert!(matches!(e, DomainError::NotFound { .. }), "{e:?}");
        let kept = lotse.merge_persons(&cm, &id("m1"), MergeInput { duplicate: id("m2") }).await.unwrap();
        assert_eq!(kept.id, "m1");
        use lotse_db::entity::{consent, participation, person, person_key};
        let part = participation::Entity::find_by_id(("t1".to_string(), "pa1".to_string())).one(&lotse.db).await.unwrap().unwrap();
        assert_eq!(part.person_id, "m1");
        let c = consent::Entity::find_by_id(("t1".to_string(), "c1".to_string())).one(&lotse.db).await.unwrap().unwrap();
        assert_eq!(c.person_id, "m1");
        assert!(person::Entity::find_by_id(("t1".to_string(), "m2".to_string())).one(&lotse.db).await.unwrap().is_none());
        // The duplicate's key is gone (its values in the audit trail are erased).
        assert!(person_key::Entity::find_by_id(("t1".to_string(), "m2".to_string())).one(&lotse.db).await.unwrap().is_none());
        assert!(person_key::Entity::find_by_id(("t1".to_string(), "m1".to_string())).one(&lotse.db).await.unwrap().is_some());
        assert_eq!(lotse.residence_history(&cm, &id("m1")).await.unwrap().len(), 1, "the history moved");
        // The duplicate's id finds the kept person; the search no longer finds the duplicate.
        assert_eq!(lotse.person(&cm, &id("m2")).await.unwrap().id, "m1");
        assert_eq!(ids(lotse, &cm, "Mueller").await, ["m1", "m3"]);
        // Merged again: the first alias follows.
        lotse.merge_persons(&cm, &id("m3"), MergeInput { duplicate: id("m1") }).await.unwrap();
        assert_eq!(lotse.person(&cm, &id("m2")).await.unwrap().id, "m3");
        assert_eq!(lotse.person(&cm, &id("m1")).await.unwrap().id, "m3");
        let part = participation::Entity::find_by_id(("t1".to_string(), "pa2".to_string())).one(&lotse.db).await.unwrap().unwrap();
        assert_eq!(part.person_id, "m3");
        // An alias cannot be given to a new person.
        let e = lotse.create_person(&cm, input("m2", "p1", "Neu", "Person")).await.unwrap_err();
        assert!(matches!(&e, DomainError::Invalid { field, .. } if field == "id"), "{e:?}");
        // The import follows aliases in references, and refuses to bring a duplicate back.
        let again = Bundle::from_memory(
            "t",
            vec![("participations.csv".into(), "participation_id,person_id,offer_id,entry_date\npa3,m2,o1,2024-03-01\n".into())],
        );
        assert!(lotse.import_bundle(&sys, &again, None).await.unwrap().written);
        let part = participation::Entity::find_by_id(("t1".to_string(), "pa3".to_string())).one(&lotse.db).await.unwrap().unwrap();
        assert_eq!(part.person_id, "m3");
        let back = Bundle::from_memory("t", vec![("persons.csv".into(), "person_id,provider_id,gender\nm2,p1,female\n".into())]);
        let r = lotse.import_bundle(&sys, &back, None).await.unwrap();
        assert!(!r.written);
        assert!(r.errors[0].en.contains("merged into the person \"m3\""), "{:?}", r.errors);
        // The audit trail verifies after shredding.
        let report = lotse.verify_audit(&sys).await.unwrap();
        assert!(report.ok, "{report:?}");
    }

    async fn target_group_rules_are_checked_when_saved_and_judged_per_person(db) {
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        let sys = Actor::system(TenantId::parse("t1").unwrap());
        // The seeds' two rules (Leverkusen's Durchstarten, Groß-Gerau's KEP).
        let programs = "program_id,name,target_group\n\
            durchstarten,Durchstarten,\"age >= 18 && age <= 27 && residence_status in [\"\"duldung\"\", \"\"gestattung\"\"]\"\n\
            kep,KEP,\"age >= 23 && age <= 34 && migration_background == \"\"yes\"\" && sgb2_months_24 >= 21 && municipality in [\"\"Rüsselsheim\"\", \"\"Raunheim\"\", \"\"Kelsterbach\"\", \"\"Ginsheim-Gustavsburg\"\", \"\"Bischofsheim\"\"]\"\n";
        let r = lotse.import_bundle(&sys, &Bundle::from_memory("t", vec![("programs.csv".into(), programs.into())]), None).await.unwrap();
        assert!(r.written, "{r:?}");
        // A broken rule: refused with the column and the position, nothing written.
        let bad = "program_id,name,target_group\nneu,Neu,\"age >= 18 && wohnort == \"\"Raunheim\"\"\"\n";
        let r = lotse.import_bundle(&sys, &Bundle::from_memory("t", vec![("programs.csv".into(), bad.into())]), None).await.unwrap();
        assert!(!r.written);
        let pr = &r.errors[0];
        assert_eq!((pr.file.as_str(), pr.line, pr.column.as_str()), ("programs.csv", 2, "target_group"));
        assert!(pr.en.contains("character 14") && pr.en.contains("wohnort"), "{pr:?}");
        // The records API goes through the same rules.
        let co = actor("t1", Role::Coordinator, None);
        let rec = serde_json::json!({"program_id": "neu", "name": "Neu", "target_group": "age >= && 3"});
        let e = lotse.save_record(&co, "programs", rec.as_object().unwrap().clone()).await.unwrap_err();
        assert!(e.message(lotse_domain::Lang::De).contains("Zeichen 7"), "{e:?}");
        // Per person, at the boundaries, on 2023-06-30.
        let on = NaiveDate::from_ymd_opt(2023, 6, 30).unwrap();
        let mut n = 0;
        let mut check = async |program: &str, birth: &str, f: &dyn Fn(&mut PersonInput)| -> Vec<String> {
            n += 1;
            let mut p = input(&format!("e{n}"), "p1", "Test", "Person");
            p.birth_date = Some(birth.parse().unwrap());
            p.migration_background = Some(lotse_domain::person::YesNo::Yes);
            p.sgb2_months_24 = Some(21);
            p.municipality = Some("Rüsselsheim".into());
            f(&mut p);
            lotse.create_person(&sys, p).await.unwrap();
            let cm = actor("t1", Role::CaseManager, Some("p1"));
            let q = EligibilityQuery { program: program.into(), date: Some(on) };
            let e = lotse.person_eligibility(&cm, &id(&format!("e{n}")), q).await.unwrap();
            assert_eq!(e.eligible, e.failing.is_empty());
            e.failing
        };
        let same = |_: &mut PersonInput| {};
        let none: Vec<String> = vec![];
        // Durchstarten: 18–27, Duldung or Gestattung (the fixture person has a Duldung).
        assert_eq!(check("durchstarten", "2005-07-01", &same).await, ["age >= 18"], "17");
        assert_eq!(check("durchstarten", "2005-06-30", &same).await, none, "18 that day");
        assert_eq!(check("durchstarten", "1995-07-01", &same).await, none, "27");
        assert_eq!(check("durchstarten", "1995-06-30", &same).await, ["age <= 27"], "28 that day");
        let permit = |p: &mut PersonInput| p.residence_status = Some(ResidenceStatus::Permit);
        assert_eq!(check("durchstarten", "2000-01-01", &permit).await, [r#"residence_status in ["duldung", "gestattung"]"#]);
        let gestattung = |p: &mut PersonInput| p.residence_status = Some(ResidenceStatus::Gestattung);
        assert_eq!(check("durchstarten", "2000-01-01", &gestattung).await, none);
        // Groß-Gerau: 23–34, migration background, 21 of 24 months SGB II, five towns.
        assert_eq!(check("kep", "2000-07-01", &same).await, ["age >= 23"], "22");
        assert_eq!(check("kep", "2000-06-30", &same).await, none, "23 that day");
        assert_eq!(check("kep", "1988-07-01", &same).await, none, "34");
        assert_eq!(check("kep", "1988-06-30", &same).await, ["age <= 34"], "35 that day");
        let months20 = |p: &mut PersonInput| p.sgb2_months_24 = Some(20);
        assert_eq!(check("kep", "1990-01-01", &months20).await, ["sgb2_months_24 >= 21"]);
        let months21 = |p: &mut PersonInput| p.sgb2_months_24 = Some(21);
        assert_eq!(check("kep", "1990-01-01", &months21).await, none);
        let town = |p: &mut PersonInput| p.municipality = Some("Darmstadt".into());
        let failing = check("kep", "1990-01-01", &town).await;
        assert_eq!(failing.len(), 1);
        assert!(failing[0].starts_with("municipality in"), "{failing:?}");
        let raunheim = |p: &mut PersonInput| p.municipality = Some("Raunheim".into());
        assert_eq!(check("kep", "1990-01-01", &raunheim).await, none);
        let unknown = |p: &mut PersonInput| p.sgb2_months_24 = None;
        assert_eq!(check("kep", "1990-01-01", &unknown).await, ["sgb2_months_24 >= 21"], "unknown is not met");
        // Another provider's person is not found; an unknown programme neither.
        let cm2 = actor("t1", Role::CaseManager, Some("p2"));
        let q = EligibilityQuery { program: "kep".into(), date: Some(on) };
        assert!(matches!(lotse.person_eligibility(&cm2, &id("e1"), q).await, Err(DomainError::NotFound { .. })));
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        let q = EligibilityQuery { program: "keins".into(), date: Some(on) };
        assert!(matches!(lotse.person_eligibility(&cm, &id("e1"), q).await, Err(DomainError::NotFound { .. })));
    }
}

lotse_testkit::both_backends! {
    async fn a_search_over_thousands_of_namesakes_is_bounded_and_best_first(db) {
        use lotse_service::persons::SEARCH_CAP;
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        let sys = Actor::system(TenantId::parse("t1").unwrap());
        // 2,100 Anna Müller, 2,100 Lena Müller, one Zoe Müller, one Anna Mueller: both
        // "Anna" and "Müller" match more key rows than an exact match is driven by.
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("person_id,provider_id,given_name,family_name,birth_date,gender\n");
        for i in 0..2100 {
            csv.push_str(&format!("a{i},p1,Anna,Müller,1990-01-01,female\nl{i},p1,Lena,Müller,1991-01-01,female\n"));
        }
        csv.push_str("z1,p1,Zoe,Müller,1992-01-01,female\nm1,p1,Anna,Mueller,1993-01-01,female\n");
        std::fs::write(dir.path().join("persons.csv"), csv).unwrap();
        lotse.import_bundle(&sys, &Bundle::open(dir.path()).unwrap(), None).await.unwrap();
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        let search = |q: &'static str, offset: u64| {
            lotse.persons(&cm, PersonQuery { q: Some(q.into()), limit: Some(50), offset: Some(offset), sort: None })
        };
        let family = |p: &lotse_service::persons::Person| p.attributes.family_name.clone().unwrap_or_default();

        // One common word: the best-ranked SEARCH_CAP matches, and "at least".
        let page = search("Müller", 0).await.unwrap();
        assert_eq!((page.total, page.total_capped, page.items.len()), (SEARCH_CAP, true, 50));
        assert!(page.items.iter().all(|p| family(p) == "Müller"), "exact matches first");
        let last = search("Müller", SEARCH_CAP - 50).await.unwrap();
        assert_eq!(last.items.len(), 50);
        assert!(last.items.iter().all(|p| family(p) == "Müller"), "still exact matches: the rank was cut, not mixed");
        assert!(search("Müller", SEARCH_CAP).await.unwrap().items.is_empty(), "no page beyond the cap");

        // Two common words: every match, counted exactly, the other spelling last.
        let page = search("Anna Müller", 0).await.unwrap();
        assert_eq!((page.total, page.total_capped), (2101, false));
        let last = search("Anna Müller", 2100).await.unwrap();
        assert_eq!(last.items.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["m1"], "Mueller after the Müllers");
        let lena = search("Lena Mueller", 0).await.unwrap();
        assert_eq!((lena.total, lena.total_capped), (2100, false));

        // A rare word drives the match: exact, the common word probed per person.
        let zoe = search("Müller Zoe", 0).await.unwrap();
        assert_eq!(zoe.items.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["z1"]);
        assert_eq!((zoe.total, zoe.total_capped), (1, false));
        let nobody = search("Zoe Schmidt", 0).await.unwrap();
        assert_eq!((nobody.total, nobody.items.len()), (0, 0));
    }
}

lotse_testkit::both_backends! {
    async fn a_search_of_several_words_by_a_pair_finds_what_every_word_finds(db) {
        use lotse_db::entity::person_search;
        use lotse_db::migration::{Migrator, MigratorTrait};
        use lotse_testkit::sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        let sys = Actor::system(TenantId::parse("t1").unwrap());
        // Spellings, sounds, typos, three-word names, two names of one sound.
        let mut csv = String::from("person_id,provider_id,given_name,family_name,birth_date,gender\n");
        let given = ["Anna", "Anne", "Ana Maria", "Hanna", "Mohammed", "Muhammad", "Lena", "Maria Marie", "Elif"];
        let family =
            ["Müller", "Mueller", "Miller", "Möller", "Al-Hassan", "Hassan", "Yılmaz", "Müller-Lüdenscheidt", "Mahler"];
        let mut n = 0;
        for (i, g) in given.iter().enumerate() {
            for (j, f) in family.iter().enumerate() {
                if (i + j) % 4 != 3 {
                    n += 1;
                    let provider = if n % 3 == 0 { "p2" } else { "p1" };
                    csv.push_str(&format!("x{n},{provider},{g},{f},1990-01-01,female\n"));
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("persons.csv"), csv).unwrap();
        lotse.import_bundle(&sys, &Bundle::open(dir.path()).unwrap(), None).await.unwrap();
        let mut head = actor("t1", Role::Head, None);
        head.break_glass = Some("Prüfung".into());
        let cm = actor("t1", Role::CaseManager, Some("p1"));
        let queries = [
            "Anna Müller", "Mueller Anna", "Anan Müller", "Mohamad Hassan", "Al Mohammed", "Hassan Al Muhammad",
            "Lena Lüdenscheidt", "Yilmaz Elif", "Maria Müller", "Marie Mahler", "Hanna Miller", "Maria Marie",
            "Müller Mueller", "Elif Schmidt",
        ];
        let ranked = |a: &'static Actor, q: &'static str| async move {
            let page = lotse.persons(a, PersonQuery { q: Some(q.into()), limit: Some(500), offset: None, sort: None });
            let page = page.await.unwrap();
            (page.items.into_iter().map(|p| p.id).collect::<Vec<_>>(), page.total)
        };
        // Sorted by id, a search matches word by word (decision 46), not by
        // pairs: both must find the same persons.
        let by_id = |a: &'static Actor, q: &'static str| async move {
            let page =
                lotse.persons(a, PersonQuery { q: Some(q.into()), limit: Some(500), offset: None, sort: Some("id".into()) });
            let mut found: Vec<String> = page.await.unwrap().items.into_iter().map(|p| p.id).collect();
            found.sort();
            found
        };
        let head: &'static Actor = Box::leak(Box::new(head));
        let cm: &'static Actor = Box::leak(Box::new(cm));
        let mut matched = 0;
        for a in [head, cm] {
            for q in queries {
                let (found, total) = ranked(a, q).await;
                assert_eq!(total as usize, found.len(), "{q}");
                let mut set = found.clone();
                set.sort();
                assert_eq!(set, by_id(a, q).await, "{q}: by pairs and word by word");
                matched += found.len();
            }
        }
        assert!(matched > 100, "the queries find people ({matched})");
        // Best match first: the exact "Anna Müller"s, then "Anna Mueller"s.
        let (found, _) = ranked(head, "Anna Müller").await;
        let names = |ids: &[String]| {
            let ids = ids.to_vec();
            async move {
                let mut out = Vec::new();
                for i in &ids {
                    let p = lotse.person(head, &id(i)).await.unwrap();
                    out.push(format!("{} {}", p.attributes.given_name.unwrap(), p.attributes.family_name.unwrap()));
                }
                out
            }
        };
        assert_eq!(names(&found[..2]).await, ["Anna Müller", "Anna Mueller"]);
        assert_eq!(find(lotse, head, "Anna Müller", Some(1), Some(1)).await.0, found[1..2].to_vec(), "pages");
        for q in ["Anna Müller", "Mohamad Hassan", "Hanna Miller"] {
            let (all, total) = ranked(head, q).await;
            let mut walked = Vec::new();
            for offset in (0..total + 7).step_by(7) {
                let (part, t) = find(lotse, head, q, Some(7), Some(offset)).await;
                assert_eq!(t, total, "{q} at {offset}");
                walked.extend(part);
            }
            assert_eq!(walked, all, "{q}: page by page as in one");
        }

        // Pairs are what finds them: without the pair keys nobody is found;
        // the migration that writes them for persons stored before writes
        // exactly the keys the import wrote.
        let pairs = || async {
            person_search::Entity::find()
                .filter(person_search::Column::Key.starts_with("q:"))
                .order_by_asc(person_search::Column::PersonId)
                .order_by_asc(person_search::Column::Key)
                .all(&lotse.db)
                .await
                .unwrap()
        };
        let written = pairs().await;
        assert!(written.len() > n, "{} pair keys for {n} persons", written.len());
        db.sql("DELETE FROM person_search WHERE \"key\" LIKE 'q:%'").await.unwrap();
        assert!(pairs().await.is_empty());
        assert!(ranked(head, "Anna Müller").await.0.is_empty(), "found by pairs only");
        // Back before m0012 (and m0013, which came after it), and up again.
        Migrator::down(&lotse.db, Some(2)).await.unwrap();
        Migrator::up(&lotse.db, None).await.unwrap();
        assert_eq!(pairs().await, written);
        assert_eq!(ranked(head, "Anna Müller").await.0, found);

        // Names too long for the pairs' index: a marker instead of pairs,
        // and searches over that person's provider do without pairs.
        let long = format!("Anna {}", "語".repeat(400));
        let csv = format!("person_id,provider_id,given_name,family_name,birth_date,gender
lang,p1,{long},Müller,1990-01-01,female
");
        let r = lotse.import_bundle(&sys, &Bundle::from_memory("t", vec![("persons.csv".into(), csv)]), None).await.unwrap();
        assert!(r.written, "{r:?}");
        let marked = person_search::Entity::find().filter(person_search::Column::Key.eq("q:-")).all(&lotse.db).await.unwrap();
        assert_eq!(marked.iter().map(|k| k.person_id.as_str()).collect::<Vec<_>>(), ["lang"]);
        let (found_now, total) = ranked(head, "Anna Müller").await;
        assert!(found_now.contains(&"lang".to_string()) && total as usize == found.len() + 1, "{total}");
        let mut set = found_now.clone();
        set.sort();
        assert_eq!(set, by_id(head, "Anna Müller").await);
    }
}

lotse_testkit::both_backends! {
    async fn search_keys_stay_one_row_per_person_and_key_without_a_primary_key(db) {
        use lotse_db::entity::person_search;
        use lotse_db::migration::{Migrator, MigratorTrait};
        use lotse_testkit::sea_orm::{ConnectionTrait, Statement};
        let lotse = &db.lotse;
        lotse_testkit::fixture::tenant(lotse, "t1").await;
        let sys = &Actor::system(TenantId::parse("t1").unwrap());
        let load = |csv: &'static str| async move {
            let bundle = Bundle::from_memory("t", vec![("persons.csv".into(), csv.into())]);
            let r = lotse.import_bundle(sys, &bundle, None).await.unwrap();
            assert!(r.written, "{:?}", r.errors);
        };
        let rows = || async {
            let mut all: Vec<(String, String, String, String, Option<String>)> = person_search::Entity::find()
                .all(&lotse.db)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.tenant_id, r.key, r.person_id, r.provider_id, r.names))
                .collect();
            all.sort();
            all
        };
        load("person_id,provider_id,given_name,family_name,birth_date,gender
a1,p1,Anna,Müller,1990-01-01,female
a2,p2,Mohammed,Al-Hassan,1985-05-05,male
").await;
        let before = rows().await;
        assert!(before.len() >= 10, "{before:?}");
        assert!(before.iter().any(|r| r.1 == "e:müller" && r.2 == "a1"), "{before:?}");

        // The unique index refuses a second row for a person and key.
        let twice = db
            .sql("INSERT INTO person_search (tenant_id, person_id, \"key\", provider_id) VALUES ('t1', 'a1', 'e:anna', 'p1')")
            .await;
        assert!(twice.is_err(), "{twice:?}");
        // It is the table's only key: no primary key.
        let backend = lotse.db.get_database_backend();
        let sql = match backend {
            lotse_testkit::sea_orm::DbBackend::Postgres => {
                "SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'person_search'::regclass AND contype = 'p'"
            }
            _ => "SELECT COUNT(*) FROM pragma_table_info('person_search') WHERE pk > 0",
        };
        let primary_keys = || async {
            let row = lotse.db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        };
        assert_eq!(primary_keys().await, 0);

        // A person's rows all carry the person's provider, also after the
        // import moves them, so the index admits one row per person and key.
        load("person_id,provider_id,given_name,family_name,birth_date,gender
a1,p2,Anna,Müller,1990-01-01,female
a2,p2,Mohammed,Al-Hassan,1985-05-05,male
").await;
        let moved = rows().await;
        assert_eq!(moved.len(), before.len());
        let of = |rows: &[(String, String, String, String, Option<String>)], p: &str| {
            rows.iter().filter(|r| r.2 == p).map(|r| r.3.clone()).collect::<Vec<_>>()
        };
        assert!(of(&moved, "a1").len() >= 4 && of(&moved, "a1").iter().all(|p| p == "p2"), "{moved:?}");
        assert!(of(&before, "a1").iter().all(|p| p == "p1"), "{before:?}");
        for (a, b) in before.iter().zip(&moved) {
            assert_eq!((&a.0, &a.1, &a.2, &a.4), (&b.0, &b.1, &b.2, &b.4));
        }

        // The migration builds the table anew with every row, both ways
        // (down: the primary key back), and the search finds by the rebuilt
        // index.
        Migrator::down(&lotse.db, Some(1)).await.unwrap();
        assert_eq!(rows().await, moved);
        assert!(primary_keys().await > 0, "primary key back");
        Migrator::up(&lotse.db, None).await.unwrap();
        assert_eq!(rows().await, moved);
        assert_eq!(primary_keys().await, 0);
        let mut head = actor("t1", Role::Head, None);
        head.break_glass = Some("Prüfung".into());
        assert_eq!(find(lotse, &head, "Anna Mueller", None, None).await, (vec!["a1".to_string()], 1));
        assert_eq!(find(lotse, &head, "Mohamad Hassan", None, None).await, (vec!["a2".to_string()], 1));
        // The key to the person survived the rebuilds: deleting a person
        // deletes their keys (cascade).
        db.sql("DELETE FROM persons WHERE id = 'a2'").await.unwrap();
        let left = rows().await;
        assert!(of(&left, "a2").is_empty() && of(&left, "a1") == of(&moved, "a1"), "{left:?}");
        assert_eq!(left.len(), moved.len() - of(&moved, "a2").len());
    }
}
