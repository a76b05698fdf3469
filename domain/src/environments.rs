//! Gateway environments (`production` and `sandbox` exist from the start; platform
//! administrators add more) and their config versions: every change that affects what an
//! environment's gateways serve bumps its `config_version` in the same transaction, which
//! is what config distribution watches (DESIGN.md §4).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::entities::environment;
use crate::{Actor, Db, DomainError, DomainResult, validate};

/// An environment as the UI and API show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnvironmentView {
    pub id: Uuid,
    /// Short name used in URLs, keys and `portico export --environment`.
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// Version of the configuration its gateways should run.
    pub config_version: i64,
    pub created_at: DateTime<Utc>,
}

impl From<environment::Model> for EnvironmentView {
    fn from(m: environment::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            display_name: m.display_name,
            description: m.description,
            config_version: m.config_version,
            created_at: m.created_at,
        }
    }
}

/// Input to add an environment.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewEnvironment {
    /// 2–40 lower-case letters, digits and dashes.
    pub name: String,
    pub display_name: String,
    #[serde(default)]
    pub description: String,
}

/// Every environment, by name (any signed-in user may see them: publishers deploy to them).
pub async fn list(db: &impl Db) -> DomainResult<Vec<EnvironmentView>> {
    let rows = environment::Entity::find().order_by_asc(environment::Column::Name).all(db).await?;
    Ok(rows.into_iter().map(EnvironmentView::from).collect())
}

/// The environment called `name`.
pub async fn by_name(db: &impl Db, name: &str) -> DomainResult<environment::Model> {
    environment::Entity::find()
        .filter(environment::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("environment"))
}

/// Adds an environment (platform administrators).
pub async fn create(db: &impl Db, actor: &Actor, input: NewEnvironment) -> DomainResult<EnvironmentView> {
    actor.require_platform(crate::Permission::EnvironmentsManage)?;
    let name = validate::slug("name", &input.name);
    let display_name = validate::name("display_name", &input.display_name);
    let (name, display_name) = match (name, display_name) {
        (Ok(n), Ok(d)) => (n, d),
        (n, d) => return Err(validate::errors([n.err(), d.err()])),
    };
    let txn = db.begin_write().await?;
    let row = environment::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        display_name: Set(display_name),
        description: Set(input.description.trim().to_owned()),
        config_version: Set(1),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| DomainError::conflict_on_unique(e, "environment_exists", "An environment with this name exists."))?;
    let view = EnvironmentView::from(row);
    let change = Change {
        org_id: None,
        action: "environment.create",
        target_type: "environment",
        target_id: Some(view.id.to_string()),
        before: None,
        after: audit::snapshot(&view),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(view)
}

/// Bumps the config version of these environments (call inside the change's transaction).
pub(crate) async fn bump(db: &impl Db, ids: impl IntoIterator<Item = Uuid>) -> DomainResult<()> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(());
    }
    environment::Entity::update_many()
        .col_expr(environment::Column::ConfigVersion, Expr::col(environment::Column::ConfigVersion).add(1))
        .filter(environment::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(())
}
