//! "How to call it" on an API's portal page: the address at the gateway and, for each way
//! its operations authenticate, what to send — an API key in its header; an OAuth2
//! access token from Portico's token endpoint (client credentials with the application's
//! client id and secret) as `Authorization: Bearer`, with the API's scopes and the
//! operations that need each; or a basic-auth username and password — each with a curl
//! example.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::table::{CELL, CELL_STRONG, Table};

/// How to call an API with an API key: the header carrying it and a path to try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallExample {
    /// Request header carrying the API key (`X-API-Key` by default).
    pub header: String,
    /// A path at the gateway, e.g. `/petstore/v1/pets`.
    pub path: String,
}

impl CallExample {
    /// The example for an API the caller does not know yet.
    pub fn generic() -> Self {
        Self { header: "X-API-Key".into(), path: "/<context>/<version>/".into() }
    }

    /// The example for `api`: its key header and its first plain `GET` operation (else
    /// its first operation, else its base path).
    #[cfg(feature = "ssr")]
    pub fn of(api: &domain::apis::ApiView) -> Self {
        Self { header: api.definition.key_auth.header.clone(), path: example_path(api, |_| true) }
    }

    /// The curl command that calls the example with `key`.
    pub fn curl(&self, key: &str) -> String {
        format!("curl -H \"{}: {key}\" \"$GATEWAY_URL{}\"", self.header, self.path)
    }
}

/// The path prefix of an API at the gateway: `{context}/{version}`.
#[cfg(feature = "ssr")]
pub fn base_path(api: &domain::apis::ApiView) -> String {
    format!("{}/{}", api.context.trim_end_matches('/'), api.version)
}

/// A path at the gateway to try among the operations `wanted` accepts: the first plain
/// `GET`, else the first one, else the base path.
#[cfg(feature = "ssr")]
fn example_path(
    api: &domain::apis::ApiView,
    wanted: impl Fn(&domain::api_definition::OperationSpec) -> bool,
) -> String {
    let base = base_path(api);
    let operations: Vec<_> = api.definition.operations.iter().filter(|op| wanted(op)).collect();
    let plain_get = operations.iter().find(|op| op.method.eq_ignore_ascii_case("GET") && !op.path.contains('{'));
    plain_get.or(operations.first()).map_or_else(|| format!("{base}/"), |op| format!("{base}{}", op.path))
}

/// One way the API's operations authenticate, with a path that uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthMethod {
    /// `api_key`, `jwt` or `basic`.
    pub kind: String,
    /// A path at the gateway whose operation authenticates this way.
    pub path: String,
}

/// A scope the API defines and the operations (`GET /pets/v1/pets`) that need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeUse {
    pub name: String,
    pub description: String,
    pub operations: Vec<String>,
}

/// What the section explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallGuide {
    /// Path prefix at the gateway, e.g. `/petstore/v1`.
    pub base_path: String,
    /// Requests without the version segment reach this version too.
    pub default_version: bool,
    /// Query parameter that may carry the key instead of the header.
    pub key_query: Option<String>,
    pub example: CallExample,
    /// The ways its operations authenticate (empty: no credential needed).
    pub methods: Vec<AuthMethod>,
    /// Portico's token endpoint (`<public URL>/oauth2/token`).
    pub token_url: String,
    pub scopes: Vec<ScopeUse>,
}

#[cfg(feature = "ssr")]
impl CallGuide {
    /// The guide of `api`; `token_url` is Portico's token endpoint.
    pub fn of(api: &domain::apis::ApiView, token_url: String) -> Self {
        use domain::api_definition::AuthKind;
        let definition = &api.definition;
        let base = base_path(api);
        let kind_of = |op: &domain::api_definition::OperationSpec| op.auth.unwrap_or(definition.auth);
        let mut kinds: Vec<AuthKind> = if definition.operations.is_empty() {
            vec![definition.auth]
        } else {
            definition.operations.iter().map(kind_of).collect()
        };
        kinds.sort_by_key(|kind| AuthKind::ALL.iter().position(|k| k == kind));
        kinds.dedup();
        let methods = kinds
            .into_iter()
            .filter(|kind| *kind != AuthKind::None)
            .map(|kind| AuthMethod {
                kind: kind.as_str().to_owned(),
                path: if definition.operations.is_empty() {
                    format!("{base}/")
                } else {
                    example_path(api, |op| kind_of(op) == kind)
                },
            })
            .collect();
        let scopes = definition
            .scopes
            .iter()
            .map(|scope| ScopeUse {
                name: scope.name.clone(),
                description: scope.description.clone(),
                operations: definition
                    .operations
                    .iter()
                    .filter(|op| op.scopes.contains(&scope.name))
                    .map(|op| format!("{} {base}{}", op.method.to_uppercase(), op.path))
                    .collect(),
            })
            .collect();
        Self {
            default_version: api.is_default_version,
            key_query: definition.key_auth.query.clone(),
            example: CallExample::of(api),
            base_path: base,
            methods,
            token_url,
            scopes,
        }
    }
}

const CODE: &str = "rounded bg-slate-100 px-1";
const PRE: &str = "mt-2 overflow-x-auto rounded-md bg-slate-900 p-4 font-mono text-xs text-slate-100";

/// Path, authentication and curl examples.
#[component]
pub fn HowToCall(guide: CallGuide) -> impl IntoView {
    let CallGuide { base_path, default_version, key_query, example, methods, token_url, scopes } = guide;
    let unversioned = base_path.rsplit_once('/').map(|(context, _)| context.to_owned()).unwrap_or_default();
    let open = methods.is_empty();
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="how-to-call">
            <h2 class="text-lg font-semibold">"How to call it"</h2>
            <dl class="mt-4 space-y-5 text-sm">
                <div>
                    <dt class="font-medium text-slate-900">"Address"</dt>
                    <dd class="mt-1 text-slate-700">
                        "Send requests to your environment's gateway, below " <code class=CODE data-testid="api-base-path">{base_path}</code>
                        {default_version.then(|| view! { " (this is the default version: " <code class=CODE>{unversioned}</code> " works too)" })}
                        "."
                    </dd>
                </div>
                {open.then(|| view! {
                    <div>
                        <dt class="font-medium text-slate-900">"Authentication"</dt>
                        <dd class="mt-1 text-slate-700">"None: this API needs no credential."</dd>
                    </div>
                })}
                {methods.into_iter().map(|method| match method.kind.as_str() {
                    "jwt" => view! { <TokenAuth path=method.path token_url=token_url.clone() scopes=scopes.clone()/> }.into_any(),
                    "basic" => view! { <BasicAuth path=method.path/> }.into_any(),
                    _ => view! { <KeyAuth example=CallExample { path: method.path, ..example.clone() } key_query=key_query.clone()/> }.into_any(),
                }).collect_view()}
            </dl>
            <p class="mt-4 text-xs text-slate-500">"GATEWAY_URL is the address of the gateway of your credential's environment."</p>
        </section>
    }
}

/// API keys: the header (or query parameter) and a curl example.
#[component]
fn KeyAuth(example: CallExample, key_query: Option<String>) -> impl IntoView {
    view! {
        <div data-testid="auth-api-key">
            <dt class="font-medium text-slate-900">"With an API key"</dt>
            <dd class="mt-1 text-slate-700">
                "Send an API key of a subscribed application in the " <code class=CODE data-testid="api-key-header">{example.header.clone()}</code> " header"
                {key_query.map(|q| view! { " (or the " <code class=CODE>{q}</code> " query parameter)" })}
                ". API_KEY is your application's key."
                <pre class=PRE data-testid="api-curl-example">{example.curl("$API_KEY")}</pre>
            </dd>
        </div>
    }
}

/// OAuth2: getting a token, using it, and the scopes.
#[component]
fn TokenAuth(path: String, token_url: String, scopes: Vec<ScopeUse>) -> impl IntoView {
    let scope_param = scopes.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(" ");
    let scope_arg = if scope_param.is_empty() { String::new() } else { format!(" -d \"scope={scope_param}\"") };
    let get_token = format!(
        "curl -u \"$CLIENT_ID:$CLIENT_SECRET\" \\\n  -d grant_type=client_credentials{scope_arg} \\\n  \"{token_url}\""
    );
    let call = format!("curl -H \"Authorization: Bearer $ACCESS_TOKEN\" \"$GATEWAY_URL{path}\"");
    view! {
        <div data-testid="auth-jwt">
            <dt class="font-medium text-slate-900">"With an OAuth2 access token"</dt>
            <dd class="mt-1 space-y-2 text-slate-700">
                <p>
                    "Get a token from Portico's token endpoint " <code class=CODE data-testid="token-endpoint">{token_url}</code>
                    " with the client credentials grant, using the client id and secret of your subscribed application's OAuth2 client (on the application's page, for the environment you call), then send it in the "
                    <code class=CODE>"Authorization: Bearer"</code> " header. The token's " <code class=CODE>"access_token"</code> " is ACCESS_TOKEN:"
                </p>
                <pre class=PRE data-testid="api-token-example">{get_token}</pre>
                <pre class=PRE data-testid="api-bearer-example">{call}</pre>
                <Scopes scopes=scopes/>
            </dd>
        </div>
    }
}

/// The API's scopes and the operations that need each.
#[component]
fn Scopes(scopes: Vec<ScopeUse>) -> impl IntoView {
    if scopes.is_empty() {
        return view! { <p>"This API defines no scopes: any token of a subscribed application works."</p> }.into_any();
    }
    view! {
        <p>"Ask for the scopes the operations you call need (a token without them is refused with 403 insufficient_scope):"</p>
        <Table headers=vec!["Scope", "Allows", "Needed by"]>
            {scopes.into_iter().map(|scope| view! {
                <tr data-testid="scope-row">
                    <td class=CELL_STRONG><code class="font-mono text-xs">{scope.name}</code></td>
                    <td class=CELL>{scope.description}</td>
                    <td class=CELL>
                        {if scope.operations.is_empty() {
                            view! { <span class="text-slate-500">"no operation yet"</span> }.into_any()
                        } else {
                            scope.operations.into_iter().map(|op| view! { <code class="block font-mono text-xs">{op}</code> }).collect_view().into_any()
                        }}
                    </td>
                </tr>
            }).collect_view()}
        </Table>
    }
    .into_any()
}

/// Basic authentication: a username and password of the application.
#[component]
fn BasicAuth(path: String) -> impl IntoView {
    let curl = format!("curl -u \"$USERNAME:$PASSWORD\" \"$GATEWAY_URL{path}\"");
    view! {
        <div data-testid="auth-basic">
            <dt class="font-medium text-slate-900">"With a username and password"</dt>
            <dd class="mt-1 text-slate-700">
                "Send a basic-auth credential of your subscribed application (created on the application's page, for the environment you call) in the "
                <code class=CODE>"Authorization: Basic"</code> " header:"
                <pre class=PRE data-testid="api-basic-example">{curl}</pre>
            </dd>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{AuthMethod, CallGuide};
    use serde_json::json;

    fn api(definition: serde_json::Value) -> domain::apis::ApiView {
        serde_json::from_value(json!({
            "id": "01a2223a-5962-74ed-9066-785895cd5121", "org_id": "01a2223a-5962-74ed-9066-785895cd5122",
            "name": "Pets", "context": "/pets", "version": "v1", "description": "", "tags": [],
            "visibility": "public", "visible_roles": [], "state": "published", "is_default_version": false,
            "definition": definition, "has_openapi": false, "etag": 1,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        }))
        .unwrap()
    }

    fn method(kind: &str, path: &str) -> AuthMethod {
        AuthMethod { kind: kind.into(), path: path.into() }
    }

    #[test]
    fn each_auth_kind_of_the_operations_is_explained_with_a_path_that_uses_it() {
        let guide = CallGuide::of(
            &api(json!({
                "auth": "api_key",
                "scopes": [{"name": "pets:read", "description": "Read pets"}, {"name": "pets:write"}],
                "operations": [
                    {"method": "get", "path": "/pets/{id}"},
                    {"method": "GET", "path": "/pets"},
                    {"method": "POST", "path": "/orders", "auth": "basic"},
                    {"method": "GET", "path": "/me", "auth": "jwt", "scopes": ["pets:read"]},
                    {"method": "DELETE", "path": "/me", "auth": "jwt", "scopes": ["pets:read"]},
                    {"method": "GET", "path": "/health", "auth": "none"},
                ],
            })),
            "https://portico.example/oauth2/token".into(),
        );
        assert_eq!(
            guide.methods,
            [method("api_key", "/pets/v1/pets"), method("jwt", "/pets/v1/me"), method("basic", "/pets/v1/orders")]
        );
        assert_eq!(guide.scopes[0].operations, ["GET /pets/v1/me", "DELETE /pets/v1/me"]);
        assert!(guide.scopes[1].operations.is_empty() && guide.scopes[1].description.is_empty());
        assert_eq!(guide.example.path, "/pets/v1/pets");
    }

    #[test]
    fn without_operations_the_default_auth_applies_to_the_base_path() {
        let token = CallGuide::of(&api(json!({"auth": "jwt"})), String::new());
        assert_eq!(token.methods, [method("jwt", "/pets/v1/")]);
        let open = CallGuide::of(&api(json!({"auth": "none"})), String::new());
        assert!(open.methods.is_empty());
    }
}
