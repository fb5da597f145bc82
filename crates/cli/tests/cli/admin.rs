use lotse_testkit::TestDb;

use super::{lotse, ok, setup};

lotse_testkit::both_backends! {
    async fn admin_commands_take_db_before_or_after_and_fail_clearly(db) {
        let url = db.url.clone();
        tokio::task::spawn_blocking(move || {
            let token = setup(&url);
            assert!(token.starts_with("lt_t."), "{token}");
            let users = ok(&["admin", "user", "list", "--tenant", "t", "--db", &url], None);
            assert!(users.contains("cm\tcase_manager\tp1"), "{users}");

            // Errors say what is wrong, in German, and exit non-zero.
            let cases: &[(&[&str], Option<&str>, &str)] = &[
                (&["admin", "tenant", "create", "t", "--name", "Doppelt"], None, "gibt es schon"),
                (&["admin", "tenant", "create", "Groß", "--name", "X"], None, "Kleinbuchstaben"),
                (&["admin", "user", "create", "--tenant", "t", "--login", "x", "--role", "chef", "--password-stdin"], Some("ein-langes-passwort\n"), "unbekannte Rolle „chef“"),
                (&["admin", "user", "create", "--tenant", "t", "--login", "y", "--role", "case_manager", "--password-stdin"], Some("ein-langes-passwort\n"), "gehört zu einem Träger"),
                (&["admin", "user", "create", "--tenant", "nirgends", "--login", "y", "--role", "admin", "--password-stdin"], Some("ein-langes-passwort\n"), "Mandant nicht gefunden"),
                (&["admin", "user", "create", "--tenant", "t", "--login", "cm", "--role", "admin", "--password-stdin"], Some("ein-langes-passwort\n"), "schon vergeben"),
                (&["admin", "token", "create", "--tenant", "t", "--login", "niemand"], None, "Benutzerkonto nicht gefunden"),
                (&["admin", "user", "create", "--tenant", "t", "--login", "z", "--role", "case_manager", "--provider", "p1", "--staff", "nicht-da", "--password-stdin"], Some("ein-langes-passwort\n"), "„nicht-da“ ist keine Fachkraft des Trägers"),
            ];
            for (args, stdin, words) in cases {
                let mut full = vec!["--db", url.as_str()];
                full.extend_from_slice(args);
                let out = lotse(&full, *stdin);
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(!out.status.success(), "{args:?} should fail");
                assert!(err.contains(words), "{args:?}: {err}");
            }

            // Nothing of the refused accounts was written.
            let after = ok(&["admin", "user", "list", "--tenant", "t", "--db", &url], None);
            assert_eq!(after, users, "a refused account left a trace");

            // Token revocation from the command line.
            let id = token.split('.').nth(1).unwrap();
            ok(&["--db", &url, "admin", "token", "revoke", "--tenant", "t", id], None);
            let list = ok(&["--db", &url, "admin", "token", "list", "--tenant", "t"], None);
            assert!(list.contains("widerrufen"), "{list}");

            // Password reset, then the audit trail lists it and verifies.
            ok(&["--db", &url, "admin", "user", "reset-password", "--tenant", "t", "--login", "cm", "--password-stdin"], Some("neu-und-geheim\n"));
            let audit = ok(&["--db", &url, "audit", "--tenant", "t", "--format", "json"], None);
            let entries: serde_json::Value = serde_json::from_str(&audit).unwrap();
            let first = &entries[0];
            for key in ["at", "actor", "action", "entity", "entity_id", "changes", "address"] {
                assert!(first.get(key).is_some(), "audit entry lacks {key}: {first}");
            }
            assert_eq!(first["changes"]["password"], "reset");
            let verify = ok(&["--db", &url, "audit", "verify"], None);
            assert!(verify.contains("t: Protokollkette unversehrt"), "{verify}");
            let _ = ok(&["--db", &url, "migrate"], None);
        })
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn migrate_counts_the_migrations_it_ran() {
    use lotse_db::migration::{Migrator, MigratorTrait};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("neu.db").display());
    let all = Migrator::migrations().len();
    tokio::task::spawn_blocking(move || {
        let first = ok(&["--db", &url, "migrate"], None);
        assert!(first.contains(&format!("({all} Migrationen ausgeführt)")), "{first}");
        let again = ok(&["--db", &url, "migrate"], None);
        assert!(again.contains("(0 Migrationen ausgeführt)"), "{again}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn unknown_database_scheme_is_a_clear_error() {
    let out = tokio::task::spawn_blocking(|| lotse(&["--db", "mysql://x", "migrate"], None)).await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite://PFAD oder postgres://"));
    let _ = TestDb::sqlite; // the harness is shared with the other tests
}
