//! User accounts as administrators see them: list, read, create, update, approve and
//! disable — scoped to the users of the organizations the actor administers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionSession,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::AdminScope;
use crate::audit::{self, Change};
use crate::entities::{membership, organization, session, user};
use crate::page::{self, Page, PageRequest};
use crate::{Actor, Db, DomainError, DomainResult, Permission, Role, members, passwords, validate};

/// The life cycle of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Signed up; the e-mail address is not verified yet.
    PendingVerification,
    /// Verified; waits for an administrator's approval.
    PendingApproval,
    /// May sign in.
    Active,
    /// May not sign in; sessions and tokens stop working.
    Disabled,
}

impl UserStatus {
    /// The stored / wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::PendingVerification => "pending_verification",
            UserStatus::PendingApproval => "pending_approval",
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
}

/// A user's membership as shown with the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MembershipView {
    pub org_id: Uuid,
    pub org_slug: String,
    pub org_name: String,
    /// A built-in role, or `custom` (see `custom_role`).
    pub role: Role,
    /// The organization's custom role, when `role` is `custom`.
    pub custom_role: Option<crate::roles::CustomRoleRef>,
}

/// A user as the API and UI show it (never with a password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// `pending_verification`, `pending_approval`, `active` or `disabled`.
    pub status: String,
    pub is_platform_admin: bool,
    pub email_verified: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Current version; send it back in `If-Match` to update.
    pub version: i64,
    /// The organizations the user belongs to, with the role in each.
    pub memberships: Vec<MembershipView>,
}

/// Input for an administrator creating an account directly (no e-mail verification).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    /// Initial password, at least 12 characters; the user can change it.
    pub password: String,
    /// Organization to add the user to (required for org admins).
    pub org_id: Option<Uuid>,
    /// Role in that organization (default `consumer`).
    pub role: Option<Role>,
    /// Make the user a platform administrator (platform administrators only).
    #[serde(default)]
    pub is_platform_admin: bool,
}

/// A partial update; absent fields are left unchanged.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    /// Platform administrators may set any status; org admins may only approve
    /// (`pending_approval` → `active`).
    pub status: Option<UserStatus>,
    /// Platform administrators only.
    pub is_platform_admin: Option<bool>,
}

/// Filters for listing users.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserFilter {
    /// Substring of the e-mail or display name.
    pub q: Option<String>,
    /// Only this status.
    pub status: Option<UserStatus>,
    /// Only members of this organization.
    pub org_id: Option<Uuid>,
    /// `email`, `display_name`, `created_at` or `last_login_at`, `-` prefix for
    /// descending (default `email`).
    pub sort: Option<String>,
}

/// Lists users the actor may administer: everyone for platform administrators, the
/// members of their organizations for org admins.
pub async fn list(
    db: &impl Db,
    actor: &Actor,
    filter: &UserFilter,
    request: PageRequest,
) -> DomainResult<Page<UserView>> {
    let scope = user_scope(actor)?;
    let mut condition = Condition::all();
    if let AdminScope::Orgs(orgs) = &scope {
        condition = condition.add(member_of(orgs.clone()));
    }
    if let Some(org) = filter.org_id {
        condition = condition.add(member_of(vec![org]));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        condition = condition.add(
            Condition::any()
                .add(user::Column::Email.contains(q.to_lowercase()))
                .add(user::Column::DisplayName.contains(q)),
        );
    }
    if let Some(status) = filter.status {
        condition = condition.add(user::Column::Status.eq(status.as_str()));
    }
    let sorts = [
        ("email", user::Column::Email),
        ("display_name", user::Column::DisplayName),
        ("created_at", user::Column::CreatedAt),
        ("last_login_at", user::Column::LastLoginAt),
    ];
    let (column, descending) = page::parse_sort(filter.sort.as_deref(), &sorts, (user::Column::Email, false))?;
    let select =
        user::Entity::find().filter(condition).order_by(column, page::order(descending)).order_by_asc(user::Column::Id);
    let page = page::fetch(select, db, request).await?;
    let views = views(db, page.items, &scope).await?;
    Ok(Page { items: views, total: page.total, page: page.page, per_page: page.per_page })
}

/// The users an actor administers: everyone with `users_manage` (platform), else the
/// members of the organizations where it holds `members_manage`.
fn user_scope(actor: &Actor) -> DomainResult<AdminScope> {
    if actor.can_platform(Permission::UsersManage) {
        return Ok(AdminScope::All);
    }
    actor.require_somewhere(Permission::MembersManage)
}

fn member_of(orgs: Vec<Uuid>) -> sea_orm::sea_query::SimpleExpr {
    user::Column::Id.in_subquery(
        Query::select()
            .column(membership::Column::UserId)
            .from(membership::Entity)
            .and_where(membership::Column::OrgId.is_in(orgs))
            .to_owned(),
    )
}

/// Reads one user the actor may administer.
pub async fn get(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<UserView> {
    let user = find_visible(db, actor, id).await?;
    Ok(views(db, vec![user], &user_scope(actor)?).await?.remove(0))
}

async fn find_visible(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<user::Model> {
    let scope = user_scope(actor)?;
    let user = user::Entity::find_by_id(id).one(db).await?.ok_or(DomainError::NotFound("user"))?;
    if let AdminScope::Orgs(orgs) = scope {
        let visible = membership::Entity::find()
            .filter(membership::Column::UserId.eq(id))
            .filter(membership::Column::OrgId.is_in(orgs))
            .count(db)
            .await?
            > 0;
        if !visible {
            return Err(DomainError::NotFound("user"));
        }
    }
    Ok(user)
}

/// Creates an active, verified account, optionally in an organization. Platform
/// administrators only: the account is trusted without proof that its owner controls the
/// address, so org admins bring people in by invitation instead. (Another tenant's
/// organization is still *not found* for an org admin.)
pub async fn create(db: &impl Db, actor: &Actor, input: NewUser) -> DomainResult<UserView> {
    if let Some(org) = input.org_id {
        actor.require(org, Permission::MembersManage)?;
    }
    actor.require_platform(Permission::UsersManage)?;
    if input.role == Some(Role::Custom) {
        return Err(DomainError::field(
            "role",
            "invalid_role",
            "Create with a built-in role; give a custom role from the members list.",
        ));
    }
    let email = validate::email("email", &input.email);
    let name = validate::name("display_name", &input.display_name);
    let password = passwords::validate("password", &input.password, &input.email);
    let (email, name) = match (email, name, password) {
        (Ok(email), Ok(name), Ok(())) => (email, name),
        (email, name, password) => return Err(validate::errors([email.err(), name.err(), password.err()])),
    };
    let hash = passwords::hash(input.password).await?;
    let txn = db.begin_write().await?;
    if let Some(org) = input.org_id {
        crate::orgs::find(&txn, org).await?;
    }
    let user = insert(&txn, &email, &name, Some(hash), UserStatus::Active, input.is_platform_admin).await?;
    if let Some(org) = input.org_id {
        members::insert(&txn, org, user.id, input.role.unwrap_or(Role::Consumer)).await?;
    }
    let view = views(&txn, vec![user], &AdminScope::All).await?.remove(0);
    let change = Change {
        org_id: input.org_id,
        action: "user.create",
        target_type: "user",
        target_id: Some(view.id.to_string()),
        before: None,
        after: audit::snapshot(&view),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(view)
}

/// Inserts a user row (no checks, no audit).
pub(crate) async fn insert(
    db: &impl Db,
    email: &str,
    display_name: &str,
    password_hash: Option<String>,
    status: UserStatus,
    is_platform_admin: bool,
) -> DomainResult<user::Model> {
    let now = Utc::now();
    let verified = matches!(status, UserStatus::Active | UserStatus::PendingApproval).then_some(now);
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.to_owned()),
        display_name: Set(display_name.to_owned()),
        password_hash: Set(password_hash),
        status: Set(status.as_str().to_owned()),
        is_platform_admin: Set(is_platform_admin),
        email_verified_at: Set(verified),
        last_login_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| {
        DomainError::conflict_on_unique(e, "email_taken", "An account with this e-mail address already exists.")
    })
}

/// Updates a user. Platform administrators may change anything; an org admin may only
/// approve (`pending_approval` → `active`) a member of an organization of theirs that
/// requires approval. Disabling signs the user out everywhere. The last active platform
/// administrator cannot be disabled or demoted. Approving e-mails the user a sign-in
/// link under `base_url`.
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    input: UserUpdate,
    if_match: Option<i64>,
    base_url: &str,
) -> DomainResult<UserView> {
    let scope = user_scope(actor)?;
    let txn = db.begin_write().await?;
    let current = find_visible(&txn, actor, id).await?;
    let approving = input.status == Some(UserStatus::Active)
        && current.status == UserStatus::PendingApproval.as_str()
        && input.display_name.is_none()
        && input.is_platform_admin.is_none();
    let approval_org = match (approving, &scope) {
        (true, AdminScope::Orgs(orgs)) => Some(approving_org(&txn, id, orgs).await?),
        _ => {
            actor.require_platform(Permission::UsersManage)?;
            None
        }
    };
    let name = input
        .display_name
        .as_deref()
        .map(|n| validate::name("display_name", n))
        .transpose()
        .map_err(|e| DomainError::Invalid(vec![e]))?;
    let expected = if_match.unwrap_or(current.version);
    if expected != current.version {
        return Err(DomainError::VersionMismatch { expected, current: current.version });
    }
    let losing_admin = current.is_platform_admin
        && (input.is_platform_admin == Some(false) || input.status.is_some_and(|s| s != UserStatus::Active));
    if losing_admin {
        ensure_another_platform_admin(&txn, id).await?;
    }
    let before = views(&txn, vec![current.clone()], &scope).await?.remove(0);
    let mut active: user::ActiveModel = current.into();
    if let Some(name) = name {
        active.display_name = Set(name);
    }
    if let Some(status) = input.status {
        active.status = Set(status.as_str().to_owned());
    }
    if let Some(flag) = input.is_platform_admin {
        active.is_platform_admin = Set(flag);
    }
    active.version = Set(expected + 1);
    active.updated_at = Set(Utc::now());
    let result = user::Entity::update_many()
        .set(active)
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(DomainError::VersionMismatch { expected, current: expected + 1 });
    }
    if input.status.is_some_and(|s| s != UserStatus::Active) {
        session::Entity::delete_many().filter(session::Column::UserId.eq(id)).exec(&txn).await?;
    }
    let updated = user::Entity::find_by_id(id).one(&txn).await?.ok_or(DomainError::NotFound("user"))?;
    let after = views(&txn, vec![updated], &scope).await?.remove(0);
    let action = match (before.status.as_str(), after.status.as_str()) {
        ("pending_approval", "active") => "user.approve",
        (_, "disabled") if before.status != "disabled" => "user.disable",
        ("disabled", "active") => "user.enable",
        _ => "user.update",
    };
    let change = Change {
        org_id: approval_org,
        action,
        target_type: "user",
        target_id: Some(id.to_string()),
        before: audit::snapshot(&before),
        after: audit::snapshot(&after),
    };
    audit::record(&txn, &actor.into(), change).await?;
    if action == "user.approve" {
        let (subject, body) = crate::mail::templates::approved(base_url, &after.display_name);
        crate::mail::enqueue(&txn, &after.email, subject, body).await?;
    }
    txn.commit().await?;
    Ok(after)
}

/// The organization (among `orgs`, administered by the caller) whose approval the user
/// waits for; `Forbidden` when none of them requires approval of this user.
async fn approving_org(db: &impl Db, user_id: Uuid, orgs: &[Uuid]) -> DomainResult<Uuid> {
    membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::OrgId.is_in(orgs.to_vec()))
        .find_also_related(organization::Entity)
        .all(db)
        .await?
        .into_iter()
        .find_map(|(m, org)| org.filter(|o| o.require_approval).map(|_| m.org_id))
        .ok_or(DomainError::Forbidden)
}

async fn ensure_another_platform_admin(db: &impl Db, leaving: Uuid) -> DomainResult<()> {
    let others = user::Entity::find()
        .filter(user::Column::IsPlatformAdmin.eq(true))
        .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
        .filter(user::Column::Id.ne(leaving))
        .count(db)
        .await?;
    if others == 0 {
        return Err(DomainError::Conflict {
            code: "last_platform_admin",
            message: "Portico needs at least one active platform administrator.".into(),
        });
    }
    Ok(())
}

/// Builds views for users, loading their memberships in one query. Only memberships in
/// organizations inside `scope` are shown: an org admin must not learn which other
/// tenants a user belongs to.
pub async fn views(db: &impl Db, users: Vec<user::Model>, scope: &AdminScope) -> DomainResult<Vec<UserView>> {
    let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    let mut select = membership::Entity::find().filter(membership::Column::UserId.is_in(ids));
    if let AdminScope::Orgs(orgs) = scope {
        select = select.filter(membership::Column::OrgId.is_in(orgs.clone()));
    }
    let rows =
        select.find_also_related(organization::Entity).order_by_asc(membership::Column::CreatedAt).all(db).await?;
    let custom = crate::roles::by_ids(db, rows.iter().filter_map(|(m, _)| m.custom_role_id).collect()).await?;
    let mut by_user: HashMap<Uuid, Vec<MembershipView>> = HashMap::new();
    for (m, org) in rows {
        let Some(org) = org else { continue };
        let (role, _, custom_role) =
            crate::roles::resolve(&m, &custom).unwrap_or((Role::Consumer, Default::default(), None));
        by_user.entry(m.user_id).or_default().push(MembershipView {
            org_id: org.id,
            org_slug: org.slug,
            org_name: org.name,
            role,
            custom_role,
        });
    }
    Ok(users
        .into_iter()
        .map(|u| UserView {
            memberships: by_user.remove(&u.id).unwrap_or_default(),
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            status: u.status,
            is_platform_admin: u.is_platform_admin,
            email_verified: u.email_verified_at.is_some(),
            last_login_at: u.last_login_at,
            created_at: u.created_at,
            version: u.version,
        })
        .collect())
}

/// The user with this (normalised) e-mail address.
pub async fn find_by_email(db: &impl Db, email: &str) -> DomainResult<Option<user::Model>> {
    Ok(user::Entity::find().filter(user::Column::Email.eq(email.trim().to_lowercase())).one(db).await?)
}

/// Whether any active platform administrator exists.
pub async fn platform_admin_exists(db: &impl Db) -> DomainResult<bool> {
    Ok(user::Entity::find()
        .filter(user::Column::IsPlatformAdmin.eq(true))
        .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
        .count(db)
        .await?
        > 0)
}
