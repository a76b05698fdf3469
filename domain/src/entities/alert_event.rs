//! `alert_events`: the alert history — each time a rule fired or resolved — with the
//! state of its webhook delivery.

use sea_orm::entity::prelude::*;

/// One row of `alert_events`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub rule_id: Uuid,
    pub org_id: Uuid,
    /// `fired` or `resolved`.
    pub kind: String,
    pub value: f64,
    pub threshold: f64,
    pub message: String,
    pub at: DateTimeUtc,
    /// `none` (no webhook), `pending`, `delivered` or `failed`.
    pub delivery: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
