//! Platform-wide switches that administrators turn at run time (not start-up settings):
//! stored as key → JSON value, read by the services that obey them, changed only by
//! platform administrators, and audited.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionSession};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Change};
use crate::entities::platform_setting;
use crate::{Actor, Db, DomainResult};

/// The OAuth2 resource-owner password grant (RFC 6749 §4.3): off unless turned on.
pub const PASSWORD_GRANT: &str = "oauth.password_grant";

/// The switches, as the admin UI shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Switches {
    /// Whether clients allowed to may use the password grant.
    pub password_grant: bool,
}

/// A boolean switch (`false` when never set).
pub async fn enabled(db: &impl Db, key: &str) -> DomainResult<bool> {
    let row = platform_setting::Entity::find_by_id(key.to_owned()).one(db).await?;
    Ok(row.is_some_and(|r| r.value == serde_json::Value::Bool(true)))
}

/// Every switch.
pub async fn get(db: &impl Db, actor: &Actor) -> DomainResult<Switches> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    Ok(Switches { password_grant: enabled(db, PASSWORD_GRANT).await? })
}

/// Sets every switch.
pub async fn set(db: &impl Db, actor: &Actor, switches: Switches) -> DomainResult<Switches> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let txn = db.begin_write().await?;
    let before = Switches { password_grant: enabled(&txn, PASSWORD_GRANT).await? };
    write(&txn, actor, PASSWORD_GRANT, switches.password_grant).await?;
    let change = Change {
        org_id: None,
        action: "platform_settings.update",
        target_type: "platform_settings",
        target_id: None,
        before: audit::snapshot(&before),
        after: audit::snapshot(&switches),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(switches)
}

async fn write(db: &impl Db, actor: &Actor, key: &str, value: bool) -> DomainResult<()> {
    let row = platform_setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(serde_json::Value::Bool(value)),
        updated_by: Set(Some(actor.user_id)),
        updated_at: Set(Utc::now()),
    };
    if platform_setting::Entity::find_by_id(key.to_owned()).one(db).await?.is_some() {
        row.update(db).await?;
    } else {
        row.insert(db).await?;
    }
    Ok(())
}
