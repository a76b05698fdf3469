//! Reading `/api/openapi.json` to drive table-driven tests: every operation, path
//! parameters filled from fixtures, and a valid request body sampled from the schema
//! (required fields get plausible values; fields named like fixtures get the fixture).
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;

use http::Method;
use serde_json::{Map, Value, json};

/// Every `(method, path, operation)` of the document: reads first, then changes,
/// deletions last (they remove fixtures).
pub fn operations(spec: &Value) -> Vec<(Method, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if let Ok(method) = method.to_uppercase().parse::<Method>() {
                out.push((method, path.clone(), operation.clone()));
            }
        }
    }
    out.sort_by_key(|(m, p, _)| (*m == Method::DELETE, *m != Method::GET, p.clone()));
    out
}

/// The URL of an operation: `{param}` replaced by fixtures (a missing fixture panics,
/// naming it), and query parameters named like fixtures added.
pub fn url(path: &str, operation: &Value, fixtures: &HashMap<&str, String>) -> String {
    let mut url = path.to_owned();
    while let Some(start) = url.find('{') {
        let end = url[start..].find('}').unwrap() + start;
        let name = &url[start + 1..end];
        let value = fixtures
            .get(name)
            .unwrap_or_else(|| panic!("no fixture for path parameter `{name}` of {path}: add one to this test"));
        url.replace_range(start..=end, value);
    }
    let query: Vec<String> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .filter_map(|p| {
            let name = p["name"].as_str()?;
            fixtures.get(name).map(|v| format!("{name}={v}"))
        })
        .collect();
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    url
}

/// A valid request body for the operation, if it takes one.
pub fn body(spec: &Value, operation: &Value, fixtures: &HashMap<&str, String>) -> Option<Value> {
    let schema = operation.pointer("/requestBody/content/application~1json/schema")?;
    Some(sample(spec, schema, "", fixtures))
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => spec.pointer(reference.trim_start_matches('#')).map_or(schema, |s| resolve(spec, s)),
        None => schema,
    }
}

fn sample(spec: &Value, schema: &Value, name: &str, fixtures: &HashMap<&str, String>) -> Value {
    let schema = resolve(spec, schema);
    if let Some(value) = fixtures.get(name) {
        return json!(value);
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = serde_json::Map::new();
        for part in parts {
            if let Value::Object(fields) = sample(spec, part, name, fixtures) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(combinator).and_then(Value::as_array) {
            let option =
                options.iter().find(|o| o.get("type").and_then(Value::as_str) != Some("null")).unwrap_or(&options[0]);
            return sample(spec, option, name, fixtures);
        }
    }
    let kind = match schema.get("type") {
        Some(Value::Array(kinds)) => {
            kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or("null").to_owned()
        }
        Some(Value::String(kind)) => kind.clone(),
        _ => "object".to_owned(),
    };
    match kind.as_str() {
        "object" => {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut object = Map::new();
            for (field, field_schema) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
                if required.contains(&field.as_str()) || fixtures.contains_key(field.as_str()) {
                    object.insert(field.clone(), sample(spec, field_schema, field, fixtures));
                }
            }
            Value::Object(object)
        }
        "string" if name.contains("email") => json!("someone-new@example.com"),
        "string" if name.contains("password") => json!(super::PASSWORD),
        "string" if schema.get("format").and_then(Value::as_str) == Some("uuid") => json!(uuid::Uuid::new_v4()),
        "string" if name == "slug" => json!("new-org"),
        "string" => json!("A value"),
        "integer" | "number" => json!(7),
        "boolean" => json!(false),
        "array" => json!([]),
        _ => Value::Null,
    }
}
