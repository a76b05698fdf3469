//! The control-plane mode's settings: flags with `PORTICO_GATEWAY_*` environment
//! variables (`--control-plane`, `--environment`, `--token`, `--cache-dir`), checked into
//! a [`ClientSettings`] the client runs on.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Path of the gateway stream on the control plane.
pub const CONNECT_PATH: &str = "/api/gateway/v1/connect";

/// The flags of the control-plane mode (`portico-gateway --control-plane URL …`).
#[derive(Clone, clap::Args)]
pub struct ControlPlaneArgs {
    /// Control plane to take the configuration from: `wss://host[:port][/prefix]` (or
    /// `ws://`; `https://` and `http://` mean the same). Requires `--environment` and `--token`.
    #[arg(
        long = "control-plane",
        env = "PORTICO_GATEWAY_CONTROL_PLANE",
        value_name = "URL",
        value_parser = parse_url,
        requires_all = ["environment", "token"]
    )]
    pub control_plane: Option<String>,
    /// Environment whose configuration this gateway serves (`production`, `sandbox`, …).
    #[arg(long, env = "PORTICO_GATEWAY_ENVIRONMENT", value_name = "NAME", value_parser = non_empty, requires = "control_plane")]
    pub environment: Option<String>,
    /// Gateway token issued by the control plane (sent as a bearer token; never logged).
    /// Prefer the environment variable: a flag is visible in the process list.
    #[arg(
        long,
        env = "PORTICO_GATEWAY_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true,
        value_parser = non_empty,
        requires = "control_plane"
    )]
    pub token: Option<String>,
    /// Directory for the last good configuration and this node's id, with
    /// `--control-plane` (created 0700; files 0600).
    #[arg(
        long,
        env = "PORTICO_GATEWAY_CACHE_DIR",
        value_name = "DIR",
        default_value = "./data/gateway-cache",
        requires = "control_plane"
    )]
    pub cache_dir: PathBuf,
    /// Milliseconds between key-usage reports to the control plane.
    #[arg(long, env = "PORTICO_GATEWAY_USAGE_INTERVAL_MS", value_name = "MS", default_value_t = 30_000)]
    pub usage_interval_ms: u64,
}

impl ControlPlaneArgs {
    /// The client's settings, or `None` when `--control-plane` is not given.
    pub fn settings(&self) -> Option<ClientSettings> {
        Some(ClientSettings {
            url: self.control_plane.clone()?,
            environment: self.environment.clone()?,
            token: self.token.clone()?,
            cache_dir: self.cache_dir.clone(),
            usage_interval: Duration::from_millis(self.usage_interval_ms.max(10)),
        })
    }
}

/// What the control-plane client needs.
#[derive(Clone)]
pub struct ClientSettings {
    /// Base URL of the control plane (`ws://` or `wss://`, no trailing slash).
    pub url: String,
    /// The environment served.
    pub environment: String,
    /// The gateway token.
    pub token: String,
    /// The disk cache's directory.
    pub cache_dir: PathBuf,
    /// Time between key-usage reports.
    pub usage_interval: Duration,
}

impl ClientSettings {
    /// The stream's URL: the base URL, [`CONNECT_PATH`] and `?environment=NAME`.
    pub fn connect_url(&self) -> String {
        format!("{}{CONNECT_PATH}?environment={}", self.url, percent_encode(&self.environment))
    }
}

impl fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSettings")
            .field("url", &self.url)
            .field("environment", &self.environment)
            .field("token", &"<redacted>")
            .field("cache_dir", &self.cache_dir)
            .field("usage_interval", &self.usage_interval)
            .finish()
    }
}

impl fmt::Debug for ControlPlaneArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlPlaneArgs")
            .field("control_plane", &self.control_plane)
            .field("environment", &self.environment)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("cache_dir", &self.cache_dir)
            .field("usage_interval_ms", &self.usage_interval_ms)
            .finish()
    }
}

/// Checks a control-plane URL and normalises it to `ws[s]://authority[/prefix]`.
pub fn parse_url(text: &str) -> Result<String, String> {
    let uri: http::Uri = text.parse().map_err(|e| format!("not a URL: {e}"))?;
    let scheme = match uri.scheme_str() {
        Some("ws" | "http") => "ws",
        Some("wss" | "https") => "wss",
        _ => return Err("the control plane URL starts with wss:// or ws:// (or https:// / http://)".into()),
    };
    let Some(authority) = uri.authority().filter(|a| !a.host().is_empty()) else {
        return Err("the control plane URL names no host".into());
    };
    if authority.as_str().contains('@') {
        return Err("the control plane URL cannot carry credentials (use --token)".into());
    }
    if uri.query().is_some() {
        return Err("the control plane URL cannot have a query (the environment is --environment)".into());
    }
    Ok(format!("{scheme}://{authority}{}", uri.path().trim_end_matches('/')))
}

fn non_empty(text: &str) -> Result<String, String> {
    if text.trim().is_empty() { Err("must not be empty".into()) } else { Ok(text.to_owned()) }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalised_to_websocket_schemes() {
        assert_eq!(parse_url("https://cp.example.com/").unwrap(), "wss://cp.example.com");
        assert_eq!(parse_url("ws://127.0.0.1:3000/portico/").unwrap(), "ws://127.0.0.1:3000/portico");
        assert!(parse_url("ftp://cp").is_err());
        assert!(parse_url("wss://user:pw@cp").is_err());
        assert!(parse_url("wss://cp/?environment=x").is_err());
        assert!(parse_url("cp.example.com").is_err());
    }

    #[test]
    fn the_connect_url_names_the_environment_and_the_token_stays_out_of_debug() {
        let settings = ClientSettings {
            url: "wss://cp".into(),
            environment: "prod eu/1".into(),
            token: "s3cret-token".into(),
            cache_dir: PathBuf::from("/tmp/x"),
            usage_interval: Duration::from_secs(30),
        };
        assert_eq!(settings.connect_url(), "wss://cp/api/gateway/v1/connect?environment=prod%20eu%2F1");
        assert!(!format!("{settings:?}").contains("s3cret"));
    }
}
