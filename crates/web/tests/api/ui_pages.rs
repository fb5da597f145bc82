//! The coordinators' pages of the web interface on the demo tenants: budget
//! allocation, offer map, governance, innovation fund, finance — German
//! text and numbers, errors next to the field, what each role may reach.

use lotse_testkit::TestApp;

pub(crate) fn hidden_csrf(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("csrf field") + "name=\"csrf\" value=\"".len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// A browser-like client signed in as `login` (password `demo`).
pub(crate) async fn signed_in(app: &TestApp, login: &str) -> reqwest::Client {
    let (status, c) = sign_in(app, login, "demo").await;
    assert_eq!(status, 303, "login {login}");
    c
}

pub(crate) async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

lotse_testkit::both_backends! {
    async fn coordinators_pages_show_the_demo_tenants(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;

        // nrw: the allocation over the 53 counties, in German numbers, with downloads.
        let nrw = signed_in(&app, "coordinator@nrw").await;
        let (s, form) = page(&nrw, &app, "/mittelverteilung").await;
        assert_eq!(s, 200);
        assert!(form.contains("value=\"2018\""), "the newest year with population figures is proposed");
        assert!(form.contains("aria-current=\"page\"") && form.contains("Erklärung zur Barrierefreiheit"));
        let (s, html) = page(&nrw, &app, "/mittelverteilung?total=5.000.000,00&key=fluag&year=2018").await;
        assert_eq!(s, 200, "{html}");
        for expected in ["Köln", "Hochsauerlandkreis", "Städteregion Aachen", "5.000.000,00", "format=pdf", "format=xlsx"] {
            assert!(html.contains(expected), "{expected} missing");
        }
        let rows = html.matches("<th scope=\"row\">").count();
        assert!(rows >= 53, "a row per county: {rows}");
        // A bad amount: the error next to the field, what was typed kept, nothing computed.
        let (s, html) = page(&nrw, &app, "/mittelverteilung?total=f%C3%BCnf+Millionen&key=fluag&year=2018").await;
        assert_eq!(s, 422);
        assert!(html.contains("Bitte einen Gesamtbetrag in Euro eingeben") && html.contains("value=\"fünf Millionen\"") && html.contains("aria-invalid=\"true\""));
        assert!(!html.contains("Hochsauerlandkreis"));
        let (s, html) = page(&nrw, &app, "/mittelverteilung?total=1000&key=fluag&year=1990").await;
        assert_eq!(s, 422);
        assert!(html.contains("Einwohnerzahl") && html.contains("1990"), "a year without figures is named");
        // The download is the same allocation.
        let r = nrw.get(app.url("/api/v1/reports/allocation?year=2018&total=5000000.00&key=fluag&format=csv")).send().await.unwrap();
        assert_eq!(r.status(), 200);

        // nrw: the innovation fund's figures.
        let (s, html) = page(&nrw, &app, "/innovationsfonds").await;
        assert_eq!(s, 200);
        for expected in ["Eingereichte Anträge</dt><dd>93", "Ausgewählt</dt><dd>19", "5.000.000,00 €", "70,1 %", "ausgewählt", "abgelehnt"] {
            assert!(html.contains(expected), "{expected} missing");
        }
        // The ranking sorts by its headers and pages by 50: by rank first, then by budget, largest first.
        let ranks = |html: &str| -> Vec<u32> {
            html.split("<tr><td class=\"num\">").skip(1).map(|r| r.split('<').next().unwrap().parse().unwrap()).collect()
        };
        let budgets = |html: &str| -> Vec<f64> {
            html.split("<tr><td class=\"num\">")
                .skip(1)
                .map(|r| {
                    let cell = r.split("<td class=\"num\">").nth(2).unwrap().split(" €").next().unwrap();
                    cell.replace('.', "").replace(',', ".").parse().unwrap()
                })
                .collect()
        };
        assert_eq!(ranks(&html), (1..=50).collect::<Vec<_>>());
        let next = html.split("rel=\"next\"").next().unwrap().rsplit("href=\"").next().unwrap().split('"').next().unwrap().replace("&#38;", "&");
        assert!(html.contains("Einträge 1–50 von 93") && next.starts_with("/innovationsfonds?aufruf=") && next.ends_with("&sort=rank&offset=50"), "{next}");
        let (_, rest) = page(&nrw, &app, &next).await;
        assert_eq!(ranks(&rest), (51..=93).collect::<Vec<_>>());
        let (_, first) = page(&nrw, &app, "/innovationsfonds?sort=-budget").await;
        let (_, second) = page(&nrw, &app, &next.replace("sort=rank", "sort=-budget")).await;
        assert!(first.contains("aria-sort=\"descending\""));
        let all: Vec<f64> = budgets(&first).into_iter().chain(budgets(&second)).collect();
        assert_eq!(all.len(), 93);
        assert!(all.windows(2).all(|w| w[0] >= w[1]) && all[0] > all[92], "{all:?}");
        assert_ne!(ranks(&first), ranks(&html));

        // krefeld: the coordinator's start page has the latest year's key figures and the late milestones.
        let kr = signed_in(&app, "coordinator@krefeld").await;
        let (s, home) = page(&kr, &app, "/").await;
        assert_eq!(s, 200);
        assert!(home.contains("Kennzahlen 2023") && home.contains("1.351") && home.contains("<svg"), "{home}");
        assert!(home.contains("Verspätete Meilensteine") && home.contains("fällig"));
        let (_, other_year) = page(&kr, &app, "/?jahr=2022").await;
        assert!(other_year.contains("Kennzahlen 2022") && !other_year.contains("1.351"));
        let ctl = signed_in(&app, "controller@krefeld").await;
        let (_, home) = page(&ctl, &app, "/").await;
        assert!(home.contains("Kennzahlen 2023") && home.contains("Statistische Geheimhaltung") && !home.contains("Verspätete Meilensteine"));
        // krefeld: offer map with gaps, governance with late milestones, finance plan against actual.
        let (s, html) = page(&kr, &app, "/angebotslandkarte").await;
        assert_eq!(s, 200);
        assert!(html.contains("Schwangerschaft und Geburt") && html.contains("<h2>Lücken</h2>"));
        let (s, html) = page(&kr, &app, "/angebotslandkarte?year=abc&topic=parents").await;
        assert_eq!(s, 422, "{html}");
        assert!(html.contains("value=\"abc\" inputmode=\"numeric\" aria-invalid=\"true\" aria-describedby=\"year-fehler\"") && html.contains("<a href=\"#year\">„abc“ ist keine Jahreszahl"), "{html}");
        assert!(html.contains("<option value=\"parents\" selected>") && !html.contains("<h2>Lücken</h2>"), "the filters kept, no map");
        let (s, html) = page(&kr, &app, "/gremien").await;
        assert_eq!(s, 200);
        assert!(html.contains("Lenkungskreis") && html.contains("Steuerungsgruppe") && html.contains("– verspätet"));
        let (s, html) = page(&kr, &app, "/finanzen?program=kommunal&year=2023&funder=land").await;
        assert_eq!(s, 200, "{html}");
        for expected in ["Verwendungsnachweis", "Zuwendung: Land", "1.420.000,00", "7.000.000,00", "Personalausgaben", "proof-of-use?year=2023&#38;program=kommunal&#38;funder=land&#38;format=pdf"] {
            assert!(html.contains(expected), "{expected} missing");
        }
        // A year that is none: the error at the year, the typed text kept.
        let (s, html) = page(&kr, &app, "/finanzen?program=kommunal&year=zweitausend&funder=land").await;
        assert_eq!(s, 422, "{html}");
        assert!(html.contains("value=\"zweitausend\" inputmode=\"numeric\" aria-invalid=\"true\" aria-describedby=\"year-fehler\""), "{html}");
        assert!(html.contains("<a href=\"#year\">"), "{html}");

        // A case manager sees neither money nor the fund in the navigation, and is refused there.
        let cm = signed_in(&app, "case_manager@krefeld").await;
        let (_, home) = page(&cm, &app, "/").await;
        assert!(!home.contains("href=\"/finanzen\"") && !home.contains("href=\"/innovationsfonds\""));
        assert!(!home.contains("Kennzahlen"), "key figures are the department's start page");
        let (s, html) = page(&cm, &app, "/finanzen?program=kommunal&year=2023").await;
        assert_eq!(s, 403);
        assert!(html.contains("role=\"alert\""));
        let (s, _) = page(&cm, &app, "/innovationsfonds").await;
        assert_eq!(s, 403);
        // Not signed in: to the login.
        let anon = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        assert_eq!(anon.get(app.url("/gremien")).send().await.unwrap().status(), 303);
    }

    async fn selecting_proposals_needs_the_form_token(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let nrw = signed_in(&app, "coordinator@nrw").await;
        let (_, html) = page(&nrw, &app, "/innovationsfonds").await;
        let action = html.split("action=\"").filter_map(|x| x.split('"').next()).find(|a| a.ends_with("/auswahl")).expect("the selection form").to_owned();
        assert!(action.ends_with("/auswahl"), "{action}");
        let r = nrw.post(app.url(&action)).form(&[("csrf", "falsch")]).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = nrw.post(app.url(&action)).form(&[("csrf", hidden_csrf(&html).as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = page(&nrw, &app, "/innovationsfonds").await;
        assert!(html.contains("Ausgewählt</dt><dd>19"));
    }
}

lotse_testkit::both_backends! {
    async fn the_reports_page_shows_downloads_and_publishes(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let kr = signed_in(&app, "coordinator@krefeld").await;
        let (s, html) = page(&kr, &app, "/berichte").await;
        assert_eq!(s, 200);
        assert!(html.contains("Sachstandsbericht") && html.contains("Verwendungsnachweis"));
        let (s, html) = page(&kr, &app, "/berichte?name=key-figures&year=2023&program=").await;
        assert_eq!(s, 200, "{html}");
        for expected in ["1.351", "21.700", "Zeitraum: <strong>2023</strong>", "<svg", "Definitionen", "/api/v1/reports/key-figures?year=2023&#38;format=pdf"] {
            assert!(html.contains(expected), "{expected} missing");
        }
        // The PDF behind the link is a PDF.
        let r = kr.get(app.url("/api/v1/reports/key-figures?year=2023&format=pdf")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
        // A programme report without a programme: the error at the field.
        let (s, html) = page(&kr, &app, "/berichte?name=programme&year=2023&program=").await;
        assert_eq!(s, 422);
        assert!(html.contains("braucht ein Programm") && html.contains("aria-invalid=\"true\""));
        // Publishing needs the form token, then freezes the report.
        let csrf = hidden_csrf(&html);
        let form = [("csrf", csrf.as_str()), ("name", "key-figures"), ("year", "2023"), ("program", ""), ("title", "Sachstandsbericht 2023")];
        let r = kr.post(app.url("/berichte/veroeffentlichen")).form(&[("csrf", "x"), ("name", "key-figures"), ("year", "2023"), ("program", ""), ("title", "t")]).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = kr.post(app.url("/berichte/veroeffentlichen")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Veröffentlicht als „Sachstandsbericht 2023“"));
        // The typed title is kept when publishing fails, the error beside it.
        let long = "T".repeat(301);
        let r = kr.post(app.url("/berichte/veroeffentlichen")).form(&[("csrf", csrf.as_str()), ("name", "key-figures"), ("year", "2023"), ("title", long.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("id=\"title\" name=\"title\" value=\"{long}\" aria-invalid=\"true\" aria-describedby=\"title-fehler\"")), "{html}");
        assert!(html.contains("<a href=\"#title\">") && html.contains("1.351"), "the report stays in view");
        // A period from–to in German dates, carried into the downloads and the publish form.
        let (s, html) = page(&kr, &app, "/berichte?name=key-figures&from=01.01.2023&to=30.06.2023").await;
        assert_eq!(s, 200, "{html}");
        assert!(html.contains("/api/v1/reports/key-figures?from=2023-01-01&#38;to=2023-06-30&#38;format=pdf"), "{html}");
        assert!(html.contains("<input type=\"hidden\" name=\"from\" value=\"01.01.2023\">") && html.contains("value=\"Sachstandsbericht – Kennzahlen 01.01.2023–30.06.2023\""), "{}", &html[html.find("form-veroeffentlichen").unwrap_or(0)..]);
        let half: serde_json::Value = kr.get(app.url("/api/v1/reports/key-figures?from=2023-01-01&to=2023-06-30&format=json")).send().await.unwrap().json().await.unwrap();
        let whole: serde_json::Value = kr.get(app.url("/api/v1/reports/key-figures?year=2023&format=json")).send().await.unwrap().json().await.unwrap();
        assert_ne!(half, whole, "half a year is not the year");
        let r = kr.post(app.url("/berichte/veroeffentlichen")).form(&[("csrf", csrf.as_str()), ("name", "key-figures"), ("from", "01.01.2023"), ("to", "30.06.2023"), ("title", "Erstes Halbjahr 2023")]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Veröffentlicht als „Erstes Halbjahr 2023“"));
        // A date that is none, and an end before the start: each at its field, the typed text kept.
        let (s, html) = page(&kr, &app, "/berichte?name=key-figures&from=31.02.2023&to=30.06.2023").await;
        assert_eq!(s, 422);
        assert!(html.contains("<a href=\"#from\">„31.02.2023“ ist kein Datum") && html.contains("value=\"31.02.2023\" size=\"12\" aria-invalid=\"true\" aria-describedby=\"from-fehler\""), "{html}");
        let (s, html) = page(&kr, &app, "/berichte?name=key-figures&from=01.07.2023&to=30.06.2023").await;
        assert_eq!(s, 422);
        assert!(html.contains("<a href=\"#to\">Das Ende liegt vor dem Anfang"), "{html}");
        let (s, html) = page(&kr, &app, "/berichte?name=key-figures&year=2023&from=01.01.2023&to=30.06.2023").await;
        assert_eq!(s, 422);
        assert!(html.contains("<a href=\"#year\">Bitte entweder ein Jahr oder einen Zeitraum von … bis angeben, nicht beides.</a>") && !html.contains("--year"), "{html}");
        let (s, html) = page(&kr, &app, "/berichte?name=key-figures&from=01.01.2023").await;
        assert_eq!(s, 422);
        assert!(html.contains("<a href=\"#to\">Bitte Anfang und Ende des Zeitraums angeben.</a>") && html.contains("aria-describedby=\"to-fehler\""), "the missing end is marked: {html}");
        // Every report of reports.md but the allocation (a page of its own) is offered.
        let (_, html) = page(&kr, &app, "/berichte").await;
        for name in ["key-figures", "programme", "esf", "reach", "caseload", "eligibility", "query", "proof-of-use"] {
            assert!(html.contains(&format!("<option value=\"{name}\"")), "{name}");
        }
        // The caseload on a day, against a target; not publishable (staff workloads).
        let (s, html) = page(&kr, &app, "/berichte?name=caseload&date=31.12.2023&target=80").await;
        assert_eq!(s, 200, "{html}");
        assert!(html.contains("date=2023-12-31") && !html.contains("/berichte/veroeffentlichen"), "{html}");
        // An evaluation by two dimensions.
        let (s, html) = page(&kr, &app, "/berichte?name=query&year=2023&rows=gender&cols=entry_year&measure=persons").await;
        assert_eq!(s, 200, "{html}");
        assert!(html.contains("weiblich") && html.contains("rows=gender&#38;cols=entry_year&#38;measure=persons"), "{html}");
        // Controlling may read reports but not publish: no publish form.
        let ctl = signed_in(&app, "controller@krefeld").await;
        let (s, html) = page(&ctl, &app, "/berichte?name=key-figures&year=2023").await;
        assert_eq!(s, 200);
        assert!(!html.contains("/berichte/veroeffentlichen") && html.contains("Statistische Geheimhaltung"));
    }
}

lotse_testkit::both_backends! {
    async fn importing_through_the_page_checks_first_then_confirms(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let kr = signed_in(&app, "coordinator@krefeld").await;
        let (s, html) = page(&kr, &app, "/import").await;
        assert_eq!(s, 200);
        let csrf = hidden_csrf(&html);
        let upload = |csv: &'static str, csrf: String| {
            let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("providers.csv");
            reqwest::multipart::Form::new().text("csrf", csrf).part("bundle", part)
        };
        // Without the form's token: refused, nothing read.
        let r = kr.post(app.url("/import")).multipart(upload("provider_id,name,kind\nneu,Neuer Träger,other\n", "falsch".into())).send().await.unwrap();
        assert_eq!(r.status(), 403);
        // A bundle with errors: every error with file, line and column; nothing written, nothing to confirm.
        let bad = "provider_id,name,kind\nneu,Neuer Träger,verein\nx y,Zweiter,other\n";
        let r = kr.post(app.url("/import")).multipart(upload(bad, csrf.clone())).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("2 Fehler – es wurde nichts übernommen"), "{html}");
        assert!(html.contains("<td>providers.csv</td><td class=\"num\">2</td><td>kind</td>") && html.contains("<td class=\"num\">3</td><td>provider_id</td>"));
        assert!(!html.contains("/import/uebernehmen"));
        // A good one: checked first (nothing written yet), then confirmed.
        let good = "provider_id,name,kind\nneu,Neuer Träger,other\n";
        let r = kr.post(app.url("/import")).multipart(upload(good, csrf.clone())).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("geprüft, noch nichts geändert"));
        let token = html.split("name=\"upload\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let sys = lotse_domain::Actor::system(lotse_domain::TenantId::parse("krefeld").unwrap());
        let neu = lotse_domain::EntityId::parse("neu").unwrap();
        assert!(db.lotse.provider(&sys, &neu).await.is_err(), "checking writes nothing");
        // Another account cannot confirm this upload.
        let other = signed_in(&app, "coordinator@leverkusen").await;
        let (_, lev) = page(&other, &app, "/import").await;
        let r = other.post(app.url("/import/uebernehmen")).form(&[("csrf", hidden_csrf(&lev).as_str()), ("upload", token.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let r = kr.post(app.url("/import/uebernehmen")).form(&[("csrf", csrf.as_str()), ("upload", token.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Das Bündel wurde übernommen"));
        assert_eq!(db.lotse.provider(&sys, &neu).await.unwrap().name, "Neuer Träger");
        // Confirmed once: the token is used up.
        let r = kr.post(app.url("/import/uebernehmen")).form(&[("csrf", csrf.as_str()), ("upload", token.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 404);
        // A case manager does not import.
        let cm = signed_in(&app, "case_manager@krefeld").await;
        assert_eq!(page(&cm, &app, "/import").await.0, 403);
    }
}

lotse_testkit::both_backends! {
    async fn administration_accounts_tokens_and_the_audit_trail(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let admin = signed_in(&app, "admin@leverkusen").await;
        let (s, html) = page(&admin, &app, "/verwaltung/benutzer").await;
        assert_eq!(s, 200);
        assert!(html.contains("coordinator") && html.contains("Koordination"));
        let csrf = hidden_csrf(&html);
        // Bad input: the message beside the field, the typed values kept, the password not.
        let r = admin.post(app.url("/verwaltung/benutzer")).form(&[("csrf", csrf.as_str()), ("login", "Frau Müller"), ("display_name", "Frau Müller"), ("role", "case_manager"), ("provider_id", "kja"), ("password", "geheim-genug-1")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("Anmeldename") && html.contains("value=\"Frau Müller\"") && !html.contains("geheim-genug-1"));
        // A password too short: the password field points at the error too.
        let r = admin.post(app.url("/verwaltung/benutzer")).form(&[("csrf", csrf.as_str()), ("login", "c.mueller"), ("display_name", ""), ("role", "case_manager"), ("provider_id", "kja"), ("password", "abc")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("aria-describedby=\"password-hint password-fehler\" aria-invalid=\"true\"") && html.contains("<span class=\"error\" id=\"password-fehler\">Das Passwort muss mindestens 12 Zeichen haben") && html.contains("<a href=\"#password\">"), "{html}");
        let r = admin.post(app.url("/verwaltung/benutzer")).form(&[("csrf", csrf.as_str()), ("login", "a.mueller"), ("display_name", "Anna Müller"), ("role", "case_manager"), ("provider_id", "kja"), ("password", "geheim-genug-1")]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Das Konto „a.mueller“ wurde angelegt"));
        // A staff member of another provider: refused at its field, nothing created.
        let r = admin.post(app.url("/verwaltung/benutzer")).form(&[("csrf", csrf.as_str()), ("login", "b.mueller"), ("display_name", ""), ("role", "case_manager"), ("provider_id", "kja"), ("staff_id", "dekra-c1"), ("password", "geheim-genug-1")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("„dekra-c1“ ist keine Fachkraft des Trägers") && html.contains("value=\"dekra-c1\""), "{html}");
        assert!(html.contains("aria-describedby=\"staff-hint staff_id-fehler\" aria-invalid=\"true\"") && html.contains("id=\"staff_id-fehler\""));
        let (_, list) = page(&admin, &app, "/verwaltung/benutzer?sort=login").await;
        assert!(!list.contains("b.mueller"));
        // One of the provider's own: the account opens on that member's cases.
        let r = admin.post(app.url("/verwaltung/benutzer")).form(&[("csrf", csrf.as_str()), ("login", "b.mueller"), ("display_name", ""), ("role", "case_manager"), ("provider_id", "kja"), ("staff_id", "kja-tm2"), ("password", "geheim-genug-1")]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let fk = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let form = fk.get(app.url("/anmelden")).send().await.unwrap().text().await.unwrap();
        let creds = [("login", "b.mueller@leverkusen"), ("password", "geheim-genug-1"), ("csrf", &hidden_csrf(&form))];
        assert_eq!(fk.post(app.url("/anmelden")).form(&creds).send().await.unwrap().status(), 303);
        let (_, cases) = page(&fk, &app, "/faelle").await;
        assert!(cases.contains("<caption>Meine Fälle"), "{cases}");
        // The same login again is a conflict at the login field.
        let r = admin.post(app.url("/verwaltung/benutzer")).form(&[("csrf", csrf.as_str()), ("login", "a.mueller"), ("display_name", ""), ("role", "case_manager"), ("provider_id", "kja"), ("password", "geheim-genug-1")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        // A provider's administrator offers only provider roles.
        let padm = signed_in(&app, "provider_admin.kja@leverkusen").await;
        let (s, html) = page(&padm, &app, "/verwaltung/benutzer").await;
        assert_eq!(s, 200);
        assert!(!html.contains("value=\"admin\"") && html.contains("value=\"case_manager\""));
        // A coordinator has no account administration.
        let co = signed_in(&app, "coordinator@leverkusen").await;
        assert_eq!(page(&co, &app, "/verwaltung/benutzer").await.0, 403);

        // Tokens: issued once, usable, revoked.
        let (_, html) = page(&co, &app, "/zugaenge").await;
        let csrf = hidden_csrf(&html);
        let r = co.post(app.url("/zugaenge")).form(&[("csrf", csrf.as_str()), ("name", "Auswertung Controlling"), ("days", "30")]).send().await.unwrap();
        let html = r.text().await.unwrap();
        let token = html.split("<code class=\"token\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
        assert!(token.starts_with("lt_leverkusen."));
        let api = reqwest::Client::new();
        assert_eq!(api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 200);
        let (_, html) = page(&co, &app, "/zugaenge").await;
        assert!(!html.contains(&token), "shown once only");
        let id = html.split("name=\"id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let r = co.post(app.url("/zugaenge/widerrufen")).form(&[("csrf", csrf.as_str()), ("id", id.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 401);
        let r = co.post(app.url("/zugaenge")).form(&[("csrf", csrf.as_str()), ("name", ""), ("days", "9999")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        // A wrong number of days marks the days, not the name, and keeps both.
        let r = co.post(app.url("/zugaenge")).form(&[("csrf", csrf.as_str()), ("name", "Nächtlicher Import"), ("days", "drei")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("name=\"days\" value=\"drei\" inputmode=\"numeric\" aria-invalid=\"true\" aria-describedby=\"days-fehler\"><span class=\"error\" id=\"days-fehler\">"), "{html}");
        assert!(html.contains("Kein Token angelegt: <a href=\"#days\">"), "{html}");
        assert!(html.contains("value=\"Nächtlicher Import\" required>"), "the name is kept and not marked: {html}");

        // The audit trail: auditors only; the account just created is in it; the chain verifies.
        assert_eq!(page(&co, &app, "/protokoll").await.0, 403);
        let auditor = signed_in(&app, "auditor@leverkusen").await;
        let (s, html) = page(&auditor, &app, "/protokoll?entity=user&action=create").await;
        assert_eq!(s, 200);
        assert!(html.contains("a.mueller") || html.contains("angelegt"), "{html}");
        let csrf = hidden_csrf(&html);
        let r = auditor.post(app.url("/protokoll/pruefen")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
        assert!(r.text().await.unwrap().contains("Die Kette ist unversehrt"));
        let (s, html) = page(&auditor, &app, "/protokoll").await;
        assert_eq!(s, 200);
        let total: u64 = html.split("neueste zuerst (").nth(1).unwrap().split(')').next().unwrap().parse().unwrap();
        assert!(total > 10);
        assert_eq!(html.contains("nächste Seite"), total > 50, "a next page exactly when there is more");
    }
}

lotse_testkit::both_backends! {
    async fn a_case_manager_moves_a_case_through_its_phases_on_the_case_page(db) {
        use lotse_service::records::Record;
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        // An open case at Krefeld's provider, as the case manager would open it.
        let sys = lotse_domain::Actor::system(lotse_domain::TenantId::parse("krefeld").unwrap());
        let one = |k: &str, v: &str| { let mut r = Record::new(); r.insert(k.into(), v.into()); r };
        let offer = db.lotse.records(&sys, "offers", &one("delivery", "individual"), Default::default()).await.unwrap().items[0]["offer_id"].as_str().unwrap().to_owned();
        let staff = db.lotse.records(&sys, "staff", &one("provider_id", "kzb"), Default::default()).await.unwrap().items[0]["staff_id"].as_str().unwrap().to_owned();
        let person = db.lotse.persons(&sys, Default::default()).await.unwrap().items[0].id.clone();
        let open: lotse_service::cases::OpenCase = serde_json::from_value(serde_json::json!({
            "person_id": person, "offer_id": offer, "staff_id": staff, "entry_date": "2026-11-02"})).unwrap();
        let opened = db.lotse.open_case(&sys, open).await.unwrap();
        let id = opened.case.unwrap().summary.id;

        let cm = signed_in(&app, "case_manager@krefeld").await;
        let (s, html) = page(&cm, &app, "/faelle?phase=intake").await;
        assert_eq!(s, 200);
        assert!(html.contains(&format!("/faelle/{id}")), "the open case is listed");
        let (s, html) = page(&cm, &app, &format!("/faelle/{id}")).await;
        assert_eq!(s, 200);
        assert!(html.contains("Zugang und Klärung"));
        let csrf = hidden_csrf(&html);
        let post = |path: String, form: Vec<(&'static str, String)>| {
            let c = cm.clone();
            let url = app.url(&path);
            async move { c.post(url).form(&form).send().await.unwrap() }
        };
        let base = format!("/faelle/{id}");
        // Assessment before the intake is recorded: refused with the reason.
        let r = post(format!("{base}/phase"), vec![("csrf", csrf.clone()), ("phase", "assessment".into()), ("note", "".into())]).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("role=\"alert\""));
        assert_eq!(post(format!("{base}/zugang"), vec![("csrf", csrf.clone()), ("way_in", "outreach".into()), ("indicated", "ja".into())]).await.status(), 303);
        assert_eq!(post(format!("{base}/phase"), vec![("csrf", csrf.clone()), ("phase", "assessment".into()), ("note", "".into())]).await.status(), 303);
        assert_eq!(post(format!("{base}/einschaetzung"), vec![("csrf", csrf.clone()), ("language", "2".into()), ("housing", "3".into()), ("note", "".into())]).await.status(), 303);
        assert_eq!(post(format!("{base}/einschaetzung"), vec![("csrf", csrf.clone()), ("language", "4".into()), ("note", "nach dem Sprachkurs".into())]).await.status(), 303);
        let r = post(format!("{base}/einschaetzung"), vec![("csrf", csrf.clone()), ("note", "".into())]).await;
        assert_eq!(r.status(), 422, "an assessment rates at least one domain");
        assert_eq!(post(format!("{base}/phase"), vec![("csrf", csrf.clone()), ("phase", "planning".into()), ("note", "".into())]).await.status(), 303);
        let r = post(format!("{base}/ziele"), vec![("csrf", csrf.clone()), ("title", "".into()), ("step", "".into()), ("owner", "".into()), ("due", "".into())]).await;
        assert_eq!(r.status(), 422, "a goal needs a title");
        // A wrong date: the error stands at its field, linked from the top,
        // and what was typed is still there.
        let r = post(format!("{base}/ziele"), vec![("csrf", csrf.clone()), ("title", "Führerschein Klasse B".into()), ("step", "Fahrschule suchen".into()), ("owner", "Person".into()), ("due", "31.02.2027".into())]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"step-due\" name=\"due\" value=\"31.02.2027\" aria-invalid=\"true\" aria-describedby=\"step-due-fehler\""), "{html}");
        assert!(html.contains("<span class=\"error\" id=\"step-due-fehler\">„31.02.2027“ ist kein Datum (TT.MM.JJJJ).</span>"), "{html}");
        assert!(html.contains("value=\"Führerschein Klasse B\"") && html.contains("value=\"Fahrschule suchen\""), "the typed goal is kept");
        assert!(html.contains("<a href=\"#step-due\">"), "the summary at the top links to the field");
        assert_eq!(html.matches("aria-invalid").count(), 1, "only the wrong field is marked");
        let r = post(format!("{base}/kontakte"), vec![("csrf", csrf.clone()), ("kind", "phone".into()), ("minutes", "eine Stunde".into()), ("note", "Rückruf".into())]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("value=\"eine Stunde\" aria-invalid=\"true\"") && html.contains("value=\"Rückruf\""), "{html}");
        assert!(html.contains("<option value=\"phone\" selected>"), "the kind chosen is kept");
        assert_eq!(post(format!("{base}/ziele"), vec![("csrf", csrf.clone()), ("title", "Ausbildungsplatz finden".into()), ("step", "Bewerbungsunterlagen".into()), ("owner", "Person".into()), ("due", "15.01.2027".into())]).await.status(), 303);
        assert_eq!(post(format!("{base}/kontakte"), vec![("csrf", csrf.clone()), ("kind", "home_visit".into()), ("minutes", "45".into()), ("note", "".into())]).await.status(), 303);
        assert_eq!(post(format!("{base}/vermittlungen"), vec![("csrf", csrf.clone()), ("agency", "Schuldnerberatung der Caritas".into())]).await.status(), 303);
        assert_eq!(post(format!("{base}/konferenzen"), vec![("csrf", csrf.clone()), ("participants", "Jobcenter, Jugendamt".into()), ("outcome", "Ausbildungsvorbereitung ab Februar".into())]).await.status(), 303);
        assert_eq!(post(format!("{base}/vermittlungen"), vec![("csrf", csrf.clone()), ("agency", "".into())]).await.status(), 422, "a referral names where to");
        let today_de = chrono::Local::now().date_naive().format("%d.%m.%Y").to_string();
        assert_eq!(post(format!("{base}/ziele"), vec![("csrf", csrf.clone()), ("title", "Sprachkurs B1".into()), ("step", "Anmeldung an der VHS".into()), ("owner", "Fallmanagerin".into()), ("due", today_de.clone())]).await.status(), 303);
        // The start page lists the step due today, the open case and the caseload.
        let (_, home) = page(&cm, &app, "/").await;
        assert!(home.contains("Fällige Schritte") && home.contains("Sprachkurs B1: Anmeldung an der VHS – Fallmanagerin"), "{home}");
        assert!(home.contains(&format!("/faelle/{id}")) && home.contains("offene Fälle") && home.contains("Zielschlüssel 1:80"), "{home}");
        assert!(!home.contains("Ausbildungsplatz finden: Bewerbungsunterlagen"), "a step due in January is not due yet");
        let (_, html) = page(&cm, &app, &base).await;
        assert!(html.contains("Ausbildungsplatz finden") && html.contains("Bewerbungsunterlagen, Person, bis 15.01.2027"));
        assert!(html.contains("Sprache") && html.contains("+2"), "progress of the language domain from 2 to 4");
        assert!(html.contains("Hausbesuch, 45 Minuten"));
        assert!(html.contains("an Schuldnerberatung der Caritas: vorgeschlagen") && html.contains("Jobcenter, Jugendamt: Ausbildungsvorbereitung ab Februar"), "{html}");
        // Closing needs the outcome.
        let r = post(format!("{base}/abschluss"), vec![("csrf", csrf.clone()), ("exit_date", "".into()), ("exit_reason", "completed".into()), ("outcome", "".into())]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"abschluss-fehler\""), "the error stands at the closing form");
        assert!(html.contains("<option value=\"completed\" selected>"), "the reason chosen is kept");
        assert!(html.contains("<a href=\"#form-close\">"), "the summary links to the form");
        let today = chrono::Local::now().date_naive().format("%d.%m.%Y").to_string();
        let r = post(format!("{base}/abschluss"), vec![("csrf", csrf.clone()), ("exit_date", today), ("exit_reason", "completed".into()), ("outcome", "apprenticeship".into())]).await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let (_, html) = page(&cm, &app, &base).await;
        assert!(html.contains("Der Fall ist abgeschlossen") && html.contains("Verbleib: Ausbildung"));
        // A form sent to a case closed meanwhile (an old tab): the error is said, and no link points at a form no longer shown.
        let r = post(format!("{base}/kontakte"), vec![("csrf", csrf.clone()), ("kind", "phone".into()), ("minutes", "5".into()), ("note", "".into())]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("Das wurde nicht gespeichert: ") && html.contains("abgeschlossen") && !html.contains("<a href=\"#form-contact\">") && !html.contains("id=\"form-contact\""), "{html}");
        // Forms need the token; another provider's case manager does not find the case.
        assert_eq!(post(format!("{base}/kontakte"), vec![("csrf", "x".into()), ("kind", "phone".into()), ("minutes", "5".into()), ("note", "".into())]).await.status(), 403);
        let other = signed_in(&app, "case_manager.kja@leverkusen").await;
        assert_eq!(page(&other, &app, &base).await.0, 404);
    }
}

lotse_testkit::both_backends! {
    async fn consent_and_handover_on_the_person_page(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let kja = signed_in(&app, "case_manager.kja@leverkusen").await;
        let (_, list) = page(&kja, &app, "/personen").await;
        let href = list.split("<th scope=\"row\"><a href=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let (s, html) = page(&kja, &app, &href).await;
        assert_eq!(s, 200);
        assert!(html.contains("Einwilligungserklärung drucken") && html.contains("hreflang=\"ar\""));
        assert!(html.contains("Zielgruppen der Programme") && html.contains("Durchstarten"), "the programme's target group is judged for the person");
        let csrf = hidden_csrf(&html);
        // Without the person's consent the handover is refused, and the page says why.
        let r = kja.post(app.url(&format!("{href}/uebergabe"))).form(&[("csrf", csrf.as_str()), ("to_provider", "dekra"), ("note", "Coaching passt besser")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("role=\"alert\"") && html.contains("Einwilligung"), "{html}");
        assert!(html.contains("<a href=\"#to_provider\">") && html.contains("id=\"to_provider-fehler\"") && html.contains("id=\"handover-note\" name=\"note\" value=\"Coaching passt besser\""), "the error at the provider, the note typed kept: {html}");
        assert!(html.contains("<option value=\"dekra\" selected>"), "the provider chosen is kept");
        // A consent with a wrong date: the error stands at the date, and the choices are kept.
        let r = kja.post(app.url(&format!("{href}/einwilligung"))).form(&[("csrf", csrf.as_str()), ("scope", "follow_up_contact"), ("provider", ""), ("given", "32.13.2026")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"given\" name=\"given\" value=\"32.13.2026\" aria-invalid=\"true\" aria-describedby=\"given-fehler\""), "{html}");
        assert!(html.contains("<span class=\"error\" id=\"given-fehler\">„32.13.2026“ ist kein Datum (TT.MM.JJJJ).</span>"), "{html}");
        assert!(html.contains("<option value=\"follow_up_contact\" selected>") && html.contains("<a href=\"#given\">"), "{html}");
        // Opening a case with a wrong start date keeps the offer and the waiting-list box.
        let r = kja.post(app.url(&format!("{href}/fall"))).form(&[("csrf", csrf.as_str()), ("offer", "x"), ("staff", "y"), ("entry", "gestern"), ("waiting", "ja")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("value=\"gestern\" aria-invalid=\"true\" aria-describedby=\"entry-fehler\"") && html.contains("value=\"ja\" checked>"), "{html}");
        // Recorded consent to share with DEKRA: the handover is asked for.
        let today = chrono::Local::now().date_naive().format("%d.%m.%Y").to_string();
        let r = kja.post(app.url(&format!("{href}/einwilligung"))).form(&[("csrf", csrf.as_str()), ("scope", "share_with_provider"), ("provider", "dekra"), ("given", today.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = page(&kja, &app, &href).await;
        assert!(html.contains("Weitergabe an einen anderen Träger (dekra), erteilt am") && html.contains(": gilt"), "{html}");
        let r = kja.post(app.url(&format!("{href}/uebergabe"))).form(&[("csrf", csrf.as_str()), ("to_provider", "dekra"), ("note", "Coaching passt besser")]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Die Übergabe an „dekra“ ist angefragt"));
        // Withdrawn from today on.
        let consent = html.split("name=\"consent\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let r = kja.post(app.url(&format!("{href}/einwilligung-widerrufen"))).form(&[("csrf", csrf.as_str()), ("consent", consent.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = page(&kja, &app, &href).await;
        assert!(html.contains(&format!("widerrufen am {today}")));
    }
}

/// The id in the account page link that stands before `>LOGIN<` in a list.
fn account_link(html: &str, login: &str) -> String {
    let at = html.find(&format!(">{login}</a>")).unwrap_or_else(|| panic!("{login} listed"));
    let start = html[..at].rfind("/verwaltung/benutzer/").unwrap();
    html[start..at].trim_end_matches('"').to_owned()
}

async fn sign_in(app: &TestApp, login: &str, password: &str) -> (u16, reqwest::Client) {
    let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = c.get(app.url("/anmelden")).send().await.unwrap().text().await.unwrap();
    let r = c
        .post(app.url("/anmelden"))
        .form(&[("login", login), ("password", password), ("csrf", &hidden_csrf(&form))])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), c)
}

lotse_testkit::both_backends! {
    async fn administration_changes_locks_and_resets_accounts(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let admin = signed_in(&app, "admin@leverkusen").await;
        let (_, list) = page(&admin, &app, "/verwaltung/benutzer?sort=login").await;
        assert!(list.contains("href=\"/verwaltung/rollen\""), "the roles are reached from the navigation");
        assert!(list.contains("href=\"/konto\">Mein Konto</a>"));
        let dekra = account_link(&list, "case_manager.dekra");
        assert!(!dekra.contains("case_manager"), "no login in the address: {dekra}");
        let (s, html) = page(&admin, &app, &dekra).await;
        assert_eq!(s, 200);
        assert!(html.contains("<h1>Konto case_manager.dekra</h1>") && html.contains("name=\"active\" value=\"ja\" checked"));
        let csrf = hidden_csrf(&html);
        let form = |role: &'static str, provider: &'static str, active: bool| {
            let mut f = vec![("csrf", csrf.clone()), ("display_name", "Dana Ek".to_owned()), ("role", role.to_owned()), ("provider_id", provider.to_owned()), ("staff_id", String::new())];
            if active {
                f.push(("active", "ja".to_owned()));
            }
            f
        };
        // A department role with a provider: the error at the provider, the choice kept, nothing saved.
        let r = admin.post(app.url(&dekra)).form(&form("coordinator", "dekra", true)).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("<a href=\"#provider_id\">Die Rolle Koordination gehört zum Amt"), "{html}");
        assert!(html.contains("aria-describedby=\"provider-hint provider_id-fehler\" aria-invalid=\"true\""));
        assert!(html.contains("<option value=\"coordinator\" selected>") && html.contains("value=\"Dana Ek\""));
        assert!(html.contains("<dt>Name</dt><dd>Demo Fallmanagement (case_manager.dekra)"), "the account is unchanged");
        // A wrong form token: a German page, nothing saved.
        let mut bad = form("case_manager", "dekra", false);
        bad[0].1 = "falsch".into();
        let r = admin.post(app.url(&dekra)).form(&bad).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let html = r.text().await.unwrap();
        assert!(html.contains("<html lang=\"de\">") && html.contains("Das Formular ist abgelaufen") && html.contains("nicht gespeichert"));
        assert_eq!(sign_in(&app, "case_manager.dekra@leverkusen", "demo").await.0, 303, "not locked by the refused form");

        // Locked: saved, shown, the account cannot sign in; unlocked, it can.
        let (_, dekra_client) = sign_in(&app, "case_manager.dekra@leverkusen", "demo").await;
        assert_eq!(page(&dekra_client, &app, "/faelle").await.0, 200);
        let r = admin.post(app.url(&dekra)).form(&form("case_manager", "dekra", false)).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let back = r.headers()["location"].to_str().unwrap().to_owned();
        let (_, html) = page(&admin, &app, &back).await;
        assert!(html.contains("Die Änderungen sind gespeichert") && html.contains("gesperrt – kann sich nicht anmelden") && html.contains("<dt>Name</dt><dd>Dana Ek"));
        assert_eq!(page(&dekra_client, &app, "/faelle").await.0, 303, "the open session ended");
        assert_eq!(sign_in(&app, "case_manager.dekra@leverkusen", "demo").await.0, 401);
        let r = admin.post(app.url(&dekra)).form(&form("case_manager", "dekra", true)).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(sign_in(&app, "case_manager.dekra@leverkusen", "demo").await.0, 303);

        // A new password: too short at its field (and never sent back); then set.
        let r = admin.post(app.url(&format!("{dekra}/passwort"))).form(&[("csrf", csrf.as_str()), ("password", "zu-kurz")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("aria-describedby=\"password-hint password-fehler\" aria-invalid=\"true\"") && html.contains("mindestens 12 Zeichen") && !html.contains("zu-kurz"));
        let r = admin.post(app.url(&format!("{dekra}/passwort"))).form(&[("csrf", csrf.as_str()), ("password", "neu-fuer-dana-2027")]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(sign_in(&app, "case_manager.dekra@leverkusen", "demo").await.0, 401);
        let (s, dana) = sign_in(&app, "case_manager.dekra@leverkusen", "neu-fuer-dana-2027").await;
        assert_eq!(s, 303);

        // One's own account: rights stay; the password is changed with the current one.
        let own = account_link(&list, "admin");
        let (_, html) = page(&admin, &app, &own).await;
        assert!(html.contains("Das ist Ihr eigenes Konto"));
        let r = admin.post(app.url(&own)).form(&[("csrf", csrf.as_str()), ("display_name", "Admin"), ("role", "admin"), ("provider_id", ""), ("staff_id", "")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("aria-describedby=\"active-hint active-fehler\" aria-invalid=\"true\""));
        let (s, html) = page(&dana, &app, "/konto").await;
        assert_eq!(s, 200);
        assert!(html.contains("<dd>case_manager.dekra</dd>") && html.contains("mindestens 12 Zeichen"));
        let dcsrf = hidden_csrf(&html);
        let change = |cur: &'static str, new: &'static str, rep: &'static str| [("csrf", dcsrf.clone()), ("current", cur.into()), ("password", new.into()), ("repeat", rep.into())];
        let r = dana.post(app.url("/konto")).form(&change("falsch", "mein-eigenes-passwort", "mein-eigenes-passwort")).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("<a href=\"#current\">Das bisherige Passwort stimmt nicht.</a>") && html.contains("id=\"current\" name=\"current\" type=\"password\" autocomplete=\"current-password\" aria-invalid=\"true\""));
        let r = dana.post(app.url("/konto")).form(&change("neu-fuer-dana-2027", "mein-eigenes-passwort", "mein-eigenes-passwort!")).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("<a href=\"#repeat\">Die Wiederholung stimmt nicht"));
        let (_, other) = sign_in(&app, "case_manager.dekra@leverkusen", "neu-fuer-dana-2027").await;
        let r = dana.post(app.url("/konto")).form(&change("neu-fuer-dana-2027", "mein-eigenes-passwort", "mein-eigenes-passwort")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (s, html) = page(&dana, &app, "/konto?geaendert=1").await;
        assert_eq!(s, 200, "this session stays");
        assert!(html.contains("Ihr neues Passwort gilt"));
        assert_eq!(page(&other, &app, "/konto").await.0, 303, "the other session ended");
        assert_eq!(sign_in(&app, "case_manager.dekra@leverkusen", "mein-eigenes-passwort").await.0, 303);

        // The roles screen says what the policy says.
        let (s, html) = page(&admin, &app, "/verwaltung/rollen").await;
        assert_eq!(s, 200);
        assert!(html.contains("<caption>Wer darf was?</caption>") && html.matches("<th scope=\"row\">").count() >= 15);
        let row = html.split("<th scope=\"row\">Personen und Fälle einsehen</th>").nth(1).unwrap().split("</tr>").next().unwrap();
        assert_eq!(
            row.matches("<td").count(),
            7,
            "a cell per role: {row}"
        );
        assert!(row.contains("eigener Träger") && row.contains("nur Notfallzugriff"), "{row}");
        // A provider's administrator reaches another provider's account by no address.
        let padm = signed_in(&app, "provider_admin.kja@leverkusen").await;
        assert_eq!(page(&padm, &app, &dekra).await.0, 404);
        let r = padm.post(app.url(&dekra)).form(&form("case_manager", "dekra", false)).send().await.unwrap();
        assert_eq!(r.status(), 403, "the other session's form token does not fit");
        let (_, html) = page(&padm, &app, "/verwaltung/benutzer").await;
        let pcsrf = hidden_csrf(&html);
        let mut f = form("case_manager", "dekra", false);
        f[0].1 = pcsrf;
        let r = padm.post(app.url(&dekra)).form(&f).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(sign_in(&app, "case_manager.dekra@leverkusen", "mein-eigenes-passwort").await.0, 303, "still active");
    }
}
