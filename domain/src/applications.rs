//! Consumer applications and their subscriptions. An application belongs to a consumer's
//! organization; its owner uses it, and so does every member when it is shared with the
//! organization (org admins always can). A subscription links an application to an API
//! version of another tenant with a tier: consumers see their own through their
//! applications; publishers see the subscriptions to their APIs and may block them.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::apis::{ApiView, find_for_publisher};
use crate::audit::{self, Change};
use crate::entities::{api, application, subscription};
use crate::{Actor, Db, DomainError, DomainResult, Permission, apis, catalog, environments, validate};

/// An application as its users see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub id: Uuid,
    pub org_id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    pub description: String,
    /// Usable by every member of the organization, not only the owner.
    pub shared: bool,
    /// Application tier: one limit across all its APIs (`None`: no such limit).
    pub tier: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<application::Model> for ApplicationView {
    fn from(m: application::Model) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            owner_id: m.owner_id,
            name: m.name,
            description: m.description,
            shared: m.shared,
            tier: m.tier,
            created_at: m.created_at,
        }
    }
}

/// Input to create an application.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewApplication {
    /// The organization it belongs to (one the caller is a member of).
    pub org_id: Uuid,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub shared: bool,
    /// Application tier (one limit across all its APIs); none by default.
    #[serde(default)]
    pub tier: Option<String>,
}

/// A subscription, with the names both sides want to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub application_id: Uuid,
    pub application_name: String,
    pub api_id: Uuid,
    pub api_name: String,
    pub api_context: String,
    pub api_version: String,
    pub tier: String,
    /// `active` or `blocked`.
    pub state: String,
    pub created_at: DateTime<Utc>,
}

/// The application, if the caller may use it; otherwise *not found*.
pub(crate) async fn find_usable(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<application::Model> {
    let app = application::Entity::find_by_id(id).one(db).await?.ok_or(DomainError::NotFound("application"))?;
    if usable(actor, &app) { Ok(app) } else { Err(DomainError::NotFound("application")) }
}

/// The application, if the caller may use it and manage its credentials (`keys_manage`:
/// API keys, OAuth2 clients, basic credentials, test tokens); otherwise *not found*.
pub(crate) async fn find_with_keys(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<application::Model> {
    let app = find_usable(db, actor, id).await?;
    actor.require_or(app.org_id, crate::Permission::KeysManage, "application")?;
    Ok(app)
}

/// Holders of `applications_admin` (platform admins, the org's admins) use every
/// application of the org; holders of `applications_manage` use their own and those
/// shared with the org.
fn usable(actor: &Actor, app: &application::Model) -> bool {
    actor.can(app.org_id, Permission::ApplicationsAdmin)
        || (actor.can(app.org_id, Permission::ApplicationsManage) && (app.owner_id == actor.user_id || app.shared))
}

/// Creates an application owned by the caller.
pub async fn create(db: &impl Db, actor: &Actor, input: NewApplication) -> DomainResult<ApplicationView> {
    actor.require(input.org_id, Permission::ApplicationsManage)?;
    let name = validate::name("name", &input.name).map_err(|e| DomainError::Invalid(vec![e]))?;
    let tier = checked_tier(db, input.tier).await?;
    let txn = db.begin_write().await?;
    let now = Utc::now();
    let row = application::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(input.org_id),
        owner_id: Set(actor.user_id),
        name: Set(name),
        description: Set(input.description.trim().chars().take(1000).collect()),
        shared: Set(input.shared),
        tier: Set(tier),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| DomainError::conflict_on_unique(e, "application_exists", "An application with this name exists."))?;
    let view = ApplicationView::from(row);
    record(&txn, actor, view.org_id, "application.create", view.id, None, audit::snapshot(&view)).await?;
    txn.commit().await?;
    Ok(view)
}

/// An application tier chosen by a consumer: an existing tier's name, or none.
async fn checked_tier(db: &impl Db, tier: Option<String>) -> DomainResult<Option<String>> {
    match tier.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        Some(name) if !crate::tiers::exists(db, &name).await? => {
            Err(DomainError::field("tier", "unknown_tier", "Choose one of the tiers."))
        }
        chosen => Ok(chosen),
    }
}

/// Sets the application tier (one limit across all the application's APIs), or removes
/// it; the gateways of every environment it is subscribed in get the change.
pub async fn set_tier(
    db: &impl Db,
    actor: &Actor,
    app_id: Uuid,
    tier: Option<String>,
) -> DomainResult<ApplicationView> {
    let txn = db.begin_write().await?;
    let app = find_usable(&txn, actor, app_id).await?;
    actor.require(app.org_id, Permission::ApplicationsManage)?;
    let tier = checked_tier(&txn, tier).await?;
    let before = ApplicationView::from(app.clone());
    let mut active: application::ActiveModel = app.clone().into();
    active.tier = Set(tier);
    active.version = Set(app.version + 1);
    active.updated_at = Set(Utc::now());
    let view = ApplicationView::from(active.update(&txn).await?);
    let apis: Vec<Uuid> = subscription::Entity::find()
        .filter(subscription::Column::ApplicationId.eq(app.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.api_id)
        .collect();
    environments::bump(&txn, apis::deployed_environments(&txn, &apis).await?).await?;
    let (before, after) = (audit::snapshot(&before), audit::snapshot(&view));
    record(&txn, actor, app.org_id, "application.set_tier", app.id, before, after).await?;
    txn.commit().await?;
    Ok(view)
}

/// The applications the caller may use: in the organizations they belong to, or only in
/// `org` (which lets platform administrators list any organization's).
pub async fn list(db: &impl Db, actor: &Actor, org: Option<Uuid>) -> DomainResult<Vec<ApplicationView>> {
    let orgs: Vec<Uuid> = match org {
        Some(org) => vec![org],
        None => actor.memberships.iter().map(|m| m.org_id).collect(),
    };
    let rows = application::Entity::find()
        .filter(application::Column::OrgId.is_in(orgs))
        .order_by_asc(application::Column::Name)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter(|app| usable(actor, app)).map(ApplicationView::from).collect())
}

/// One application.
pub async fn get(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<ApplicationView> {
    Ok(find_usable(db, actor, id).await?.into())
}

/// Subscribes an application to an API the caller can see in the portal.
pub async fn subscribe(
    db: &impl Db,
    actor: &Actor,
    app_id: Uuid,
    api_id: Uuid,
    tier_name: &str,
) -> DomainResult<SubscriptionView> {
    let txn = db.begin_write().await?;
    let app = find_usable(&txn, actor, app_id).await?;
    let api = catalog::find_visible(&txn, Some(actor), api_id).await?;
    if !api.state.subscribable() {
        return Err(DomainError::Conflict {
            code: "not_subscribable",
            message: format!("{} {} takes no new subscriptions ({}).", api.name, api.version, api.state.as_str()),
        });
    }
    let offered = crate::tiers::offered(&txn, &api.definition.tiers).await?;
    if !offered.iter().any(|t| t.name == tier_name) {
        return Err(DomainError::field("tier", "unknown_tier", "Choose one of the tiers this API offers."));
    }
    let now = Utc::now();
    let row = subscription::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(app.id),
        api_id: Set(api.id),
        app_org_id: Set(app.org_id),
        api_org_id: Set(api.org_id),
        tier: Set(tier_name.to_owned()),
        state: Set("active".into()),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| DomainError::conflict_on_unique(e, "already_subscribed", "This application is subscribed already."))?;
    environments::bump(&txn, apis::deployed_environments(&txn, &[api.id]).await?).await?;
    let view = view(&app, &api, row);
    record(&txn, actor, app.org_id, "subscription.create", view.id, None, audit::snapshot(&view)).await?;
    txn.commit().await?;
    Ok(view)
}

/// An application's subscriptions.
pub async fn subscriptions(db: &impl Db, actor: &Actor, app_id: Uuid) -> DomainResult<Vec<SubscriptionView>> {
    let app = find_usable(db, actor, app_id).await?;
    let rows = subscription::Entity::find().filter(subscription::Column::ApplicationId.eq(app.id)).all(db).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.api_id).collect();
    let mut apis = std::collections::HashMap::new();
    for row in api::Entity::find().filter(api::Column::Id.is_in(ids)).all(db).await? {
        apis.insert(row.id, ApiView::from_row(row)?);
    }
    Ok(rows.into_iter().filter_map(|row| Some(view(&app, apis.get(&row.api_id)?, row))).collect())
}

/// Removes a subscription of one of the caller's applications.
pub async fn unsubscribe(db: &impl Db, actor: &Actor, subscription_id: Uuid) -> DomainResult<()> {
    let txn = db.begin_write().await?;
    let row = subscription::Entity::find_by_id(subscription_id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("subscription"))?;
    let app = find_usable(&txn, actor, row.application_id).await.map_err(|_| DomainError::NotFound("subscription"))?;
    subscription::Entity::delete_by_id(row.id).exec(&txn).await?;
    environments::bump(&txn, apis::deployed_environments(&txn, &[row.api_id]).await?).await?;
    record(
        &txn,
        actor,
        app.org_id,
        "subscription.delete",
        row.id,
        Some(serde_json::json!({"api_id": row.api_id})),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The subscriptions to an API, for its publisher.
pub async fn subscribers(db: &impl Db, actor: &Actor, api_id: Uuid) -> DomainResult<Vec<SubscriptionView>> {
    let api = ApiView::from_row(find_for_publisher(db, actor, api_id, Permission::SubscriptionsManage).await?)?;
    let rows = subscription::Entity::find().filter(subscription::Column::ApiId.eq(api_id)).all(db).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.application_id).collect();
    let apps: std::collections::HashMap<Uuid, application::Model> = application::Entity::find()
        .filter(application::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(rows.into_iter().filter_map(|row| Some(view(apps.get(&row.application_id)?, &api, row))).collect())
}

/// Blocks or unblocks a subscription to one of the caller's APIs.
pub async fn set_blocked(
    db: &impl Db,
    actor: &Actor,
    subscription_id: Uuid,
    blocked: bool,
) -> DomainResult<SubscriptionView> {
    let txn = db.begin_write().await?;
    let row = subscription::Entity::find_by_id(subscription_id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("subscription"))?;
    let api = ApiView::from_row(
        find_for_publisher(&txn, actor, row.api_id, Permission::SubscriptionsManage).await.map_err(|e| match e {
            DomainError::NotFound(_) => DomainError::NotFound("subscription"),
            other => other,
        })?,
    )?;
    let app = application::Entity::find_by_id(row.application_id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("subscription"))?;
    let before = view(&app, &api, row.clone());
    let mut active: subscription::ActiveModel = row.into();
    active.state = Set(if blocked { "blocked" } else { "active" }.to_owned());
    active.updated_at = Set(Utc::now());
    let after = view(&app, &api, active.update(&txn).await?);
    environments::bump(&txn, apis::deployed_environments(&txn, &[api.id]).await?).await?;
    let action = if blocked { "subscription.block" } else { "subscription.unblock" };
    record(&txn, actor, api.org_id, action, after.id, audit::snapshot(&before), audit::snapshot(&after)).await?;
    txn.commit().await?;
    Ok(after)
}

fn view(app: &application::Model, api: &ApiView, row: subscription::Model) -> SubscriptionView {
    SubscriptionView {
        id: row.id,
        application_id: app.id,
        application_name: app.name.clone(),
        api_id: api.id,
        api_name: api.name.clone(),
        api_context: api.context.clone(),
        api_version: api.version.clone(),
        tier: row.tier,
        state: row.state,
        created_at: row.created_at,
    }
}

async fn record(
    db: &impl Db,
    actor: &Actor,
    org: Uuid,
    action: &str,
    target: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> DomainResult<()> {
    let target_type = if action.starts_with("subscription") { "subscription" } else { "application" };
    let change = Change { org_id: Some(org), action, target_type, target_id: Some(target.to_string()), before, after };
    audit::record(db, &actor.into(), change).await
}
