//! YAML scalar resolution with the YAML 1.2 core schema (the one OpenAPI documents are
//! written against): `null`/`~`/empty, `true`/`false`, decimal/octal (`0o`)/hex (`0x`)
//! integers, decimal floats. Everything else (`yes`, `on`, `1.0.0`) is a string. Values
//! JSON cannot hold (`.inf`, `.nan`) stay strings.

use saphyr_parser::{ScalarStyle, Tag};
use serde_json::{Number, Value};

/// The value of a plain (unquoted, untagged) scalar.
pub(crate) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => integer(text).or_else(|| float(text)).unwrap_or_else(|| Value::String(text.to_owned())),
    }
}

/// The value of a tagged scalar: core-schema tags (`!!str`, `!!int`, …) are honoured, the
/// non-specific `!` makes a string, other tags are ignored.
pub(crate) fn resolve_tagged(text: &str, style: ScalarStyle, tag: &Tag) -> Value {
    let string = || Value::String(text.to_owned());
    if tag.is_yaml_core_schema() {
        return match tag.suffix.as_str() {
            "str" => string(),
            "null" => Value::Null,
            "bool" => match resolve_plain(text) {
                value @ Value::Bool(_) => value,
                _ => string(),
            },
            "int" => integer(text).unwrap_or_else(string),
            "float" => integer(text).or_else(|| float(text)).unwrap_or_else(string),
            _ => resolve_by_style(text, style),
        };
    }
    if tag.handle == "!" && tag.suffix.is_empty() {
        return string();
    }
    resolve_by_style(text, style)
}

fn resolve_by_style(text: &str, style: ScalarStyle) -> Value {
    if style == ScalarStyle::Plain { resolve_plain(text) } else { Value::String(text.to_owned()) }
}

fn all_digits(text: &str, radix: u32) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_digit(radix))
}

/// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`. Integers too big for 64 bits become floats.
fn integer(text: &str) -> Option<Value> {
    if let Some(octal) = text.strip_prefix("0o") {
        return all_digits(octal, 8)
            .then(|| u64::from_str_radix(octal, 8).ok().map(Number::from))
            .flatten()
            .map(Value::Number);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return all_digits(hex, 16)
            .then(|| u64::from_str_radix(hex, 16).ok().map(Number::from))
            .flatten()
            .map(Value::Number);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !all_digits(digits, 10) {
        return None;
    }
    let number = match text.parse::<i64>() {
        Ok(n) => Number::from(n),
        Err(_) => match text.parse::<u64>() {
            Ok(n) => Number::from(n),
            Err(_) => Number::from_f64(text.parse::<f64>().ok()?)?,
        },
    };
    Some(Value::Number(number))
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn float(text: &str) -> Option<Value> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => all_digits(fraction, 10),
        Some((whole, fraction)) => all_digits(whole, 10) && (fraction.is_empty() || all_digits(fraction, 10)),
        None => all_digits(mantissa, 10),
    };
    let exponent_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    if !(mantissa_ok && exponent_ok) {
        return None;
    }
    let value = text.parse::<f64>().ok()?;
    Number::from_f64(value).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn plain_scalars_follow_the_core_schema() {
        let cases = [
            ("", json!(null)),
            ("~", json!(null)),
            ("NULL", json!(null)),
            ("True", json!(true)),
            ("false", json!(false)),
            ("yes", json!("yes")),
            ("on", json!("on")),
            ("42", json!(42)),
            ("-7", json!(-7)),
            ("+7", json!(7)),
            ("0o17", json!(15)),
            ("0x1F", json!(31)),
            ("18446744073709551615", json!(18446744073709551615u64)),
            ("3.0", json!(3.0)),
            (".5", json!(0.5)),
            ("1.", json!(1.0)),
            ("1e3", json!(1000.0)),
            ("-2.5E-1", json!(-0.25)),
            ("1.0.0", json!("1.0.0")),
            (".", json!(".")),
            ("1e", json!("1e")),
            (".inf", json!(".inf")),
            ("inf", json!("inf")),
            ("nan", json!("nan")),
            ("0x", json!("0x")),
            ("12abc", json!("12abc")),
        ];
        for (text, expected) in cases {
            assert_eq!(resolve_plain(text), expected, "{text:?}");
        }
    }

    #[test]
    fn core_tags_are_honoured() {
        let core = |suffix: &str| Tag { handle: "tag:yaml.org,2002:".into(), suffix: suffix.into() };
        assert_eq!(resolve_tagged("12", ScalarStyle::Plain, &core("str")), json!("12"));
        assert_eq!(resolve_tagged("12", ScalarStyle::DoubleQuoted, &core("int")), json!(12));
        assert_eq!(resolve_tagged("x", ScalarStyle::Plain, &core("int")), json!("x"));
        assert_eq!(resolve_tagged("1", ScalarStyle::Plain, &core("float")), json!(1));
        let other = Tag { handle: "!".into(), suffix: "custom".into() };
        assert_eq!(resolve_tagged("12", ScalarStyle::Plain, &other), json!(12));
        let non_specific = Tag { handle: "!".into(), suffix: String::new() };
        assert_eq!(resolve_tagged("12", ScalarStyle::Plain, &non_specific), json!("12"));
    }
}
