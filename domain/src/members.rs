//! Who belongs to an organization with which role. Org admins change roles of their
//! members and remove them; adding people is done by invitation (or, for platform
//! administrators, directly). An organization always keeps at least one org admin.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::entities::{membership, user};
use crate::page::{Page, PageRequest};
use crate::{Actor, Db, DomainError, DomainResult, Role};

/// A member of an organization as the API and UI show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberView {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    /// The account's status (`active`, `disabled`, ...).
    pub status: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// Lists the members of an organization the actor administers.
pub async fn list(db: &impl Db, actor: &Actor, org_id: Uuid, request: PageRequest) -> DomainResult<Page<MemberView>> {
    actor.require_org_admin(org_id)?;
    let paginator = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .find_also_related(user::Entity)
        .order_by_asc(membership::Column::CreatedAt)
        .paginate(db, request.per_page);
    let total = paginator.num_items().await?;
    let items =
        paginator.fetch_page(request.index()).await?.into_iter().filter_map(|(m, u)| u.map(|u| view(&m, &u))).collect();
    Ok(Page { items, total, page: request.page, per_page: request.per_page })
}

fn view(m: &membership::Model, u: &user::Model) -> MemberView {
    MemberView {
        user_id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        status: u.status.clone(),
        role: Role::parse(&m.role).unwrap_or(Role::Consumer),
        joined_at: m.created_at,
    }
}

/// Sets a user's role in an organization. Org admins may change the role of existing
/// members; platform administrators may also add any user.
pub async fn set_role(
    db: &impl Db,
    actor: &Actor,
    org_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> DomainResult<MemberView> {
    actor.require_org_admin(org_id)?;
    let txn = db.begin().await?;
    let existing = find(&txn, org_id, user_id).await?;
    if existing.is_none() {
        actor.require_platform_admin().map_err(|_| DomainError::NotFound("member"))?;
    }
    let member = user::Entity::find_by_id(user_id).one(&txn).await?.ok_or(DomainError::NotFound("user"))?;
    let before = existing.as_ref().map(|m| view(m, &member));
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
            active.update(&txn).await?
        }
        None => insert(&txn, org_id, user_id, role).await?,
    };
    let after = view(&saved, &member);
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
    actor.require_org_admin(org_id)?;
    let txn = db.begin().await?;
    let existing = find(&txn, org_id, user_id).await?.ok_or(DomainError::NotFound("member"))?;
    if existing.role == Role::OrgAdmin.as_str() {
        ensure_another_admin(&txn, org_id, user_id).await?;
    }
    let member = user::Entity::find_by_id(user_id).one(&txn).await?.ok_or(DomainError::NotFound("user"))?;
    let before = view(&existing, &member);
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
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|e| {
        DomainError::conflict_on_unique(e, "already_member", "This user is already a member of the organization.")
    })
}
