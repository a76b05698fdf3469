//! Router tests: prefixes, default versions, templates, methods, hosts and collisions.

use super::*;
use crate::config::Config;
use crate::spec::{self, Snapshot};

fn snapshot(yaml: &str) -> Snapshot {
    spec::parse(yaml.as_bytes()).unwrap()
}

const TWO_APIS: &str = r#"
apis:
  - id: pets-v1
    name: Pets
    context: /pets
    version: v1
    default_version: true
    upstream: { endpoints: [{ url: "http://127.0.0.1:1" }] }
    operations:
      - { method: GET, path: /pets }
      - { method: GET, path: "/pets/{petId}", auth: none }
      - { method: DELETE, path: "/pets/{id}" }
      - { method: GET, path: /pets/mine }
  - id: shop
    name: Shop
    context: /shop/eu
    version: "2.0"
    hosts: [Shop.Example.com]
    upstream: { endpoints: [{ url: "http://127.0.0.1:1" }] }
"#;

fn found(config: &Config, host: Option<&str>, path: &str, method: Method) -> Option<(String, AuthKind, usize)> {
    match config.router.lookup(host, path, &method) {
        Lookup::Found(m) => Some((m.api.id.to_string(), m.auth, m.strip)),
        _ => None,
    }
}

#[tokio::test]
async fn routes_by_prefix_template_method_and_host() {
    let config = Config::compile(&snapshot(TWO_APIS)).unwrap();
    assert_eq!(found(&config, None, "/pets/v1/pets", Method::GET), Some(("pets-v1".into(), AuthKind::ApiKey, 8)));
    assert_eq!(found(&config, None, "/pets/v1/pets/7", Method::GET).unwrap().1, AuthKind::None);
    assert_eq!(found(&config, None, "/pets/v1/pets/7", Method::DELETE).unwrap().1, AuthKind::ApiKey);
    assert_eq!(found(&config, None, "/pets/v1/pets/mine", Method::GET).unwrap().1, AuthKind::ApiKey);
    assert_eq!(found(&config, None, "/pets/pets/7", Method::GET).unwrap().2, 5, "default version");
    assert!(matches!(config.router.lookup(None, "/pets/v1/pets", &Method::POST), Lookup::MethodNotAllowed));
    assert!(matches!(config.router.lookup(None, "/pets/v1/toys", &Method::GET), Lookup::NotFound));
    assert!(found(&config, None, "/shop/eu/2.0/anything", Method::PUT).is_none(), "host-bound API");
    let shop = found(&config, Some("shop.example.COM"), "/shop/eu/2.0/a/b", Method::PUT).unwrap();
    assert_eq!((shop.0.as_str(), shop.2), ("shop", "/shop/eu/2.0".len()));
    assert!(found(&config, Some("shop.example.com"), "/shop/eu/2.0", Method::GET).is_some());
    assert!(found(&config, Some("shop.example.com"), "/shop/eu/2.0/", Method::GET).is_some());
    assert!(found(&config, Some("shop.example.com"), "/pets/v1/pets", Method::GET).is_some(), "any-host APIs too");
}

#[tokio::test]
async fn collisions_name_the_other_api() {
    let mut text = TWO_APIS.to_owned();
    text.push_str(
        r#"
  - id: pets-copy
    name: Pets copy
    context: /pets
    version: v1
    upstream: { endpoints: [{ url: "http://127.0.0.1:1" }] }
"#,
    );
    let error = Config::compile(&snapshot(&text)).map(|_| ()).unwrap_err();
    assert_eq!(error.path, "apis[2]");
    assert!(error.message.contains("collides with API `Pets (/pets v1)` (apis[0])"), "{error}");
}

#[tokio::test]
async fn templates_and_prefixes_are_validated() {
    let api = |context: &str, version: &str, path: &str| {
        format!(
            "apis:\n  - {{ id: a, name: A, context: '{context}', version: '{version}', upstream: {{ endpoints: [{{ url: 'http://x' }}] }}, operations: [{{ method: GET, path: '{path}' }}] }}\n"
        )
    };
    let error_at = |text: String| Config::compile(&snapshot(&text)).map(|_| ()).unwrap_err().path;
    assert_eq!(error_at(api("pets", "v1", "/a")), "apis[0].context");
    assert_eq!(error_at(api("/", "v1", "/a")), "apis[0].context");
    assert_eq!(error_at(api("/p", "v/1", "/a")), "apis[0].version");
    assert_eq!(error_at(api("/p", "v1", "a")), "apis[0].operations[0].path");
    assert_eq!(error_at(api("/p", "v1", "/files/{name}.json")), "apis[0].operations[0].path");
    let twice = api("/p", "v1", "/a/{x}").replace("'/a/{x}' }", "'/a/{x}' }, { method: get, path: '/a/{y}' }");
    assert_eq!(error_at(twice), "apis[0].operations");
}
