//! The OpenAPI importer end to end: fixtures of each format, refusals with exact
//! pointers and YAML lines, the size of real documents (a generated 1,000-operation
//! spec), and fetching by URL from a local hyper server (with the SSRF rules).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use domain::openapi::fetch::{FetchError, FetchPolicy, fetch_spec};
use domain::openapi::{
    ApiKeyLocation, HttpMethod, ImportError, ImportedOperation, ImportedSpec, MAX_ERRORS, ParameterLocation,
    SecuritySchemeType, SourceFormat, import,
};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;

#[path = "fixtures/openapi/generate.rs"]
mod generate;

const PETSTORE_30: &str = include_str!("fixtures/openapi/petstore-3.0.json");
const EVENTS_31: &str = include_str!("fixtures/openapi/webhooks-3.1.yaml");
const PETSTORE_20: &str = include_str!("fixtures/openapi/petstore-2.0.yaml");
const ERRORS_30: &str = include_str!("fixtures/openapi/errors-3.0.yaml");

fn imported(text: &str) -> ImportedSpec {
    match import(text.as_bytes()) {
        Ok(spec) => spec,
        Err(errors) => panic!("{errors}"),
    }
}

fn refused(text: &str) -> Vec<ImportError> {
    match import(text.as_bytes()) {
        Ok(spec) => panic!("imported: {spec:?}"),
        Err(errors) => errors.errors,
    }
}

fn operation<'s>(spec: &'s ImportedSpec, method: HttpMethod, path: &str) -> &'s ImportedOperation {
    spec.operations
        .iter()
        .find(|op| op.method == method && op.path == path)
        .unwrap_or_else(|| panic!("no {method} {path}"))
}

#[test]
fn openapi_30_json_is_imported() {
    let spec = imported(PETSTORE_30);
    assert_eq!(spec.source_format, SourceFormat::OpenApi30);
    assert_eq!(spec.source_version, "3.0.3");
    assert_eq!((spec.title.as_str(), spec.version.as_str()), ("Swagger Petstore", "1.0.0"));
    assert_eq!(spec.description.as_deref(), Some("A sample API that uses a petstore as an example."));
    assert_eq!(spec.servers, vec!["https://eu.petstore.example.com/v1", "/v1"]);
    assert_eq!(spec.tags, vec!["pets", "admin"]);
    let routes: Vec<_> = spec.operations.iter().map(|op| format!("{} {}", op.method, op.path)).collect();
    assert_eq!(routes, vec!["GET /health", "GET /pets", "POST /pets", "GET /pets/{petId}", "DELETE /pets/{petId}"]);

    // A `$ref` parameter is resolved; examples (inline and `$ref`) are kept.
    let list = operation(&spec, HttpMethod::Get, "/pets");
    assert_eq!(list.operation_id.as_deref(), Some("listPets"));
    assert_eq!(list.parameters.len(), 2);
    let limit = &list.parameters[0];
    assert_eq!((limit.name.as_str(), limit.location, limit.required), ("limit", ParameterLocation::Query, false));
    assert_eq!(limit.schema, Some(json!({"type": "integer", "maximum": 100, "format": "int32"})));
    assert_eq!(limit.examples["small"].value, Some(json!(10)));
    assert_eq!(list.parameters[1].example, Some(json!("abc")));
    let ok = &list.responses["200"].content["application/json"];
    assert_eq!(ok.schema, Some(json!({"$ref": "#/components/schemas/Pets"})));
    assert_eq!(ok.examples["two"].summary.as_deref(), Some("Two pets"));
    assert_eq!(ok.examples["shared"].value, Some(json!([{"id": 1, "name": "Rex"}])));
    // A `$ref` response is resolved.
    assert_eq!(list.responses["default"].description, "unexpected error");
    assert!(list.requires_auth());
    assert_eq!(list.security, vec![[("api_key".to_owned(), vec![])].into()]);

    let create = operation(&spec, HttpMethod::Post, "/pets");
    let body = create.request_body.as_ref().expect("a request body");
    assert!(body.required);
    assert_eq!(body.content["application/json"].example, Some(json!({"name": "Rex"})));
    assert_eq!(
        create.security,
        vec![[("api_key".to_owned(), vec![]), ("oauth".to_owned(), vec!["write:pets".to_owned()])].into()]
    );

    // Path-level parameters are merged; the operation's own win by name + in.
    let show = operation(&spec, HttpMethod::Get, "/pets/{petId}");
    let params: Vec<_> = show.parameters.iter().map(|p| (p.name.as_str(), p.location, p.required)).collect();
    assert_eq!(params, vec![("petId", ParameterLocation::Path, true), ("verbose", ParameterLocation::Query, true)]);
    assert_eq!(show.parameters[1].schema, Some(json!({"type": "integer"})));
    assert_eq!(show.responses["404"].description, "unexpected error", "a $ref to a $ref");

    // `security: []` means no authentication; `[{}, …]` makes it optional.
    let delete = operation(&spec, HttpMethod::Delete, "/pets/{petId}");
    assert!(delete.deprecated);
    assert!(delete.security.is_empty());
    assert!(!delete.requires_auth());
    assert_eq!(delete.parameters.len(), 2, "path-level parameters apply to every operation");
    assert!(!operation(&spec, HttpMethod::Get, "/health").requires_auth());

    // Component schemas keep their `$ref`s; security schemes are summed up.
    assert_eq!(spec.schemas["Pet"]["properties"]["owner"], json!({"$ref": "#/components/schemas/Owner"}));
    assert_eq!(spec.schemas.len(), 4);
    let key = &spec.security_schemes["api_key"];
    assert_eq!(
        (key.kind, key.location, key.name.as_deref()),
        (SecuritySchemeType::ApiKey, Some(ApiKeyLocation::Header), Some("X-API-Key"))
    );
    let bearer = &spec.security_schemes["bearer"];
    assert_eq!((bearer.kind, bearer.scheme.as_deref()), (SecuritySchemeType::Http, Some("bearer")));
    assert_eq!(spec.security_schemes["oauth"].kind, SecuritySchemeType::OAuth2);
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);

    // The model round-trips through JSON (it is stored that way).
    let stored = serde_json::to_string(&spec).unwrap();
    assert_eq!(serde_json::from_str::<ImportedSpec>(&stored).unwrap(), spec);
    let value = serde_json::to_value(&spec).unwrap();
    assert_eq!(value["source_format"], "openapi_3_0");
    assert_eq!(value["operations"][0]["method"], "GET");
    assert_eq!(value["operations"][1]["parameters"][0]["in"], "query");
    assert_eq!(value["security_schemes"]["api_key"]["type"], "apiKey");
}

#[test]
fn openapi_31_yaml_is_imported() {
    let spec = imported(EVENTS_31);
    assert_eq!(spec.source_format, SourceFormat::OpenApi31);
    assert_eq!(spec.version, "2024-06");
    assert_eq!(spec.tags, vec!["events", "audit"]);
    let routes: Vec<_> = spec.operations.iter().map(|op| format!("{} {}", op.method, op.path)).collect();
    assert_eq!(routes, vec!["GET /events", "GET /events/{eventId}"]);

    // A path item `$ref` to components/pathItems; a parameter described by `content`.
    let list = operation(&spec, HttpMethod::Get, "/events");
    assert_eq!(list.operation_id.as_deref(), Some("listEvents"));
    assert_eq!(
        list.parameters[0].schema.as_ref().map(|s| s["properties"]["at"]["format"].clone()),
        Some(json!("date-time"))
    );

    // Type arrays, 4XX ranges, flow-style YAML examples with null.
    let get = operation(&spec, HttpMethod::Get, "/events/{eventId}");
    assert_eq!(get.parameters[0].schema, Some(json!({"type": ["string", "integer"]})));
    assert_eq!(get.responses["4XX"].description, "Client error");
    let example = &get.responses["200"].content["application/json"].examples["login"];
    assert_eq!(example.value, Some(json!({"id": 1, "kind": "login", "note": null})));
    assert!(get.requires_auth());

    // Schemas as written: type arrays, boolean schemas, 3.1 `examples` arrays, `$defs`.
    assert_eq!(spec.schemas["Event"]["properties"]["note"]["type"], json!(["string", "null"]));
    assert_eq!(spec.schemas["Event"]["properties"]["local"], json!({"$ref": "#/$defs/local"}));
    assert_eq!(spec.schemas["Anything"], json!(true));
    assert_eq!(spec.security_schemes["mtls"].kind, SecuritySchemeType::MutualTls);

    let warnings = spec.warnings.join("\n");
    assert!(warnings.contains("1 webhook(s) are not imported"), "{warnings}");
    assert!(warnings.contains("JSON Schema dialect https://json-schema.org/draft/2020-12/schema"), "{warnings}");
}

#[test]
fn swagger_20_is_converted() {
    let spec = imported(PETSTORE_20);
    assert_eq!((spec.source_format, spec.source_version.as_str()), (SourceFormat::Swagger20, "2.0"));
    assert_eq!(spec.servers, vec!["https://petstore.example.com:8443/v2", "http://petstore.example.com:8443/v2"]);
    assert_eq!(spec.warnings, vec!["converted from Swagger 2.0"]);
    assert_eq!(spec.operations.len(), 5);

    // `in: body` → request body for each `consumes`; `definitions` refs rewritten.
    let add = operation(&spec, HttpMethod::Post, "/pet");
    let body = add.request_body.as_ref().expect("a body");
    assert!(body.required);
    assert_eq!(body.description.as_deref(), Some("Pet object that needs to be added to the store"));
    assert_eq!(body.content.keys().collect::<Vec<_>>(), vec!["application/json", "application/xml"]);
    assert_eq!(body.content["application/xml"].schema, Some(json!({"$ref": "#/components/schemas/Pet"})));
    assert!(add.parameters.is_empty());
    assert_eq!(add.security, vec![[("petstore_auth".to_owned(), vec!["write:pets".to_owned()])].into()]);

    // Typed parameters get a schema; responses get content for each `produces`.
    let find = operation(&spec, HttpMethod::Get, "/pet/findByStatus");
    let status = &find.parameters[0];
    assert_eq!((status.location, status.required), (ParameterLocation::Query, true));
    assert_eq!(
        status.schema,
        Some(json!({"type": "array", "items": {"type": "string", "enum": ["available", "pending", "sold"]}}))
    );
    assert_eq!(status.example, Some(json!(["available"])));
    let ok = &find.responses["200"];
    assert_eq!(ok.content.keys().collect::<Vec<_>>(), vec!["application/json", "application/xml"]);
    assert_eq!(ok.content["application/json"].example, Some(json!([{"id": 1, "name": "Rex"}])));
    assert_eq!(
        ok.content["application/xml"].schema.as_ref().map(|s| s["items"].clone()),
        Some(json!({"$ref": "#/components/schemas/Pet"}))
    );

    // Path-level `$ref` parameters; operation-level `produces`; `$ref` responses.
    let get = operation(&spec, HttpMethod::Get, "/pet/{petId}");
    assert_eq!(get.parameters[0].schema, Some(json!({"type": "integer", "format": "int64"})));
    assert_eq!(get.responses["200"].content.keys().collect::<Vec<_>>(), vec!["application/json"]);
    assert_eq!(get.responses["404"].description, "Pet not found");
    assert_eq!(
        get.responses["404"].content["application/json"].schema,
        Some(json!({"$ref": "#/components/schemas/Error"}))
    );

    // formData → a form body; `type: file` → multipart with a binary string.
    let form = operation(&spec, HttpMethod::Post, "/pet/{petId}");
    let body = form.request_body.as_ref().expect("a form body");
    let schema = body.content["application/x-www-form-urlencoded"].schema.clone();
    assert_eq!(
        schema,
        Some(json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "Updated name of the pet"},
                "status": {"type": "string"}
            },
            "required": ["name"]
        }))
    );
    assert!(!form.requires_auth());
    let upload = operation(&spec, HttpMethod::Post, "/pet/{petId}/uploadImage");
    let multipart = &upload.request_body.as_ref().expect("a multipart body").content["multipart/form-data"];
    assert_eq!(
        multipart.schema.as_ref().map(|s| s["properties"]["file"].clone()),
        Some(json!({"type": "string", "format": "binary"}))
    );

    assert_eq!(spec.schemas["Pet"]["properties"]["category"], json!({"$ref": "#/components/schemas/Category"}));
    let oauth = &spec.security_schemes["petstore_auth"];
    assert_eq!(oauth.kind, SecuritySchemeType::OAuth2);
    assert_eq!(
        oauth.flows,
        Some(json!({"implicit": {
            "authorizationUrl": "https://petstore.example.com/oauth/dialog",
            "scopes": {"write:pets": "modify pets in your account"}
        }}))
    );
    assert_eq!(spec.security_schemes["basic"].scheme.as_deref(), Some("basic"));
    assert_eq!(spec.security_schemes["api_key"].location, Some(ApiKeyLocation::Header));
}

#[test]
fn every_error_names_its_pointer_and_yaml_line() {
    let errors = refused(ERRORS_30);
    let listed: Vec<_> = errors.iter().map(|e| (e.pointer.as_str(), e.line, e.column)).collect();
    let get_pet = "/paths/~1pets~1{petId}/get";
    let expected = vec![
        ("/info/title", Some(2), Some(1)),
        ("/info/version", Some(3), Some(3)),
        (get_pet, Some(6), Some(5)),
        (get_pet, Some(6), Some(5)),
        ("/paths/~1pets~1{petId}/get/operationId", Some(7), Some(7)),
        ("/paths/~1pets~1{petId}/get/parameters/0", Some(9), Some(11)),
        ("/paths/~1pets~1{petId}/get/responses/200/content/application~1json/schema/$ref", Some(20), Some(17)),
        ("/paths/~1pets~1{id}/get/responses/ok", Some(29), Some(9)),
        ("/paths/pets", Some(31), Some(3)),
        ("/paths/~1owners/post/summary", Some(36), Some(7)),
        ("/paths/~1owners/post/deprecated", Some(37), Some(7)),
        ("/paths/~1owners/post/parameters/0/in", Some(40), Some(11)),
        ("/paths/~1owners/post/security/0/nope", Some(42), Some(11)),
    ];
    assert_eq!(listed, expected, "{errors:#?}");
    let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
    let expected_messages = [
        "the required field `title` is missing",
        "must be a string, not the number 1 (in YAML, quote it: version: \"1\")",
        "the path has the variable {petId} but no parameter `petId` with in: path",
        "GET /pets/{petId} is the same route as GET /pets/{id} (/paths/~1pets~1{id}/get): only the variable names differ",
        "operationId `getPet` is already used by GET /pets/{id} (/paths/~1pets~1{id}/get)",
        "parameter `id` is in: path but the path `/pets/{petId}` has no {id}",
        "`$ref: #/components/schemas/Missing` points to nothing in this document",
        "`ok` is not a status code (use 200, 4XX or default)",
        "the path `pets` must start with `/`",
        "must be a string, not an array",
        "must be true or false, not a string",
        "must be path, query, header or cookie, not `body`",
        "security scheme `nope` is not declared",
    ];
    assert_eq!(messages, expected_messages);
}

#[test]
fn json_errors_get_positions_too() {
    let broken = PETSTORE_30.replace("#/components/schemas/Owner", "#/components/schemas/Ghost");
    let errors = refused(&broken);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].pointer, "/components/schemas/Pet/properties/owner/$ref");
    let line = PETSTORE_30.lines().position(|l| l.contains("#/components/schemas/Owner")).map(|i| i as u32 + 1);
    assert_eq!(errors[0].line, line);

    let errors = refused("{\n  \"openapi\": \"3.0.0\",\n  \"info\": {\"title\": \"x\" \"version\": \"1\"}\n}");
    assert_eq!((errors[0].line, errors[0].column), (Some(3), Some(25)));
    assert!(errors[0].message.starts_with("JSON syntax error"), "{}", errors[0].message);
}

#[test]
fn unsupported_documents_are_refused_clearly() {
    let cases: [(&str, &str, &str); 9] = [
        ("- a\n- b\n", "", "must be a mapping with an `openapi` field, not an array"),
        ("title: x\n", "", "not an OpenAPI or Swagger document"),
        ("openapi: \"2.0\"\n", "/openapi", "a Swagger 2.0 document says `swagger: \"2.0\"`"),
        ("openapi: 4.0.0\n", "/openapi", "OpenAPI 4.0.0 is not supported; use OpenAPI 3.0.x or 3.1.x"),
        ("openapi: 3.2.0\n", "/openapi", "OpenAPI 3.2.0 is not supported"),
        ("openapi: [3]\n", "/openapi", "must be a version string like \"3.0.3\""),
        ("swagger: \"1.2\"\n", "/swagger", "only Swagger \"2.0\" is supported, not \"1.2\""),
        ("openapi: 3.0.0\nswagger: \"2.0\"\n", "/swagger", "not both"),
        ("", "", "not null"),
    ];
    for (text, pointer, message) in cases {
        let errors = refused(text);
        assert_eq!(errors.len(), 1, "{text}: {errors:?}");
        assert_eq!(errors[0].pointer, pointer, "{text}");
        assert!(errors[0].message.contains(message), "{text}: {}", errors[0].message);
    }
    let syntax = refused("openapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\n");
    assert!(syntax[0].message.starts_with("YAML syntax error"));
    assert!(syntax[0].line.is_some_and(|line| line >= 3), "{syntax:?}");
    let duplicate = refused("openapi: 3.0.0\ninfo:\n  title: a\n  title: b\n  version: '1'\npaths: {}\n");
    assert_eq!((duplicate[0].pointer.as_str(), duplicate[0].line), ("/info/title", Some(4)));
}

#[test]
fn swagger_constructs_that_cannot_be_converted_are_refused_where_they_are() {
    let text = r#"{
  "swagger": "2.0",
  "info": {"title": "Mixed", "version": "1"},
  "paths": {"/upload": {"post": {
    "parameters": [
      {"name": "meta", "in": "body", "schema": {"type": "object"}},
      {"name": "file", "in": "formData", "type": "file"},
      {"name": "id", "in": "query", "type": "file"}
    ],
    "responses": {"200": {"description": "ok"}}
  }}}
}"#;
    let errors = refused(text);
    let listed: Vec<_> = errors.iter().map(|e| (e.pointer.as_str(), e.line, e.message.as_str())).collect();
    assert_eq!(
        listed,
        vec![
            (
                "/paths/~1upload/post/parameters/1",
                Some(7),
                "cannot be converted: the operation has both an `in: body` parameter and `in: formData` parameters"
            ),
            ("/paths/~1upload/post/parameters/2/type", Some(8), "`type: file` is only allowed for formData parameters"),
        ]
    );
}

#[test]
fn edge_cases() {
    // `paths` is required in 3.0, optional in 3.1.
    let errors = refused("openapi: 3.0.0\ninfo: {title: t, version: '1'}\n");
    assert_eq!(
        (errors[0].pointer.as_str(), errors[0].message.as_str()),
        ("/paths", "the required field `paths` is missing")
    );
    assert!(imported("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n").operations.is_empty());

    // Unquoted versions are read with a warning.
    let spec = imported("openapi: 3.0\ninfo: {title: t, version: '1'}\npaths: {}\n");
    assert_eq!((spec.source_format, spec.source_version.as_str()), (SourceFormat::OpenApi30, "3.0"));
    assert!(spec.warnings[0].contains("`openapi` should be a string"), "{:?}", spec.warnings);
    let spec = imported("swagger: 2.0\ninfo: {title: t, version: '1'}\npaths: {}\n");
    assert_eq!(spec.source_format, SourceFormat::Swagger20);

    // Anchors and merge keys; a path parameter not marked required; ignored headers.
    let text = "openapi: 3.0.3
info: {title: t, version: '1'}
x-common: &common
  description: shared
  content:
    application/json:
      schema: {type: string}
paths:
  /a/{id}:
    get:
      parameters:
        - {name: id, in: path, schema: {type: string}}
        - {name: Accept, in: header, schema: {type: string}}
      responses:
        '200':
          <<: *common
          description: own
        '500': *common
";
    let spec = imported(text);
    let get = operation(&spec, HttpMethod::Get, "/a/{id}");
    assert_eq!(get.parameters.len(), 1);
    assert!(get.parameters[0].required);
    assert_eq!(get.responses["200"].description, "own");
    assert_eq!(get.responses["500"].description, "shared");
    assert_eq!(get.responses["200"].content["application/json"].schema, Some(json!({"type": "string"})));
    let warnings = spec.warnings.join("\n");
    assert!(warnings.contains("path parameter `id` is not marked required"), "{warnings}");
    assert!(warnings.contains("header parameter `Accept` is ignored"), "{warnings}");

    // References into other files cannot be followed for parameters; kept for schemas.
    let text = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      parameters:
        - $ref: 'common.yaml#/components/parameters/Limit'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'common.yaml#/components/schemas/A'}
";
    let errors = refused(text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].pointer.as_str(), errors[0].line), ("/paths/~1a/get/parameters/0/$ref", Some(7)));
    assert!(errors[0].message.contains("points into another file"));
    let spec =
        imported(&text.replace(
            "        - $ref: 'common.yaml#/components/parameters/Limit'\n",
            "        - {name: q, in: query}\n",
        ));
    assert!(spec.warnings.iter().any(|w| w.contains("1 `$ref`(s) point into other files")), "{:?}", spec.warnings);
}

#[test]
fn errors_are_collected_up_to_the_cap() {
    let mut text = String::from("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n");
    for i in 0..3 * MAX_ERRORS {
        text.push_str(&format!("  bad{i:03}: {{}}\n"));
    }
    let errors = import(text.as_bytes()).expect_err("refused");
    assert_eq!(errors.errors.len(), MAX_ERRORS);
    assert!(errors.truncated);
    assert_eq!((errors.errors[0].pointer.as_str(), errors.errors[0].line), ("/paths/bad000", Some(4)));
    assert!(errors.to_string().contains("100 or more errors"));
}

#[test]
fn a_thousand_operations_import_quickly() {
    let spec = generate::spec(1000);
    let json = serde_json::to_string_pretty(&spec).unwrap();
    let yaml = generate::to_yaml(&spec);
    for (format, text) in [("json", &json), ("yaml", &yaml)] {
        let started = Instant::now();
        let imported = imported(text);
        let took = started.elapsed();
        assert_eq!(imported.operations.len(), 1000, "{format}");
        assert_eq!(imported.schemas.len(), 252, "{format}");
        let get = operation(&imported, HttpMethod::Get, "/resource7/{id}");
        assert_eq!(get.parameters[0].name, "id");
        assert_eq!(get.responses["404"].description, "Not found");
        assert!(!operation(&imported, HttpMethod::Delete, "/resource7/{id}").requires_auth());
        // The goal is < 2 s in release (see examples/openapi_import_bench.rs); a debug build on a
        // loaded machine gets 10×.
        assert!(took < Duration::from_secs(20), "{format}: {took:?}");
    }
    // Both syntaxes give the same model.
    assert_eq!(imported(&json), imported(&yaml));
}

// ---- fetching by URL ------------------------------------------------------------------

type TestBody = BoxBody<Bytes, Infallible>;

/// An endless chunked body (no Content-Length).
struct Endless;

impl Body for Endless {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&[b'x'; 16 * 1024])))))
    }
}

fn full(status: StatusCode, body: impl Into<Bytes>) -> Response<TestBody> {
    let mut response = Response::new(Full::new(body.into()).boxed());
    *response.status_mut() = status;
    response
}

fn redirect(location: &str) -> Response<TestBody> {
    let mut response = full(StatusCode::FOUND, "");
    response.headers_mut().insert("location", location.parse().unwrap());
    response
}

async fn route(request: Request<Incoming>, port: u16) -> Result<Response<TestBody>, Infallible> {
    let path = request.uri().path().to_owned();
    Ok(match path.as_str() {
        "/spec.json" => full(StatusCode::OK, PETSTORE_30),
        "/big" => full(StatusCode::OK, vec![b' '; 2048]),
        "/endless" => Response::new(Endless.boxed()),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            full(StatusCode::OK, "late")
        }
        "/to-unspecified" => redirect(&format!("http://0.0.0.0:{port}/spec.json")),
        "/to-ftp" => redirect("ftp://example.com/spec.json"),
        "/redirect/0" => redirect("/spec.json"),
        other => match other.strip_prefix("/redirect/").and_then(|n| n.parse::<u32>().ok()) {
            Some(n) => redirect(&format!("/redirect/{}", n - 1)),
            None => full(StatusCode::NOT_FOUND, "no"),
        },
    })
}

/// A hyper server on 127.0.0.1:0 answering [`route`]; returns its address.
async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| route(request, address.port()));
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    address
}

fn local_policy() -> FetchPolicy {
    FetchPolicy { allow_private_addresses: true, timeout: Duration::from_secs(10), ..FetchPolicy::default() }
}

#[tokio::test]
async fn a_spec_is_fetched_and_imported() {
    let address = serve().await;
    let bytes = fetch_spec(&format!("http://{address}/spec.json"), &local_policy()).await.unwrap();
    assert_eq!(import(&bytes).map(|spec| spec.title).ok().as_deref(), Some("Swagger Petstore"));
    // Three redirects are followed, each hop checked again.
    let bytes = fetch_spec(&format!("http://{address}/redirect/2"), &local_policy()).await.unwrap();
    assert_eq!(bytes, PETSTORE_30.as_bytes());
    let too_many = fetch_spec(&format!("http://{address}/redirect/3"), &local_policy()).await;
    assert_eq!(too_many, Err(FetchError::TooManyRedirects(3)));
    let missing = fetch_spec(&format!("http://{address}/nothing"), &local_policy()).await;
    assert_eq!(missing, Err(FetchError::Status(404)));
    // https goes through TLS (which a plain HTTP server cannot answer).
    let tls = fetch_spec(&format!("https://{address}/spec.json"), &local_policy()).await;
    assert!(matches!(tls, Err(FetchError::Connect { .. })), "{tls:?}");
}

#[tokio::test]
async fn internal_addresses_are_refused_before_connecting() {
    let policy = FetchPolicy::default();
    for (url, kind) in [
        ("http://127.0.0.1/spec.json", "loopback"),
        ("http://10.0.0.1/spec.json", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]:8080/spec.json", "loopback"),
        ("http://[::ffff:10.0.0.1]/spec.json", "private"),
        ("https://localhost/spec.json", "loopback"),
    ] {
        match fetch_spec(url, &policy).await {
            Err(FetchError::RefusedAddress { kind: refused, .. }) => assert_eq!(refused, kind, "{url}"),
            other => panic!("{url}: {other:?}"),
        }
    }
    // The local server itself is refused without the admin setting.
    let address = serve().await;
    let refused = fetch_spec(&format!("http://{address}/spec.json"), &policy).await;
    assert!(matches!(refused, Err(FetchError::RefusedAddress { kind: "loopback", .. })), "{refused:?}");
    assert_eq!(refused.map_err(|e| e.code()), Err("refused_address"));
}

#[tokio::test]
async fn redirects_to_refused_places_are_not_followed() {
    let address = serve().await;
    // 0.0.0.0 reaches this very server on Linux: refused even when private addresses are allowed.
    let refused = fetch_spec(&format!("http://{address}/to-unspecified"), &local_policy()).await;
    assert!(matches!(refused, Err(FetchError::RefusedAddress { kind: "unspecified", .. })), "{refused:?}");
    let refused = fetch_spec(&format!("http://{address}/to-ftp"), &local_policy()).await;
    assert_eq!(refused, Err(FetchError::UnsupportedScheme("ftp".into())));
}

#[tokio::test]
async fn size_and_time_are_limited() {
    let address = serve().await;
    let small = FetchPolicy { max_bytes: 1024, ..local_policy() };
    let declared = fetch_spec(&format!("http://{address}/big"), &small).await;
    assert_eq!(declared, Err(FetchError::TooLarge(1024)));
    let started = Instant::now();
    let endless =
        fetch_spec(&format!("http://{address}/endless"), &FetchPolicy { max_bytes: 100_000, ..local_policy() }).await;
    assert_eq!(endless, Err(FetchError::TooLarge(100_000)));
    assert!(started.elapsed() < Duration::from_secs(5));

    let quick = FetchPolicy { timeout: Duration::from_millis(300), ..local_policy() };
    let started = Instant::now();
    let slow = fetch_spec(&format!("http://{address}/slow"), &quick).await;
    assert_eq!(slow, Err(FetchError::Timeout(Duration::from_millis(300))));
    assert!(started.elapsed() < Duration::from_secs(5));
}
