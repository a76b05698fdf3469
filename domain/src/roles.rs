//! Custom roles: an organization's own roles, each a name, a description and a set of
//! organization permissions from [`crate::permissions`]. A member has one role per
//! organization — a built-in one or a custom one (`memberships.role = "custom"` and
//! `custom_role_id`). Everyone who sees the organization's admin area may list its
//! roles (to pick one for a member); `roles_manage` creates, edits and deletes them.
//! Nobody grants what they do not hold: a role may only contain permissions its editor
//! holds in the organization. A role still given to members cannot be deleted: give those
//! members another role first. Changing a role's permissions takes effect on its
//! members' next request.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::Membership;
use crate::audit::{self, Change};
use crate::entities::{membership, org_role, organization};
use crate::page::{self, Page, PageRequest};
use crate::{Actor, Db, DomainError, DomainResult, Permission, Permissions, Role, validate};

/// A custom role as the API and UI show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoleView {
    pub id: Uuid,
    pub org_id: Uuid,
    /// Unique within the organization, 1–100 characters.
    pub name: String,
    pub description: String,
    /// What members with this role may do in the organization.
    #[schema(value_type = Vec<Permission>)]
    pub permissions: Permissions,
    /// How many members have this role.
    pub members: u64,
    /// Current version; send it back in `If-Match` to update.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RoleView {
    fn from_row(m: org_role::Model, members: u64) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            name: m.name,
            description: m.description,
            permissions: Permissions::from_json(&m.permissions),
            members,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A custom role as a membership names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomRoleRef {
    pub id: Uuid,
    pub name: String,
}

/// Input to create a custom role.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewRole {
    /// 1–100 characters, unique within the organization.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Organization permissions (see `GET /api/admin/v1/permissions`).
    pub permissions: Vec<Permission>,
}

/// A partial update; absent fields are left unchanged.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RoleUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<Permission>>,
}

fn permission_set(field: &str, list: &[Permission]) -> DomainResult<Permissions> {
    Permissions::parse_field(field, &list.iter().map(|p| p.as_str()).collect::<Vec<_>>(), true)
}

fn description(raw: &str) -> DomainResult<String> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > 500 {
        return Err(DomainError::field("description", "too_long", "Use at most 500 characters."));
    }
    Ok(trimmed.to_owned())
}

/// The custom roles of an organization whose admin area the actor sees, by name.
pub async fn list(db: &impl Db, actor: &Actor, org_id: Uuid, request: PageRequest) -> DomainResult<Page<RoleView>> {
    actor.require_org_admin(org_id)?;
    let select =
        org_role::Entity::find().filter(org_role::Column::OrgId.eq(org_id)).order_by_asc(org_role::Column::Name);
    let rows = page::fetch(select, db, request).await?;
    let counts = member_counts(db, rows.items.iter().map(|r| r.id).collect()).await?;
    Ok(rows.map(|r| {
        let members = counts.get(&r.id).copied().unwrap_or(0);
        RoleView::from_row(r, members)
    }))
}

/// One custom role.
pub async fn get(db: &impl Db, actor: &Actor, org_id: Uuid, id: Uuid) -> DomainResult<RoleView> {
    actor.require_org_admin(org_id)?;
    let row = find(db, org_id, id).await?;
    let members = member_counts(db, vec![id]).await?.get(&id).copied().unwrap_or(0);
    Ok(RoleView::from_row(row, members))
}

/// Creates a custom role (`roles_manage`; only permissions the actor holds there).
pub async fn create(db: &impl Db, actor: &Actor, org_id: Uuid, input: NewRole) -> DomainResult<RoleView> {
    actor.require(org_id, Permission::RolesManage)?;
    let name = validate::name("name", &input.name);
    let permissions = permission_set("permissions", &input.permissions);
    let description = description(&input.description);
    let (name, permissions, description) = match (name, permissions, description) {
        (Ok(n), Ok(p), Ok(d)) => (n, p, d),
        (n, p, d) => {
            let mut errors: Vec<_> = n.err().into_iter().collect();
            for e in [p.err(), d.err()].into_iter().flatten() {
                if let DomainError::Invalid(list) = e {
                    errors.extend(list);
                }
            }
            return Err(DomainError::Invalid(errors));
        }
    };
    actor.require_grantable(org_id, permissions)?;
    let txn = db.begin_write().await?;
    let org = organization::Entity::find_by_id(org_id).one(&txn).await?.ok_or(DomainError::NotFound("organization"))?;
    let now = Utc::now();
    let row = org_role::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(org.id),
        name: Set(name),
        description: Set(description),
        permissions: Set(permissions.to_json()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| DomainError::conflict_on_unique(e, "role_exists", "A role with this name exists already."))?;
    let view = RoleView::from_row(row, 0);
    record(&txn, actor, "role.create", &view, None).await?;
    txn.commit().await?;
    Ok(view)
}

/// Updates a custom role; with `if_match`, only that version. New permissions apply to
/// its members at once.
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    org_id: Uuid,
    id: Uuid,
    input: RoleUpdate,
    if_match: Option<i64>,
) -> DomainResult<RoleView> {
    actor.require(org_id, Permission::RolesManage)?;
    let name = input
        .name
        .as_deref()
        .map(|n| validate::name("name", n))
        .transpose()
        .map_err(|e| DomainError::Invalid(vec![e]))?;
    let permissions = input.permissions.as_deref().map(|p| permission_set("permissions", p)).transpose()?;
    let description = input.description.as_deref().map(description).transpose()?;
    let txn = db.begin_write().await?;
    let current = find(&txn, org_id, id).await?;
    let expected = if_match.unwrap_or(current.version);
    if expected != current.version {
        return Err(DomainError::VersionMismatch { expected, current: current.version });
    }
    // Editing a role is granting what it holds afterwards, and taking away what it held.
    let old = Permissions::from_json(&current.permissions);
    actor.require_grantable(org_id, old.union(permissions.unwrap_or(old)))?;
    let members = member_counts(&txn, vec![id]).await?.get(&id).copied().unwrap_or(0);
    let before = RoleView::from_row(current.clone(), members);
    let mut active: org_role::ActiveModel = current.into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(description) = description {
        active.description = Set(description);
    }
    if let Some(permissions) = permissions {
        active.permissions = Set(permissions.to_json());
    }
    active.version = Set(expected + 1);
    active.updated_at = Set(Utc::now());
    let result = org_role::Entity::update_many()
        .set(active)
        .filter(org_role::Column::Id.eq(id))
        .filter(org_role::Column::Version.eq(expected))
        .exec(&txn)
        .await
        .map_err(|e| DomainError::conflict_on_unique(e, "role_exists", "A role with this name exists already."))?;
    if result.rows_affected == 0 {
        return Err(DomainError::VersionMismatch { expected, current: expected + 1 });
    }
    let after = RoleView::from_row(find(&txn, org_id, id).await?, members);
    record(&txn, actor, "role.update", &after, Some(&before)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Deletes a custom role that no member has (else `409 role_in_use`).
pub async fn delete(db: &impl Db, actor: &Actor, org_id: Uuid, id: Uuid) -> DomainResult<()> {
    actor.require(org_id, Permission::RolesManage)?;
    let txn = db.begin_write().await?;
    let current = find(&txn, org_id, id).await?;
    actor.require_grantable(org_id, Permissions::from_json(&current.permissions))?;
    let members = member_counts(&txn, vec![id]).await?.get(&id).copied().unwrap_or(0);
    if members > 0 {
        return Err(DomainError::Conflict {
            code: "role_in_use",
            message: format!("{members} member(s) have this role; give them another role first."),
        });
    }
    let before = RoleView::from_row(current, 0);
    org_role::Entity::delete_by_id(id).exec(&txn).await?;
    let change = Change {
        org_id: Some(org_id),
        action: "role.delete",
        target_type: "role",
        target_id: Some(id.to_string()),
        before: audit::snapshot(&before),
        after: None,
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(())
}

/// The custom role `id` of `org_id`; another organization's role is *not found*.
pub(crate) async fn find(db: &impl Db, org_id: Uuid, id: Uuid) -> DomainResult<org_role::Model> {
    org_role::Entity::find_by_id(id)
        .filter(org_role::Column::OrgId.eq(org_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("role"))
}

async fn member_counts(db: &impl Db, ids: Vec<Uuid>) -> DomainResult<HashMap<Uuid, u64>> {
    let mut counts = HashMap::new();
    for id in ids {
        let n = membership::Entity::find().filter(membership::Column::CustomRoleId.eq(id)).count(db).await?;
        counts.insert(id, n);
    }
    Ok(counts)
}

/// The custom roles with these ids, by id (for views of memberships).
pub(crate) async fn by_ids(db: &impl Db, ids: Vec<Uuid>) -> DomainResult<HashMap<Uuid, org_role::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(org_role::Entity::find()
        .filter(org_role::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect())
}

/// A membership row's role and permissions, given the custom roles it may name.
pub(crate) fn resolve(
    row: &membership::Model,
    custom: &HashMap<Uuid, org_role::Model>,
) -> Option<(Role, Permissions, Option<CustomRoleRef>)> {
    match Role::parse(&row.role)? {
        Role::Custom => {
            let role = row.custom_role_id.and_then(|id| custom.get(&id)).filter(|r| r.org_id == row.org_id)?;
            let reference = CustomRoleRef { id: role.id, name: role.name.clone() };
            Some((Role::Custom, Permissions::from_json(&role.permissions), Some(reference)))
        }
        builtin => Some((builtin, builtin.permissions(), None)),
    }
}

/// The guards' view of a user's memberships in active organizations, with each role's
/// permissions (custom roles loaded in one query).
pub async fn memberships_of(db: &impl Db, user_id: Uuid) -> DomainResult<Vec<Membership>> {
    let rows = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .find_also_related(organization::Entity)
        .all(db)
        .await?;
    let custom = by_ids(db, rows.iter().filter_map(|(m, _)| m.custom_role_id).collect()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, org)| {
            let org = org.filter(|o| o.status == "active")?;
            let provider = org.kind == "provider";
            let (role, permissions, _) = resolve(&m, &custom)?;
            Some(Membership { org_id: m.org_id, role, permissions: permissions.effective_in(provider), provider })
        })
        .collect())
}

async fn record(
    db: &impl Db,
    actor: &Actor,
    action: &str,
    after: &RoleView,
    before: Option<&RoleView>,
) -> DomainResult<()> {
    let change = Change {
        org_id: Some(after.org_id),
        action,
        target_type: "role",
        target_id: Some(after.id.to_string()),
        before: before.and_then(audit::snapshot),
        after: audit::snapshot(after),
    };
    audit::record(db, &actor.into(), change).await
}
