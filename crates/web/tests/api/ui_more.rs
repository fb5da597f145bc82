//! The web interface's programme pages (programmes, modules, offers with
//! their sessions, attendance and waiting list), incoming handovers,
//! retention rules and sorting of the lists — on the demo tenants, on both
//! backends: German text, errors beside the field with what was typed kept,
//! CSRF on every form, what each role may reach.

use lotse_domain::{Actor, EntityId, TenantId};
use lotse_service::records::Record;
use lotse_testkit::TestApp;

use super::ui_pages::{hidden_csrf, page, signed_in};

fn sys(tenant: &str) -> Actor {
    Actor::system(TenantId::parse(tenant).unwrap())
}

fn rec(v: serde_json::Value) -> Record {
    v.as_object().unwrap().clone()
}

/// A POST of the form fields; the answer's status, `Location` and text.
async fn post(c: &reqwest::Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

/// The texts of the first cells (`<th scope="row">`) of the table's rows.
fn row_heads(html: &str) -> Vec<String> {
    html.split("<th scope=\"row\">")
        .skip(1)
        .map(|x| {
            let cell = x.split("</th>").next().unwrap();
            // The text without tags.
            let mut out = String::new();
            let mut in_tag = false;
            for ch in cell.chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => out.push(c),
                    _ => {}
                }
            }
            out
        })
        .collect()
}

/// The value of `attr` of the element with `id`.
fn attr_of(html: &str, id: &str, attr: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let k = format!("{attr}=\"");
    let i = tag.find(&k)? + k.len();
    Some(tag[i..i + tag[i..].find('"')?].to_owned())
}

lotse_testkit::both_backends! {
    async fn programmes_modules_and_offers_are_listed_sorted_created_changed_and_archived(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let co = signed_in(&app, "coordinator@krefeld").await;

        // Reached from the navigation; the list sorted by name, both ways, with aria-sort.
        let (_, home) = page(&co, &app, "/").await;
        assert!(home.contains("href=\"/programme\""), "in the coordinator's navigation");
        let (s, asc) = page(&co, &app, "/programme?sort=name").await;
        assert_eq!(s, 200);
        assert!(asc.contains("aria-sort=\"ascending\"") && asc.contains("aria-current=\"page\""));
        let (_, desc) = page(&co, &app, "/programme?sort=-name").await;
        assert!(desc.contains("aria-sort=\"descending\""));
        let (up, down) = (row_heads(&asc), row_heads(&desc));
        assert!(up.len() >= 2, "{up:?}");
        let mut reversed = down.clone();
        reversed.reverse();
        assert_eq!(up, reversed, "descending is ascending turned round");
        let names: Vec<&str> = ["JUGEND STÄRKEN im Quartier", "Kommunale Beschäftigungsförderung"].to_vec();
        let pos = |html: &str, n: &str| html.find(n).unwrap_or_else(|| panic!("{n} listed"));
        assert!(pos(&asc, names[0]) < pos(&asc, names[1]) && pos(&desc, names[0]) > pos(&desc, names[1]));
        // An order the list does not offer falls back to the default, never into a statement.
        let (s, _) = page(&co, &app, "/programme?sort=archived_at;drop").await;
        assert_eq!(s, 200);

        // Offers: more than a page; the next page keeps the order and the filter.
        let all = db.lotse.records(&sys("krefeld"), "offers", &Record::new(), Default::default()).await.unwrap().total;
        let (s, html) = page(&co, &app, "/angebote?delivery=individual&sort=-name").await;
        assert_eq!(s, 200);
        let individual = {
            let mut f = Record::new();
            f.insert("delivery".into(), "individual".into());
            db.lotse.records(&sys("krefeld"), "offers", &f, Default::default()).await.unwrap().total
        };
        assert!(individual < all);
        assert!(html.contains(&format!(": {individual}</caption>")), "the caption counts the filtered offers");
        assert!(!html.contains("<td>Gruppenangebot</td>") && html.contains("<td>Einzelangebot</td>"));
        if individual > 50 {
            assert!(html.contains("/angebote?delivery=individual&amp;sort=-name&amp;offset=50") || html.contains("/angebote?delivery=individual&#38;sort=-name&#38;offset=50"), "paging keeps filter and order");
        }
        let (_, group) = page(&co, &app, "/angebote?delivery=group&sort=name").await;
        assert!(group.contains("<td>Gruppenangebot</td>") && !group.contains("<td>Einzelangebot</td>"));
        let (_, html) = page(&co, &app, "/angebote?sort=name").await;
        assert_eq!(html.contains("rel=\"next\""), all > 50, "a next page exactly when there is more");

        // A new programme: the form, a wrong date beside its field with what was typed kept.
        let (s, form) = page(&co, &app, "/programme/neu").await;
        assert_eq!(s, 200);
        let csrf = hidden_csrf(&form);
        let (s, _, html) = post(&co, &app, "/programme/neu", &[("csrf", &csrf), ("program_id", "bildung-2027"), ("name", "Bildungsbrücke"), ("funder", "Land NRW"), ("start_date", "01.01.2027"), ("end_date", "31.02.2027"), ("target_group", "")]).await;
        assert_eq!(s, 422, "{html}");
        assert_eq!(attr_of(&html, "end_date", "aria-invalid").as_deref(), Some("true"));
        assert!(html.contains("id=\"end_date-fehler\"") && html.contains("31.02.2027") && html.contains("value=\"Bildungsbrücke\""));
        // A name is required: the import's rule, beside the field.
        let (s, _, html) = post(&co, &app, "/programme/neu", &[("csrf", &csrf), ("program_id", "bildung-2027"), ("name", ""), ("start_date", "01.01.2027")]).await;
        assert_eq!(s, 422);
        assert_eq!(attr_of(&html, "name", "aria-invalid").as_deref(), Some("true"), "{html}");
        // Without the form's token: refused, nothing written.
        let (s, _, _) = post(&co, &app, "/programme/neu", &[("csrf", "falsch"), ("program_id", "bildung-2027"), ("name", "Bildungsbrücke")]).await;
        assert_eq!(s, 403);
        let (s, location, _) = post(&co, &app, "/programme/neu", &[("csrf", &csrf), ("program_id", "bildung-2027"), ("name", "Bildungsbrücke"), ("funder", "Land NRW"), ("start_date", "01.01.2027"), ("end_date", "31.12.2029"), ("target_group", "")]).await;
        assert_eq!((s, location.as_str()), (303, "/programme/bildung-2027?gespeichert=ja"));
        let (_, html) = page(&co, &app, &location).await;
        assert!(html.contains("Gespeichert.") && html.contains("value=\"31.12.2029\""), "dates shown in German");
        let mut key = Record::new();
        key.insert("program_id".into(), "bildung-2027".into());
        let stored = db.lotse.records(&sys("krefeld"), "programs", &key, Default::default()).await.unwrap();
        assert_eq!(stored.items[0]["end_date"], "2029-12-31");
        // The same id again is refused, not overwritten.
        let (s, _, html) = post(&co, &app, "/programme/neu", &[("csrf", &csrf), ("program_id", "bildung-2027"), ("name", "Anderes")]).await;
        assert_eq!(s, 422);
        assert!(html.contains("schon vergeben"));
        // Changed: the funder; an emptied field is cleared.
        let (s, _, _) = post(&co, &app, "/programme/bildung-2027", &[("csrf", &csrf), ("program_id", "etwas-anderes"), ("name", "Bildungsbrücke"), ("funder", ""), ("start_date", "01.01.2027"), ("end_date", "31.12.2029")]).await;
        assert_eq!(s, 303);
        let stored = db.lotse.records(&sys("krefeld"), "programs", &key, Default::default()).await.unwrap();
        assert!(stored.items[0].get("funder").is_none(), "{:?}", stored.items[0]);
        let mut other = Record::new();
        other.insert("program_id".into(), "etwas-anderes".into());
        assert_eq!(db.lotse.records(&sys("krefeld"), "programs", &other, Default::default()).await.unwrap().total, 0, "the address names the record, not the form");

        // A module in it, and an offer in the module.
        let (s, location, html) = post(&co, &app, "/foerderbausteine/neu", &[("csrf", &csrf), ("module_id", "bb-1"), ("program_id", "bildung-2027"), ("number", "1"), ("name", "Lernbegleitung"), ("kind", "coaching")]).await;
        assert_eq!(s, 303, "{html}");
        let (_, html) = page(&co, &app, &location).await;
        assert!(html.contains("<option value=\"bildung-2027\" selected>Bildungsbrücke</option>"));
        let (s, _, html) = post(&co, &app, "/angebote/neu", &[("csrf", &csrf), ("offer_id", "bb-gruppe"), ("name", "Lerntreff Süd"), ("provider_id", "kzb"), ("module_id", "bb-1"), ("delivery", "group"), ("capacity", "zwölf")]).await;
        assert_eq!(s, 422);
        assert_eq!(attr_of(&html, "capacity", "aria-invalid").as_deref(), Some("true"));
        assert!(html.contains("value=\"zwölf\"") && html.contains("value=\"Lerntreff Süd\""));
        let (s, _, _) = post(&co, &app, "/angebote/neu", &[("csrf", &csrf), ("offer_id", "bb-gruppe"), ("name", "Lerntreff Süd"), ("provider_id", "kzb"), ("module_id", "bb-1"), ("delivery", "group"), ("capacity", "12")]).await;
        assert_eq!(s, 303);
        let (_, html) = page(&co, &app, "/foerderbausteine?program_id=bildung-2027").await;
        assert_eq!(row_heads(&html), ["bb-1"]);

        // Archived: out of the current list, in the archived one, and back.
        let (s, _, _) = post(&co, &app, "/programme/bildung-2027/archivieren", &[("csrf", &csrf), ("archived", "ja")]).await;
        assert_eq!(s, 303);
        let (_, current) = page(&co, &app, "/programme").await;
        let (_, archived) = page(&co, &app, "/programme?archiv=ja").await;
        assert!(!current.contains("/programme/bildung-2027\"") && archived.contains("/programme/bildung-2027\""));
        let (_, html) = page(&co, &app, "/programme/bildung-2027").await;
        assert!(html.contains("(archiviert)") && html.contains("Zurückholen"));
        let (s, _, _) = post(&co, &app, "/programme/bildung-2027/archivieren", &[("csrf", "falsch"), ("archived", "nein")]).await;
        assert_eq!(s, 403);

        // A case manager reads, but has no forms, and is refused when posting.
        let cm = signed_in(&app, "case_manager@krefeld").await;
        let (s, html) = page(&cm, &app, "/programme").await;
        assert_eq!(s, 200);
        assert!(!html.contains("/programme/neu"));
        let (_, html) = page(&cm, &app, "/programme/bildung-2027").await;
        assert!(html.contains("Bildungsbrücke") && !html.contains("/archivieren") && !html.contains("method=\"post\" action=\"/programme/"));
        let cm_csrf = hidden_csrf(&html);
        let (s, _, _) = post(&cm, &app, "/programme/bildung-2027", &[("csrf", &cm_csrf), ("name", "Umbenannt")]).await;
        assert_eq!(s, 403);
        // The auditor sees no programme data at all; an unknown record is a 404.
        let auditor = signed_in(&app, "auditor@krefeld").await;
        assert_eq!(page(&auditor, &app, "/programme").await.0, 403);
        assert_eq!(page(&co, &app, "/angebote/gibt-es-nicht").await.0, 404);
    }

    async fn sessions_of_a_group_offer_and_registered_attendance(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let krefeld = sys("krefeld");
        let offer = "kr-g0101";
        let mut f = Record::new();
        f.insert("offer_id".into(), offer.into());
        let sessions = db.lotse.records(&krefeld, "sessions", &f, Default::default()).await.unwrap();
        let before = db.lotse.group_offer(&krefeld, &EntityId::parse(offer).unwrap()).await.unwrap();

        // The coordinator sees the sessions with German dates and adds one.
        let co = signed_in(&app, "coordinator@krefeld").await;
        let (_, html) = page(&co, &app, &format!("/angebote/{offer}")).await;
        assert!(html.contains(&format!("/angebote/{offer}/termine")), "the offer links its sessions");
        let (s, html) = page(&co, &app, &format!("/angebote/{offer}/termine")).await;
        assert_eq!(s, 200);
        assert_eq!(row_heads(&html).len() as u64, sessions.total.min(50));
        let first = sessions.items[0]["date"].as_str().unwrap();
        let german = chrono::NaiveDate::parse_from_str(first, "%Y-%m-%d").unwrap().format("%d.%m.%Y").to_string();
        assert!(html.contains(&german), "{german}");
        let (_, desc) = page(&co, &app, &format!("/angebote/{offer}/termine?sort=-date")).await;
        let mut turned = row_heads(&desc);
        turned.reverse();
        assert_eq!(row_heads(&html), turned);
        let csrf = hidden_csrf(&html);
        let path = format!("/angebote/{offer}/termine");
        let (s, _, html) = post(&co, &app, &path, &[("csrf", &csrf), ("date", "30.02.2023"), ("head_count", "14"), ("note", "Ausflug")]).await;
        assert_eq!(s, 422);
        assert_eq!(attr_of(&html, "date", "aria-invalid").as_deref(), Some("true"));
        assert!(html.contains("value=\"30.02.2023\"") && html.contains("value=\"Ausflug\"") && html.contains("value=\"14\""));
        let (s, _, _) = post(&co, &app, &path, &[("csrf", "x"), ("date", "05.04.2023"), ("head_count", "14"), ("note", "")]).await;
        assert_eq!(s, 403);
        let (s, _, _) = post(&co, &app, &path, &[("csrf", &csrf), ("date", "05.04.2023"), ("head_count", "14"), ("note", "Ausflug")]).await;
        assert_eq!(s, 303);
        let after = db.lotse.group_offer(&krefeld, &EntityId::parse(offer).unwrap()).await.unwrap();
        assert_eq!(after.sessions.len(), before.sessions.len() + 1);
        assert_eq!(after.attendance_total, before.attendance_total + 14);
        let (_, html) = page(&co, &app, &path).await;
        assert!(html.contains("05.04.2023") && html.contains("Ausflug"));
        // The coordination sees no persons: no attendance form, refused on the page.
        assert!(!html.contains("Anwesenheit erfassen</span>"));
        let new_session = db.lotse.records(&krefeld, "sessions", &f, Default::default()).await.unwrap().items.into_iter()
            .find(|r| r["date"] == "2023-04-05").unwrap()["session_id"].as_str().unwrap().to_owned();
        assert_eq!(page(&co, &app, &format!("{path}/{new_session}")).await.0, 403);

        // The case manager records who attended: the registered participant, ticked.
        let cm = signed_in(&app, "case_manager@krefeld").await;
        let (_, html) = page(&cm, &app, &path).await;
        assert!(!html.contains("Termin hinzufügen</button>"), "sessions are the offer's provider's and the coordination's");
        let (s, html) = page(&cm, &app, &format!("{path}/{new_session}")).await;
        assert_eq!(s, 200);
        let participants = db.lotse.group_participants(&krefeld, &EntityId::parse(offer).unwrap()).await.unwrap();
        assert!(!participants.is_empty());
        let (pid, name) = &participants[0];
        assert!(html.contains(name.as_str()) && html.contains(&format!("value=\"{pid}\"")));
        assert!(!html.contains(" checked"), "nobody recorded yet");
        let csrf = hidden_csrf(&html);
        let (s, location, _) = post(&cm, &app, &format!("{path}/{new_session}"), &[("csrf", &csrf), ("present", pid)]).await;
        assert_eq!((s, location.as_str()), (303, format!("{path}/{new_session}?gespeichert=ja").as_str()));
        let (_, html) = page(&cm, &app, &location).await;
        assert!(html.contains(" checked") && html.contains("Gespeichert."));
        let with = db.lotse.group_offer(&krefeld, &EntityId::parse(offer).unwrap()).await.unwrap();
        assert_eq!(with.sessions.iter().find(|x| x.id == new_session).unwrap().registered, 1);
        // Unticked again: the attendance is removed.
        let (s, _, _) = post(&cm, &app, &format!("{path}/{new_session}"), &[("csrf", &csrf)]).await;
        assert_eq!(s, 303);
        let without = db.lotse.group_offer(&krefeld, &EntityId::parse(offer).unwrap()).await.unwrap();
        assert_eq!(without.sessions.iter().find(|x| x.id == new_session).unwrap().registered, 0);
        let (s, _, _) = post(&cm, &app, &format!("{path}/{new_session}"), &[("csrf", "x"), ("present", pid)]).await;
        assert_eq!(s, 403);
        // An individual offer has no sessions page.
        let (s, _) = page(&cm, &app, "/angebote/kr-e-km-1-kr/termine").await;
        assert_eq!(s, 404);
    }

    async fn the_waiting_list_on_the_offer_and_the_person_page(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let krefeld = sys("krefeld");
        // A small individual offer: one place, taken; the next person waits.
        db.lotse.save_record(&krefeld, "offers", rec(serde_json::json!({"offer_id": "klein", "name": "Coaching mit einem Platz", "provider_id": "kzb", "delivery": "individual", "capacity": 1}))).await.unwrap();
        let mut f = Record::new();
        f.insert("provider_id".into(), "kzb".into());
        let staff = db.lotse.records(&krefeld, "staff", &f, Default::default()).await.unwrap().items[0]["staff_id"].as_str().unwrap().to_owned();
        let persons = db.lotse.persons(&krefeld, Default::default()).await.unwrap().items;
        let (first, second) = (&persons[0], &persons[1]);
        let open = |person: &str, waiting: bool| serde_json::from_value::<lotse_service::cases::OpenCase>(serde_json::json!({
            "person_id": person, "offer_id": "klein", "staff_id": staff, "entry_date": "2026-11-02", "waiting_list": waiting})).unwrap();
        db.lotse.open_case(&krefeld, open(&first.id, false)).await.unwrap();
        let waiting = db.lotse.open_case(&krefeld, open(&second.id, true)).await.unwrap();
        assert!(waiting.case.is_none());
        let name = [second.attributes.given_name.clone(), second.attributes.family_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");

        let cm = signed_in(&app, "case_manager@krefeld").await;
        let (s, html) = page(&cm, &app, "/angebote/klein").await;
        assert_eq!(s, 200);
        assert!(html.contains("Warteliste, nächste zuerst (1)") && html.contains(&name) && html.contains(&format!("/personen/{}", second.id)), "{html}");
        let read_entities = || async {
            use lotse_testkit::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            let mut e: Vec<String> = lotse_db::entity::audit_entry::Entity::find()
                .filter(lotse_db::entity::audit_entry::Column::TenantId.eq("krefeld"))
                .filter(lotse_db::entity::audit_entry::Column::Action.eq("read"))
                .filter(lotse_db::entity::audit_entry::Column::PersonId.eq(second.id.as_str()))
                .all(&db.lotse.db)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.entity)
                .collect();
            e.sort();
            e
        };
        let before = read_entities().await;
        let (_, html) = page(&cm, &app, &format!("/personen/{}", second.id)).await;
        assert!(html.contains("wartet auf <a href=\"/angebote/klein\">Coaching mit einem Platz</a>") && html.contains("Platz 1"), "{html}");
        // The page's parts record their reads together; all of them are in
        // the trail when the page arrives.
        let mut added = read_entities().await;
        for e in &before {
            added.remove(added.iter().position(|x| x == e).unwrap());
        }
        for part in ["person", "residence_status", "consent", "waiting_list"] {
            assert!(added.iter().any(|e| e == part), "{part} missing in {added:?}");
        }
        // When the reads cannot be recorded, the page is not shown.
        db.sql("ALTER TABLE audit_log RENAME TO audit_log_away").await.unwrap();
        let r = cm.get(app.url(&format!("/personen/{}", second.id))).send().await.unwrap();
        let head = cm.head(app.url(&format!("/personen/{}", second.id))).send().await.unwrap().status();
        db.sql("ALTER TABLE audit_log_away RENAME TO audit_log").await.unwrap();
        assert_eq!((r.status().as_u16(), head.as_u16()), (503, 503));
        let text = r.text().await.unwrap();
        assert!(text.contains("nicht im Protokoll vermerkt") && text.contains("<html lang=\"de\">") && !text.contains(&name), "{text}");
        let (_, html) = page(&cm, &app, &format!("/personen/{}", first.id)).await;
        assert!(!html.contains("wartet auf"));
        // The coordination sees the offer but not who waits.
        let co = signed_in(&app, "coordinator@krefeld").await;
        let (s, html) = page(&co, &app, "/angebote/klein").await;
        assert_eq!(s, 200);
        assert!(!html.contains(&name) && !html.contains("Warteliste"));
    }

    async fn incoming_handovers_are_accepted_or_declined_by_the_receiving_provider(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let lev = sys("leverkusen");
        let kja_persons: Vec<_> = db.lotse.persons(&lev, Default::default()).await.unwrap().items.into_iter().filter(|p| p.attributes.provider_id.as_str() == "kja").take(2).collect();
        let today = chrono::Local::now().date_naive();
        for p in &kja_persons {
            let id = EntityId::parse(&p.id).unwrap();
            let consent = lotse_service::consents::ConsentInput { scope: lotse_domain::consent::ConsentScope::ShareWithProvider, provider_id: Some("dekra".into()), program_id: None, given_date: today };
            db.lotse.record_consent(&lev, &id, consent).await.unwrap();
            db.lotse.request_handover(&lev, &id, lotse_service::handover::HandoverInput { to_provider: "dekra".into(), note: Some("Coaching passt besser".into()) }).await.unwrap();
        }
        let name = |p: &lotse_service::persons::Person| [p.attributes.given_name.clone(), p.attributes.family_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");

        // The receiving case manager: pointed to them on the start page, listed with what is needed to decide.
        let dekra = signed_in(&app, "case_manager.dekra@leverkusen").await;
        let (_, home) = page(&dekra, &app, "/").await;
        assert!(home.contains("2 Übergaben warten") && home.contains("href=\"/uebergaben\""), "{home}");
        let (s, html) = page(&dekra, &app, "/uebergaben").await;
        assert_eq!(s, 200);
        assert!(html.contains(&name(&kja_persons[0])) && html.contains("Coaching passt besser") && html.contains("Katholische Jugendagentur"));
        let csrf = hidden_csrf(&html);
        let ids: Vec<String> = html.split("action=\"/uebergaben/").skip(1).map(|x| x.split('"').next().unwrap().to_owned()).collect();
        assert_eq!(ids.len(), 4, "accept and decline for each");
        let (s, _, _) = post(&dekra, &app, &format!("/uebergaben/{}", ids[0]), &[("csrf", "x"), ("decision", "annehmen")]).await;
        assert_eq!(s, 403);
        // The sending side neither sees nor decides.
        let kja = signed_in(&app, "case_manager.kja@leverkusen").await;
        let (_, kja_home) = page(&kja, &app, "/").await;
        assert!(!kja_home.contains("Übergaben warten"));
        let (s, _, _) = post(&kja, &app, &format!("/uebergaben/{}", ids[0]), &[("csrf", &hidden_csrf(&kja_home)), ("decision", "annehmen")]).await;
        assert_eq!(s, 404);
        // Accepted: the person is dekra's now, and the page leads to the record.
        let (s, location, _) = post(&dekra, &app, &format!("/uebergaben/{}", ids[0]), &[("csrf", &csrf), ("decision", "annehmen")]).await;
        assert_eq!(s, 303);
        let (s, record) = page(&dekra, &app, &location).await;
        assert_eq!(s, 200);
        assert!(record.contains("<dt>Träger</dt><dd>dekra</dd>"), "{record}");
        // Declined: the other stays with kja.
        let (s, _, html) = post(&dekra, &app, &format!("/uebergaben/{}", ids[3]), &[("csrf", &csrf), ("decision", "ablehnen")]).await;
        assert_eq!(s, 200);
        assert!(html.contains("Die Übergabe ist abgelehnt") && html.contains("Keine Übergabe wartet"));
        let still = db.lotse.person(&lev, &EntityId::parse(&kja_persons[1].id).unwrap()).await.unwrap();
        assert_eq!(still.attributes.provider_id.as_str(), "kja");
        // Decided once: no second decision.
        let (s, _, _) = post(&dekra, &app, &format!("/uebergaben/{}", ids[3]), &[("csrf", &csrf), ("decision", "annehmen")]).await;
        assert_eq!(s, 422);
        let (_, home) = page(&dekra, &app, "/").await;
        assert!(!home.contains("Übergaben warten") && !home.contains("Übergabe wartet"));
        // Other roles have no handover page.
        let co = signed_in(&app, "coordinator@leverkusen").await;
        assert_eq!(page(&co, &app, "/uebergaben").await.0, 403);
    }

    async fn retention_rules_in_the_administration(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let admin = signed_in(&app, "admin@krefeld").await;
        let (_, home) = page(&admin, &app, "/").await;
        assert!(home.contains("href=\"/verwaltung/aufbewahrung\""));
        let (s, html) = page(&admin, &app, "/verwaltung/aufbewahrung").await;
        assert_eq!(s, 200);
        assert!(html.contains("noch keine Regel"));
        let csrf = hidden_csrf(&html);
        let path = "/verwaltung/aufbewahrung";
        // 0 years: refused beside the field, the typed value kept.
        let (s, _, html) = post(&admin, &app, path, &[("csrf", &csrf), ("index", ""), ("kind", "after_case_closed"), ("years", "0"), ("program_id", "")]).await;
        assert_eq!(s, 422);
        assert_eq!(attr_of(&html, "years", "aria-invalid").as_deref(), Some("true"));
        assert!(html.contains("value=\"0\"") && html.contains("id=\"years-fehler\""));
        let (s, _, html) = post(&admin, &app, path, &[("csrf", &csrf), ("index", ""), ("kind", "after_case_closed"), ("years", "zehn"), ("program_id", "")]).await;
        assert_eq!(s, 422);
        assert!(html.contains("value=\"zehn\""));
        let (s, _, _) = post(&admin, &app, path, &[("csrf", "x"), ("index", ""), ("kind", "esf"), ("years", "10"), ("program_id", "")]).await;
        assert_eq!(s, 403);
        let (s, _, _) = post(&admin, &app, path, &[("csrf", &csrf), ("index", ""), ("kind", "after_case_closed"), ("years", "10"), ("program_id", "")]).await;
        assert_eq!(s, 303);
        let (s, _, _) = post(&admin, &app, path, &[("csrf", &csrf), ("index", ""), ("kind", "esf"), ("years", "10"), ("program_id", "jugend-staerken")]).await;
        assert_eq!(s, 303);
        let rules = db.lotse.retention_rules(&sys("krefeld")).await.unwrap();
        assert_eq!(rules.iter().map(|r| (r.kind.as_str(), r.years, r.program_id.as_deref())).collect::<Vec<_>>(), [("after_case_closed", 10, None), ("esf", 10, Some("jugend-staerken"))]);
        let (_, html) = page(&admin, &app, path).await;
        assert!(html.contains("JUGEND STÄRKEN im Quartier (jugend-staerken)") && html.contains("alle Personen"));
        // Changed: the form filled with the rule, saved in its place.
        let (_, html) = page(&admin, &app, &format!("{path}?regel=2")).await;
        assert!(html.contains("Regel 2 ändern") && html.contains("<option value=\"esf\" selected>") && html.contains("value=\"10\""));
        let (s, _, _) = post(&admin, &app, path, &[("csrf", &csrf), ("index", "2"), ("kind", "esf"), ("years", "12"), ("program_id", "jugend-staerken")]).await;
        assert_eq!(s, 303);
        let rules = db.lotse.retention_rules(&sys("krefeld")).await.unwrap();
        assert_eq!((rules.len(), rules[1].years), (2, 12));
        // The list sorts by its headers; each rule keeps its number (its place).
        let (_, html) = page(&admin, &app, &format!("{path}?sort=-years")).await;
        assert!(html.contains("aria-sort=\"descending\""), "{html}");
        let first = html.split("<tbody>").nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(first.contains("<td class=\"num\">2</td>") && first.contains("<td class=\"num\">12</td>"), "{first}");
        assert!(first.contains("?regel=2&amp;sort=-years#regel"), "the edit link keeps the order: {first}");
        let (_, html) = page(&admin, &app, &format!("{path}?sort=years")).await;
        let first = html.split("<tbody>").nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(first.contains("<td class=\"num\">1</td>"), "{first}");
        let (s, _, _) = post(&admin, &app, "/verwaltung/aufbewahrung/entfernen", &[("csrf", &csrf), ("index", "1")]).await;
        assert_eq!(s, 303);
        let rules = db.lotse.retention_rules(&sys("krefeld")).await.unwrap();
        assert_eq!(rules.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(), ["esf"]);
        // Nobody else keeps the rules.
        let co = signed_in(&app, "coordinator@krefeld").await;
        assert_eq!(page(&co, &app, path).await.0, 403);
        let (_, home) = page(&co, &app, "/").await;
        assert!(!home.contains("href=\"/verwaltung/aufbewahrung\""));
    }

    async fn every_list_sorts_by_its_headers_and_keeps_the_order_across_pages(db) {
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let krefeld = sys("krefeld");
        let cm = signed_in(&app, "case_manager@krefeld").await;

        // Persons: by name both ways; paging keeps the order.
        let (_, asc) = page(&cm, &app, "/personen?sort=name").await;
        let (_, desc) = page(&cm, &app, "/personen?sort=-name").await;
        assert!(asc.contains("aria-sort=\"ascending\"") && desc.contains("aria-sort=\"descending\""));
        assert_ne!(row_heads(&asc)[0], row_heads(&desc)[0]);
        assert!(desc.contains("/personen?sort=-name&amp;offset=50") || desc.contains("/personen?sort=-name&#38;offset=50"), "the next page keeps the order");
        let (_, born) = page(&cm, &app, "/personen?sort=birth_date").await;
        let ranked = db.lotse.persons(&krefeld, lotse_service::persons::PersonQuery { sort: Some("birth_date".into()), limit: Some(1), ..Default::default() }).await.unwrap();
        let oldest = ranked.items[0].attributes.birth_date.unwrap().format("%d.%m.%Y").to_string();
        assert!(born.contains(&format!("</a></th><td>{oldest}</td>")), "the oldest first: {oldest}");
        // A search is sent by POST: the text is in no address, not even in the page's links.
        let family = ranked.items[0].attributes.family_name.clone().unwrap();
        let csrf = hidden_csrf(&asc);
        let (s, _, html) = post(&cm, &app, "/personen", &[("csrf", &csrf), ("q", &family)]).await;
        assert_eq!(s, 200);
        assert!(html.contains(&format!("Treffer für „{family}“")) && html.contains(&family));
        assert!(!html.contains("q=") && !html.contains(&format!("href=\"/personen?{}", "q")), "no search text in a link");
        assert!(html.contains("name=\"sort_to\" value=\"name\""), "the headers sort the search");
        let (s, _, sorted) = post(&cm, &app, "/personen", &[("csrf", &csrf), ("q", &family), ("sort_to", "-birth_date")]).await;
        assert_eq!(s, 200);
        assert!(sorted.contains("aria-sort=\"descending\"") && sorted.contains("name=\"sort\" value=\"-birth_date\""));
        let (s, _, _) = post(&cm, &app, "/personen", &[("csrf", "x"), ("q", &family)]).await;
        assert_eq!(s, 403);

        // Cases: person names instead of ids, sorted by person.
        let cases = db.lotse.cases(&krefeld, lotse_service::cases::CaseQuery { limit: Some(1), sort: Some("person".into()), ..Default::default() }).await.unwrap();
        let first = &cases.items[0];
        let p = db.lotse.person(&krefeld, &EntityId::parse(&first.person_id).unwrap()).await.unwrap();
        let pname = [p.attributes.given_name.clone(), p.attributes.family_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let (s, html) = page(&cm, &app, "/faelle?sort=person").await;
        assert_eq!(s, 200);
        assert!(html.contains(&format!("<a href=\"/personen/{}\">{pname}</a>", first.person_id)), "{pname}");
        assert!(html.contains("aria-sort=\"ascending\""));
        let (_, default) = page(&cm, &app, "/faelle").await;
        assert!(default.contains("aria-sort=\"descending\""), "newest entry first by default");
        assert!(!default.contains(&format!("<td>{}</td>", first.person_id)), "no bare person ids");
        let (_, phased) = page(&cm, &app, "/faelle?phase=intake&sort=offer").await;
        assert!(phased.contains("name=\"sort\" value=\"offer\""), "the filter form keeps the order");

        // The case page proposes the next phase, not the first.
        let id = default.split("<th scope=\"row\"><a href=\"/faelle/").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let case = db.lotse.case(&krefeld, &EntityId::parse(&id).unwrap()).await.unwrap();
        let (_, html) = page(&cm, &app, &format!("/faelle/{id}")).await;
        let phases = lotse_domain::case::Phase::ALL;
        let current = lotse_domain::case::Phase::parse(&case.summary.phase).unwrap();
        if let Some(next) = phases.get(current.index() + 1) {
            assert!(html.contains(&format!("<option value=\"{}\" selected>", next.as_str())), "{}", next.as_str());
        }
        assert_eq!(html.matches(" selected>").count() >= 1, phases.get(current.index() + 1).is_some());

        // Accounts and the audit trail.
        let admin = signed_in(&app, "admin@krefeld").await;
        let (_, asc) = page(&admin, &app, "/verwaltung/benutzer?sort=login").await;
        let (_, desc) = page(&admin, &app, "/verwaltung/benutzer?sort=-login").await;
        let mut turned = row_heads(&desc);
        turned.reverse();
        assert_eq!(row_heads(&asc), turned);
        // One's own API tokens: by purpose both ways.
        let (_, html) = page(&admin, &app, "/zugaenge").await;
        let csrf = hidden_csrf(&html);
        for name in ["Berta", "Anton", "Cäsar"] {
            let (s, _, _) = post(&admin, &app, "/zugaenge", &[("csrf", &csrf), ("name", name), ("days", "30")]).await;
            assert_eq!(s, 200);
        }
        let (_, asc) = page(&admin, &app, "/zugaenge?sort=name").await;
        assert_eq!(row_heads(&asc), ["Anton", "Berta", "Cäsar"]);
        assert!(asc.contains("<caption>Tokens (3)</caption>") && asc.contains("aria-sort=\"ascending\""));
        let (_, desc) = page(&admin, &app, "/zugaenge?sort=-name").await;
        assert_eq!(row_heads(&desc), ["Cäsar", "Berta", "Anton"]);
        let auditor = signed_in(&app, "auditor@krefeld").await;
        let (s, html) = page(&auditor, &app, "/protokoll?sort=actor&action=read").await;
        assert_eq!(s, 200);
        assert!(html.contains("aria-sort=\"ascending\"") && !html.contains("neueste zuerst"));
        assert!(html.contains("name=\"sort\" value=\"actor\""));
        let (_, html) = page(&auditor, &app, "/protokoll").await;
        assert!(html.contains("neueste zuerst") && html.contains("aria-sort=\"descending\""));
    }
}

lotse_testkit::both_backends! {
    async fn a_case_manager_who_works_as_a_staff_member_sees_their_own_cases_first(db) {
        use lotse_service::cases::CaseQuery;
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let krefeld = sys("krefeld");
        let cm = signed_in(&app, "case_manager@krefeld").await;

        // Not linked to a staff member: the provider's cases, not counted, a page at a time.
        let (s, html) = page(&cm, &app, "/faelle").await;
        assert_eq!(s, 200);
        assert!(html.contains("<h1>Fälle</h1>") && !html.contains("Meine Fälle"), "{html}");
        let first = html.split("<th scope=\"row\"><a href=\"/faelle/").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let staff = db.lotse.case(&krefeld, &EntityId::parse(&first).unwrap()).await.unwrap().summary.staff_id.unwrap();
        let provider_cases = db.lotse.case_count(&krefeld, &CaseQuery::default()).await.unwrap();
        if provider_cases > 50 {
            assert!(html.contains("von mehr als 50") && html.contains("rel=\"next\""), "{html}");
        }

        // Linked: "Meine Fälle", counted, only the staff member's cases.
        let users = db.lotse.users(&krefeld, lotse_service::page::PageRequest { limit: Some(500), offset: None }).await.unwrap();
        let me = users.items.iter().find(|u| u.login == "case_manager").unwrap();
        db.lotse.link_user_staff(&krefeld, &me.id, Some(&staff)).await.unwrap();
        let own = CaseQuery { staff: Some(staff.clone()), ..Default::default() };
        let n = db.lotse.case_count(&krefeld, &own).await.unwrap();
        assert!(n > 0 && n < provider_cases, "{n} of {provider_cases}");
        let (_, html) = page(&cm, &app, "/faelle").await;
        assert!(html.contains(&format!("<caption>Meine Fälle ({n})</caption>")), "{html}");
        assert!(html.contains("<a href=\"/faelle?alle=1\">Alle Fälle des Trägers zeigen</a>"));
        let rows: Vec<&str> = html.split("<th scope=\"row\"><a href=\"/faelle/").skip(1).map(|r| r.split('"').next().unwrap()).collect();
        assert_eq!(rows.len() as u64, n.min(50));
        for id in rows {
            let c = db.lotse.case(&krefeld, &EntityId::parse(id).unwrap()).await.unwrap();
            assert_eq!(c.summary.staff_id.as_deref(), Some(staff.as_str()), "{id}");
        }
        // The whole provider one click away; the choice stays with the filter and the order.
        let (_, all) = page(&cm, &app, "/faelle?alle=1&sort=offer").await;
        assert!(all.contains("<h1>Fälle des Trägers</h1>") && all.contains("<a href=\"/faelle\">Nur meine Fälle zeigen</a>"), "{all}");
        assert!(all.contains("<input type=\"hidden\" name=\"alle\" value=\"1\">"));
        assert!(all.contains("href=\"/faelle?alle=1&#38;sort=person\""), "the column heads keep the choice: {all}");
        // The start page counts one's own open cases and lists the newest of them.
        let closed = db.lotse.case_count(&krefeld, &CaseQuery { phase: Some("closure".into()), ..own.clone() }).await.unwrap();
        let open = n - closed;
        let (_, home) = page(&cm, &app, "/").await;
        assert!(home.contains(&format!("{open} offene Fälle")), "{home}");
        assert!(home.contains("<h2 id=\"faelle\">Meine offenen Fälle</h2>"), "{home}");
        let listed: Vec<&str> = home.split("<td><a href=\"/faelle/").skip(1).map(|r| r.split('"').next().unwrap()).collect();
        assert_eq!(listed.len() as u64, open.min(10));
        let caption = match open {
            n if n > 10 => format!("<caption>Die neuesten 10 von {n} offenen Fällen, nach Beginn</caption>"),
            1 => "<caption>Ein offener Fall, nach Beginn</caption>".to_owned(),
            n => format!("<caption>{n} offene Fälle, nach Beginn</caption>"),
        };
        assert!(home.contains(&caption), "{caption}: {home}");
        // The caseload: one's own open cases against one's FTE (from staff.csv), the team's as a report.
        let mut filter = lotse_service::records::Record::new();
        filter.insert("staff_id".into(), staff.clone().into());
        let rec = db.lotse.records(&krefeld, "staff", &filter, lotse_service::page::PageRequest { limit: Some(1), offset: None }).await.unwrap();
        let fte = rec.items[0].get("fte").and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))).expect("fte");
        let per = format!("{:.1}", open as f64 / fte).replace('.', ",");
        assert!(home.contains(&format!("Ihre offenen Fälle je Vollzeitstelle: {per} ({open} Fälle bei ")), "{per}: {home}");
        assert!(home.contains("href=\"/berichte?name=caseload\""));
        let mut entries = vec![];
        for id in &listed {
            let c = db.lotse.case(&krefeld, &EntityId::parse(id).unwrap()).await.unwrap();
            assert_eq!(c.summary.staff_id.as_deref(), Some(staff.as_str()), "{id}");
            assert_ne!(c.summary.phase, "closure", "{id}");
            entries.push(c.summary.entry_date);
        }
        assert!(entries.windows(2).all(|w| w[0] >= w[1]), "newest first: {entries:?}");
        // The case list offers all open cases as a filter.
        let (_, list) = page(&cm, &app, "/faelle?phase=offen").await;
        assert!(list.contains(&format!("<caption>Meine Fälle ({open})</caption>")) && list.contains("<option value=\"offen\" selected>"), "{list}");
    }
}
