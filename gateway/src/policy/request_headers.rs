//! `request_headers`: the publisher's header rules — headers removed from and set on the
//! request as it leaves for the upstream.

use http::header::{HeaderName, HeaderValue};
use http::request;

use super::{Policy, RequestCtx};
use crate::spec::{HeaderRulesSpec, LoadError};

/// The compiled header rules of one API.
pub struct RequestHeaders {
    remove: Vec<HeaderName>,
    set: Vec<(HeaderName, HeaderValue)>,
}

impl RequestHeaders {
    /// Compiles the rules; names and values must be valid header syntax.
    pub fn compile(index: usize, spec: &HeaderRulesSpec) -> Result<Self, LoadError> {
        let at = |field: &str| format!("apis[{index}].request_headers.{field}");
        let name = |field: &str, name: &str| {
            HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| LoadError::at(at(field), format!("`{name}` is not a header name")))
        };
        let remove = spec.remove.iter().map(|n| name("remove", n)).collect::<Result<_, _>>()?;
        let mut set = Vec::with_capacity(spec.add.len());
        for (header, value) in &spec.add {
            let value = HeaderValue::from_str(value).map_err(|_| {
                LoadError::at(at("add"), format!("the value of `{header}` is not a valid header value"))
            })?;
            set.push((name("add", header)?, value));
        }
        Ok(Self { remove, set })
    }
}

#[async_trait::async_trait]
impl Policy for RequestHeaders {
    fn name(&self) -> &'static str {
        "request_headers"
    }

    fn on_upstream_request(&self, req: &mut request::Parts, _cx: &RequestCtx) {
        for name in &self.remove {
            req.headers.remove(name);
        }
        for (name, value) in &self.set {
            req.headers.insert(name.clone(), value.clone());
        }
    }
}
