//! `alert_rules`: conditions on an organization's API traffic, evaluated every minute.

use sea_orm::entity::prelude::*;

/// One row of `alert_rules`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization whose APIs it watches.
    pub org_id: Uuid,
    /// One API, or every API of the organization.
    pub api_id: Option<Uuid>,
    pub name: String,
    /// `error_rate`, `latency_p95`, `latency_p99`, `traffic_drop`, `traffic_spike` or `quota`.
    pub metric: String,
    pub threshold: f64,
    pub window_minutes: i32,
    pub webhook_url: Option<String>,
    pub enabled: bool,
    pub firing: bool,
    pub last_value: Option<f64>,
    pub last_evaluated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
