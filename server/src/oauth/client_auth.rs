//! Reading a token-endpoint request: the form body (`application/x-www-form-urlencoded`,
//! no repeated parameters, RFC 6749 §3.2) and the client's credentials, from
//! `Authorization: Basic` (`client_secret_basic`, with the form-encoded id and secret of
//! RFC 6749 §2.3.1) or from the body (`client_secret_post`, or a public client's
//! `client_id` alone). Using both methods at once is an `invalid_request`.

use axum::body::Bytes;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use domain::oauth::OAuthError;
use domain::oauth::grants::ClientAuth;
use http::{HeaderMap, header};
use serde::de::DeserializeOwned;

/// Parses the form body; the content type must be form-encoded.
pub fn form<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, OAuthError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(OAuthError::request("Send the parameters as application/x-www-form-urlencoded."));
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if let Some(repeated) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(OAuthError::request(format!("The parameter {} is repeated.", repeated[0])));
    }
    serde_urlencoded::from_bytes(body).map_err(|e| OAuthError::request(format!("The parameters cannot be read: {e}.")))
}

/// The client's credentials: from `Authorization: Basic`, else the body's `client_id`
/// (and `client_secret`); `None` when the client did not identify itself.
pub fn client(
    headers: &HeaderMap,
    body_id: Option<String>,
    body_secret: Option<String>,
) -> Result<Option<ClientAuth>, OAuthError> {
    let basic = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| {
        let (scheme, value) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("basic").then(|| value.trim().to_owned())
    });
    match basic {
        Some(_) if body_secret.is_some() => {
            Err(OAuthError::request("Authenticate the client one way: Basic or client_secret, not both."))
        }
        Some(encoded) => {
            let decoded =
                STANDARD.decode(encoded).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(OAuthError::client)?;
            let (id, secret) = decoded.split_once(':').ok_or_else(OAuthError::client)?;
            let unescape =
                |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
            let (id, secret) =
                (unescape(id).ok_or_else(OAuthError::client)?, unescape(secret).ok_or_else(OAuthError::client)?);
            if body_id.as_deref().is_some_and(|b| b != id) {
                return Err(OAuthError::request("client_id differs from the authenticated client."));
            }
            Ok(Some(ClientAuth { client_id: id, secret: Some(secret) }))
        }
        None => Ok(body_id.map(|client_id| ClientAuth { client_id, secret: body_secret })),
    }
}
