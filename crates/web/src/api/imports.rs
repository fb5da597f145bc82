use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lotse_bundle::source::Bundle;
use lotse_domain::Lang;
use lotse_service::import::FileSummary;
use serde::Serialize;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Authed;

/// Largest upload accepted for an import.
pub const UPLOAD_LIMIT: usize = 512 * 1024 * 1024;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportProblem {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub message: String,
    /// `file:line:column: message`, as the command line prints it.
    pub text: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    pub written: bool,
    pub error_count: usize,
    pub errors: Vec<ImportProblem>,
    pub warnings: Vec<ImportProblem>,
    pub files: Vec<FileSummary>,
    /// Tables whose indexes a large first load built anew at its end
    /// (empty for an ordinary import; see docs/bundle.md, "Large first loads").
    pub rebuilt_indexes: Vec<String>,
    /// Tables whose foreign keys a large first load checked once at its end
    /// instead of row by row (PostgreSQL only; see docs/bundle.md, "Large
    /// first loads").
    pub keys_checked_at_end: Vec<String>,
}

pub(crate) fn problems(ps: &[lotse_bundle::Problem], english: bool) -> Vec<ImportProblem> {
    ps.iter()
        .map(|p| ImportProblem {
            file: p.file.clone(),
            line: p.line,
            column: p.column.clone(),
            message: if english { p.en.clone() } else { p.de.clone() },
            text: p.render(english),
        })
        .collect()
}

/// Imports a data bundle: one `.zip` or `.xlsx` file, or the CSV files of a
/// bundle as several parts (multipart/form-data, each part with its file
/// name). All or nothing: with any error nothing is written, and the answer
/// (422) lists every error as `file:line:column: message`.
#[utoipa::path(post, path = "/api/v1/imports", tag = "data",
    request_body(content_type = "multipart/form-data", description = "Bundle: .zip, .xlsx or CSV files"),
    responses((status = 200, body = ImportResult), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    Authed(actor, lang): Authed,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let english = lang == Lang::En;
    let bad = |de: String, en: String| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_upload", if english { en } else { de })
    };
    let dir_for_upload =
        || tempfile::tempdir().map_err(|e| ApiError::from_domain(lotse_domain::DomainError::internal(e), lang));
    // Refuse before reading a large upload when the role may not import at all.
    s.lotse.may_import(&actor).map_err(|e| ApiError::from_domain(e, lang))?;
    let (_dir, path) = receive(&mut form, dir_for_upload()?, &mut vec![]).await.map_err(|(de, en)| bad(de, en))?;
    let bundle =
        Bundle::open(&path).map_err(|e| bad(format!("Bündel unlesbar: {e}"), format!("unreadable bundle: {e}")))?;
    let report = s.lotse.import_bundle(&actor, &bundle, None).await.map_err(|e| ApiError::from_domain(e, lang))?;
    let result = ImportResult {
        written: report.written,
        error_count: report.error_count,
        errors: problems(&report.errors, english),
        warnings: problems(&report.warnings, english),
        files: report.files,
        rebuilt_indexes: report.rebuilt_indexes,
        keys_checked_at_end: report.keys_checked_at_end,
    };
    if result.written {
        return Ok(axum::Json(result).into_response());
    }
    let message = if english {
        format!("{} errors: nothing was imported.", result.error_count)
    } else {
        format!("{} Fehler: es wurde nichts übernommen.", result.error_count)
    };
    let body = serde_json::json!({ "error": { "code": "invalid_bundle", "message": message }, "report": result });
    Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response())
}

/// Reads an uploaded bundle into `dir`: one `.zip` or `.xlsx`, or the CSV
/// files of a folder. Returns the directory (removed when dropped) and the
/// path to open as a bundle; a bad upload is `(German, English)` text.
pub(crate) async fn receive(
    form: &mut Multipart,
    dir: tempfile::TempDir,
    text_fields: &mut Vec<(String, String)>,
) -> Result<(tempfile::TempDir, std::path::PathBuf), (String, String)> {
    let internal =
        |e: std::io::Error| (format!("Upload konnte nicht gespeichert werden: {e}"), format!("upload not stored: {e}"));
    let folder = dir.path().join("bundle");
    std::fs::create_dir_all(&folder).map_err(internal)?;
    let mut single: Option<std::path::PathBuf> = None;
    let mut csv_parts = 0;
    while let Some(field) =
        form.next_field().await.map_err(|e| (format!("Upload unlesbar: {e}"), format!("unreadable upload: {e}")))?
    {
        let Some(file_name) = field.file_name() else {
            // A form's own fields (its CSRF token): short text, kept for the caller.
            let key = field.name().unwrap_or_default().to_owned();
            let value = field.text().await.unwrap_or_default();
            if key.len() < 64 && value.len() < 1024 && text_fields.len() < 16 {
                text_fields.push((key, value));
            }
            continue;
        };
        let name = file_name.rsplit(['/', '\\']).next().unwrap_or_default().to_owned();
        let lower = name.to_ascii_lowercase();
        if name.is_empty() || name.starts_with('.') {
            continue;
        }
        let bytes =
            field.bytes().await.map_err(|e| (format!("Upload unlesbar: {e}"), format!("unreadable upload: {e}")))?;
        if lower.ends_with(".zip") || lower.ends_with(".xlsx") {
            let p = dir.path().join(if lower.ends_with(".zip") { "bundle.zip" } else { "bundle.xlsx" });
            std::fs::write(&p, &bytes).map_err(internal)?;
            single = Some(p);
        } else if lower.ends_with(".csv") {
            std::fs::write(folder.join(&name), &bytes).map_err(internal)?;
            csv_parts += 1;
        } else {
            return Err((
                format!("„{name}“: erwartet werden .csv-Dateien, eine .zip- oder eine .xlsx-Datei"),
                format!("\"{name}\": expected .csv files, one .zip or one .xlsx file"),
            ));
        }
    }
    let path = match (single, csv_parts) {
        (Some(p), 0) => p,
        (None, n) if n > 0 => folder,
        (None, _) => return Err(("Keine Datei hochgeladen.".into(), "No file uploaded.".into())),
        (Some(_), _) => {
            return Err((
                "Bitte entweder CSV-Dateien oder eine .zip/.xlsx-Datei hochladen.".into(),
                "Upload either CSV files or one .zip/.xlsx file.".into(),
            ));
        }
    };
    Ok((dir, path))
}
