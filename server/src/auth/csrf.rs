//! The CSRF check of state-changing requests made with cookies (or anonymously).
//!
//! Two conditions: the request comes from our own origin (a present `Origin` must be the
//! public URL's or the `Host` the request was sent to; `Sec-Fetch-Site: cross-site` is
//! refused), and it carries the expected token in `X-CSRF-Token` or, for HTML forms and
//! server functions, the `csrf_token` form field. A JSON request without any cookie is
//! an API client, not a browser session (browsers cannot send cross-origin JSON without a
//! CORS preflight, which Portico's console never grants), so it needs no token.

use app::state::{CSRF_FIELD, CSRF_HEADER};
use axum::body::Body;
use axum::extract::Request;
use domain::secrets::constant_time_eq;
use http::{StatusCode, header};
use http_body_util::BodyExt;

use crate::error::ApiError;

/// Largest form body read for its CSRF field.
const MAX_FORM_BYTES: usize = 1 << 20;

/// Why a request was refused.
pub enum Refusal {
    /// Send the browser to this page (an HTML form posted with an expired session).
    Redirect(&'static str),
    /// Answer with this error.
    Error(ApiError),
}

/// Returns the request (its body restored if it was read) or why it is refused.
pub async fn verify(
    req: Request,
    base_url: &str,
    expected: Option<&str>,
    session_expired: bool,
) -> Result<Request, Refusal> {
    if !same_origin(&req, base_url) {
        return Err(refuse("The request did not come from this site."));
    }
    let headers = req.headers();
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let has_cookies = headers.contains_key(header::COOKIE);
    if session_expired {
        let wants_html =
            headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
        return Err(if wants_html && is_form {
            Refusal::Redirect("/login?expired=1")
        } else {
            Refusal::Error(ApiError::from(domain::DomainError::SessionExpired))
        });
    }
    if !has_cookies && is_json {
        return Ok(req);
    }
    let from_header = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (req, provided) = match from_header {
        Some(token) => (req, Some(token)),
        None if is_form => form_field(req).await?,
        None => (req, None),
    };
    match (expected, provided.as_deref()) {
        (Some(expected), Some(provided)) if constant_time_eq(expected, provided) => Ok(req),
        (_, None) => {
            Err(refuse("The CSRF token is missing: send it in the X-CSRF-Token header or the csrf_token form field."))
        }
        _ => Err(refuse("The CSRF token does not match this session. Reload the page and try again.")),
    }
}

fn refuse(detail: &str) -> Refusal {
    Refusal::Error(ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", detail))
}

/// Whether the request's `Origin` (or `Sec-Fetch-Site`) says it comes from this site.
fn same_origin(req: &Request, base_url: &str) -> bool {
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin = origin.trim_end_matches('/');
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
        return origin.eq_ignore_ascii_case(base_url.trim_end_matches('/'))
            || (!host.is_empty() && origin_host.eq_ignore_ascii_case(host));
    }
    headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_none_or(|site| site != "cross-site")
}

/// Reads a url-encoded body, returns the request with the body put back and the value of
/// its `csrf_token` field.
async fn form_field(req: Request) -> Result<(Request, Option<String>), Refusal> {
    let (parts, body) = req.into_parts();
    let limited = http_body_util::Limited::new(body, MAX_FORM_BYTES);
    let bytes = match limited.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Err(Refusal::Error(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The form is too large.",
            )));
        }
    };
    let token = form_urlencoded_field(&bytes, CSRF_FIELD);
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(origin: Option<&str>, fetch_site: Option<&str>) -> Request {
        let mut builder = Request::post("/x").header(header::HOST, "127.0.0.1:3000");
        if let Some(o) = origin {
            builder = builder.header(header::ORIGIN, o);
        }
        if let Some(s) = fetch_site {
            builder = builder.header("sec-fetch-site", s);
        }
        builder.body(Body::empty()).expect("request")
    }

    #[test]
    fn same_origin_accepts_our_origins_only() {
        let base = "https://portico.example.com";
        assert!(same_origin(&request(Some("https://portico.example.com"), None), base));
        assert!(same_origin(&request(Some("http://127.0.0.1:3000"), None), base));
        assert!(!same_origin(&request(Some("https://evil.example"), None), base));
        assert!(!same_origin(&request(Some("null"), None), base));
        assert!(same_origin(&request(None, None), base));
        assert!(same_origin(&request(None, Some("same-origin")), base));
        assert!(!same_origin(&request(None, Some("cross-site")), base));
    }

    #[test]
    fn finds_the_form_field() {
        assert_eq!(form_urlencoded_field(b"a=1&csrf_token=x%2By&b=2", "csrf_token").as_deref(), Some("x+y"));
        assert_eq!(form_urlencoded_field(b"a=1", "csrf_token"), None);
    }
}
