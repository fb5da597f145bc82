//! SeaORM entities, one module a table.

pub mod api_token;
pub mod audit_entry;
pub mod audit_head;
pub mod consent;
pub mod data_change;
pub mod data_version;
pub mod district;
pub mod district_stat;
pub mod finance;
pub mod inquiry;
pub mod inquiry_question;
pub mod module;
pub mod offer;
pub mod outcome;
pub mod participation;
pub mod person;
pub mod person_key;
pub mod program;
pub mod provider;
pub mod published_report;
pub mod session;
pub mod staff;
pub mod tenant;
pub mod user;
