//! Configuration, in layers: defaults → `lotse.toml` (or `--config FILE`) →
//! environment (`LOTSE_DB`, `LOTSE_BIND`, `LOTSE_PUBLIC_URL`) → command-line
//! flags. Unknown `LOTSE_…` variables are reported, since a typo there
//! would otherwise silently fall back to a default.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub db: String,
    pub bind: String,
    pub public_url: Option<String>,
    /// A reverse proxy in front sets `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// `serve` keeps the report data of this many tenants in memory
    /// (current with every change); 0 loads it for each report.
    pub resident_reports: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            db: lotse_db::backend::DEFAULT_URL.into(),
            bind: "127.0.0.1:8080".into(),
            public_url: None,
            trust_proxy: false,
            resident_reports: 8,
        }
    }
}

const KNOWN_ENV: &[&str] = &[
    "LOTSE_DB",
    "LOTSE_BIND",
    "LOTSE_PUBLIC_URL",
    "LOTSE_RESIDENT_REPORTS",
    "LOTSE_CONFIG",
    "LOTSE_LOG",
    "LOTSE_TEST_PG",
    "LOTSE_TEST_BACKENDS",
];

/// `flags` holds only what was given on the command line.
pub fn load(file: Option<&str>, flags: &Flags) -> anyhow::Result<Config> {
    for (k, _) in std::env::vars() {
        if k.starts_with("LOTSE_") && !KNOWN_ENV.contains(&k.as_str()) {
            eprintln!("Warnung: unbekannte Umgebungsvariable {k} wird ignoriert.");
        }
    }
    let file = file.map(str::to_owned).or_else(|| std::env::var("LOTSE_CONFIG").ok());
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    match &file {
        Some(f) => {
            anyhow::ensure!(std::path::Path::new(f).exists(), "Konfigurationsdatei {f} nicht gefunden");
            fig = fig.merge(Toml::file(f));
        }
        None => fig = fig.merge(Toml::file("lotse.toml")),
    }
    let fig = fig
        .merge(Env::prefixed("LOTSE_").only(&["db", "bind", "public_url", "trust_proxy", "resident_reports"]))
        .merge(Serialized::defaults(flags));
    Ok(fig.extract()?)
}

#[derive(Debug, Default, Serialize)]
pub struct Flags {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
}

/// Logs go to standard error, filtered by `LOTSE_LOG` (default `info`).
/// Nothing Lotse logs carries personal data: no request paths or bodies,
/// no SQL, only routes, status codes, counts and error kinds.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOTSE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
