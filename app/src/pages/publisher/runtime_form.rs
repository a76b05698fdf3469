//! The Runtime tab's form as text fields, and its conversion from and to the API's
//! runtime definition (server side). Endpoints are one per line (`url [weight]`),
//! headers to add one `Name: value` per line; field errors of the definition are
//! renamed to the form's fields.

use serde::{Deserialize, Serialize};

/// The runtime definition as the form edits it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuntimeForm {
    pub production: String,
    pub production_backup: String,
    pub sandbox: String,
    pub sandbox_backup: String,
    /// `round_robin` or `weighted`.
    pub balancing: String,
    pub base_path: String,
    /// `upstream`, `preserve` or `rewrite`.
    pub host_mode: String,
    pub host_value: String,
    pub connect_ms: String,
    pub response_ms: String,
    pub retries: String,
    /// Empty: no active health check.
    pub health_path: String,
    pub health_interval_ms: String,
    pub headers_add: String,
    pub headers_remove: String,
    /// `api_key`, `jwt`, `basic` or `none`: the default of operations.
    pub auth: String,
    pub key_header: String,
    pub key_query: String,
    pub tls_ca_pem: String,
    pub tls_client_cert_pem: String,
    /// Never sent to the browser: only whether one is set.
    pub tls_client_key_set: bool,
    pub tls_sni: String,
    pub max_body_bytes: String,
}

/// Conversion from and to the definition (server side).
#[cfg(feature = "ssr")]
mod convert {
    use domain::api_definition::{
        ApiDefinition, AuthKind, Balancing, EndpointSpec, HealthCheckSpec, HostHeader, UpstreamTlsSpec,
    };
    use domain::{DomainError, FieldError};

    use super::RuntimeForm;

    fn lines(endpoints: &[EndpointSpec]) -> String {
        endpoints
            .iter()
            .map(|e| if e.weight == 1 { e.url.clone() } else { format!("{} {}", e.url, e.weight) })
            .collect::<Vec<_>>()
            .join("\n")
    }

    impl RuntimeForm {
        /// The form of a definition.
        pub fn from_definition(d: &ApiDefinition) -> Self {
            let (host_mode, host_value) = match &d.host_header {
                HostHeader::Upstream => ("upstream", String::new()),
                HostHeader::Preserve => ("preserve", String::new()),
                HostHeader::Rewrite(host) => ("rewrite", host.clone()),
            };
            let tls = d.tls.clone().unwrap_or_default();
            Self {
                production: lines(&d.production.endpoints),
                production_backup: lines(&d.production.backup),
                sandbox: lines(&d.sandbox.endpoints),
                sandbox_backup: lines(&d.sandbox.backup),
                balancing: if d.balancing == Balancing::Weighted { "weighted" } else { "round_robin" }.into(),
                base_path: d.base_path.clone(),
                host_mode: host_mode.into(),
                host_value,
                connect_ms: d.timeouts.connect_ms.to_string(),
                response_ms: d.timeouts.response_ms.to_string(),
                retries: d.retries.to_string(),
                health_path: d.health_check.as_ref().map(|h| h.path.clone()).unwrap_or_default(),
                health_interval_ms: d.health_check.as_ref().map_or("5000".into(), |h| h.interval_ms.to_string()),
                headers_add: d
                    .request_headers
                    .add
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                headers_remove: d.request_headers.remove.join(", "),
                auth: d.auth.as_str().into(),
                key_header: d.key_auth.header.clone(),
                key_query: d.key_auth.query.clone().unwrap_or_default(),
                tls_ca_pem: tls.ca_pem.unwrap_or_default(),
                tls_client_cert_pem: tls.client_cert_pem.unwrap_or_default(),
                tls_client_key_set: tls.client_key_pem.is_some(),
                tls_sni: tls.sni.unwrap_or_default(),
                max_body_bytes: d.max_body_bytes.map(|b| b.to_string()).unwrap_or_default(),
            }
        }

        /// `current` changed as the form says. A client key is only replaced when a new
        /// one is given (`new_client_key`), or removed with the client certificate.
        pub fn apply(&self, current: &ApiDefinition, new_client_key: &str) -> Result<ApiDefinition, DomainError> {
            let mut errors = Vec::new();
            let mut d = current.clone();
            d.production.endpoints = endpoints(&self.production, "production", &mut errors);
            d.production.backup = endpoints(&self.production_backup, "production_backup", &mut errors);
            d.sandbox.endpoints = endpoints(&self.sandbox, "sandbox", &mut errors);
            d.sandbox.backup = endpoints(&self.sandbox_backup, "sandbox_backup", &mut errors);
            d.balancing = if self.balancing == "weighted" { Balancing::Weighted } else { Balancing::RoundRobin };
            d.base_path = self.base_path.trim().to_owned();
            d.host_header = match self.host_mode.as_str() {
                "preserve" => HostHeader::Preserve,
                "rewrite" => HostHeader::Rewrite(self.host_value.trim().to_owned()),
                _ => HostHeader::Upstream,
            };
            d.timeouts.connect_ms =
                number(&self.connect_ms, "connect_ms", &mut errors).unwrap_or(d.timeouts.connect_ms);
            d.timeouts.response_ms =
                number(&self.response_ms, "response_ms", &mut errors).unwrap_or(d.timeouts.response_ms);
            d.retries = number(&self.retries, "retries", &mut errors).map_or(d.retries, |n| n as u32);
            d.health_check = match self.health_path.trim() {
                "" => None,
                path => {
                    let interval_ms =
                        number(&self.health_interval_ms, "health_interval_ms", &mut errors).unwrap_or(5_000);
                    // Thresholds and probe timeout: as they were, or the gateway's defaults.
                    let base = current
                        .health_check
                        .clone()
                        .or_else(|| serde_json::from_value(serde_json::json!({ "path": path })).ok());
                    base.map(|h| HealthCheckSpec { path: path.to_owned(), interval_ms, ..h })
                }
            };
            d.request_headers.add = headers(&self.headers_add, &mut errors);
            d.request_headers.remove = self
                .headers_remove
                .split([',', '\n'])
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned)
                .collect();
            d.auth = AuthKind::parse(&self.auth).unwrap_or_default();
            d.key_auth.header = self.key_header.trim().to_owned();
            d.key_auth.query = Some(self.key_query.trim().to_owned()).filter(|q| !q.is_empty());
            d.tls = tls(self, current, new_client_key);
            d.max_body_bytes = match self.max_body_bytes.trim() {
                "" => None,
                _ => number(&self.max_body_bytes, "max_body_bytes", &mut errors),
            };
            if errors.is_empty() { Ok(d) } else { Err(DomainError::Invalid(errors)) }
        }
    }

    fn tls(form: &RuntimeForm, current: &ApiDefinition, new_client_key: &str) -> Option<UpstreamTlsSpec> {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let client_cert_pem = text(&form.tls_client_cert_pem);
        let client_key_pem = match (text(new_client_key), &client_cert_pem) {
            (Some(key), _) => Some(key),
            (None, Some(_)) => current.tls.as_ref().and_then(|t| t.client_key_pem.clone()),
            (None, None) => None,
        };
        let tls = UpstreamTlsSpec {
            ca_pem: text(&form.tls_ca_pem),
            client_cert_pem,
            client_key_pem,
            sni: text(&form.tls_sni),
        };
        (tls != UpstreamTlsSpec::default()).then_some(tls)
    }

    fn endpoints(text: &str, field: &str, errors: &mut Vec<FieldError>) -> Vec<EndpointSpec> {
        let mut out = Vec::new();
        for (n, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            let mut parts = line.split_whitespace();
            let url = parts.next().unwrap_or_default().trim_end_matches('/').to_owned();
            match parts.next().map(str::parse::<u32>) {
                None => out.push(EndpointSpec { url, weight: 1 }),
                Some(Ok(weight)) => out.push(EndpointSpec { url, weight }),
                Some(Err(_)) => errors.push(FieldError::new(
                    field,
                    "invalid_weight",
                    format!("Line {}: write the URL, then optionally a whole-number weight.", n + 1),
                )),
            }
        }
        out
    }

    fn headers(text: &str, errors: &mut Vec<FieldError>) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for (n, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            match line.split_once(':') {
                Some((name, value)) if !name.trim().is_empty() => {
                    out.insert(name.trim().to_owned(), value.trim().to_owned());
                }
                _ => errors.push(FieldError::new(
                    "headers_add",
                    "invalid_header",
                    format!("Line {}: write `Name: value`.", n + 1),
                )),
            }
        }
        out
    }

    fn number(text: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<u64> {
        match text.trim().parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(field, "invalid_number", "Enter a whole number."));
                None
            }
        }
    }

    /// The form field a definition error belongs to (`definition.production.endpoints[0].url`
    /// → `production`), with the position kept in the message.
    pub fn form_field(field: &str) -> &'static str {
        const FIELDS: [(&str, &str); 12] = [
            ("definition.production.endpoints", "production"),
            ("definition.production.backup", "production_backup"),
            ("definition.sandbox.endpoints", "sandbox"),
            ("definition.sandbox.backup", "sandbox_backup"),
            ("definition.base_path", "base_path"),
            ("definition.host_header", "host_value"),
            ("definition.timeouts", "response_ms"),
            ("definition.health_check", "health_path"),
            ("definition.request_headers", "headers_add"),
            ("definition.key_auth.query", "key_query"),
            ("definition.key_auth", "key_header"),
            ("definition.tls", "tls_ca_pem"),
        ];
        FIELDS.iter().find(|(prefix, _)| field.starts_with(prefix)).map_or("definition", |(_, name)| name)
    }
}

#[cfg(feature = "ssr")]
pub use convert::form_field;

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use domain::DomainError;
    use domain::api_definition::{ApiDefinition, EndpointSpec, HostHeader, UpstreamTlsSpec};

    use super::{RuntimeForm, form_field};

    fn defined() -> ApiDefinition {
        let mut d = ApiDefinition::default();
        d.production.endpoints = vec![
            EndpointSpec { url: "http://10.0.0.1:80".into(), weight: 1 },
            EndpointSpec { url: "http://10.0.0.2:80".into(), weight: 3 },
        ];
        d.host_header = HostHeader::Rewrite("api.example.com".into());
        d.request_headers.add.insert("X-Env".into(), "prod".into());
        d.tls = Some(UpstreamTlsSpec {
            client_cert_pem: Some("CERT".into()),
            client_key_pem: Some("KEY".into()),
            ..Default::default()
        });
        d
    }

    #[test]
    fn a_definition_survives_the_form_unchanged_and_its_client_key_never_reaches_it() {
        let d = defined();
        let form = RuntimeForm::from_definition(&d);
        assert_eq!(form.production, "http://10.0.0.1:80\nhttp://10.0.0.2:80 3");
        assert_eq!(form.headers_add, "X-Env: prod");
        assert!(form.tls_client_key_set);
        assert!(!serde_json::to_string(&form).unwrap().contains("KEY"));
        assert_eq!(form.apply(&d, "").unwrap(), d);
    }

    #[test]
    fn the_client_key_is_replaced_only_when_given_and_dropped_with_the_certificate() {
        let d = defined();
        let mut form = RuntimeForm::from_definition(&d);
        let replaced = form.apply(&d, "NEW").unwrap();
        assert_eq!(replaced.tls.unwrap().client_key_pem.as_deref(), Some("NEW"));
        form.tls_client_cert_pem.clear();
        assert_eq!(form.apply(&d, "").unwrap().tls, None);
    }

    #[test]
    fn bad_lines_are_field_errors_with_their_line() {
        let d = ApiDefinition::default();
        let form = RuntimeForm {
            production: "http://a:1 heavy".into(),
            headers_add: "no colon".into(),
            retries: "many".into(),
            ..RuntimeForm::from_definition(&d)
        };
        let Err(DomainError::Invalid(errors)) = form.apply(&d, "") else { panic!("must be refused") };
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
        assert!(fields.contains(&("production", "Line 1: write the URL, then optionally a whole-number weight.")));
        assert!(fields.contains(&("headers_add", "Line 1: write `Name: value`.")));
        assert!(fields.iter().any(|(f, _)| *f == "retries"));
    }

    #[test]
    fn definition_errors_land_on_the_form_field() {
        assert_eq!(form_field("definition.production.endpoints[1].url"), "production");
        assert_eq!(form_field("definition.sandbox.backup[0].url"), "sandbox_backup");
        assert_eq!(form_field("definition.key_auth.query"), "key_query");
        assert_eq!(form_field("definition.something_new"), "definition");
    }
}
