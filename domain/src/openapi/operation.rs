//! One operation: the fields every format shares (operationId, tags, security, the
//! merge of path-level and operation-level parameters, the path-template check), with
//! parameters, request bodies and responses read by the format's own module.

use std::collections::BTreeSet;

use serde_json::Value;

use super::error::Diag;
use super::loc::Loc;
use super::model::{
    HttpMethod, ImportedOperation, ImportedParameter, ImportedRequestBody, ParameterLocation, SecurityRequirement,
    SourceFormat,
};
use super::read::{self, Object, kind};
use super::{openapi3, swagger2};

/// What operations are read against: the document and its document-wide settings.
#[derive(Debug)]
pub(crate) struct Context<'v> {
    /// The whole document (for `$ref`s).
    pub root: &'v Value,
    /// The format being read.
    pub format: SourceFormat,
    /// The document's `security`, if it has one.
    pub security: Option<Vec<SecurityRequirement>>,
    /// Names of the declared security schemes.
    pub schemes: BTreeSet<String>,
    /// Swagger 2.0 `consumes` of the document.
    pub consumes: Vec<String>,
    /// Swagger 2.0 `produces` of the document.
    pub produces: Vec<String>,
}

impl Context<'_> {
    /// Whether schemas may be booleans (JSON Schema 2020-12, OpenAPI 3.1).
    pub(crate) fn boolean_schemas(&self) -> bool {
        self.format == SourceFormat::OpenApi31
    }
}

/// A parameter as read, before it is sorted into parameters and (Swagger 2.0) body.
#[derive(Debug, Clone)]
pub(crate) enum ParamKind {
    /// A path, query, header or cookie parameter.
    Plain(ImportedParameter),
    /// Swagger 2.0 `in: body`.
    Body { description: Option<String>, required: bool, schema: Option<Value> },
    /// Swagger 2.0 `in: formData` (`file`: of type `file`).
    Form { param: ImportedParameter, file: bool },
}

/// A parameter with the identity it is merged by (name + `in`) and where it was listed.
#[derive(Debug, Clone)]
pub(crate) struct ParamEntry {
    /// The parameter's name.
    pub name: String,
    /// Its `in` as written.
    pub location: String,
    /// Pointer of the item of the `parameters` list that gave it.
    pub pointer: String,
    /// What it is.
    pub kind: ParamKind,
}

/// Reads a `parameters` list; a name + `in` listed twice is an error.
pub(crate) fn parameters(cx: &Context<'_>, map: &Object, loc: &Loc<'_>, diag: &mut Diag) -> Vec<ParamEntry> {
    let Some(items) = read::opt_array(map, "parameters", loc, diag) else {
        return Vec::new();
    };
    let list = loc.key("parameters");
    let mut out: Vec<ParamEntry> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let here = list.index(i);
        let entry = match cx.format {
            SourceFormat::Swagger20 => swagger2::parameter(cx, item, &here, diag),
            SourceFormat::OpenApi30 | SourceFormat::OpenApi31 => openapi3::parameter(cx, item, &here, diag),
        };
        let Some(entry) = entry else { continue };
        if out.iter().any(|p| p.name == entry.name && p.location == entry.location) {
            diag.error(&here, format!("parameter `{}` (in: {}) is listed twice", entry.name, entry.location));
            continue;
        }
        out.push(entry);
    }
    out
}

/// Where an operation is and what it inherits from its path item.
pub(crate) struct Site<'a> {
    /// The method.
    pub method: HttpMethod,
    /// The path template.
    pub path: &'a str,
    /// The variables of the path template.
    pub variables: &'a [String],
    /// The path item's parameters.
    pub shared: &'a [ParamEntry],
}

/// Reads one operation.
pub(crate) fn build(
    cx: &Context<'_>,
    site: &Site<'_>,
    value: &Value,
    loc: &Loc<'_>,
    diag: &mut Diag,
) -> Option<ImportedOperation> {
    let map = read::object(value, loc, diag)?;
    let operation_id = read::opt_string(map, "operationId", loc, diag);
    let summary = read::opt_string(map, "summary", loc, diag);
    let description = read::opt_string(map, "description", loc, diag);
    let tags = read::string_list(map, "tags", loc, diag);
    let deprecated = read::opt_bool(map, "deprecated", loc, diag).unwrap_or(false);

    let mut entries = site.shared.to_vec();
    for own in parameters(cx, map, loc, diag) {
        match entries.iter_mut().find(|p| p.name == own.name && p.location == own.location) {
            Some(shared) => *shared = own,
            None => entries.push(own),
        }
    }
    check_template(site, &entries, loc, diag);

    let mut parameters = Vec::with_capacity(entries.len());
    let mut body_params = Vec::new();
    for entry in entries {
        match entry.kind {
            ParamKind::Plain(param) => parameters.push(param),
            _ => body_params.push(entry),
        }
    }
    let (request_body, responses) = match cx.format {
        SourceFormat::Swagger20 => {
            let consumes = read::member(map, "consumes").map(|_| read::string_list(map, "consumes", loc, diag));
            let produces = read::member(map, "produces").map(|_| read::string_list(map, "produces", loc, diag));
            let consumes = consumes.as_deref().unwrap_or(&cx.consumes);
            let produces = produces.as_deref().unwrap_or(&cx.produces);
            (swagger2::request_body(&body_params, consumes, diag), swagger2::responses(cx, map, produces, loc, diag))
        }
        SourceFormat::OpenApi30 | SourceFormat::OpenApi31 => {
            if site.method == HttpMethod::Get && read::member(map, "requestBody").is_some() {
                diag.warn(format!(
                    "{} {} has a request body, which GET requests should not have",
                    site.method, site.path
                ));
            }
            let request_body: Option<ImportedRequestBody> = read::member(map, "requestBody")
                .and_then(|body| openapi3::request_body(cx, body, &loc.key("requestBody"), diag));
            (request_body, openapi3::responses(cx, map, loc, diag))
        }
    };
    if read::member(map, "responses").is_none() {
        diag.warn(format!("{} {} declares no responses", site.method, site.path));
    }
    for (key, what) in [("callbacks", "callbacks"), ("servers", "operation-level servers")] {
        if read::member(map, key).is_some() {
            diag.warn(format!("{what} are not imported ({} {})", site.method, site.path));
        }
    }
    let security = match read::member(map, "security") {
        Some(value) => security(cx, value, &loc.key("security"), diag),
        None => cx.security.clone().unwrap_or_default(),
    };
    Some(ImportedOperation {
        method: site.method,
        path: site.path.to_owned(),
        operation_id,
        summary,
        description,
        tags,
        deprecated,
        parameters,
        request_body,
        responses,
        security,
    })
}

/// Every template variable needs an `in: path` parameter and every `in: path` parameter
/// a template variable.
fn check_template(site: &Site<'_>, entries: &[ParamEntry], loc: &Loc<'_>, diag: &mut Diag) {
    let is_path = |entry: &ParamEntry| matches!(&entry.kind, ParamKind::Plain(param) if param.location == ParameterLocation::Path);
    for variable in site.variables {
        if !entries.iter().any(|entry| is_path(entry) && &entry.name == variable) {
            diag.error(
                loc,
                format!("the path has the variable {{{variable}}} but no parameter `{variable}` with in: path"),
            );
        }
    }
    for entry in entries.iter().filter(|entry| is_path(entry)) {
        if !site.variables.contains(&entry.name) {
            diag.error_at(
                entry.pointer.clone(),
                format!(
                    "parameter `{}` is in: path but the path `{}` has no {{{}}}",
                    entry.name, site.path, entry.name
                ),
            );
        }
    }
}

/// Reads a `security` list: each requirement maps declared scheme names to scopes.
pub(crate) fn security(cx: &Context<'_>, value: &Value, loc: &Loc<'_>, diag: &mut Diag) -> Vec<SecurityRequirement> {
    let Value::Array(items) = value else {
        diag.error(loc, format!("must be an array of security requirements, not {}", kind(value)));
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let here = loc.index(i);
        let Some(map) = read::object(item, &here, diag) else { continue };
        let mut requirement = SecurityRequirement::new();
        for name in map.keys() {
            if !cx.schemes.contains(name) {
                diag.error(&here.key(name), format!("security scheme `{name}` is not declared"));
                continue;
            }
            let scopes = read::string_list(map, name, &here, diag);
            if read::member(map, name).is_none_or(Value::is_array) {
                requirement.insert(name.clone(), scopes);
            }
        }
        out.push(requirement);
    }
    out
}
