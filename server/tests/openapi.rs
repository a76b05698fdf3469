//! Documentation that must stay true: `/api/openapi.json` (generated from the code)
//! covers every API and OAuth route of the router, and the README lists every setting.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;

use http::StatusCode;

/// Paths under those prefixes that are not API routes: the document itself and the
/// consent page (a UI page).
const NOT_API: [&str; 2] = ["/api/openapi.json", "/oauth2/consent"];

/// The `/api/…`, `/oauth2/…` and `/.well-known/…` paths the router itself knows (read
/// from its debug description, which lists every registered path).
fn router_api_paths(router: &axum::Router) -> BTreeSet<String> {
    let description = format!("{router:?}");
    let pattern = regex_lite::Regex::new(r#""((?:/api/|/oauth2/|/\.well-known/)[^"]*)""#).unwrap();
    pattern.captures_iter(&description).map(|c| c[1].to_owned()).filter(|p| !NOT_API.contains(&p.as_str())).collect()
}

#[tokio::test]
async fn every_api_route_is_documented_and_every_documented_route_exists() {
    let app = support::app("server::openapi::every_api_route_is_documented").await;
    let reply = app.client().get("/api/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    let documented: BTreeSet<String> = reply.body["paths"].as_object().unwrap().keys().cloned().collect();
    let routed = router_api_paths(&app.router);
    assert!(routed.len() >= 15, "could not read the router's routes: {routed:?}");
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(undocumented.is_empty(), "routes missing from /api/openapi.json: {undocumented:?}");
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(unrouted.is_empty(), "documented paths the router does not serve: {unrouted:?}");
    for (path, item) in reply.body["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} documents no response"
            );
        }
    }
}

#[test]
fn an_undocumented_route_is_detected() {
    let router: axum::Router = axum::Router::new().route("/api/secret-route", axum::routing::get(|| async { "x" }));
    assert!(router_api_paths(&router).contains("/api/secret-route"));
}

#[test]
fn the_readme_lists_every_setting() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let table = server::settings::markdown_table::<server::cli::Cli>();
    assert!(
        readme.contains(&table),
        "README.md's settings table is stale: paste the output of `portico settings`:\n{table}"
    );
}
