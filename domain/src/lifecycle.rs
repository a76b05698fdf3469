//! The API lifecycle: states, the transition table (enforced here and nowhere else), and
//! the history of transitions with their reasons.
//!
//! ```text
//! CREATED ──► PUBLISHED ──► DEPRECATED ──► RETIRED
//!    │  ▲         ▲ │            ▲ │
//!    ▼  │         │ ▼            │ ▼
//! PROTOTYPED     BLOCKED ────────┘ (back to PUBLISHED or DEPRECATED)
//! ```
//!
//! What a gateway does with a deployed API follows the state: PUBLISHED and DEPRECATED are
//! routed (deprecated ones take no new subscriptions), BLOCKED answers 503 `api_blocked`,
//! CREATED and PROTOTYPED are not routed, RETIRED is undeployed everywhere and hidden.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::api_lifecycle_event as event;
use crate::{Db, DomainError, DomainResult};

/// An API's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiState {
    /// Being designed; not routed, not in the portal.
    Created,
    /// Shown in the portal as "coming"; not routed yet.
    Prototyped,
    /// Routed and subscribable.
    Published,
    /// Routed; takes no new subscriptions.
    Deprecated,
    /// Answered with 503 `api_blocked`.
    Blocked,
    /// Undeployed everywhere and hidden.
    Retired,
}

impl ApiState {
    /// Every state.
    pub const ALL: [ApiState; 6] = [
        ApiState::Created,
        ApiState::Prototyped,
        ApiState::Published,
        ApiState::Deprecated,
        ApiState::Blocked,
        ApiState::Retired,
    ];

    /// The stored / wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiState::Created => "created",
            ApiState::Prototyped => "prototyped",
            ApiState::Published => "published",
            ApiState::Deprecated => "deprecated",
            ApiState::Blocked => "blocked",
            ApiState::Retired => "retired",
        }
    }

    /// Parses the stored name (unknown values read as `created`, the safest state).
    pub fn parse(s: &str) -> ApiState {
        ApiState::ALL.into_iter().find(|state| state.as_str() == s).unwrap_or(ApiState::Created)
    }

    /// The states this one may move to.
    pub fn next(self) -> &'static [ApiState] {
        match self {
            ApiState::Created => &[ApiState::Published, ApiState::Prototyped],
            ApiState::Prototyped => &[ApiState::Published, ApiState::Created],
            ApiState::Published => &[ApiState::Deprecated, ApiState::Blocked],
            ApiState::Deprecated => &[ApiState::Retired, ApiState::Blocked],
            ApiState::Blocked => &[ApiState::Published, ApiState::Deprecated],
            ApiState::Retired => &[],
        }
    }

    /// How a gateway treats a deployed API in this state (`None`: not routed).
    pub fn at_gateway(self) -> Option<gateway::spec::ApiState> {
        match self {
            ApiState::Published => Some(gateway::spec::ApiState::Published),
            ApiState::Deprecated => Some(gateway::spec::ApiState::Deprecated),
            ApiState::Blocked => Some(gateway::spec::ApiState::Blocked),
            ApiState::Created | ApiState::Prototyped | ApiState::Retired => None,
        }
    }

    /// Whether new subscriptions are taken.
    pub fn subscribable(self) -> bool {
        self == ApiState::Published
    }

    /// Whether the portal lists it.
    pub fn in_portal(self) -> bool {
        matches!(self, ApiState::Published | ApiState::Prototyped | ApiState::Deprecated)
    }

    /// Checks that `self → to` is allowed.
    pub fn check(self, to: ApiState) -> DomainResult<()> {
        if self.next().contains(&to) {
            return Ok(());
        }
        let allowed: Vec<&str> = self.next().iter().map(|s| s.as_str()).collect();
        let allowed = if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") };
        Err(DomainError::Conflict {
            code: "invalid_transition",
            message: format!("An API in state {} cannot become {} (allowed: {allowed}).", self.as_str(), to.as_str()),
        })
    }
}

/// One transition in an API's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LifecycleEvent {
    /// Previous state (`None` for the creation).
    pub from: Option<ApiState>,
    /// New state.
    pub to: ApiState,
    /// Why.
    pub reason: String,
    /// Who.
    pub actor_user_id: Option<Uuid>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Records a transition (inside the caller's transaction).
pub(crate) async fn record(
    db: &impl Db,
    api: (Uuid, Uuid),
    from: Option<ApiState>,
    to: ApiState,
    reason: &str,
    actor: Option<Uuid>,
) -> DomainResult<()> {
    event::ActiveModel {
        id: Set(Uuid::now_v7()),
        api_id: Set(api.0),
        org_id: Set(api.1),
        from_state: Set(from.map(|s| s.as_str().to_owned())),
        to_state: Set(to.as_str().to_owned()),
        reason: Set(reason.to_owned()),
        actor_user_id: Set(actor),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The history of an API, oldest first (the caller has checked access).
pub(crate) async fn history(db: &impl Db, api_id: Uuid) -> DomainResult<Vec<LifecycleEvent>> {
    let rows = event::Entity::find()
        .filter(event::Column::ApiId.eq(api_id))
        .order_by_asc(event::Column::CreatedAt)
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| LifecycleEvent {
            from: r.from_state.as_deref().map(ApiState::parse),
            to: ApiState::parse(&r.to_state),
            reason: r.reason,
            actor_user_id: r.actor_user_id,
            at: r.created_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transition_table_is_enforced() {
        use ApiState::*;
        let allowed = [
            (Created, Published),
            (Created, Prototyped),
            (Prototyped, Published),
            (Published, Deprecated),
            (Published, Blocked),
            (Blocked, Published),
            (Blocked, Deprecated),
            (Deprecated, Blocked),
            (Deprecated, Retired),
        ];
        for from in ApiState::ALL {
            for to in ApiState::ALL {
                assert_eq!(
                    from.check(to).is_ok(),
                    allowed.contains(&(from, to)) || (from, to) == (Prototyped, Created)
                );
            }
        }
        assert!(Retired.next().is_empty());
        assert_eq!(Blocked.at_gateway(), Some(gateway::spec::ApiState::Blocked));
        assert_eq!(Prototyped.at_gateway(), None);
    }
}
