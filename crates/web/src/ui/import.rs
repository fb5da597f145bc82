//! Reading a data bundle in through the browser: upload, check everything
//! (nothing is written), see every error with file, line and column, then
//! confirm. The checked upload waits in a folder of its own, bound to the
//! user who uploaded it, until it is confirmed (or for an hour).

use std::path::PathBuf;
use std::time::Duration;

use askama::Template;
use axum::extract::{Form, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lotse_bundle::source::Bundle;
use lotse_domain::Actor;
use lotse_service::import::{FileSummary, ImportReport};
use serde::Deserialize;

use super::page::{Chrome, UiUser, message};
use super::render;
use crate::AppState;
use crate::api::imports::{ImportProblem, problems, receive};

const WAIT: Duration = Duration::from_secs(3600);

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    error: Option<String>,
    notice: Option<String>,
    files: Vec<FileSummary>,
    written: bool,
    /// Tables whose indexes a large first load built anew.
    rebuilt: Vec<String>,
    error_count: usize,
    errors: Vec<ImportProblem>,
    warnings: Vec<ImportProblem>,
    confirm: Option<String>,
}

impl ImportPage {
    fn new(chrome: Chrome) -> Self {
        ImportPage {
            chrome,
            error: None,
            notice: None,
            files: vec![],
            written: false,
            rebuilt: vec![],
            error_count: 0,
            errors: vec![],
            warnings: vec![],
            confirm: None,
        }
    }

    fn with(mut self, r: ImportReport) -> Self {
        self.errors = problems(&r.errors, false);
        self.warnings = problems(&r.warnings, false);
        self.error_count = r.error_count;
        self.written = r.written;
        self.rebuilt = r.rebuilt_indexes;
        self.files = r.files;
        self
    }
}

/// Where checked uploads wait for their confirmation.
fn waiting_room() -> PathBuf {
    std::env::temp_dir().join("lotse-uploads")
}

/// Who may confirm an upload: its tenant and user, written beside it.
fn owner(a: &Actor) -> String {
    format!("{}\n{}", a.tenant, a.user_id)
}

/// Uploads older than an hour are given up.
fn sweep() {
    let Ok(entries) = std::fs::read_dir(waiting_room()) else { return };
    for e in entries.flatten() {
        let old = e.metadata().and_then(|m| m.modified()).map(|t| t.elapsed().unwrap_or_default() > WAIT);
        if old.unwrap_or(false) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

pub async fn form(State(s): State<AppState>, u: UiUser) -> Response {
    let chrome = Chrome::new(&s, &u, "/import").await;
    if let Err(e) = s.lotse.may_import(&u.actor) {
        return super::programme::error_page(StatusCode::FORBIDDEN, chrome, message(&e));
    }
    render(&ImportPage::new(chrome))
}

pub async fn check(State(s): State<AppState>, u: UiUser, mut multipart: Multipart) -> Response {
    let chrome = Chrome::new(&s, &u, "/import").await;
    if let Err(e) = s.lotse.may_import(&u.actor) {
        return super::programme::error_page(StatusCode::FORBIDDEN, chrome, message(&e));
    }
    let mut page = ImportPage::new(chrome);
    sweep();
    let room = waiting_room();
    let dir = match std::fs::create_dir_all(&room).and_then(|_| tempfile::Builder::new().prefix("u").tempdir_in(&room))
    {
        Ok(d) => d,
        Err(e) => return super::programme::error_page(StatusCode::INTERNAL_SERVER_ERROR, page.chrome, e.to_string()),
    };
    let mut fields = vec![];
    let received = receive(&mut multipart, dir, &mut fields).await;
    let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    if let Err(r) = u.check_csrf(csrf) {
        return r;
    }
    let (dir, path) = match received {
        Ok(x) => x,
        Err((de, _)) => {
            page.error = Some(de);
            return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
        }
    };
    let report = match Bundle::open(&path) {
        Ok(bundle) => s.lotse.check_bundle(&u.actor, &bundle).await,
        Err(e) => {
            page.error = Some(format!("Das Bündel ist nicht lesbar: {e}"));
            return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
        }
    };
    match report {
        Ok(r) if r.error_count == 0 => {
            // Kept for the confirmation: named by a random token, bound to this user.
            let token = lotse_service::crypto::random_token();
            let kept = room.join(&token);
            let moved = std::fs::write(dir.path().join("owner"), owner(&u.actor))
                .and_then(|_| {
                    std::fs::write(
                        dir.path().join("path"),
                        path.strip_prefix(dir.path()).unwrap_or(&path).to_string_lossy().as_bytes(),
                    )
                })
                .and_then(|_| std::fs::rename(dir.keep(), &kept));
            if let Err(e) = moved {
                return super::programme::error_page(StatusCode::INTERNAL_SERVER_ERROR, page.chrome, e.to_string());
            }
            page.notice = Some("Das Bündel ist fehlerfrei. Prüfen Sie die Zahlen und übernehmen Sie es dann.".into());
            page.confirm = Some(token);
            render(&page.with(r))
        }
        Ok(r) => (StatusCode::UNPROCESSABLE_ENTITY, render(&page.with(r))).into_response(),
        Err(e) => {
            page.error = Some(message(&e));
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: String,
    upload: String,
}

pub async fn confirm(State(s): State<AppState>, u: UiUser, Form(f): Form<ConfirmForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r;
    }
    let chrome = Chrome::new(&s, &u, "/import").await;
    let mut page = ImportPage::new(chrome);
    let gone = "Diese Prüfung ist abgelaufen oder gehört zu einem anderen Konto. Bitte das Bündel erneut hochladen.";
    // The token names a folder: letters and digits only, nothing to walk out of the room with.
    if f.upload.is_empty() || !f.upload.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        page.error = Some(gone.into());
        return (StatusCode::NOT_FOUND, render(&page)).into_response();
    }
    let dir = waiting_room().join(&f.upload);
    let mine = std::fs::read_to_string(dir.join("owner")).is_ok_and(|o| o == owner(&u.actor));
    let rel = std::fs::read_to_string(dir.join("path")).unwrap_or_default();
    if !mine || rel.is_empty() {
        page.error = Some(gone.into());
        return (StatusCode::NOT_FOUND, render(&page)).into_response();
    }
    let result = match Bundle::open(&dir.join(rel)) {
        Ok(bundle) => s.lotse.import_bundle(&u.actor, &bundle, None).await,
        Err(e) => Err(lotse_domain::DomainError::internal(e)),
    };
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(r) if r.written => {
            page.notice = Some("Das Bündel wurde übernommen.".into());
            render(&page.with(r))
        }
        // The data changed between check and confirmation: the errors now.
        Ok(r) => (StatusCode::UNPROCESSABLE_ENTITY, render(&page.with(r))).into_response(),
        Err(e) => {
            page.error = Some(message(&e));
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}
