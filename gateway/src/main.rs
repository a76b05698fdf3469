//! `portico-gateway`: the gateway alone, as a separate data-plane process.
//!
//! DB-less: `portico-gateway --config FILE` serves a declarative snapshot file (what
//! `portico export` writes, or written by hand) and reloads it on change or SIGHUP.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gateway::{ConfigStore, Gateway, GatewaySettings, file_source};

/// mimalloc: fewer cycles per allocation than the system allocator on the request path.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Portico's API gateway (data plane).
#[derive(Debug, Parser)]
#[command(name = "portico-gateway", version, about)]
struct Cli {
    #[command(flatten)]
    gateway: GatewaySettings,
    /// Declarative configuration file (snapshot format, YAML or JSON) to serve (DB-less mode).
    #[arg(long, env = "PORTICO_GATEWAY_CONFIG")]
    config: PathBuf,
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
    let store = ConfigStore::new();
    if let Err(error) = file_source::load(&cli.config, &store) {
        tracing::error!(file = %cli.config.display(), %error, "cannot load the configuration file");
        return ExitCode::FAILURE;
    }
    let bound = match Gateway::new(cli.gateway, store.clone()).bind().await {
        Ok(bound) => bound,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    tokio::spawn(file_source::watch(cli.config, store));
    bound.serve(gateway::signal::shutdown()).await;
    ExitCode::SUCCESS
}
