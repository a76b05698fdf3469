//! The parts of a document's top level that every format has: which format and version
//! it is, `info`, `tags`; and the pieces the format modules hand back.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::Diag;
use super::loc::Loc;
use super::model::{ImportedOperation, SecurityScheme, SecuritySchemeType, SourceFormat};
use super::read::{self, Object, kind};

/// What a format module reads from the top level besides `info`, `tags` and `paths`.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    /// Server URLs.
    pub servers: Vec<String>,
    /// Component schemas.
    pub schemas: BTreeMap<String, Value>,
    /// Security schemes.
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    /// Swagger 2.0 document-wide `consumes`.
    pub consumes: Vec<String>,
    /// Swagger 2.0 document-wide `produces`.
    pub produces: Vec<String>,
}

/// `info`'s fields.
#[derive(Debug)]
pub(crate) struct Info {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
}

/// A security scheme of `kind` with nothing else set yet.
pub(crate) fn empty_scheme(kind: SecuritySchemeType, description: Option<String>) -> SecurityScheme {
    SecurityScheme {
        kind,
        description,
        location: None,
        name: None,
        scheme: None,
        bearer_format: None,
        flows: None,
        open_id_connect_url: None,
    }
}

/// Which format the document is in, and its exact version string; anything but OpenAPI
/// 3.0/3.1 and Swagger 2.0 is refused. (Unquoted YAML numbers `3.0`, `3.1`, `2.0` are
/// accepted with a warning.)
pub(crate) fn detect(doc: &Object, diag: &mut Diag) -> Option<(SourceFormat, String)> {
    let root = Loc::root();
    match (read::member(doc, "openapi"), read::member(doc, "swagger")) {
        (Some(_), Some(_)) => {
            diag.error(&root.key("swagger"), "a document has `openapi` or `swagger`, not both");
            None
        }
        (Some(Value::String(version)), None) => match openapi_family(version) {
            Some(format) => Some((format, version.clone())),
            None => {
                let message = if version.starts_with("2.") {
                    format!("`openapi: {version}` does not exist: a Swagger 2.0 document says `swagger: \"2.0\"`")
                } else {
                    format!("OpenAPI {version} is not supported; use OpenAPI 3.0.x or 3.1.x (or Swagger 2.0)")
                };
                diag.error(&root.key("openapi"), message);
                None
            }
        },
        (Some(Value::Number(number)), None) if matches!(number.as_f64(), Some(3.0 | 3.1)) => {
            let version = if number.as_f64() == Some(3.0) { "3.0" } else { "3.1" };
            diag.warn(format!("`openapi` should be a string (`openapi: \"{version}.x\"`); read as {version}"));
            openapi_family(version).map(|format| (format, version.to_owned()))
        }
        (Some(other), None) => {
            diag.error(
                &root.key("openapi"),
                format!("must be a version string like \"3.0.3\" or \"3.1.0\", not {}", describe(other)),
            );
            None
        }
        (None, Some(Value::String(version))) if version == "2.0" => Some((SourceFormat::Swagger20, version.clone())),
        (None, Some(Value::Number(number))) if number.as_f64() == Some(2.0) => {
            diag.warn("`swagger` should be the string \"2.0\"; read as 2.0");
            Some((SourceFormat::Swagger20, "2.0".to_owned()))
        }
        (None, Some(other)) => {
            diag.error(&root.key("swagger"), format!("only Swagger \"2.0\" is supported, not {}", describe(other)));
            None
        }
        (None, None) => {
            diag.error(&root, "this is not an OpenAPI or Swagger document: it has no `openapi` (or `swagger`) field");
            None
        }
    }
}

/// `3.0`, `3.0.x`, `3.1`, `3.1.x` (a pre-release suffix allowed).
fn openapi_family(version: &str) -> Option<SourceFormat> {
    let core = version.split_once('-').map_or(version, |(core, _)| core);
    let mut parts = core.split('.');
    let format = match (parts.next(), parts.next()) {
        (Some("3"), Some("0")) => SourceFormat::OpenApi30,
        (Some("3"), Some("1")) => SourceFormat::OpenApi31,
        _ => return None,
    };
    let patch_ok = parts.next().is_none_or(|patch| !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit()));
    (patch_ok && parts.next().is_none()).then_some(format)
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => format!("\"{text}\""),
        Value::Number(number) => format!("the number {number}"),
        other => kind(other).to_owned(),
    }
}

/// Reads `info` (`title` and `version` are required).
pub(crate) fn info(doc: &Object, diag: &mut Diag) -> Option<Info> {
    let root = Loc::root();
    if read::member(doc, "info").is_none() {
        diag.error(&root.key("info"), "the required field `info` is missing");
        return None;
    }
    let map = read::opt_object(doc, "info", &root, diag)?;
    let here = root.key("info");
    let title = read::req_string(map, "title", &here, diag);
    let version = match read::member(map, "version") {
        Some(Value::Number(number)) => {
            diag.error(
                &here.key("version"),
                format!("must be a string, not the number {number} (in YAML, quote it: version: \"{number}\")"),
            );
            None
        }
        _ => read::req_string(map, "version", &here, diag),
    };
    let description = read::opt_string(map, "description", &here, diag);
    Some(Info { title: title?, version: version?, description })
}

/// The names of the declared `tags`.
pub(crate) fn declared_tags(doc: &Object, diag: &mut Diag) -> Vec<String> {
    let root = Loc::root();
    let Some(items) = read::opt_array(doc, "tags", &root, diag) else { return Vec::new() };
    let list = root.key("tags");
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let here = list.index(i);
        let Some(tag) = read::object(item, &here, diag) else { continue };
        if let Some(name) = read::req_string(tag, "name", &here, diag)
            && !out.contains(&name)
        {
            out.push(name);
        }
    }
    out
}

/// The declared tags, then those only operations use (in operation order).
pub(crate) fn all_tags(mut declared: Vec<String>, operations: &[ImportedOperation]) -> Vec<String> {
    for tag in operations.iter().flat_map(|operation| &operation.tags) {
        if !declared.contains(tag) {
            declared.push(tag.clone());
        }
    }
    declared
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_families() {
        assert_eq!(openapi_family("3.0.3"), Some(SourceFormat::OpenApi30));
        assert_eq!(openapi_family("3.0"), Some(SourceFormat::OpenApi30));
        assert_eq!(openapi_family("3.1.0"), Some(SourceFormat::OpenApi31));
        assert_eq!(openapi_family("3.1.0-rc1"), Some(SourceFormat::OpenApi31));
        for bad in ["3.2.0", "2.0", "4.0.0", "3", "3.0.x", "3.0.1.2", "3.0."] {
            assert_eq!(openapi_family(bad), None, "{bad}");
        }
    }
}
