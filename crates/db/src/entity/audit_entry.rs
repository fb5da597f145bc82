use sea_orm::entity::prelude::*;

/// One entry of the audit trail. Written in the same transaction as the
/// change it records, with `seq` and `hash` empty; the sealer then chains the
/// tenant's new entries in batches (see `lotse-service::audit`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    /// UUIDv7: roughly time-ordered, unique without coordination.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Position in the tenant's chain, from 1; empty until sealed.
    pub seq: Option<i64>,
    /// RFC 3339 with microseconds, UTC. Text so that the hash input is the
    /// stored value itself on both backends.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The person whose key encrypts `changes`, if any.
    pub person_id: Option<String>,
    /// JSON of what changed; for a person's data `enc:v1:` + ciphertext.
    pub changes: Option<String>,
    pub address: Option<String>,
    /// Break-glass reason or other justification given by the actor.
    pub reason: Option<String>,
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
