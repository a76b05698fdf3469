//! The `paths` object: each path item (following a `$ref` to a shared one), its template,
//! its parameters, and its operations; then the checks across operations.

use serde_json::Value;

use super::error::Diag;
use super::loc::Loc;
use super::model::{HttpMethod, ImportedOperation};
use super::operation::{self, Context, Site};
use super::read::{self, is_extension};
use super::{refs, validate};

/// Reads every operation of the document's `paths` (a missing `paths` is an error unless
/// `optional`), sorted by path and method.
pub(crate) fn operations(cx: &Context<'_>, optional: bool, diag: &mut Diag) -> Vec<ImportedOperation> {
    let root = Loc::root();
    let Some(doc) = cx.root.as_object() else { return Vec::new() };
    if read::member(doc, "paths").is_none() {
        if !optional {
            diag.error(&root.key("paths"), "the required field `paths` is missing");
        }
        return Vec::new();
    }
    let Some(paths) = read::opt_object(doc, "paths", &root, diag) else { return Vec::new() };
    let paths_loc = root.key("paths");
    let mut found: Vec<(ImportedOperation, String)> = Vec::new();
    for (path, item) in paths {
        if is_extension(path) {
            continue;
        }
        if diag.is_full() {
            break;
        }
        let loc = paths_loc.key(path);
        if !path.starts_with('/') {
            diag.error(&loc, format!("the path `{path}` must start with `/`"));
            continue;
        }
        let variables = match validate::template_variables(path) {
            Ok(variables) => variables,
            Err(message) => {
                diag.error(&loc, message);
                continue;
            }
        };
        path_item(cx, path, &variables, item, &loc, diag, &mut found);
    }
    validate::unique(&found, diag);
    let mut operations: Vec<ImportedOperation> = found.into_iter().map(|(operation, _)| operation).collect();
    operations.sort_by(|a, b| a.path.cmp(&b.path).then(a.method.cmp(&b.method)));
    operations
}

fn path_item(
    cx: &Context<'_>,
    path: &str,
    variables: &[String],
    item: &Value,
    loc: &Loc<'_>,
    diag: &mut Diag,
    found: &mut Vec<(ImportedOperation, String)>,
) {
    let Some(target) = refs::follow(cx.root, item, loc, diag) else { return };
    let here = target.pointer.as_deref().map(Loc::at);
    let loc = here.as_ref().unwrap_or(loc);
    let Some(map) = read::object(target.value, loc, diag) else { return };
    if read::member(map, "servers").is_some() {
        diag.warn(format!("path-level servers are not imported ({path})"));
    }
    let shared = operation::parameters(cx, map, loc, diag);
    for method in HttpMethod::ALL {
        let Some(value) = read::member(map, method.key()) else { continue };
        let op_loc = loc.key(method.key());
        let site = Site { method, path, variables, shared: &shared };
        if let Some(operation) = operation::build(cx, &site, value, &op_loc, diag) {
            found.push((operation, op_loc.pointer()));
        }
    }
}
