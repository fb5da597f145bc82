//! Coordinators' workflows through the pages, keyboard use, and axe on each screen.

use fantoccini::Locator;
use fantoccini::key::Key;

use crate::harness::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn a_coordinator_works_through_allocation_offer_map_governance_finance_and_reports() {
    let b = Browser::start().await;
    let mut failures = vec![];
    b.goto("/anmelden").await;
    b.check("anmelden", &mut failures).await;

    // Keyboard: the first Tab reaches the skip link, which leads to the content.
    b.c.find(Locator::Css("body")).await.unwrap().send_keys(&Key::Tab.to_string()).await.unwrap();
    let focused = b.c.active_element().await.unwrap();
    assert_eq!(focused.attr("class").await.unwrap().as_deref(), Some("skip"));

    // Signing in with a wrong password: the message, the login kept.
    b.c.find(Locator::Id("login")).await.unwrap().send_keys("coordinator@nrw").await.unwrap();
    b.c.find(Locator::Id("password")).await.unwrap().send_keys("falsch").await.unwrap();
    b.c.find(Locator::Css("form.form button[type=submit]")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("[role=alert]")).await.unwrap();
    assert!(b.text().await.contains("Anmeldename oder Passwort ist falsch"));
    b.check("anmelden-fehler", &mut failures).await;

    b.sign_in("coordinator@nrw").await;
    b.check("start", &mut failures).await;

    // Allocation: reached from the navigation, typed as a German user types amounts.
    b.c.find(Locator::LinkText("Mittelverteilung")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("total")).await.unwrap();
    b.c.find(Locator::Id("total")).await.unwrap().send_keys("5.000.000,00").await.unwrap();
    b.c.find(Locator::Css("form.form button[type=submit]")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("section.report table")).await.unwrap();
    let text = b.text().await;
    assert!(text.contains("Köln (05315)") && text.contains("Hochsauerlandkreis"), "{text}");
    b.check("mittelverteilung", &mut failures).await;
    // A wrong amount: the error beside the field, focusable, the input kept.
    let total = b.c.find(Locator::Id("total")).await.unwrap();
    total.clear().await.unwrap();
    total.send_keys("viel").await.unwrap();
    b.c.find(Locator::Css("form.form button[type=submit]")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("[role=alert]")).await.unwrap();
    let total = b.c.find(Locator::Id("total")).await.unwrap();
    assert_eq!(total.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(total.prop("value").await.unwrap().as_deref(), Some("viel"));
    b.check("mittelverteilung-fehler", &mut failures).await;

    b.goto("/innovationsfonds").await;
    let text = b.text().await;
    assert!(text.contains("93") && text.contains("70,1 %"), "{text}");
    b.check("innovationsfonds", &mut failures).await;
    b.sign_out().await;

    b.sign_in("coordinator@krefeld").await;
    b.goto("/angebotslandkarte").await;
    assert!(b.text().await.contains("Lücken"));
    b.check("angebotslandkarte", &mut failures).await;
    b.goto("/gremien").await;
    assert!(b.text().await.contains("verspätet"));
    b.check("gremien", &mut failures).await;
    b.goto("/finanzen?program=kommunal&year=2023&funder=land").await;
    assert!(b.text().await.contains("1.420.000,00 €"));
    b.check("finanzen", &mut failures).await;

    // Reports: choose, see, and the PDF link answers with a PDF.
    b.goto("/berichte").await;
    b.c.find(Locator::Id("year")).await.unwrap().send_keys("2023").await.unwrap();
    b.c.find(Locator::Css("form.form button[type=submit]")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("section.report")).await.unwrap();
    let text = b.text().await;
    assert!(text.contains("1.351") && text.contains("21.700"), "{text}");
    b.check("berichte", &mut failures).await;
    let href = b.c.find(Locator::LinkText("PDF")).await.unwrap().attr("href").await.unwrap().unwrap();
    let url = if href.starts_with("http") { href } else { b.app.url(&href) };
    let cookie = b.c.get_named_cookie("lotse_session").await.unwrap();
    let pdf = reqwest::Client::new()
        .get(url)
        .header("cookie", format!("lotse_session={}", cookie.value()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"), "the download is a PDF");
    // The other downloads of the same report, as the browser's links give them.
    for (link, kind) in [("Excel (XLSX)", "spreadsheetml"), ("CSV", "text/csv"), ("JSON", "application/json")] {
        let href = b.c.find(Locator::LinkText(link)).await.unwrap().attr("href").await.unwrap().unwrap();
        let url = if href.starts_with("http") { href } else { b.app.url(&href) };
        let res = reqwest::Client::new()
            .get(url)
            .header("cookie", format!("lotse_session={}", cookie.value()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{link}");
        let ctype = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ctype.contains(kind), "{link}: {ctype}");
        let body = res.bytes().await.unwrap();
        match link {
            "Excel (XLSX)" => assert!(body.starts_with(b"PK"), "an XLSX is a zip"),
            "JSON" => {
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert!(v.to_string().contains("1351"), "the JSON has the figure");
            }
            _ => assert!(String::from_utf8_lossy(&body).contains("1351"), "the CSV has the figure"),
        }
    }
    // An evaluation of a half year by gender: the period as German dates, the
    // dimension among the further details.
    b.goto("/berichte").await;
    b.c.find(Locator::Css("#name option[value=query]")).await.unwrap().click().await.unwrap();
    b.c.find(Locator::Id("from")).await.unwrap().send_keys("01.01.2023").await.unwrap();
    b.c.find(Locator::Id("to")).await.unwrap().send_keys("30.06.2023").await.unwrap();
    b.c.find(Locator::Css("details summary")).await.unwrap().click().await.unwrap();
    b.c.find(Locator::Css("#rows option[value=gender]")).await.unwrap().click().await.unwrap();
    // Without columns: the error at the columns' field.
    b.click_and_load("#form-bericht button[type=submit]").await;
    let cols = b.c.find(Locator::Id("cols")).await.unwrap();
    assert_eq!(cols.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert!(b.text().await.contains("Der Bericht wurde nicht erstellt: Spalten: erwartet wird eine Dimension"));
    b.check("bericht-auswertung-fehler", &mut failures).await;
    b.c.find(Locator::Css("#cols option[value=entry_year]")).await.unwrap().click().await.unwrap();
    b.click_and_load("#form-bericht button[type=submit]").await;
    let text = b.text().await;
    assert!(text.contains("weiblich") && text.contains("01.01.2023"), "{text}");
    b.check("bericht-auswertung", &mut failures).await;

    b.goto("/barrierefreiheit").await;
    b.check("barrierefreiheit", &mut failures).await;
    b.close().await;
    assert!(failures.is_empty(), "accessibility violations (serious/critical):\n{}", failures.join("\n"));
}

/// The accessibility check can fail: on a page with an unlabelled form
/// field and an image without alternative text, axe reports both.
#[tokio::test(flavor = "multi_thread")]
async fn the_accessibility_check_finds_what_is_wrong() {
    let b = Browser::start().await;
    b.c.goto("data:text/html;charset=utf-8,<!DOCTYPE html><html lang=de><title>x</title><main><img src=x.png><input type=text></main></html>")
        .await
        .unwrap();
    let found = b.axe().await;
    b.close().await;
    assert!(found.iter().any(|v| v.starts_with("image-alt")), "{found:?}");
    assert!(found.iter().any(|v| v.starts_with("label")), "{found:?}");
}

/// Issue 7's second workflow: a coordinator imports a bundle with an error
/// and sees it, then opens the status report and downloads the PDF.
#[tokio::test(flavor = "multi_thread")]
async fn a_coordinator_imports_a_bundle_with_an_error_and_then_opens_the_status_report() {
    let b = Browser::start().await;
    let mut failures = vec![];
    b.sign_in("coordinator@krefeld").await;
    b.c.find(Locator::LinkText("Daten einlesen")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("bundle")).await.unwrap();
    b.check("import", &mut failures).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("persons.csv");
    std::fs::write(
        &file,
        "person_id;provider_id;gender;birth_date\nkr-neu-1;kzb;weiblich;01.02.2001\nkr-neu-2;kzb;female;31.02.2001\n",
    )
    .unwrap();
    b.c.find(Locator::Id("bundle")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    b.c.find(Locator::Css("form.form button[type=submit]")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("fehlerliste")).await.unwrap();
    let text = b.text().await;
    assert!(text.contains("2 Fehler – es wurde nichts übernommen"), "{text}");
    assert!(text.contains("persons.csv 2 gender") && text.contains("persons.csv 3 birth_date"), "{text}");
    b.check("import-fehler", &mut failures).await;
    // The mistake mended: checked without errors, then taken over.
    std::fs::write(
        &file,
        "person_id;provider_id;gender;birth_date\nkr-neu-1;kzb;female;01.02.2001\nkr-neu-2;kzb;female;28.02.2001\n",
    )
    .unwrap();
    b.c.find(Locator::Id("bundle")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    b.click_and_load("form.form button[type=submit]").await;
    let text = b.text().await;
    assert!(text.contains("geprüft, noch nichts geändert") && !text.contains("Fehler –"), "{text}");
    b.check("import-geprueft", &mut failures).await;
    b.submit("uebernehmen").await;
    let text = b.text().await;
    assert!(text.contains("(übernommen)"), "{text}");
    b.check("import-uebernommen", &mut failures).await;

    b.c.find(Locator::LinkText("Berichte")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("year")).await.unwrap();
    b.c.find(Locator::Id("year")).await.unwrap().send_keys("2023").await.unwrap();
    b.c.find(Locator::Css("form.form button[type=submit]")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("section.report")).await.unwrap();
    assert!(b.text().await.contains("Sachstandsbericht – Kennzahlen"));
    let href = b.c.find(Locator::LinkText("PDF")).await.unwrap().attr("href").await.unwrap().unwrap();
    // The link, fetched with the browser's session, gives the PDF.
    let cookie = b.c.get_named_cookie("lotse_session").await.unwrap();
    let res = reqwest::Client::new()
        .get(b.app.url(&href))
        .header("cookie", format!("lotse_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    // Published: frozen, with its title.
    let title = b.c.find(Locator::Id("title")).await.unwrap();
    title.clear().await.unwrap();
    title.send_keys("Sachstand 2023 für den Ausschuss").await.unwrap();
    b.submit("veroeffentlichen").await;
    let text = b.text().await;
    assert!(text.contains("Veröffentlicht als „Sachstand 2023 für den Ausschuss“"), "{text}");
    b.check("bericht-veroeffentlicht", &mut failures).await;
    b.close().await;
    assert!(failures.is_empty(), "accessibility violations (serious/critical):\n{}", failures.join("\n"));
}

/// Administration and the audit trail, each checked with axe.
#[tokio::test(flavor = "multi_thread")]
async fn administration_and_the_audit_trail_pass_the_accessibility_check() {
    let b = Browser::start().await;
    let mut failures = vec![];
    b.sign_in("admin@krefeld").await;
    b.c.find(Locator::LinkText("Benutzerkonten")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("password")).await.unwrap();
    b.check("benutzerkonten", &mut failures).await;
    // A mistake, as a person makes it: the message beside the field, what was typed kept.
    b.c.find(Locator::Id("login")).await.unwrap().send_keys("Neue Kollegin").await.unwrap();
    b.c.find(Locator::Id("password")).await.unwrap().send_keys("lang-genug-2026").await.unwrap();
    b.c.find(Locator::Css("form.form button[type=submit]")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("login-fehler")).await.unwrap();
    let login = b.c.find(Locator::Id("login")).await.unwrap();
    assert_eq!(login.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(login.prop("value").await.unwrap().as_deref(), Some("Neue Kollegin"));
    b.check("benutzerkonten-fehler", &mut failures).await;
    // One account: locked and unlocked again on its own page.
    b.c.find(Locator::LinkText("case_manager")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("active")).await.unwrap();
    b.check("benutzerkonto", &mut failures).await;
    let active = b.c.find(Locator::Id("active")).await.unwrap();
    assert_eq!(active.prop("checked").await.unwrap().as_deref(), Some("true"));
    active.click().await.unwrap();
    b.click_and_load("#form-konto button").await;
    let text = b.text().await;
    assert!(
        text.contains("Die Änderungen sind gespeichert") && text.contains("gesperrt – kann sich nicht anmelden"),
        "{text}"
    );
    b.c.find(Locator::Id("active")).await.unwrap().click().await.unwrap();
    b.click_and_load("#form-konto button").await;
    let text = b.text().await;
    assert!(
        text.contains("Die Änderungen sind gespeichert") && !text.contains("gesperrt – kann sich nicht anmelden"),
        "{text}"
    );
    // A password too short: the message beside the field.
    b.c.find(Locator::Id("password")).await.unwrap().send_keys("kurz").await.unwrap();
    b.click_and_load("#form-passwort button").await;
    let pw = b.c.find(Locator::Id("password")).await.unwrap();
    assert_eq!(pw.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(pw.prop("value").await.unwrap().as_deref(), Some(""), "a password is never sent back");
    b.check("benutzerkonto-fehler", &mut failures).await;
    // The roles, reached from the navigation.
    b.click_and_load("nav a[href='/verwaltung/rollen']").await;
    assert!(b.text().await.contains("Wer darf was?"));
    b.check("rollen", &mut failures).await;
    // One's own account: a wrong current password is named at its field.
    b.click_and_load("a[href='/konto']").await;
    b.c.find(Locator::Id("current")).await.unwrap().send_keys("falsch").await.unwrap();
    b.c.find(Locator::Id("password")).await.unwrap().send_keys("ein-neues-langes-passwort").await.unwrap();
    b.c.find(Locator::Id("repeat")).await.unwrap().send_keys("ein-neues-langes-passwort").await.unwrap();
    b.click_and_load("#form-passwort button").await;
    let current = b.c.find(Locator::Id("current")).await.unwrap();
    assert_eq!(current.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert!(b.text().await.contains("Das bisherige Passwort stimmt nicht."));
    b.check("mein-konto", &mut failures).await;
    b.goto("/zugaenge").await;
    b.check("api-zugaenge", &mut failures).await;
    b.sign_out().await;
    b.sign_in("auditor@krefeld").await;
    b.goto("/protokoll").await;
    b.c.find(Locator::Css("form[action='/protokoll/pruefen'] button")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("[role=status]")).await.unwrap();
    assert!(b.text().await.contains("Die Kette ist unversehrt"));
    b.check("protokoll", &mut failures).await;
    // Controlling: the start page shows figures only.
    b.sign_out().await;
    b.sign_in("controller@krefeld").await;
    let text = b.text().await;
    assert!(text.contains("Kennzahlen 2023") && !text.contains("Verspätete Meilensteine"), "{text}");
    b.check("start-controlling", &mut failures).await;
    b.close().await;
    assert!(failures.is_empty(), "accessibility violations (serious/critical):\n{}", failures.join("\n"));
}

/// Issue 7's first workflow: a case manager signs in, finds a person,
/// opens a case, records the intake, an assessment and a goal, and closes
/// the case with an outcome — each screen checked with axe.
#[tokio::test(flavor = "multi_thread")]
async fn a_case_manager_finds_a_person_opens_a_case_and_closes_it_with_an_outcome() {
    let b = Browser::start().await;
    let mut failures = vec![];
    b.sign_in("case_manager@krefeld").await;
    b.c.find(Locator::LinkText("Personen")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("q")).await.unwrap();
    // The first person's family name, searched for with "ue" for "ü" where it has one.
    let first = b.c.find(Locator::Css("tbody th a")).await.unwrap().text().await.unwrap();
    let family = first.split_whitespace().last().unwrap().to_owned();
    let typed = family.replace('ü', "ue").replace('ö', "oe").replace('ä', "ae");
    b.c.find(Locator::Id("q")).await.unwrap().send_keys(&typed).await.unwrap();
    // (The list before the search has rows too: wait for the new page.)
    b.click_and_load("form[role=search] button").await;
    assert!(b.text().await.contains(&family), "{typed} finds {family}");
    b.check("personen", &mut failures).await;
    b.c.find(Locator::LinkText(&first)).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("offer")).await.unwrap();
    b.check("person", &mut failures).await;
    b.c.find(Locator::Css("form[action$='/fall'] button")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("way_in")).await.unwrap();
    b.submit("zugang").await;
    b.c.find(Locator::Css("#phase option[value=assessment]")).await.unwrap().click().await.unwrap();
    b.submit("phase").await;
    b.c.find(Locator::Css("#r-language option[value='2']")).await.unwrap().click().await.unwrap();
    b.c.find(Locator::Css("#r-housing option[value='4']")).await.unwrap().click().await.unwrap();
    b.submit("einschaetzung").await;
    // A second assessment: the progress over time, as a table.
    b.c.find(Locator::Css("#r-language option[value='4']")).await.unwrap().click().await.unwrap();
    b.submit("einschaetzung").await;
    let text = b.text().await;
    assert!(text.contains("Verlauf der Einschätzungen") && text.contains("+2"), "{text}");
    b.check("fall-verlauf", &mut failures).await;
    b.c.find(Locator::Css("#phase option[value=planning]")).await.unwrap().click().await.unwrap();
    b.submit("phase").await;
    b.c.find(Locator::Id("goal-title")).await.unwrap().send_keys("Ausbildungsplatz in der Pflege").await.unwrap();
    b.c.find(Locator::Id("step-title")).await.unwrap().send_keys("Praktikum vereinbaren").await.unwrap();
    b.submit("ziele").await;
    let text = b.text().await;
    assert!(text.contains("Ausbildungsplatz in der Pflege") && text.contains("Hilfeplanung"), "{text}");
    b.check("fall", &mut failures).await;
    // The plan agreement to print and sign, with the goal just agreed.
    let case_url = b.c.current_url().await.unwrap();
    b.c.find(Locator::LinkText("Vereinbarung zum Ausdrucken und Unterschreiben")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Css("div.signatures")).await.unwrap();
    let text = b.text().await;
    assert!(
        text.contains("Vereinbarung zur Zusammenarbeit") && text.contains("Ausbildungsplatz in der Pflege"),
        "{text}"
    );
    b.c.find(Locator::LinkText("Erklärung zur Barrierefreiheit")).await.unwrap();
    b.check("vereinbarung", &mut failures).await;
    b.c.goto(case_url.as_str()).await.unwrap();
    b.c.wait().for_element(Locator::Id("exit_reason")).await.unwrap();
    // Closing without an outcome is refused at the form; with one it closes.
    b.c.find(Locator::Css("#exit_reason option[value=completed]")).await.unwrap().click().await.unwrap();
    b.submit("abschluss").await;
    b.c.wait().for_element(Locator::Id("abschluss-fehler")).await.unwrap();
    b.check("fall-abschluss-fehler", &mut failures).await;
    // The page says so at the top, linked to the form, and keeps the choice.
    let summary = b.c.find(Locator::Css("[role=alert] a[href='#form-close']")).await.unwrap();
    assert!(summary.text().await.unwrap().contains("Ergebnis bei Austritt"));
    let kept = b.c.find(Locator::Id("exit_reason")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("completed"), "the reason chosen before the error is kept");
    b.c.find(Locator::Css("#outcome option[value=apprenticeship]")).await.unwrap().click().await.unwrap();
    b.submit("abschluss").await;
    let text = b.text().await;
    assert!(text.contains("Der Fall ist abgeschlossen") && text.contains("Verbleib: Ausbildung"), "{text}");
    b.check("fall-abgeschlossen", &mut failures).await;
    b.c.find(Locator::LinkText("Fälle")).await.unwrap().click().await.unwrap();
    b.c.wait().for_element(Locator::Id("phase")).await.unwrap();
    b.check("faelle", &mut failures).await;
    b.close().await;
    assert!(failures.is_empty(), "accessibility violations (serious/critical):\n{}", failures.join("\n"));
}

/// Issue 7's third workflow: a case manager of one provider cannot reach
/// another provider's person (or case) by changing the URL.
#[tokio::test(flavor = "multi_thread")]
async fn another_providers_person_is_not_reachable_by_changing_the_url() {
    let b = Browser::start().await;
    b.sign_in("case_manager.dekra@leverkusen").await;
    b.goto("/personen").await;
    let href = b.c.find(Locator::Css("tbody th a")).await.unwrap().attr("href").await.unwrap().unwrap();
    b.goto(&href).await;
    assert!(b.c.find(Locator::Id("faelle")).await.is_ok(), "dekra sees its own person");
    b.sign_out().await;
    b.sign_in("case_manager.kja@leverkusen").await;
    b.goto(&href).await;
    let text = b.text().await;
    assert!(text.contains("gibt es nicht (oder Sie haben keinen Zugriff)"), "{text}");
    assert!(b.c.find(Locator::Id("faelle")).await.is_err());
    b.close().await;
}
