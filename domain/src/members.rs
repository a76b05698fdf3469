//! Who belongs to an organization with which role. Holders of `members_manage` change
//! roles of members (built-in or custom ones) and remove them; adding people is done by
//! invitation (or, for platform administrators, directly). Nobody hands out, or takes
//! away, permissions they do not hold themselves. An organization always keeps at least
//! one org admin.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::entities::{membership, org_role, user};
use crate::page::{Page, PageRequest};
use crate::roles::{self, CustomRoleRef};
use crate::{Actor, Db, DomainError, DomainResult, Permission, Permissions, Role};

/// A member of an organization as the API and UI show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberView {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    /// The account's status (`active`, `disabled`, ...).
    pub status: String,
    /// A built-in role, or `custom` (see `custom_role`).
    pub role: Role,
    /// The organization's custom role, when `role` is `custom`.
    pub custom_role: Option<CustomRoleRef>,
    /// What the role allows in this organization.
    #[schema(value_type = Vec<Permission>)]
    pub permissions: Permissions,
    pub joined_at: DateTime<Utc>,
}

/// Lists the members of an organization the actor administers.
pub async fn list(db: &impl Db, actor: &Actor, org_id: Uuid, request: PageRequest) -> DomainResult<Page<MemberView>> {
    actor.require(org_id, Permission::MembersManage)?;
    let paginator = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .find_also_related(user::Entity)
        .order_by_asc(membership::Column::CreatedAt)
        .paginate(db, request.per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(request.index()).await?;
    let custom = roles::by_ids(db, rows.iter().filter_map(|(m, _)| m.custom_role_id).collect()).await?;
    let items = rows.into_iter().filter_map(|(m, u)| u.map(|u| view(&m, &u, &custom))).collect();
    Ok(Page { items, total, page: request.page, per_page: request.per_page })
}

fn view(m: &membership::Model, u: &user::Model, custom: &HashMap<Uuid, org_role::Model>) -> MemberView {
    let (role, permissions, custom_role) =
        roles::resolve(m, custom).unwrap_or((Role::Consumer, Permissions::NONE, None));
    MemberView {
        user_id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        status: u.status.clone(),
        role,
        custom_role,
        permissions,
        joined_at: m.created_at,
    }
}

/// The permissions a membership row gives (custom roles looked up).
async fn permissions_of(db: &impl Db, m: &membership::Model) -> DomainResult<Permissions> {
    let custom = roles::by_ids(db, m.custom_role_id.into_iter().collect()).await?;
    Ok(roles::resolve(m, &custom).map_or(Permissions::NONE, |(_, p, _)| p))
}

/// Sets a user's role in an organization: a built-in role, or `Role::Custom` with the id
/// of one of the organization's custom roles. Holders of `members_manage` may change
/// the role of existing members; platform administrators may also add any user.
pub async fn set_role(
    db: &impl Db,
    actor: &Actor,
    org_id: Uuid,
    user_id: Uuid,
    role: Role,
    custom_role_id: Option<Uuid>,
) -> DomainResult<MemberView> {
    actor.require(org_id, Permission::MembersManage)?;
    let txn = db.begin_write().await?;
    let custom_role = match (role, custom_role_id) {
        (Role::Custom, Some(id)) => Some(roles::find(&txn, org_id, id).await.map_err(|_| {
            DomainError::field("custom_role_id", "unknown_role", "This organization has no such role.")
        })?),
        (Role::Custom, None) => {
            return Err(DomainError::field("custom_role_id", "required", "Choose one of the organization's roles."));
        }
        (_, Some(_)) => {
            return Err(DomainError::field(
                "custom_role_id",
                "not_custom",
                "Only a `custom` role names a custom role.",
            ));
        }
        (_, None) => None,
    };
    let granted = custom_role.as_ref().map_or(role.permissions(), |r| Permissions::from_json(&r.permissions));
    actor.require_grantable(org_id, granted)?;
    let existing = find(&txn, org_id, user_id).await?;
    match &existing {
        Some(m) => actor.require_grantable(org_id, permissions_of(&txn, m).await?)?,
        None => actor.require_platform(Permission::UsersManage).map_err(|_| DomainError::NotFound("member"))?,
    }
    let member = user::Entity::find_by_id(user_id).one(&txn).await?.ok_or(DomainError::NotFound("user"))?;
    let mut custom = HashMap::new();
    if let Some(r) = &custom_role {
        custom.insert(r.id, r.clone());
    }
    if let Some(id) = existing.as_ref().and_then(|m| m.custom_role_id) {
        custom.extend(roles::by_ids(&txn, vec![id]).await?);
    }
    let before = existing.as_ref().map(|m| view(m, &member, &custom));
    if let Some(current) = &existing
        && current.role == Role::OrgAdmin.as_str()
        && role != Role::OrgAdmin
    {
        ensure_another_admin(&txn, org_id, user_id).await?;
    }
    let saved = match existing {
        Some(m) => {
            let mut active: membership::ActiveModel = m.into();
            active.role = Set(role.as_str().to_owned());
            active.custom_role_id = Set(custom_role_id);
            active.update(&txn).await?
        }
        None => {
            let mut row = insert(&txn, org_id, user_id, Role::Consumer).await?;
            if role != Role::Consumer {
                let mut active: membership::ActiveModel = row.into();
                active.role = Set(role.as_str().to_owned());
                active.custom_role_id = Set(custom_role_id);
                row = active.update(&txn).await?;
            }
            row
        }
    };
    let after = view(&saved, &member, &custom);
    let change = Change {
        org_id: Some(org_id),
        action: if before.is_some() { "member.update" } else { "member.add" },
        target_type: "membership",
        target_id: Some(user_id.to_string()),
        before: before.as_ref().and_then(audit::snapshot),
        after: audit::snapshot(&after),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(after)
}

/// Removes a member from an organization.
pub async fn remove(db: &impl Db, actor: &Actor, org_id: Uuid, user_id: Uuid) -> DomainResult<()> {
    actor.require(org_id, Permission::MembersManage)?;
    let txn = db.begin_write().await?;
    let existing = find(&txn, org_id, user_id).await?.ok_or(DomainError::NotFound("member"))?;
    actor.require_grantable(org_id, permissions_of(&txn, &existing).await?)?;
    if existing.role == Role::OrgAdmin.as_str() {
        ensure_another_admin(&txn, org_id, user_id).await?;
    }
    let member = user::Entity::find_by_id(user_id).one(&txn).await?.ok_or(DomainError::NotFound("user"))?;
    let custom = roles::by_ids(&txn, existing.custom_role_id.into_iter().collect()).await?;
    let before = view(&existing, &member, &custom);
    membership::Entity::delete_by_id(existing.id).exec(&txn).await?;
    let change = Change {
        org_id: Some(org_id),
        action: "member.remove",
        target_type: "membership",
        target_id: Some(user_id.to_string()),
        before: audit::snapshot(&before),
        after: None,
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(())
}

async fn find(db: &impl Db, org_id: Uuid, user_id: Uuid) -> DomainResult<Option<membership::Model>> {
    Ok(membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .filter(membership::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

async fn ensure_another_admin(db: &impl Db, org_id: Uuid, leaving: Uuid) -> DomainResult<()> {
    let others = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .filter(membership::Column::Role.eq(Role::OrgAdmin.as_str()))
        .filter(membership::Column::UserId.ne(leaving))
        .count(db)
        .await?;
    if others == 0 {
        return Err(DomainError::Conflict {
            code: "last_org_admin",
            message: "An organization needs at least one org admin; make someone else org admin first.".into(),
        });
    }
    Ok(())
}

/// Inserts a membership row (no checks, no audit) for services that add one as part of
/// a larger change.
pub(crate) async fn insert(db: &impl Db, org_id: Uuid, user_id: Uuid, role: Role) -> DomainResult<membership::Model> {
    membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(org_id),
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        custom_role_id: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|e| {
        DomainError::conflict_on_unique(e, "already_member", "This user is already a member of the organization.")
    })
}
