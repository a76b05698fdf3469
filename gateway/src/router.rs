//! The router, compiled once per snapshot: host → path (radix tree, `matchit`) → method.
//!
//! Every API contributes `/{context}/{version}` + each operation's template (or a catch-all
//! when it lists no operations), and the same under `/{context}` when it is the default
//! version. Parameter names are normalised by position (`/pets/{petId}` is stored as
//! `/pets/{p0}`) so that two methods of one path share an entry. A route that collides with
//! another API's is a compile error naming that API. A `HEAD` goes to the path's `GET`
//! operation unless `HEAD` is listed itself.

use std::collections::HashMap;
use std::sync::Arc;

use http::Method;

use crate::api::Api;
use crate::spec::{ApiSpec, AuthKind, LoadError};

/// What a matched route leads to.
pub struct RouteMatch<'a> {
    /// The API.
    pub api: &'a Arc<Api>,
    /// Authentication the operation requires.
    pub auth: AuthKind,
    /// The operation's position in the API's spec (`None` for APIs without operations).
    pub operation: Option<usize>,
    /// Length of the path prefix (`/{context}[/{version}]`) removed before the upstream.
    pub strip: usize,
}

/// Outcome of a lookup.
pub enum Lookup<'a> {
    /// A route for this method.
    Found(RouteMatch<'a>),
    /// The path exists but not for this method.
    MethodNotAllowed,
    /// Nothing matches.
    NotFound,
}

/// Routes of one snapshot.
#[derive(Default)]
pub struct Router {
    any_host: PathTable,
    by_host: HashMap<String, PathTable>,
}

#[derive(Default)]
struct PathTable {
    tree: matchit::Router<usize>,
    slots: Vec<Slot>,
    /// Normalised route → index of the API that owns it (for collision messages).
    owners: HashMap<String, usize>,
    /// `/{context}/{version}` and default `/{context}` prefixes → the API serving them.
    prefixes: HashMap<String, usize>,
}

struct Slot {
    api: Arc<Api>,
    strip: usize,
    methods: Vec<(Method, AuthKind, Option<usize>)>,
    /// Set for catch-all routes of APIs without operations: every method, this auth.
    any_method: Option<AuthKind>,
}

impl Router {
    /// Finds the route for a request (`host` without port, any case).
    pub fn lookup<'a>(&'a self, host: Option<&str>, path: &str, method: &Method) -> Lookup<'a> {
        let host_table = match host {
            Some(host) if !self.by_host.is_empty() => self.by_host.get(&host.to_ascii_lowercase()),
            _ => None,
        };
        for table in host_table.into_iter().chain(std::iter::once(&self.any_host)) {
            if let Ok(found) = table.tree.at(path) {
                let slot = &table.slots[*found.value];
                let listed = |method: &Method| {
                    slot.methods.iter().find(|(m, _, _)| m == method).map(|(_, auth, op)| (*auth, *op))
                };
                // HEAD is GET without the body (RFC 9110 §9.3.2): a listed GET serves it.
                let found = listed(method).or_else(|| if method == Method::HEAD { listed(&Method::GET) } else { None });
                return match found.or(slot.any_method.map(|auth| (auth, None))) {
                    Some((auth, operation)) => {
                        Lookup::Found(RouteMatch { api: &slot.api, auth, operation, strip: slot.strip })
                    }
                    None => Lookup::MethodNotAllowed,
                };
            }
        }
        Lookup::NotFound
    }

    /// Adds an API's routes. `index` is its position in the snapshot (for error paths).
    pub fn add(&mut self, index: usize, spec: &ApiSpec, api: &Arc<Api>, names: &[String]) -> Result<(), LoadError> {
        let context = spec.context.trim_end_matches('/');
        let mut prefixes = vec![format!("{context}/{}", spec.version)];
        if spec.default_version {
            prefixes.push(context.to_owned());
        }
        let tables: Vec<&mut PathTable> = if spec.hosts.is_empty() {
            vec![&mut self.any_host]
        } else {
            let by_host = &mut self.by_host;
            let mut hosts: Vec<String> = spec.hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
            hosts.sort();
            hosts.dedup();
            for host in &hosts {
                by_host.entry(host.clone()).or_default();
            }
            by_host.iter_mut().filter(|(host, _)| hosts.contains(host)).map(|(_, table)| table).collect()
        };
        let routes = routes_of(index, spec)?;
        for table in tables {
            for prefix in &prefixes {
                if let Some(&owner) = table.prefixes.get(prefix) {
                    return Err(collision(index, prefix, owner, names));
                }
                table.prefixes.insert(prefix.clone(), index);
                for (template, method, auth, operation) in &routes {
                    let route = format!("{prefix}{template}");
                    let slot = table.slot_for(&route, index, api, prefix.len(), names)?;
                    match method {
                        Some(method) if slot.methods.iter().any(|(m, _, _)| m == method) => {
                            let at = format!("apis[{index}].operations");
                            return Err(LoadError::at(at, format!("{method} {route} is listed twice")));
                        }
                        Some(method) => slot.methods.push((method.clone(), *auth, *operation)),
                        None => slot.any_method = Some(*auth),
                    }
                }
            }
        }
        Ok(())
    }
}

impl PathTable {
    /// The slot of `route`, created when new; a route owned by another API is a collision.
    fn slot_for(
        &mut self,
        route: &str,
        index: usize,
        api: &Arc<Api>,
        strip: usize,
        names: &[String],
    ) -> Result<&mut Slot, LoadError> {
        if let Some(&owner) = self.owners.get(route) {
            if owner != index {
                return Err(collision(index, route, owner, names));
            }
            let slot_index = *self.tree.at(route).map_err(|_| collision(index, route, owner, names))?.value;
            return Ok(&mut self.slots[slot_index]);
        }
        self.tree.insert(route, self.slots.len()).map_err(|error| match error {
            matchit::InsertError::Conflict { with } => {
                let owner = self.owners.get(&with).copied().unwrap_or(index);
                collision(index, route, owner, names)
            }
            other => LoadError::at(format!("apis[{index}]"), format!("route `{route}` is not valid: {other}")),
        })?;
        self.owners.insert(route.to_owned(), index);
        self.slots.push(Slot { api: api.clone(), strip, methods: Vec::new(), any_method: None });
        let last = self.slots.len() - 1;
        Ok(&mut self.slots[last])
    }
}

fn collision(index: usize, route: &str, owner: usize, names: &[String]) -> LoadError {
    let other = names.get(owner).map_or("another API", String::as_str);
    if owner == index {
        return LoadError::at(format!("apis[{index}].operations"), format!("route `{route}` is ambiguous"));
    }
    LoadError::at(format!("apis[{index}]"), format!("route `{route}` collides with API `{other}` (apis[{owner}])"))
}

type RouteEntry = (String, Option<Method>, AuthKind, Option<usize>);

/// The normalised templates of an API, with method (`None` = any), auth and operation.
fn routes_of(index: usize, spec: &ApiSpec) -> Result<Vec<RouteEntry>, LoadError> {
    if spec.operations.is_empty() {
        let any = |template: &str| (template.to_owned(), None, spec.auth, None);
        return Ok(vec![any(""), any("/"), any("/{*rest}")]);
    }
    let mut routes = Vec::with_capacity(spec.operations.len());
    for (i, operation) in spec.operations.iter().enumerate() {
        let at = |field: &str| format!("apis[{index}].operations[{i}].{field}");
        let method = Method::from_bytes(operation.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| LoadError::at(at("method"), format!("`{}` is not an HTTP method", operation.method)))?;
        let template = normalise_template(&operation.path).map_err(|message| LoadError::at(at("path"), message))?;
        let auth = operation.auth.unwrap_or(spec.auth);
        if template == "/" {
            routes.push((String::new(), Some(method.clone()), auth, Some(i)));
        }
        routes.push((template, Some(method), auth, Some(i)));
    }
    Ok(routes)
}

/// `/pets/{petId}/toys/{toyId}` → `/pets/{p0}/toys/{p1}`; refuses what cannot be routed.
fn normalise_template(path: &str) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err(format!("path `{path}` must start with `/`"));
    }
    let mut out = String::with_capacity(path.len());
    let mut params = 0;
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if segment.starts_with('{') && segment.ends_with('}') && segment.len() > 2 {
            let name = &segment[1..segment.len() - 1];
            if name.contains(['{', '}', '*']) {
                return Err(format!("path `{path}`: `{segment}` is not a parameter name"));
            }
            out.push_str(&format!("{{p{params}}}"));
            params += 1;
        } else if segment.contains(['{', '}']) {
            return Err(format!("path `{path}`: parameters must be whole segments (`/{{name}}`), not `{segment}`"));
        } else if segment.contains(['*', '?', '#']) || segment.chars().any(char::is_whitespace) {
            return Err(format!("path `{path}` has characters a path template cannot contain"));
        } else {
            out.push_str(segment);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
