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
    /// The number of items in the whole list, or, where `total_capped` is
    /// true, a lower bound: the list has more than this many items.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
    /// The count stopped at `total` (lists too large to count at every
    /// request, such as every case of a large provider): there are more.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: u64, req: PageRequest) -> Self {
        Page { items, total, limit: req.limit(), offset: req.offset(), total_capped: false }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
            total_capped: self.total_capped,
        }
    }
}

/// The order of a list: one of the columns the list offers, ascending or
/// descending. Written `key` or `-key` (descending), as in `?sort=-entry_date`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub key: String,
    pub descending: bool,
}

impl Order {
    /// Reads `key` / `-key`, refusing a key the list does not offer (the
    /// key becomes part of a statement, so only named columns pass).
    pub fn parse(raw: &str, allowed: &[&str]) -> Result<Order, DomainError> {
        let raw = raw.trim();
        let (key, descending) = match raw.strip_prefix('-') {
            Some(k) => (k, true),
            None => (raw, false),
        };
        if !allowed.contains(&key) {
            return Err(DomainError::invalid(
                "sort",
                format!("Nach „{key}“ kann diese Liste nicht sortiert werden; möglich: {}.", allowed.join(", ")),
                format!("This list cannot be sorted by \"{key}\"; possible: {}.", allowed.join(", ")),
            ));
        }
        Ok(Order { key: key.to_owned(), descending })
    }

    /// Reads an optional `sort` parameter.
    pub fn parse_opt(raw: Option<&str>, allowed: &[&str]) -> Result<Option<Order>, DomainError> {
        raw.filter(|r| !r.trim().is_empty()).map(|r| Order::parse(r, allowed)).transpose()
    }

    pub fn direction(&self) -> sea_orm::Order {
        if self.descending { sea_orm::Order::Desc } else { sea_orm::Order::Asc }
    }
}

/// `(SELECT table.col FROM table WHERE table.tenant_id = outer.tenant_id
/// AND table.id = outer.id)`: a column of the row another table's row
/// refers to, looked up per row on the primary key — to filter or sort a
/// list by it without gathering the referenced rows first (and without
/// `EXISTS`, which SQLite 3.51 may turn into a join over all of them;
/// decision 49).
pub(crate) fn looked_up<E, C>(
    table: &'static str,
    col: &'static str,
    outer: E,
    tenant: C,
    id: C,
) -> sea_orm::sea_query::Expr
where
    E: sea_orm::sea_query::IntoIden + Copy + 'static,
    C: sea_orm::sea_query::IntoIden + Copy + 'static,
{
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    Expr::from(
        Query::select()
            .expr(Expr::col((table, col)))
            .from(table)
            .and_where(Expr::col((table, "tenant_id")).equals((outer, tenant)))
            .and_where(Expr::col((table, "id")).equals((outer, id)))
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_names_an_offered_column() {
        assert_eq!(Order::parse("-name", &["name"]).unwrap(), Order { key: "name".into(), descending: true });
        assert_eq!(Order::parse("name", &["name"]).unwrap(), Order { key: "name".into(), descending: false });
        assert!(Order::parse("name; DROP TABLE persons", &["name"]).is_err());
        assert!(Order::parse("--name", &["name"]).is_err());
        assert_eq!(Order::parse_opt(Some(""), &["name"]).unwrap(), None);
    }
}
