//! Storage for Lotse: one schema (SeaORM entities and migrations) and one
//! query code base for SQLite and PostgreSQL.
//!
//! Every table's primary key and every index starts with `tenant_id`, so that
//! the PostgreSQL schema can be distributed by tenant (Citus) unchanged, and
//! every query the services write filters on it. Only [`backend`] knows which
//! database runs.

pub mod backend;
pub mod bulk;
pub mod entity;
pub mod migration;

pub use backend::{Backend, Db, connect};
pub use sea_orm;
