use lotse_domain::DomainError;
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QuerySelect, Select};
use serde::{Deserialize, Serialize};

use crate::error::db_err;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;

/// `?limit=&offset=` of every list.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::IntoParams)]
pub struct PageRequest {
    /// At most this many items (default 50, at most 500).
    pub limit: Option<u64>,
    /// Skip this many items (default 0).
    pub offset: Option<u64>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { limit: None, offset: None }
    }
}

impl PageRequest {
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// Bounded so that it fits the databases' signed 64-bit OFFSET.
    pub fn offset(&self) -> u64 {
        self.offset.unwrap_or(0).min(i64::MAX as u64 / 2)
    }

    /// Runs a query for one page and the total count.
    pub async fn fetch<E, M>(&self, q: Select<E>, db: &impl ConnectionTrait) -> Result<(Vec<M>, u64), DomainError>
    where
        E: EntityTrait<Model = M>,
        M: FromQueryResult + Sized + Send + Sync,
    {
        let total = q.clone().count(db).await.map_err(db_err)?;
        let items = q.offset(self.offset()).limit(self.limit()).all(db).await.map_err(db_err)?;
        Ok((items, total))
    }
}

/// A page of a list, with what is needed to ask for the next.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: u64, req: PageRequest) -> Self {
        Page { items, total, limit: req.limit(), offset: req.offset() }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}
