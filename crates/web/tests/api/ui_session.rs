//! Signing in through the web interface: session cookie, CSRF, throttling,
//! revoked tokens.

use lotse_testkit::{TestApp, fixture, json};

fn hidden_csrf(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("csrf field") + "name=\"csrf\" value=\"".len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

lotse_testkit::both_backends! {
    async fn login_with_session_cookie_and_csrf(db) {
        let t = fixture::tenant(&db.lotse, "ui").await;
        let app = TestApp::spawn(&db.lotse).await;
        let c = &app.client;

        // Not signed in: the start page sends to the login form.
        let r = c.get(app.url("/")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let page = c.get(app.url("/anmelden")).send().await.unwrap();
        assert_eq!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"), true);
        let html = page.text().await.unwrap();
        assert!(html.contains("<html lang=\"de\">") && html.contains("Erklärung zur Barrierefreiheit"));
        hidden_csrf(&html); // the form has its token

        // A form without the right token is refused.
        let r = c.post(app.url("/anmelden")).form(&[("login", "admin@ui"), ("password", "test-passwort"), ("csrf", "falsch")]).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let csrf = hidden_csrf(&r.text().await.unwrap());

        // Wrong password: a German message, the login kept in the field.
        let r = c.post(app.url("/anmelden")).form(&[("login", "admin@ui"), ("password", "falsch"), ("csrf", &csrf)]).send().await.unwrap();
        assert_eq!(r.status(), 401);
        let html = r.text().await.unwrap();
        assert!(html.contains("Anmeldename oder Passwort ist falsch") && html.contains("value=\"admin@ui\""));
        let csrf = hidden_csrf(&html);

        let r = c.post(app.url("/anmelden")).form(&[("login", "admin@ui"), ("password", "test-passwort"), ("csrf", &csrf)]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let set_cookie = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>().join("\n");
        assert!(set_cookie.contains("lotse_session=") && set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
        let home = c.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        assert!(home.contains("Stadt ui") && home.contains("Administration"), "{home}");

        // The session works for the API; writes need the CSRF header.
        let (s, me) = json(c.get(app.url("/api/v1/me")).send().await.unwrap()).await;
        assert_eq!((s, me["login"].as_str().unwrap()), (200, "admin"));
        let new_user = serde_json::json!({"login": "neu", "role": "coordinator", "password": "sicher-genug"});
        let (s, b) = json(c.post(app.url("/api/v1/users")).json(&new_user).send().await.unwrap()).await;
        assert_eq!(s, 403, "{b}");
        let page_csrf = hidden_csrf(&home);
        let (s, _) = json(c.post(app.url("/api/v1/users")).header("x-csrf-token", &page_csrf).json(&new_user).send().await.unwrap()).await;
        assert_eq!(s, 201);
        // Signed in with a password, one issues one's own tokens — not other people's.
        let (s, issued) = json(c.post(app.url("/api/v1/tokens")).header("x-csrf-token", &page_csrf).json(&serde_json::json!({"name": "Auswertung"})).send().await.unwrap()).await;
        assert_eq!(s, 201, "{issued}");
        let (s, me) = json(app.get("/api/v1/me", issued["token"].as_str().unwrap()).send().await.unwrap()).await;
        assert_eq!((s, me["login"].as_str().unwrap()), (200, "admin"));
        let (s, _) = json(c.post(app.url("/api/v1/tokens")).header("x-csrf-token", &page_csrf).json(&serde_json::json!({"name": "X", "login": "case_manager"})).send().await.unwrap()).await;
        assert_eq!(s, 403);

        // The usual headers on every page.
        let r = c.get(app.url("/")).send().await.unwrap();
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-store"),
            ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
        ] {
            assert_eq!(r.headers()[name].to_str().unwrap(), value, "{name}");
        }
        assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));

        // Logging out ends the session.
        let r = c.post(app.url("/abmelden")).form(&[("csrf", page_csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (s, _) = json(c.get(app.url("/api/v1/me")).send().await.unwrap()).await;
        assert_eq!(s, 401);
        let _ = t;
    }

    async fn a_session_ends_after_30_idle_minutes_and_after_10_hours(db) {
        use lotse_db::entity::session;
        use lotse_testkit::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        fixture::tenant(&db.lotse, "idle").await;
        let app = TestApp::spawn(&db.lotse).await;
        let sign_in = || async {
            let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let csrf = hidden_csrf(&c.get(app.url("/anmelden")).send().await.unwrap().text().await.unwrap());
            let r = c.post(app.url("/anmelden")).form(&[("login", "admin@idle"), ("password", "test-passwort"), ("csrf", &csrf)]).send().await.unwrap();
            assert_eq!(r.status(), 303);
            assert_eq!(c.get(app.url("/")).send().await.unwrap().status(), 200);
            c
        };
        let now = chrono::Utc::now();
        // Idle for 31 minutes: the session's end has passed.
        let c = sign_in().await;
        session::Entity::update_many()
            .col_expr(session::Column::ExpiresAt, Expr::value(now - chrono::Duration::minutes(1)))
            .filter(session::Column::TenantId.eq("idle"))
            .exec(&db.lotse.db)
            .await
            .unwrap();
        let r = c.get(app.url("/")).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/anmelden"));
        // Busy all along, but signed in for more than 10 hours.
        let c = sign_in().await;
        session::Entity::update_many()
            .col_expr(session::Column::CreatedAt, Expr::value(now - chrono::Duration::hours(10) - chrono::Duration::minutes(1)))
            .col_expr(session::Column::ExpiresAt, Expr::value(now + chrono::Duration::minutes(29)))
            .filter(session::Column::TenantId.eq("idle"))
            .exec(&db.lotse.db)
            .await
            .unwrap();
        let r = c.get(app.url("/")).send().await.unwrap();
        assert_eq!(r.status(), 303, "a working day is the most a session lasts");
        // Just within both limits the session holds.
        let c = sign_in().await;
        session::Entity::update_many()
            .col_expr(session::Column::CreatedAt, Expr::value(now - chrono::Duration::hours(10) + chrono::Duration::minutes(2)))
            .col_expr(session::Column::ExpiresAt, Expr::value(now + chrono::Duration::minutes(2)))
            .filter(session::Column::TenantId.eq("idle"))
            .exec(&db.lotse.db)
            .await
            .unwrap();
        assert_eq!(c.get(app.url("/verwaltung/benutzer")).send().await.unwrap().status(), 200);
    }

    async fn behind_https_browsers_are_told_to_stay_on_https(db) {
        use tower::ServiceExt;
        let ask = |public_url: Option<&str>| {
            let config = lotse_web::WebConfig { public_url: public_url.map(str::to_owned), trust_proxy: false };
            let app = lotse_web::app(db.lotse.clone(), config);
            async move {
                let req = axum::http::Request::get("/anmelden").body(axum::body::Body::empty()).unwrap();
                app.oneshot(req).await.unwrap()
            }
        };
        let r = ask(Some("https://lotse.example.de")).await;
        assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
        assert!(r.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
        assert!(ask(None).await.headers().get("strict-transport-security").is_none(), "not over plain HTTP");
    }

    async fn concurrent_attempts_cannot_slip_past_the_throttle(db) {
        let t = fixture::tenant(&db.lotse, "burst").await;
        let mut tasks = vec![];
        for _ in 0..20 {
            let (lotse, tenant) = (db.lotse.clone(), t.id.clone());
            tasks.push(tokio::spawn(async move {
                let login = lotse_domain::Login::parse("coordinator").unwrap();
                lotse.login(&tenant, &login, "falsch", Some("10.0.0.9".into())).await.unwrap_err().code()
            }));
        }
        let mut checked = 0;
        for task in tasks {
            if task.await.unwrap() == "unauthenticated" {
                checked += 1;
            }
        }
        assert_eq!(checked, 5, "only five passwords were checked; the rest were refused");
    }

    async fn password_reset_ends_sessions_and_tokens(db) {
        let t = fixture::tenant(&db.lotse, "reset").await;
        let app = TestApp::spawn(&db.lotse).await;
        let cm = &t.tokens["case_manager"];
        assert_eq!(json(app.get("/api/v1/me", cm).send().await.unwrap()).await.0, 200);
        let (s, _) = json(app.post("/api/v1/users/case_manager/password", &t.tokens["admin"]).json(&serde_json::json!({"password": "ganz-neu-und-lang"})).send().await.unwrap()).await;
        assert_eq!(s, 204);
        assert_eq!(json(app.get("/api/v1/me", cm).send().await.unwrap()).await.0, 401);
        // A provider administrator of p1 does not learn which logins exist at p2.
        let pa = &t.tokens["provider_admin"];
        let (s, _) = json(app.get("/api/v1/users/case_manager2", pa).send().await.unwrap()).await;
        assert_eq!(s, 404);
        let (s, _) = json(app.get("/api/v1/users/gibt-es-nicht", pa).send().await.unwrap()).await;
        assert_eq!(s, 404);
        // Nobody resets their own password this way: it takes the current one (Mein Konto).
        let (s, body) = json(app.post("/api/v1/users/admin/password", &t.tokens["admin"]).json(&serde_json::json!({"password": "ganz-neu-und-lang"})).send().await.unwrap()).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.to_string().contains("Mein Konto"), "{body}");
    }

    async fn an_account_is_changed_through_the_api_with_every_field(db) {
        let t = fixture::tenant(&db.lotse, "put").await;
        let app = TestApp::spawn(&db.lotse).await;
        let admin = &t.tokens["admin"];
        let full = serde_json::json!({"display_name": "Frau Zwei", "role": "case_manager", "provider_id": "p1", "staff_id": null, "active": true});
        let (s, body) = json(app.put("/api/v1/users/case_manager", admin).json(&full).send().await.unwrap()).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!((body["display_name"].as_str(), body["active"].as_bool()), (Some("Frau Zwei"), Some(true)));
        // Every field must be sent (a left-out staff record would unlink it); no other field is taken.
        let mut partial = full.clone();
        partial.as_object_mut().unwrap().remove("staff_id");
        let (s, body) = json(app.put("/api/v1/users/case_manager", admin).json(&partial).send().await.unwrap()).await;
        assert!(s == 400 || s == 422, "{s} {body}");
        assert!(body.to_string().contains("staff_id"), "{body}");
        let mut extra = full.clone();
        extra["password"] = "ein-langes-passwort".into();
        let (s, body) = json(app.put("/api/v1/users/case_manager", admin).json(&extra).send().await.unwrap()).await;
        assert!(s == 400 || s == 422, "{s} {body}");
        // A provider's administrator: another provider's account is not found.
        let pa = &t.tokens["provider_admin"];
        let other = serde_json::json!({"display_name": "", "role": "case_manager", "provider_id": "p2", "staff_id": null, "active": false});
        let (s, _) = json(app.put("/api/v1/users/case_manager2", pa).json(&other).send().await.unwrap()).await;
        assert_eq!(s, 404);
        // Locked through the API: its token stops working.
        let cm = &t.tokens["case_manager"];
        assert_eq!(json(app.get("/api/v1/me", cm).send().await.unwrap()).await.0, 200);
        let mut locked = full.clone();
        locked["active"] = false.into();
        let (s, _) = json(app.put("/api/v1/users/case_manager", admin).json(&locked).send().await.unwrap()).await;
        assert_eq!(s, 200);
        assert_eq!(json(app.get("/api/v1/me", cm).send().await.unwrap()).await.0, 401);
        // Nobody changes their own role.
        let me = serde_json::json!({"display_name": "", "role": "coordinator", "provider_id": null, "staff_id": null, "active": true});
        let (s, _) = json(app.put("/api/v1/users/admin", admin).json(&me).send().await.unwrap()).await;
        assert_eq!(s, 422);
    }

    async fn repeated_failures_are_throttled(db) {
        let t = fixture::tenant(&db.lotse, "thr").await;
        let lotse = &db.lotse;
        let login = lotse_domain::Login::parse("coordinator").unwrap();
        for _ in 0..5 {
            let e = lotse.login(&t.id, &login, "falsch", Some("10.0.0.1".into())).await.unwrap_err();
            assert_eq!(e.code(), "unauthenticated");
        }
        // Now even the right password waits.
        let e = lotse.login(&t.id, &login, "test-passwort", Some("10.0.0.1".into())).await.unwrap_err();
        assert_eq!(e.code(), "too_many_attempts");
        // Another account from another address is not affected.
        let other = lotse_domain::Login::parse("admin").unwrap();
        assert!(lotse.login(&t.id, &other, "test-passwort", Some("10.0.0.2".into())).await.is_ok());
    }

    async fn revoked_and_expired_tokens_stop_working(db) {
        let t = fixture::tenant(&db.lotse, "tok").await;
        let app = TestApp::spawn(&db.lotse).await;
        let token = &t.tokens["coordinator"];
        let (s, _) = json(app.get("/api/v1/me", token).send().await.unwrap()).await;
        assert_eq!(s, 200);
        let id = token.split('.').nth(1).unwrap();
        let (s, _) = json(app.delete(&format!("/api/v1/tokens/{id}"), token).send().await.unwrap()).await;
        assert_eq!(s, 200);
        let (s, _) = json(app.get("/api/v1/me", token).send().await.unwrap()).await;
        assert_eq!(s, 401);
        // Expiry, set back in the database.
        let other = &t.tokens["controller"];
        let oid = other.split('.').nth(1).unwrap();
        db.sql(&format!("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00+00:00' WHERE id = '{oid}'")).await.unwrap();
        let (s, _) = json(app.get("/api/v1/me", other).send().await.unwrap()).await;
        assert_eq!(s, 401);
        // Tokens are stored hashed: the secret is nowhere in the database.
        let secret = t.tokens["admin"].rsplit('.').next().unwrap().to_owned();
        let (_, all) = json(app.get("/api/v1/tokens", &t.tokens["admin"]).send().await.unwrap()).await;
        assert!(!all.to_string().contains(&secret));
    }
}
