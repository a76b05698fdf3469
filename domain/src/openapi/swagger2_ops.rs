//! Swagger 2.0 operations, converted: typed parameters get a schema built from their
//! `type`/`format`/`items`/…; the `body` parameter becomes the request body for each of the
//! `consumes` media types and `formData` parameters a form schema; a response's `schema`
//! and `examples` become content for each of the `produces` media types.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::content::is_status;
use super::error::Diag;
use super::loc::Loc;
use super::model::{ImportedMediaType, ImportedParameter, ImportedRequestBody, ImportedResponse, ParameterLocation};
use super::operation::{Context, ParamEntry, ParamKind};
use super::read::{self, Object, is_extension};
use super::refs;
use super::swagger2::convert_schema;

/// Media type assumed when neither the operation nor the document says.
const DEFAULT_MEDIA_TYPE: &str = "application/json";
const URLENCODED: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// The members of a typed (non-body) parameter that are JSON Schema keywords.
const SCHEMA_KEYWORDS: [&str; 16] = [
    "type",
    "format",
    "items",
    "enum",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
];

/// Reads one parameter (following a `$ref` to `#/parameters/…`).
pub(crate) fn parameter(cx: &Context<'_>, value: &Value, loc: &Loc<'_>, diag: &mut Diag) -> Option<ParamEntry> {
    let target = refs::follow(cx.root, value, loc, diag)?;
    let at = target.pointer.as_deref().map(Loc::at);
    let here = at.as_ref().unwrap_or(loc);
    let map = read::object(target.value, here, diag)?;
    let name = read::req_string(map, "name", here, diag)?;
    let location = read::req_string(map, "in", here, diag)?;
    let description = read::opt_string(map, "description", here, diag);
    let required = read::opt_bool(map, "required", here, diag);
    let entry =
        |kind| Some(ParamEntry { name: name.clone(), location: location.clone(), pointer: loc.pointer(), kind });
    let plain_location = match location.as_str() {
        "body" => {
            let schema = match read::member(map, "schema") {
                None => {
                    diag.error(&here.key("schema"), "the required field `schema` is missing");
                    None
                }
                Some(_) => read::opt_schema(map, "schema", false, here, diag).map(|schema| convert_schema(&schema)),
            };
            return entry(ParamKind::Body { description, required: required.unwrap_or(false), schema });
        }
        "path" => ParameterLocation::Path,
        "query" | "formData" => ParameterLocation::Query,
        "header" => ParameterLocation::Header,
        other => {
            diag.error(&here.key("in"), format!("must be path, query, header, body or formData, not `{other}`"));
            return None;
        }
    };
    let kind = read::req_string(map, "type", here, diag)?;
    let file = kind == "file";
    if file && location != "formData" {
        diag.error(&here.key("type"), "`type: file` is only allowed for formData parameters");
        return None;
    }
    let mut schema = Map::new();
    for keyword in SCHEMA_KEYWORDS {
        if let Some(value) = map.get(keyword) {
            schema.insert(keyword.to_owned(), value.clone());
        }
    }
    if location == "path" && required != Some(true) {
        diag.warn(format!("path parameter `{name}` is not marked required; imported as required ({})", here.pointer()));
    }
    let param = ImportedParameter {
        name: name.clone(),
        location: plain_location,
        required: location == "path" || required.unwrap_or(false),
        description,
        deprecated: false,
        schema: Some(convert_schema(&Value::Object(schema))),
        example: map.get("x-example").cloned(),
        examples: BTreeMap::new(),
    };
    if location == "formData" { entry(ParamKind::Form { param, file }) } else { entry(ParamKind::Plain(param)) }
}

/// The request body made of the `body` or `formData` parameters. Having both cannot be
/// converted and is refused at the first `formData` parameter.
pub(crate) fn request_body(
    entries: &[ParamEntry],
    consumes: &[String],
    diag: &mut Diag,
) -> Option<ImportedRequestBody> {
    let mut bodies = entries.iter().filter(|entry| matches!(entry.kind, ParamKind::Body { .. }));
    let forms: Vec<&ParamEntry> = entries.iter().filter(|entry| matches!(entry.kind, ParamKind::Form { .. })).collect();
    let body = bodies.next();
    if let Some(extra) = bodies.next() {
        diag.error_at(extra.pointer.clone(), "an operation can have only one `in: body` parameter");
    }
    match (body, forms.first()) {
        (Some(_), Some(form)) => {
            diag.error_at(
                form.pointer.clone(),
                "cannot be converted: the operation has both an `in: body` parameter and `in: formData` parameters",
            );
            None
        }
        (Some(ParamEntry { kind: ParamKind::Body { description, required, schema }, .. }), None) => {
            let media_types = if consumes.is_empty() { vec![DEFAULT_MEDIA_TYPE.to_owned()] } else { consumes.to_vec() };
            let content = media_types.into_iter().map(|media_type| (media_type, media(schema.clone(), None))).collect();
            Some(ImportedRequestBody { description: description.clone(), required: *required, content })
        }
        (None, Some(_)) => Some(form_body(&forms, consumes)),
        _ => None,
    }
}

/// A form request body: an object schema with one property per `formData` parameter.
fn form_body(forms: &[&ParamEntry], consumes: &[String]) -> ImportedRequestBody {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut has_file = false;
    for entry in forms {
        let ParamKind::Form { param, file } = &entry.kind else { continue };
        has_file |= file;
        let mut schema = param.schema.clone().unwrap_or_else(|| json!({}));
        if let (Some(description), Value::Object(map)) = (&param.description, &mut schema) {
            map.insert("description".into(), Value::String(description.clone()));
        }
        properties.insert(param.name.clone(), schema);
        if param.required {
            required.push(Value::String(param.name.clone()));
        }
    }
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = Value::Array(required.clone());
    }
    let mut media_types: Vec<&str> =
        consumes.iter().map(String::as_str).filter(|media| [URLENCODED, MULTIPART].contains(media)).collect();
    if media_types.is_empty() {
        media_types.push(if has_file { MULTIPART } else { URLENCODED });
    }
    let content =
        media_types.into_iter().map(|media_type| (media_type.to_owned(), media(Some(schema.clone()), None))).collect();
    ImportedRequestBody { description: None, required: !required.is_empty(), content }
}

fn media(schema: Option<Value>, example: Option<Value>) -> ImportedMediaType {
    ImportedMediaType { schema, example, examples: BTreeMap::new() }
}

/// Reads an operation's `responses` (following `$ref`s to `#/responses/…`).
pub(crate) fn responses(
    cx: &Context<'_>,
    operation: &Object,
    produces: &[String],
    loc: &Loc<'_>,
    diag: &mut Diag,
) -> BTreeMap<String, ImportedResponse> {
    let mut out = BTreeMap::new();
    let Some(responses) = read::opt_object(operation, "responses", loc, diag) else { return out };
    let list = loc.key("responses");
    for (status, value) in responses {
        if is_extension(status) {
            continue;
        }
        let here = list.key(status);
        if !is_status(status) {
            diag.error(&here, format!("`{status}` is not a status code (use 200 or default)"));
            continue;
        }
        let Some(target) = refs::follow(cx.root, value, &here, diag) else { continue };
        let at = target.pointer.as_deref().map(Loc::at);
        let here = at.as_ref().unwrap_or(&here);
        let Some(response) = read::object(target.value, here, diag) else { continue };
        let description = read::opt_string(response, "description", here, diag).unwrap_or_default();
        let schema = read::opt_schema(response, "schema", false, here, diag).map(|schema| convert_schema(&schema));
        let examples = read::opt_object(response, "examples", here, diag).cloned().unwrap_or_default();
        let mut content = BTreeMap::new();
        if schema.is_some() {
            let media_types = if produces.is_empty() { vec![DEFAULT_MEDIA_TYPE.to_owned()] } else { produces.to_vec() };
            for media_type in media_types {
                let example = examples.get(&media_type).cloned();
                content.insert(media_type, media(schema.clone(), example));
            }
        }
        for (media_type, example) in examples {
            content.entry(media_type).or_insert_with(|| media(schema.clone(), Some(example)));
        }
        out.insert(status.clone(), ImportedResponse { description, content });
    }
    out
}
