//! The audit trail: entries for reads and writes, values encrypted per
//! person, crypto-shredding, append-only storage, and tamper detection.

use lotse_db::Backend;
use lotse_domain::{Actor, EntityId, Role};
use lotse_service::audit::AuditFilter;
use lotse_service::page::PageRequest;
use lotse_service::persons::PersonQuery;
use lotse_testkit::fixture;
use sea_orm::{ConnectionTrait, Statement};

fn actor(t: &fixture::Tenant, role: Role, login: &str, provider: Option<&str>) -> Actor {
    Actor {
        tenant: t.id.clone(),
        user_id: login.into(),
        login: lotse_domain::Login::parse(login).unwrap(),
        role,
        provider: provider.map(|p| EntityId::parse(p).unwrap()),
        break_glass: None,
        address: Some("192.0.2.7".into()),
        via_token: false,
        staff_id: None,
    }
}

async fn entries(
    lotse: &lotse_service::Lotse,
    t: &fixture::Tenant,
    entity_id: &str,
) -> Vec<lotse_service::audit::AuditView> {
    let auditor = actor(t, Role::Auditor, "auditor", None);
    let filter = AuditFilter { entity: Some("person".into()), entity_id: Some(entity_id.into()), ..Default::default() };
    let mut items =
        lotse.audit_entries(&auditor, &filter, PageRequest { limit: Some(500), offset: None }).await.unwrap().items;
    items.reverse(); // oldest first
    items
}

async fn raw_changes(db: &lotse_testkit::TestDb, entity_id: &str) -> Vec<String> {
    let rows = db
        .lotse
        .db
        .query_all_raw(Statement::from_string(
            db.lotse.db.get_database_backend(),
            format!("SELECT changes FROM audit_log WHERE entity_id = '{entity_id}' AND changes IS NOT NULL"),
        ))
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

lotse_testkit::both_backends! {
    async fn reads_and_writes_are_recorded_and_values_encrypted(db) {
        let lotse = &db.lotse;
        let t = fixture::tenant(lotse, "aud").await;
        let cm = actor(&t, Role::CaseManager, "case_manager", Some("p1"));
        let id = EntityId::parse(&t.persons[0]).unwrap();

        lotse.person(&cm, &id).await.unwrap();
        let mut changed = fixture::person_input("p1", "Yılmaz-Özdemir");
        changed.given_name = Some("Amina".into());
        lotse.update_person(&cm, &id, changed).await.unwrap();
        lotse.persons(&cm, PersonQuery::default()).await.unwrap();

        let e = entries(lotse, &t, id.as_str()).await;
        let actions: Vec<&str> = e.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["create", "read", "update"], "{e:?}");
        let update = &e[2];
        assert_eq!(update.actor, "case_manager");
        assert_eq!(update.address.as_deref(), Some("192.0.2.7"));
        assert_eq!(update.changes["family_name"], serde_json::json!(["Nachname0", "Yılmaz-Özdemir"]));
        assert!(update.seq.is_some(), "sealed into the chain");
        // The list read names the ids it returned.
        let lists = entries(lotse, &t, "list").await;
        assert!(lists.last().unwrap().changes["ids"].as_array().unwrap().iter().any(|v| v == id.as_str()));

        // In storage, a person's values are ciphertext only.
        let raw = raw_changes(&db, id.as_str()).await;
        assert!(!raw.is_empty());
        for c in &raw {
            assert!(c.starts_with("enc:v1:") && !c.contains("Yılmaz") && !c.contains("Nachname0"), "{c}");
        }

        // A login, successful or not, is recorded too.
        let _ = lotse.login(&t.id, &lotse_domain::Login::parse("admin").unwrap(), "falsch", None).await;
        let auditor = actor(&t, Role::Auditor, "auditor", None);
        let logins = lotse
            .audit_entries(&auditor, &AuditFilter { action: Some("login".into()), ..Default::default() }, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(logins.items[0].changes["success"], false);
    }

    async fn deleting_a_person_shreds_their_values_but_the_chain_verifies(db) {
        let lotse = &db.lotse;
        let t = fixture::tenant(lotse, "shred").await;
        let cm = actor(&t, Role::CaseManager, "case_manager", Some("p1"));
        let id = EntityId::parse(&t.persons[0]).unwrap();
        lotse.update_person(&cm, &id, fixture::person_input("p1", "Geheim")).await.unwrap();
        let before = entries(lotse, &t, id.as_str()).await;
        assert_eq!(before[1].changes["family_name"][1], "Geheim");

        lotse.delete_person(&cm, &id).await.unwrap();
        let after = entries(lotse, &t, id.as_str()).await;
        assert_eq!(after.len(), 3);
        assert_eq!(after[0].changes, serde_json::json!({"erased": true}));
        assert_eq!(after[1].changes, serde_json::json!({"erased": true}));
        assert_eq!(after[2].action, "delete");
        // Nothing readable is left: the ciphertext stays, the key is gone.
        let raw = raw_changes(&db, id.as_str()).await;
        assert!(raw.iter().all(|c| c.starts_with("enc:v1:")));
        let report = lotse.verify_audit(&Actor::system(t.id.clone())).await.unwrap();
        assert!(report.ok, "{report:?}");
        assert!(report.entries > 20);
    }

    async fn tampering_is_detected(db) {
        let lotse = &db.lotse;
        let t = fixture::tenant(lotse, "tamper").await;
        let sys = Actor::system(t.id.clone());
        assert!(lotse.verify_audit(&sys).await.unwrap().ok);

        // The product's own connection cannot change or delete sealed entries.
        assert!(db.sql("UPDATE audit_log SET actor = 'niemand' WHERE seq = 3").await.is_err());
        assert!(db.sql("DELETE FROM audit_log WHERE seq = 3").await.is_err());

        // Someone with full database rights goes around the trigger.
        match db.backend {
            Backend::Sqlite => db.sql("DROP TRIGGER audit_log_seal_once; DROP TRIGGER audit_log_no_delete").await.unwrap(),
            Backend::Postgres => db.sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only").await.unwrap(),
        }
        db.sql("UPDATE audit_log SET actor = 'niemand' WHERE seq = 3").await.unwrap();
        let report = lotse.verify_audit(&sys).await.unwrap();
        assert!(!report.ok);
        assert_eq!(report.problems.len(), 1, "{report:?}");
        assert_eq!(report.problems[0].seq, 3);
        assert!(report.problems[0].message.contains("verändert"));

        // A deleted entry leaves a gap.
        db.sql("DELETE FROM audit_log WHERE seq = 5").await.unwrap();
        let report = lotse.verify_audit(&sys).await.unwrap();
        assert!(report.problems.iter().any(|p| p.message.contains("Eintrag 5 fehlt")), "{report:?}");

        // Cutting off the newest entries shows at the chain's end.
        let tenant2 = fixture::tenant(lotse, "tail").await;
        let sys2 = Actor::system(tenant2.id.clone());
        lotse.seal_audit().await.unwrap();
        db.sql("DELETE FROM audit_log WHERE tenant_id = 'tail' AND seq = (SELECT MAX(seq) FROM audit_log WHERE tenant_id = 'tail')").await.unwrap();
        let report = lotse.verify_audit(&sys2).await.unwrap();
        assert!(!report.ok && report.problems[0].message.contains("Kettenende"), "{report:?}");
    }

    async fn concurrent_writers_and_sealers_keep_one_unbroken_chain(db) {
        let lotse = db.lotse.clone();
        let t = fixture::tenant(&lotse, "conc").await;
        let sealer = lotse.spawn_audit_sealer(std::time::Duration::from_millis(5));
        let mut tasks = vec![];
        for w in 0..4 {
            let lotse = lotse.clone();
            let cm = actor(&t, Role::CaseManager, "case_manager", Some("p1"));
            tasks.push(tokio::spawn(async move {
                for i in 0..15 {
                    let input = lotse_service::persons::PersonInput {
                        id: Some(EntityId::parse(&format!("w{w}-{i}")).unwrap()),
                        ..fixture::person_input("p1", "Parallel")
                    };
                    lotse.create_person(&cm, input).await.unwrap();
                }
            }));
        }
        // A second sealer racing the background one.
        for _ in 0..10 {
            lotse.seal_audit().await.unwrap();
        }
        for task in tasks {
            task.await.unwrap();
        }
        sealer.abort();
        let report = lotse.verify_audit(&Actor::system(t.id.clone())).await.unwrap();
        assert!(report.ok, "{report:?}");
        let created = entries(&lotse, &t, "w3-14").await;
        assert_eq!(created.len(), 1);
    }
}
