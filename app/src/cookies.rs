//! Reading and writing Portico's cookies (feature `ssr`): the session cookie and the
//! anonymous CSRF cookie, both `HttpOnly`, `SameSite=Lax`, and `Secure` when the public
//! URL is https.

use http::HeaderMap;

use crate::state::{CSRF_COOKIE, SESSION_COOKIE};

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

fn build(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// `Set-Cookie` value starting a session that lasts until `expires_at`.
pub fn session(secret: &str, expires_at: chrono::DateTime<chrono::Utc>, secure: bool) -> String {
    let age = (expires_at - chrono::Utc::now()).num_seconds().max(0);
    build(SESSION_COOKIE, secret, Some(age), secure)
}

/// `Set-Cookie` value removing the session cookie.
pub fn clear_session(secure: bool) -> String {
    build(SESSION_COOKIE, "", Some(0), secure)
}

/// `Set-Cookie` value for the anonymous CSRF token (lives as long as the browser session).
pub fn csrf(token: &str, secure: bool) -> String {
    build(CSRF_COOKIE, token, None, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_and_builds_hardened_ones() {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::COOKIE, "a=1; portico_session=abc; b=2".parse().expect("header"));
        assert_eq!(get(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(get(&headers, "missing"), None);
        let cookie = session("s3cret", chrono::Utc::now() + chrono::Duration::hours(1), true);
        assert!(cookie.starts_with("portico_session=s3cret; Path=/; HttpOnly; SameSite=Lax; Max-Age="));
        assert!(cookie.ends_with("; Secure"));
        assert!(!clear_session(false).contains("Secure"));
        assert!(clear_session(false).contains("Max-Age=0"));
    }
}
