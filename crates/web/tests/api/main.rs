//! API tests: the application served on a random port, talked to over HTTP,
//! each on a fresh SQLite and a fresh PostgreSQL database.

mod bad_input;
mod cases;
mod imports;
mod inquiries;
mod isolation;
mod reports;
mod rights;
mod role_matrix;
mod ui_more;
mod ui_pages;
mod ui_session;
