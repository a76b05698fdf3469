//! OpenAPI 3.0 / 3.1 documents: the top level (servers, components, `webhooks`,
//! `jsonSchemaDialect`), parameters, request bodies and security schemes.

use std::collections::BTreeMap;

use serde_json::Value;

use super::content;
use super::error::Diag;
use super::loc::Loc;
use super::model::{
    ApiKeyLocation, ImportedParameter, ImportedRequestBody, ImportedResponse, ParameterLocation, SecurityScheme,
    SecuritySchemeType, SourceFormat,
};
use super::operation::{Context, ParamEntry, ParamKind};
use super::read::{self, Object};
use super::refs;
use super::toplevel::{self, Parts};

/// The JSON Schema dialect OpenAPI 3.1 schemas use unless told otherwise.
const DEFAULT_DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// Reads an OpenAPI 3.x document (its root is an object and its version was checked).
pub(crate) fn read(root: &Value, doc: &Object, format: SourceFormat, diag: &mut Diag) -> Parts {
    let loc = Loc::root();
    let is_31 = format == SourceFormat::OpenApi31;
    if is_31 {
        if let Some(dialect) = read::opt_string(doc, "jsonSchemaDialect", &loc, diag)
            && dialect != DEFAULT_DIALECT
        {
            diag.warn(format!("schemas use the JSON Schema dialect {dialect}; they are kept as written"));
        }
        if let Some(webhooks) = read::opt_object(doc, "webhooks", &loc, diag)
            && !webhooks.is_empty()
        {
            diag.warn(format!("{} webhook(s) are not imported", webhooks.len()));
        }
    }
    let servers = servers(doc, &loc, diag);
    let components = read::opt_object(doc, "components", &loc, diag);
    let components_loc = loc.key("components");
    let mut schemas = BTreeMap::new();
    let mut schemes = BTreeMap::new();
    if let Some(components) = components {
        if let Some(found) = read::opt_object(components, "schemas", &components_loc, diag) {
            let list = components_loc.key("schemas");
            for (name, schema) in found {
                let valid = schema.is_object() || (is_31 && schema.is_boolean());
                if valid {
                    schemas.insert(name.clone(), schema.clone());
                } else {
                    diag.error(&list.key(name), format!("must be a schema object, not {}", read::kind(schema)));
                }
            }
        }
        if let Some(found) = read::opt_object(components, "securitySchemes", &components_loc, diag) {
            let list = components_loc.key("securitySchemes");
            for (name, value) in found {
                if let Some(scheme) = security_scheme(root, value, &list.key(name), is_31, diag) {
                    schemes.insert(name.clone(), scheme);
                }
            }
        }
    }
    toplevel::Parts { servers, schemas, security_schemes: schemes, consumes: Vec::new(), produces: Vec::new() }
}

/// Server URLs with their variables replaced by the defaults.
fn servers(doc: &Object, loc: &Loc<'_>, diag: &mut Diag) -> Vec<String> {
    let Some(items) = read::opt_array(doc, "servers", loc, diag) else { return Vec::new() };
    let list = loc.key("servers");
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let here = list.index(i);
        let Some(server) = read::object(item, &here, diag) else { continue };
        let Some(mut url) = read::req_string(server, "url", &here, diag) else { continue };
        if let Some(variables) = read::opt_object(server, "variables", &here, diag) {
            let vars = here.key("variables");
            for (name, variable) in variables {
                let at = vars.key(name);
                let Some(variable) = read::object(variable, &at, diag) else { continue };
                if let Some(default) = read::req_string(variable, "default", &at, diag) {
                    url = url.replace(&format!("{{{name}}}"), &default);
                }
            }
        }
        out.push(url);
    }
    out
}

/// Reads one parameter (following a `$ref`).
pub(crate) fn parameter(cx: &Context<'_>, value: &Value, loc: &Loc<'_>, diag: &mut Diag) -> Option<ParamEntry> {
    let target = refs::follow(cx.root, value, loc, diag)?;
    let at = target.pointer.as_deref().map(Loc::at);
    let here = at.as_ref().unwrap_or(loc);
    let map = read::object(target.value, here, diag)?;
    let name = read::req_string(map, "name", here, diag);
    let location = read::req_string(map, "in", here, diag).and_then(|location| {
        let parsed = match location.as_str() {
            "path" => ParameterLocation::Path,
            "query" => ParameterLocation::Query,
            "header" => ParameterLocation::Header,
            "cookie" => ParameterLocation::Cookie,
            other => {
                diag.error(&here.key("in"), format!("must be path, query, header or cookie, not `{other}`"));
                return None;
            }
        };
        Some(parsed)
    });
    let required = read::opt_bool(map, "required", here, diag);
    let description = read::opt_string(map, "description", here, diag);
    let deprecated = read::opt_bool(map, "deprecated", here, diag).unwrap_or(false);
    let mut schema = read::opt_schema(map, "schema", cx.boolean_schemas(), here, diag);
    if let Some(content) = read::member(map, "content") {
        let media = content::media_types(cx, content, &here.key("content"), diag);
        if media.len() != 1 {
            diag.error(&here.key("content"), "a parameter's `content` must have exactly one media type");
        }
        schema = schema.or_else(|| media.into_values().next().and_then(|media| media.schema));
    }
    let example = read::member(map, "example").cloned();
    let examples = content::examples(cx, map, here, diag);
    let (name, location) = (name?, location?);
    if location == ParameterLocation::Header
        && ["accept", "content-type", "authorization"].contains(&name.to_ascii_lowercase().as_str())
    {
        diag.warn(format!("header parameter `{name}` is ignored, as OpenAPI says ({})", loc.pointer()));
        return None;
    }
    if location == ParameterLocation::Path && required != Some(true) {
        diag.warn(format!("path parameter `{name}` is not marked required; imported as required ({})", here.pointer()));
    }
    let required = location == ParameterLocation::Path || required.unwrap_or(false);
    let param = ImportedParameter {
        name: name.clone(),
        location,
        required,
        description,
        deprecated,
        schema,
        example,
        examples,
    };
    Some(ParamEntry {
        name,
        location: location.as_str().to_owned(),
        pointer: loc.pointer(),
        kind: ParamKind::Plain(param),
    })
}

/// Reads a `requestBody` (following a `$ref`).
pub(crate) fn request_body(
    cx: &Context<'_>,
    value: &Value,
    loc: &Loc<'_>,
    diag: &mut Diag,
) -> Option<ImportedRequestBody> {
    let target = refs::follow(cx.root, value, loc, diag)?;
    let at = target.pointer.as_deref().map(Loc::at);
    let here = at.as_ref().unwrap_or(loc);
    let map = read::object(target.value, here, diag)?;
    let description = read::opt_string(map, "description", here, diag);
    let required = read::opt_bool(map, "required", here, diag).unwrap_or(false);
    let content = match read::member(map, "content") {
        Some(content) => content::media_types(cx, content, &here.key("content"), diag),
        None => {
            diag.error(&here.key("content"), "the required field `content` is missing");
            BTreeMap::new()
        }
    };
    Some(ImportedRequestBody { description, required, content })
}

/// Reads an operation's `responses`.
pub(crate) fn responses(
    cx: &Context<'_>,
    operation: &Object,
    loc: &Loc<'_>,
    diag: &mut Diag,
) -> BTreeMap<String, ImportedResponse> {
    content::responses(cx, operation, loc, diag)
}

/// Reads a security scheme (following a `$ref`).
fn security_scheme(root: &Value, value: &Value, loc: &Loc<'_>, is_31: bool, diag: &mut Diag) -> Option<SecurityScheme> {
    let target = refs::follow(root, value, loc, diag)?;
    let at = target.pointer.as_deref().map(Loc::at);
    let here = at.as_ref().unwrap_or(loc);
    let map = read::object(target.value, here, diag)?;
    let kind = match read::req_string(map, "type", here, diag)?.as_str() {
        "apiKey" => SecuritySchemeType::ApiKey,
        "http" => SecuritySchemeType::Http,
        "oauth2" => SecuritySchemeType::OAuth2,
        "openIdConnect" => SecuritySchemeType::OpenIdConnect,
        "mutualTLS" if is_31 => SecuritySchemeType::MutualTls,
        other => {
            let known = if is_31 {
                "apiKey, http, oauth2, openIdConnect or mutualTLS"
            } else {
                "apiKey, http, oauth2 or openIdConnect"
            };
            diag.error(&here.key("type"), format!("must be {known}, not `{other}`"));
            return None;
        }
    };
    let mut scheme = toplevel::empty_scheme(kind, read::opt_string(map, "description", here, diag));
    match kind {
        SecuritySchemeType::ApiKey => {
            scheme.name = read::req_string(map, "name", here, diag);
            scheme.location = read::req_string(map, "in", here, diag).and_then(|location| match location.as_str() {
                "header" => Some(ApiKeyLocation::Header),
                "query" => Some(ApiKeyLocation::Query),
                "cookie" => Some(ApiKeyLocation::Cookie),
                other => {
                    diag.error(&here.key("in"), format!("must be header, query or cookie, not `{other}`"));
                    None
                }
            });
        }
        SecuritySchemeType::Http => {
            scheme.scheme = read::req_string(map, "scheme", here, diag).map(|s| s.to_ascii_lowercase());
            scheme.bearer_format = read::opt_string(map, "bearerFormat", here, diag);
        }
        SecuritySchemeType::OAuth2 => {
            if read::member(map, "flows").is_none() {
                diag.error(&here.key("flows"), "the required field `flows` is missing");
            }
            scheme.flows = read::opt_object(map, "flows", here, diag).map(|flows| Value::Object(flows.clone()));
        }
        SecuritySchemeType::OpenIdConnect => {
            scheme.open_id_connect_url = read::req_string(map, "openIdConnectUrl", here, diag);
        }
        SecuritySchemeType::MutualTls => {}
    }
    Some(scheme)
}
