use crate::ids::{EntityId, Login, TenantId};
use crate::role::Role;

/// Who is acting: a signed-in user (by session or API token) or the local
/// operator at the command line. Every service call takes one; the tenant of
/// every query comes from here and nowhere else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub tenant: TenantId,
    pub user_id: String,
    pub login: Login,
    pub role: Role,
    /// The provider a case manager or provider admin works for.
    pub provider: Option<EntityId>,
    /// A head of department's declared reason for reading person data
    /// ("break glass"); it is written to the audit trail with every read.
    pub break_glass: Option<String>,
    /// Where the request came from (IP address), for the audit trail.
    pub address: Option<String>,
    /// Signed in with an API token (not a password session). A token cannot
    /// mint further tokens: a stolen one must not outlive its revocation.
    pub via_token: bool,
    /// The staff member (staff.csv) the account works as, if it is linked
    /// to one: that member's cases are the account's own ("Meine Fälle").
    pub staff_id: Option<String>,
}

impl Actor {
    /// The operator at the command line, acting with full rights on one tenant
    /// (import, export, administration). Recorded as `cli` in the audit trail.
    pub fn system(tenant: TenantId) -> Actor {
        Actor {
            tenant,
            user_id: "cli".into(),
            login: Login::parse("cli").expect("valid login"),
            role: Role::Admin,
            provider: None,
            break_glass: None,
            address: Some("local".into()),
            via_token: false,
            staff_id: None,
        }
    }

    pub fn is_system(&self) -> bool {
        self.user_id == "cli"
    }
}
