//! Analytics storage: `analytics_events` (one row per gateway request, kept for the
//! configured retention), `analytics_minutes` (per-minute rollups by API, operation,
//! application, environment, status and latency bucket, kept much longer: dashboards over
//! long ranges read these, never the raw rows) and `analytics_batches` (the batches
//! already stored, by node and number, so a batch a gateway sends twice counts once).
//!
//! Rollup key columns are never NULL (`''` stands for "none"): a unique key over NULLs
//! would not collide, and rollups are upserted by that key.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnalyticsEvents {
    Table,
    Id,
    AtMs,
    RequestId,
    Node,
    Environment,
    Method,
    ApiId,
    ApiOrgId,
    ApiVersion,
    Operation,
    ApplicationId,
    ApplicationOrgId,
    Status,
    LatencyUs,
    UpstreamUs,
    GatewayUs,
    BytesIn,
    BytesOut,
    ErrorSource,
    ErrorCode,
    Throttled,
    Cache,
    Auth,
}

#[derive(DeriveIden)]
enum AnalyticsMinutes {
    Table,
    Minute,
    ApiId,
    Operation,
    ApplicationId,
    Environment,
    Status,
    LatencyBucket,
    ApiOrgId,
    ApplicationOrgId,
    Requests,
    Throttled,
    CacheHits,
    LatencySumUs,
    UpstreamSumUs,
    GatewaySumUs,
    BytesIn,
    BytesOut,
}

#[derive(DeriveIden)]
enum AnalyticsBatches {
    Table,
    Node,
    Seq,
    Events,
    Dropped,
    ReceivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AnalyticsEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .if_not_exists()
                    .col(big_integer(E::Id).auto_increment().primary_key())
                    .col(big_integer(E::AtMs))
                    .col(string(E::RequestId))
                    .col(string(E::Node))
                    .col(string(E::Environment))
                    .col(string(E::Method))
                    .col(uuid_null(E::ApiId))
                    .col(uuid_null(E::ApiOrgId))
                    .col(string_null(E::ApiVersion))
                    .col(string_null(E::Operation))
                    .col(uuid_null(E::ApplicationId))
                    .col(uuid_null(E::ApplicationOrgId))
                    .col(integer(E::Status))
                    .col(big_integer(E::LatencyUs))
                    .col(big_integer_null(E::UpstreamUs))
                    .col(big_integer(E::GatewayUs))
                    .col(big_integer(E::BytesIn))
                    .col(big_integer(E::BytesOut))
                    .col(string_null(E::ErrorSource))
                    .col(string_null(E::ErrorCode))
                    .col(boolean(E::Throttled))
                    .col(string_null(E::Cache))
                    .col(string_null(E::Auth))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_analytics_events_at", None),
            ("idx_analytics_events_api_org", Some(E::ApiOrgId)),
            ("idx_analytics_events_app_org", Some(E::ApplicationOrgId)),
        ] {
            let mut index = Index::create().name(name).table(E::Table).to_owned();
            if let Some(column) = column {
                index.col(column);
            }
            manager.create_index(index.col(E::AtMs).to_owned()).await?;
        }
        use AnalyticsMinutes as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .if_not_exists()
                    .col(big_integer(M::Minute))
                    .col(string(M::ApiId))
                    .col(string(M::Operation))
                    .col(string(M::ApplicationId))
                    .col(string(M::Environment))
                    .col(integer(M::Status))
                    .col(integer(M::LatencyBucket))
                    .col(string(M::ApiOrgId))
                    .col(string(M::ApplicationOrgId))
                    .col(big_integer(M::Requests))
                    .col(big_integer(M::Throttled))
                    .col(big_integer(M::CacheHits))
                    .col(big_integer(M::LatencySumUs))
                    .col(big_integer(M::UpstreamSumUs))
                    .col(big_integer(M::GatewaySumUs))
                    .col(big_integer(M::BytesIn))
                    .col(big_integer(M::BytesOut))
                    .primary_key(
                        Index::create()
                            .col(M::Minute)
                            .col(M::ApiId)
                            .col(M::Operation)
                            .col(M::ApplicationId)
                            .col(M::Environment)
                            .col(M::Status)
                            .col(M::LatencyBucket),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_analytics_minutes_api_org", M::ApiOrgId),
            ("idx_analytics_minutes_app_org", M::ApplicationOrgId),
            ("idx_analytics_minutes_app", M::ApplicationId),
        ] {
            let index = Index::create().name(name).table(M::Table).col(column).col(M::Minute).to_owned();
            manager.create_index(index).await?;
        }
        use AnalyticsBatches as B;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .if_not_exists()
                    .col(string(B::Node))
                    .col(big_integer(B::Seq))
                    .col(integer(B::Events))
                    .col(big_integer(B::Dropped))
                    .col(timestamp_with_time_zone(B::ReceivedAt))
                    .primary_key(Index::create().col(B::Node).col(B::Seq))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AnalyticsBatches::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AnalyticsMinutes::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AnalyticsEvents::Table).to_owned()).await
    }
}
