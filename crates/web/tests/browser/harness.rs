use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use lotse_testkit::{TestApp, TestDb};

/// A browser on a running Lotse with the demo tenants.
pub struct Browser {
    pub c: Client,
    pub app: TestApp,
    driver: Child,
    pub db: TestDb,
    axe: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    pub async fn start() -> Browser {
        // chromedriver speaks plain HTTP on loopback; the TLS stack only has to exist.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let db = TestDb::sqlite().await;
        lotse_service::demo::load(&db.lotse).await.unwrap();
        let app = TestApp::spawn(&db.lotse).await;
        let axe_path =
            std::env::var("LOTSE_AXE").unwrap_or_else(|_| "/var/tmp/lotse-axe/node_modules/axe-core/axe.min.js".into());
        let axe = std::fs::read_to_string(&axe_path)
            .unwrap_or_else(|e| panic!("axe-core is needed ({axe_path}; .ci/run installs it with npm): {e}"));
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("chromedriver is needed (Debian package chromium-driver; .ci/run installs it): {e}")
            });
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=de-DE"]}),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut c = None;
        for _ in 0..100 {
            match ClientBuilder::rustls().expect("tls").capabilities(caps.clone()).connect(&url).await {
                Ok(client) => {
                    c = Some(client);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let c = c.expect("chromedriver did not answer within 10 s");
        Browser { c, app, driver, db, axe }
    }

    pub async fn goto(&self, path: &str) {
        self.c.goto(&self.app.url(path)).await.unwrap();
    }

    pub async fn text(&self) -> String {
        self.c.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
    }

    /// Signs in through the login form, as a person would.
    pub async fn sign_in(&self, login: &str) {
        self.goto("/anmelden").await;
        self.c.find(Locator::Id("login")).await.unwrap().send_keys(login).await.unwrap();
        self.c.find(Locator::Id("password")).await.unwrap().send_keys("demo").await.unwrap();
        self.c.find(Locator::Css("form.form button[type=submit]")).await.unwrap().click().await.unwrap();
        self.c.wait().for_element(Locator::Css("nav[aria-label=Hauptnavigation]")).await.unwrap();
    }

    /// Sends the form whose action ends in `/{action}` and waits for the next page.
    /// The old page is marked, so that waiting ends on the new one (the
    /// answer may be the same address, after a redirect).
    pub async fn submit(&self, action: &str) {
        self.click_and_load(&format!("form[action$='/{action}'] button")).await;
    }

    /// Clicks the element `css` and waits until the page it leads to has
    /// loaded (the old page is marked, as in `submit`).
    pub async fn click_and_load(&self, css: &str) {
        self.c.execute("document.body.dataset.old = '1';", vec![]).await.unwrap();
        self.c.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
        for _ in 0..200 {
            let fresh = self
                .c
                .execute(
                    "return document.readyState === 'complete' && !!document.body && document.body.dataset.old === undefined;",
                    vec![],
                )
                .await
                .map(|v| v.as_bool() == Some(true))
                .unwrap_or(false);
            if fresh {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page after clicking {css} did not load within 10 s");
    }

    pub async fn sign_out(&self) {
        self.c.find(Locator::Css("form.logout button")).await.unwrap().click().await.unwrap();
        self.c.wait().for_element(Locator::Id("login")).await.unwrap();
    }

    /// Runs axe-core on the page; returns the serious and critical WCAG 2.1 A/AA violations.
    pub async fn axe(&self) -> Vec<String> {
        self.c.execute(&self.axe, vec![]).await.unwrap();
        let v = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})\
                   .then(r => done(r.violations.filter(x => x.impact === 'serious' || x.impact === 'critical')\
                     .map(x => x.id + ': ' + x.help + ' — ' + x.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))\
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        v.as_array().unwrap().iter().map(|x| x.as_str().unwrap_or_default().to_owned()).collect()
    }

    /// The height of the page's viewport (the window without its frame).
    async fn inner_height(&self) -> u32 {
        self.c.execute("return window.innerHeight;", vec![]).await.ok().and_then(|v| v.as_u64()).unwrap_or(1000) as u32
    }

    /// Checks the page with axe and, when asked for, saves its screenshot.
    pub async fn check(&self, name: &str, failures: &mut Vec<String>) {
        for v in self.axe().await {
            failures.push(format!("{name}: {v}"));
        }
        if let Ok(dir) = std::env::var("LOTSE_SCREENSHOTS") {
            // The whole page, not only the first screen: the window grows to
            // the page's height (at most 6000 px) for the picture, then back.
            let height = self
                .c
                .execute("return document.documentElement.scrollHeight;", vec![])
                .await
                .ok()
                .and_then(|v| v.as_u64())
                .unwrap_or(1000)
                .clamp(1000, 6000);
            let (w, h) = self.c.get_window_size().await.unwrap();
            self.c
                .set_window_size(w as u32, height as u32 + (h as u32).saturating_sub(self.inner_height().await))
                .await
                .unwrap();
            let png = self.c.screenshot().await.unwrap();
            self.c.set_window_size(w as u32, h as u32).await.unwrap();
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
        }
    }

    pub async fn close(mut self) {
        let _ = self.c.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
