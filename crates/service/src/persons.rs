//! Persons: the most protected data in Lotse. Every read and write is scoped
//! to what the actor may see and recorded in the audit trail, with the
//! changed values encrypted under the person's own key.

use chrono::Datelike;
use chrono::{NaiveDate, Utc};
use lotse_db::entity::{person, provider};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, PersonScope, Resource, authorize, person_scope};
use lotse_domain::person::{Gender, LabourStatus, ResidenceStatus, YesNo};
use lotse_domain::{Actor, DomainError, EntityId, text};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{self, Event, record};
use crate::error::db_err;
use crate::page::{Page, PageRequest};

/// A person's attributes as a client sends them (the columns of persons.csv).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// Lotse's id of the person. On create: given by the client (e.g. the id
    /// of the source system) or, when left out, assigned. On update: the
    /// path's id; another one is an error.
    #[serde(default, skip_serializing)]
    #[schema(value_type = Option<String>, example = "p-0001")]
    pub id: Option<EntityId>,
    #[schema(value_type = String)]
    pub provider_id: EntityId,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    #[schema(value_type = String, example = "female")]
    pub gender: Gender,
    /// ISO 3166-1 alpha-2, e.g. `SY`.
    pub nationality: Option<String>,
    #[schema(value_type = Option<String>, example = "duldung")]
    pub residence_status: Option<ResidenceStatus>,
    #[schema(value_type = Option<String>)]
    pub migration_background: Option<YesNo>,
    pub district_id: Option<String>,
    pub municipality: Option<String>,
    pub household_id: Option<String>,
    #[schema(value_type = Option<String>)]
    pub single_parent: Option<YesNo>,
    #[schema(value_type = Option<String>)]
    pub disability: Option<YesNo>,
    /// 0–8
    pub education_isced: Option<i16>,
    #[schema(value_type = Option<String>)]
    pub labour_status: Option<LabourStatus>,
    /// 0–24
    pub sgb2_months_24: Option<i16>,
    #[schema(value_type = Option<String>)]
    pub homeless: Option<YesNo>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: String,
    #[serde(flatten)]
    pub attributes: PersonInput,
}

impl PersonInput {
    /// Checks the rules serde cannot, and trims free text.
    fn validate(&mut self) -> Result<(), DomainError> {
        self.given_name = text::clean_opt("given_name", self.given_name.as_deref(), 200)?;
        self.family_name = text::clean_opt("family_name", self.family_name.as_deref(), 200)?;
        self.municipality = text::clean_opt("municipality", self.municipality.as_deref(), 200)?;
        if let Some(n) = &self.nationality {
            if n.len() != 2 || !n.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(DomainError::invalid(
                    "nationality",
                    format!("„{n}“ ist kein Ländercode nach ISO 3166-1 (zwei Großbuchstaben, z. B. DE, SY)."),
                    format!("\"{n}\" is not an ISO 3166-1 alpha-2 code (two capitals, e.g. DE, SY)."),
                ));
            }
        }
        if let Some(v) = self.education_isced.filter(|v| !(0..=8).contains(v)) {
            return Err(DomainError::invalid(
                "education_isced",
                format!("{v} liegt nicht zwischen 0 und 8."),
                format!("{v} is not between 0 and 8."),
            ));
        }
        if let Some(v) = self.sgb2_months_24.filter(|v| !(0..=24).contains(v)) {
            return Err(DomainError::invalid(
                "sgb2_months_24",
                format!("{v} liegt nicht zwischen 0 und 24."),
                format!("{v} is not between 0 and 24."),
            ));
        }
        if let Some(d) = self.birth_date.filter(|d| *d > Utc::now().date_naive()) {
            return Err(DomainError::invalid(
                "birth_date",
                format!("{d} liegt in der Zukunft."),
                format!("{d} is in the future."),
            ));
        }
        if let Some(d) = self.birth_date.filter(|d| d.year() < 1900) {
            return Err(DomainError::invalid(
                "birth_date",
                format!("{d} liegt vor 1900."),
                format!("{d} is before 1900."),
            ));
        }
        for (field, v) in [("district_id", &self.district_id), ("household_id", &self.household_id)] {
            if let Some(s) = v {
                EntityId::parse(s).map_err(|e| match e {
                    DomainError::Invalid { de, en, .. } => DomainError::Invalid { field: field.into(), de, en },
                    other => other,
                })?;
            }
        }
        Ok(())
    }

    fn apply(self, m: &mut person::ActiveModel) {
        m.provider_id = Set(self.provider_id.into_string());
        m.given_name = Set(self.given_name);
        m.family_name = Set(self.family_name);
        m.birth_date = Set(self.birth_date);
        m.gender = Set(self.gender.as_str().to_owned());
        m.nationality = Set(self.nationality);
        m.residence_status = Set(self.residence_status.map(|v| v.as_str().to_owned()));
        m.migration_background = Set(self.migration_background.map(|v| v.as_str().to_owned()));
        m.district_id = Set(self.district_id);
        m.municipality = Set(self.municipality);
        m.household_id = Set(self.household_id);
        m.single_parent = Set(self.single_parent.map(|v| v.as_str().to_owned()));
        m.disability = Set(self.disability.map(|v| v.as_str().to_owned()));
        m.education_isced = Set(self.education_isced);
        m.labour_status = Set(self.labour_status.map(|v| v.as_str().to_owned()));
        m.sgb2_months_24 = Set(self.sgb2_months_24);
        m.homeless = Set(self.homeless.map(|v| v.as_str().to_owned()));
    }
}

impl TryFrom<person::Model> for Person {
    type Error = DomainError;
    fn try_from(m: person::Model) -> Result<Self, DomainError> {
        fn code<T>(v: Option<String>, parse: fn(&str) -> Result<T, DomainError>) -> Result<Option<T>, DomainError> {
            v.as_deref().map(parse).transpose()
        }
        Ok(Person {
            id: m.id,
            attributes: PersonInput {
                id: None,
                provider_id: EntityId::parse(&m.provider_id)?,
                given_name: m.given_name,
                family_name: m.family_name,
                birth_date: m.birth_date,
                gender: Gender::parse(&m.gender)?,
                nationality: m.nationality,
                residence_status: code(m.residence_status, ResidenceStatus::parse)?,
                migration_background: code(m.migration_background, YesNo::parse)?,
                district_id: m.district_id,
                municipality: m.municipality,
                household_id: m.household_id,
                single_parent: code(m.single_parent, YesNo::parse)?,
                disability: code(m.disability, YesNo::parse)?,
                education_isced: m.education_isced,
                labour_status: code(m.labour_status, LabourStatus::parse)?,
                sgb2_months_24: m.sgb2_months_24,
                homeless: code(m.homeless, YesNo::parse)?,
            },
        })
    }
}

/// The fields that differ, as `{field: [old, new]}`.
fn diff(old: Option<&PersonInput>, new: Option<&PersonInput>) -> serde_json::Value {
    let o = old.map(|p| serde_json::to_value(p).unwrap_or_default()).unwrap_or_default();
    let n = new.map(|p| serde_json::to_value(p).unwrap_or_default()).unwrap_or_default();
    let mut out = serde_json::Map::new();
    let keys = o
        .as_object()
        .into_iter()
        .chain(n.as_object())
        .flat_map(|m| m.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>();
    for k in keys {
        let (a, b) = (o.get(&k).cloned().unwrap_or_default(), n.get(&k).cloned().unwrap_or_default());
        if a != b {
            out.insert(k, serde_json::json!([a, b]));
        }
    }
    serde_json::Value::Object(out)
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PersonQuery {
    /// Part of the given or family name.
    pub q: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

impl Lotse {
    async fn person_row(&self, actor: &Actor, id: &EntityId) -> Result<person::Model, DomainError> {
        let scope = person_scope(actor)?;
        person::Entity::find_by_id((actor.tenant.to_string(), id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|p| EntityId::parse(&p.provider_id).is_ok_and(|pr| scope.admits(&pr)))
            .ok_or(DomainError::NotFound { entity: "person" })
    }

    async fn check_provider(&self, actor: &Actor, id: &EntityId) -> Result<(), DomainError> {
        let found = provider::Entity::find_by_id((actor.tenant.to_string(), id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        if found.is_none() {
            return Err(DomainError::invalid(
                "provider_id",
                format!("Den Träger „{id}“ gibt es in diesem Mandanten nicht."),
                format!("There is no provider \"{id}\" in this tenant."),
            ));
        }
        Ok(())
    }

    pub async fn create_person(&self, actor: &Actor, mut input: PersonInput) -> Result<Person, DomainError> {
        authorize(actor, Action::Create, &Resource::Person { provider: &input.provider_id })?;
        input.validate()?;
        self.check_provider(actor, &input.provider_id).await?;
        let id = match input.id.take() {
            Some(id) => id,
            None => EntityId::parse(&format!("p-{}", &uuid::Uuid::now_v7().simple().to_string()[..20]))?,
        };
        let now = Utc::now();
        let mut am = person::ActiveModel {
            tenant_id: Set(actor.tenant.to_string()),
            id: Set(id.to_string()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let changes = diff(None, Some(&input));
        input.apply(&mut am);
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.insert(&txn).await.map_err(db_err)?;
        record(&txn, actor, Event::new(AuditAction::Create, "person", &m.id).of_person(&m.id).changes(changes)).await?;
        txn.commit().await.map_err(db_err)?;
        Person::try_from(m)
    }

    /// One person's record; the read is recorded in the audit trail.
    pub async fn person(&self, actor: &Actor, id: &EntityId) -> Result<Person, DomainError> {
        let m = self.person_row(actor, id).await?;
        authorize(actor, Action::Read, &Resource::Person { provider: &EntityId::parse(&m.provider_id)? })?;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        record(&txn, actor, Event::new(AuditAction::Read, "person", &m.id).of_person(&m.id)).await?;
        txn.commit().await.map_err(db_err)?;
        Person::try_from(m)
    }

    /// The persons the actor may see; the ids read are recorded.
    pub async fn persons(&self, actor: &Actor, query: PersonQuery) -> Result<Page<Person>, DomainError> {
        let scope = person_scope(actor)?;
        let query = PersonQuery { q: text::clean_opt("q", query.q.as_deref(), 200)?, ..query };
        let page = PageRequest { limit: query.limit, offset: query.offset };
        let mut q = person::Entity::find().filter(person::Column::TenantId.eq(actor.tenant.as_str()));
        if let PersonScope::Provider(p) = &scope {
            q = q.filter(person::Column::ProviderId.eq(p.as_str()));
        }
        if let Some(text) = query.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
            q = q.filter(
                Condition::any()
                    .add(Expr::expr(Func::lower(Expr::col(person::Column::FamilyName))).like(pattern.clone()))
                    .add(Expr::expr(Func::lower(Expr::col(person::Column::GivenName))).like(pattern)),
            );
        }
        let (rows, total) =
            page.fetch(q.order_by_asc(person::Column::FamilyName).order_by_asc(person::Column::Id), &self.db).await?;
        if !rows.is_empty() {
            let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
            record(
                &txn,
                actor,
                Event::new(AuditAction::Read, "person", "list").changes(serde_json::json!({ "ids": ids })),
            )
            .await?;
            txn.commit().await.map_err(db_err)?;
        }
        Ok(Page::new(rows.into_iter().map(Person::try_from).collect::<Result<_, _>>()?, total, page))
    }

    pub async fn update_person(
        &self,
        actor: &Actor,
        id: &EntityId,
        mut input: PersonInput,
    ) -> Result<Person, DomainError> {
        if input.id.take().is_some_and(|given| &given != id) {
            return Err(DomainError::invalid(
                "id",
                "Die Kennung im Inhalt weicht von der Adresse ab; Kennungen können nicht geändert werden.",
                "The id in the body differs from the one in the path; ids cannot be changed.",
            ));
        }
        let old = self.person_row(actor, id).await?;
        let old_provider = EntityId::parse(&old.provider_id)?;
        authorize(actor, Action::Update, &Resource::Person { provider: &old_provider })?;
        authorize(actor, Action::Update, &Resource::Person { provider: &input.provider_id })?;
        input.validate()?;
        self.check_provider(actor, &input.provider_id).await?;
        let before = Person::try_from(old.clone())?;
        let changes = diff(Some(&before.attributes), Some(&input));
        if changes.as_object().is_some_and(|m| m.is_empty()) {
            return Ok(before);
        }
        let mut am: person::ActiveModel = old.into();
        input.apply(&mut am);
        am.updated_at = Set(Utc::now());
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let m = am.update(&txn).await.map_err(db_err)?;
        record(&txn, actor, Event::new(AuditAction::Update, "person", &m.id).of_person(&m.id).changes(changes)).await?;
        txn.commit().await.map_err(db_err)?;
        Person::try_from(m)
    }

    /// Deletes a person and shreds their key, so their values in the audit
    /// trail become unreadable while the chain still verifies.
    pub async fn delete_person(&self, actor: &Actor, id: &EntityId) -> Result<(), DomainError> {
        let old = self.person_row(actor, id).await?;
        authorize(actor, Action::Delete, &Resource::Person { provider: &EntityId::parse(&old.provider_id)? })?;
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        person::Entity::delete_by_id((actor.tenant.to_string(), id.to_string())).exec(&txn).await.map_err(db_err)?;
        audit::shred(&txn, &actor.tenant, id.as_str()).await?;
        record(&txn, actor, Event::new(AuditAction::Delete, "person", id.as_str())).await?;
        txn.commit().await.map_err(db_err)
    }
}
