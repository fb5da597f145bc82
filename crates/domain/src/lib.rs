//! The domain of Lotse: the values that may exist inside the system and the
//! rules about them. Everything here is plain Rust; storage, HTTP and the
//! command line depend on this crate, never the other way round.

pub mod actor;
pub mod audit;
pub mod authz;
pub mod case;
pub mod consent;
pub mod error;
pub mod ids;
pub mod person;
pub mod role;
pub mod search;
pub mod text;

pub use actor::Actor;
pub use error::{DomainError, Lang};
pub use ids::{EntityId, Login, TenantId};
pub use role::Role;
