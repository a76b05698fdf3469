//! Starting Portico: settings → database (migrated) → first-admin bootstrap → services →
//! HTTP server and co-located gateway, until SIGTERM/SIGINT, then a graceful drain.

use std::net::SocketAddr;
use std::sync::Arc;

use app::state::AppState;
use domain::mail::MailTransport;
use domain::setup::{self, Bootstrap};
use domain::throttle::LoginThrottle;
use leptos::prelude::LeptosOptions;
use tokio::sync::{Notify, watch};

use crate::router::{self, RouterOptions};
use crate::settings::Settings;

/// Builds the shared state from settings and an open database.
pub fn state(settings: &Settings, db: sea_orm::DatabaseConnection) -> Result<AppState, String> {
    let throttle = match &settings.redis_url {
        Some(url) => LoginThrottle::redis(url, &settings.redis_prefix)?,
        None => LoginThrottle::in_process(),
    };
    let mail = match &settings.smtp_url {
        Some(url) => MailTransport::smtp(url, &settings.mail_from)?,
        None => MailTransport::Log,
    };
    let base_url = settings.base_url();
    let leptos_options = LeptosOptions::builder()
        .output_name("portico")
        .site_root(settings.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(settings.listen)
        .build();
    Ok(AppState {
        db,
        throttle: Arc::new(throttle),
        sessions: settings.session_policy(),
        mail: Arc::new(mail),
        mail_wakeup: Arc::new(Notify::new()),
        config_changed: Arc::new(Notify::new()),
        import_allow_private: settings.import_allow_private,
        secure_cookies: base_url.starts_with("https://"),
        oauth: settings.oauth(),
        base_url,
        leptos_options,
    })
}

/// Runs Portico until it is asked to stop. Errors are start-up failures, one line each.
pub async fn run(settings: Settings) -> Result<(), String> {
    let db = crate::db::open(&settings.database_url(), settings.database_max_connections).await?;
    let state = state(&settings, db)?;
    match setup::bootstrap(
        &state.db,
        settings.admin_email.as_deref(),
        settings.admin_password.as_deref(),
        &state.base_url,
    )
    .await
    .map_err(|e| format!("cannot prepare the first administrator: {}", e.describe()))?
    {
        Bootstrap::AdminExists => {}
        Bootstrap::AdminCreated { email } => tracing::info!(%email, "created the first platform administrator"),
        Bootstrap::SetupLink { url } => {
            tracing::warn!("no platform administrator exists yet; open this one-time link to create one: {url}");
        }
    }
    domain::oauth::publish(&state.db, &state.oauth)
        .await
        .map_err(|e| format!("cannot publish the OAuth issuer: {}", e.describe()))?;
    domain::oauth::keys::signing_key(&state.db, &state.oauth)
        .await
        .map_err(|e| format!("cannot prepare the JWT signing key: {}", e.describe()))?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let (stop_tx, stop_rx) = watch::channel(false);
    if settings.embedded_gateway {
        domain::environments::by_name(&state.db, &settings.gateway_environment).await.map_err(|_| {
            format!(
                "the co-located gateway's environment `{}` does not exist (PORTICO_GATEWAY_ENVIRONMENT)",
                settings.gateway_environment
            )
        })?;
    }
    let hub = crate::distribution::ConfigHub::new(state.db.clone(), state.config_changed.clone());
    hub.refresh().await;
    tokio::spawn(hub.clone().run());
    let gateway = if settings.embedded_gateway {
        // The co-located gateway takes its environment's configuration in-process.
        let limiter = gateway::ratelimit::limiter::Limiter::for_settings(
            settings.redis_url.as_deref(),
            &settings.redis_prefix,
            gateway::config::LIMITER_CAPACITY,
            settings.gateway.nodes,
        )?;
        let cache = gateway::cache::ResponseCache::for_settings(
            settings.redis_url.as_deref(),
            &settings.redis_prefix,
            settings.gateway.cache_bytes(),
        )
        .map_err(|error| format!("PORTICO_REDIS_URL: {error}"))?;
        let store = gateway::ConfigStore::with(limiter, cache);
        let feed =
            crate::distribution::feed_colocated(hub.clone(), settings.gateway_environment.clone(), store.clone());
        tokio::spawn(feed);
        let mut gateway = gateway::Gateway::new(settings.gateway.clone(), store);
        if settings.gateway.analytics {
            let node = format!("{}/co-located", gateway::control_plane::hostname());
            let analytics = gateway::analytics::Analytics::new(node, settings.gateway.analytics_queue);
            let sink = std::sync::Arc::new(crate::analytics::Store { db: state.db.clone() });
            tokio::spawn(gateway::analytics::ship(analytics.clone(), sink, settings.gateway.analytics_flush()));
            gateway = gateway.with_analytics(analytics);
        }
        let bound = gateway.bind().await?;
        let mut stop = stop_rx.clone();
        Some(tokio::spawn(bound.serve(async move {
            let _ = stop.wait_for(|s| *s).await;
        })))
    } else {
        None
    };
    tokio::spawn(crate::analytics::prune(
        state.db.clone(),
        settings.analytics_retention_days,
        settings.analytics_rollup_days,
    ));
    tokio::spawn(crate::alerts::evaluate(
        state.db.clone(),
        std::time::Duration::from_secs(settings.alerts_interval_secs),
    ));
    tokio::spawn(crate::alerts::deliver(state.db.clone(), settings.alerts_webhook_allow_private));
    tokio::spawn(crate::mailer::run(state.db.clone(), state.mail.clone(), state.mail_wakeup.clone()));
    tokio::spawn(crate::key_manager_refresh::run(
        state.db.clone(),
        state.config_changed.clone(),
        std::time::Duration::from_secs(u64::from(settings.key_manager_refresh_minutes.max(1)) * 60),
    ));
    let tracer = match settings.gateway.telemetry.tracer("portico")? {
        Some((tracer, exporter)) => {
            tokio::spawn(exporter.run());
            Some(tracer)
        }
        None => None,
    };
    let options = RouterOptions {
        max_body_bytes: settings.max_body_bytes,
        trust_forwarded: settings.trust_forwarded,
        metrics_token: settings.metrics_token.as_ref().map(|token| token.0.clone()),
        tracer,
    };
    let app = router::build(state, options).layer(axum::Extension(hub.clone()));
    tracing::info!(console = %settings.base_url(), listen = %settings.listen, "Portico is ready");
    let mut stop = stop_rx.clone();
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(
        async move {
            let _ = stop.wait_for(|s| *s).await;
        },
    );
    let server = tokio::spawn(async move { server.await });
    gateway::signal::shutdown().await;
    let _ = stop_tx.send(true);
    if let Ok(Err(e)) = server.await {
        tracing::error!(error = %e, "HTTP server failed");
    }
    if let Some(gateway) = gateway {
        let _ = gateway.await;
    }
    tracing::info!("stopped");
    Ok(())
}
