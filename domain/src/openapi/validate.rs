//! Checks on path templates and across operations: template syntax, unique
//! `operationId`s, and unique (method, path) pairs once variable names are ignored
//! (`/a/{x}` and `/a/{y}` are the same route).

use std::collections::HashMap;

use super::error::Diag;
use super::model::{HttpMethod, ImportedOperation};

/// The variables of a path template (`/pets/{petId}` → `petId`), or why the template is
/// malformed.
pub(crate) fn template_variables(path: &str) -> Result<Vec<String>, String> {
    let mut variables: Vec<String> = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(format!("the path `{path}` has a `}}` without a matching `{{`"));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find(['{', '}']).filter(|&at| after[at..].starts_with('}')) else {
            return Err(format!("the path `{path}` has a `{{` without a matching `}}`"));
        };
        let name = &after[..close];
        if name.is_empty() {
            return Err(format!("the path `{path}` has an empty variable `{{}}`"));
        }
        if variables.iter().any(|known| known == name) {
            return Err(format!("the path `{path}` uses the variable {{{name}}} twice"));
        }
        variables.push(name.to_owned());
        rest = &after[close + 1..];
    }
    Ok(variables)
}

/// The path with every variable name removed (`/a/{x}/b` → `/a/{}/b`).
pub(crate) fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_variable = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_variable = true;
                out.push('{');
            }
            '}' => {
                in_variable = false;
                out.push('}');
            }
            c if !in_variable => out.push(c),
            _ => {}
        }
    }
    out
}

/// Reports operations that reuse an `operationId`, or the method and (normalized) path of
/// an earlier operation. Each error is at the later operation and names the earlier one.
pub(crate) fn unique(operations: &[(ImportedOperation, String)], diag: &mut Diag) {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut routes: HashMap<(HttpMethod, String), usize> = HashMap::new();
    for (i, (operation, pointer)) in operations.iter().enumerate() {
        if let Some(id) = operation.operation_id.as_deref() {
            if let Some(&first) = ids.get(id) {
                let (earlier, earlier_pointer) = &operations[first];
                diag.error_at(
                    format!("{pointer}/operationId"),
                    format!(
                        "operationId `{id}` is already used by {} {} ({earlier_pointer})",
                        earlier.method, earlier.path
                    ),
                );
            } else {
                ids.insert(id, i);
            }
        }
        let route = (operation.method, normalize(&operation.path));
        if let Some(&first) = routes.get(&route) {
            let (earlier, earlier_pointer) = &operations[first];
            diag.error_at(
                pointer.clone(),
                format!(
                    "{} {} is the same route as {} {} ({earlier_pointer}): only the variable names differ",
                    operation.method, operation.path, earlier.method, earlier.path
                ),
            );
        } else {
            routes.insert(route, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_parsed() {
        assert_eq!(template_variables("/pets/{petId}/toys/{toyId}"), Ok(vec!["petId".into(), "toyId".into()]));
        assert_eq!(template_variables("/files/{name}.{ext}"), Ok(vec!["name".into(), "ext".into()]));
        assert_eq!(template_variables("/plain"), Ok(vec![]));
        for bad in ["/a/{x", "/a/x}", "/a/{}", "/a/{{x}}", "/a/{x}/{x}"] {
            assert!(template_variables(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn normalized_paths_ignore_variable_names() {
        assert_eq!(normalize("/a/{x}/b/{y}"), "/a/{}/b/{}");
        assert_eq!(normalize("/a/{x}"), normalize("/a/{y}"));
        assert_ne!(normalize("/a/{x}"), normalize("/a/{x}/"));
    }
}
