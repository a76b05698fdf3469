//! Swagger 2.0 documents, converted to the import model: `host` + `basePath` + `schemes`
//! become server URLs, `definitions` component schemas (with `#/definitions/…` references
//! rewritten to `#/components/schemas/…`), `securityDefinitions` security schemes.
//! Operations are read by [`super::swagger2_ops`].

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::error::Diag;
use super::loc::Loc;
use super::model::{ApiKeyLocation, SecurityScheme, SecuritySchemeType};
use super::read::{self, Object};
use super::toplevel::{Parts, empty_scheme};

pub(crate) use super::swagger2_ops::{parameter, request_body, responses};

/// Reads the top level of a Swagger 2.0 document.
pub(crate) fn read(doc: &Object, diag: &mut Diag) -> Parts {
    let root = Loc::root();
    diag.warn("converted from Swagger 2.0");
    let servers = servers(doc, diag);
    let mut schemas = BTreeMap::new();
    if let Some(definitions) = read::opt_object(doc, "definitions", &root, diag) {
        let list = root.key("definitions");
        for (name, schema) in definitions {
            if schema.is_object() {
                schemas.insert(name.clone(), convert_schema(schema));
            } else {
                diag.error(&list.key(name), format!("must be a schema object, not {}", read::kind(schema)));
            }
        }
    }
    let mut security_schemes = BTreeMap::new();
    if let Some(definitions) = read::opt_object(doc, "securityDefinitions", &root, diag) {
        let list = root.key("securityDefinitions");
        for (name, value) in definitions {
            if let Some(scheme) = security_definition(value, &list.key(name), diag) {
                security_schemes.insert(name.clone(), scheme);
            }
        }
    }
    let consumes = read::string_list(doc, "consumes", &root, diag);
    let produces = read::string_list(doc, "produces", &root, diag);
    Parts { servers, schemas, security_schemes, consumes, produces }
}

/// One URL per scheme from `schemes`, `host` and `basePath` (https when no scheme is given).
fn servers(doc: &Object, diag: &mut Diag) -> Vec<String> {
    let root = Loc::root();
    let host = read::opt_string(doc, "host", &root, diag);
    if let Some(host) = &host
        && (host.is_empty() || host.contains(['/', '?', '#', ' ']))
    {
        diag.error(&root.key("host"), format!("must be a host name with an optional port, not `{host}`"));
    }
    let base_path = read::opt_string(doc, "basePath", &root, diag);
    if let Some(base_path) = &base_path
        && !base_path.starts_with('/')
    {
        diag.error(&root.key("basePath"), format!("must start with `/`, not `{base_path}`"));
    }
    let base_path = base_path.filter(|path| path != "/").unwrap_or_default();
    let base_path = base_path.trim_end_matches('/');
    let mut schemes = read::string_list(doc, "schemes", &root, diag);
    let list = root.key("schemes");
    for (i, scheme) in schemes.iter().enumerate() {
        if !matches!(scheme.as_str(), "http" | "https" | "ws" | "wss") {
            diag.error(&list.index(i), format!("must be http, https, ws or wss, not `{scheme}`"));
        }
    }
    let Some(host) = host else {
        return if base_path.is_empty() { Vec::new() } else { vec![base_path.to_owned()] };
    };
    if schemes.is_empty() {
        diag.warn("no `schemes` are given; the server is assumed to use https");
        schemes.push("https".to_owned());
    }
    schemes.iter().map(|scheme| format!("{scheme}://{host}{base_path}")).collect()
}

/// A Swagger 2.0 schema in OpenAPI 3 form: references to `#/definitions/…` point to
/// `#/components/schemas/…` and `type: file` becomes a binary string. Example data,
/// defaults, enums and extensions are left alone.
pub(crate) fn convert_schema(schema: &Value) -> Value {
    let mut schema = schema.clone();
    rewrite(&mut schema);
    schema
}

fn rewrite(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some(name) = reference.strip_prefix("#/definitions/")
            {
                *reference = format!("#/components/schemas/{name}");
            }
            if map.get("type").and_then(Value::as_str) == Some("file") {
                map.insert("type".into(), json!("string"));
                map.insert("format".into(), json!("binary"));
            }
            for (key, child) in map.iter_mut() {
                if !(matches!(key.as_str(), "example" | "default" | "enum") || key.starts_with("x-")) {
                    rewrite(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite),
        _ => {}
    }
}

/// Reads one `securityDefinitions` entry.
fn security_definition(value: &Value, loc: &Loc<'_>, diag: &mut Diag) -> Option<SecurityScheme> {
    let map = read::object(value, loc, diag)?;
    let description = read::opt_string(map, "description", loc, diag);
    match read::req_string(map, "type", loc, diag)?.as_str() {
        "basic" => {
            let mut scheme = empty_scheme(SecuritySchemeType::Http, description);
            scheme.scheme = Some("basic".to_owned());
            Some(scheme)
        }
        "apiKey" => {
            let mut scheme = empty_scheme(SecuritySchemeType::ApiKey, description);
            scheme.name = read::req_string(map, "name", loc, diag);
            scheme.location = read::req_string(map, "in", loc, diag).and_then(|location| match location.as_str() {
                "header" => Some(ApiKeyLocation::Header),
                "query" => Some(ApiKeyLocation::Query),
                other => {
                    diag.error(&loc.key("in"), format!("must be header or query, not `{other}`"));
                    None
                }
            });
            Some(scheme)
        }
        "oauth2" => {
            let mut scheme = empty_scheme(SecuritySchemeType::OAuth2, description);
            scheme.flows = oauth2_flows(map, loc, diag);
            Some(scheme)
        }
        other => {
            diag.error(&loc.key("type"), format!("must be basic, apiKey or oauth2, not `{other}`"));
            None
        }
    }
}

/// The OpenAPI 3 `flows` object of a Swagger 2.0 OAuth2 definition.
fn oauth2_flows(map: &Object, loc: &Loc<'_>, diag: &mut Diag) -> Option<Value> {
    let flow = read::req_string(map, "flow", loc, diag)?;
    let (name, needs_authorization, needs_token) = match flow.as_str() {
        "implicit" => ("implicit", true, false),
        "password" => ("password", false, true),
        "application" => ("clientCredentials", false, true),
        "accessCode" => ("authorizationCode", true, true),
        other => {
            diag.error(
                &loc.key("flow"),
                format!("must be implicit, password, application or accessCode, not `{other}`"),
            );
            return None;
        }
    };
    let mut out = Map::new();
    if needs_authorization && let Some(url) = read::req_string(map, "authorizationUrl", loc, diag) {
        out.insert("authorizationUrl".into(), Value::String(url));
    }
    if needs_token && let Some(url) = read::req_string(map, "tokenUrl", loc, diag) {
        out.insert("tokenUrl".into(), Value::String(url));
    }
    let scopes = read::opt_object(map, "scopes", loc, diag).cloned().unwrap_or_default();
    out.insert("scopes".into(), Value::Object(scopes));
    Some(json!({ name: out }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_converted() {
        let schema = json!({
            "type": "object",
            "properties": {
                "owner": {"$ref": "#/definitions/User"},
                "photo": {"type": "file"},
                "other": {"$ref": "https://example.com/s.json#/definitions/X"}
            },
            "example": {"$ref": "#/definitions/Keep"}
        });
        let converted = convert_schema(&schema);
        assert_eq!(converted["properties"]["owner"]["$ref"], "#/components/schemas/User");
        assert_eq!(converted["properties"]["photo"], json!({"type": "string", "format": "binary"}));
        assert_eq!(converted["properties"]["other"]["$ref"], "https://example.com/s.json#/definitions/X");
        assert_eq!(converted["example"]["$ref"], "#/definitions/Keep");
    }
}
