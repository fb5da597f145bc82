//! What coordinators look at beyond single records: the offer map of the
//! prevention chain with its gaps, a group offer's sessions and attendance,
//! governance with late milestones, and the innovation fund's ranking,
//! selection and published figures. The records themselves are edited
//! through [`crate::records`].

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use lotse_bundle::spec;
use lotse_db::entity::{
    attendance, body, body_member, district, fund_call, fund_criterion, goal, group_session, meeting, milestone,
    module, offer, participation, proposal, proposal_score,
};
use lotse_domain::audit::AuditAction;
use lotse_domain::authz::{Action, Resource, authorize};
use lotse_domain::{Actor, DomainError, EntityId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use crate::Lotse;
use crate::audit::{Event, record};
use crate::error::db_err;

// ---------------------------------------------------------------- offer map

/// Filters of the offer map; all optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfferMapQuery {
    pub provider: Option<String>,
    pub topic: Option<String>,
    pub program: Option<String>,
    /// Only offers whose period touches this calendar year.
    pub year: Option<i32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MapOffer {
    pub id: String,
    pub name: String,
    pub provider_id: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MapRow {
    /// None: offers without a social district (city-wide).
    pub district_id: Option<String>,
    pub district_name: String,
    /// One cell per life stage, in the order of `OfferMap::life_stages`.
    pub cells: Vec<Vec<MapOffer>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Gap {
    pub district_id: String,
    pub district_name: String,
    pub life_stage: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfferMap {
    /// The prevention chain's life stages, pregnancy to adulthood.
    pub life_stages: Vec<String>,
    /// Social districts (those no other district lies in), then city-wide offers.
    pub rows: Vec<MapRow>,
    /// Every district and life stage without an offer located there.
    pub gaps: Vec<Gap>,
    /// Offers with no life stage (not placed on the map).
    pub unplaced: usize,
}

/// Lays offers out by social district and life stage and lists the gaps:
/// a pure function of the records, so it can be tested on its own.
pub fn offer_map(districts: &[(String, String, Option<String>)], offers: &[offer::Model]) -> OfferMap {
    let stages: Vec<&str> = spec::LIFE_STAGE.to_vec();
    let parents: HashSet<&str> = districts.iter().filter_map(|d| d.2.as_deref()).collect();
    // Planning areas are the districts nothing else lies in (a city's
    // Sozialräume, not the city itself); an offer placed in a larger area
    // shows there only if that area is itself a leaf.
    let leaves: Vec<&(String, String, Option<String>)> =
        districts.iter().filter(|d| !parents.contains(d.0.as_str())).collect();
    let mut rows: Vec<MapRow> = leaves
        .iter()
        .map(|d| MapRow {
            district_id: Some(d.0.clone()),
            district_name: d.1.clone(),
            cells: vec![vec![]; stages.len()],
        })
        .collect();
    let mut citywide = MapRow {
        district_id: None,
        district_name: "ohne Sozialraum (stadtweit)".into(),
        cells: vec![vec![]; stages.len()],
    };
    let index: HashMap<&str, usize> = leaves.iter().enumerate().map(|(i, d)| (d.0.as_str(), i)).collect();
    let mut unplaced = 0;
    for o in offers {
        let Some(stage) = o.life_stage.as_deref().and_then(|s| stages.iter().position(|x| *x == s)) else {
            unplaced += 1;
            continue;
        };
        let entry = MapOffer { id: o.id.clone(), name: o.name.clone(), provider_id: o.provider_id.clone() };
        match o.district_id.as_deref().and_then(|d| index.get(d)) {
            Some(&i) => rows[i].cells[stage].push(entry),
            None => citywide.cells[stage].push(entry),
        }
    }
    let gaps = rows
        .iter()
        .flat_map(|r| {
            r.cells.iter().enumerate().filter(|(_, c)| c.is_empty()).map(|(s, _)| Gap {
                district_id: r.district_id.clone().unwrap_or_default(),
                district_name: r.district_name.clone(),
                life_stage: stages[s].to_owned(),
            })
        })
        .collect();
    if citywide.cells.iter().any(|c| !c.is_empty()) {
        rows.push(citywide);
    }
    OfferMap { life_stages: stages.iter().map(|s| s.to_string()).collect(), rows, gaps, unplaced }
}

// -------------------------------------------------------- group offers

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    /// People present without being recorded by name.
    pub head_count: i64,
    /// Registered persons recorded as present.
    pub registered: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupOffer {
    pub id: String,
    pub name: String,
    pub provider_id: String,
    /// Persons with a participation in the offer (registered by name).
    pub registered_participants: i64,
    /// The offer's unregistered participants (offers.csv).
    pub unregistered_participants: i64,
    pub sessions: Vec<SessionView>,
    /// Attendances over all sessions: head counts plus registered persons present.
    pub attendance_total: i64,
    /// Registered attendances / (registered participants × sessions); None
    /// without sessions or registered participants.
    pub attendance_rate: Option<f64>,
}

// ----------------------------------------------------------- governance

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MilestoneView {
    pub id: String,
    pub goal_id: String,
    pub title: String,
    pub owner: Option<String>,
    #[schema(value_type = String)]
    pub due_date: NaiveDate,
    pub status: String,
    #[schema(value_type = Option<String>)]
    pub done_date: Option<NaiveDate>,
    /// Not done (nor dropped) and due before the reference day.
    pub late: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GoalView {
    pub id: String,
    pub title: String,
    pub body_id: Option<String>,
    pub program_id: Option<String>,
    pub milestones: Vec<MilestoneView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BodyView {
    pub id: String,
    pub name: String,
    pub kind: Option<String>,
    pub parent_id: Option<String>,
    pub mission: Option<String>,
    /// Member institutions (with whom they send, where recorded).
    pub members: Vec<String>,
    #[schema(value_type = Vec<String>)]
    pub meetings: Vec<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Governance {
    #[schema(value_type = String)]
    pub today: NaiveDate,
    pub bodies: Vec<BodyView>,
    pub goals: Vec<GoalView>,
    /// The late milestones, most overdue first.
    pub late: Vec<MilestoneView>,
}

/// Is a milestone late on `today`?
pub fn is_late(status: &str, due: NaiveDate, today: NaiveDate) -> bool {
    matches!(status, "open" | "in_progress") && due < today
}

// -------------------------------------------------------- innovation fund

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankedProposal {
    pub rank: usize,
    pub id: String,
    pub title: String,
    pub applicant: Option<String>,
    pub provider_id: Option<String>,
    /// Euro, two decimals.
    pub budget_eur: String,
    /// Weighted mean of the reviewers' scores (0–10).
    pub score: f64,
    /// How many reviewers scored it.
    pub reviewers: usize,
    /// Some criterion has no score: it counts as 0.
    pub incomplete: bool,
    /// Within the budget when taken in ranking order.
    pub fits: bool,
    /// The decision recorded (selected, rejected) or none yet.
    pub decision: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FundFigures {
    pub proposals: usize,
    pub selected: usize,
    /// Euro, two decimals: the budgets of the selected proposals.
    pub funds_committed_eur: String,
    pub planned_participants: i64,
    pub planned_women: i64,
    /// planned_women / planned_participants of the selected proposals.
    pub planned_women_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FundRanking {
    pub call_id: String,
    pub name: String,
    pub budget_eur: String,
    pub ranking: Vec<RankedProposal>,
    /// The figures a ministry publishes, from the recorded decisions.
    pub figures: FundFigures,
}

/// Ranks proposals by the weighted mean of their scores (Σ weight × mean of
/// the reviewers' scores on a criterion / Σ weight), ties by the smaller
/// budget, then the id; marks those that fit the budget when taken in
/// ranking order (one that does not fit is passed over, the next is tried).
pub fn rank(
    proposals: &[proposal::Model],
    criteria: &[fund_criterion::Model],
    scores: &[proposal_score::Model],
    budget_cents: i64,
) -> Vec<RankedProposal> {
    let weight_sum: f64 = criteria.iter().map(|c| c.weight).sum();
    let mut by: HashMap<(&str, &str), Vec<i32>> = HashMap::new();
    let mut reviewers: HashMap<&str, HashSet<&str>> = HashMap::new();
    for s in scores {
        by.entry((s.proposal_id.as_str(), s.criterion_id.as_str())).or_default().push(s.score);
        reviewers.entry(s.proposal_id.as_str()).or_default().insert(s.reviewer.as_str());
    }
    let mut ranked: Vec<RankedProposal> = proposals
        .iter()
        .map(|p| {
            let mut incomplete = false;
            let mut total = 0.0;
            for c in criteria {
                match by.get(&(p.id.as_str(), c.id.as_str())) {
                    Some(v) if !v.is_empty() => {
                        total += c.weight * v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
                    }
                    _ => incomplete = true,
                }
            }
            RankedProposal {
                rank: 0,
                id: p.id.clone(),
                title: p.title.clone(),
                applicant: p.applicant.clone(),
                provider_id: p.provider_id.clone(),
                budget_eur: lotse_bundle::cell::format_money(p.budget_cents),
                score: if weight_sum > 0.0 { total / weight_sum } else { 0.0 },
                reviewers: reviewers.get(p.id.as_str()).map_or(0, HashSet::len),
                incomplete,
                fits: false,
                decision: p.decision.clone(),
            }
        })
        .collect();
    let cents: HashMap<&str, i64> = proposals.iter().map(|p| (p.id.as_str(), p.budget_cents)).collect();
    ranked.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then(cents[a.id.as_str()].cmp(&cents[b.id.as_str()])).then(a.id.cmp(&b.id))
    });
    let mut left = budget_cents;
    for (i, r) in ranked.iter_mut().enumerate() {
        r.rank = i + 1;
        let c = cents[r.id.as_str()];
        if c <= left {
            r.fits = true;
            left -= c;
        }
    }
    ranked
}

/// The published figures over the recorded decisions.
pub fn fund_figures(proposals: &[proposal::Model]) -> FundFigures {
    let selected: Vec<&proposal::Model> =
        proposals.iter().filter(|p| p.decision.as_deref() == Some("selected")).collect();
    let v = |x: Option<i32>| i64::from(x.unwrap_or(0));
    let women: i64 = selected.iter().map(|p| v(p.planned_female)).sum();
    let all: i64 = selected.iter().map(|p| v(p.planned_female) + v(p.planned_male) + v(p.planned_diverse)).sum();
    FundFigures {
        proposals: proposals.len(),
        selected: selected.len(),
        funds_committed_eur: lotse_bundle::cell::format_money(selected.iter().map(|p| p.budget_cents).sum()),
        planned_participants: all,
        planned_women: women,
        planned_women_share: (all > 0).then(|| women as f64 / all as f64),
    }
}

impl Lotse {
    /// The offer map of the prevention chain: offers by social district and
    /// life stage, with the gaps (archived offers are not on it).
    pub async fn offer_map(&self, actor: &Actor, q: &OfferMapQuery) -> Result<OfferMap, DomainError> {
        authorize(actor, Action::Read, &Resource::ProgramData { provider: None })?;
        let t = actor.tenant.as_str();
        let districts: Vec<(String, String, Option<String>)> = district::Entity::find()
            .filter(district::Column::TenantId.eq(t))
            .order_by_asc(district::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|d| (d.id, d.name, d.parent_id))
            .collect();
        let mut query =
            offer::Entity::find().filter(offer::Column::TenantId.eq(t)).filter(offer::Column::ArchivedAt.is_null());
        if let Some(p) = &q.provider {
            query = query.filter(offer::Column::ProviderId.eq(p.as_str()));
        }
        if let Some(topic) = &q.topic {
            query = query.filter(offer::Column::Topic.eq(topic.as_str()));
        }
        if let Some(program) = &q.program {
            let modules: Vec<String> = module::Entity::find()
                .filter(module::Column::TenantId.eq(t))
                .filter(module::Column::ProgramId.eq(program.as_str()))
                .all(&self.db)
                .await
                .map_err(db_err)?
                .into_iter()
                .map(|m| m.id)
                .collect();
            query = query.filter(offer::Column::ModuleId.is_in(modules));
        }
        let mut offers = query.order_by_asc(offer::Column::Id).all(&self.db).await.map_err(db_err)?;
        if let Some(y) = q.year {
            offers.retain(|o| o.start_date.is_none_or(|s| s.year() <= y) && o.end_date.is_none_or(|e| e.year() >= y));
        }
        Ok(offer_map(&districts, &offers))
    }

    /// A group offer with its sessions and attendance (counts, no names).
    pub async fn group_offer(&self, actor: &Actor, id: &EntityId) -> Result<GroupOffer, DomainError> {
        let t = actor.tenant.to_string();
        let o = offer::Entity::find_by_id((t.clone(), id.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "offer" })?;
        let provider = EntityId::parse(&o.provider_id)?;
        authorize(actor, Action::Read, &Resource::ProgramData { provider: Some(&provider) })?;
        let sessions = group_session::Entity::find()
            .filter(group_session::Column::TenantId.eq(t.as_str()))
            .filter(group_session::Column::OfferId.eq(id.as_str()))
            .order_by_asc(group_session::Column::Date)
            .order_by_asc(group_session::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let ids: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
        let present = attendance::Entity::find()
            .filter(attendance::Column::TenantId.eq(t.as_str()))
            .filter(attendance::Column::SessionId.is_in(ids))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut registered_at: HashMap<&str, i64> = HashMap::new();
        for a in &present {
            *registered_at.entry(a.session_id.as_str()).or_default() += 1;
        }
        let persons: HashSet<String> = participation::Entity::find()
            .filter(participation::Column::TenantId.eq(t.as_str()))
            .filter(participation::Column::OfferId.eq(id.as_str()))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|p| p.person_id)
            .collect();
        let views: Vec<SessionView> = sessions
            .iter()
            .map(|s| SessionView {
                id: s.id.clone(),
                date: s.date,
                head_count: i64::from(s.head_count.unwrap_or(0)),
                registered: registered_at.get(s.id.as_str()).copied().unwrap_or(0),
            })
            .collect();
        let registered_total: i64 = views.iter().map(|v| v.registered).sum();
        let possible = persons.len() as i64 * views.len() as i64;
        Ok(GroupOffer {
            id: o.id,
            name: o.name,
            provider_id: o.provider_id,
            registered_participants: persons.len() as i64,
            unregistered_participants: i64::from(o.unregistered_participants.unwrap_or(0)),
            attendance_total: views.iter().map(|v| v.head_count + v.registered).sum(),
            attendance_rate: (possible > 0).then(|| registered_total as f64 / possible as f64),
            sessions: views,
        })
    }

    /// The registered participants of a group offer whom the actor may see
    /// (id and name, by name): whose attendance they may record. The read
    /// is audited as a list of persons.
    pub async fn group_participants(
        &self,
        actor: &Actor,
        offer_id: &EntityId,
    ) -> Result<Vec<(String, String)>, DomainError> {
        // Refused before anything is read for roles that see no persons.
        lotse_domain::authz::person_scope(actor)?;
        let t = actor.tenant.as_str();
        let ids: Vec<String> = participation::Entity::find()
            .filter(participation::Column::TenantId.eq(t))
            .filter(participation::Column::OfferId.eq(offer_id.as_str()))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|p| p.person_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(vec![]);
        }
        // person_names keeps to the actor's scope and audits the read.
        let mut out: Vec<(String, String)> = self.person_names(actor, &ids).await?.into_iter().collect();
        out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Bodies, goals and milestones, with the milestones late on `today`.
    pub async fn governance(&self, actor: &Actor, today: Option<NaiveDate>) -> Result<Governance, DomainError> {
        authorize(actor, Action::Read, &Resource::ProgramData { provider: None })?;
        let t = actor.tenant.as_str();
        let today = today.unwrap_or_else(|| chrono::Local::now().date_naive());
        let bodies =
            body::Entity::find().filter(body::Column::TenantId.eq(t)).order_by_asc(body::Column::Id).all(&self.db);
        let members = body_member::Entity::find()
            .filter(body_member::Column::TenantId.eq(t))
            .order_by_asc(body_member::Column::Id)
            .all(&self.db);
        let meetings = meeting::Entity::find()
            .filter(meeting::Column::TenantId.eq(t))
            .order_by_asc(meeting::Column::Date)
            .all(&self.db);
        let goals =
            goal::Entity::find().filter(goal::Column::TenantId.eq(t)).order_by_asc(goal::Column::Id).all(&self.db);
        let milestones = milestone::Entity::find()
            .filter(milestone::Column::TenantId.eq(t))
            .order_by_asc(milestone::Column::DueDate)
            .order_by_asc(milestone::Column::Id)
            .all(&self.db);
        let (bodies, members, meetings, goals, milestones) =
            tokio::try_join!(bodies, members, meetings, goals, milestones).map_err(db_err)?;
        let mut by_goal: BTreeMap<String, Vec<MilestoneView>> = BTreeMap::new();
        for m in milestones {
            let late = is_late(&m.status, m.due_date, today);
            by_goal.entry(m.goal_id.clone()).or_default().push(MilestoneView {
                id: m.id,
                goal_id: m.goal_id,
                title: m.title,
                owner: m.owner,
                due_date: m.due_date,
                status: m.status,
                done_date: m.done_date,
                late,
            });
        }
        let mut late: Vec<MilestoneView> = by_goal.values().flatten().filter(|m| m.late).cloned().collect();
        late.sort_by(|a, b| a.due_date.cmp(&b.due_date).then(a.id.cmp(&b.id)));
        Ok(Governance {
            today,
            bodies: bodies
                .into_iter()
                .map(|b| BodyView {
                    members: members
                        .iter()
                        .filter(|m| m.body_id == b.id)
                        .map(|m| match (&m.function, &m.name) {
                            (Some(f), _) => format!("{} ({f})", m.institution),
                            (None, Some(n)) => format!("{} ({n})", m.institution),
                            (None, None) => m.institution.clone(),
                        })
                        .collect(),
                    meetings: meetings.iter().filter(|m| m.body_id == b.id).map(|m| m.date).collect(),
                    id: b.id,
                    name: b.name,
                    kind: b.kind,
                    parent_id: b.parent_id,
                    mission: b.mission,
                })
                .collect(),
            goals: goals
                .into_iter()
                .map(|g| GoalView {
                    milestones: by_goal.remove(&g.id).unwrap_or_default(),
                    id: g.id,
                    title: g.title,
                    body_id: g.body_id,
                    program_id: g.program_id,
                })
                .collect(),
            late,
        })
    }

    async fn fund_parts(
        &self,
        actor: &Actor,
        call: &EntityId,
    ) -> Result<
        (fund_call::Model, Vec<proposal::Model>, Vec<fund_criterion::Model>, Vec<proposal_score::Model>),
        DomainError,
    > {
        let t = actor.tenant.as_str();
        let c = fund_call::Entity::find_by_id((t.to_owned(), call.to_string()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or(DomainError::NotFound { entity: "fund_call" })?;
        let proposals = proposal::Entity::find()
            .filter(proposal::Column::TenantId.eq(t))
            .filter(proposal::Column::CallId.eq(call.as_str()))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let criteria = fund_criterion::Entity::find()
            .filter(fund_criterion::Column::TenantId.eq(t))
            .filter(fund_criterion::Column::CallId.eq(call.as_str()))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let ids: HashSet<&str> = proposals.iter().map(|p| p.id.as_str()).collect();
        let scores = proposal_score::Entity::find()
            .filter(proposal_score::Column::TenantId.eq(t))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .filter(|s| ids.contains(s.proposal_id.as_str()))
            .collect();
        Ok((c, proposals, criteria, scores))
    }

    /// A fund call's proposals ranked by their scores, which fit the budget,
    /// and the figures of the decisions recorded so far.
    pub async fn fund_ranking(&self, actor: &Actor, call: &EntityId) -> Result<FundRanking, DomainError> {
        authorize(actor, Action::Read, &Resource::Review)?;
        let (c, proposals, criteria, scores) = self.fund_parts(actor, call).await?;
        Ok(FundRanking {
            ranking: rank(&proposals, &criteria, &scores, c.budget_cents),
            figures: fund_figures(&proposals),
            budget_eur: lotse_bundle::cell::format_money(c.budget_cents),
            call_id: c.id,
            name: c.name,
        })
    }

    /// Records the selection: the proposals that fit the budget in ranking
    /// order are selected, all others rejected. Audited; returns the ranking.
    pub async fn select_proposals(&self, actor: &Actor, call: &EntityId) -> Result<FundRanking, DomainError> {
        authorize(actor, Action::Update, &Resource::Review)?;
        let (c, proposals, criteria, scores) = self.fund_parts(actor, call).await?;
        if proposals.is_empty() {
            return Err(DomainError::invalid(
                "call_id",
                "Zu diesem Aufruf liegen keine Anträge vor.",
                "This call has no proposals.",
            ));
        }
        let ranking = rank(&proposals, &criteria, &scores, c.budget_cents);
        let txn = lotse_db::backend::begin_write(&self.db).await.map_err(db_err)?;
        let t = actor.tenant.as_str();
        for (decision, fits) in [("selected", true), ("rejected", false)] {
            let ids: Vec<&str> = ranking.iter().filter(|r| r.fits == fits).map(|r| r.id.as_str()).collect();
            proposal::Entity::update_many()
                .col_expr(proposal::Column::Decision, sea_orm::sea_query::Expr::value(decision))
                .filter(proposal::Column::TenantId.eq(t))
                .filter(proposal::Column::Id.is_in(ids))
                .exec(&txn)
                .await
                .map_err(db_err)?;
        }
        let selected: Vec<&str> = ranking.iter().filter(|r| r.fits).map(|r| r.id.as_str()).collect();
        record(
            &txn,
            actor,
            Event::new(AuditAction::Update, "fund_call", call.as_str())
                .changes(serde_json::json!({ "selected": selected, "proposals": ranking.len() })),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        self.fund_ranking(actor, call).await
    }

    /// The tenant's fund calls (id, name) for choosing one.
    pub async fn fund_calls(&self, actor: &Actor) -> Result<Vec<(String, String)>, DomainError> {
        authorize(actor, Action::Read, &Resource::Review)?;
        Ok(fund_call::Entity::find()
            .filter(fund_call::Column::TenantId.eq(actor.tenant.as_str()))
            .order_by_asc(fund_call::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn offer(id: &str, district: Option<&str>, stage: Option<&str>) -> offer::Model {
        offer::Model {
            tenant_id: "t".into(),
            id: id.into(),
            name: id.into(),
            provider_id: "p".into(),
            module_id: None,
            delivery: "group".into(),
            topic: None,
            life_stage: stage.map(Into::into),
            district_id: district.map(Into::into),
            start_date: None,
            end_date: None,
            capacity: None,
            unregistered_participants: None,
            archived_at: None,
        }
    }

    #[test]
    fn the_offer_map_lists_every_district_and_life_stage_without_an_offer() {
        let districts = vec![
            ("city".to_string(), "Stadt".to_string(), None),
            ("north".to_string(), "Nord".to_string(), Some("city".to_string())),
            ("south".to_string(), "Süd".to_string(), Some("city".to_string())),
        ];
        // North has an offer for every stage; south only for day care; one city-wide offer.
        let mut offers: Vec<offer::Model> =
            spec::LIFE_STAGE.iter().map(|s| offer(&format!("n-{s}"), Some("north"), Some(s))).collect();
        offers.push(offer("s-1", Some("south"), Some("daycare")));
        offers.push(offer("c-1", None, Some("adult")));
        offers.push(offer("x-1", Some("south"), None));
        let map = offer_map(&districts, &offers);
        assert_eq!(
            map.rows.len(),
            3,
            "two social districts and the city-wide row; the city itself is no planning area"
        );
        let gaps: Vec<(String, String)> =
            map.gaps.iter().map(|g| (g.district_id.clone(), g.life_stage.clone())).collect();
        let expected: Vec<(String, String)> = spec::LIFE_STAGE
            .iter()
            .filter(|s| **s != "daycare")
            .map(|s| ("south".to_string(), s.to_string()))
            .collect();
        assert_eq!(gaps, expected);
        assert_eq!(map.unplaced, 1);
        assert_eq!(map.rows[2].district_id, None);
        assert_eq!(map.rows[2].cells[6].len(), 1);
    }

    #[test]
    fn a_milestone_is_late_when_open_past_its_due_date() {
        let today = d("2026-12-01");
        assert!(is_late("open", d("2026-11-30"), today));
        assert!(is_late("in_progress", d("2025-01-01"), today));
        assert!(!is_late("open", d("2026-12-01"), today), "due today is not late yet");
        assert!(!is_late("done", d("2025-01-01"), today));
        assert!(!is_late("dropped", d("2025-01-01"), today));
    }

    fn prop(id: &str, cents: i64, f: i32, m: i32, decision: Option<&str>) -> proposal::Model {
        proposal::Model {
            tenant_id: "t".into(),
            id: id.into(),
            call_id: "c".into(),
            provider_id: None,
            applicant: None,
            title: id.into(),
            target_group: None,
            planned_female: Some(f),
            planned_male: Some(m),
            planned_diverse: None,
            budget_cents: cents,
            submitted_date: None,
            decision: decision.map(Into::into),
        }
    }

    fn score(p: &str, c: &str, r: &str, s: i32) -> proposal_score::Model {
        proposal_score::Model {
            tenant_id: "t".into(),
            proposal_id: p.into(),
            criterion_id: c.into(),
            reviewer: r.into(),
            score: s,
        }
    }

    #[test]
    fn several_reviewers_scores_rank_the_proposals_and_the_budget_selects() {
        let crit = |id: &str, w: f64| fund_criterion::Model {
            tenant_id: "t".into(),
            id: id.into(),
            call_id: "c".into(),
            name: id.into(),
            weight: w,
        };
        let criteria = vec![crit("innovation", 3.0), crit("reach", 1.0)];
        let proposals =
            vec![prop("a", 40_000_00, 5, 5, None), prop("b", 70_000_00, 8, 2, None), prop("c", 30_000_00, 1, 1, None)];
        let scores = vec![
            // a: innovation (8+6)/2 = 7, reach 4 → (3·7 + 4)/4 = 6.25
            score("a", "innovation", "r1", 8),
            score("a", "innovation", "r2", 6),
            score("a", "reach", "r1", 4),
            score("a", "reach", "r2", 4),
            // b: innovation 9, reach 9 → 9
            score("b", "innovation", "r1", 9),
            score("b", "innovation", "r2", 9),
            score("b", "reach", "r1", 10),
            score("b", "reach", "r2", 8),
            // c: only innovation, 5 → (3·5 + 0)/4 = 3.75, incomplete
            score("c", "innovation", "r1", 5),
        ];
        let r = rank(&proposals, &criteria, &scores, 100_000_00);
        let order: Vec<&str> = r.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(order, ["b", "a", "c"]);
        assert!(
            (r[0].score - 9.0).abs() < 1e-9 && (r[1].score - 6.25).abs() < 1e-9 && (r[2].score - 3.75).abs() < 1e-9
        );
        assert!(r[2].incomplete && !r[0].incomplete);
        assert_eq!(r[0].reviewers, 2);
        // 70,000 fits; 40,000 would exceed 100,000 and is passed over; 30,000 fits.
        let fits: Vec<bool> = r.iter().map(|x| x.fits).collect();
        assert_eq!(fits, [true, false, true]);
        // Equal scores: the smaller budget first.
        let tie = rank(&[prop("x", 2_00, 0, 0, None), prop("y", 1_00, 0, 0, None)], &criteria, &[], 1_00);
        assert_eq!(tie[0].id, "y");
        assert!(tie[0].fits && !tie[1].fits);
    }

    #[test]
    fn published_figures_count_the_selected_proposals() {
        let f = fund_figures(&[
            prop("a", 1_000_000_00, 7, 3, Some("selected")),
            prop("b", 500_000_50, 7, 3, Some("selected")),
            prop("c", 9_999_999_00, 0, 10, Some("rejected")),
            prop("d", 1_00, 0, 10, None),
        ]);
        assert_eq!((f.proposals, f.selected), (4, 2));
        assert_eq!(f.funds_committed_eur, "1500000.50");
        assert_eq!((f.planned_women, f.planned_participants), (14, 20));
        assert_eq!(f.planned_women_share, Some(0.7));
    }
}
