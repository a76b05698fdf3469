//! `portico-gateway`: the gateway alone, as a separate data-plane process.

use clap::Parser;
use gateway::{Gateway, GatewaySettings};

/// Portico's API gateway (data plane).
#[derive(Debug, Parser)]
#[command(name = "portico-gateway", version, about)]
struct Cli {
    #[command(flatten)]
    gateway: GatewaySettings,
    /// Log filter (tracing `EnvFilter` syntax).
    #[arg(long, env = "PORTICO_LOG", default_value = "info")]
    log: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "info".into()))
        .init();
    let bound = match Gateway::new(cli.gateway).bind().await {
        Ok(bound) => bound,
        Err(error) => {
            tracing::error!("{error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    bound.serve(gateway::signal::shutdown()).await;
    std::process::ExitCode::SUCCESS
}
