//! Council inquiries (Anfragen): recorded with their date, faction and
//! numbered questions; each question answered by text and by published
//! reports. The statement (Stellungnahme) is rendered by `lotse-pdf` as DOCX
//! and PDF from [`Statement`].

use chrono::{NaiveDate, Utc};
use lotse_db::entity::{inquiry, inquiry_question, published_report};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::text::{clean, clean_opt, clean_paragraphs};
use lotse_domain::{Actor, DomainError};
use lotse_reports::Report;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::error::db_err;

/// Longest question or answer text (characters).
pub const MAX_TEXT: usize = 20_000;
/// Most published reports one answer cites.
pub const MAX_CITED: usize = 20;

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct NewInquiry {
    /// The day the inquiry arrived (YYYY-MM-DD).
    pub received_on: NaiveDate,
    /// e.g. "Fraktion BÜNDNIS 90/DIE GRÜNEN".
    pub faction: String,
    pub title: String,
    /// e.g. "z.d.A.: Rat".
    pub addressee: Option<String>,
    /// The questions in their order (numbered from 1).
    pub questions: Vec<String>,
}

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Answer {
    pub answer: Option<String>,
    /// Published reports the answer refers to (ids).
    #[serde(default)]
    pub publications: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Question {
    pub number: i32,
    pub question: String,
    pub answer: Option<String>,
    pub publications: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Inquiry {
    pub id: String,
    pub received_on: NaiveDate,
    pub faction: String,
    pub title: String,
    pub addressee: Option<String>,
    pub questions: Vec<Question>,
}

/// Everything a statement shows, with the published reports resolved.
pub struct Statement {
    pub tenant_name: String,
    pub inquiry: Inquiry,
    /// Per question (same order): the published reports it refers to.
    pub reports: Vec<Vec<(crate::publications::Publication, Report)>>,
}

fn questions_of(rows: Vec<inquiry_question::Model>) -> Vec<Question> {
    rows.into_iter()
        .map(|q| Question {
            number: q.number,
            question: q.question,
            answer: q.answer,
            publications: serde_json::from_str(&q.publications).unwrap_or_default(),
        })
        .collect()
}

impl Lotse {
    pub async fn create_inquiry(&self, actor: &Actor, new: NewInquiry) -> Result<Inquiry, DomainError> {
        authorize(actor, Action::Create, &Resource::Inquiry)?;
        let faction = clean("faction", &new.faction, 300)?;
        let title = clean("title", &new.title, 500)?;
        let addressee = clean_opt("addressee", new.addressee.as_deref(), 300)?;
        if faction.is_empty() || title.is_empty() {
            return Err(DomainError::invalid(
                if faction.is_empty() { "faction" } else { "title" },
                "Fraktion und Titel der Anfrage sind anzugeben.",
                "The faction and the title are required.",
            ));
        }
        if new.questions.is_empty() || new.questions.len() > 100 {
            return Err(DomainError::invalid(
                "questions",
                "Eine Anfrage hat 1 bis 100 Fragen.",
                "An inquiry has 1 to 100 questions.",
            ));
        }
        let mut questions = Vec::new();
        for (i, q) in new.questions.iter().enumerate() {
            let text = clean_paragraphs(&format!("questions[{i}]"), Some(q), MAX_TEXT)?.unwrap_or_default();
            if text.is_empty() {
                return Err(DomainError::invalid(
                    format!("questions[{i}]"),
                    "Die Frage ist leer.",
                    "The question is empty.",
                ));
            }
            questions.push(text);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let t = actor.tenant.as_str().to_string();
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        inquiry::ActiveModel {
            tenant_id: Set(t.clone()),
            id: Set(id.clone()),
            received_on: Set(new.received_on),
            faction: Set(faction),
            title: Set(title),
            addressee: Set(addressee),
            created_at: Set(Utc::now()),
            created_by: Set(actor.login.as_str().to_string()),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        for (i, q) in questions.into_iter().enumerate() {
            inquiry_question::ActiveModel {
                tenant_id: Set(t.clone()),
                inquiry_id: Set(id.clone()),
                number: Set(i as i32 + 1),
                question: Set(q),
                answer: Set(None),
                publications: Set("[]".into()),
            }
            .insert(&txn)
            .await
            .map_err(db_err)?;
        }
        record(&txn, actor, Event::new(AuditAction::Create, "inquiry", &id)).await?;
        txn.commit().await.map_err(db_err)?;
        self.inquiry(actor, &id).await
    }

    /// The tenant's inquiries with their questions (two queries in all).
    pub async fn inquiries(&self, actor: &Actor) -> Result<Vec<Inquiry>, DomainError> {
        self.load_inquiries(actor, None).await
    }

    pub async fn inquiry(&self, actor: &Actor, id: &str) -> Result<Inquiry, DomainError> {
        self.load_inquiries(actor, Some(id)).await?.pop().ok_or(DomainError::NotFound { entity: "inquiry" })
    }

    /// One inquiry (`only`) or all of the tenant's, newest first, each with its questions.
    async fn load_inquiries(&self, actor: &Actor, only: Option<&str>) -> Result<Vec<Inquiry>, DomainError> {
        authorize(actor, Action::Read, &Resource::Inquiry)?;
        let t = actor.tenant.as_str();
        let mut iq = inquiry::Entity::find().filter(inquiry::Column::TenantId.eq(t));
        let mut qq = inquiry_question::Entity::find().filter(inquiry_question::Column::TenantId.eq(t));
        if let Some(id) = only {
            iq = iq.filter(inquiry::Column::Id.eq(id));
            qq = qq.filter(inquiry_question::Column::InquiryId.eq(id));
        }
        let rows = iq.order_by_desc(inquiry::Column::ReceivedOn).all(&self.db).await.map_err(db_err)?;
        let mut questions: std::collections::HashMap<String, Vec<inquiry_question::Model>> =
            std::collections::HashMap::new();
        for q in qq.order_by_asc(inquiry_question::Column::Number).all(&self.db).await.map_err(db_err)? {
            questions.entry(q.inquiry_id.clone()).or_default().push(q);
        }
        Ok(rows
            .into_iter()
            .map(|m| Inquiry {
                questions: questions_of(questions.remove(&m.id).unwrap_or_default()),
                id: m.id,
                received_on: m.received_on,
                faction: m.faction,
                title: m.title,
                addressee: m.addressee,
            })
            .collect())
    }

    /// Answers question `number`: text and the published reports it refers to.
    pub async fn answer_question(
        &self,
        actor: &Actor,
        id: &str,
        number: i32,
        answer: Answer,
    ) -> Result<Inquiry, DomainError> {
        authorize(actor, Action::Update, &Resource::Inquiry)?;
        let t = actor.tenant.as_str();
        let text = clean_paragraphs("answer", answer.answer.as_deref(), MAX_TEXT)?;
        let mut publications: Vec<String> = Vec::new();
        for p in answer.publications {
            if !publications.contains(&p) {
                publications.push(p);
            }
        }
        if publications.len() > MAX_CITED {
            return Err(DomainError::invalid(
                "publications",
                format!("Eine Antwort zitiert höchstens {MAX_CITED} veröffentlichte Berichte."),
                format!("An answer cites at most {MAX_CITED} published reports."),
            ));
        }
        for p in &publications {
            let found =
                published_report::Entity::find_by_id((t.to_string(), p.clone())).one(&self.db).await.map_err(db_err)?;
            if found.is_none() {
                return Err(DomainError::invalid(
                    "publications",
                    format!("Den veröffentlichten Bericht „{p}“ gibt es nicht."),
                    format!("There is no published report \"{p}\"."),
                ));
            }
        }
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let q = inquiry_question::Entity::find_by_id((t.to_string(), id.to_string(), number))
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "question" })?;
        // The audit trail keeps what the answer was before: a statement may
        // already have gone to the council.
        let changes = serde_json::json!({
            "question": number,
            "answer": {"before": q.answer, "after": text},
            "publications": {
                "before": serde_json::from_str::<serde_json::Value>(&q.publications).unwrap_or_default(),
                "after": publications,
            },
        });
        let mut am = q.into_active_model();
        am.answer = Set(text);
        am.publications = Set(serde_json::to_string(&publications).expect("strings"));
        am.update(&txn).await.map_err(db_err)?;
        record(&txn, actor, Event::new(AuditAction::Update, "inquiry", id).changes(changes)).await?;
        txn.commit().await.map_err(db_err)?;
        self.inquiry(actor, id).await
    }

    /// The inquiry with its answers and the published reports they cite.
    pub async fn statement(&self, actor: &Actor, id: &str) -> Result<Statement, DomainError> {
        let inquiry = self.inquiry(actor, id).await?;
        let tenant_name = self.tenant(&actor.tenant).await?.name;
        let mut reports = Vec::new();
        for q in &inquiry.questions {
            let mut cited = Vec::new();
            for p in &q.publications {
                let published = self.publication(actor, p).await?;
                cited.push((published.publication, published.report));
            }
            reports.push(cited);
        }
        Ok(Statement { tenant_name, inquiry, reports })
    }
}
