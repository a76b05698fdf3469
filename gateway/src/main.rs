//! `portico-gateway`: the gateway alone, as a separate data-plane process.
//!
//! Two modes, one of them required:
//! * DB-less: `portico-gateway --config FILE` serves a declarative snapshot file (what
//!   `portico export` writes, or written by hand) and reloads it on change or SIGHUP.
//! * Remote: `portico-gateway --control-plane URL --environment NAME --token T` takes its
//!   configuration from the control plane's stream, keeps the last good one in
//!   `--cache-dir` and serves it from there when the control plane is unreachable.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Parser};
use std::sync::Arc;

use gateway::analytics::Analytics;
use gateway::analytics::http_sink::HttpSink;
use gateway::cache::ResponseCache;
use gateway::control_plane::{self, ControlPlaneArgs};
use gateway::ratelimit::limiter::Limiter;
use gateway::{ConfigStore, Gateway, GatewaySettings, file_source};

/// mimalloc: fewer cycles per allocation than the system allocator on the request path.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Portico's API gateway (data plane).
#[derive(Debug, Parser)]
#[command(name = "portico-gateway", version, about)]
#[command(group(ArgGroup::new("source").required(true).args(["config", "control_plane"])))]
struct Cli {
    #[command(flatten)]
    gateway: GatewaySettings,
    /// Declarative configuration file (snapshot format, YAML or JSON) to serve (DB-less
    /// mode). Mutually exclusive with `--control-plane`.
    #[arg(long, env = "PORTICO_GATEWAY_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    control_plane: ControlPlaneArgs,
    /// Redis URL: rate limits and quotas shared exactly by every gateway using it, and
    /// cached responses shared. Without it, each gateway counts and caches on its own.
    #[arg(long, env = "PORTICO_REDIS_URL")]
    redis_url: Option<String>,
    /// Prefix of every Redis key the gateway writes.
    #[arg(long, env = "PORTICO_REDIS_PREFIX", default_value = "portico:")]
    redis_prefix: String,
    /// Log filter (tracing `EnvFilter` syntax).
    #[arg(long, env = "PORTICO_LOG", default_value = "info")]
    log: String,
    /// Worker threads serving traffic. Default: the CPUs this process may run on. With one,
    /// the gateway runs on a single-threaded runtime (no work-stealing overhead).
    #[arg(long, env = "PORTICO_GATEWAY_WORKERS")]
    workers: Option<usize>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let workers = cli.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let mut builder = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(workers);
        builder
    };
    match builder.enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "info".into()))
        .init();
    let limiter = Limiter::for_settings(
        cli.redis_url.as_deref(),
        &cli.redis_prefix,
        gateway::config::LIMITER_CAPACITY,
        cli.gateway.nodes,
    );
    let cache = ResponseCache::for_settings(cli.redis_url.as_deref(), &cli.redis_prefix, cli.gateway.cache_bytes());
    let store = match (limiter, cache) {
        (Ok(limiter), Ok(cache)) => ConfigStore::with(limiter, cache),
        (Err(error), _) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
        (_, Err(error)) => {
            tracing::error!("PORTICO_REDIS_URL: {error}");
            return ExitCode::FAILURE;
        }
    };
    let source = match (&cli.config, cli.control_plane.settings()) {
        (Some(file), _) => {
            if let Err(error) = file_source::load(file, &store) {
                tracing::error!(file = %file.display(), %error, "cannot load the configuration file");
                return ExitCode::FAILURE;
            }
            Source::File(file.clone())
        }
        (None, Some(settings)) => match control_plane::Client::start(settings, store.clone()) {
            Ok(client) if cli.gateway.analytics => {
                let analytics = Analytics::new(client.node_id(), cli.gateway.analytics_queue);
                let every = cli.gateway.analytics_flush();
                Source::ControlPlane(Box::new(client.ship_analytics(analytics.clone(), every)), Some(analytics))
            }
            Ok(client) => Source::ControlPlane(Box::new(client), None),
            Err(error) => {
                tracing::error!(%error, "cannot start the control-plane client");
                return ExitCode::FAILURE;
            }
        },
        (None, None) => {
            tracing::error!("give --config FILE or --control-plane URL");
            return ExitCode::FAILURE;
        }
    };
    let analytics = match &source {
        Source::ControlPlane(_, analytics) => analytics.clone(),
        Source::File(_) => match db_less_analytics(&cli.gateway) {
            Ok(analytics) => analytics,
            Err(error) => {
                tracing::error!("{error}");
                return ExitCode::FAILURE;
            }
        },
    };
    let mut gateway = Gateway::new(cli.gateway, store.clone());
    if let Some(analytics) = analytics {
        gateway = gateway.with_analytics(analytics);
    }
    let bound = match gateway.bind().await {
        Ok(bound) => bound,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    match source {
        Source::File(file) => tokio::spawn(file_source::watch(file, store)),
        Source::ControlPlane(client, _) => tokio::spawn(client.run()),
    };
    bound.serve(gateway::signal::shutdown()).await;
    ExitCode::SUCCESS
}

/// A DB-less gateway's analytics: shipped to `PORTICO_ANALYTICS_HTTP_URL` when set.
fn db_less_analytics(settings: &GatewaySettings) -> Result<Option<Arc<Analytics>>, String> {
    let Some(url) = settings.analytics_http_url.as_deref().filter(|_| settings.analytics) else {
        return Ok(None);
    };
    let authorization = settings.analytics_http_authorization.as_ref().map(|a| a.0.as_str());
    let sink = HttpSink::new(url, authorization)?;
    let node = format!("{}/db-less", control_plane::hostname());
    let analytics = Analytics::new(node, settings.analytics_queue);
    tokio::spawn(gateway::analytics::ship(analytics.clone(), Arc::new(sink), settings.analytics_flush()));
    Ok(Some(analytics))
}

/// Where the configuration comes from.
enum Source {
    /// A file, reloaded on change.
    File(PathBuf),
    /// The control plane's stream, which also takes the analytics events (DB-less
    /// gateways have no control plane to ship them to).
    ControlPlane(Box<control_plane::Client>, Option<Arc<Analytics>>),
}
