//! SeaORM entities, one module a table.

pub mod api_token;
pub mod audit_entry;
pub mod audit_head;
pub mod person;
pub mod person_key;
pub mod provider;
pub mod session;
pub mod tenant;
pub mod user;
