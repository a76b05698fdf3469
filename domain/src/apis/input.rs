//! What publishers send to create and change APIs, and its validation.

use sea_orm::Set;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ApiView;
use crate::api_definition::ApiDefinition;
use crate::entities::api;
use crate::openapi::ImportedSpec;
use crate::{DomainError, DomainResult, FieldError, Role, validate};

/// Who sees an API in the portal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone, signed in or not.
    #[default]
    Public,
    /// Members of the publishing organization.
    Org,
    /// Members of the publishing organization with one of `visible_roles`.
    Roles,
}

impl Visibility {
    /// The stored / wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Org => "org",
            Visibility::Roles => "roles",
        }
    }

    /// Parses the stored name (unknown values read as the most restrictive, `org`).
    pub fn parse(s: &str) -> Visibility {
        match s {
            "public" => Visibility::Public,
            "roles" => Visibility::Roles,
            _ => Visibility::Org,
        }
    }
}

/// Input to create an API.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewApi {
    /// The publishing (provider) organization.
    pub org_id: Uuid,
    /// Display name (1–100 characters; from the document's title when imported).
    #[serde(default)]
    pub name: String,
    /// Context path: `/` and one or more segments (`/petstore`, `/shop/eu`).
    pub context: String,
    /// Version segment (`v1`, `2.0`).
    pub version: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub visible_roles: Vec<Role>,
    /// Runtime definition; endpoints may be added later.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub definition: ApiDefinition,
    /// The imported document (set by the import path, not by callers).
    #[serde(skip)]
    pub openapi: Option<ImportedSpec>,
}

/// The validated, normalised parts of a [`NewApi`].
pub(crate) struct ValidApi {
    pub name: String,
    pub context: String,
    pub version: String,
    pub tags: Vec<String>,
    pub definition: ApiDefinition,
}

impl NewApi {
    pub(crate) fn validate(&self) -> DomainResult<ValidApi> {
        let name = validate::name("name", &self.name);
        let context = context("context", &self.context);
        let version = version("version", &self.version);
        let tags = tags(&self.tags);
        let roles = roles(self.visibility, &self.visible_roles);
        let (name, context, version, tags) = match (name, context, version, tags, roles) {
            (Ok(n), Ok(c), Ok(v), Ok(t), Ok(())) => (n, c, v, t),
            (n, c, v, t, r) => return Err(validate::errors([n.err(), c.err(), v.err(), t.err(), r.err()])),
        };
        self.definition.validate(&context, &version)?;
        Ok(ValidApi { name, context, version, tags, definition: self.definition.clone() })
    }
}

/// Changes to an API; absent fields stay as they are. Context and version identify an
/// API and do not change (create a new version instead).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ApiPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
    pub visible_roles: Option<Vec<Role>>,
    #[schema(value_type = Option<Object>)]
    pub definition: Option<ApiDefinition>,
}

impl ApiPatch {
    pub(crate) fn apply(self, current: &ApiView, row: &mut api::ActiveModel) -> DomainResult<()> {
        let mut errors = Vec::new();
        if let Some(name) = &self.name {
            match validate::name("name", name) {
                Ok(name) => row.name = Set(name),
                Err(e) => errors.push(e),
            }
        }
        if let Some(description) = &self.description {
            row.description = Set(description.trim().to_owned());
        }
        if let Some(list) = &self.tags {
            match tags(list) {
                Ok(list) => row.tags = Set(serde_json::json!(list)),
                Err(e) => errors.push(e),
            }
        }
        let visibility = self.visibility.unwrap_or(current.visibility);
        let visible_roles = self.visible_roles.clone().unwrap_or_else(|| current.visible_roles.clone());
        match roles(visibility, &visible_roles) {
            Ok(()) => {
                row.visibility = Set(visibility.as_str().to_owned());
                row.visible_roles = Set(serde_json::json!(visible_roles));
            }
            Err(e) => errors.push(e),
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        if let Some(definition) = self.definition {
            definition.validate(&current.context, &current.version)?;
            row.definition = Set(serde_json::to_value(&definition).map_err(|e| DomainError::Internal(e.to_string()))?);
        }
        Ok(())
    }
}

/// The gateway operations of an imported document: method + path template, and the
/// authentication its first security requirement asks for — OAuth2, OpenID Connect and
/// HTTP bearer become `jwt` with the requirement's scopes, HTTP basic `basic`, anything
/// else an API key; operations the document leaves open stay open.
pub(crate) fn operations_of(spec: &ImportedSpec) -> Vec<gateway::spec::OperationSpec> {
    use crate::openapi::SecuritySchemeType as Scheme;
    use gateway::spec::AuthKind;
    spec.operations
        .iter()
        .map(|op| {
            let requirement = op.security.first().filter(|_| op.requires_auth());
            let scheme = requirement.and_then(|r| r.iter().next());
            let kind = scheme.and_then(|(name, _)| spec.security_schemes.get(name));
            let (auth, scopes) = match (requirement, kind) {
                (None, _) => (AuthKind::None, Vec::new()),
                (Some(_), Some(s)) if matches!(s.kind, Scheme::OAuth2 | Scheme::OpenIdConnect) => {
                    let scopes = scheme.map(|(_, scopes)| scopes.clone()).unwrap_or_default();
                    (AuthKind::Jwt, scopes.into_iter().filter(|s| crate::api_definition::is_scope_token(s)).collect())
                }
                (Some(_), Some(s)) if s.kind == Scheme::Http && s.scheme.as_deref() == Some("bearer") => {
                    (AuthKind::Jwt, Vec::new())
                }
                (Some(_), Some(s)) if s.kind == Scheme::Http && s.scheme.as_deref() == Some("basic") => {
                    (AuthKind::Basic, Vec::new())
                }
                (Some(_), _) => (AuthKind::ApiKey, Vec::new()),
            };
            gateway::spec::OperationSpec {
                method: op.method.as_str().to_owned(),
                path: op.path.clone(),
                auth: Some(auth),
                scopes,
                rate_limits: Vec::new(),
                cache: None,
            }
        })
        .collect()
}

/// The OAuth2 scopes an imported document defines (its `oauth2` flows' `scopes`, with
/// their descriptions), plus any scope its operations require without defining it.
pub(crate) fn scopes_of(
    spec: &ImportedSpec,
    operations: &[gateway::spec::OperationSpec],
) -> Vec<crate::api_definition::ScopeDefinition> {
    use crate::api_definition::{ScopeDefinition, is_scope_token};
    let mut scopes: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for scheme in spec.security_schemes.values() {
        let Some(flows) = scheme.flows.as_ref().and_then(|f| f.as_object()) else { continue };
        for flow in flows.values() {
            for (name, description) in flow.get("scopes").and_then(|s| s.as_object()).into_iter().flatten() {
                scopes.insert(name.clone(), description.as_str().unwrap_or_default().to_owned());
            }
        }
    }
    for scope in operations.iter().flat_map(|op| &op.scopes) {
        scopes.entry(scope.clone()).or_default();
    }
    scopes
        .into_iter()
        .filter(|(name, _)| is_scope_token(name))
        .map(|(name, description)| ScopeDefinition { name, description, roles: Vec::new() })
        .collect()
}

fn is_segment_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~')
}

fn context(field: &str, raw: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let valid = trimmed.starts_with('/')
        && trimmed.len() > 1
        && trimmed.len() <= 100
        && trimmed[1..].split('/').all(|s| !s.is_empty() && s.chars().all(is_segment_char));
    if valid {
        Ok(trimmed.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "invalid_context",
            "Use `/` and path segments of letters, digits, `.`, `-`, `_` or `~`, like /petstore.",
        ))
    }
}

fn version(field: &str, raw: &str) -> Result<String, FieldError> {
    let version = raw.trim();
    if !version.is_empty() && version.len() <= 30 && version.chars().all(is_segment_char) {
        Ok(version.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "invalid_version",
            "Use one path segment of letters, digits, `.`, `-` or `_`, like v1.",
        ))
    }
}

fn tags(list: &[String]) -> Result<Vec<String>, FieldError> {
    let tags: Vec<String> = list.iter().map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()).collect();
    if tags.len() > 20 || tags.iter().any(|t| t.chars().count() > 40) {
        return Err(FieldError::new("tags", "invalid_tags", "Use at most 20 tags of at most 40 characters."));
    }
    Ok(tags)
}

fn roles(visibility: Visibility, roles: &[Role]) -> Result<(), FieldError> {
    if visibility == Visibility::Roles && roles.is_empty() {
        return Err(FieldError::new("visible_roles", "required", "Choose the roles that see this API."));
    }
    Ok(())
}
