//! `portico`: see [`server::cli`].

use std::process::ExitCode;

use clap::Parser;
use server::cli::{AdminCommand, Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    server::telemetry::init(&cli.settings.log, cli.settings.log_format);
    let unknown = server::settings::unknown_env_vars::<Cli>();
    if !unknown.is_empty() {
        tracing::error!("unknown settings in the environment: {} (see `portico --help`)", unknown.join(", "));
        return ExitCode::from(2);
    }
    let result = match cli.command {
        None | Some(Command::Serve) => server::serve::run(cli.settings).await,
        Some(Command::Admin(AdminCommand::Create { email, name, password_stdin })) => {
            server::cli::admin_create(&cli.settings, &email, &name, password_stdin).await
        }
        Some(Command::Export { environment, output }) => {
            server::cli::export(&cli.settings, &environment, output.as_deref()).await
        }
        Some(Command::Settings) => {
            print!("{}", server::settings::markdown_table::<Cli>());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}
