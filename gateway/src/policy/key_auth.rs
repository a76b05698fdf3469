//! `key_auth`: the API key identifies an application, which must hold an active
//! subscription to the API. The key is removed before the upstream, which receives the
//! application's id in `X-Application-Id` instead (set by the proxy).

use std::borrow::Cow;
use std::sync::Arc;

use async_trait::async_trait;
use http::header::HeaderName;
use http::request;

use super::{Flow, Policy, RequestCtx, check_subscription};
use crate::credentials::Credentials;
use crate::error::ProxyError;
use crate::spec::{ApiSpec, AuthKind, LoadError};

/// Header naming the calling application to the upstream.
pub const APPLICATION_HEADER: HeaderName = HeaderName::from_static("x-application-id");

/// The compiled key-auth policy of one API.
pub struct KeyAuth {
    /// The API's position in the snapshot (what subscriptions are indexed by).
    api: usize,
    header: HeaderName,
    query: Option<Arc<str>>,
    credentials: Arc<Credentials>,
}

impl KeyAuth {
    /// Compiles the API's `key_auth` settings.
    pub fn compile(index: usize, spec: &ApiSpec, credentials: Arc<Credentials>) -> Result<Self, LoadError> {
        let header = HeaderName::from_bytes(spec.key_auth.header.as_bytes()).map_err(|_| {
            LoadError::at(
                format!("apis[{index}].key_auth.header"),
                format!("`{}` is not a header name", spec.key_auth.header),
            )
        })?;
        if let Some(query) = &spec.key_auth.query
            && (query.is_empty() || query.contains(['&', '=', '#']))
        {
            return Err(LoadError::at(format!("apis[{index}].key_auth.query"), "not a query parameter name"));
        }
        let query = spec.key_auth.query.as_deref().map(Arc::from);
        Ok(Self { api: index, header, query, credentials })
    }

    /// The key from the header, else from the query string (then marked for removal).
    fn presented_key<'r>(&self, req: &'r request::Parts, cx: &mut RequestCtx) -> Option<Cow<'r, [u8]>> {
        if let Some(value) = req.headers.get(&self.header) {
            return Some(Cow::Borrowed(value.as_bytes()));
        }
        let name = self.query.as_ref()?;
        let query = req.uri.query()?;
        let value = form_urlencoded_value(query, name)?;
        cx.strip_query_param = Some(name.clone());
        Some(Cow::Owned(value))
    }
}

#[async_trait]
impl Policy for KeyAuth {
    fn name(&self) -> &'static str {
        "key_auth"
    }

    async fn on_request(&self, req: &mut request::Parts, cx: &mut RequestCtx) -> Result<Flow, ProxyError> {
        if cx.auth != AuthKind::ApiKey {
            req.headers.remove(&self.header);
            return Ok(Flow::Continue);
        }
        let Some(key) = self.presented_key(req, cx) else {
            return Ok(Flow::Respond(ProxyError::MissingCredentials { header: self.header.to_string() }));
        };
        let entry = self.credentials.find(&key);
        drop(key);
        req.headers.remove(&self.header);
        let Some(entry) = entry else {
            return Ok(Flow::Respond(ProxyError::InvalidApiKey));
        };
        if entry.expires_at.is_some_and(|at| at <= chrono::Utc::now().timestamp()) {
            return Ok(Flow::Respond(ProxyError::InvalidApiKey));
        }
        // Known even when refused below, so analytics counts the refusal against it.
        cx.application = Some(entry.application.clone());
        if let Some(refused) = check_subscription(&entry.application, self.api) {
            return Ok(Flow::Respond(refused));
        }
        entry.record_use();
        Ok(Flow::Continue)
    }
}

/// The decoded value of `name` in a query string (`a=1&api_key=xyz`). The name is
/// matched as sent, as the upstream URL's filter matches it, so what is checked here is
/// exactly what is removed there.
pub(crate) fn form_urlencoded_value(query: &str, name: &str) -> Option<Vec<u8>> {
    let pair = query.split('&').find(|pair| pair.split_once('=').map_or(*pair, |(key, _)| key) == name)?;
    let (_, value) = form_urlencoded::parse(pair.as_bytes()).next()?;
    Some(value.into_owned().into_bytes())
}
