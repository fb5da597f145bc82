use lotse_domain::DomainError;
use sea_orm::{DbErr, SqlErr};

/// Maps a storage error. A unique violation is the user's conflict; anything
/// else is internal, logged by kind only: statements and values may carry
/// personal data and never reach the log.
pub fn db_err(e: DbErr) -> DomainError {
    if let Some(SqlErr::UniqueConstraintViolation(_)) = e.sql_err() {
        return DomainError::conflict(
            "Ein Datensatz mit dieser Kennung existiert bereits.",
            "A record with this id already exists.",
        );
    }
    if let Some(SqlErr::ForeignKeyConstraintViolation(_)) = e.sql_err() {
        return DomainError::conflict(
            "Ein verknüpfter Datensatz fehlt oder wird noch verwendet.",
            "A referenced record is missing or still in use.",
        );
    }
    tracing::error!(kind = db_err_kind(&e), "storage error");
    DomainError::internal(db_err_kind(&e))
}

fn db_err_kind(e: &DbErr) -> &'static str {
    match e {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => "connection",
        DbErr::Exec(_) => "exec",
        DbErr::Query(_) => "query",
        DbErr::RecordNotFound(_) => "record_not_found",
        DbErr::Type(_) | DbErr::Json(_) => "type",
        _ => "other",
    }
}
