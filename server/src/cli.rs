//! The `portico` command line: `portico [serve]` runs everything; `portico admin create`
//! creates a platform administrator; `portico settings` prints the settings table;
//! `portico export` writes an environment's gateway configuration.

use std::io::BufRead;

use clap::{Parser, Subcommand};
use domain::audit::AuditActor;

use crate::settings::Settings;

/// Portico: API management (control plane, developer portal and co-located gateway).
#[derive(Debug, Parser)]
#[command(name = "portico", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the console, APIs and co-located gateway (the default).
    Serve,
    /// Administer users from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Print every setting as a Markdown table (for the README).
    Settings,
    /// Write an environment's current gateway configuration (what its gateways serve) to
    /// a file for `portico-gateway --config` (DB-less). YAML when the file ends in
    /// `.yaml`/`.yml`, JSON otherwise; standard output without `--output`.
    Export {
        /// The environment (`production`, `sandbox`, …).
        #[arg(long)]
        environment: String,
        /// The file to write.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

/// `portico admin …`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a platform administrator. Reads the password from standard input
    /// (`--password-stdin`), or generates one and prints it once.
    Create {
        /// The administrator's e-mail address.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// Read the password (first line) from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Runs `portico admin create`.
pub async fn admin_create(settings: &Settings, email: &str, name: &str, password_stdin: bool) -> Result<(), String> {
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (domain::secrets::random_token()[..24].to_owned(), true)
    };
    let db = crate::db::open(&settings.database_url(), 2).await?;
    domain::orgs::ensure_default(&db).await.map_err(|e| e.to_string())?;
    let user = domain::setup::create_platform_admin(&db, email, name, &password, &AuditActor::system("cli"))
        .await
        .map_err(|e| e.describe())?;
    println!("Created platform administrator {}.", user.email);
    if generated {
        println!("Password (shown once): {password}");
    }
    Ok(())
}

/// Runs `portico export`: the environment's snapshot, exactly as its gateways get it.
pub async fn export(settings: &Settings, environment: &str, output: Option<&std::path::Path>) -> Result<(), String> {
    let db = crate::db::open(&settings.database_url(), 2).await?;
    let snapshot = domain::snapshots::build_named(&db, environment).await.map_err(|e| match e {
        domain::DomainError::NotFound(_) => format!("no environment called `{environment}`"),
        other => other.to_string(),
    })?;
    let yaml = output.and_then(|p| p.extension()).is_some_and(|e| e == "yaml" || e == "yml");
    let text = if yaml {
        serde_norway::to_string(&snapshot).map_err(|e| e.to_string())?
    } else {
        serde_json::to_string_pretty(&snapshot).map_err(|e| e.to_string())? + "\n"
    };
    match output {
        Some(path) => {
            write_private(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "Wrote {} (environment {environment}, version {}, {} APIs, {} applications).",
                path.display(),
                snapshot.version,
                snapshot.apis.len(),
                snapshot.applications.len()
            );
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// Writes a file readable by its owner only (it lists key hashes and upstream secrets).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}
