//! Invitations into an organization: an org admin invites an e-mail address with a
//! role; the invitee follows the e-mailed link and joins — with their existing account,
//! or by creating one there (the link proves they own the address).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::RequestOrigin;
use crate::audit::{self, AuditActor, Change};
use crate::entities::{invitation, membership, organization, user};
use crate::mail::{self, templates};
use crate::page::{self, Page, PageRequest};
use crate::secrets::{hash_token, random_token};
use crate::users::{self, UserStatus};
use crate::{Actor, Db, DomainError, DomainResult, Permission, Role, members, passwords, validate};

/// How long an invitation link is valid.
pub const LIFETIME: Duration = Duration::days(7);

/// An invitation as the admin UI and API show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvitationView {
    pub id: Uuid,
    pub org_id: Uuid,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// `pending`, `accepted`, `revoked` or `expired`.
    pub status: String,
}

impl From<invitation::Model> for InvitationView {
    fn from(m: invitation::Model) -> Self {
        let status = if m.accepted_at.is_some() {
            "accepted"
        } else if m.revoked_at.is_some() {
            "revoked"
        } else if m.expires_at <= Utc::now() {
            "expired"
        } else {
            "pending"
        };
        Self {
            id: m.id,
            org_id: m.org_id,
            email: m.email,
            role: Role::parse(&m.role).unwrap_or(Role::Consumer),
            created_at: m.created_at,
            expires_at: m.expires_at,
            status: status.to_owned(),
        }
    }
}

/// Input to invite someone.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewInvitation {
    pub email: String,
    /// Role the invitee gets (default `consumer`).
    pub role: Option<Role>,
}

/// Invites an address into an organization the actor administers and e-mails the link.
/// A pending invitation for the same address is replaced.
pub async fn create(
    db: &impl Db,
    actor: &Actor,
    org_id: Uuid,
    input: NewInvitation,
    base_url: &str,
) -> DomainResult<InvitationView> {
    actor.require(org_id, Permission::MembersManage)?;
    let email = validate::email("email", &input.email).map_err(|e| DomainError::Invalid(vec![e]))?;
    let role = input.role.unwrap_or(Role::Consumer);
    if role == Role::Custom {
        return Err(DomainError::field(
            "role",
            "invalid_role",
            "Invite with a built-in role; give a custom role from the members list once the person has joined.",
        ));
    }
    actor.require_grantable(org_id, role.permissions().effective_in(true))?;
    let txn = db.begin_write().await?;
    let org = crate::orgs::find(&txn, org_id).await?;
    if let Some(existing) = users::find_by_email(&txn, &email).await? {
        let member = membership::Entity::find()
            .filter(membership::Column::OrgId.eq(org_id))
            .filter(membership::Column::UserId.eq(existing.id))
            .one(&txn)
            .await?;
        if member.is_some() {
            return Err(DomainError::field("email", "already_member", "This person is already a member."));
        }
    }
    invitation::Entity::update_many()
        .col_expr(invitation::Column::RevokedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(invitation::Column::OrgId.eq(org_id))
        .filter(invitation::Column::Email.eq(email.clone()))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let secret = random_token();
    let now = Utc::now();
    let row = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(org_id),
        email: Set(email.clone()),
        role: Set(role.as_str().to_owned()),
        token_hash: Set(hash_token(&secret)),
        invited_by: Set(Some(actor.user_id)),
        created_at: Set(now),
        expires_at: Set(now + LIFETIME),
        accepted_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let (subject, body) = templates::invitation(base_url, &org.name, &actor.email, role.as_str(), &secret);
    mail::enqueue(&txn, &email, &subject, body).await?;
    let view = InvitationView::from(row);
    let change = Change {
        org_id: Some(org_id),
        action: "invitation.create",
        target_type: "invitation",
        target_id: Some(view.id.to_string()),
        before: None,
        after: audit::snapshot(&view),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(view)
}

/// Lists an organization's invitations, newest first.
pub async fn list(
    db: &impl Db,
    actor: &Actor,
    org_id: Uuid,
    request: PageRequest,
) -> DomainResult<Page<InvitationView>> {
    actor.require(org_id, Permission::MembersManage)?;
    let select = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org_id))
        .order_by_desc(invitation::Column::CreatedAt);
    Ok(page::fetch(select, db, request).await?.map(InvitationView::from))
}

/// Revokes a pending invitation.
pub async fn revoke(db: &impl Db, actor: &Actor, org_id: Uuid, id: Uuid) -> DomainResult<InvitationView> {
    actor.require(org_id, Permission::MembersManage)?;
    let txn = db.begin_write().await?;
    let row = invitation::Entity::find_by_id(id)
        .filter(invitation::Column::OrgId.eq(org_id))
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("invitation"))?;
    let before = InvitationView::from(row.clone());
    if before.status != "pending" {
        return Err(DomainError::Conflict {
            code: "invitation_not_pending",
            message: format!("The invitation is already {}.", before.status),
        });
    }
    let now = Utc::now();
    let withdrawn = invitation::Entity::update_many()
        .col_expr(invitation::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if withdrawn.rows_affected == 0 {
        return Err(DomainError::Conflict {
            code: "invitation_not_pending",
            message: "The invitation was accepted or withdrawn meanwhile.".into(),
        });
    }
    let mut revoked = row;
    revoked.revoked_at = Some(now);
    let after = InvitationView::from(revoked);
    let change = Change {
        org_id: Some(org_id),
        action: "invitation.revoke",
        target_type: "invitation",
        target_id: Some(id.to_string()),
        before: audit::snapshot(&before),
        after: audit::snapshot(&after),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(after)
}

/// What the invitee sees before accepting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvitationPreview {
    pub org_name: String,
    pub email: String,
    pub role: Role,
    /// Whether an account with the address exists (then no password is asked for).
    pub account_exists: bool,
}

async fn find_usable(db: &impl Db, token: &str) -> DomainResult<(invitation::Model, organization::Model)> {
    let row = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(hash_token(token.trim())))
        .one(db)
        .await?
        .ok_or_else(|| link("link_invalid", "This invitation link is not valid."))?;
    match InvitationView::from(row.clone()).status.as_str() {
        "accepted" => return Err(link("link_used", "This invitation has already been accepted.")),
        "revoked" => return Err(link("link_invalid", "This invitation has been withdrawn.")),
        "expired" => return Err(link("link_expired", "This invitation has expired. Ask for a new one.")),
        _ => {}
    }
    let org = crate::orgs::find(db, row.org_id).await?;
    Ok((row, org))
}

fn link(code: &'static str, message: &str) -> DomainError {
    DomainError::LinkUnusable { code, message: message.to_owned() }
}

/// Shows an invitation by its link's token.
pub async fn preview(db: &impl Db, token: &str) -> DomainResult<InvitationPreview> {
    let (row, org) = find_usable(db, token).await?;
    let account_exists = users::find_by_email(db, &row.email).await?.is_some();
    Ok(InvitationPreview {
        org_name: org.name,
        email: row.email,
        role: Role::parse(&row.role).unwrap_or(Role::Consumer),
        account_exists,
    })
}

/// What a new invitee provides to create their account.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AcceptInvitation {
    /// The token from the invitation link.
    pub token: String,
    /// Needed when no account exists for the address.
    pub display_name: Option<String>,
    /// Needed when no account exists for the address; at least 12 characters.
    pub password: Option<String>,
}

/// Accepts an invitation: joins the organization with the invited role. When the
/// address has no account, one is created (active: the link proves the address). When it
/// has one, its owner must be signed in (`signed_in`) to accept, so that nobody who
/// merely knows or set an account's password can collect invitations sent to it.
/// Returns the user's e-mail.
pub async fn accept(
    db: &impl Db,
    input: AcceptInvitation,
    origin: &RequestOrigin,
    signed_in: Option<&Actor>,
) -> DomainResult<String> {
    let (row, _) = find_usable(db, &input.token).await?;
    let existing = users::find_by_email(db, &row.email).await?;
    if let Some(account) = &existing {
        match signed_in {
            Some(actor) if actor.user_id == account.id => {}
            Some(_) => {
                return Err(DomainError::AccountUnusable {
                    code: "wrong_account",
                    message: format!("This invitation is for {}; sign in with that account to accept it.", row.email),
                });
            }
            None => {
                return Err(DomainError::AccountUnusable {
                    code: "sign_in_required",
                    message: format!("An account with {} exists; sign in with it to accept the invitation.", row.email),
                });
            }
        }
    }
    let new_account = match &existing {
        Some(_) => None,
        None => {
            let name = validate::name("display_name", input.display_name.as_deref().unwrap_or_default());
            let password = input.password.clone().unwrap_or_default();
            let checked = passwords::validate("password", &password, &row.email);
            match (name, checked) {
                (Ok(name), Ok(())) => Some((name, passwords::hash(password).await?)),
                (name, checked) => return Err(validate::errors([name.err(), checked.err()])),
            }
        }
    };
    let txn = db.begin_write().await?;
    let now = Utc::now();
    let claimed = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, sea_orm::sea_query::Expr::value(now))
        .filter(invitation::Column::Id.eq(row.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(link("link_used", "This invitation has already been accepted."));
    }
    let user: user::Model = match (existing, new_account) {
        (Some(user), _) => user,
        (None, Some((name, hash))) => {
            users::insert(&txn, &row.email, &name, Some(hash), UserStatus::Active, false).await?
        }
        (None, None) => return Err(DomainError::Internal("invitation accept without account data".into())),
    };
    let role = Role::parse(&row.role).unwrap_or(Role::Consumer);
    members::insert(&txn, row.org_id, user.id, role).await?;
    let who = AuditActor { user_id: Some(user.id), label: user.email.clone(), origin: origin.clone() };
    let change = Change {
        org_id: Some(row.org_id),
        action: "invitation.accept",
        target_type: "invitation",
        target_id: Some(row.id.to_string()),
        before: None,
        after: Some(serde_json::json!({ "user_id": user.id, "role": role })),
    };
    audit::record(&txn, &who, change).await?;
    txn.commit().await?;
    Ok(user.email)
}
