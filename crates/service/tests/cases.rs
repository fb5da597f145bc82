//! Case management (issue 4): a case through the phases of the cycle and
//! what each phase requires, capacity and the waiting list, assessments over
//! time, closure with its outcome and the six-month reminder, scope and the
//! audit trail — every test on SQLite and on PostgreSQL.

use chrono::NaiveDate;
use lotse_db::entity::{audit_entry, case_contact, follow_up_reminder, outcome, participation, waiting_list_entry};
use lotse_domain::{Actor, DomainError, EntityId, Lang, Login, Role, TenantId};
use lotse_service::Lotse;
use lotse_service::cases::{
    AssessmentInput, CloseInput, ContactInput, FollowUpInput, GoalInput, IntakeInput, OpenCase, PhaseInput,
    ReferralInput,
};
use lotse_service::persons::PersonInput;
use lotse_testkit::fixture;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

fn actor(tenant: &str, role: Role, provider: Option<&str>) -> Actor {
    Actor {
        tenant: TenantId::parse(tenant).unwrap(),
        user_id: format!("u-{role}"),
        login: Login::parse(&format!("{role}-login")).unwrap(),
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

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn de(e: impl std::borrow::Borrow<DomainError>) -> String {
    e.borrow().message(Lang::De)
}

fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

/// Tenant `t` of the fixture, plus: individual offer `einzel` of p1 with
/// `capacity` places, group offer `gruppe` of p1, individual offer `einzel2`
/// of p2, staff `s1` (p1) and `s2` (p2), and persons `q1`…`q4` at p1.
async fn setup(lotse: &Lotse, capacity: i64) -> fixture::Tenant {
    let t = fixture::tenant(lotse, "t").await;
    let sys = Actor::system(t.id.clone());
    let co = actor("t", Role::Coordinator, None);
    for (kind, rec) in [
        (
            "staff",
            json!({"staff_id": "s1", "provider_id": "p1", "name": "Frau Yilmaz", "role": "case_manager", "fte": 1.0}),
        ),
        (
            "staff",
            json!({"staff_id": "s2", "provider_id": "p2", "name": "Herr Ahrens", "role": "case_manager", "fte": 1.0}),
        ),
        (
            "offers",
            json!({"offer_id": "einzel", "name": "Teilhabemanagement", "provider_id": "p1", "delivery": "individual", "capacity": capacity}),
        ),
        ("offers", json!({"offer_id": "gruppe", "name": "Elterncafé", "provider_id": "p1", "delivery": "group"})),
        ("offers", json!({"offer_id": "einzel2", "name": "Coaching", "provider_id": "p2", "delivery": "individual"})),
    ] {
        lotse.save_record(&co, kind, rec.as_object().unwrap().clone()).await.unwrap();
    }
    for q in ["q1", "q2", "q3", "q4"] {
        lotse
            .create_person(&sys, PersonInput { id: Some(id(q)), ..fixture::person_input("p1", &format!("Person {q}")) })
            .await
            .unwrap();
    }
    t
}

fn open(person: &str, entry: NaiveDate) -> OpenCase {
    from(json!({"person_id": person, "offer_id": "einzel", "staff_id": "s1", "entry_date": entry}))
}

fn phase(p: &str, date: NaiveDate) -> PhaseInput {
    from(json!({"phase": p, "date": date}))
}

async fn open_case(lotse: &Lotse, a: &Actor, person: &str, entry: NaiveDate) -> EntityId {
    let opened = lotse.open_case(a, open(person, entry)).await.unwrap();
    id(&opened.case.expect("a case, not the waiting list").summary.id)
}

lotse_testkit::both_backends! {
    async fn an_account_works_as_a_staff_member_of_its_own_provider_only(db) {
        let lotse = &db.lotse;
        let t = setup(lotse, 5).await;
        let sys = Actor::system(t.id.clone());
        let page = lotse_service::page::PageRequest { limit: Some(500), offset: None };
        let before = lotse.users(&sys, page).await.unwrap().total;
        let new = |login: &str, staff: &str| lotse_service::users::NewUser {
            login: Login::parse(login).unwrap(),
            display_name: None,
            role: Role::CaseManager,
            provider_id: Some(id("p1")),
            password: "ein-langes-passwort".into(),
            staff_id: Some(staff.into()),
        };
        // s2 works for p2: refused, and no account is created.
        let e = lotse.create_user(&sys, new("fk-falsch", "s2")).await.unwrap_err();
        assert!(de(&e).contains("„s2“ ist keine Fachkraft des Trägers"), "{}", de(&e));
        let e = lotse.create_user(&sys, new("fk-falsch", "niemand")).await.unwrap_err();
        assert!(de(&e).contains("„niemand“"), "{}", de(&e));
        assert_eq!(lotse.users(&sys, page).await.unwrap().total, before);
        // s1 works for p1: the account is linked at once, and a session acts as s1.
        lotse.create_user(&sys, new("fk-eins", "s1")).await.unwrap();
        let s = lotse.login(&t.id, &Login::parse("fk-eins").unwrap(), "ein-langes-passwort", None).await.unwrap();
        assert_eq!(s.actor.staff_id.as_deref(), Some("s1"));
        let again = lotse.session(&s.cookie, None).await.unwrap();
        assert_eq!(again.actor.staff_id.as_deref(), Some("s1"));
    }

    async fn a_case_moves_through_the_cycle_and_each_phase_requires_its_data(db) {
        let lotse = &db.lotse;
        setup(lotse, 10).await;
        let cm = actor("t", Role::CaseManager, Some("p1"));
        let opened = lotse.open_case(&cm, open("q1", d(2026, 1, 5))).await.unwrap();
        let case = opened.case.unwrap();
        assert_eq!((case.summary.phase.as_str(), case.summary.phase_since), ("intake", Some(d(2026, 1, 5))));
        assert_eq!((case.summary.staff_id.as_deref(), case.offer_name.as_str()), (Some("s1"), "Teilhabemanagement"));
        let c = id(&case.summary.id);

        // Assessment requires the intake, and that case management is indicated.
        let e = lotse.move_phase(&cm, &c, phase("assessment", d(2026, 1, 12))).await.unwrap_err();
        assert!(de(e).contains("fehlt das Erstgespräch"));
        let intake: IntakeInput = from(json!({"way_in": "outreach", "indicated": false, "note": "Kontakt im Jugendtreff"}));
        lotse.record_intake(&cm, &c, intake).await.unwrap();
        let e = lotse.move_phase(&cm, &c, phase("assessment", d(2026, 1, 12))).await.unwrap_err();
        assert!(de(e).contains("nicht angezeigt"), "not indicated");
        let intake: IntakeInput = from(json!({"date": "2026-01-08", "way_in": "jobcenter", "indicated": true}));
        let after = lotse.record_intake(&cm, &c, intake).await.unwrap();
        let i = after.intake.unwrap();
        assert_eq!((i.way_in.as_str(), i.indicated, i.date, i.author.as_str()), ("jobcenter", true, d(2026, 1, 8), "case_manager-login"));
        // Phases are not skipped.
        let e = lotse.move_phase(&cm, &c, phase("planning", d(2026, 1, 12))).await.unwrap_err();
        assert!(de(&e).contains("nicht übersprungen"), "{}", de(&e));
        // An assessment is recorded from the assessment phase on.
        let ratings: AssessmentInput = from(json!({"date": "2026-01-20", "ratings": [{"domain": "language", "rating": 2}]}));
        let e = lotse.record_assessment(&cm, &c, ratings.clone()).await.unwrap_err();
        assert!(de(e).contains("ab der Phase"));
        lotse.move_phase(&cm, &c, phase("assessment", d(2026, 1, 12))).await.unwrap();

        // Planning requires an assessment.
        let e = lotse.move_phase(&cm, &c, phase("planning", d(2026, 1, 25))).await.unwrap_err();
        assert_eq!(de(e), "phase: Für die Hilfeplanung fehlt eine Einschätzung der Lebensbereiche (Assessment).");
        // Goals are agreed in planning, not before.
        let goal: GoalInput = from(json!({"title": "Ausbildungsplatz finden", "steps": [
            {"title": "Bewerbungsmappe erstellen", "owner": "Person", "due_date": "2026-03-01"},
            {"title": "Termin bei der Berufsberatung", "owner": "Fallmanagerin"}]}));
        let e = lotse.add_goal(&cm, &c, goal.clone()).await.unwrap_err();
        assert!(de(e).contains("Hilfeplanung"));
        lotse.record_assessment(&cm, &c, ratings).await.unwrap();
        lotse.move_phase(&cm, &c, phase("planning", d(2026, 1, 25))).await.unwrap();

        // Implementation requires a goal.
        let e = lotse.move_phase(&cm, &c, phase("implementation", d(2026, 2, 1))).await.unwrap_err();
        assert_eq!(de(e), "phase: Für die Umsetzung fehlt ein Ziel im Hilfeplan.");
        let g = lotse.add_goal(&cm, &c, goal).await.unwrap();
        assert_eq!(g.steps.len(), 2);
        assert_eq!((g.steps[0].status.as_str(), g.steps[0].due_date), ("open", Some(d(2026, 3, 1))));
        lotse.move_phase(&cm, &c, phase("implementation", d(2026, 2, 1))).await.unwrap();
        lotse.move_phase(&cm, &c, phase("monitoring", d(2026, 4, 1))).await.unwrap();
        // Monitoring may go back to implementation, planning may not follow it.
        let e = lotse.move_phase(&cm, &c, phase("planning", d(2026, 4, 2))).await.unwrap_err();
        assert!(de(&e).contains("nicht übersprungen"), "{}", de(&e));
        lotse.move_phase(&cm, &c, phase("implementation", d(2026, 4, 10))).await.unwrap();
        // A phase cannot begin before the current one did.
        let e = lotse.move_phase(&cm, &c, phase("monitoring", d(2026, 4, 9))).await.unwrap_err();
        assert!(de(e).starts_with("date: 2026-04-09 liegt vor dem Beginn der aktuellen Phase"));
        lotse.move_phase(&cm, &c, phase("monitoring", d(2026, 5, 1))).await.unwrap();

        // Closure requires exit date, exit reason and the outcome at exit — nothing is written without them.
        let e = lotse.move_phase(&cm, &c, phase("closure", d(2026, 6, 30))).await.unwrap_err();
        assert_eq!(de(e), "phase: Für den Abschluss fehlt: Austrittsdatum, Austrittsgrund, Ergebnis bei Austritt.");
        let partial: CloseInput = from(json!({"exit_date": "2026-06-30", "exit_reason": "completed"}));
        let e = lotse.close_case(&cm, &c, partial).await.unwrap_err();
        assert_eq!(de(e), "phase: Für den Abschluss fehlt: Ergebnis bei Austritt.");
        let p = participation::Entity::find_by_id(("t".to_owned(), c.to_string())).one(&lotse.db).await.unwrap().unwrap();
        assert_eq!((p.exit_date, p.exit_reason), (None, None));
        let bad: CloseInput = from(json!({"exit_date": "2025-12-31", "exit_reason": "completed", "outcome": "apprenticeship"}));
        assert!(de(lotse.close_case(&cm, &c, bad).await.unwrap_err()).starts_with("exit_date: 2025-12-31 liegt vor dem Beginn des Falls"));

        let close: CloseInput = from(json!({"exit_date": "2026-06-30", "exit_reason": "completed", "outcome": "apprenticeship"}));
        let closed = lotse.close_case(&cm, &c, close).await.unwrap();
        assert_eq!(closed.summary.phase, "closure");
        // Open and closed cases are told apart in the query.
        for (open, listed) in [(false, true), (true, false)] {
            let q = lotse_service::cases::CaseQuery { open: Some(open), ..Default::default() };
            let ids: Vec<String> = lotse.cases(&cm, q).await.unwrap().items.into_iter().map(|c| c.id).collect();
            assert_eq!(ids.contains(&c.to_string()), listed, "open: {open}");
        }
        assert_eq!((closed.summary.exit_date, closed.summary.exit_reason.as_deref()), (Some(d(2026, 6, 30)), Some("completed")));
        assert_eq!(closed.outcomes.len(), 1);
        assert_eq!((closed.outcomes[0].kind.as_str(), closed.outcomes[0].timing.as_str(), closed.outcomes[0].date), ("apprenticeship", "at_exit", d(2026, 6, 30)));
        let r = closed.follow_up.unwrap();
        assert_eq!((r.due_date, r.done), (d(2026, 12, 30), false));
        let phases: Vec<&str> = closed.phases.iter().map(|p| p.phase.as_str()).collect();
        assert_eq!(phases, ["intake", "assessment", "planning", "implementation", "monitoring", "implementation", "monitoring", "closure"]);
        assert!(closed.phases.iter().all(|p| p.author == "case_manager-login"));

        // A closed case is read-only (but for the follow-up outcome).
        let contact: ContactInput = from(json!({"type": "phone", "minutes": 15}));
        assert!(de(lotse.add_contact(&cm, &c, contact).await.unwrap_err()).contains("abgeschlossen"));
        assert!(de(lotse.move_phase(&cm, &c, phase("monitoring", d(2026, 7, 1))).await.unwrap_err()).contains("abgeschlossen"));
        let again: CloseInput = from(json!({"exit_date": "2026-07-30", "exit_reason": "completed", "outcome": "apprenticeship"}));
        assert!(lotse.close_case(&cm, &c, again).await.is_err());
        let n = outcome::Entity::find().filter(outcome::Column::ParticipationId.eq(c.as_str())).count(&lotse.db).await.unwrap();
        assert_eq!(n, 1);
    }

    async fn a_case_may_close_early_and_implementation_records_contacts_referrals_conferences(db) {
        let lotse = &db.lotse;
        setup(lotse, 10).await;
        let cm = actor("t", Role::CaseManager, Some("p1"));
        let c = open_case(lotse, &cm, "q2", d(2026, 2, 1)).await;
        let contact: ContactInput = from(json!({"type": "home_visit", "date": "2026-02-03", "minutes": 90, "note": "Familie zu Hause angetroffen"}));
        let ct = lotse.add_contact(&cm, &c, contact).await.unwrap();
        assert_eq!((ct.kind.as_str(), ct.minutes), ("home_visit", 90));
        let bad: ContactInput = from(json!({"type": "phone", "minutes": 0}));
        assert!(de(lotse.add_contact(&cm, &c, bad).await.unwrap_err()).starts_with("minutes:"));
        assert!(lotse.add_contact(&cm, &c, from(json!({"type": "phone", "minutes": 10, "date": "2026-01-31"}))).await.is_err());
        let n = case_contact::Entity::find().filter(case_contact::Column::ParticipationId.eq(c.as_str())).count(&lotse.db).await.unwrap();
        assert_eq!(n, 1, "refused contacts are not written");
        let none: ReferralInput = from(json!({"date": "2026-02-04"}));
        assert!(de(lotse.add_referral(&cm, &c, none).await.unwrap_err()).starts_with("offer_id: Bitte ein Angebot"));
        let to_offer = lotse.add_referral(&cm, &c, from(json!({"offer_id": "gruppe", "date": "2026-02-04"}))).await.unwrap();
        assert_eq!(to_offer.status, "proposed");
        let to_agency = lotse.add_referral(&cm, &c, from(json!({"agency": "Schuldnerberatung", "status": "accepted"}))).await.unwrap();
        let started = lotse.set_referral_status(&cm, &c, &id(&to_agency.id), from(json!({"status": "started"}))).await.unwrap();
        assert_eq!(started.status, "started");
        assert!(lotse.set_referral_status(&cm, &c, &id(&to_agency.id), from(json!({"status": "vielleicht"}))).await.is_err());
        lotse.add_conference(&cm, &c, from(json!({"date": "2026-02-10", "participants": "Jobcenter, Jugendhilfe, Schule", "outcome": "Schulplatz wird gesucht"}))).await.unwrap();
        assert!(de(lotse.add_conference(&cm, &c, from(json!({"participants": " ", "outcome": "x"}))).await.unwrap_err()).starts_with("participants:"));

        // Closed during the intake: the person moved away.
        let closed = lotse.close_case(&cm, &c, from(json!({"exit_date": "2026-02-20", "exit_reason": "moved", "outcome": "none"}))).await.unwrap();
        assert_eq!(closed.summary.phase, "closure");
        assert_eq!((closed.contacts.len(), closed.referrals.len(), closed.conferences.len()), (1, 2, 1));
        assert_eq!(closed.referrals[0].offer_id.as_deref(), Some("gruppe"));
        assert_eq!(closed.referrals[1].agency.as_deref(), Some("Schuldnerberatung"));
        assert_eq!(closed.conferences[0].outcome, "Schulplatz wird gesucht");
    }

    async fn an_offer_at_capacity_refuses_or_puts_on_the_waiting_list(db) {
        let lotse = &db.lotse;
        setup(lotse, 2).await;
        let cm = actor("t", Role::CaseManager, Some("p1"));
        let first = open_case(lotse, &cm, "q1", d(2026, 1, 10)).await;
        open_case(lotse, &cm, "q2", d(2026, 1, 15)).await;
        // A third on a day both are in: refused, with a clear message, nothing written.
        let e = lotse.open_case(&cm, open("q3", d(2026, 2, 1))).await.unwrap_err();
        assert_eq!(e.code(), "conflict");
        assert_eq!(
            de(e),
            "Das Angebot „Teilhabemanagement“ ist ab dem 01.02.2026 voll belegt (2 von 2 Plätzen). \
             Die Person kann auf die Warteliste gesetzt werden („waiting_list“: true)."
        );
        let n = participation::Entity::find().filter(participation::Column::OfferId.eq("einzel")).count(&lotse.db).await.unwrap();
        assert_eq!(n, 2);
        // On 12 January only one is in, but the second begins on the 15th: full from the 12th on too.
        let e = lotse.open_case(&cm, open("q4", d(2026, 1, 12))).await.unwrap_err();
        assert!(de(e).contains("ab dem 12.01.2026 voll belegt (2 von 2 Plätzen)"));
        // The waiting list instead.
        let mut req = open("q3", d(2026, 2, 1));
        req.waiting_list = true;
        let w = lotse.open_case(&cm, req).await.unwrap();
        assert!(w.case.is_none());
        let entry = w.waiting.unwrap();
        assert_eq!((entry.person_id.as_str(), entry.position, entry.requested_date), ("q3", 1, d(2026, 2, 1)));
        let list = lotse.waiting_list(&cm, &id("einzel")).await.unwrap();
        assert_eq!(list.iter().map(|e| (e.person_id.as_str(), e.position)).collect::<Vec<_>>(), [("q3", 1)]);
        // Another provider's case manager does not see the list.
        let cm2 = actor("t", Role::CaseManager, Some("p2"));
        assert!(matches!(lotse.waiting_list(&cm2, &id("einzel")).await, Err(DomainError::NotFound { .. })));
        assert!(matches!(lotse.waiting_list(&actor("t", Role::Controller, None), &id("einzel")).await, Err(DomainError::Forbidden { .. })));

        // A place comes free when a case closes; enrolling takes the person off the list.
        lotse.move_phase(&cm, &first, phase("closure", d(2026, 1, 31))).await.unwrap_err();
        lotse.close_case(&cm, &first, from(json!({"exit_date": "2026-01-31", "exit_reason": "dropped_out", "outcome": "none"}))).await.unwrap();
        let still_full = lotse.open_case(&cm, open("q3", d(2026, 1, 31))).await.unwrap_err();
        assert!(de(still_full).contains("voll belegt"), "the exit day still counts");
        open_case(lotse, &cm, "q3", d(2026, 2, 1)).await;
        assert!(lotse.waiting_list(&cm, &id("einzel")).await.unwrap().is_empty());
        let n = waiting_list_entry::Entity::find().count(&lotse.db).await.unwrap();
        assert_eq!(n, 0);
        // An offer without a capacity takes everyone.
        let co = actor("t", Role::Coordinator, None);
        lotse.save_record(&co, "offers", json!({"offer_id": "offen", "name": "Offen", "provider_id": "p1", "delivery": "individual"}).as_object().unwrap().clone()).await.unwrap();
        for q in ["q1", "q2", "q3", "q4"] {
            lotse.open_case(&cm, from(json!({"person_id": q, "offer_id": "offen", "staff_id": "s1", "entry_date": "2026-03-01"}))).await.unwrap().case.unwrap();
        }
    }

    async fn opening_checks_offer_staff_and_person(db) {
        let lotse = &db.lotse;
        let t = setup(lotse, 2).await;
        let cm = actor("t", Role::CaseManager, Some("p1"));
        let try_open = |v: serde_json::Value| lotse.open_case(&cm, from(v));
        let e = try_open(json!({"person_id": "q1", "offer_id": "gruppe", "staff_id": "s1", "entry_date": "2026-01-01"})).await.unwrap_err();
        assert!(de(e).starts_with("offer_id: „Elterncafé“ ist ein Gruppenangebot"));
        let e = try_open(json!({"person_id": "q1", "offer_id": "einzel2", "staff_id": "s1", "entry_date": "2026-01-01"})).await.unwrap_err();
        assert!(de(e).starts_with("offer_id: Das Angebot „Coaching“ gehört nicht zum Träger der Person"));
        let e = try_open(json!({"person_id": "q1", "offer_id": "einzel", "staff_id": "s2", "entry_date": "2026-01-01"})).await.unwrap_err();
        assert!(de(e).starts_with("staff_id:"));
        let e = try_open(json!({"person_id": "q1", "offer_id": "keins", "staff_id": "s1", "entry_date": "2026-01-01"})).await.unwrap_err();
        assert!(de(e).starts_with("offer_id: Das Angebot „keins“ gibt es"));
        // Another provider's person: not found.
        let e = try_open(json!({"person_id": t.persons[1], "offer_id": "einzel", "staff_id": "s1", "entry_date": "2026-01-01"})).await.unwrap_err();
        assert!(matches!(e, DomainError::NotFound { entity: "person" }));
        let n = participation::Entity::find().count(&lotse.db).await.unwrap();
        assert_eq!(n, 0, "nothing was written");
        // The intake can come with the opening.
        let opened = try_open(json!({"person_id": "q1", "offer_id": "einzel", "staff_id": "s1", "entry_date": "2026-01-01",
            "intake": {"way_in": "school", "indicated": true}})).await.unwrap();
        let case = opened.case.unwrap();
        assert_eq!(case.intake.unwrap().way_in, "school");
        lotse.move_phase(&cm, &id(&case.summary.id), phase("assessment", d(2026, 1, 2))).await.unwrap();
    }

    async fn assessments_repeat_and_show_progress_per_domain(db) {
        let lotse = &db.lotse;
        setup(lotse, 10).await;
        let cm = actor("t", Role::CaseManager, Some("p1"));
        let c = open_case(lotse, &cm, "q1", d(2026, 1, 5)).await;
        lotse.record_intake(&cm, &c, from(json!({"way_in": "self", "indicated": true}))).await.unwrap();
        lotse.move_phase(&cm, &c, phase("assessment", d(2026, 1, 10))).await.unwrap();
        lotse.record_assessment(&cm, &c, from(json!({"date": "2026-01-10", "ratings": [
            {"domain": "language", "rating": 2, "note": "A2"}, {"domain": "housing", "rating": 1}, {"domain": "health", "rating": 4}]}))).await.unwrap();
        // Bad ratings are refused whole.
        let e = lotse.record_assessment(&cm, &c, from(json!({"date": "2026-03-10", "ratings": [{"domain": "language", "rating": 6}]}))).await.unwrap_err();
        assert!(de(e).starts_with("ratings.language: 6 liegt nicht zwischen 1"));
        let e = lotse.record_assessment(&cm, &c, from(json!({"ratings": [{"domain": "language", "rating": 3}, {"domain": "language", "rating": 4}]}))).await.unwrap_err();
        assert!(de(e).contains("doppelt"));
        assert!(de(lotse.record_assessment(&cm, &c, from(json!({"ratings": []}))).await.unwrap_err()).starts_with("ratings:"));
        let e: Result<AssessmentInput, _> = serde_json::from_value(json!({"ratings": [{"domain": "mood", "rating": 3}]}));
        assert!(e.is_err(), "unknown life domain");
        lotse.record_assessment(&cm, &c, from(json!({"date": "2026-06-10", "ratings": [
            {"domain": "language", "rating": 4}, {"domain": "housing", "rating": 1}, {"domain": "finances", "rating": 3}]}))).await.unwrap();
        let p = lotse.assessment_progress(&cm, &c).await.unwrap();
        assert_eq!(p.assessments.len(), 2);
        let by: Vec<(&str, Vec<i16>, Option<i16>)> =
            p.domains.iter().map(|d| (d.domain.as_str(), d.ratings.iter().map(|r| r.rating).collect(), d.change)).collect();
        assert_eq!(by, [
            ("language", vec![2, 4], Some(2)),
            ("health", vec![4], None),
            ("housing", vec![1, 1], Some(0)),
            ("finances", vec![3], None),
        ]);
        assert_eq!(p.domains[0].label, "Sprache");
        assert_eq!(p.assessments[0].ratings[0].note.as_deref(), Some("A2"));
    }

    async fn follow_up_reminder_is_due_six_months_after_exit(db) {
        let lotse = &db.lotse;
        setup(lotse, 10).await;
        let cm = actor("t", Role::CaseManager, Some("p1"));
        let old = open_case(lotse, &cm, "q1", d(2025, 1, 6)).await;
        lotse.close_case(&cm, &old, from(json!({"exit_date": "2025-03-15", "exit_reason": "completed", "outcome": "employment_insured"}))).await.unwrap();
        let recent = open_case(lotse, &cm, "q2", d(2026, 1, 6)).await;
        lotse.close_case(&cm, &recent, from(json!({"exit_date": "2026-11-15", "exit_reason": "completed", "outcome": "school"}))).await.unwrap();
        let due = lotse.follow_up_reminders(&cm, None).await.unwrap();
        assert_eq!(due.iter().map(|r| (r.case_id.as_str(), r.due_date)).collect::<Vec<_>>(), [(old.as_str(), d(2025, 9, 15))]);
        assert_eq!((due[0].person_id.as_str(), due[0].staff_id.as_deref()), ("q1", Some("s1")));
        let later = lotse.follow_up_reminders(&cm, Some(d(2027, 6, 1))).await.unwrap();
        assert_eq!(later.len(), 2);
        assert_eq!(later[1].due_date, d(2027, 5, 15));
        // Another provider's case manager is not reminded of them.
        assert!(lotse.follow_up_reminders(&actor("t", Role::CaseManager, Some("p2")), Some(d(2027, 6, 1))).await.unwrap().is_empty());
        assert!(lotse.follow_up_reminders(&actor("t", Role::Coordinator, None), None).await.is_err());
        // The six-month outcome settles the reminder.
        let f: FollowUpInput = from(json!({"outcome": "employment_insured", "date": "2025-09-20"}));
        let c = lotse.record_follow_up(&cm, &old, f).await.unwrap();
        assert!(c.follow_up.unwrap().done);
        assert_eq!(c.outcomes.iter().map(|o| (o.timing.as_str(), o.kind.as_str())).collect::<Vec<_>>(),
            [("at_exit", "employment_insured"), ("follow_up_6m", "employment_insured")]);
        assert!(lotse.follow_up_reminders(&cm, None).await.unwrap().is_empty());
        let open_one = open_case(lotse, &cm, "q3", d(2026, 1, 6)).await;
        assert!(lotse.record_follow_up(&cm, &open_one, from(json!({"outcome": "school"}))).await.is_err());
        let r = follow_up_reminder::Entity::find().count(&lotse.db).await.unwrap();
        assert_eq!(r, 2);
    }

    async fn cases_are_scoped_to_the_persons_provider_and_audited(db) {
        let lotse = &db.lotse;
        let t = setup(lotse, 10).await;
        let cm = actor("t", Role::CaseManager, Some("p1"));
        let c = open_case(lotse, &cm, "q1", d(2026, 1, 5)).await;
        lotse.record_intake(&cm, &c, from(json!({"way_in": "outreach", "indicated": true, "note": "Erstkontakt am Bahnhof"}))).await.unwrap();
        lotse.move_phase(&cm, &c, phase("assessment", d(2026, 1, 10))).await.unwrap();
        // A case of p2.
        let cm2 = actor("t", Role::CaseManager, Some("p2"));
        let c2 = id(&lotse.open_case(&cm2, from(json!({"person_id": t.persons[1], "offer_id": "einzel2", "staff_id": "s2", "entry_date": "2026-01-05"})))
            .await.unwrap().case.unwrap().summary.id);

        // Another provider's case manager: 404 for everything.
        assert!(matches!(lotse.case(&cm2, &c).await, Err(DomainError::NotFound { entity: "case" })));
        assert!(matches!(lotse.move_phase(&cm2, &c, phase("planning", d(2026, 2, 1))).await, Err(DomainError::NotFound { .. })));
        assert!(matches!(lotse.add_contact(&cm2, &c, from(json!({"type": "phone", "minutes": 5}))).await, Err(DomainError::NotFound { .. })));
        assert!(matches!(lotse.close_case(&cm2, &c, CloseInput::default()).await, Err(DomainError::NotFound { .. })));
        // Roles that never see person data: 403.
        for role in [Role::Coordinator, Role::Controller, Role::Admin, Role::Auditor, Role::Head] {
            assert!(matches!(lotse.case(&actor("t", role, None), &c).await, Err(DomainError::Forbidden { .. })), "{role}");
        }
        // The head reads with break glass, never writes.
        let mut head = actor("t", Role::Head, None);
        head.break_glass = Some("Beschwerde Az. 7".into());
        assert_eq!(lotse.case(&head, &c).await.unwrap().summary.phase, "assessment");
        assert!(matches!(lotse.move_phase(&head, &c, phase("planning", d(2026, 2, 1))).await, Err(DomainError::Forbidden { .. })));
        // A group participation is not a case.
        let sys = Actor::system(t.id.clone());
        db.sql("INSERT INTO participations (tenant_id, id, person_id, offer_id, entry_date) VALUES ('t', 'grp1', 'q2', 'gruppe', '2026-01-01')").await.unwrap();
        assert!(matches!(lotse.case(&sys, &id("grp1")).await, Err(DomainError::NotFound { .. })));

        // Lists: each case manager their provider's cases, by staff and phase.
        let list = lotse.cases(&cm, Default::default()).await.unwrap();
        assert_eq!(list.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [c.as_str()]);
        let other = lotse.cases(&cm2, Default::default()).await.unwrap();
        assert_eq!(other.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [c2.as_str()]);
        let q = |staff: Option<&str>, phase: Option<&str>| lotse_service::cases::CaseQuery {
            staff: staff.map(str::to_owned), phase: phase.map(str::to_owned), open: None, person: None, limit: None, offset: None, sort: None };
        assert_eq!(lotse.cases(&cm, q(Some("s1"), Some("assessment"))).await.unwrap().total, 1);
        assert_eq!(lotse.cases(&cm, q(None, Some("intake"))).await.unwrap().total, 0);
        assert_eq!(lotse.cases(&cm, q(Some("s2"), None)).await.unwrap().total, 0);
        assert!(de(lotse.cases(&cm, q(None, Some("fertig"))).await.unwrap_err()).starts_with("phase: unbekannter Wert"));
        let more = open_case(lotse, &cm, "q2", d(2026, 2, 1)).await;
        let paged = lotse.cases(&cm, lotse_service::cases::CaseQuery { limit: Some(1), offset: Some(1), ..q(None, Some("intake")) }).await.unwrap();
        assert_eq!((paged.total, paged.items.len()), (1, 0));
        // The provider's whole list is not counted: a page says whether another follows.
        let first = lotse.cases(&cm, lotse_service::cases::CaseQuery { limit: Some(1), ..Default::default() }).await.unwrap();
        assert_eq!((first.total, first.total_capped, first.items[0].id.as_str()), (1, true, more.as_str()), "newest first");
        let second = lotse.cases(&cm, lotse_service::cases::CaseQuery { limit: Some(1), offset: Some(1), ..Default::default() }).await.unwrap();
        assert_eq!((second.total, second.total_capped, second.items[0].id.as_str()), (2, false, c.as_str()));
        assert_eq!(lotse.case_count(&cm, &Default::default()).await.unwrap(), 2);
        assert_eq!(lotse.case_count(&cm, &q(None, Some("assessment"))).await.unwrap(), 1, "the phase is filtered in SQL");
        assert_eq!(lotse.case_count(&cm2, &Default::default()).await.unwrap(), 1, "another provider's cases are not counted");
        let open = |o: bool| lotse_service::cases::CaseQuery { open: Some(o), ..Default::default() };
        assert_eq!((lotse.case_count(&cm, &open(true)).await.unwrap(), lotse.case_count(&cm, &open(false)).await.unwrap()), (2, 0));
        // A staff member's list is counted exactly.
        let own = lotse.cases(&cm, lotse_service::cases::CaseQuery { limit: Some(1), ..q(Some("s1"), None) }).await.unwrap();
        assert!(!own.total_capped);

        // Audit: every write and read of the case is recorded for the person, values encrypted.
        let entries = audit_entry::Entity::find()
            .filter(audit_entry::Column::TenantId.eq("t"))
            .filter(audit_entry::Column::PersonId.eq("q1"))
            .all(&lotse.db).await.unwrap();
        let kinds: Vec<(&str, &str)> = entries.iter().map(|e| (e.action.as_str(), e.entity.as_str())).collect();
        for expected in [("create", "case"), ("create", "case_phase"), ("create", "case_intake"), ("read", "case")] {
            assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
        }
        let intake = entries.iter().find(|e| e.entity == "case_intake").unwrap();
        assert!(!intake.changes.as_deref().unwrap().contains("Bahnhof"), "the note is encrypted");
        let head_read = audit_entry::Entity::find()
            .filter(audit_entry::Column::Entity.eq("case"))
            .filter(audit_entry::Column::Reason.eq("Beschwerde Az. 7"))
            .count(&lotse.db).await.unwrap();
        assert_eq!(head_read, 1);
    }

    async fn outreach_contacts_are_counted_without_persons(db) {
        let lotse = &db.lotse;
        setup(lotse, 10).await;
        let co = actor("t", Role::Coordinator, None);
        for (dst, name) in [("nord", "Nord"), ("sued", "Süd")] {
            lotse.save_record(&co, "districts", json!({"district_id": dst, "name": name}).as_object().unwrap().clone()).await.unwrap();
        }
        let cm = actor("t", Role::CaseManager, Some("p1"));
        let rec = |v: serde_json::Value| -> lotse_service::cases::OutreachInput { from(v) };
        let c = lotse.record_outreach(&cm, rec(json!({"date": "2026-03-02", "place": "Jugendtreff", "district_id": "nord", "people": 4, "topic": "housing"}))).await.unwrap();
        assert_eq!(c.provider_id.as_deref(), Some("p1"));
        lotse.record_outreach(&cm, rec(json!({"date": "2026-03-09", "place": "Bahnhofsvorplatz", "district_id": "nord", "people": 2, "topic": "work_training"}))).await.unwrap();
        lotse.record_outreach(&co, rec(json!({"date": "2026-04-01", "place": "Marktplatz", "district_id": "sued", "people": 7, "topic": "housing"}))).await.unwrap();
        lotse.record_outreach(&co, rec(json!({"date": "2026-05-01", "place": "Stadtpark", "people": 3, "topic": "leisure", "provider_id": "p2"}))).await.unwrap();
        lotse.record_outreach(&co, rec(json!({"date": "2025-12-31", "place": "Stadtpark", "people": 9, "topic": "leisure"}))).await.unwrap();
        // Who may record what.
        assert!(matches!(lotse.record_outreach(&cm, rec(json!({"place": "x", "people": 1, "topic": "other", "provider_id": "p2"}))).await, Err(DomainError::Forbidden { .. })));
        assert!(matches!(lotse.record_outreach(&actor("t", Role::Controller, None), rec(json!({"place": "x", "people": 1, "topic": "other"}))).await, Err(DomainError::Forbidden { .. })));
        // Bad input names the field.
        assert!(de(lotse.record_outreach(&cm, rec(json!({"place": "x", "people": 0, "topic": "other"}))).await.unwrap_err()).starts_with("people:"));
        assert!(de(lotse.record_outreach(&cm, rec(json!({"place": "x", "people": 1, "topic": "other", "district_id": "west"}))).await.unwrap_err()).starts_with("district_id: Den Sozialraum „west“"));
        assert!(de(lotse.record_outreach(&cm, rec(json!({"place": " ", "people": 1, "topic": "other"}))).await.unwrap_err()).starts_with("place:"));
        assert!(serde_json::from_value::<lotse_service::cases::OutreachInput>(json!({"place": "x", "people": 1, "topic": "other", "name": "Ali"})).is_err(), "no room for names");

        let all = lotse.outreach_counts(&co, 2026).await.unwrap();
        assert_eq!((all.contacts, all.people), (4, 16));
        let districts: Vec<(Option<&str>, &str, i64, i64)> = all.by_district.iter().map(|c| (c.key.as_deref(), c.label.as_str(), c.contacts, c.people)).collect();
        assert_eq!(districts, [(None, "ohne Sozialraum", 1, 3), (Some("nord"), "Nord", 2, 6), (Some("sued"), "Süd", 1, 7)]);
        let topics: Vec<(&str, i64, i64)> = all.by_topic.iter().map(|c| (c.key.as_deref().unwrap(), c.contacts, c.people)).collect();
        assert_eq!(topics, [("work_training", 1, 2), ("housing", 2, 11), ("leisure", 1, 3)]);
        // A provider's case manager counts their provider's.
        let own = lotse.outreach_counts(&cm, 2026).await.unwrap();
        assert_eq!((own.contacts, own.people), (2, 6));
        assert_eq!(lotse.outreach_counts(&co, 2025).await.unwrap().people, 9);
        assert!(matches!(lotse.outreach_counts(&actor("t", Role::Auditor, None), 2026).await, Err(DomainError::Forbidden { .. })));
        // Audited, but never as a person's data.
        let entries = audit_entry::Entity::find().filter(audit_entry::Column::Entity.eq("outreach_contact")).all(&lotse.db).await.unwrap();
        assert_eq!(entries.len(), 5);
        assert!(entries.iter().all(|e| e.person_id.is_none()));
    }
}
