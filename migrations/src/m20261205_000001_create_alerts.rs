//! Alerting: `alert_rules` (a condition on an organization's API traffic — error rate,
//! latency percentile, traffic drop or spike against a baseline, quota use — with an
//! optional webhook) and `alert_events` (each time a rule fired or resolved: the alert
//! history, with the state of its webhook delivery).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_organizations_and_users::Organizations;
use crate::m20261128_000001_create_apis::cascade;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AlertRules {
    Table,
    Id,
    OrgId,
    ApiId,
    Name,
    Metric,
    Threshold,
    WindowMinutes,
    WebhookUrl,
    Enabled,
    Firing,
    LastValue,
    LastEvaluatedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AlertEvents {
    Table,
    Id,
    RuleId,
    OrgId,
    Kind,
    Value,
    Threshold,
    Message,
    At,
    Delivery,
    Attempts,
    NextAttemptAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AlertRules as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .if_not_exists()
                    .col(pk_uuid(R::Id))
                    .col(uuid(R::OrgId))
                    .col(uuid_null(R::ApiId))
                    .col(string(R::Name))
                    .col(string(R::Metric))
                    .col(double(R::Threshold))
                    .col(integer(R::WindowMinutes))
                    .col(string_null(R::WebhookUrl))
                    .col(boolean(R::Enabled))
                    .col(boolean(R::Firing).default(false))
                    .col(double_null(R::LastValue))
                    .col(timestamp_with_time_zone_null(R::LastEvaluatedAt))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .foreign_key(&mut cascade((R::Table, R::OrgId), (Organizations::Table, Organizations::Id)))
                    .to_owned(),
            )
            .await?;
        use AlertEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .if_not_exists()
                    .col(pk_uuid(E::Id))
                    .col(uuid(E::RuleId))
                    .col(uuid(E::OrgId))
                    .col(string(E::Kind))
                    .col(double(E::Value))
                    .col(double(E::Threshold))
                    .col(text(E::Message))
                    .col(timestamp_with_time_zone(E::At))
                    .col(string(E::Delivery))
                    .col(integer(E::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(E::NextAttemptAt))
                    .col(text_null(E::LastError))
                    .foreign_key(&mut cascade((E::Table, E::RuleId), (R::Table, R::Id)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_alert_events_org_at").table(E::Table).col(E::OrgId).col(E::At).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_events_delivery")
                    .table(E::Table)
                    .col(E::Delivery)
                    .col(E::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AlertEvents::Table).if_exists().to_owned()).await?;
        manager.drop_table(Table::drop().table(AlertRules::Table).if_exists().to_owned()).await
    }
}
