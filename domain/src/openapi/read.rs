//! Typed reads of document fields: each checks the JSON type of a known field and reports
//! a wrong one at the field's pointer. Optional fields that are absent or `null` read as
//! absent (YAML's `description:` with nothing after it is `null`).

use serde_json::{Map, Value};

use super::error::Diag;
use super::loc::Loc;

/// A JSON object.
pub(crate) type Object = Map<String, Value>;

/// "a string", "an object", … for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `value` as an object, or an error "must be an object".
pub(crate) fn object<'v>(value: &'v Value, loc: &Loc<'_>, diag: &mut Diag) -> Option<&'v Object> {
    match value {
        Value::Object(map) => Some(map),
        other => {
            diag.error(loc, format!("must be an object, not {}", kind(other)));
            None
        }
    }
}

/// The member `key` of `map` when present and not null.
pub(crate) fn member<'v>(map: &'v Object, key: &str) -> Option<&'v Value> {
    map.get(key).filter(|value| !value.is_null())
}

/// An optional string member.
pub(crate) fn opt_string(map: &Object, key: &str, loc: &Loc<'_>, diag: &mut Diag) -> Option<String> {
    match member(map, key)? {
        Value::String(text) => Some(text.clone()),
        other => {
            diag.error(&loc.key(key), format!("must be a string, not {}", kind(other)));
            None
        }
    }
}

/// A required string member: missing is an error at the pointer it would have.
pub(crate) fn req_string(map: &Object, key: &str, loc: &Loc<'_>, diag: &mut Diag) -> Option<String> {
    if member(map, key).is_none() {
        diag.error(&loc.key(key), format!("the required field `{key}` is missing"));
        return None;
    }
    opt_string(map, key, loc, diag)
}

/// An optional boolean member.
pub(crate) fn opt_bool(map: &Object, key: &str, loc: &Loc<'_>, diag: &mut Diag) -> Option<bool> {
    match member(map, key)? {
        Value::Bool(flag) => Some(*flag),
        other => {
            diag.error(&loc.key(key), format!("must be true or false, not {}", kind(other)));
            None
        }
    }
}

/// An optional object member.
pub(crate) fn opt_object<'v>(map: &'v Object, key: &str, loc: &Loc<'_>, diag: &mut Diag) -> Option<&'v Object> {
    object(member(map, key)?, &loc.key(key), diag)
}

/// An optional array member.
pub(crate) fn opt_array<'v>(map: &'v Object, key: &str, loc: &Loc<'_>, diag: &mut Diag) -> Option<&'v Vec<Value>> {
    match member(map, key)? {
        Value::Array(items) => Some(items),
        other => {
            diag.error(&loc.key(key), format!("must be an array, not {}", kind(other)));
            None
        }
    }
}

/// An optional array of strings (wrong items are reported one by one and skipped).
pub(crate) fn string_list(map: &Object, key: &str, loc: &Loc<'_>, diag: &mut Diag) -> Vec<String> {
    let Some(items) = opt_array(map, key, loc, diag) else {
        return Vec::new();
    };
    let here = loc.key(key);
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(text) => out.push(text.clone()),
            other => diag.error(&here.index(i), format!("must be a string, not {}", kind(other))),
        }
    }
    out
}

/// An optional schema member: an object (or, in JSON Schema 2020-12, a boolean), kept as is.
pub(crate) fn opt_schema(map: &Object, key: &str, allow_bool: bool, loc: &Loc<'_>, diag: &mut Diag) -> Option<Value> {
    match member(map, key)? {
        value @ Value::Object(_) => Some(value.clone()),
        value @ Value::Bool(_) if allow_bool => Some(value.clone()),
        other => {
            let expected = if allow_bool { "a schema object or a boolean" } else { "a schema object" };
            diag.error(&loc.key(key), format!("must be {expected}, not {}", kind(other)));
            None
        }
    }
}

/// Whether an object key is a specification extension (`x-…`), which the importer skips.
pub(crate) fn is_extension(key: &str) -> bool {
    key.starts_with("x-")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn wrong_types_are_reported_at_the_field() {
        let value = json!({"title": 3, "tags": ["a", 1], "flag": "yes", "none": null});
        let map = value.as_object().cloned().unwrap_or_default();
        let mut diag = Diag::default();
        let loc = Loc::root();
        let info = loc.key("info");
        assert_eq!(opt_string(&map, "title", &info, &mut diag), None);
        assert_eq!(opt_string(&map, "none", &info, &mut diag), None);
        assert_eq!(req_string(&map, "version", &info, &mut diag), None);
        assert_eq!(string_list(&map, "tags", &info, &mut diag), vec!["a".to_owned()]);
        assert_eq!(opt_bool(&map, "flag", &info, &mut diag), None);
        let errors = diag.into_errors().errors;
        let listed: Vec<_> = errors.iter().map(|e| (e.pointer.as_str(), e.message.as_str())).collect();
        assert_eq!(
            listed,
            vec![
                ("/info/title", "must be a string, not a number"),
                ("/info/version", "the required field `version` is missing"),
                ("/info/tags/1", "must be a string, not a number"),
                ("/info/flag", "must be true or false, not a string"),
            ]
        );
    }
}
