//! Who may call each management route: THE table the RBAC matrix test
//! (`server/tests/rbac_matrix.rs`) reads. Every operation of `/api/openapi.json` must
//! have exactly one row here (a unit test and the matrix test fail otherwise), and the
//! row is published in the document as the operation's `x-portico-permission` extension
//! and a line of its description.
//!
//! The row *declares*; the domain service *enforces* (through [`domain::Actor`]'s
//! guards). The matrix test calls every route as every kind of caller and checks that
//! the two agree. To add a route: register it, then add its row here — for a new
//! permission, add it to `domain::permissions` (name, area, scope, description) and to
//! the built-in roles in `domain::actor::Role::permissions` if they should hold it.

use domain::Permission;
use utoipa::openapi::OpenApi;
use utoipa::openapi::extensions::ExtensionsBuilder;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, anonymous included; the reason is documented here.
    Public(&'static str),
    /// Any signed-in caller (a session or any token), about their own account or
    /// platform-wide reference data.
    SignedIn,
    /// Remote gateways with a gateway token (not users).
    GatewayToken,
    /// Anyone who sees the organization's admin area (any admin-area permission there).
    AdminArea,
    /// The permission in the organization the route's resource belongs to (lists:
    /// filtered to the organizations where the caller holds it).
    Org(Permission),
    /// The platform permission (platform administrators, within their token's scopes).
    Platform(Permission),
    /// The caller's own account permission (every user; a token's scopes may lack it).
    Own(Permission),
}

impl Access {
    /// The value of the `x-portico-permission` extension: a permission name, or
    /// `public`, `signed_in`, `gateway_token`, `admin_area`.
    pub fn name(self) -> &'static str {
        match self {
            Access::Public(_) => "public",
            Access::SignedIn => "signed_in",
            Access::GatewayToken => "gateway_token",
            Access::AdminArea => "admin_area",
            Access::Org(p) | Access::Platform(p) | Access::Own(p) => p.as_str(),
        }
    }

    fn sentence(self) -> String {
        match self {
            Access::Public(why) => format!("**Access:** public ({why})."),
            Access::SignedIn => "**Access:** any signed-in caller.".to_owned(),
            Access::GatewayToken => "**Access:** a gateway token.".to_owned(),
            Access::AdminArea => "**Access:** any admin permission in the organization.".to_owned(),
            Access::Org(p) => format!("**Permission:** `{p}` in the organization."),
            Access::Platform(p) => format!("**Permission:** `{p}` (platform administrators)."),
            Access::Own(p) => format!("**Permission:** `{p}` (own account)."),
        }
    }
}

use Access::*;
use Permission::*;

const AUTH: &str = "signing up and in";

/// `(method, path, access)` for every operation of the management API.
pub const ROUTES: &[(&str, &str, Access)] = &[
    // Accounts: anonymous flows.
    ("post", "/api/auth/signup", Public(AUTH)),
    ("post", "/api/auth/verify-email", Public(AUTH)),
    ("post", "/api/auth/resend-verification", Public(AUTH)),
    ("post", "/api/auth/login", Public(AUTH)),
    ("post", "/api/auth/logout", Public("ends the caller's own session, if any")),
    ("get", "/api/auth/session", Public("tells whether the caller is signed in")),
    ("post", "/api/auth/invitations/preview", Public("the invitation link is the credential")),
    ("post", "/api/auth/invitations/accept", Public("the invitation link is the credential")),
    ("post", "/api/auth/setup", Public("the one-time setup link is the credential")),
    (
        "post",
        "/api/auth/password-reset",
        Public("anyone may ask for a reset link; the answer never says whether the account exists"),
    ),
    ("post", "/api/auth/password-reset/confirm", Public("the single-use reset link is the credential")),
    ("get", "/api/auth/sso-providers", Public("the sign-in page lists the single sign-on buttons")),
    ("get", "/api/gateway/v1/connect", GatewayToken),
    ("post", "/api/gateway/v1/analytics", GatewayToken),
    // The caller's own account.
    ("get", "/api/me", SignedIn),
    ("patch", "/api/me", Own(AccountManage)),
    ("get", "/api/me/tokens", Own(AccountManage)),
    ("post", "/api/me/tokens", Own(AccountManage)),
    ("delete", "/api/me/tokens/{token_id}", Own(AccountManage)),
    ("get", "/api/me/sessions", Own(AccountManage)),
    ("delete", "/api/me/sessions/{session_id}", Own(AccountManage)),
    ("post", "/api/me/sessions/revoke-all", Own(AccountManage)),
    // Publisher.
    ("get", "/api/publisher/v1/apis", Org(ApisRead)),
    ("post", "/api/publisher/v1/apis", Org(ApisWrite)),
    ("post", "/api/publisher/v1/apis/import", Org(ApisWrite)),
    ("get", "/api/publisher/v1/apis/{api_id}", Org(ApisRead)),
    ("patch", "/api/publisher/v1/apis/{api_id}", Org(ApisWrite)),
    ("get", "/api/publisher/v1/apis/{api_id}/openapi", Org(ApisRead)),
    ("post", "/api/publisher/v1/apis/{api_id}/versions", Org(ApisWrite)),
    ("post", "/api/publisher/v1/apis/{api_id}/default-version", Org(ApisPublish)),
    ("get", "/api/publisher/v1/apis/{api_id}/lifecycle", Org(ApisRead)),
    ("post", "/api/publisher/v1/apis/{api_id}/lifecycle", Org(ApisPublish)),
    ("get", "/api/publisher/v1/apis/{api_id}/revisions", Org(ApisRead)),
    ("post", "/api/publisher/v1/apis/{api_id}/revisions", Org(ApisDeploy)),
    ("get", "/api/publisher/v1/apis/{api_id}/deployments", Org(ApisRead)),
    ("put", "/api/publisher/v1/apis/{api_id}/deployments/{environment}", Org(ApisDeploy)),
    ("delete", "/api/publisher/v1/apis/{api_id}/deployments/{environment}", Org(ApisDeploy)),
    ("get", "/api/publisher/v1/apis/{api_id}/subscriptions", Org(SubscriptionsManage)),
    ("delete", "/api/publisher/v1/apis/{api_id}/cache", Org(ApisDeploy)),
    ("patch", "/api/publisher/v1/subscriptions/{subscription_id}", Org(SubscriptionsManage)),
    ("get", "/api/publisher/v1/analytics", Org(ApisRead)),
    ("get", "/api/publisher/v1/analytics/export", Org(ApisRead)),
    ("get", "/api/publisher/v1/alerts/rules", Org(ApisRead)),
    ("post", "/api/publisher/v1/alerts/rules", Org(ApisWrite)),
    ("put", "/api/publisher/v1/alerts/rules/{rule_id}", Org(ApisWrite)),
    ("delete", "/api/publisher/v1/alerts/rules/{rule_id}", Org(ApisWrite)),
    ("get", "/api/publisher/v1/alerts/events", Org(ApisRead)),
    // Portal.
    ("get", "/api/portal/v1/apis", Public("the catalog shows each visitor what they may see")),
    ("get", "/api/portal/v1/apis/{api_id}", Public("the catalog shows each visitor what they may see")),
    ("get", "/api/portal/v1/tiers", Public("the plans are shown on the portal")),
    ("get", "/api/portal/v1/applications", Org(ApplicationsManage)),
    ("post", "/api/portal/v1/applications", Org(ApplicationsManage)),
    ("get", "/api/portal/v1/applications/{application_id}", Org(ApplicationsManage)),
    ("put", "/api/portal/v1/applications/{application_id}/tier", Org(ApplicationsManage)),
    ("get", "/api/portal/v1/applications/{application_id}/subscriptions", Org(ApplicationsManage)),
    ("post", "/api/portal/v1/applications/{application_id}/subscriptions", Org(ApplicationsManage)),
    ("get", "/api/portal/v1/applications/{application_id}/analytics", Org(ApplicationsManage)),
    ("get", "/api/portal/v1/applications/{application_id}/usage", Org(ApplicationsManage)),
    ("delete", "/api/portal/v1/subscriptions/{subscription_id}", Org(ApplicationsManage)),
    ("get", "/api/portal/v1/applications/{application_id}/keys", Org(KeysManage)),
    ("post", "/api/portal/v1/applications/{application_id}/keys", Org(KeysManage)),
    ("post", "/api/portal/v1/keys/{key_id}/rotate", Org(KeysManage)),
    ("delete", "/api/portal/v1/keys/{key_id}", Org(KeysManage)),
    // Admin: organizations, members, roles.
    ("get", "/api/admin/v1/permissions", SignedIn),
    ("get", "/api/admin/v1/orgs", AdminArea),
    ("post", "/api/admin/v1/orgs", Platform(OrgsManage)),
    ("get", "/api/admin/v1/orgs/{org_id}", AdminArea),
    ("patch", "/api/admin/v1/orgs/{org_id}", Org(OrgSettings)),
    ("get", "/api/admin/v1/orgs/{org_id}/members", Org(MembersManage)),
    ("put", "/api/admin/v1/orgs/{org_id}/members/{user_id}", Org(MembersManage)),
    ("delete", "/api/admin/v1/orgs/{org_id}/members/{user_id}", Org(MembersManage)),
    ("get", "/api/admin/v1/orgs/{org_id}/invitations", Org(MembersManage)),
    ("post", "/api/admin/v1/orgs/{org_id}/invitations", Org(MembersManage)),
    ("delete", "/api/admin/v1/orgs/{org_id}/invitations/{invitation_id}", Org(MembersManage)),
    ("get", "/api/admin/v1/orgs/{org_id}/roles", AdminArea),
    ("post", "/api/admin/v1/orgs/{org_id}/roles", Org(RolesManage)),
    ("get", "/api/admin/v1/orgs/{org_id}/roles/{role_id}", AdminArea),
    ("patch", "/api/admin/v1/orgs/{org_id}/roles/{role_id}", Org(RolesManage)),
    ("delete", "/api/admin/v1/orgs/{org_id}/roles/{role_id}", Org(RolesManage)),
    // Admin: users (org admins see their orgs' members; creating and changing accounts
    // is the platform's — except approving a sign-up, which `members_manage` may do).
    ("get", "/api/admin/v1/users", Org(MembersManage)),
    ("post", "/api/admin/v1/users", Platform(UsersManage)),
    ("get", "/api/admin/v1/users/{user_id}", Org(MembersManage)),
    ("patch", "/api/admin/v1/users/{user_id}", Platform(UsersManage)),
    ("get", "/api/admin/v1/audit-log", Org(AuditRead)),
    ("get", "/api/admin/v1/outbox", Platform(OutboxRead)),
    // Admin: gateways.
    ("get", "/api/admin/v1/environments", SignedIn),
    ("post", "/api/admin/v1/environments", Platform(EnvironmentsManage)),
    ("get", "/api/admin/v1/tiers", SignedIn),
    ("post", "/api/admin/v1/tiers", Platform(TiersManage)),
    ("put", "/api/admin/v1/tiers/{tier_id}", Platform(TiersManage)),
    ("delete", "/api/admin/v1/tiers/{tier_id}", Platform(TiersManage)),
    ("get", "/api/admin/v1/gateway-tokens", Platform(GatewaysManage)),
    ("post", "/api/admin/v1/gateway-tokens", Platform(GatewaysManage)),
    ("delete", "/api/admin/v1/gateway-tokens/{gateway_token_id}", Platform(GatewaysManage)),
    ("get", "/api/admin/v1/gateways", Platform(GatewaysManage)),
    // Admin: platform analytics.
    ("get", "/api/admin/v1/analytics", AdminArea),
    ("get", "/api/admin/v1/analytics/export", AdminArea),
    ("get", "/api/admin/v1/analytics/nodes", Platform(GatewaysManage)),
    // Admin: identity.
    ("get", "/api/admin/v1/sso-providers", Platform(IdentityManage)),
    ("post", "/api/admin/v1/sso-providers", Platform(IdentityManage)),
    ("get", "/api/admin/v1/sso-providers/{provider_id}", Platform(IdentityManage)),
    ("patch", "/api/admin/v1/sso-providers/{provider_id}", Platform(IdentityManage)),
    ("delete", "/api/admin/v1/sso-providers/{provider_id}", Platform(IdentityManage)),
    ("get", "/api/admin/v1/key-managers", Platform(IdentityManage)),
    ("post", "/api/admin/v1/key-managers", Platform(IdentityManage)),
    ("put", "/api/admin/v1/key-managers/{key_manager_id}", Platform(IdentityManage)),
    ("delete", "/api/admin/v1/key-managers/{key_manager_id}", Platform(IdentityManage)),
    ("post", "/api/admin/v1/key-managers/{key_manager_id}/refresh", Platform(IdentityManage)),
    ("get", "/api/admin/v1/signing-keys", Platform(IdentityManage)),
    ("post", "/api/admin/v1/signing-keys/rotate", Platform(IdentityManage)),
    ("get", "/api/admin/v1/platform-settings", Platform(IdentityManage)),
    ("put", "/api/admin/v1/platform-settings", Platform(IdentityManage)),
    // Portal: OAuth2 clients, test tokens, scopes, external clients, basic credentials.
    ("get", "/api/portal/v1/applications/{application_id}/oauth-clients", Org(KeysManage)),
    ("post", "/api/portal/v1/applications/{application_id}/oauth-clients", Org(KeysManage)),
    ("patch", "/api/portal/v1/oauth-clients/{client_id}", Org(KeysManage)),
    ("delete", "/api/portal/v1/oauth-clients/{client_id}", Org(KeysManage)),
    ("post", "/api/portal/v1/oauth-clients/{client_id}/secret", Org(KeysManage)),
    ("get", "/api/portal/v1/applications/{application_id}/scopes", Org(ApplicationsManage)),
    ("post", "/api/portal/v1/applications/{application_id}/test-tokens", Org(KeysManage)),
    ("get", "/api/portal/v1/applications/{application_id}/external-clients", Org(KeysManage)),
    ("post", "/api/portal/v1/applications/{application_id}/external-clients", Org(KeysManage)),
    ("get", "/api/portal/v1/key-managers", SignedIn),
    ("get", "/api/portal/v1/applications/{application_id}/basic-credentials", Org(KeysManage)),
    ("post", "/api/portal/v1/applications/{application_id}/basic-credentials", Org(KeysManage)),
    ("delete", "/api/portal/v1/basic-credentials/{credential_id}", Org(KeysManage)),
    // OAuth2 / OpenID Connect protocol endpoints: clients authenticate with their own
    // credentials (or a bearer access token), not as management users.
    ("get", "/.well-known/openid-configuration", Public(OAUTH_META)),
    ("get", "/.well-known/oauth-authorization-server", Public(OAUTH_META)),
    ("get", "/oauth2/jwks", Public(OAUTH_META)),
    ("get", "/oauth2/authorize", Public("sends the browser to sign in, then to the consent page")),
    ("post", "/oauth2/token", Public(OAUTH_CLIENT)),
    ("post", "/oauth2/revoke", Public(OAUTH_CLIENT)),
    ("post", "/oauth2/introspect", Public(OAUTH_CLIENT)),
    ("get", "/oauth2/userinfo", Public("the OAuth2 access token is the credential")),
    ("post", "/oauth2/userinfo", Public("the OAuth2 access token is the credential")),
];

/// Why the discovery documents are public.
const OAUTH_META: &str = "OAuth2/OpenID discovery metadata and public keys";
/// Why the client endpoints are public.
const OAUTH_CLIENT: &str = "the OAuth2 client authenticates with its own credentials";

/// The declared access of an operation.
pub fn of(method: &str, path: &str) -> Option<Access> {
    ROUTES.iter().find(|(m, p, _)| m.eq_ignore_ascii_case(method) && *p == path).map(|(_, _, a)| *a)
}

/// Writes each operation's access into the document (`x-portico-permission` and a line
/// of the description). Operations without a row get `x-portico-permission: undeclared`,
/// which the tests refuse.
pub fn document(openapi: &mut OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let operations = [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
            ("head", &mut item.head),
            ("options", &mut item.options),
            ("trace", &mut item.trace),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation.as_mut() else { continue };
            let access = of(method, path);
            let name = access.map_or("undeclared", Access::name);
            let extension = ExtensionsBuilder::new().add("x-portico-permission", name).build();
            match operation.extensions.as_mut() {
                Some(extensions) => extensions.merge(extension),
                None => operation.extensions = Some(extension),
            }
            if let Some(access) = access {
                let description = operation.description.get_or_insert_with(String::new);
                if !description.is_empty() {
                    description.push_str("\n\n");
                }
                description.push_str(&access.sentence());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_declares_its_access_and_every_row_is_an_operation() {
        let (_, openapi) = crate::api::router();
        let mut seen = std::collections::BTreeSet::new();
        let document = serde_json::to_value(&openapi).unwrap_or_default();
        let paths = document["paths"].as_object().cloned().unwrap_or_default();
        for (path, item) in &paths {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let declared = operation["x-portico-permission"].as_str().unwrap_or("missing");
                assert_ne!(
                    declared, "undeclared",
                    "{method} {path} declares no permission: add a row to server/src/api/access.rs"
                );
                seen.insert((method.clone(), path.clone()));
            }
        }
        for (method, path, _) in ROUTES {
            assert!(seen.contains(&((*method).to_owned(), (*path).to_owned())), "{method} {path} is no operation");
        }
        assert_eq!(seen.len(), ROUTES.len(), "a route is declared twice");
    }

    #[test]
    fn the_document_shows_the_permission() {
        let (_, openapi) = crate::api::router();
        let document = serde_json::to_value(&openapi).unwrap_or_default();
        let operation = &document["paths"]["/api/publisher/v1/apis/{api_id}"]["patch"];
        assert_eq!(operation["x-portico-permission"], "apis_write");
        assert!(operation["description"].as_str().unwrap_or_default().contains("`apis_write`"));
    }
}
