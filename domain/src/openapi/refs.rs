//! `$ref`s: following Reference objects to what they name (parameters, responses, request
//! bodies, examples, path items, security schemes), and checking that every local
//! reference of the document points somewhere. Schemas keep their `$ref`s as written.

use serde_json::Value;

use super::error::Diag;
use super::loc::{Loc, percent_decode};

/// Longest chain of references followed (`A` → `B` → …) before giving up.
const MAX_HOPS: usize = 16;

/// A value reached by following a reference.
#[derive(Debug)]
pub(crate) struct Target<'v> {
    /// The value itself (never a Reference object).
    pub value: &'v Value,
    /// Its pointer, when it was reached through a `$ref` (errors in it are reported there).
    pub pointer: Option<String>,
}

/// The `$ref` string of a Reference object.
pub(crate) fn reference(value: &Value) -> Option<&str> {
    value.as_object()?.get("$ref")?.as_str()
}

/// The value a local reference (`#/components/…`) names, with its (decoded) pointer.
pub(crate) fn resolve<'v>(root: &'v Value, reference: &str) -> Option<(&'v Value, String)> {
    let pointer = percent_decode(reference.strip_prefix('#')?)?;
    root.pointer(&pointer).map(|value| (value, pointer))
}

/// The message for a local reference that names nothing.
pub(crate) fn dangling(reference: &str) -> String {
    format!("`$ref: {reference}` points to nothing in this document")
}

/// Follows `value` through Reference objects to what they name. Errors (external or
/// dangling reference, cycle) are reported at the `$ref` and give `None`.
pub(crate) fn follow<'v>(root: &'v Value, value: &'v Value, loc: &Loc<'_>, diag: &mut Diag) -> Option<Target<'v>> {
    let mut current = value;
    let mut pointer: Option<String> = None;
    for _ in 0..MAX_HOPS {
        let Some(reference) = reference(current) else {
            return Some(Target { value: current, pointer });
        };
        let here = match &pointer {
            Some(pointer) => format!("{pointer}/$ref"),
            None => loc.key("$ref").pointer(),
        };
        if !reference.starts_with('#') {
            diag.error_at(
                here,
                format!("`$ref: {reference}` points into another file; bundle the description into one document first"),
            );
            return None;
        }
        let Some((target, target_pointer)) = resolve(root, reference) else {
            diag.error_at(here, dangling(reference));
            return None;
        };
        current = target;
        pointer = Some(target_pointer);
    }
    diag.error(&loc.key("$ref"), format!("more than {MAX_HOPS} `$ref`s in a row (a reference cycle?)"));
    None
}

/// Top-level members that local references of a dialect may point into; references to
/// anything else (e.g. a JSON Schema's own `#/$defs/…`) are not checked.
pub(crate) fn checked_roots(swagger2: bool) -> &'static [&'static str] {
    if swagger2 {
        &["definitions", "parameters", "responses", "securityDefinitions", "paths"]
    } else {
        &["components", "paths", "webhooks"]
    }
}

/// Reports every local `$ref` under `value` that points to nothing, and returns how many
/// references point into other files (kept as written). Example values, defaults, enums,
/// constants and extensions are not looked into: they are data, not description.
pub(crate) fn check_all(root: &Value, roots: &[&str], diag: &mut Diag) -> usize {
    let mut external = 0;
    walk(root, root, &Loc::root(), roots, diag, &mut external);
    external
}

fn walk(root: &Value, value: &Value, loc: &Loc<'_>, roots: &[&str], diag: &mut Diag, external: &mut usize) {
    if diag.is_full() {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref"
                    && let Value::String(reference) = child
                {
                    check_one(root, reference, &loc.key(key), roots, diag, external);
                    continue;
                }
                if matches!(key.as_str(), "example" | "default" | "enum" | "const") || key.starts_with("x-") {
                    continue;
                }
                if key == "examples" {
                    walk_examples(root, child, &loc.key(key), roots, diag, external);
                    continue;
                }
                walk(root, child, &loc.key(key), roots, diag, external);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(root, item, &loc.index(i), roots, diag, external);
            }
        }
        _ => {}
    }
}

/// `examples`: a map of Example objects (whose `$ref` is checked, whose `value` is data) or,
/// in a 3.1 schema, an array of plain values (data).
fn walk_examples(root: &Value, value: &Value, loc: &Loc<'_>, roots: &[&str], diag: &mut Diag, external: &mut usize) {
    let Value::Object(map) = value else { return };
    for (name, example) in map {
        if let Some(reference) = reference(example) {
            check_one(root, reference, &loc.key(name).key("$ref"), roots, diag, external);
        }
    }
}

fn check_one(root: &Value, reference: &str, loc: &Loc<'_>, roots: &[&str], diag: &mut Diag, external: &mut usize) {
    let Some(fragment) = reference.strip_prefix("#/") else {
        if !reference.starts_with('#') {
            *external += 1;
        }
        return;
    };
    let first = fragment.split('/').next().unwrap_or_default();
    if roots.contains(&first) && resolve(root, reference).is_none() {
        diag.error(loc, dangling(reference));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn references_are_followed_and_checked() {
        let root = json!({
            "components": {
                "parameters": {"a": {"$ref": "#/components/parameters/b"}, "b": {"name": "x"}, "loop": {"$ref": "#/components/parameters/loop"}},
                "schemas": {"S": {"properties": {"p": {"$ref": "#/components/schemas/Nope"}, "q": {"$ref": "#/$defs/x"}}, "example": {"$ref": "#/nowhere"}}}
            },
            "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/a"}, {"$ref": "other.yaml#/p"}]}}}
        });
        let mut diag = Diag::default();
        let loc = Loc::root();
        let first = &root["paths"]["/a"]["get"]["parameters"][0];
        let target = follow(&root, first, &loc, &mut diag).map(|t| (t.value.clone(), t.pointer));
        assert_eq!(target, Some((json!({"name": "x"}), Some("/components/parameters/b".to_owned()))));
        assert!(follow(&root, &root["paths"]["/a"]["get"]["parameters"][1], &loc, &mut diag).is_none());
        assert!(follow(&root, &root["components"]["parameters"]["loop"], &loc, &mut diag).is_none());
        let external = check_all(&root, checked_roots(false), &mut diag);
        assert_eq!(external, 1);
        let errors = diag.into_errors().errors;
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, vec!["/$ref", "/$ref", "/components/schemas/S/properties/p/$ref"]);
        assert!(errors[2].message.contains("#/components/schemas/Nope"));
    }
}
