//! Issue 4 (items 4, 5, 6, 8) on both backends: consent, handover only with
//! consent, caseload figures, deputies, retention that leaves past reports
//! unchanged, and the export of a person's data (Art. 15 GDPR).

use chrono::{Datelike, Duration, NaiveDate};
use lotse_bundle::source::Bundle;
use lotse_domain::{Actor, DomainError, EntityId, Login, Role, TenantId};
use lotse_service::Lotse;
use lotse_service::audit::AuditFilter;
use lotse_service::auth::NewToken;
use lotse_service::caseload::{CaseloadQuery, DeputyInput, ReassignInput};
use lotse_service::consents::{ConsentInput, WithdrawInput};
use lotse_service::handover::{HandoverInput, HandoverQuery};
use lotse_service::page::PageRequest;
use lotse_service::reports::ReportParams;
use lotse_service::retention::RetentionRule;
use lotse_service::users::{NewUser, UserUpdate};

fn id(s: &str) -> EntityId {
    EntityId::parse(s).unwrap()
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A real account (so that deputies and staff links resolve) and its actor.
async fn account(lotse: &Lotse, tenant: &str, login: &str, role: Role, provider: Option<&str>) -> Actor {
    let sys = Actor::system(TenantId::parse(tenant).unwrap());
    let u = lotse
        .create_user(
            &sys,
            NewUser {
                login: Login::parse(login).unwrap(),
                display_name: None,
                role,
                provider_id: provider.map(id),
                password: "test-passwort".into(),
                staff_id: None,
            },
        )
        .await
        .unwrap();
    Actor {
        tenant: TenantId::parse(tenant).unwrap(),
        user_id: u.id,
        login: Login::parse(login).unwrap(),
        role,
        provider: provider.map(id),
        break_glass: None,
        address: None,
        via_token: false,
        staff_id: None,
    }
}

fn file(name: &str, body: String) -> (String, String) {
    (name.to_owned(), body)
}

/// Tenant `t`: providers p1, p2, p3; programme `prog` (module m1, offers
/// o1 at p1 and o2 at p2, both individual); staff s1 (0.5 FTE) and s2 (1.0)
/// at p1 with 50 and 90 open cases, s3 at p2; person `anna` at p1 with an
/// open case at o1 (staff s1).
async fn setup(lotse: &Lotse) -> Actor {
    let tid = TenantId::parse("t").unwrap();
    lotse.create_tenant(&tid, "Stadt T").await.unwrap();
    let sys = Actor::system(tid);
    let mut persons = String::from("person_id,provider_id,given_name,family_name,birth_date,gender\n");
    let mut parts = String::from("participation_id,person_id,offer_id,staff_id,entry_date,exit_date,exit_reason\n");
    persons.push_str("anna,p1,Anna,Beispiel,1990-02-03,female\n");
    parts.push_str("c-anna,anna,o1,s1,2025-01-10,,\n");
    for i in 0..139 {
        let staff = if i < 49 { "s1" } else { "s2" };
        persons.push_str(&format!("x{i:03},p1,Vor{i},Nach{i},1985-05-05,male\n"));
        parts.push_str(&format!("c{i:03},x{i:03},o1,{staff},2025-02-01,,\n"));
    }
    let files = vec![
        file("providers.csv", "provider_id,name,kind\np1,Träger Eins,welfare\np2,Träger Zwei,welfare\np3,Träger Drei,welfare\n".into()),
        file("programs.csv", "program_id,name,funder\nprog,Programm,ESF Plus\n".into()),
        file("modules.csv", "module_id,program_id,name\nm1,prog,Coaching\n".into()),
        file("offers.csv", "offer_id,name,provider_id,module_id,delivery\no1,Beratung,p1,m1,individual\no2,Beratung Zwei,p2,m1,individual\n".into()),
        file("staff.csv", "staff_id,provider_id,name,role,fte\ns1,p1,Frau Halb,case_manager,0.5\ns2,p1,Herr Voll,case_manager,1.0\ns3,p2,Frau Zwei,case_manager,1.0\n".into()),
        file("persons.csv", persons),
        file("participations.csv", parts),
    ];
    let r = lotse.import_bundle(&sys, &Bundle::from_memory("t", files), None).await.unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    sys
}

fn share(provider: &str, given: NaiveDate) -> ConsentInput {
    ConsentInput {
        scope: lotse_domain::consent::ConsentScope::ShareWithProvider,
        provider_id: Some(provider.into()),
        program_id: None,
        given_date: given,
    }
}

fn invalid_field(e: &DomainError) -> (&str, &str) {
    match e {
        DomainError::Invalid { field, de, .. } => (field.as_str(), de.as_str()),
        other => panic!("expected invalid, got {other:?}"),
    }
}

lotse_testkit::both_backends! {
    async fn consent_is_recorded_shown_and_withdrawn(db) {
        let lotse = &db.lotse;
        setup(lotse).await;
        let cm = account(lotse, "t", "cm1", Role::CaseManager, Some("p1")).await;
        let cm2 = account(lotse, "t", "cm2", Role::CaseManager, Some("p2")).await;
        let given = today() - Duration::days(30);
        let c = lotse.record_consent(&cm, &id("anna"), share("p2", given)).await.unwrap();
        assert!(c.active_today);
        assert_eq!((c.scope.as_str(), c.provider_id.as_deref(), c.given_date), ("share_with_provider", Some("p2"), given));
        // share_with_provider without a provider: refused, nothing written.
        let e = lotse.record_consent(&cm, &id("anna"), ConsentInput { provider_id: None, ..share("p2", given) }).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "provider_id");
        let e = lotse.record_consent(&cm, &id("anna"), ConsentInput { program_id: Some("prog".into()), ..share("p2", given) }).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "program_id");
        let e = lotse.record_consent(&cm, &id("anna"), share("p9", given)).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "provider_id");
        let list = lotse.consents(&cm, &id("anna")).await.unwrap();
        assert_eq!(list.len(), 1);
        // Another provider's case manager does not see the person's consents.
        assert!(matches!(lotse.consents(&cm2, &id("anna")).await, Err(DomainError::NotFound { .. })));
        // Withdrawal before the consent was given: refused.
        let e = lotse.withdraw_consent(&cm, &id(&c.id), WithdrawInput { withdrawn_date: given - Duration::days(1) }).await.unwrap_err();
        let (field, de) = invalid_field(&e);
        assert_eq!(field, "withdrawn_date");
        assert!(de.contains("vor der Erteilung"), "{de}");
        assert!(lotse.consents(&cm, &id("anna")).await.unwrap()[0].active_today);
        // Withdrawn today: no longer active from today on.
        let w = lotse.withdraw_consent(&cm, &id(&c.id), WithdrawInput { withdrawn_date: today() }).await.unwrap();
        assert_eq!(w.withdrawn_date, Some(today()));
        assert!(!w.active_today);
        let list = lotse.consents(&cm, &id("anna")).await.unwrap();
        assert_eq!((list[0].withdrawn_date, list[0].active_today), (Some(today()), false));
        // Twice: a conflict.
        assert!(matches!(
            lotse.withdraw_consent(&cm, &id(&c.id), WithdrawInput { withdrawn_date: today() }).await,
            Err(DomainError::Conflict { .. })
        ));
    }

    async fn handover_needs_the_consent_for_the_receiving_provider(db) {
        let lotse = &db.lotse;
        setup(lotse).await;
        let cm1 = account(lotse, "t", "cm1", Role::CaseManager, Some("p1")).await;
        let cm2 = account(lotse, "t", "cm2", Role::CaseManager, Some("p2")).await;
        let cm3 = account(lotse, "t", "cm3", Role::CaseManager, Some("p3")).await;
        let ask = |to: &str| HandoverInput { to_provider: to.into(), note: Some("Umzug in den Stadtteil".into()) };
        // No consent at all.
        let e = lotse.request_handover(&cm1, &id("anna"), ask("p2")).await.unwrap_err();
        let (field, de) = invalid_field(&e);
        assert_eq!(field, "to_provider");
        assert!(de.contains("Es fehlt die Einwilligung") && de.contains("„p2“") && de.contains("share_with_provider"), "{de}");
        // Consent for another provider (p3) does not cover p2.
        lotse.record_consent(&cm1, &id("anna"), share("p3", today() - Duration::days(3))).await.unwrap();
        let e = lotse.request_handover(&cm1, &id("anna"), ask("p2")).await.unwrap_err();
        assert!(invalid_field(&e).1.contains("Es fehlt die Einwilligung"));
        // A withdrawn consent for p2.
        let c = lotse.record_consent(&cm1, &id("anna"), share("p2", today() - Duration::days(10))).await.unwrap();
        lotse.withdraw_consent(&cm1, &id(&c.id), WithdrawInput { withdrawn_date: today() - Duration::days(1) }).await.unwrap();
        let e = lotse.request_handover(&cm1, &id("anna"), ask("p2")).await.unwrap_err();
        assert!(invalid_field(&e).1.contains("widerrufen"), "{e:?}");
        assert!(lotse.handovers(&cm2, HandoverQuery::default()).await.unwrap().items.is_empty());
        // With a valid consent: the request is recorded.
        lotse.record_consent(&cm1, &id("anna"), share("p2", today())).await.unwrap();
        let h = lotse.request_handover(&cm1, &id("anna"), ask("p2")).await.unwrap();
        assert_eq!((h.status.as_str(), h.from_provider.as_str(), h.to_provider.as_str()), ("requested", "p1", "p2"));
        // A second request while one is pending: conflict.
        assert!(matches!(lotse.request_handover(&cm1, &id("anna"), ask("p3")).await, Err(DomainError::Conflict { .. })));
        // The receiving provider sees it with the minimum to decide; p3 does not.
        let incoming = lotse.handovers(&cm2, HandoverQuery::default()).await.unwrap().items;
        assert_eq!(incoming.len(), 1);
        assert_eq!((incoming[0].family_name.as_deref(), incoming[0].birth_year), (Some("Beispiel"), Some(1990)));
        assert!(lotse.handovers(&cm3, HandoverQuery::default()).await.unwrap().items.is_empty());
        // Neither the sender nor a third provider can accept.
        assert!(matches!(lotse.accept_handover(&cm1, &id(&h.id)).await, Err(DomainError::NotFound { .. })));
        assert!(matches!(lotse.accept_handover(&cm3, &id(&h.id)).await, Err(DomainError::NotFound { .. })));
        let coord = account(lotse, "t", "coord", Role::Coordinator, None).await;
        assert!(matches!(lotse.accept_handover(&coord, &id(&h.id)).await, Err(DomainError::Forbidden { .. })));
        // Accepted: the person belongs to p2, the case at p1 closed as handed over.
        let done = lotse.accept_handover(&cm2, &id(&h.id)).await.unwrap();
        assert_eq!(done.status, "accepted");
        assert_eq!(done.passed_on["closed_case"], "c-anna");
        assert!(matches!(lotse.person(&cm1, &id("anna")).await, Err(DomainError::NotFound { .. })));
        let p = lotse.person(&cm2, &id("anna")).await.unwrap();
        assert_eq!(p.attributes.provider_id.as_str(), "p2");
        // The name search follows: the receiving provider finds her, the sender no longer.
        for q in ["Beispiel", "Anna Beispiel"] {
            let search = |a| lotse.persons(a, lotse_service::persons::PersonQuery { q: Some(q.into()), ..Default::default() });
            let found: Vec<String> = search(&cm2).await.unwrap().items.into_iter().map(|p| p.id).collect();
            assert_eq!(found, ["anna"], "{q}");
            assert!(search(&cm1).await.unwrap().items.is_empty(), "{q}");
        }
        let export = lotse.export_person(&cm2, &id("anna")).await.unwrap();
        let case = export["cases"].as_array().unwrap().iter().find(|c| c["id"] == "c-anna").unwrap().clone();
        assert_eq!((case["exit_reason"].as_str(), case["exit_date"].as_str()), (Some("handed_over"), Some(today().to_string().as_str())));
        // The audit trail records what was passed on.
        let trail = export["audit_trail"].as_array().unwrap();
        let accepted = trail.iter().find(|e| e["entity"] == "handover" && e["action"] == "update").unwrap();
        assert_eq!(accepted["changes"]["passed_on"]["closed_case"], "c-anna");
        assert_eq!(accepted["actor"], "cm2");
        // The sender's outgoing list no longer shows the name.
        let out = lotse.handovers(&cm1, HandoverQuery { outgoing: Some(String::new()), ..Default::default() }).await.unwrap().items;
        assert_eq!((out[0].status.as_str(), out[0].family_name.as_deref()), ("accepted", None));
        // Deciding twice: conflict.
        assert!(matches!(lotse.decline_handover(&cm2, &id(&h.id)).await, Err(DomainError::Conflict { .. })));
    }

    async fn the_handover_list_pages_and_sorts(db) {
        let lotse = &db.lotse;
        setup(lotse).await;
        let cm1 = account(lotse, "t", "cm1", Role::CaseManager, Some("p1")).await;
        let cm2 = account(lotse, "t", "cm2", Role::CaseManager, Some("p2")).await;
        for p in ["x000", "x001", "x002"] {
            lotse.record_consent(&cm1, &id(p), share("p2", today())).await.unwrap();
            lotse.request_handover(&cm1, &id(p), HandoverInput { to_provider: "p2".into(), note: None }).await.unwrap();
        }
        let list = |sort: &str, offset: u64| {
            let q = HandoverQuery { sort: Some(sort.into()), limit: Some(2), offset: Some(offset), ..Default::default() };
            let cm2 = cm2.clone();
            async move { lotse.handovers(&cm2, q).await }
        };
        let names = |p: &lotse_service::page::Page<lotse_service::handover::HandoverView>| {
            p.items.iter().map(|h| h.family_name.clone().unwrap_or_default()).collect::<Vec<_>>()
        };
        let first = list("-person", 0).await.unwrap();
        assert_eq!((first.total, names(&first)), (3, vec!["Nach2".to_owned(), "Nach1".to_owned()]));
        assert_eq!(names(&list("-person", 2).await.unwrap()), ["Nach0"]);
        assert_eq!(names(&list("person", 0).await.unwrap()), ["Nach0", "Nach1"]);
        // The default: oldest request first.
        let all = lotse.handovers(&cm2, HandoverQuery::default()).await.unwrap();
        assert_eq!(names(&all), ["Nach0", "Nach1", "Nach2"]);
        let e = list("note", 0).await.unwrap_err();
        assert!(invalid_field(&e).1.contains("nicht sortiert"), "{e:?}");
        // The sender's list is not sorted by the persons' names.
        let q = HandoverQuery { outgoing: Some(String::new()), sort: Some("person".into()), ..Default::default() };
        let e = lotse.handovers(&cm1, q).await.unwrap_err();
        assert!(invalid_field(&e).1.contains("nicht sortiert"), "{e:?}");
        let q = HandoverQuery { outgoing: Some(String::new()), sort: Some("-to_provider".into()), ..Default::default() };
        assert_eq!(lotse.handovers(&cm1, q).await.unwrap().total, 3);
    }

    async fn handover_declined_or_blocked_by_a_later_withdrawal(db) {
        let lotse = &db.lotse;
        setup(lotse).await;
        let cm1 = account(lotse, "t", "cm1", Role::CaseManager, Some("p1")).await;
        let cm2 = account(lotse, "t", "cm2", Role::CaseManager, Some("p2")).await;
        let c = lotse.record_consent(&cm1, &id("anna"), share("p2", today() - Duration::days(5))).await.unwrap();
        let ask = HandoverInput { to_provider: "p2".into(), note: None };
        let h = lotse.request_handover(&cm1, &id("anna"), ask.clone()).await.unwrap();
        let d = lotse.decline_handover(&cm2, &id(&h.id)).await.unwrap();
        assert_eq!(d.status, "declined");
        assert_eq!(lotse.person(&cm1, &id("anna")).await.unwrap().attributes.provider_id.as_str(), "p1");
        assert!(lotse.handovers(&cm2, HandoverQuery::default()).await.unwrap().items.is_empty());
        let out = lotse.handovers(&cm1, HandoverQuery { outgoing: Some(String::new()), ..Default::default() }).await.unwrap().items;
        assert_eq!(out.iter().map(|h| h.status.as_str()).collect::<Vec<_>>(), ["declined"]);
        assert_eq!(out[0].family_name.as_deref(), Some("Beispiel"));
        // Requested again, then the consent is withdrawn: acceptance is refused.
        let h = lotse.request_handover(&cm1, &id("anna"), ask).await.unwrap();
        lotse.withdraw_consent(&cm1, &id(&c.id), WithdrawInput { withdrawn_date: today() }).await.unwrap();
        let e = lotse.accept_handover(&cm2, &id(&h.id)).await.unwrap_err();
        assert!(invalid_field(&e).1.contains("widerrufen"), "{e:?}");
        assert_eq!(lotse.person(&cm1, &id("anna")).await.unwrap().attributes.provider_id.as_str(), "p1");
    }

    async fn caseload_per_fte_against_the_target_reassignment_and_deputies(db) {
        let lotse = &db.lotse;
        let sys = setup(lotse).await;
        let cm1 = account(lotse, "t", "cm1", Role::CaseManager, Some("p1")).await;
        let cm1b = account(lotse, "t", "cm1b", Role::CaseManager, Some("p1")).await;
        let cm2 = account(lotse, "t", "cm2", Role::CaseManager, Some("p2")).await;
        let coord = account(lotse, "t", "coord", Role::Coordinator, None).await;
        let on = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let load = lotse.caseload(&cm1, CaseloadQuery { date: Some(on), program: None }).await.unwrap();
        let rows: Vec<_> = load.staff.iter().map(|r| (r.staff_id.as_str(), r.active_cases, r.fte, r.caseload_per_fte, r.warning)).collect();
        assert_eq!(rows, [("s1", 50, 0.5, Some(100.0), true), ("s2", 90, 1.0, Some(90.0), true)]);
        assert_eq!(load.target, 80.0);
        // A programme's own target (set by the migration's column).
        db.sql("UPDATE programs SET caseload_target = 95 WHERE id = 'prog'").await.unwrap();
        let load = lotse.caseload(&coord, CaseloadQuery { date: Some(on), program: Some("prog".into()) }).await.unwrap();
        assert_eq!(load.target, 95.0);
        let rows: Vec<_> = load.staff.iter().map(|r| (r.staff_id.as_str(), r.caseload_per_fte, r.warning)).collect();
        assert_eq!(rows, [("s1", Some(100.0), true), ("s2", Some(90.0), false)]);
        // Another provider sees only its own staff.
        let load = lotse.caseload(&cm2, CaseloadQuery { date: Some(on), program: None }).await.unwrap();
        assert_eq!(load.staff.iter().map(|r| r.staff_id.as_str()).collect::<Vec<_>>(), ["s3"]);
        // Before the cases began, nobody has any.
        let load = lotse.caseload(&cm1, CaseloadQuery { date: Some(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()), program: None }).await.unwrap();
        assert!(load.staff.iter().all(|r| r.active_cases == 0 && !r.warning));

        // Reassignment: within the provider only, audited.
        lotse.reassign_case(&cm1, &id("c-anna"), ReassignInput { staff_id: "s2".into() }).await.unwrap();
        let load = lotse.caseload(&cm1, CaseloadQuery { date: Some(on), program: None }).await.unwrap();
        assert_eq!(load.staff.iter().map(|r| r.active_cases).collect::<Vec<_>>(), [49, 91]);
        let e = lotse.reassign_case(&cm1, &id("c-anna"), ReassignInput { staff_id: "s3".into() }).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "staff_id");
        assert!(matches!(lotse.reassign_case(&cm2, &id("c-anna"), ReassignInput { staff_id: "s3".into() }).await, Err(DomainError::NotFound { .. })));

        // Deputies: cm1 works as s1, cm1b as s2.
        lotse.link_user_staff(&sys, &cm1.user_id, Some("s1")).await.unwrap();
        lotse.link_user_staff(&sys, &cm1b.user_id, Some("s2")).await.unwrap();
        assert_eq!(lotse.staff_cases(&cm1, &id("s1")).await.unwrap().len(), 49);
        assert!(matches!(lotse.staff_cases(&cm1b, &id("s1")).await, Err(DomainError::Forbidden { .. })));
        assert!(matches!(lotse.staff_cases(&cm2, &id("s1")).await, Err(DomainError::NotFound { .. })));
        // A past and a future absence do not open the cases …
        for (from, until) in [(-20, -1), (1, 10)] {
            lotse.create_deputy(&cm1, DeputyInput { absent_user_id: None, deputy_user_id: cm1b.user_id.clone(), from: today() + Duration::days(from), until: today() + Duration::days(until) }).await.unwrap();
        }
        assert!(matches!(lotse.staff_cases(&cm1b, &id("s1")).await, Err(DomainError::Forbidden { .. })));
        // … one that includes today does, for its duration only.
        lotse.create_deputy(&cm1, DeputyInput { absent_user_id: None, deputy_user_id: cm1b.user_id.clone(), from: today(), until: today() }).await.unwrap();
        let seen = lotse.staff_cases(&cm1b, &id("s1")).await.unwrap();
        assert_eq!(seen.len(), 49);
        assert!(seen.iter().all(|c| c.person_id.starts_with('x')));
        assert_eq!(lotse.deputies(&cm1).await.unwrap().len(), 3);
        // A deputy at another provider, or an end before the start: refused.
        let e = lotse.create_deputy(&cm1, DeputyInput { absent_user_id: None, deputy_user_id: cm2.user_id.clone(), from: today(), until: today() }).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "deputy_user_id");
        let e = lotse.create_deputy(&cm1, DeputyInput { absent_user_id: None, deputy_user_id: cm1b.user_id.clone(), from: today(), until: today() - Duration::days(1) }).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "until");
    }

    async fn retention_anonymises_and_past_reports_stay_the_same(db) {
        let lotse = &db.lotse;
        lotse_service::demo::load(lotse).await.unwrap();
        let sys = Actor::system(TenantId::parse("leverkusen").unwrap());
        let figures = |name: &'static str, year: i32, program: Option<&'static str>| {
            let sys = sys.clone();
            async move {
                let params = ReportParams { year: Some(year.to_string()), program: program.map(Into::into), ..Default::default() };
                let r = lotse.report(&sys, &params.request(name).unwrap()).await.unwrap();
                let v = lotse_reports::render::json(&r, lotse_domain::Lang::De);
                v.get("figures").cloned().unwrap_or(v)
            }
        };
        let asked: [(&'static str, i32, Option<&'static str>); 5] = [
            ("key-figures", 2021, None), ("key-figures", 2022, None), ("programme", 2022, Some("durchstarten")),
            ("esf", 2021, None), ("esf", 2022, None),
        ];
        let mut before = vec![];
        for (n, y, p) in asked {
            before.push(figures(n, y, p).await);
        }
        assert!(before[0].as_object().unwrap().len() > 5, "{}", before[0]);
        lotse.set_retention_rules(&sys, vec![RetentionRule { kind: "after_case_closed".into(), years: 2, program_id: None }]).await.unwrap();
        let day = today();
        let dry = lotse.retention_run(&sys, day, true).await.unwrap();
        let n = dry.items.len();
        assert!(n >= 90, "{n} persons due");
        assert!(dry.items.iter().all(|i| i.action == "anonymise" && i.retention_ended < day));
        let some = dry.items[0].person_id.clone();
        // Contact data, a residence history and case work about that person, to be forgotten too.
        let pid = id(&some);
        let before_p = lotse.person(&sys, &pid).await.unwrap();
        let family = before_p.attributes.family_name.clone().unwrap();
        let mut with_contact = before_p.attributes.clone();
        with_contact.phone = Some("+49 214 1234567".into());
        lotse.update_person(&sys, &pid, with_contact).await.unwrap();
        let found = lotse.persons(&sys, lotse_service::persons::PersonQuery { q: Some(family.clone()), limit: Some(500), offset: None, sort: None }).await.unwrap();
        assert!(found.items.iter().any(|p| p.id == some), "found by name before");
        // A dry run changes nothing.
        let p = lotse.export_person(&sys, &id(&some)).await.unwrap();
        assert!(p["person"]["family_name"].is_string(), "{}", p["person"]);
        let done = lotse.retention_run(&sys, day, false).await.unwrap();
        assert_eq!(done.items.len(), n);
        for (i, (name, y, prog)) in asked.iter().enumerate() {
            assert_eq!(figures(name, *y, *prog).await, before[i], "{name} {y} changed by the retention run");
        }
        // Nothing directly identifying remains; the audit trail's values are erased.
        let p = lotse.export_person(&sys, &id(&some)).await.unwrap();
        assert!(p["person"]["family_name"].is_null() && p["person"]["given_name"].is_null(), "{}", p["person"]);
        assert!(p["anonymised_at"].is_string());
        assert!(p["person"]["phone"].is_null(), "contact data removed: {}", p["person"]);
        let found = lotse.persons(&sys, lotse_service::persons::PersonQuery { q: Some(family), limit: Some(500), offset: None, sort: None }).await.unwrap();
        assert!(!found.items.iter().any(|p| p.id == some), "no longer found by the name");
        // Nor does the typo vocabulary keep a name that no remaining person has.
        use lotse_testkit::sea_orm::ConnectionTrait;
        let orphans = lotse
            .db
            .query_one_raw(lotse_testkit::sea_orm::Statement::from_string(
                lotse.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM name_variants v WHERE NOT EXISTS (SELECT 1 FROM person_search s \
                 WHERE s.tenant_id = v.tenant_id AND (s.\"key\" = 'e:' || v.token OR s.\"key\" = 'n:' || v.token))",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(orphans, 0, "vocabulary tokens without a person");
        assert!(p["consents"].as_array().unwrap().is_empty());
        let trail = p["audit_trail"].as_array().unwrap();
        assert!(trail.iter().filter(|e| e["action"] == "create").all(|e| e["changes"] == serde_json::json!({"erased": true})), "{trail:?}");
        // A second run finds nobody.
        assert!(lotse.retention_run(&sys, day, true).await.unwrap().items.is_empty());
        assert!(lotse.verify_audit(&sys).await.unwrap().ok);
    }

    async fn esf_retention_runs_from_the_end_of_the_year(db) {
        let lotse = &db.lotse;
        let sys = setup(lotse).await;
        let files = vec![
            file("persons.csv", "person_id,provider_id,given_name,family_name,birth_date,gender\nesf1,p1,Eva,Ende,1980-01-01,female\nnocase,p1,Nora,Ohnefall,1980-01-01,female\n".into()),
            file("participations.csv", "participation_id,person_id,offer_id,staff_id,entry_date,exit_date,exit_reason\nce1,esf1,o1,s1,2019-01-01,2021-03-01,completed\n".into()),
        ];
        lotse.import_bundle(&sys, &Bundle::from_memory("t", files), None).await.unwrap();
        lotse.set_retention_rules(&sys, vec![RetentionRule { kind: "esf".into(), years: 5, program_id: Some("prog".into()) }]).await.unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // Five years after 31 December 2021: due from 1 January 2027, not before.
        let due = lotse.retention_due(&sys, d("2026-12-31")).await.unwrap();
        assert!(due.is_empty(), "{due:?}");
        let due = lotse.retention_due(&sys, d("2027-01-01")).await.unwrap();
        assert_eq!(due.iter().map(|i| (i.person_id.as_str(), i.retention_ended, i.action.as_str())).collect::<Vec<_>>(), [("esf1", d("2026-12-31"), "anonymise")]);
        // after_case_closed also covers persons without a case, from their record's creation: deleted.
        lotse.set_retention_rules(&sys, vec![RetentionRule { kind: "after_case_closed".into(), years: 1, program_id: None }]).await.unwrap();
        let later = today() + Duration::days(800);
        let due = lotse.retention_due(&sys, later).await.unwrap();
        let nocase = due.iter().find(|i| i.person_id == "nocase").unwrap();
        assert_eq!(nocase.action, "delete");
        assert_eq!(nocase.retention_ended.year(), today().year() + 1);
        assert!(!due.iter().any(|i| i.person_id == "anna"), "open case: not due");
        lotse.retention_run(&sys, later, false).await.unwrap();
        assert!(matches!(lotse.person(&sys, &id("nocase")).await, Err(DomainError::NotFound { .. })));
        // Rules are checked: an unknown kind is refused, naming the field.
        let e = lotse.set_retention_rules(&sys, vec![RetentionRule { kind: "forever".into(), years: 5, program_id: None }]).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "rules[0].kind");
        let admin = account(lotse, "t", "adm", Role::Admin, None).await;
        assert_eq!(lotse.retention_rules(&admin).await.unwrap().len(), 1);
        let cm = account(lotse, "t", "cm1", Role::CaseManager, Some("p1")).await;
        assert!(matches!(lotse.retention_rules(&cm).await, Err(DomainError::Forbidden { .. })));
    }

    async fn consent_forms_in_every_language_with_all_sections(db) {
        let lotse = &db.lotse;
        setup(lotse).await;
        let cm = account(lotse, "t", "cm1", Role::CaseManager, Some("p1")).await;
        let sources = lotse_service::consent_form::built_in_sources();
        let names: Vec<&str> = sources.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["ar", "de", "en", "prs", "tr", "uk"]);
        for (name, src) in sources {
            let f = lotse_service::consent_form::Form::parse(src).unwrap_or_else(|e| panic!("{name}: {e}"));
            let keys: Vec<&str> = f.sections.iter().map(|(k, _, _)| k.as_str()).collect();
            assert_eq!(keys, lotse_service::consent_form::SECTIONS, "{name}");
            let rtl = matches!(*name, "ar" | "prs");
            assert_eq!(f.field("dir"), if rtl { "rtl" } else { "ltr" }, "{name}");
            // Every form names the legal bases and the withdrawal.
            let all: String = f.sections.iter().map(|s| s.2.clone()).collect();
            assert!(all.contains("67b"), "{name}: § 67b SGB X");
            // Art. 6 and Art. 9 (Dari writes Persian digits).
            assert!(all.contains(['6', '۶']) && all.contains(['9', '۹']), "{name}");
        }
        let langs: Vec<String> = lotse_service::consent_form::all().into_iter().map(|f| f.lang).collect();
        assert_eq!(langs, ["ar", "de", "en", "fa-AF", "tr", "uk"]);
        let html = lotse.consent_form(&cm, &id("anna"), "ar").await.unwrap();
        assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{}", &html[..200]);
        assert!(html.contains("Anna Beispiel") && html.contains("Träger Eins") && html.contains("@media print"));
        assert!(html.contains("التوقيع"));
        let html = lotse.consent_form(&cm, &id("anna"), "fa-AF").await.unwrap();
        assert!(html.contains(r#"lang="fa-AF" dir="rtl""#));
        let html = lotse.consent_form(&cm, &id("anna"), "de").await.unwrap();
        assert!(html.contains(r#"lang="de" dir="ltr""#) && html.contains("Art. 9 Abs. 2 Buchst. a DSGVO") && html.contains("Unterschrift"));
        let e = lotse.consent_form(&cm, &id("anna"), "xx").await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "lang");
    }

    async fn accounts_are_changed_locked_and_given_new_passwords(db) {
        let lotse = &db.lotse;
        setup(lotse).await;
        let tid = TenantId::parse("t").unwrap();
        let admin = account(lotse, "t", "admin1", Role::Admin, None).await;
        let pa = account(lotse, "t", "pa1", Role::ProviderAdmin, Some("p1")).await;
        let auditor = account(lotse, "t", "pruefung", Role::Auditor, None).await;
        account(lotse, "t", "cm1", Role::CaseManager, Some("p1")).await;
        account(lotse, "t", "cm3", Role::CaseManager, Some("p2")).await;
        let login = |l: &str| Login::parse(l).unwrap();
        let upd = |role: Role, provider: Option<&str>, active: bool| UserUpdate {
            display_name: "Carla Meier".into(),
            role,
            provider_id: provider.map(id),
            staff_id: None,
            active,
        };
        let session = lotse.login(&tid, &login("cm1"), "test-passwort", None).await.unwrap();
        let cm = session.actor.clone();
        let token = lotse.create_token(&cm, NewToken { name: "Abgleich".into(), days: None, login: None }).await.unwrap();
        assert!(lotse.authenticate_token(&token.token, None).await.is_ok());

        // A new name keeps the account signed in; the trail says before and after.
        let u = lotse.update_user(&admin, &login("cm1"), upd(Role::CaseManager, Some("p1"), true)).await.unwrap();
        assert_eq!((u.display_name.as_str(), u.role, u.active), ("Carla Meier", Role::CaseManager, true));
        assert!(lotse.session(&session.cookie, None).await.is_ok());
        let trail = lotse
            .audit_entries(&auditor, &AuditFilter { entity: Some("user".into()), entity_id: Some(u.id.clone()), action: Some("update".into()), ..Default::default() }, PageRequest::default())
            .await
            .unwrap()
            .items;
        assert_eq!(trail[0].changes, serde_json::json!({"display_name": {"before": "cm1", "after": "Carla Meier"}}));
        // The same again changes nothing and writes nothing.
        lotse.update_user(&admin, &login("cm1"), upd(Role::CaseManager, Some("p1"), true)).await.unwrap();
        let again = lotse
            .audit_entries(&auditor, &AuditFilter { entity: Some("user".into()), entity_id: Some(u.id.clone()), action: Some("update".into()), ..Default::default() }, PageRequest::default())
            .await
            .unwrap()
            .items;
        assert_eq!(again.len(), 1);

        // Refused changes change nothing.
        let before = lotse.user(&admin, &login("cm1")).await.unwrap();
        let e = lotse.update_user(&admin, &login("cm1"), upd(Role::Coordinator, Some("p1"), true)).await.unwrap_err();
        assert_eq!(invalid_field(&e), ("provider_id", "Die Rolle Koordination gehört zum Amt, nicht zu einem Träger: bitte keinen Träger angeben."));
        let e = lotse.update_user(&admin, &login("cm1"), upd(Role::CaseManager, None, true)).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "provider_id");
        let e = lotse.update_user(&admin, &login("cm1"), upd(Role::CaseManager, Some("p9"), true)).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "provider_id");
        let e = lotse
            .update_user(&admin, &login("cm1"), UserUpdate { staff_id: Some("s3".into()), ..upd(Role::CaseManager, Some("p1"), true) })
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), ("staff_id", "„s3“ ist keine Fachkraft des Trägers dieses Kontos."));
        // A provider administrator manages their own provider's staff only:
        // no promotion to the department, no move to another provider, and
        // another provider's account is not found.
        let e = lotse.update_user(&pa, &login("cm1"), upd(Role::Coordinator, None, true)).await.unwrap_err();
        assert!(matches!(e, DomainError::Forbidden { .. }), "{e:?}");
        let e = lotse.update_user(&pa, &login("cm1"), upd(Role::CaseManager, Some("p2"), true)).await.unwrap_err();
        assert!(matches!(e, DomainError::Forbidden { .. }), "{e:?}");
        let e = lotse.update_user(&pa, &login("cm3"), upd(Role::CaseManager, Some("p2"), true)).await.unwrap_err();
        assert!(matches!(e, DomainError::NotFound { .. }), "{e:?}");
        assert!(matches!(lotse.update_user(&cm, &login("cm1"), upd(Role::CaseManager, Some("p1"), true)).await, Err(DomainError::Forbidden { .. })));
        // Nobody changes the rights of their own account; their name they may.
        let e = lotse.update_user(&admin, &login("admin1"), upd(Role::Admin, None, false)).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "active");
        let e = lotse.update_user(&admin, &login("admin1"), upd(Role::Coordinator, None, true)).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "role");
        assert!(lotse.update_user(&admin, &login("admin1"), upd(Role::Admin, None, true)).await.is_ok());
        let after = lotse.user(&admin, &login("cm1")).await.unwrap();
        assert_eq!(
            (after.role, after.provider_id.clone(), after.staff_id.clone(), after.active),
            (before.role, before.provider_id.clone(), before.staff_id.clone(), before.active)
        );
        assert!(lotse.session(&session.cookie, None).await.is_ok());

        // Locking ends the sessions and tokens; the account cannot sign in.
        let u = lotse.update_user(&pa, &login("cm1"), upd(Role::CaseManager, Some("p1"), false)).await.unwrap();
        assert!(!u.active);
        assert!(matches!(lotse.session(&session.cookie, None).await, Err(DomainError::Unauthenticated)));
        assert!(matches!(lotse.authenticate_token(&token.token, None).await, Err(DomainError::Unauthenticated)));
        assert!(matches!(lotse.login(&tid, &login("cm1"), "test-passwort", None).await, Err(DomainError::Unauthenticated)));
        let trail = lotse
            .audit_entries(&auditor, &AuditFilter { entity: Some("user".into()), entity_id: Some(u.id.clone()), action: Some("update".into()), ..Default::default() }, PageRequest::default())
            .await
            .unwrap()
            .items;
        assert_eq!(trail[0].changes, serde_json::json!({"active": {"before": true, "after": false}, "tokens_revoked": 1}));
        assert_eq!(trail[0].actor, "pa1");
        // Unlocked, it signs in again; a role change ends that session too.
        lotse.update_user(&admin, &login("cm1"), upd(Role::CaseManager, Some("p1"), true)).await.unwrap();
        let session = lotse.login(&tid, &login("cm1"), "test-passwort", None).await.unwrap();
        let token = lotse.create_token(&session.actor, NewToken { name: "Abgleich".into(), days: None, login: None }).await.unwrap();
        let u = lotse.update_user(&admin, &login("cm1"), upd(Role::ProviderAdmin, Some("p1"), true)).await.unwrap();
        assert_eq!(u.role, Role::ProviderAdmin);
        assert!(lotse.session(&session.cookie, None).await.is_err());
        assert!(lotse.authenticate_token(&token.token, None).await.is_err(), "a role change revokes the tokens");
        // A move to another provider ends them as well; the provider administrator of the first then no longer finds it.
        let session = lotse.login(&tid, &login("cm1"), "test-passwort", None).await.unwrap();
        let u = lotse.update_user(&admin, &login("cm1"), upd(Role::CaseManager, Some("p2"), true)).await.unwrap();
        assert_eq!(u.provider_id.as_deref(), Some("p2"));
        assert!(lotse.session(&session.cookie, None).await.is_err());
        assert!(matches!(lotse.user(&pa, &login("cm1")).await, Err(DomainError::NotFound { .. })));
        lotse.update_user(&admin, &login("cm1"), upd(Role::CaseManager, Some("p1"), true)).await.unwrap();

        // Passwords: at least 12 characters, not the login, not one repeated character.
        for (bad, why) in [("kurz-11-zch", "mindestens 12 Zeichen"), ("ich-bin-cm1-hallo", "Anmeldenamen"), ("aaaaaaaaaaaaaa", "wiederholten")] {
            let e = lotse.reset_password(&admin, &login("cm1"), bad.into()).await.unwrap_err();
            assert!(invalid_field(&e).1.contains(why), "{bad}: {e:?}");
        }
        lotse.reset_password(&admin, &login("cm1"), "neues-passwort-1".into()).await.unwrap();
        assert!(lotse.login(&tid, &login("cm1"), "test-passwort", None).await.is_err());
        let here = lotse.login(&tid, &login("cm1"), "neues-passwort-1", None).await.unwrap();
        let elsewhere = lotse.login(&tid, &login("cm1"), "neues-passwort-1", None).await.unwrap();
        let token = lotse.create_token(&here.actor, NewToken { name: "Abgleich".into(), days: None, login: None }).await.unwrap();
        // One's own password: the current one proves it is them.
        let own = |cur: &'static str, new: &'static str| lotse.change_own_password(&here.actor, cur, new.into(), Some(&here.cookie));
        assert_eq!(invalid_field(&own("falsch", "mein-eigenes-passwort").await.unwrap_err()).0, "current");
        assert_eq!(invalid_field(&own("neues-passwort-1", "zu-kurz").await.unwrap_err()).0, "password");
        assert_eq!(invalid_field(&own("neues-passwort-1", "neues-passwort-1").await.unwrap_err()).0, "password");
        assert!(lotse.login(&tid, &login("cm1"), "neues-passwort-1", None).await.is_ok());
        own("neues-passwort-1", "mein-eigenes-passwort").await.unwrap();
        // This session stays, the other ends, the token stays.
        assert!(lotse.session(&here.cookie, None).await.is_ok());
        assert!(lotse.session(&elsewhere.cookie, None).await.is_err());
        assert!(lotse.authenticate_token(&token.token, None).await.is_ok());
        assert!(lotse.login(&tid, &login("cm1"), "mein-eigenes-passwort", None).await.is_ok());
        // A refused change of one's own password is in the trail; five wrong
        // ones in a row stop even the right one for a while (the sign-in throttle).
        let refused = lotse
            .audit_entries(&auditor, &AuditFilter { entity: Some("user".into()), entity_id: Some(u.id.clone()), action: Some("update".into()), ..Default::default() }, PageRequest::default())
            .await
            .unwrap()
            .items;
        assert!(refused.iter().any(|e| e.changes == serde_json::json!({"password": "change refused: current password wrong"})), "{refused:?}");
        for _ in 0..5 {
            let _ = lotse.change_own_password(&here.actor, "falsch", "noch-ein-passwort".into(), None).await;
        }
        let e = lotse.change_own_password(&here.actor, "mein-eigenes-passwort", "noch-ein-passwort".into(), None).await.unwrap_err();
        assert!(matches!(e, DomainError::Throttled { .. }), "{e:?}");
        // An administrator's own password is not reset as another's.
        let e = lotse.reset_password(&admin, &login("admin1"), "ein-neues-passwort".into()).await.unwrap_err();
        assert!(invalid_field(&e).1.contains("Mein Konto"), "{e:?}");
        // The tenant keeps an active administrator, even against the operator.
        let sys = Actor::system(tid.clone());
        let e = lotse.update_user(&sys, &login("admin1"), UserUpdate { display_name: String::new(), ..upd(Role::Admin, None, false) }).await.unwrap_err();
        assert!(invalid_field(&e).1.contains("letzte aktive Konto mit Administrationsrechten"), "{e:?}");
        let e = lotse.update_user(&sys, &login("admin1"), UserUpdate { display_name: String::new(), ..upd(Role::Coordinator, None, true) }).await.unwrap_err();
        assert_eq!(invalid_field(&e).0, "role");
        account(lotse, "t", "admin2", Role::Admin, None).await;
        assert!(!lotse.update_user(&sys, &login("admin1"), upd(Role::Admin, None, false)).await.unwrap().active, "with a second one it may be locked");
        // Accounts are read by id as by login, within the same scope.
        let by_id = lotse.user_by_id(&pa, &u.id).await.unwrap();
        assert_eq!(by_id.login, "cm1");
        let cm3 = lotse.user(&admin, &login("cm3")).await.unwrap();
        assert!(matches!(lotse.user_by_id(&pa, &cm3.id).await, Err(DomainError::NotFound { .. })));
    }
}
