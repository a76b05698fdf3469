//! OpenAPI 3 payload descriptions: `content` maps (media type → schema and examples),
//! Example objects, and `responses` maps with their status keys.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::Diag;
use super::loc::Loc;
use super::model::{ImportedExample, ImportedMediaType, ImportedResponse};
use super::operation::Context;
use super::read::{self, Object, is_extension};
use super::refs;

/// Reads a `content` object.
pub(crate) fn media_types(
    cx: &Context<'_>,
    value: &Value,
    loc: &Loc<'_>,
    diag: &mut Diag,
) -> BTreeMap<String, ImportedMediaType> {
    let mut out = BTreeMap::new();
    let Some(map) = read::object(value, loc, diag) else { return out };
    for (media_type, item) in map {
        if is_extension(media_type) {
            continue;
        }
        let here = loc.key(media_type);
        let Some(item) = read::object(item, &here, diag) else { continue };
        let schema = read::opt_schema(item, "schema", cx.boolean_schemas(), &here, diag);
        let example = read::member(item, "example").cloned();
        let examples = examples(cx, item, &here, diag);
        out.insert(media_type.clone(), ImportedMediaType { schema, example, examples });
    }
    out
}

/// Reads the `examples` map of a parameter or media type (Example objects or `$ref`s).
pub(crate) fn examples(
    cx: &Context<'_>,
    map: &Object,
    loc: &Loc<'_>,
    diag: &mut Diag,
) -> BTreeMap<String, ImportedExample> {
    let mut out = BTreeMap::new();
    let Some(examples) = read::opt_object(map, "examples", loc, diag) else { return out };
    let list = loc.key("examples");
    for (name, example) in examples {
        if is_extension(name) {
            continue;
        }
        let here = list.key(name);
        let Some(target) = refs::follow(cx.root, example, &here, diag) else { continue };
        let at = target.pointer.as_deref().map(Loc::at);
        let here = at.as_ref().unwrap_or(&here);
        let Some(example) = read::object(target.value, here, diag) else { continue };
        out.insert(
            name.clone(),
            ImportedExample {
                summary: read::opt_string(example, "summary", here, diag),
                value: read::member(example, "value").cloned(),
                external_value: read::opt_string(example, "externalValue", here, diag),
            },
        );
    }
    out
}

/// Whether a `responses` key is a status: `default`, `100`–`599` or `1XX`–`5XX`.
pub(crate) fn is_status(key: &str) -> bool {
    let bytes = key.as_bytes();
    key == "default"
        || (bytes.len() == 3
            && (b'1'..=b'5').contains(&bytes[0])
            && ((bytes[1].is_ascii_digit() && bytes[2].is_ascii_digit()) || &key[1..] == "XX" || &key[1..] == "xx"))
}

/// Reads an operation's `responses` (OpenAPI 3), following `$ref`s to shared responses.
pub(crate) fn responses(
    cx: &Context<'_>,
    operation: &Object,
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
            diag.error(&here, format!("`{status}` is not a status code (use 200, 4XX or default)"));
            continue;
        }
        let Some(target) = refs::follow(cx.root, value, &here, diag) else { continue };
        let at = target.pointer.as_deref().map(Loc::at);
        let here = at.as_ref().unwrap_or(&here);
        let Some(response) = read::object(target.value, here, diag) else { continue };
        let description = read::opt_string(response, "description", here, diag).unwrap_or_default();
        let content = match read::member(response, "content") {
            Some(content) => media_types(cx, content, &here.key("content"), diag),
            None => BTreeMap::new(),
        };
        out.insert(status.clone(), ImportedResponse { description, content });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_keys() {
        for good in ["200", "404", "599", "1XX", "5XX", "default"] {
            assert!(is_status(good), "{good}");
        }
        for bad in ["600", "099", "20", "2000", "6XX", "2X0", "ok", ""] {
            assert!(!is_status(bad), "{bad}");
        }
    }
}
