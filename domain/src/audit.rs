//! The audit log: every mutating action records who, what, when and the record before
//! and after, in the same transaction as the change. Reading it is scoped like every
//! other admin query: platform admins see everything, org admins their orgs' entries.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::{AdminScope, RequestOrigin};
use crate::entities::audit_entry;
use crate::page::{self, Page, PageRequest};
use crate::{Actor, Db, DomainResult};

/// Who performed an audited action.
#[derive(Debug, Clone, Default)]
pub struct AuditActor {
    /// The user, when a user acted.
    pub user_id: Option<Uuid>,
    /// The user's e-mail, or a label such as `system` or `cli`.
    pub label: String,
    /// Where the request came from.
    pub origin: RequestOrigin,
}

impl AuditActor {
    /// Portico itself (start-up, command line), not a user.
    pub fn system(label: &str) -> Self {
        Self { user_id: None, label: label.to_owned(), origin: RequestOrigin::default() }
    }
}

impl From<&Actor> for AuditActor {
    fn from(actor: &Actor) -> Self {
        Self { user_id: Some(actor.user_id), label: actor.email.clone(), origin: actor.origin.clone() }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// The organization the change belongs to (`None`: platform level).
    pub org_id: Option<Uuid>,
    /// Dotted action name, `<resource>.<verb>`.
    pub action: &'a str,
    /// Kind of the changed resource (`organization`, `user`, ...).
    pub target_type: &'a str,
    /// Id of the changed resource.
    pub target_id: Option<String>,
    /// The resource before the change (`None` when created).
    pub before: Option<serde_json::Value>,
    /// The resource after the change (`None` when deleted).
    pub after: Option<serde_json::Value>,
}

/// Writes one audit record.
pub async fn record(db: &impl Db, who: &AuditActor, change: Change<'_>) -> DomainResult<()> {
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(change.org_id),
        actor_user_id: Set(who.user_id),
        actor_email: Set(Some(who.label.clone())),
        action: Set(change.action.to_owned()),
        target_type: Set(change.target_type.to_owned()),
        target_id: Set(change.target_id),
        before: Set(change.before),
        after: Set(change.after),
        ip: Set(who.origin.ip.clone()),
        request_id: Set(who.origin.request_id.clone()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Serializes a view for the `before`/`after` columns.
pub fn snapshot<T: Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// An audit record as the API and UI show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    pub id: Uuid,
    pub org_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    /// E-mail of the acting user, or `system` / `cli`.
    pub actor: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<audit_entry::Model> for AuditEntryView {
    fn from(m: audit_entry::Model) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            actor_user_id: m.actor_user_id,
            actor: m.actor_email,
            action: m.action,
            target_type: m.target_type,
            target_id: m.target_id,
            before: m.before,
            after: m.after,
            ip: m.ip,
            request_id: m.request_id,
            created_at: m.created_at,
        }
    }
}

/// Filters for browsing the audit log; all optional and combined with AND.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Actor e-mail (substring, case-insensitive) or exact user id.
    pub actor: Option<String>,
    /// Action name or prefix (`org.` matches every org action).
    pub action: Option<String>,
    /// Only this organization's entries.
    pub org_id: Option<Uuid>,
    /// Entries at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time.
    pub to: Option<DateTime<Utc>>,
    /// `created_at` (oldest first) or `-created_at` (newest first, the default).
    pub sort: Option<String>,
}

/// Lists audit records the actor may see, newest first.
pub async fn list(
    db: &impl Db,
    actor: &Actor,
    filter: &AuditFilter,
    request: PageRequest,
) -> DomainResult<Page<AuditEntryView>> {
    let mut condition = Condition::all();
    let scope = actor.require_somewhere(crate::Permission::AuditRead)?;
    if let AdminScope::Orgs(orgs) = scope {
        condition = condition.add(audit_entry::Column::OrgId.is_in(orgs));
    }
    if let Some(org) = filter.org_id {
        condition = condition.add(audit_entry::Column::OrgId.eq(org));
    }
    if let Some(who) = filter.actor.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        condition = match Uuid::parse_str(who) {
            Ok(id) => condition.add(audit_entry::Column::ActorUserId.eq(id)),
            Err(_) => condition.add(audit_entry::Column::ActorEmail.contains(who.to_lowercase())),
        };
    }
    if let Some(action) = filter.action.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        condition = condition.add(audit_entry::Column::Action.starts_with(action));
    }
    if let Some(from) = filter.from {
        condition = condition.add(audit_entry::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(audit_entry::Column::CreatedAt.lt(to));
    }
    let sorts = [("created_at", audit_entry::Column::CreatedAt)];
    let (column, descending) =
        page::parse_sort(filter.sort.as_deref(), &sorts, (audit_entry::Column::CreatedAt, true))?;
    let select = audit_entry::Entity::find()
        .filter(condition)
        .order_by(column, page::order(descending))
        .order_by(audit_entry::Column::Id, page::order(descending));
    Ok(page::fetch(select, db, request).await?.map(AuditEntryView::from))
}
