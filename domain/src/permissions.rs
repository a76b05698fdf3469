//! The permission list: every right a management action needs, with its stable
//! snake_case name and a one-line description (shown in the admin UI's role editor and
//! the token page). Built-in roles are fixed sets of these (`consumer` ⊂ `publisher` ⊂
//! `org_admin`); custom roles are any set of the organization permissions; personal
//! access tokens carry a subset as their scopes. Guards live in [`crate::Actor`].
//!
//! Each permission has a [`PermissionScope`]: where it is held.
//!
//! | scope | held through | permissions |
//! |---|---|---|
//! | provider organization | a membership (built-in or custom role) in a provider org | `apis_*`, `subscriptions_manage`, `members_manage`, `roles_manage`, `org_settings`, `audit_read` |
//! | any organization | a membership in any org (consumer orgs included) | `applications_manage`, `applications_admin`, `keys_manage` |
//! | own account | being signed in | `account_manage` |
//! | platform | the platform-admin flag only | `orgs_manage`, `users_manage`, `environments_manage`, `gateways_manage`, `outbox_read` |

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// Where a permission is held (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionScope {
    /// Through a membership in a provider organization.
    ProviderOrg,
    /// Through a membership in any organization.
    AnyOrg,
    /// By every signed-in user, over their own account.
    Account,
    /// By platform administrators only; never part of a role.
    Platform,
}

/// What part of an organization a permission belongs to. A caller holding no permission
/// of an area in an organization does not see that area there (*not found*); one who
/// holds some but not the one needed is *forbidden*.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// The publisher side: APIs and the subscriptions to them.
    Apis,
    /// The consumer side: applications, subscriptions and keys.
    Applications,
    /// The admin area: members, roles, settings, audit log.
    Admin,
    /// The caller's own account.
    Account,
    /// Platform-wide resources.
    Platform,
}

macro_rules! permissions {
    ($($variant:ident = $name:literal, $area:ident, $scope:ident, $doc:literal;)*) => {
        /// One right (see the module documentation for the table).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum Permission {
            $(#[doc = $doc] $variant,)*
        }

        impl Permission {
            /// Every permission, in display order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The stable wire and storage name.
            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $name,)* }
            }

            /// One line saying what it allows.
            pub fn description(self) -> &'static str {
                match self { $(Permission::$variant => $doc,)* }
            }

            /// The area it belongs to.
            pub fn area(self) -> Area {
                match self { $(Permission::$variant => Area::$area,)* }
            }

            /// Where it is held.
            pub fn scope(self) -> PermissionScope {
                match self { $(Permission::$variant => PermissionScope::$scope,)* }
            }
        }
    };
}

permissions! {
    ApisRead = "apis_read", Apis, ProviderOrg, "See the organization's APIs, their documents, lifecycle history, revisions and deployments.";
    ApisWrite = "apis_write", Apis, ProviderOrg, "Create, import and edit APIs and add new versions.";
    ApisPublish = "apis_publish", Apis, ProviderOrg, "Change an API's lifecycle state (publish, deprecate, block, retire) and its default version.";
    ApisDeploy = "apis_deploy", Apis, ProviderOrg, "Create revisions and deploy or undeploy them in gateway environments.";
    SubscriptionsManage = "subscriptions_manage", Apis, ProviderOrg, "See the subscriptions to the organization's APIs and block or unblock them.";
    ApplicationsManage = "applications_manage", Applications, AnyOrg, "Create applications, use one's own and shared ones, and subscribe them to APIs.";
    ApplicationsAdmin = "applications_admin", Applications, AnyOrg, "Use every application of the organization, other members' private ones included.";
    KeysManage = "keys_manage", Applications, AnyOrg, "Create, rotate and revoke the API keys of the applications one may use.";
    MembersManage = "members_manage", Admin, ProviderOrg, "See members and invitations, invite people, change roles, remove members and approve sign-ups.";
    RolesManage = "roles_manage", Admin, ProviderOrg, "Define the organization's custom roles.";
    OrgSettings = "org_settings", Admin, ProviderOrg, "Rename the organization and choose whether portal sign-ups need approval.";
    AuditRead = "audit_read", Admin, ProviderOrg, "Read the organization's audit log.";
    AccountManage = "account_manage", Account, Account, "Change one's own profile and password, and list or revoke one's personal access tokens.";
    OrgsManage = "orgs_manage", Platform, Platform, "Create organizations and disable or re-enable them (platform).";
    UsersManage = "users_manage", Platform, Platform, "Create accounts directly and change any account, platform administrators included (platform).";
    EnvironmentsManage = "environments_manage", Platform, Platform, "Add gateway environments (platform).";
    GatewaysManage = "gateways_manage", Platform, Platform, "Issue and revoke gateway tokens and see the connected gateways (platform).";
    OutboxRead = "outbox_read", Platform, Platform, "Read the mail outbox (platform).";
    IdentityManage = "identity_manage", Platform, Platform, "Register external key managers, rotate JWT signing keys and set the OAuth2 platform switches (platform).";
    TiersManage = "tiers_manage", Platform, Platform, "Define the throttling tiers subscriptions and applications are made with (platform).";
}

impl Permission {
    /// Parses the stored / wire name.
    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    /// Whether it can be part of an organization role (built-in or custom).
    pub fn in_roles(self) -> bool {
        matches!(self.scope(), PermissionScope::ProviderOrg | PermissionScope::AnyOrg)
    }

    /// Whether it is effective in an organization of this kind.
    pub fn applies_in(self, provider: bool) -> bool {
        match self.scope() {
            PermissionScope::ProviderOrg => provider,
            PermissionScope::AnyOrg => true,
            PermissionScope::Account | PermissionScope::Platform => false,
        }
    }

    fn bit(self) -> u64 {
        // `ALL` lists every variant once, so the position is unique and below 64.
        let index = Permission::ALL.iter().position(|p| *p == self).unwrap_or(0);
        1 << index
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of permissions (a 64-bit set, so memberships stay `Copy`). Serialized as a list of
/// names in display order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Permissions(u64);

impl Permissions {
    /// No permission.
    pub const NONE: Permissions = Permissions(0);

    /// Every permission.
    pub fn all() -> Permissions {
        Permission::ALL.iter().copied().collect()
    }

    /// Whether `p` is in the set.
    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    /// Whether every permission of `other` is in the set.
    pub fn includes(self, other: Permissions) -> bool {
        self.0 & other.0 == other.0
    }

    /// The permissions in both sets.
    pub fn intersect(self, other: Permissions) -> Permissions {
        Permissions(self.0 & other.0)
    }

    /// The permissions in either set.
    pub fn union(self, other: Permissions) -> Permissions {
        Permissions(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set with `p` added.
    pub fn with(self, p: Permission) -> Permissions {
        Permissions(self.0 | p.bit())
    }

    /// The permissions of the set, in display order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.iter().copied().filter(move |p| self.contains(*p))
    }

    /// The names, in display order.
    pub fn names(self) -> Vec<String> {
        self.iter().map(|p| p.as_str().to_owned()).collect()
    }

    /// Only the permissions effective in an organization of this kind.
    pub fn effective_in(self, provider: bool) -> Permissions {
        self.iter().filter(|p| p.applies_in(provider)).collect()
    }

    /// Parses names given by a caller; unknown names and (unless `allow_platform`)
    /// permissions that are not organization permissions are a field error on `field`.
    pub fn parse_field<S: AsRef<str>>(field: &str, names: &[S], roles_only: bool) -> Result<Permissions, DomainError> {
        let mut set = Permissions::NONE;
        for name in names {
            let name = name.as_ref();
            match Permission::parse(name) {
                Some(p) if !roles_only || p.in_roles() => set = set.with(p),
                Some(_) => {
                    return Err(DomainError::field(
                        field,
                        "not_a_role_permission",
                        format!(
                            "`{name}` is held by platform administrators or by every user; it cannot be part of a role."
                        ),
                    ));
                }
                None => {
                    return Err(DomainError::field(
                        field,
                        "unknown_permission",
                        format!("Unknown permission `{name}`."),
                    ));
                }
            }
        }
        Ok(set)
    }

    /// Reads a stored JSON list of names, ignoring names this version does not know.
    pub fn from_json(value: &serde_json::Value) -> Permissions {
        value.as_array().into_iter().flatten().filter_map(|v| v.as_str().and_then(Permission::parse)).collect()
    }

    /// The stored JSON form: a list of names.
    pub fn to_json(self) -> serde_json::Value {
        serde_json::json!(self.names())
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        iter.into_iter().fold(Permissions::NONE, Permissions::with)
    }
}

impl Serialize for Permissions {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Permission>::deserialize(deserializer)?.into_iter().collect())
    }
}

/// A permission as the UI and API list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PermissionInfo {
    /// Stable snake_case name.
    pub name: Permission,
    /// What it allows.
    pub description: String,
    /// Whether it can be part of an organization role (else platform-only or every user's).
    pub in_roles: bool,
}

/// The permission list with descriptions.
pub fn catalog() -> Vec<PermissionInfo> {
    Permission::ALL
        .iter()
        .map(|p| PermissionInfo { name: *p, description: p.description().to_owned(), in_roles: p.in_roles() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_round_trip() {
        assert!(Permission::ALL.len() < 64, "the bit set holds 64");
        let mut seen = std::collections::HashSet::new();
        for p in Permission::ALL {
            assert!(seen.insert(p.as_str()), "{p} twice");
            assert!(p.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{p}");
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
            assert_eq!(serde_json::to_value(p).unwrap(), serde_json::json!(p.as_str()));
            assert!(!p.description().is_empty());
        }
    }

    #[test]
    fn sets_serialize_as_names_and_parse_with_field_errors() {
        let set: Permissions = [Permission::KeysManage, Permission::ApisRead].into_iter().collect();
        assert_eq!(serde_json::to_value(set).unwrap(), serde_json::json!(["apis_read", "keys_manage"]));
        assert_eq!(Permissions::from_json(&set.to_json()), set);
        assert!(Permissions::all().includes(set) && !set.includes(Permissions::all()));
        assert!(Permissions::parse_field("permissions", &["gateways_manage"], true).is_err());
        assert!(Permissions::parse_field("permissions", &["nope"], false).is_err());
        assert_eq!(
            Permissions::parse_field("scopes", &["gateways_manage"], false).unwrap().names(),
            ["gateways_manage"]
        );
    }

    #[test]
    fn provider_permissions_do_not_apply_in_consumer_orgs() {
        let set: Permissions = [Permission::MembersManage, Permission::ApplicationsAdmin].into_iter().collect();
        assert_eq!(set.effective_in(false).names(), ["applications_admin"]);
        assert_eq!(set.effective_in(true), set);
    }
}
