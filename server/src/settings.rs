//! Every setting of `portico`: one struct, each field a flag with a `PORTICO_*`
//! environment variable (the standard `OTEL_*`/`STRIPE_*` names keep theirs when they
//! arrive). An unknown `PORTICO_*` variable is an error, so a typo cannot silently
//! leave a setting at its default.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{ArgAction, CommandFactory, ValueEnum};
use gateway::GatewaySettings;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line (for log shippers).
    Json,
    /// Human-readable text.
    Text,
}

/// The algorithm of new JWT signing keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SigningAlgorithm {
    /// RSA 2048 with SHA-256 (the default; every client library verifies it).
    #[value(name = "RS256")]
    Rs256,
    /// ECDSA P-256 with SHA-256 (smaller tokens, faster signing).
    #[value(name = "ES256")]
    Es256,
}

/// `portico`'s settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Address the console, portal and management APIs listen on.
    #[arg(long, env = "PORTICO_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Public base URL of the console (links in e-mails, CSRF origin checks; `https`
    /// makes cookies `Secure`). Default: `http://<listen>`.
    #[arg(long, env = "PORTICO_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Directory for Portico's own files (the SQLite database by default).
    #[arg(long, env = "PORTICO_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://…` or `postgres://…`. Default: `sqlite://<data dir>/portico.db`.
    #[arg(long, env = "PORTICO_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Largest number of pooled database connections.
    #[arg(long, env = "PORTICO_DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
    /// Redis URL for state shared between instances: sign-in throttling counters, the
    /// co-located gateway's rate limits and quotas (exact across every gateway using the
    /// same Redis) and its cached responses. Without it, all of them are kept in-process.
    #[arg(long, env = "PORTICO_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of every Redis key Portico writes.
    #[arg(long, env = "PORTICO_REDIS_PREFIX", default_value = "portico:")]
    pub redis_prefix: String,
    /// SMTP server URL (`smtp://user:pass@host:587`, `smtps://host`); without it, mail
    /// goes to the outbox and the log only.
    #[arg(long, env = "PORTICO_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Sender of Portico's e-mail.
    #[arg(long, env = "PORTICO_MAIL_FROM", default_value = "Portico <portico@localhost>")]
    pub mail_from: String,
    /// E-mail of the first platform administrator, created at start-up when none exists
    /// (with `PORTICO_ADMIN_PASSWORD`).
    #[arg(long, env = "PORTICO_ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    /// Password of that administrator (at least 12 characters). Never logged.
    #[arg(long, env = "PORTICO_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Directory with the compiled UI assets (`pkg/portico.{js,wasm,css}`).
    #[arg(long, env = "PORTICO_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Run the co-located gateway inside this process.
    #[arg(long = "embedded-gateway", env = "PORTICO_EMBEDDED_GATEWAY", default_value_t = true, action = ArgAction::Set)]
    pub embedded_gateway: bool,
    /// Let publishers import OpenAPI documents by URL from private, loopback and
    /// link-local addresses (off: the importer cannot be used to reach internal hosts).
    #[arg(long = "import-allow-private", env = "PORTICO_IMPORT_ALLOW_PRIVATE", default_value_t = false, action = ArgAction::Set)]
    pub import_allow_private: bool,
    /// Environment whose configuration the co-located gateway serves.
    #[arg(long = "gateway-environment", env = "PORTICO_GATEWAY_ENVIRONMENT", default_value = "production")]
    pub gateway_environment: String,
    /// `iss` of the tokens Portico's OAuth2 server issues and base of its endpoints.
    /// Default: the public base URL.
    #[arg(long, env = "PORTICO_OAUTH_ISSUER")]
    pub oauth_issuer: Option<String>,
    /// `aud` of Portico's access tokens, which gateways require.
    #[arg(long, env = "PORTICO_OAUTH_AUDIENCE", default_value = "portico-gateway")]
    pub oauth_audience: String,
    /// Algorithm of new JWT signing keys: `RS256` or `ES256`.
    #[arg(long, env = "PORTICO_OAUTH_SIGNING_ALGORITHM", value_enum, default_value_t = SigningAlgorithm::Rs256)]
    pub oauth_signing_algorithm: SigningAlgorithm,
    /// Days after which the signing key is replaced (the old one stays published until
    /// its tokens expire).
    #[arg(long, env = "PORTICO_OAUTH_KEY_ROTATION_DAYS", default_value_t = 90)]
    pub oauth_key_rotation_days: u32,
    /// Minutes between refreshes of external key managers' JWKS.
    #[arg(long, env = "PORTICO_KEY_MANAGER_REFRESH_MINUTES", default_value_t = 10)]
    pub key_manager_refresh_minutes: u32,
    /// Days raw analytics events (one row per call) are kept.
    #[arg(long, env = "PORTICO_ANALYTICS_RETENTION_DAYS", default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub analytics_retention_days: u32,
    /// Days the per-minute analytics rollups (what dashboards and usage read) are kept.
    #[arg(long, env = "PORTICO_ANALYTICS_ROLLUP_DAYS", default_value_t = 400,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub analytics_rollup_days: u32,
    /// Seconds between evaluations of the alert rules.
    #[arg(long, env = "PORTICO_ALERTS_INTERVAL_SECS", default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(5..))]
    pub alerts_interval_secs: u64,
    /// Let alert webhooks reach private, loopback and link-local addresses (off: a rule
    /// cannot be used to reach internal hosts).
    #[arg(long = "alerts-webhook-allow-private", env = "PORTICO_ALERTS_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = ArgAction::Set)]
    pub alerts_webhook_allow_private: bool,
    /// Bearer token Prometheus must send to scrape `/metrics`; unset, `/metrics` is open.
    #[arg(long, env = "PORTICO_METRICS_TOKEN")]
    pub metrics_token: Option<gateway::settings::Redacted>,
    #[command(flatten)]
    pub gateway: GatewaySettings,
    /// A console session ends after this many minutes without a request (at least 5;
    /// the default is 7 days).
    #[arg(long, env = "PORTICO_SESSION_IDLE_MINUTES", default_value_t = 7 * 24 * 60,
        value_parser = clap::value_parser!(u32).range(5..))]
    pub session_idle_minutes: u32,
    /// A console session ends this many hours after sign-in, however active (at least 1;
    /// the default is 30 days).
    #[arg(long, env = "PORTICO_SESSION_MAX_HOURS", default_value_t = 30 * 24,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub session_max_hours: u32,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "PORTICO_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Believe the client address in `X-Forwarded-For` (only behind a trusted proxy).
    #[arg(long, env = "PORTICO_TRUST_FORWARDED", default_value_t = false, action = ArgAction::Set)]
    pub trust_forwarded: bool,
    /// Log filter, tracing `EnvFilter` syntax (`info`, `portico=debug,sqlx=warn`).
    #[arg(long, env = "PORTICO_LOG", default_value = "info")]
    pub log: String,
    /// Log line format.
    #[arg(long, env = "PORTICO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl Settings {
    /// The public base URL without a trailing slash.
    pub fn base_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen)).trim_end_matches('/').to_owned()
    }

    /// The OAuth2 authorization server's settings.
    pub fn oauth(&self) -> domain::oauth::Provider {
        domain::oauth::Provider {
            issuer: self.oauth_issuer.clone().unwrap_or_else(|| self.base_url()).trim_end_matches('/').to_owned(),
            audience: self.oauth_audience.clone(),
            algorithm: match self.oauth_signing_algorithm {
                SigningAlgorithm::Rs256 => gateway::jwt::Algorithm::Rs256,
                SigningAlgorithm::Es256 => gateway::jwt::Algorithm::Es256,
            },
            rotate_after: chrono::Duration::days(i64::from(self.oauth_key_rotation_days.max(1))),
        }
    }

    /// The session lifetimes.
    pub fn session_policy(&self) -> domain::sessions::SessionPolicy {
        domain::sessions::SessionPolicy {
            idle: chrono::Duration::minutes(i64::from(self.session_idle_minutes)),
            max: chrono::Duration::hours(i64::from(self.session_max_hours)),
        }
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data_dir.join("portico.db").display()))
    }
}

/// Every `PORTICO_*` variable in the environment that no setting reads (test-harness
/// variables `PORTICO_TEST_*` excepted).
pub fn unknown_env_vars<C: CommandFactory>() -> Vec<String> {
    let command = C::command();
    let mut known = Vec::new();
    collect_env_names(&command, &mut known);
    std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("PORTICO_") && !k.starts_with("PORTICO_TEST_") && !known.contains(k))
        .collect()
}

fn collect_env_names(command: &clap::Command, into: &mut Vec<String>) {
    for arg in command.get_arguments() {
        if let Some(env) = arg.get_env() {
            into.push(env.to_string_lossy().into_owned());
        }
    }
    for sub in command.get_subcommands() {
        collect_env_names(sub, into);
    }
}

/// The settings table for the README: `| env | flag | default | description |`.
pub fn markdown_table<C: CommandFactory>() -> String {
    let command = C::command();
    let mut out = String::from("| environment variable | flag | default | what it sets |\n|---|---|---|---|\n");
    for arg in command.get_arguments() {
        let Some(env) = arg.get_env() else { continue };
        let flag = arg.get_long().map(|l| format!("`--{l}`")).unwrap_or_default();
        let default: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
        let default = if default.is_empty() { "—".to_owned() } else { format!("`{}`", default.join(",")) };
        let help = arg.get_help().map(|h| h.to_string().replace('\n', " ")).unwrap_or_default();
        out.push_str(&format!("| `{}` | {flag} | {default} | {help} |\n", env.to_string_lossy()));
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::Cli;

    #[test]
    fn session_lifetimes_default_to_a_week_idle_and_thirty_days_at_most() {
        let cli = Cli::try_parse_from(["portico"]).expect("defaults parse");
        assert_eq!(cli.settings.session_policy(), domain::sessions::SessionPolicy::default());
        let cli = Cli::try_parse_from(["portico", "--session-idle-minutes", "30", "--session-max-hours", "8"])
            .expect("values parse");
        let policy = cli.settings.session_policy();
        assert_eq!((policy.idle.num_minutes(), policy.max.num_hours()), (30, 8));
        assert!(Cli::try_parse_from(["portico", "--session-idle-minutes", "1"]).is_err(), "under 5 minutes");
        assert!(Cli::try_parse_from(["portico", "--session-max-hours", "0"]).is_err());
    }
}
