//! Programmes, offers with sessions, attendance and waiting list, incoming
//! handovers and retention rules in the browser, each screen checked with axe.

use fantoccini::Locator;
use lotse_domain::{Actor, EntityId, TenantId};

use crate::harness::Browser;

/// A coordinator walks programmes, modules and offers from the navigation,
/// sorts a list by a header, makes a mistake in the offer form and sees it
/// beside the field, and adds a session to a group offer; a case manager
/// records who attended.
#[tokio::test(flavor = "multi_thread")]
async fn programmes_offers_sessions_and_attendance() {
    let b = Browser::start().await;
    let mut failures = vec![];
    b.sign_in("coordinator@krefeld").await;
    b.c.find(Locator::LinkText("Programme und Angebote")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("th[aria-sort]")).await.unwrap();
    assert!(b.text().await.contains("Kommunale Beschäftigungsförderung"));
    b.check("programme", &mut failures).await;
    // The sorted column's header turns the order round.
    let sorted = b.c.find(Locator::Css("th[aria-sort=ascending] a")).await.unwrap();
    sorted.click().await.unwrap();
    b.c.wait().for_element(Locator::Css("th[aria-sort=descending]")).await.unwrap();

    b.c.find(Locator::LinkText("Förderbausteine")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("f-program_id")).await.unwrap();
    b.check("foerderbausteine", &mut failures).await;
    // The forms for a new programme and a new module.
    b.goto("/programme/neu").await;
    b.c.wait().for_element(Locator::Css("form.form")).await.unwrap();
    assert!(b.text().await.contains("Programm"));
    b.check("programm-neu", &mut failures).await;
    b.goto("/foerderbausteine/neu").await;
    b.c.wait().for_element(Locator::Css("form.form")).await.unwrap();
    b.check("foerderbaustein-neu", &mut failures).await;
    b.c.find(Locator::LinkText("Programme und Angebote")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("th[aria-sort]")).await.unwrap();
    b.c.find(Locator::LinkText("Förderbausteine")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("f-program_id")).await.unwrap();
    b.c.find(Locator::LinkText("Angebote")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("f-delivery")).await.unwrap();
    b.c.find(Locator::Css("#f-delivery option[value=group]")).await.unwrap().click().await.unwrap();
    b.c.find(Locator::Css("form.filters button")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("tbody th a")).await.unwrap();
    assert!(b.text().await.contains("Gruppenangebot"));
    b.check("angebote", &mut failures).await;

    // A new offer with a capacity in words: the error beside the field, what was typed kept.
    b.c.find(Locator::LinkText("Neues Angebot")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("offer_id")).await.unwrap();
    b.c.find(Locator::Id("offer_id")).await.unwrap().send_keys("lerntreff").await.unwrap();
    b.c.find(Locator::Id("name")).await.unwrap().send_keys("Lerntreff Süd").await.unwrap();
    b.c.find(Locator::Css("#delivery option[value=group]")).await.unwrap().click().await.unwrap();
    b.c.find(Locator::Id("capacity")).await.unwrap().send_keys("zwölf").await.unwrap();
    b.submit("neu").await;
    let capacity = b.c.find(Locator::Id("capacity")).await.unwrap();
    assert_eq!(capacity.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(capacity.prop("value").await.unwrap().as_deref(), Some("zwölf"));
    b.check("angebot-fehler", &mut failures).await;
    let capacity = b.c.find(Locator::Id("capacity")).await.unwrap();
    capacity.clear().await.unwrap();
    capacity.send_keys("12").await.unwrap();
    b.submit("neu").await;
    assert!(b.text().await.contains("Gespeichert."));
    b.check("angebot", &mut failures).await;

    b.goto("/angebote/kr-g0101").await;
    b.c.find(Locator::LinkText("Termine und Anwesenheit")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("head_count")).await.unwrap();
    b.c.find(Locator::Id("date")).await.unwrap().send_keys("05.04.2023").await.unwrap();
    b.c.find(Locator::Id("head_count")).await.unwrap().send_keys("14").await.unwrap();
    b.submit("termine").await;
    assert!(b.text().await.contains("05.04.2023"));
    b.check("termine", &mut failures).await;
    b.sign_out().await;

    b.sign_in("case_manager@krefeld").await;
    b.goto("/angebote/kr-g0101/termine").await;
    b.c.find(Locator::Css("tbody th a")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("fieldset input[type=checkbox]")).await.unwrap();
    b.check("anwesenheit", &mut failures).await;
    let boxes = b.c.find_all(Locator::Css("fieldset input[type=checkbox]")).await.unwrap();
    let was = boxes[0].prop("checked").await.unwrap();
    boxes[0].click().await.unwrap();
    b.submit(&b.c.current_url().await.unwrap().path().rsplit('/').next().unwrap().to_owned()).await;
    assert!(b.text().await.contains("Gespeichert."));
    let now = b.c.find(Locator::Css("fieldset input[type=checkbox]")).await.unwrap().prop("checked").await.unwrap();
    assert_ne!(was, now, "the tick was saved");
    b.close().await;
    assert!(failures.is_empty(), "accessibility violations (serious/critical):\n{}", failures.join("\n"));
}

/// A handover to dekra waits on its case manager's start page; accepted, the
/// person's record opens. The waiting list shows on the offer and the person.
#[tokio::test(flavor = "multi_thread")]
async fn a_handover_is_accepted_and_a_waiting_list_is_seen() {
    let b = Browser::start().await;
    let mut failures = vec![];
    let lotse = &b.db.lotse;
    let lev = Actor::system(TenantId::parse("leverkusen").unwrap());
    let person = lotse
        .persons(&lev, Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|p| p.attributes.provider_id.as_str() == "kja")
        .unwrap();
    let id = EntityId::parse(&person.id).unwrap();
    let today = chrono::Local::now().date_naive();
    let consent = lotse_service::consents::ConsentInput {
        scope: lotse_domain::consent::ConsentScope::ShareWithProvider,
        provider_id: Some("dekra".into()),
        program_id: None,
        given_date: today,
    };
    lotse.record_consent(&lev, &id, consent).await.unwrap();
    let ask =
        lotse_service::handover::HandoverInput { to_provider: "dekra".into(), note: Some("Umzug nach Opladen".into()) };
    lotse.request_handover(&lev, &id, ask).await.unwrap();

    b.sign_in("case_manager.dekra@leverkusen").await;
    assert!(b.text().await.contains("Eine Übergabe wartet auf Ihre Entscheidung"));
    b.check("start-uebergabe", &mut failures).await;
    b.c.find(Locator::Css("main a[href='/uebergaben']")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("form[action^='/uebergaben/']")).await.unwrap();
    assert!(b.text().await.contains("Umzug nach Opladen"));
    b.check("uebergaben", &mut failures).await;
    b.c.execute("document.body.dataset.old = '1';", vec![]).await.unwrap();
    b.c.find(Locator::Css("form[action^='/uebergaben/'] button")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("faelle")).await.unwrap();
    assert!(b.text().await.contains("dekra"));
    b.sign_out().await;

    // The waiting list: an offer with one place, taken, and one person waiting.
    let kr = Actor::system(TenantId::parse("krefeld").unwrap());
    let offer = serde_json::json!({"offer_id": "klein", "name": "Coaching mit einem Platz", "provider_id": "kzb", "delivery": "individual", "capacity": 1});
    lotse.save_record(&kr, "offers", offer.as_object().unwrap().clone()).await.unwrap();
    let mut f = lotse_service::records::Record::new();
    f.insert("provider_id".into(), "kzb".into());
    let staff = lotse.records(&kr, "staff", &f, Default::default()).await.unwrap().items[0]["staff_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let persons = lotse.persons(&kr, Default::default()).await.unwrap().items;
    for (p, waiting) in [(&persons[0], false), (&persons[1], true)] {
        let open: lotse_service::cases::OpenCase = serde_json::from_value(serde_json::json!({
            "person_id": p.id, "offer_id": "klein", "staff_id": staff, "entry_date": "2026-11-02", "waiting_list": waiting}))
        .unwrap();
        lotse.open_case(&kr, open).await.unwrap();
    }
    b.sign_in("case_manager@krefeld").await;
    b.goto("/angebote/klein").await;
    b.c.wait().for_element(Locator::Id("warteliste")).await.unwrap();
    assert!(b.text().await.contains("Warteliste, nächste zuerst (1)"));
    b.check("angebot-warteliste", &mut failures).await;
    b.c.find(Locator::Css("section[aria-labelledby=warteliste] tbody th a")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("faelle")).await.unwrap();
    assert!(b.text().await.contains("wartet auf Coaching mit einem Platz"));
    b.check("person-warteliste", &mut failures).await;
    b.close().await;
    assert!(failures.is_empty(), "accessibility violations (serious/critical):\n{}", failures.join("\n"));
}

/// The administration keeps the retention rules: a wrong number beside its
/// field, then a rule saved.
#[tokio::test(flavor = "multi_thread")]
async fn retention_rules_are_kept_in_the_administration() {
    let b = Browser::start().await;
    let mut failures = vec![];
    b.sign_in("admin@krefeld").await;
    b.c.find(Locator::LinkText("Aufbewahrung")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("years")).await.unwrap();
    b.check("aufbewahrung", &mut failures).await;
    b.c.find(Locator::Id("years")).await.unwrap().send_keys("0").await.unwrap();
    b.submit("aufbewahrung").await;
    let years = b.c.find(Locator::Id("years")).await.unwrap();
    assert_eq!(years.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    b.check("aufbewahrung-fehler", &mut failures).await;
    let years = b.c.find(Locator::Id("years")).await.unwrap();
    years.clear().await.unwrap();
    years.send_keys("10").await.unwrap();
    b.submit("aufbewahrung").await;
    assert!(b.text().await.contains("Die Regeln sind gespeichert"));
    b.close().await;
    assert!(failures.is_empty(), "accessibility violations (serious/critical):\n{}", failures.join("\n"));
}
