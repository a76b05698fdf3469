//! Page-based pagination shared by every list operation: page numbers from 1, a bounded
//! page size, and the total so clients can show "n of m".

use serde::{Deserialize, Serialize};

/// Largest page a caller may ask for.
pub const MAX_PER_PAGE: u64 = 200;
/// Highest page number accepted (keeps offsets far from overflow).
pub const MAX_PAGE: u64 = 1_000_000;
/// Page size when the caller does not say.
pub const DEFAULT_PER_PAGE: u64 = 25;

/// Which page of a list the caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Items per page, 1..=[`MAX_PER_PAGE`].
    pub per_page: u64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, per_page: DEFAULT_PER_PAGE }
    }
}

impl PageRequest {
    /// Builds a request from optional inputs, clamping them into range.
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Self {
        Self {
            page: page.unwrap_or(1).clamp(1, MAX_PAGE),
            per_page: per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE),
        }
    }

    /// Zero-based page index for sea-orm's paginator.
    pub fn index(&self) -> u64 {
        self.page - 1
    }
}

/// One page of results with the total across all pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Total number of items matching the query.
    pub total: u64,
    /// This page's number (1-based).
    pub page: u64,
    /// The page size used.
    pub per_page: u64,
}

impl<T> Page<T> {
    /// Converts every item, keeping the paging figures.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// Parses a `sort` parameter: a field name, optionally prefixed with `-` for
/// descending order, among `allowed` (name → column); absent means `default`.
pub fn parse_sort<C: Copy>(
    raw: Option<&str>,
    allowed: &[(&str, C)],
    default: (C, bool),
) -> Result<(C, bool), crate::DomainError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(default) };
    let (name, descending) = raw.strip_prefix('-').map_or((raw, false), |n| (n, true));
    allowed.iter().find(|(n, _)| *n == name).map(|(_, c)| (*c, descending)).ok_or_else(|| {
        let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
        crate::DomainError::field(
            "sort",
            "invalid_sort",
            format!("Sort by one of {} (prefix - for descending).", names.join(", ")),
        )
    })
}

/// The sea-orm order for a parsed sort direction.
pub fn order(descending: bool) -> sea_orm::Order {
    if descending { sea_orm::Order::Desc } else { sea_orm::Order::Asc }
}

/// Runs a sea-orm select as one page.
pub(crate) async fn fetch<'db, C, S>(
    select: S,
    db: &'db C,
    request: PageRequest,
) -> Result<Page<<S::Selector as sea_orm::SelectorTrait>::Item>, sea_orm::DbErr>
where
    C: sea_orm::ConnectionTrait,
    S: sea_orm::PaginatorTrait<'db, C>,
{
    let paginator = select.paginate(db, request.per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(request.index()).await?;
    Ok(Page { items, total, page: request.page, per_page: request.per_page })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_out_of_range_requests() {
        assert_eq!(PageRequest::new(Some(0), Some(0)), PageRequest { page: 1, per_page: 1 });
        assert_eq!(PageRequest::new(None, Some(10_000)).per_page, MAX_PER_PAGE);
        assert_eq!(PageRequest::new(Some(3), None).index(), 2);
        assert_eq!(PageRequest::new(Some(u64::MAX), None).page, MAX_PAGE);
    }

    #[test]
    fn parses_sort_parameters() {
        let allowed = [("name", 1), ("created_at", 2)];
        assert_eq!(parse_sort(None, &allowed, (1, false)).ok(), Some((1, false)));
        assert_eq!(parse_sort(Some("-created_at"), &allowed, (1, false)).ok(), Some((2, true)));
        assert!(parse_sort(Some("password"), &allowed, (1, false)).is_err());
    }
}
