//! Organizations (tenants): create, list, read, update and disable, scoped to what the
//! actor administers. A fresh install has one provider org, `default`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::AdminScope;
use crate::audit::{self, AuditActor, Change};
use crate::entities::organization;
use crate::page::{self, Page, PageRequest};
use crate::{Actor, Db, DomainError, DomainResult, Permission, validate};

/// Slug of the provider organization every install starts with.
pub const DEFAULT_ORG_SLUG: &str = "default";

/// What an organization is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Owns APIs, tiers and a developer portal.
    Provider,
    /// Owns applications (a consumer's personal org or their company's).
    Consumer,
}

impl OrgKind {
    /// The stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OrgKind::Provider => "provider",
            OrgKind::Consumer => "consumer",
        }
    }
}

/// Whether an organization may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgStatus {
    /// In use.
    Active,
    /// Its members' roles in it no longer count.
    Disabled,
}

impl OrgStatus {
    fn as_str(self) -> &'static str {
        match self {
            OrgStatus::Active => "active",
            OrgStatus::Disabled => "disabled",
        }
    }
}

/// An organization as the API and UI show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrgView {
    pub id: Uuid,
    /// URL-safe unique name.
    pub slug: String,
    pub name: String,
    /// `provider` or `consumer`.
    pub kind: String,
    /// `active` or `disabled`.
    pub status: String,
    /// Portal sign-ups wait for an admin's approval.
    pub require_approval: bool,
    /// Current version; send it back in `If-Match` to update.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<organization::Model> for OrgView {
    fn from(m: organization::Model) -> Self {
        Self {
            id: m.id,
            slug: m.slug,
            name: m.name,
            kind: m.kind,
            status: m.status,
            require_approval: m.require_approval,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Input to create an organization.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewOrg {
    /// 2–40 characters of `a-z`, `0-9`, `-`; unique.
    pub slug: String,
    /// Display name, 1–100 characters.
    pub name: String,
    /// `provider` (default) or `consumer`.
    #[serde(default = "default_kind")]
    pub kind: OrgKind,
    /// Portal sign-ups wait for an admin's approval (default false).
    #[serde(default)]
    pub require_approval: bool,
}

fn default_kind() -> OrgKind {
    OrgKind::Provider
}

/// A partial update; absent fields are left unchanged.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OrgUpdate {
    /// New display name.
    pub name: Option<String>,
    /// `active` or `disabled` (platform administrators only).
    pub status: Option<OrgStatus>,
    /// Whether portal sign-ups need approval.
    pub require_approval: Option<bool>,
}

/// Filters for listing organizations.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrgFilter {
    /// Substring of the slug or name.
    pub q: Option<String>,
    /// Only this status.
    pub status: Option<OrgStatus>,
    /// Only this kind.
    pub kind: Option<OrgKind>,
    /// `slug`, `name` or `created_at`, `-` prefix for descending (default `slug`).
    pub sort: Option<String>,
}

/// Creates an organization (platform administrators only).
pub async fn create(db: &impl Db, actor: &Actor, input: NewOrg) -> DomainResult<OrgView> {
    actor.require_platform(Permission::OrgsManage)?;
    let (slug, name) = match (validate::slug("slug", &input.slug), validate::name("name", &input.name)) {
        (Ok(slug), Ok(name)) => (slug, name),
        (slug, name) => return Err(validate::errors([slug.err(), name.err()])),
    };
    let txn = db.begin_write().await?;
    let org = insert(&txn, &slug, &name, input.kind, input.require_approval).await?;
    let view = OrgView::from(org);
    audit::record(&txn, &actor.into(), created("org.create", &view)).await?;
    txn.commit().await?;
    Ok(view)
}

/// Inserts an organization row (no checks, no audit): for services that create one as
/// part of a larger change.
pub(crate) async fn insert(
    db: &impl Db,
    slug: &str,
    name: &str,
    kind: OrgKind,
    require_approval: bool,
) -> DomainResult<organization::Model> {
    let now = Utc::now();
    organization::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        kind: Set(kind.as_str().to_owned()),
        status: Set(OrgStatus::Active.as_str().to_owned()),
        require_approval: Set(require_approval),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| DomainError::conflict_on_unique(e, "slug_taken", "An organization with this slug already exists."))
}

fn created<'a>(action: &'a str, view: &OrgView) -> Change<'a> {
    Change {
        org_id: Some(view.id),
        action,
        target_type: "organization",
        target_id: Some(view.id.to_string()),
        before: None,
        after: audit::snapshot(view),
    }
}

/// Lists the organizations whose admin area the actor sees (any admin permission there).
pub async fn list(
    db: &impl Db,
    actor: &Actor,
    filter: &OrgFilter,
    request: PageRequest,
) -> DomainResult<Page<OrgView>> {
    let mut condition = Condition::all();
    if let AdminScope::Orgs(orgs) = actor.require_admin()? {
        condition = condition.add(organization::Column::Id.is_in(orgs));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        condition = condition.add(
            Condition::any()
                .add(organization::Column::Slug.contains(q.to_lowercase()))
                .add(organization::Column::Name.contains(q)),
        );
    }
    if let Some(status) = filter.status {
        condition = condition.add(organization::Column::Status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(organization::Column::Kind.eq(kind.as_str()));
    }
    let sorts = [
        ("slug", organization::Column::Slug),
        ("name", organization::Column::Name),
        ("created_at", organization::Column::CreatedAt),
    ];
    let (column, descending) = page::parse_sort(filter.sort.as_deref(), &sorts, (organization::Column::Slug, false))?;
    let select = organization::Entity::find()
        .filter(condition)
        .order_by(column, page::order(descending))
        .order_by_asc(organization::Column::Id);
    Ok(page::fetch(select, db, request).await?.map(OrgView::from))
}

/// Reads one organization whose admin area the actor sees (any admin permission there).
pub async fn get(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<OrgView> {
    actor.require_org_admin(id)?;
    find(db, id).await.map(OrgView::from)
}

pub(crate) async fn find(db: &impl Db, id: Uuid) -> DomainResult<organization::Model> {
    organization::Entity::find_by_id(id).one(db).await?.ok_or(DomainError::NotFound("organization"))
}

/// The active provider organization with this slug: the portal people may sign up on.
/// Consumer organizations are joined by invitation only, so they are never portals.
pub async fn find_portal(db: &impl Db, slug: &str) -> DomainResult<Option<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .filter(organization::Column::Kind.eq(OrgKind::Provider.as_str()))
        .filter(organization::Column::Status.eq(OrgStatus::Active.as_str()))
        .one(db)
        .await?)
}

/// Updates an organization. Org admins may rename theirs and change its approval
/// setting; only platform administrators may disable or re-enable one. With
/// `if_match`, the update only applies to that version.
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    input: OrgUpdate,
    if_match: Option<i64>,
) -> DomainResult<OrgView> {
    actor.require(id, Permission::OrgSettings)?;
    if input.status.is_some() {
        actor.require_platform(Permission::OrgsManage)?;
    }
    let name = input
        .name
        .as_deref()
        .map(|n| validate::name("name", n))
        .transpose()
        .map_err(|e| DomainError::Invalid(vec![e]))?;
    let txn = db.begin_write().await?;
    let current = find(&txn, id).await?;
    let expected = if_match.unwrap_or(current.version);
    if expected != current.version {
        return Err(DomainError::VersionMismatch { expected, current: current.version });
    }
    let before = OrgView::from(current.clone());
    let mut active: organization::ActiveModel = current.into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(status) = input.status {
        active.status = Set(status.as_str().to_owned());
    }
    if let Some(require_approval) = input.require_approval {
        active.require_approval = Set(require_approval);
    }
    active.version = Set(expected + 1);
    active.updated_at = Set(Utc::now());
    let result = organization::Entity::update_many()
        .set(active)
        .filter(organization::Column::Id.eq(id))
        .filter(organization::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(DomainError::VersionMismatch { expected, current: expected + 1 });
    }
    let after = OrgView::from(find(&txn, id).await?);
    let action = match (before.status.as_str(), after.status.as_str()) {
        ("active", "disabled") => "org.disable",
        ("disabled", "active") => "org.enable",
        _ => "org.update",
    };
    let change = Change {
        org_id: Some(id),
        action,
        target_type: "organization",
        target_id: Some(id.to_string()),
        before: audit::snapshot(&before),
        after: audit::snapshot(&after),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(after)
}

/// Makes sure the `default` provider organization exists; returns it. Idempotent.
pub async fn ensure_default(db: &impl Db) -> DomainResult<organization::Model> {
    if let Some(org) =
        organization::Entity::find().filter(organization::Column::Slug.eq(DEFAULT_ORG_SLUG)).one(db).await?
    {
        return Ok(org);
    }
    let txn = db.begin_write().await?;
    let org = insert(&txn, DEFAULT_ORG_SLUG, "Default", OrgKind::Provider, false).await?;
    let view = OrgView::from(org.clone());
    audit::record(&txn, &AuditActor::system("system"), created("org.create", &view)).await?;
    txn.commit().await?;
    Ok(org)
}

/// Creates the personal consumer organization of a new user, with a slug derived from
/// their e-mail and made unique with a random suffix.
pub(crate) async fn insert_personal(
    db: &impl Db,
    email: &str,
    display_name: &str,
) -> DomainResult<organization::Model> {
    let base: String = email
        .split('@')
        .next()
        .unwrap_or("user")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .take(28)
        .collect();
    let base = base.trim_matches('-');
    let base = if base.len() < 2 { "user" } else { base };
    let slug = format!("{base}-{}", &crate::secrets::random_token().to_lowercase().replace(['-', '_'], "x")[..8]);
    insert(db, &slug, &format!("{display_name} (personal)"), OrgKind::Consumer, false).await
}
