//! The gateway's JSON access log: one line per request, written in the log phase, with
//! the fields an operator chose (`PORTICO_GATEWAY_ACCESS_LOG_FIELDS`) and secrets
//! redacted — credentials in the query (the API's key parameter, `access_token`, …) and
//! in headers (`Authorization` keeps only its scheme; cookies, API keys). Each line
//! carries the request id and, when the request was traced, the trace id, so it can be
//! joined with the control plane's logs and the traces.
//!
//! Lines go through a bounded channel to a writer thread (stdout, stderr or a file opened
//! for appending); when the writer falls behind, lines are dropped and counted rather
//! than making requests wait.

use std::io::Write as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use http::{HeaderMap, HeaderName};
use serde_json::{Map, Value};

use crate::analytics::Event;
use crate::api::Api;

mod fields;

pub use fields::{DEFAULT_FIELDS, Field};

/// Lines waiting for the writer before new ones are dropped.
const CHANNEL_LINES: usize = 16_384;
/// What a redacted value becomes.
pub const REDACTED: &str = "[REDACTED]";
/// Query parameters whose values are always redacted (besides the API's key parameter).
const SECRET_PARAMS: [&str; 14] = [
    "api_key",
    "apikey",
    "key",
    "access_token",
    "id_token",
    "refresh_token",
    "token",
    "client_secret",
    "password",
    "secret",
    "code",
    "signature",
    "sig",
    "x-amz-signature",
];
/// Headers whose values are always redacted (`authorization` keeps its scheme).
const SECRET_HEADERS: [&str; 6] =
    ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "apikey"];

/// Where lines are written.
enum Destination {
    Stdout,
    Stderr,
    File(std::fs::File),
}

/// The access log of one gateway process.
pub struct AccessLog {
    fields: Vec<Field>,
    /// Header fields, in the order of [`Captured::headers`].
    headers: Vec<HeaderName>,
    /// More parameter and header names to redact, lowercase.
    redact: Vec<String>,
    lines: SyncSender<String>,
    written: Arc<AtomicU64>,
    dropped: AtomicU64,
}

/// What the log needs from the request as it arrived (only taken when the log is on).
pub struct Captured {
    path: String,
    query: Option<String>,
    client_ip: IpAddr,
    headers: Vec<Option<String>>,
}

impl AccessLog {
    /// An access log writing `fields` to `destination` (`stdout`, `stderr` or a file path)
    /// and redacting the names in `redact` besides the built-in ones; starts the writer
    /// thread. Errors name the setting.
    pub fn open(destination: &str, fields: &[String], redact: &[String]) -> Result<Arc<Self>, String> {
        let fields = fields::parse(fields)?;
        let destination = match destination {
            "stdout" | "-" => Destination::Stdout,
            "stderr" => Destination::Stderr,
            path => Destination::File(open_append(path)?),
        };
        let headers = fields
            .iter()
            .filter_map(|f| match f {
                Field::Header(name) => Some(name.clone()),
                _ => None,
            })
            .collect();
        let (lines, receiver) = sync_channel(CHANNEL_LINES);
        let written = Arc::new(AtomicU64::new(0));
        let counter = written.clone();
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || write_lines(receiver, destination, &counter))
            .map_err(|e| format!("PORTICO_GATEWAY_ACCESS_LOG: cannot start the writer: {e}"))?;
        Ok(Arc::new(Self {
            fields,
            headers,
            redact: redact.iter().map(|name| name.trim().to_ascii_lowercase()).filter(|n| !n.is_empty()).collect(),
            lines,
            written,
            dropped: AtomicU64::new(0),
        }))
    }

    /// Notes what the line will need from an arriving request.
    pub fn capture(&self, path_and_query: (&str, Option<&str>), client_ip: IpAddr, headers: &HeaderMap) -> Captured {
        Captured {
            path: path_and_query.0.to_owned(),
            query: path_and_query.1.map(str::to_owned),
            client_ip,
            headers: self
                .headers
                .iter()
                .map(|name| headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
        }
    }

    /// Writes the line of the finished request `event` (routed to `api`, traced as
    /// `trace_id`).
    pub fn write(&self, captured: Captured, event: &Event, api: Option<&Api>, trace_id: Option<&str>) {
        let secrets = Secrets { log: self, api };
        let mut line = Map::new();
        let mut headers = captured.headers.into_iter();
        for field in &self.fields {
            let value = match field {
                Field::Header(name) => {
                    let value = headers.next().flatten();
                    line.insert(
                        fields::header_key(name),
                        value.map_or(Value::Null, |v| secrets.header(name, v).into()),
                    );
                    continue;
                }
                Field::Path => Value::from(captured.path.as_str()),
                Field::Query => captured.query.as_deref().map_or(Value::Null, |q| secrets.query(q).into()),
                Field::ClientIp => Value::from(captured.client_ip.to_string()),
                Field::TraceId => trace_id.map_or(Value::Null, Value::from),
                field => field.of_event(event),
            };
            line.insert(field.key().to_owned(), value);
        }
        if let Ok(text) = serde_json::to_string(&line) {
            self.write_line(text);
        }
    }

    /// Writes a line made elsewhere (e.g. a WebSocket frame's), dropped and counted like
    /// the others when the writer falls behind.
    pub fn write_line(&self, line: String) {
        if self.lines.try_send(line).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Lines written so far.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Lines dropped because the writer fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The redaction rules for one line.
struct Secrets<'a> {
    log: &'a AccessLog,
    api: Option<&'a Api>,
}

impl Secrets<'_> {
    fn is_secret_param(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        SECRET_PARAMS.contains(&name.as_str())
            || self.log.redact.contains(&name)
            || self.api.and_then(|api| api.key_query.as_deref()).is_some_and(|key| key.eq_ignore_ascii_case(&name))
    }

    /// The query with secret parameters' values replaced.
    fn query(&self, query: &str) -> String {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if self.is_secret_param(&decoded(name)) => format!("{name}={REDACTED}"),
                _ => pair.to_owned(),
            })
            .collect();
        pairs.join("&")
    }

    /// The header's value, redacted when it holds a credential.
    fn header(&self, name: &HeaderName, value: String) -> String {
        let name = name.as_str();
        if matches!(name, "authorization" | "proxy-authorization") {
            return match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                None => REDACTED.to_owned(),
            };
        }
        let api_key_header = self.api.is_some_and(|api| api.key_header.eq_ignore_ascii_case(name));
        if SECRET_HEADERS.contains(&name) || api_key_header || self.log.redact.iter().any(|r| r == name) {
            return REDACTED.to_owned();
        }
        value
    }
}

/// A query parameter's name, percent- and `+`-decoded.
fn decoded(name: &str) -> String {
    form_urlencoded::parse(name.as_bytes()).next().map_or_else(|| name.to_owned(), |(name, _)| name.into_owned())
}

fn open_append(path: &str) -> Result<std::fs::File, String> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o640);
    options.open(path).map_err(|e| format!("PORTICO_GATEWAY_ACCESS_LOG: cannot open `{path}`: {e}"))
}

/// The writer thread: each line and a newline, flushed whenever the channel is empty.
fn write_lines(receiver: Receiver<String>, destination: Destination, written: &AtomicU64) {
    let out: Box<dyn std::io::Write> = match destination {
        Destination::Stdout => Box::new(std::io::stdout()),
        Destination::Stderr => Box::new(std::io::stderr()),
        Destination::File(file) => Box::new(file),
    };
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    while let Ok(line) = receiver.recv() {
        let mut next = Some(line);
        while let Some(line) = next {
            let _ = out.write_all(line.as_bytes());
            let _ = out.write_all(b"\n");
            written.fetch_add(1, Ordering::Relaxed);
            next = receiver.try_recv().ok();
        }
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests;
