//! Authorization: the one place that decides who may do what.
//!
//! Services call [`authorize`] before they touch storage, and use
//! [`person_scope`] to restrict what a query can return. Handlers never
//! decide anything themselves. A denial by role is a 403; a record outside
//! the actor's scope (another provider's person, another tenant's anything)
//! is not found (404), so that its existence does not leak.

use crate::actor::Actor;
use crate::error::DomainError;
use crate::ids::EntityId;
use crate::role::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
}

impl Action {
    pub const ALL: [Action; 4] = [Action::Read, Action::Create, Action::Update, Action::Delete];
}

/// What an action is done to, with what the decision needs to know about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resource<'a> {
    /// Tenants themselves (create/list): only the operator at the command line.
    Tenant,
    /// A user account; `provider` and `role` of the account acted upon
    /// (for a create: of the account to be created).
    User { provider: Option<&'a EntityId>, role: Role },
    /// An API token of the user `owner`.
    ApiToken { owner: &'a str },
    /// A provider (Träger) record.
    Provider { id: Option<&'a EntityId> },
    /// A person's data, owned by the provider that supports them.
    Person { provider: &'a EntityId },
    /// Anonymous outreach contacts (no person): counted by the provider that
    /// made them (`None`: the department's own street work).
    Outreach { provider: Option<&'a EntityId> },
    /// Programmes, modules and offers; `provider` for an offer.
    ProgramData { provider: Option<&'a EntityId> },
    /// Money: finance entries, budget plans, plan against actual, proof of use.
    Finance,
    /// A proposal to an innovation fund, submitted by `provider` (None: by an
    /// applicant outside the tenant's providers, recorded by the department).
    Proposal { provider: Option<&'a EntityId> },
    /// Reviewing proposals: scores, ranking, selection.
    Review,
    /// Aggregate figures (reports, dashboards) over the persons the actor
    /// may count (see [`report_scope`]).
    Report,
    /// Published reports: frozen figures for the council and the public.
    Publication,
    /// Council inquiries and the department's statements on them.
    Inquiry,
    /// Pseudonymised records (ids and codes, never names) behind a figure,
    /// or persons listed one by one by id (the `eligibility` report).
    Records,
    /// The audit trail.
    AuditTrail,
    /// Importing a data bundle (it writes persons, cases and programme data).
    Import,
    /// Exporting a tenant's complete data: the operator at the command line only.
    Export,
    /// A handover request as the receiving provider `to` sees and decides it.
    IncomingHandover { to: &'a EntityId },
    /// The cases (participations) a staff member is responsible for, of
    /// `provider`; `relation` says how the actor stands to that staff member.
    StaffCases { provider: &'a EntityId, relation: CaseRelation },
    /// Deputies during an absence, between accounts of `provider`.
    Deputy { provider: Option<&'a EntityId> },
    /// The tenant's retention rules.
    Retention,
}

/// How an actor stands to the staff member whose cases are asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseRelation {
    /// The actor's account is linked to this staff member.
    Own,
    /// The actor is the registered deputy of this staff member's account, today within the period.
    DeputyNow,
    /// Neither.
    Other,
}

impl Resource<'_> {
    pub fn kind(&self) -> &'static str {
        match self {
            Resource::Tenant => "tenant",
            Resource::User { .. } => "user",
            Resource::ApiToken { .. } => "token",
            Resource::Provider { .. } => "provider",
            Resource::Person { .. } => "person",
            Resource::Outreach { .. } => "outreach",
            Resource::ProgramData { .. } => "program_data",
            Resource::Finance => "finance",
            Resource::Proposal { .. } => "proposal",
            Resource::Review => "review",
            Resource::Report => "report",
            Resource::Records => "records",
            Resource::Publication => "publication",
            Resource::Inquiry => "inquiry",
            Resource::AuditTrail => "audit_trail",
            Resource::Import => "import",
            Resource::Export => "export",
            Resource::IncomingHandover { .. } => "handover",
            Resource::StaffCases { .. } => "staff_cases",
            Resource::Deputy { .. } => "deputy",
            Resource::Retention => "retention",
        }
    }
}

/// Which persons a list may contain for this actor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PersonScope {
    All,
    Provider(EntityId),
}

impl PersonScope {
    pub fn admits(&self, provider: &EntityId) -> bool {
        match self {
            PersonScope::All => true,
            PersonScope::Provider(p) => p == provider,
        }
    }
}

fn same_provider(actor: &Actor, provider: Option<&EntityId>) -> bool {
    matches!((&actor.provider, provider), (Some(a), Some(b)) if a == b)
}

/// May `actor` do `action` on `resource`? The whole policy is this function.
pub fn is_allowed(actor: &Actor, action: Action, resource: &Resource<'_>) -> bool {
    use Action::*;
    use Role::*;
    // The operator at the command line acts for the tenant as a whole
    // (import, export, administration); it is audited like everyone else.
    if actor.is_system() {
        return true;
    }
    match resource {
        Resource::Tenant => action == Read,
        Resource::User { provider, role } => match actor.role {
            Admin => true,
            ProviderAdmin => same_provider(actor, *provider) && role.needs_provider(),
            _ => false,
        },
        // Tokens act as their owner, so nobody but the owner (or the operator
        // at the command line) may issue one: an administrator issuing a
        // case manager's token could read persons as that case manager.
        // Administrators may see and revoke every token of the tenant.
        Resource::ApiToken { owner } => match action {
            Create => *owner == actor.user_id && !actor.via_token,
            _ => actor.role == Admin || *owner == actor.user_id,
        },
        Resource::Provider { id } => match action {
            Read => actor.role != Auditor,
            Create | Delete => matches!(actor.role, Admin | Coordinator),
            Update => {
                matches!(actor.role, Admin | Coordinator) || (actor.role == ProviderAdmin && same_provider(actor, *id))
            }
        },
        Resource::Person { provider } => match actor.role {
            CaseManager => same_provider(actor, Some(provider)),
            Head => action == Read && actor.break_glass.is_some(),
            _ => false,
        },
        // Outreach before registration is counted without personal data:
        // case managers record their provider's, coordinators any; those who
        // read figures read the counts (provider staff their provider's).
        Resource::Outreach { provider } => match action {
            Read => match actor.role {
                Head | Coordinator | Controller => true,
                CaseManager | ProviderAdmin => same_provider(actor, *provider),
                _ => false,
            },
            Create => actor.role == Coordinator || (actor.role == CaseManager && same_provider(actor, *provider)),
            Update | Delete => false,
        },
        Resource::ProgramData { provider } => match action {
            Read => actor.role != Auditor,
            _ => actor.role == Coordinator || (actor.role == ProviderAdmin && same_provider(actor, *provider)),
        },
        // Money is the department's: coordinators keep the books, the head and
        // controlling read them.
        Resource::Finance => match action {
            Read => matches!(actor.role, Head | Coordinator | Controller),
            _ => actor.role == Coordinator,
        },
        // Providers submit and see their own proposals; the department sees
        // all and records those of applicants outside the tenant.
        Resource::Proposal { provider } => match action {
            Read => matches!(actor.role, Head | Coordinator | Controller) || same_provider(actor, *provider),
            Create | Update => {
                actor.role == Coordinator || (actor.role == ProviderAdmin && same_provider(actor, *provider))
            }
            Delete => false,
        },
        Resource::Review => match action {
            Read => matches!(actor.role, Head | Coordinator | Controller),
            _ => matches!(actor.role, Head | Coordinator),
        },
        Resource::Report => action == Read && !matches!(actor.role, Admin | Auditor),
        // Publishing speaks for the department: coordinators and the head.
        Resource::Publication => match action {
            Read => !matches!(actor.role, Admin | Auditor),
            Create => matches!(actor.role, Coordinator | Head),
            _ => false,
        },
        // The department answers the council: coordinators and the head write,
        // those who read reports read.
        Resource::Inquiry => match action {
            Read => matches!(actor.role, Head | Coordinator | Controller),
            Create | Update => matches!(actor.role, Coordinator | Head),
            Delete => false,
        },
        Resource::Records => {
            action == Read
                && (matches!(actor.role, Coordinator | CaseManager | ProviderAdmin)
                    || (actor.role == Head && actor.break_glass.is_some()))
        }
        Resource::AuditTrail => actor.role == Auditor && action == Read,
        // Coordinators bring providers' lists in; what they upload they had
        // already, and the import answers with counts and errors only.
        Resource::Import => actor.role == Coordinator,
        Resource::Export => false,
        // The receiving provider's case managers see and decide requests
        // addressed to their provider (creating one is an update of the person).
        Resource::IncomingHandover { to } => {
            matches!(action, Read | Update) && actor.role == CaseManager && same_provider(actor, Some(to))
        }
        // A case manager lists their own cases, and a colleague's only while
        // registered as their deputy (the period is decided by the caller's
        // facts: `DeputyNow`). Reassigning is an update of the person instead.
        Resource::StaffCases { provider, relation } => {
            action == Read
                && actor.role == CaseManager
                && same_provider(actor, Some(provider))
                && matches!(relation, CaseRelation::Own | CaseRelation::DeputyNow)
        }
        Resource::Deputy { provider } => {
            matches!(actor.role, CaseManager | ProviderAdmin) && same_provider(actor, *provider)
        }
        Resource::Retention => actor.role == Admin && matches!(action, Read | Update),
    }
}

/// Like [`is_allowed`], as a `Result` with a message that says why not.
pub fn authorize(actor: &Actor, action: Action, resource: &Resource<'_>) -> Result<(), DomainError> {
    if is_allowed(actor, action, resource) {
        return Ok(());
    }
    let why_de = match (actor.role, resource) {
        (Role::Head, Resource::Person { .. }) if action == Action::Read => {
            "Die Amtsleitung sieht personenbezogene Daten nur über einen protokollierten Notfallzugriff mit Begründung (Kopfzeile „X-Lotse-Break-Glass“)."
        }
        (Role::Controller, Resource::Person { .. }) => {
            "Das Controlling sieht nur zusammengefasste Zahlen, keine personenbezogenen Daten."
        }
        (_, Resource::Person { .. }) => "Ihre Rolle hat keinen Zugriff auf personenbezogene Daten dieses Trägers.",
        (_, Resource::AuditTrail) => "Das Protokoll ist nur für die Revision einsehbar.",
        (Role::CaseManager, Resource::StaffCases { .. }) => {
            "Die Fälle von Kolleginnen und Kollegen sehen Sie nur, solange Sie als Vertretung eingetragen sind."
        }
        (_, Resource::IncomingHandover { .. }) => {
            "Übergaben entscheiden die Fallverantwortlichen des aufnehmenden Trägers."
        }
        (Role::Controller, Resource::Records) => {
            "Das Controlling sieht nur zusammengefasste Zahlen, keine Einzeldatensätze."
        }
        (Role::Admin | Role::Auditor, Resource::Report) => {
            "Berichte sind für Fach- und Leitungsrollen; Administration und Revision sehen keine Fallzahlen."
        }
        _ => "Ihre Rolle erlaubt diese Aktion nicht.",
    };
    Err(DomainError::forbidden(
        why_de,
        format!("The role {} may not {:?} {}.", actor.role, action, resource.kind()).to_lowercase(),
    ))
}

/// Which persons a report counts for the actor: a provider's own staff count
/// their provider's persons, the department counts everyone.
pub fn report_scope(actor: &Actor) -> Result<PersonScope, DomainError> {
    match (actor.role, &actor.provider) {
        _ if actor.is_system() => Ok(PersonScope::All),
        (Role::CaseManager | Role::ProviderAdmin, Some(p)) => Ok(PersonScope::Provider(p.clone())),
        // A provider role without a provider (never created so) counts nobody.
        (Role::CaseManager | Role::ProviderAdmin, None) => Err(DomainError::forbidden(
            "Ihr Konto ist keinem Träger zugeordnet.",
            "Your account belongs to no provider.",
        )),
        _ => Ok(PersonScope::All),
    }
}

/// Must the actor's reports always be protected by statistical disclosure
/// control (reports.md: always for the `controller` role)?
pub fn always_suppressed(actor: &Actor) -> bool {
    !actor.is_system() && actor.role == Role::Controller
}

/// Which persons the actor may see in lists, or a 403 if none at all.
pub fn person_scope(actor: &Actor) -> Result<PersonScope, DomainError> {
    if actor.is_system() {
        return Ok(PersonScope::All);
    }
    match (actor.role, &actor.provider) {
        (Role::CaseManager, Some(p)) => Ok(PersonScope::Provider(p.clone())),
        (Role::Head, _) if actor.break_glass.is_some() => Ok(PersonScope::All),
        _ => {
            // Reuse the policy's own message for a person of no provider in particular.
            let any = EntityId::parse("any").expect("valid id");
            authorize(actor, Action::Read, &Resource::Person { provider: &any }).map(|_| PersonScope::All)
        }
    }
}

/// How far a role reaches in one capability of [`role_overview`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// For the whole tenant.
    All,
    /// For the role's own provider only.
    OwnProvider,
    /// Only with a logged emergency access giving a reason (break glass).
    BreakGlass,
    /// Not at all.
    No,
}

impl Reach {
    pub fn label_de(self) -> &'static str {
        match self {
            Reach::All => "ja",
            Reach::OwnProvider => "eigener Träger",
            Reach::BreakGlass => "nur Notfallzugriff",
            Reach::No => "nein",
        }
    }
}

/// One row of the roles screen: a capability in words and, per role of
/// [`Role::ALL`], how far the role reaches in it.
#[derive(Clone, Debug)]
pub struct Capability {
    pub label_de: &'static str,
    pub reach: Vec<(Role, Reach)>,
}

/// What each role may do, in the words of the users, asked of
/// [`is_allowed`] itself, so that the overview cannot say other than the
/// policy does. A provider's role is asked about its own provider and about
/// another one; the head of department also with an emergency access.
pub fn role_overview() -> Vec<Capability> {
    use Action::*;
    let own = EntityId::parse("eigener-traeger").expect("valid id");
    let other = EntityId::parse("anderer-traeger").expect("valid id");
    // A capability asks one question, about a provider (`Some`) or not.
    type Ask = fn(Option<&EntityId>) -> (Action, Resource<'_>);
    let rows: [(&str, bool, Ask); 18] = [
        ("Personen und Fälle einsehen", true, |p| (Read, Resource::Person { provider: p.expect("provider") })),
        ("Personen und Fälle anlegen und bearbeiten", true, |p| {
            (Update, Resource::Person { provider: p.expect("provider") })
        }),
        ("Übergaben annehmen oder ablehnen", true, |p| {
            (Update, Resource::IncomingHandover { to: p.expect("provider") })
        }),
        ("Vertretungen eintragen", true, |p| (Create, Resource::Deputy { provider: p })),
        ("Kontakte ohne Anmeldung (aufsuchende Arbeit) erfassen", true, |p| {
            (Create, Resource::Outreach { provider: p })
        }),
        ("Einzeldatensätze hinter einer Zahl (pseudonymisiert)", false, |_| (Read, Resource::Records)),
        ("Berichte und Kennzahlen ansehen", false, |_| (Read, Resource::Report)),
        ("Berichte veröffentlichen", false, |_| (Create, Resource::Publication)),
        ("Anfragen des Rates beantworten", false, |_| (Create, Resource::Inquiry)),
        ("Programme, Module und Angebote pflegen", true, |p| (Update, Resource::ProgramData { provider: p })),
        ("Finanzen ansehen", false, |_| (Read, Resource::Finance)),
        ("Finanzen buchen und planen", false, |_| (Create, Resource::Finance)),
        ("Anträge an den Innovationsfonds stellen", true, |p| (Create, Resource::Proposal { provider: p })),
        ("Anträge an den Innovationsfonds bewerten und auswählen", false, |_| (Update, Resource::Review)),
        ("Datenpakete einlesen", false, |_| (Create, Resource::Import)),
        ("Benutzerkonten der Fachkräfte eines Trägers verwalten", true, |p| {
            (Update, Resource::User { provider: p, role: Role::CaseManager })
        }),
        ("Aufbewahrungsregeln festlegen", false, |_| (Update, Resource::Retention)),
        ("Protokoll der Zugriffe einsehen", false, |_| (Read, Resource::AuditTrail)),
    ];
    let actor = |role: Role, break_glass: bool| Actor {
        tenant: crate::ids::TenantId::parse("rollen").expect("valid id"),
        user_id: "rolle".into(),
        login: crate::ids::Login::parse("rolle").expect("valid login"),
        role,
        provider: role.needs_provider().then(|| own.clone()),
        break_glass: break_glass.then(|| "Übersicht".to_owned()),
        address: None,
        via_token: false,
        staff_id: None,
    };
    rows.iter()
        .map(|(label, per_provider, ask)| Capability {
            label_de: label,
            reach: Role::ALL
                .into_iter()
                .map(|role| {
                    let may = |break_glass: bool, p: Option<&EntityId>| {
                        let (action, resource) = ask(p);
                        is_allowed(&actor(role, break_glass), action, &resource)
                    };
                    let reach = if !per_provider {
                        if may(false, None) {
                            Reach::All
                        } else if may(true, None) {
                            Reach::BreakGlass
                        } else {
                            Reach::No
                        }
                    } else if may(false, Some(&other)) {
                        Reach::All
                    } else if may(false, Some(&own)) {
                        Reach::OwnProvider
                    } else if may(true, Some(&other)) {
                        Reach::BreakGlass
                    } else {
                        Reach::No
                    };
                    (role, reach)
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Login, TenantId};

    #[test]
    fn the_role_overview_says_what_the_policy_does() {
        let rows = role_overview();
        let reach = |label: &str, role: Role| {
            rows.iter().find(|c| c.label_de == label).unwrap().reach.iter().find(|(r, _)| *r == role).unwrap().1
        };
        assert_eq!(reach("Personen und Fälle einsehen", Role::CaseManager), Reach::OwnProvider);
        assert_eq!(reach("Personen und Fälle einsehen", Role::Head), Reach::BreakGlass);
        assert_eq!(reach("Personen und Fälle einsehen", Role::Controller), Reach::No);
        assert_eq!(reach("Personen und Fälle einsehen", Role::Admin), Reach::No);
        assert_eq!(reach("Berichte und Kennzahlen ansehen", Role::Controller), Reach::All);
        assert_eq!(reach("Protokoll der Zugriffe einsehen", Role::Auditor), Reach::All);
        assert_eq!(reach("Protokoll der Zugriffe einsehen", Role::Admin), Reach::No);
        assert_eq!(
            reach("Benutzerkonten der Fachkräfte eines Trägers verwalten", Role::ProviderAdmin),
            Reach::OwnProvider
        );
        assert_eq!(reach("Benutzerkonten der Fachkräfte eines Trägers verwalten", Role::Admin), Reach::All);
        assert_eq!(reach("Programme, Module und Angebote pflegen", Role::ProviderAdmin), Reach::OwnProvider);
        assert_eq!(reach("Programme, Module und Angebote pflegen", Role::Coordinator), Reach::All);
        assert_eq!(reach("Datenpakete einlesen", Role::Coordinator), Reach::All);
        assert_eq!(reach("Einzeldatensätze hinter einer Zahl (pseudonymisiert)", Role::Head), Reach::BreakGlass);
        assert_eq!(reach("Einzeldatensätze hinter einer Zahl (pseudonymisiert)", Role::Controller), Reach::No);
        assert!(rows.iter().all(|c| c.reach.len() == Role::ALL.len()));
        // Every role can do something, and every capability belongs to someone.
        for role in Role::ALL {
            assert!(rows.iter().any(|c| c.reach.iter().any(|(r, x)| *r == role && *x != Reach::No)), "{role}");
        }
        assert!(rows.iter().all(|c| c.reach.iter().any(|(_, x)| *x != Reach::No)));
    }

    fn actor(role: Role, provider: Option<&str>) -> Actor {
        Actor {
            tenant: TenantId::parse("t").unwrap(),
            user_id: "u1".into(),
            login: Login::parse("x").unwrap(),
            role,
            provider: provider.map(|p| EntityId::parse(p).unwrap()),
            break_glass: None,
            address: None,
            via_token: false,
            staff_id: None,
        }
    }

    #[test]
    fn case_managers_see_their_own_providers_persons_only() {
        let kja = EntityId::parse("kja").unwrap();
        let dekra = EntityId::parse("dekra").unwrap();
        let a = actor(Role::CaseManager, Some("kja"));
        for action in Action::ALL {
            assert!(is_allowed(&a, action, &Resource::Person { provider: &kja }));
            assert!(!is_allowed(&a, action, &Resource::Person { provider: &dekra }));
        }
        assert_eq!(person_scope(&a).unwrap(), PersonScope::Provider(kja));
    }

    #[test]
    fn head_reads_persons_only_with_break_glass() {
        let kja = EntityId::parse("kja").unwrap();
        let mut h = actor(Role::Head, None);
        assert!(!is_allowed(&h, Action::Read, &Resource::Person { provider: &kja }));
        assert!(person_scope(&h).is_err());
        h.break_glass = Some("Beschwerde".into());
        assert!(is_allowed(&h, Action::Read, &Resource::Person { provider: &kja }));
        assert!(!is_allowed(&h, Action::Update, &Resource::Person { provider: &kja }));
        assert_eq!(person_scope(&h).unwrap(), PersonScope::All);
    }

    #[test]
    fn controller_never_sees_persons_but_reports() {
        let c = actor(Role::Controller, None);
        assert!(person_scope(&c).is_err());
        assert!(is_allowed(&c, Action::Read, &Resource::Report));
        assert!(!is_allowed(&c, Action::Read, &Resource::Records));
        assert!(always_suppressed(&c));
        assert!(!is_allowed(&c, Action::Read, &Resource::AuditTrail));
    }

    #[test]
    fn providers_count_their_own_persons_the_department_everyone() {
        let kja = EntityId::parse("kja").unwrap();
        for role in [Role::CaseManager, Role::ProviderAdmin] {
            let a = actor(role, Some("kja"));
            assert!(is_allowed(&a, Action::Read, &Resource::Report));
            assert!(is_allowed(&a, Action::Read, &Resource::Records));
            assert_eq!(report_scope(&a).unwrap(), PersonScope::Provider(kja.clone()));
            assert!(report_scope(&actor(role, None)).is_err());
        }
        let co = actor(Role::Coordinator, None);
        assert_eq!(report_scope(&co).unwrap(), PersonScope::All);
        assert!(is_allowed(&co, Action::Read, &Resource::Records) && !always_suppressed(&co));
        for role in [Role::Admin, Role::Auditor] {
            assert!(!is_allowed(&actor(role, None), Action::Read, &Resource::Report));
        }
        let mut h = actor(Role::Head, None);
        assert!(is_allowed(&h, Action::Read, &Resource::Report) && !is_allowed(&h, Action::Read, &Resource::Records));
        h.break_glass = Some("Anfrage".into());
        assert!(is_allowed(&h, Action::Read, &Resource::Records));
    }

    #[test]
    fn provider_admin_manages_own_staff_but_no_admins() {
        let kja = EntityId::parse("kja").unwrap();
        let pa = actor(Role::ProviderAdmin, Some("kja"));
        assert!(is_allowed(&pa, Action::Create, &Resource::User { provider: Some(&kja), role: Role::CaseManager }));
        assert!(!is_allowed(&pa, Action::Create, &Resource::User { provider: Some(&kja), role: Role::Admin }));
        assert!(!is_allowed(&pa, Action::Create, &Resource::User { provider: None, role: Role::CaseManager }));
    }

    #[test]
    fn money_and_the_innovation_fund() {
        let kja = EntityId::parse("kja").unwrap();
        let dekra = EntityId::parse("dekra").unwrap();
        let co = actor(Role::Coordinator, None);
        let ctl = actor(Role::Controller, None);
        let pa = actor(Role::ProviderAdmin, Some("kja"));
        let cm = actor(Role::CaseManager, Some("kja"));
        assert!(is_allowed(&co, Action::Create, &Resource::Finance));
        assert!(is_allowed(&ctl, Action::Read, &Resource::Finance));
        assert!(!is_allowed(&ctl, Action::Create, &Resource::Finance));
        assert!(!is_allowed(&cm, Action::Read, &Resource::Finance));
        assert!(is_allowed(&pa, Action::Create, &Resource::Proposal { provider: Some(&kja) }));
        assert!(!is_allowed(&pa, Action::Create, &Resource::Proposal { provider: Some(&dekra) }));
        assert!(!is_allowed(&pa, Action::Read, &Resource::Proposal { provider: Some(&dekra) }));
        assert!(!is_allowed(&pa, Action::Create, &Resource::Proposal { provider: None }));
        assert!(is_allowed(&cm, Action::Read, &Resource::Proposal { provider: Some(&kja) }));
        assert!(!is_allowed(&cm, Action::Create, &Resource::Proposal { provider: Some(&kja) }));
        assert!(is_allowed(&co, Action::Create, &Resource::Proposal { provider: None }));
        assert!(is_allowed(&co, Action::Update, &Resource::Review));
        assert!(!is_allowed(&pa, Action::Read, &Resource::Review));
        assert!(!is_allowed(&ctl, Action::Update, &Resource::Review));
    }

    #[test]
    fn outreach_is_counted_by_those_who_do_it() {
        let kja = EntityId::parse("kja").unwrap();
        let dekra = EntityId::parse("dekra").unwrap();
        let cm = actor(Role::CaseManager, Some("kja"));
        assert!(is_allowed(&cm, Action::Create, &Resource::Outreach { provider: Some(&kja) }));
        assert!(!is_allowed(&cm, Action::Create, &Resource::Outreach { provider: Some(&dekra) }));
        assert!(!is_allowed(&cm, Action::Create, &Resource::Outreach { provider: None }));
        let co = actor(Role::Coordinator, None);
        assert!(is_allowed(&co, Action::Create, &Resource::Outreach { provider: None }));
        assert!(is_allowed(&actor(Role::Controller, None), Action::Read, &Resource::Outreach { provider: None }));
        assert!(!is_allowed(&actor(Role::Controller, None), Action::Create, &Resource::Outreach { provider: None }));
        for role in [Role::Admin, Role::Auditor] {
            assert!(!is_allowed(&actor(role, None), Action::Read, &Resource::Outreach { provider: None }));
        }
    }

    #[test]
    fn tokens_are_issued_by_their_owner_only_and_not_by_tokens() {
        let mut admin = actor(Role::Admin, None);
        assert!(is_allowed(&admin, Action::Create, &Resource::ApiToken { owner: "u1" }));
        assert!(!is_allowed(&admin, Action::Create, &Resource::ApiToken { owner: "someone-else" }));
        assert!(is_allowed(&admin, Action::Delete, &Resource::ApiToken { owner: "someone-else" }));
        admin.via_token = true;
        assert!(!is_allowed(&admin, Action::Create, &Resource::ApiToken { owner: "u1" }));
    }
}
