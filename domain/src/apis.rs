//! APIs as publishers manage them: create (by hand or from an imported OpenAPI document),
//! read, update (with `If-Match` versions), new versions, the default version, and
//! lifecycle transitions. Every query is scoped to the organizations where the caller is
//! at least a publisher; other tenants' APIs are *not found*.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionSession,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::AdminScope;
use crate::api_definition::ApiDefinition;
use crate::audit::{self, Change};
use crate::entities::{api, deployment};
use crate::lifecycle::{self, ApiState, LifecycleEvent};
use crate::openapi::ImportedSpec;
use crate::page::{Page, PageRequest};
use crate::{Actor, Db, DomainError, DomainResult, FieldError, Permission, Role, environments};

mod input;

pub use input::{ApiPatch, NewApi, Visibility};

/// An API as publishers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApiView {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    /// Context path, e.g. `/petstore`.
    pub context: String,
    /// Version segment, e.g. `v1`.
    pub version: String,
    pub description: String,
    pub tags: Vec<String>,
    pub visibility: Visibility,
    /// Roles that see the API when `visibility` is `roles`.
    pub visible_roles: Vec<Role>,
    pub state: ApiState,
    /// Requests without a version segment go to the default version.
    pub is_default_version: bool,
    /// Runtime definition (endpoints, auth, operations, …).
    #[schema(value_type = Object)]
    pub definition: ApiDefinition,
    /// Whether an OpenAPI document was imported.
    pub has_openapi: bool,
    /// Optimistic-concurrency version (`ETag` / `If-Match`).
    pub etag: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ApiView {
    pub(crate) fn from_row(m: api::Model) -> DomainResult<Self> {
        Ok(Self {
            id: m.id,
            org_id: m.org_id,
            name: m.name,
            context: m.context,
            version: m.api_version,
            description: m.description,
            tags: serde_json::from_value(m.tags).unwrap_or_default(),
            visibility: Visibility::parse(&m.visibility),
            visible_roles: serde_json::from_value(m.visible_roles).unwrap_or_default(),
            state: ApiState::parse(&m.state),
            is_default_version: m.is_default_version,
            definition: serde_json::from_value(m.definition)
                .map_err(|e| DomainError::Internal(format!("stored API definition: {e}")))?,
            has_openapi: m.openapi.is_some(),
            etag: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// Filters of the publisher's API list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiFilter {
    /// Only this organization's APIs.
    pub org_id: Option<Uuid>,
    /// Only APIs in this state.
    pub state: Option<ApiState>,
    /// Name or context contains this text.
    pub q: Option<String>,
}

/// The API row, if the caller holds `permission` in its organization; otherwise *not
/// found* (or *forbidden* when the caller sees the organization's APIs but may not do
/// this).
pub(crate) async fn find_for_publisher(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    permission: Permission,
) -> DomainResult<api::Model> {
    let row = api::Entity::find_by_id(id).one(db).await?.ok_or(DomainError::NotFound("api"))?;
    actor.require_or(row.org_id, permission, "api")?;
    Ok(row)
}

/// Checks that the caller may create APIs in `org` (`apis_write` there); else *not found*.
pub fn require_publisher(actor: &Actor, org: Uuid) -> DomainResult<()> {
    actor.require(org, Permission::ApisWrite)
}

/// Creates an API (state `created`).
pub async fn create(db: &impl Db, actor: &Actor, input: NewApi) -> DomainResult<ApiView> {
    require_publisher(actor, input.org_id)?;
    let valid = input.validate()?;
    crate::tiers::check_offered(db, &valid.definition.tiers).await?;
    let txn = db.begin_write().await?;
    let now = Utc::now();
    let row = api::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(input.org_id),
        name: Set(valid.name),
        context: Set(valid.context),
        api_version: Set(valid.version),
        description: Set(input.description.trim().to_owned()),
        tags: Set(serde_json::json!(valid.tags)),
        visibility: Set(input.visibility.as_str().to_owned()),
        visible_roles: Set(serde_json::json!(input.visible_roles)),
        state: Set(ApiState::Created.as_str().to_owned()),
        is_default_version: Set(false),
        definition: Set(serde_json::to_value(&valid.definition).map_err(|e| DomainError::Internal(e.to_string()))?),
        openapi: Set(input.openapi.as_ref().and_then(|spec| serde_json::to_value(spec).ok())),
        created_by: Set(Some(actor.user_id)),
        version: Set(1),
        cache_generation: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        DomainError::conflict_on_unique(e, "api_exists", "An API with this context and version exists already.")
    })?;
    lifecycle::record(&txn, (row.id, row.org_id), None, ApiState::Created, "created", Some(actor.user_id)).await?;
    let view = ApiView::from_row(row)?;
    audit_api(&txn, actor, "api.create", &view, None).await?;
    txn.commit().await?;
    Ok(view)
}

/// Creates an API from an imported OpenAPI document: its operations (auth required where
/// the document requires security) and description are taken from the document.
pub async fn create_from_spec(
    db: &impl Db,
    actor: &Actor,
    mut input: NewApi,
    spec: ImportedSpec,
) -> DomainResult<ApiView> {
    if input.definition.operations.is_empty() {
        input.definition.operations = input::operations_of(&spec);
    }
    if input.definition.scopes.is_empty() {
        input.definition.scopes = input::scopes_of(&spec, &input.definition.operations);
    }
    if input.description.trim().is_empty() {
        input.description = spec.description.clone().unwrap_or_default();
    }
    if input.name.trim().is_empty() {
        input.name = spec.title.clone();
    }
    input.openapi = Some(spec);
    create(db, actor, input).await
}

/// One API.
pub async fn get(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<ApiView> {
    ApiView::from_row(find_for_publisher(db, actor, id, Permission::ApisRead).await?)
}

/// The imported OpenAPI document of an API, if any.
pub async fn openapi(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<Option<ImportedSpec>> {
    let row = find_for_publisher(db, actor, id, Permission::ApisRead).await?;
    Ok(row.openapi.and_then(|doc| serde_json::from_value(doc).ok()))
}

/// The APIs the caller publishes, newest first.
pub async fn list(db: &impl Db, actor: &Actor, filter: ApiFilter, page: PageRequest) -> DomainResult<Page<ApiView>> {
    let mut query = api::Entity::find();
    match actor.orgs_with(Permission::ApisRead) {
        Some(AdminScope::All) => {}
        Some(AdminScope::Orgs(orgs)) => query = query.filter(api::Column::OrgId.is_in(orgs)),
        None => query = query.filter(api::Column::OrgId.is_in(Vec::<Uuid>::new())),
    }
    if let Some(org) = filter.org_id {
        query = query.filter(api::Column::OrgId.eq(org));
    }
    if let Some(state) = filter.state {
        query = query.filter(api::Column::State.eq(state.as_str()));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(Condition::any().add(api::Column::Name.contains(q)).add(api::Column::Context.contains(q)));
    }
    let paginator = query.order_by_desc(api::Column::CreatedAt).paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.index()).await?;
    let items = rows.into_iter().map(ApiView::from_row).collect::<DomainResult<_>>()?;
    Ok(Page { items, total, page: page.page, per_page: page.per_page })
}

/// Updates an API; `expected` is the `If-Match` version, if the caller sent one.
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    patch: ApiPatch,
) -> DomainResult<ApiView> {
    let txn = db.begin_write().await?;
    let row = find_for_publisher(&txn, actor, id, Permission::ApisWrite).await?;
    if let Some(expected) = expected.filter(|&e| e != row.version) {
        return Err(DomainError::VersionMismatch { expected, current: row.version });
    }
    let before = ApiView::from_row(row.clone())?;
    let mut active: api::ActiveModel = row.clone().into();
    if let Some(definition) = &patch.definition {
        crate::tiers::check_offered(&txn, &definition.tiers).await?;
    }
    patch.apply(&before, &mut active)?;
    active.version = Set(row.version + 1);
    active.updated_at = Set(Utc::now());
    let after = ApiView::from_row(active.update(&txn).await?)?;
    environments::bump(&txn, deployed_environments(&txn, &[id]).await?).await?;
    audit_api(&txn, actor, "api.update", &after, Some(&before)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Creates a new version of an API as a copy (state `created`, not the default).
pub async fn new_version(db: &impl Db, actor: &Actor, id: Uuid, version: &str) -> DomainResult<ApiView> {
    let row = find_for_publisher(db, actor, id, Permission::ApisWrite).await?;
    let openapi = row.openapi.clone().and_then(|doc| serde_json::from_value(doc).ok());
    let source = ApiView::from_row(row)?;
    let input = NewApi {
        org_id: source.org_id,
        name: source.name.clone(),
        context: source.context.clone(),
        version: version.to_owned(),
        description: source.description.clone(),
        tags: source.tags.clone(),
        visibility: source.visibility,
        visible_roles: source.visible_roles.clone(),
        definition: source.definition.clone(),
        openapi,
    };
    create(db, actor, input).await
}

/// Makes this API the default version of its context (the others of the context stop
/// being the default).
pub async fn set_default_version(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<ApiView> {
    let txn = db.begin_write().await?;
    let row = find_for_publisher(&txn, actor, id, Permission::ApisPublish).await?;
    let siblings = api::Entity::find()
        .filter(api::Column::Context.eq(row.context.clone()))
        .filter(api::Column::OrgId.eq(row.org_id))
        .all(&txn)
        .await?;
    let ids: Vec<Uuid> = siblings.iter().map(|s| s.id).collect();
    api::Entity::update_many()
        .col_expr(api::Column::IsDefaultVersion, sea_orm::sea_query::Expr::value(false))
        .filter(api::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    let mut active: api::ActiveModel = row.clone().into();
    active.is_default_version = Set(true);
    active.version = Set(row.version + 1);
    active.updated_at = Set(Utc::now());
    let after = ApiView::from_row(active.update(&txn).await?)?;
    environments::bump(&txn, deployed_environments(&txn, &ids).await?).await?;
    audit_api(&txn, actor, "api.set_default_version", &after, None).await?;
    txn.commit().await?;
    Ok(after)
}

/// Moves an API to another lifecycle state with a reason. Retiring undeploys it
/// everywhere; any change is pushed to the environments where it runs.
pub async fn transition(db: &impl Db, actor: &Actor, id: Uuid, to: ApiState, reason: &str) -> DomainResult<ApiView> {
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        return Err(DomainError::Invalid(vec![FieldError::new("reason", "too_long", "Use at most 500 characters.")]));
    }
    let txn = db.begin_write().await?;
    let row = find_for_publisher(&txn, actor, id, Permission::ApisPublish).await?;
    let from = ApiState::parse(&row.state);
    from.check(to)?;
    let before = ApiView::from_row(row.clone())?;
    let mut active: api::ActiveModel = row.clone().into();
    active.state = Set(to.as_str().to_owned());
    active.version = Set(row.version + 1);
    active.updated_at = Set(Utc::now());
    let after = ApiView::from_row(active.update(&txn).await?)?;
    let envs = deployed_environments(&txn, &[id]).await?;
    if to.at_gateway().is_some() {
        for env in crate::entities::environment::Entity::find()
            .filter(crate::entities::environment::Column::Id.is_in(envs.clone()))
            .all(&txn)
            .await?
        {
            crate::snapshots::check_with(&txn, &env, None).await?;
        }
    }
    environments::bump(&txn, envs).await?;
    if to == ApiState::Retired {
        deployment::Entity::delete_many().filter(deployment::Column::ApiId.eq(id)).exec(&txn).await?;
    }
    lifecycle::record(&txn, (id, row.org_id), Some(from), to, reason, Some(actor.user_id)).await?;
    audit_api(&txn, actor, "api.transition", &after, Some(&before)).await?;
    txn.commit().await?;
    Ok(after)
}

/// The lifecycle history of an API.
pub async fn history(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<Vec<LifecycleEvent>> {
    find_for_publisher(db, actor, id, Permission::ApisRead).await?;
    lifecycle::history(db, id).await
}

/// Environments where any of these APIs is deployed.
pub(crate) async fn deployed_environments(db: &impl Db, api_ids: &[Uuid]) -> DomainResult<Vec<Uuid>> {
    let rows = deployment::Entity::find().filter(deployment::Column::ApiId.is_in(api_ids.to_vec())).all(db).await?;
    let mut ids: Vec<Uuid> = rows.into_iter().map(|d| d.environment_id).collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

async fn audit_api(
    db: &impl Db,
    actor: &Actor,
    action: &str,
    after: &ApiView,
    before: Option<&ApiView>,
) -> DomainResult<()> {
    let change = Change {
        org_id: Some(after.org_id),
        action,
        target_type: "api",
        target_id: Some(after.id.to_string()),
        before: before.and_then(audit::snapshot),
        after: audit::snapshot(after),
    };
    audit::record(db, &actor.into(), change).await
}

/// Creates an API from an OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML). An
/// invalid document saves nothing; every problem is a field error named
/// `spec/<JSON pointer>` whose message starts with its line and column.
pub async fn import(db: &impl Db, actor: &Actor, input: NewApi, document: Vec<u8>) -> DomainResult<ApiView> {
    let parsed = tokio::task::spawn_blocking(move || crate::openapi::import(&document))
        .await
        .map_err(|e| DomainError::Internal(format!("import task: {e}")))?;
    let spec = parsed.map_err(|refused| {
        DomainError::Invalid(
            refused
                .errors
                .into_iter()
                .map(|e| {
                    let at = match (e.line, e.column) {
                        (Some(line), Some(column)) => format!("line {line}, column {column}: "),
                        (Some(line), None) => format!("line {line}: "),
                        _ => String::new(),
                    };
                    FieldError::new(&format!("spec{}", e.pointer), "invalid_spec", format!("{at}{}", e.message))
                })
                .collect(),
        )
    })?;
    create_from_spec(db, actor, input, spec).await
}
