//! The import model: what Portico keeps of an API description. It is stored as JSON and
//! returned by the REST API, so every type is serde + `utoipa::ToSchema`, and it is the
//! same whatever the source format was (Swagger 2.0 is converted to it).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The format and version family an imported document was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum SourceFormat {
    /// OpenAPI 3.0.x.
    #[serde(rename = "openapi_3_0")]
    OpenApi30,
    /// OpenAPI 3.1.x.
    #[serde(rename = "openapi_3_1")]
    OpenApi31,
    /// Swagger (OpenAPI) 2.0, converted on import.
    #[serde(rename = "swagger_2_0")]
    Swagger20,
}

/// An API description, imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportedSpec {
    /// What the document was written in.
    pub source_format: SourceFormat,
    /// The exact version string of the document (`openapi: 3.0.3` → `3.0.3`, `swagger` → `2.0`).
    pub source_version: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`: the version of the API (not of the format).
    pub version: String,
    /// `info.description`, if any.
    pub description: Option<String>,
    /// Server URLs in document order, with server variables replaced by their defaults
    /// (Swagger 2.0: one per scheme, from `schemes`, `host` and `basePath`). May be relative.
    pub servers: Vec<String>,
    /// Tag names: the declared tags in order, then tags only used by operations.
    pub tags: Vec<String>,
    /// Every operation, sorted by path then method.
    pub operations: Vec<ImportedOperation>,
    /// Component schemas (Swagger 2.0: `definitions`) by name, as JSON. `$ref`s are kept
    /// as written (Swagger 2.0 `#/definitions/X` become `#/components/schemas/X`).
    pub schemas: BTreeMap<String, Value>,
    /// Security schemes by name.
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    /// Things the import converted or left out, in words (never errors).
    pub warnings: Vec<String>,
}

/// An HTTP method an operation can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
    /// `TRACE`
    Trace,
}

impl HttpMethod {
    /// Every method, in the order OpenAPI lists them.
    pub const ALL: [HttpMethod; 8] = [
        HttpMethod::Get,
        HttpMethod::Put,
        HttpMethod::Post,
        HttpMethod::Delete,
        HttpMethod::Options,
        HttpMethod::Head,
        HttpMethod::Patch,
        HttpMethod::Trace,
    ];

    /// The upper-case method name (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Head => "HEAD",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Trace => "TRACE",
        }
    }

    /// The key of the method in a path item (`get`).
    pub fn key(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Put => "put",
            HttpMethod::Post => "post",
            HttpMethod::Delete => "delete",
            HttpMethod::Options => "options",
            HttpMethod::Head => "head",
            HttpMethod::Patch => "patch",
            HttpMethod::Trace => "trace",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One alternative of a security requirement: scheme name → required scopes. All schemes
/// of one requirement apply together; an empty requirement means "anonymous is allowed".
pub type SecurityRequirement = BTreeMap<String, Vec<String>>;

/// One operation (method + path) of the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportedOperation {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template as written, e.g. `/pets/{petId}` (without the server's base path).
    pub path: String,
    /// `operationId`, unique within the document when present.
    pub operation_id: Option<String>,
    /// Short summary.
    pub summary: Option<String>,
    /// Longer description (CommonMark).
    pub description: Option<String>,
    /// Tag names.
    pub tags: Vec<String>,
    /// Whether the operation is marked deprecated.
    pub deprecated: bool,
    /// Parameters: the path item's merged with the operation's (the operation's win by
    /// name and location). Swagger 2.0 `body`/`formData` parameters become the request body.
    pub parameters: Vec<ImportedParameter>,
    /// The request body, if the operation takes one.
    pub request_body: Option<ImportedRequestBody>,
    /// Responses by status (`200`, `4XX`, `default`).
    pub responses: BTreeMap<String, ImportedResponse>,
    /// The security requirements in force: the operation's own when it declares any (an
    /// empty list then means "no authentication"), else the document's. Alternatives:
    /// satisfying any one of them is enough.
    pub security: Vec<SecurityRequirement>,
}

impl ImportedOperation {
    /// Whether a caller must authenticate: some requirement is in force and none of the
    /// alternatives is the empty requirement (`{}`, which allows anonymous calls).
    pub fn requires_auth(&self) -> bool {
        !self.security.is_empty() && self.security.iter().all(|requirement| !requirement.is_empty())
    }
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ParameterLocation {
    /// A path template variable (`/pets/{petId}`).
    Path,
    /// A query string parameter.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl ParameterLocation {
    /// The value of `in` for this location.
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterLocation::Path => "path",
            ParameterLocation::Query => "query",
            ParameterLocation::Header => "header",
            ParameterLocation::Cookie => "cookie",
        }
    }
}

/// A parameter of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportedParameter {
    /// The parameter's name (case-sensitive, except for headers in HTTP).
    pub name: String,
    /// Where it is sent.
    #[serde(rename = "in")]
    pub location: ParameterLocation,
    /// Whether it must be present (always true for path parameters).
    pub required: bool,
    /// Description (CommonMark).
    pub description: Option<String>,
    /// Whether the parameter is marked deprecated.
    pub deprecated: bool,
    /// Its JSON schema (from `schema`, or from the single media type of `content`).
    pub schema: Option<Value>,
    /// A single example value.
    pub example: Option<Value>,
    /// Named examples.
    pub examples: BTreeMap<String, ImportedExample>,
}

/// A named example (an OpenAPI Example object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportedExample {
    /// Short summary.
    pub summary: Option<String>,
    /// The example value itself.
    pub value: Option<Value>,
    /// A URL where the example is, instead of `value`.
    pub external_value: Option<String>,
}

/// What is sent or returned for one media type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportedMediaType {
    /// The JSON schema of the payload.
    pub schema: Option<Value>,
    /// A single example payload.
    pub example: Option<Value>,
    /// Named example payloads.
    pub examples: BTreeMap<String, ImportedExample>,
}

/// The request body of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportedRequestBody {
    /// Description (CommonMark).
    pub description: Option<String>,
    /// Whether a body must be sent.
    pub required: bool,
    /// Accepted media types (`application/json`, …) → payload description.
    pub content: BTreeMap<String, ImportedMediaType>,
}

/// One response of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportedResponse {
    /// Description (CommonMark); empty when the document left it out.
    pub description: String,
    /// Returned media types → payload description.
    pub content: BTreeMap<String, ImportedMediaType>,
}

/// The kind of a security scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum SecuritySchemeType {
    /// An API key in a header, query parameter or cookie.
    #[serde(rename = "apiKey")]
    ApiKey,
    /// HTTP authentication (`basic`, `bearer`, …).
    #[serde(rename = "http")]
    Http,
    /// OAuth 2.0.
    #[serde(rename = "oauth2")]
    OAuth2,
    /// OpenID Connect discovery.
    #[serde(rename = "openIdConnect")]
    OpenIdConnect,
    /// Mutual TLS (OpenAPI 3.1).
    #[serde(rename = "mutualTLS")]
    MutualTls,
}

/// Where an API key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query string parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// A security scheme of the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SecurityScheme {
    /// The kind of scheme.
    #[serde(rename = "type")]
    pub kind: SecuritySchemeType,
    /// Description (CommonMark).
    pub description: Option<String>,
    /// For `apiKey`: where the key is sent.
    #[serde(rename = "in")]
    pub location: Option<ApiKeyLocation>,
    /// For `apiKey`: the header, query parameter or cookie name.
    pub name: Option<String>,
    /// For `http`: the scheme (`basic`, `bearer`, …), lower-cased.
    pub scheme: Option<String>,
    /// For `http` with `bearer`: a hint of the token format (`JWT`).
    pub bearer_format: Option<String>,
    /// For `oauth2`: the flows object as written (Swagger 2.0 flows are converted).
    pub flows: Option<Value>,
    /// For `openIdConnect`: the discovery URL.
    pub open_id_connect_url: Option<String>,
}
