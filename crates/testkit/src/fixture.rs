//! Two tenants with the same shape, so that isolation can be tested:
//! providers `p1` and `p2`, an account and an API token for every role
//! (provider roles at `p1`, plus `case_manager2` at `p2`), and a person at
//! each provider.

use std::collections::HashMap;

use lotse_domain::{Actor, EntityId, Login, Role, TenantId};
use lotse_service::Lotse;
use lotse_service::auth::NewToken;
use lotse_service::persons::PersonInput;
use lotse_service::providers::ProviderInput;
use lotse_service::users::NewUser;

pub struct Tenant {
    pub id: TenantId,
    /// API tokens by login (`admin`, `head`, …, `case_manager2`).
    pub tokens: HashMap<String, String>,
    /// Person ids: `[at p1, at p2]`.
    pub persons: [String; 2],
}

pub fn person_input(provider: &str, family_name: &str) -> PersonInput {
    serde_json::from_value(serde_json::json!({
        "provider_id": provider, "given_name": "Amina", "family_name": family_name,
        "birth_date": "2001-04-17", "gender": "female", "nationality": "SY",
        "residence_status": "duldung", "sgb2_months_24": 12
    }))
    .expect("valid person")
}

/// Sets up tenant `id`; person ids are prefixed with it, so they differ between tenants.
pub async fn tenant(lotse: &Lotse, id: &str) -> Tenant {
    let tid = TenantId::parse(id).unwrap();
    lotse.create_tenant(&tid, &format!("Stadt {id}")).await.unwrap();
    let sys = Actor::system(tid.clone());
    for p in ["p1", "p2"] {
        lotse
            .create_provider(
                &sys,
                ProviderInput { id: EntityId::parse(p).unwrap(), name: format!("Träger {p}"), kind: None },
            )
            .await
            .unwrap();
    }
    let mut accounts: Vec<(String, Role, Option<&str>)> =
        Role::ALL.iter().map(|r| (r.as_str().to_owned(), *r, r.needs_provider().then_some("p1"))).collect();
    accounts.push(("case_manager2".into(), Role::CaseManager, Some("p2")));
    let mut tokens = HashMap::new();
    for (login, role, provider) in accounts {
        let new = NewUser {
            login: Login::parse(&login).unwrap(),
            display_name: None,
            role,
            provider_id: provider.map(|p| EntityId::parse(p).unwrap()),
            password: "test-passwort".into(),
            staff_id: None,
        };
        lotse.create_user(&sys, new).await.unwrap();
        let t = lotse
            .create_token(
                &sys,
                NewToken { name: "Test".into(), days: None, login: Some(Login::parse(&login).unwrap()) },
            )
            .await
            .unwrap();
        tokens.insert(login, t.token);
    }
    let mut persons = [String::new(), String::new()];
    for (i, p) in ["p1", "p2"].iter().enumerate() {
        let pid = format!("{id}-person-{p}");
        lotse
            .create_person(
                &sys,
                PersonInput { id: Some(EntityId::parse(&pid).unwrap()), ..person_input(p, &format!("Nachname{i}")) },
            )
            .await
            .unwrap();
        persons[i] = pid;
    }
    Tenant { id: tid, tokens, persons }
}
