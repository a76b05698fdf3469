//! The OpenAPI importer: turns an API description — OpenAPI 3.0.x or 3.1.x, or Swagger
//! 2.0 (converted) — written as JSON or YAML, into Portico's import model
//! ([`ImportedSpec`]), or refuses it with every problem found ([`ImportErrors`]), each
//! naming where it is: a JSON pointer and, when known, the line and column.
//!
//! Pure domain logic: no database, no I/O (fetching a description by URL, with SSRF
//! protection, is [`fetch`]). The document is read into a JSON value tree (`document`,
//! `yaml`), then walked once: the format's top level (`openapi3`, `swagger2`), `paths`
//! (`paths`, `operation`), references (`refs`) and the checks across operations
//! (`validate`). Line and column are only looked up when there are errors to report.
//!
//! Limits: [`MAX_INPUT_BYTES`] of input, [`MAX_DEPTH`] levels of nesting, at most
//! [`MAX_ERRORS`] errors reported.

mod address;
mod content;
mod document;
mod error;
pub mod fetch;
mod loc;
mod model;
mod openapi3;
mod operation;
mod paths;
mod read;
mod refs;
mod scalar;
mod swagger2;
mod swagger2_ops;
mod toplevel;
mod validate;
mod yaml;

use serde_json::Value;

pub use error::{ImportError, ImportErrors};
pub use model::{
    ApiKeyLocation, HttpMethod, ImportedExample, ImportedMediaType, ImportedOperation, ImportedParameter,
    ImportedRequestBody, ImportedResponse, ImportedSpec, ParameterLocation, SecurityRequirement, SecurityScheme,
    SecuritySchemeType, SourceFormat,
};
pub use yaml::MAX_ALIAS_NODES;

use self::error::Diag;
use self::loc::Loc;
use self::operation::Context;

/// Largest document accepted, in bytes (20 MiB).
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// Deepest nesting of objects and arrays accepted (so a hostile document cannot exhaust
/// the stack of anything that walks it).
pub const MAX_DEPTH: usize = 128;

/// Most errors reported for one document; [`ImportErrors::truncated`] tells when more
/// were found.
pub const MAX_ERRORS: usize = 100;

/// Imports an API description (OpenAPI 3.0/3.1 or Swagger 2.0; JSON when the first
/// non-blank character is `{`, else YAML).
///
/// # Errors
/// Every problem found (up to [`MAX_ERRORS`]): syntax, size or nesting limits, an
/// unsupported format or version, wrong types of known fields, missing required fields,
/// malformed or duplicate paths and operations, path parameters that do not match the
/// template, and local `$ref`s that point nowhere.
pub fn import(bytes: &[u8]) -> Result<ImportedSpec, ImportErrors> {
    let document = document::parse(bytes)?;
    let mut diag = Diag::default();
    match read_spec(&document.root, &mut diag) {
        Some(spec) if !diag.has_errors() => Ok(ImportedSpec { warnings: diag.take_warnings(), ..spec }),
        _ => Err(document.locate(diag.into_errors())),
    }
}

fn read_spec(root: &Value, diag: &mut Diag) -> Option<ImportedSpec> {
    let loc = Loc::root();
    let Some(doc) = root.as_object() else {
        let what = read::kind(root);
        diag.error(&loc, format!("an API description must be a mapping with an `openapi` field, not {what}"));
        return None;
    };
    let (format, source_version) = toplevel::detect(doc, diag)?;
    let swagger2 = format == SourceFormat::Swagger20;
    let parts = if swagger2 { swagger2::read(doc, diag) } else { openapi3::read(root, doc, format, diag) };
    let info = toplevel::info(doc, diag);
    let declared_tags = toplevel::declared_tags(doc, diag);
    let mut cx = Context {
        root,
        format,
        security: None,
        schemes: parts.security_schemes.keys().cloned().collect(),
        consumes: parts.consumes,
        produces: parts.produces,
    };
    cx.security =
        read::member(doc, "security").map(|value| operation::security(&cx, value, &loc.key("security"), diag));
    let operations = paths::operations(&cx, format == SourceFormat::OpenApi31, diag);
    let external = refs::check_all(root, refs::checked_roots(swagger2), diag);
    if external > 0 {
        diag.warn(format!("{external} `$ref`(s) point into other files; they are kept as written"));
    }
    let info = info?;
    Some(ImportedSpec {
        source_format: format,
        source_version,
        title: info.title,
        version: info.version,
        description: info.description,
        servers: parts.servers,
        tags: toplevel::all_tags(declared_tags, &operations),
        operations,
        schemas: parts.schemas,
        security_schemes: parts.security_schemes,
        warnings: Vec::new(),
    })
}
