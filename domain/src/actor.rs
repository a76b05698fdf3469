//! Who is acting: the signed-in user with their roles and permissions, and the guards
//! every service uses to scope what that user may see and do. This is the one place
//! where access is decided: services call [`Actor::require`] (an organization's
//! permission), [`Actor::require_platform`] (a platform permission) or
//! [`Actor::require_own`] (the caller's own account), or filter lists with
//! [`Actor::orgs_with`].
//!
//! Rules (DESIGN.md §5): `platform_admin` is a user flag holding every permission in
//! every org; per-org roles are the built-in `org_admin`, `publisher` and `consumer`
//! (fixed permission sets, each including the one below) or a custom role of the org (any
//! set of organization permissions). A request made with a personal access token holds
//! only what both the owner and the token's scopes allow. Another tenant's resource is
//! *not found*, never *forbidden*, so its existence does not leak: a caller who holds no
//! permission of an [`Area`] in an organization does not see that area there (*not
//! found*); *forbidden* is for callers who hold some permission there but not the one
//! needed.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::permissions::{Area, Permission, PermissionScope, Permissions};
use crate::{DomainError, DomainResult};

/// A per-organization role: one of the built-in ones, or `custom` (the membership then
/// names one of the organization's custom roles). The built-in ones are ordered: a
/// higher one includes every permission of a lower one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Uses APIs: applications, subscriptions, keys.
    Consumer,
    /// Also creates and manages APIs.
    Publisher,
    /// Also manages the organization's members, roles, settings and audit log.
    OrgAdmin,
    /// A custom role of the organization: see the membership's `custom_role`.
    Custom,
}

impl Role {
    /// Every built-in role, lowest first (`custom` is not one).
    pub const ALL: [Role; 3] = [Role::Consumer, Role::Publisher, Role::OrgAdmin];

    /// The stored / wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Consumer => "consumer",
            Role::Publisher => "publisher",
            Role::OrgAdmin => "org_admin",
            Role::Custom => "custom",
        }
    }

    /// Parses the stored / wire name (`custom` included).
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().chain([Role::Custom]).find(|r| r.as_str() == s)
    }

    /// Parses a built-in role given by a caller, as a field error when unknown.
    pub fn parse_field(field: &str, s: &str) -> DomainResult<Role> {
        Role::parse(s).filter(|r| *r != Role::Custom).ok_or_else(|| {
            DomainError::field(field, "invalid_role", "Role must be one of org_admin, publisher, consumer.")
        })
    }

    /// The permissions of a built-in role (`custom`: none; they are the custom role's).
    pub fn permissions(self) -> Permissions {
        use Permission::*;
        let consumer = [ApplicationsManage, KeysManage];
        let publisher = [ApisRead, ApisWrite, ApisPublish, ApisDeploy, SubscriptionsManage];
        let org_admin = [ApplicationsAdmin, MembersManage, RolesManage, OrgSettings, AuditRead];
        match self {
            Role::Consumer => consumer.into_iter().collect(),
            Role::Publisher => consumer.into_iter().chain(publisher).collect(),
            Role::OrgAdmin => consumer.into_iter().chain(publisher).chain(org_admin).collect(),
            Role::Custom => Permissions::NONE,
        }
    }
}

/// Where a request came from, recorded in the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOrigin {
    /// Client IP address.
    pub ip: Option<String>,
    /// The `X-Request-Id` of the request.
    pub request_id: Option<String>,
}

/// A membership as the guards see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    /// The organization.
    pub org_id: Uuid,
    /// The role in it (`custom` for a custom role).
    pub role: Role,
    /// What the role allows there (already limited to what applies in this kind of
    /// organization).
    pub permissions: Permissions,
    /// Whether it is a provider organization (owns APIs and a portal). Administering
    /// and publishing happen in provider organizations; consumer organizations are
    /// managed from the portal.
    pub provider: bool,
}

impl Membership {
    /// A membership with a built-in role.
    pub fn builtin(org_id: Uuid, role: Role, provider: bool) -> Self {
        Self { org_id, role, permissions: role.permissions().effective_in(provider), provider }
    }
}

/// The authenticated user on whose behalf a service runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's id.
    pub user_id: Uuid,
    /// The user's e-mail (for the audit log).
    pub email: String,
    /// Platform administrators may act in every organization.
    pub is_platform_admin: bool,
    /// Every active organization the user belongs to.
    pub memberships: Vec<Membership>,
    /// The scopes of the personal access token the request came with (`None`: a
    /// session, or a token with its owner's full rights).
    pub scopes: Option<Permissions>,
    /// Where the request came from.
    pub origin: RequestOrigin,
}

/// Which organizations an administrator may administer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminScope {
    /// Every organization (platform administrators).
    All,
    /// Only these organizations (org admins).
    Orgs(Vec<Uuid>),
}

impl AdminScope {
    /// Whether `org` is inside the scope.
    pub fn contains(&self, org: Uuid) -> bool {
        match self {
            AdminScope::All => true,
            AdminScope::Orgs(orgs) => orgs.contains(&org),
        }
    }
}

impl Actor {
    /// The user's role in `org`, if a member.
    pub fn role_in(&self, org: Uuid) -> Option<Role> {
        self.membership(org).map(|m| m.role)
    }

    fn membership(&self, org: Uuid) -> Option<&Membership> {
        self.memberships.iter().find(|m| m.org_id == org)
    }

    /// Whether the request's token (if any) allows `p`.
    fn scoped(&self, p: Permission) -> bool {
        self.scopes.is_none_or(|s| s.contains(p))
    }

    /// Everything the actor may do in `org`: the role's permissions (all of them for
    /// platform administrators), limited by the token's scopes.
    pub fn permissions_in(&self, org: Uuid) -> Permissions {
        let held = if self.is_platform_admin {
            Permissions::all()
        } else {
            self.membership(org).map_or(Permissions::NONE, |m| m.permissions)
        };
        self.scopes.map_or(held, |s| held.intersect(s))
    }

    /// Whether the actor holds `p` in `org`. Platform and account permissions are not
    /// held *in* an organization: see [`Actor::can_platform`] and [`Actor::require_own`].
    pub fn can(&self, org: Uuid, p: Permission) -> bool {
        p.in_roles() && self.permissions_in(org).contains(p)
    }

    /// Whether the actor holds the platform permission `p`.
    pub fn can_platform(&self, p: Permission) -> bool {
        self.is_platform_admin && self.scoped(p)
    }

    /// Guard: the actor holds `p` in `org`. Otherwise the organization is *not found*
    /// when the actor holds nothing of `p`'s area there, else *forbidden*.
    pub fn require(&self, org: Uuid, p: Permission) -> DomainResult<()> {
        self.require_or(org, p, "organization")
    }

    /// [`Actor::require`], naming what is *not found* (`"api"`, `"application"`, …).
    pub fn require_or(&self, org: Uuid, p: Permission, what: &'static str) -> DomainResult<()> {
        if self.can(org, p) {
            return Ok(());
        }
        let area_visible = self.permissions_in(org).iter().any(|held| held.area() == p.area());
        if area_visible { Err(DomainError::Forbidden) } else { Err(DomainError::NotFound(what)) }
    }

    /// Guard: the actor holds the platform permission `p`. Callers who can see the admin
    /// area (or platform admins whose token lacks the scope) are *forbidden*; everyone
    /// else gets *not found*, as if the resource did not exist.
    pub fn require_platform(&self, p: Permission) -> DomainResult<()> {
        if self.can_platform(p) {
            Ok(())
        } else if self.is_platform_admin || self.admin_scope().is_some() {
            Err(DomainError::Forbidden)
        } else {
            Err(DomainError::NotFound("resource"))
        }
    }

    /// Guard for the caller's own account (`account_manage`): only a token's scopes
    /// can take it away; refused tokens are *forbidden*.
    pub fn require_own(&self, p: Permission) -> DomainResult<()> {
        if p.scope() == PermissionScope::Account && self.scoped(p) { Ok(()) } else { Err(DomainError::Forbidden) }
    }

    /// The organizations where the actor holds `p` (`AdminScope::All` for platform
    /// administrators whose token allows it), or `None` when nowhere.
    pub fn orgs_with(&self, p: Permission) -> Option<AdminScope> {
        if self.is_platform_admin {
            return self.scoped(p).then_some(AdminScope::All);
        }
        let orgs: Vec<Uuid> = self.memberships.iter().filter(|m| self.can(m.org_id, p)).map(|m| m.org_id).collect();
        (!orgs.is_empty()).then_some(AdminScope::Orgs(orgs))
    }

    /// Guard for lists: the organizations where the actor holds `p`. Holding it nowhere is
    /// *forbidden* for callers who hold another permission of its area somewhere, else
    /// *not found*.
    pub fn require_somewhere(&self, p: Permission) -> DomainResult<AdminScope> {
        if let Some(scope) = self.orgs_with(p) {
            return Ok(scope);
        }
        let area_visible = self.is_platform_admin
            || self
                .memberships
                .iter()
                .any(|m| self.permissions_in(m.org_id).iter().any(|held| held.area() == p.area()));
        if area_visible { Err(DomainError::Forbidden) } else { Err(DomainError::NotFound("resource")) }
    }

    /// Whether the actor holds at least every permission of the built-in role `min` in
    /// `org` (platform admins always do, within their token's scopes).
    pub fn has_role(&self, org: Uuid, min: Role) -> bool {
        self.permissions_in(org).includes(min.permissions().effective_in(self.is_provider(org)))
    }

    fn is_provider(&self, org: Uuid) -> bool {
        self.membership(org).is_none_or(|m| m.provider)
    }

    /// The organizations whose admin area this user sees (any admin-area permission in
    /// a provider organization), or `None` if none (not an admin at all).
    pub fn admin_scope(&self) -> Option<AdminScope> {
        if self.is_platform_admin {
            let admin_scopes = Permission::ALL.iter().filter(|p| p.area() == Area::Admin);
            return admin_scopes.clone().any(|p| self.scoped(*p)).then_some(AdminScope::All);
        }
        let orgs: Vec<Uuid> = self
            .memberships
            .iter()
            .filter(|m| self.permissions_in(m.org_id).iter().any(|p| p.area() == Area::Admin))
            .map(|m| m.org_id)
            .collect();
        (!orgs.is_empty()).then_some(AdminScope::Orgs(orgs))
    }

    /// Guard for the admin area: the caller sees the admin area of at least one org.
    /// Anyone else gets *not found*, as if the admin API did not exist.
    pub fn require_admin(&self) -> DomainResult<AdminScope> {
        self.admin_scope().ok_or(DomainError::NotFound("resource"))
    }

    /// Guard: the caller sees `org`'s admin area; otherwise the org is *not found*.
    pub fn require_org_admin(&self, org: Uuid) -> DomainResult<()> {
        if self.require_admin()?.contains(org) { Ok(()) } else { Err(DomainError::NotFound("organization")) }
    }

    /// Guard: the caller is a platform administrator with a full-rights credential (a
    /// session, or a token allowed every platform permission). Prefer
    /// [`Actor::require_platform`] with the permission the action needs.
    pub fn require_platform_admin(&self) -> DomainResult<()> {
        for p in Permission::ALL.iter().filter(|p| p.scope() == PermissionScope::Platform) {
            self.require_platform(*p)?;
        }
        Ok(())
    }

    /// Guard against privilege escalation: the actor may only hand out (in a role or a
    /// membership) permissions they hold themselves in `org`.
    pub fn require_grantable(&self, org: Uuid, granted: Permissions) -> DomainResult<()> {
        if self.permissions_in(org).includes(granted) {
            Ok(())
        } else {
            Err(DomainError::Conflict {
                code: "permission_not_held",
                message: "You can only grant permissions you hold yourself in this organization.".into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(platform: bool, memberships: Vec<(Uuid, Role)>) -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            email: "a@example.com".into(),
            is_platform_admin: platform,
            memberships: memberships
                .into_iter()
                .map(|(org_id, role)| Membership::builtin(org_id, role, true))
                .collect(),
            scopes: None,
            origin: RequestOrigin::default(),
        }
    }

    #[test]
    fn roles_are_ordered_and_round_trip() {
        assert!(Role::OrgAdmin > Role::Publisher && Role::Publisher > Role::Consumer);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
        assert_eq!(Role::parse("custom"), Some(Role::Custom));
        assert!(matches!(Role::parse_field("role", "root"), Err(DomainError::Invalid(_))));
        assert!(matches!(Role::parse_field("role", "custom"), Err(DomainError::Invalid(_))));
    }

    #[test]
    fn built_in_roles_are_nested_permission_sets() {
        let (consumer, publisher, admin) =
            (Role::Consumer.permissions(), Role::Publisher.permissions(), Role::OrgAdmin.permissions());
        assert!(publisher.includes(consumer) && admin.includes(publisher));
        assert!(consumer != publisher && publisher != admin);
        assert!(admin.iter().all(Permission::in_roles), "org roles never hold platform permissions");
        assert!(Role::Custom.permissions().is_empty());
    }

    #[test]
    fn org_admin_administers_only_their_orgs() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let admin_of_a = actor(false, vec![(a, Role::OrgAdmin), (b, Role::Consumer)]);
        assert!(admin_of_a.require_org_admin(a).is_ok());
        assert!(matches!(admin_of_a.require_org_admin(b), Err(DomainError::NotFound(_))));
        assert!(matches!(admin_of_a.require_platform_admin(), Err(DomainError::Forbidden)));
        assert!(admin_of_a.has_role(b, Role::Consumer) && !admin_of_a.has_role(b, Role::Publisher));
        assert!(admin_of_a.require(a, Permission::MembersManage).is_ok());
        assert!(matches!(admin_of_a.require(b, Permission::MembersManage), Err(DomainError::NotFound(_))));
        assert!(matches!(admin_of_a.require(Uuid::now_v7(), Permission::ApisRead), Err(DomainError::NotFound(_))));
    }

    #[test]
    fn non_admins_do_not_see_the_admin_area() {
        let org = Uuid::now_v7();
        let publisher = actor(false, vec![(org, Role::Publisher)]);
        assert!(matches!(publisher.require_admin(), Err(DomainError::NotFound(_))));
        assert!(matches!(publisher.require_platform_admin(), Err(DomainError::NotFound(_))));
        assert!(matches!(publisher.require_org_admin(org), Err(DomainError::NotFound(_))));
        assert!(matches!(publisher.require(org, Permission::AuditRead), Err(DomainError::NotFound(_))));
    }

    #[test]
    fn admins_of_consumer_orgs_do_not_see_the_admin_area() {
        let personal = Uuid::now_v7();
        let mut consumer = actor(false, vec![]);
        consumer.memberships.push(Membership::builtin(personal, Role::OrgAdmin, false));
        assert_eq!(consumer.role_in(personal), Some(Role::OrgAdmin));
        assert!(matches!(consumer.require_admin(), Err(DomainError::NotFound(_))));
        assert!(consumer.can(personal, Permission::ApplicationsAdmin));
        assert!(!consumer.can(personal, Permission::ApisWrite));
    }

    #[test]
    fn platform_admins_administer_everything() {
        let root = actor(true, vec![]);
        assert_eq!(root.require_admin().ok(), Some(AdminScope::All));
        assert!(root.require_org_admin(Uuid::now_v7()).is_ok());
        assert!(root.has_role(Uuid::now_v7(), Role::OrgAdmin));
        assert!(root.require_platform(Permission::GatewaysManage).is_ok());
        assert_eq!(root.orgs_with(Permission::ApisWrite), Some(AdminScope::All));
    }

    #[test]
    fn custom_roles_grant_exactly_their_permissions() {
        let org = Uuid::now_v7();
        let mut deployer = actor(false, vec![]);
        let permissions: Permissions = [Permission::ApisRead, Permission::ApisDeploy].into_iter().collect();
        deployer.memberships.push(Membership { org_id: org, role: Role::Custom, permissions, provider: true });
        assert!(deployer.require(org, Permission::ApisDeploy).is_ok());
        assert!(matches!(deployer.require(org, Permission::ApisWrite), Err(DomainError::Forbidden)), "sees the API");
        assert!(matches!(deployer.require(org, Permission::KeysManage), Err(DomainError::NotFound(_))));
        assert!(!deployer.has_role(org, Role::Publisher) && !deployer.has_role(org, Role::Consumer));
        assert!(deployer.require_grantable(org, permissions).is_ok());
        assert!(deployer.require_grantable(org, Role::Consumer.permissions()).is_err());
    }

    #[test]
    fn token_scopes_narrow_what_the_owner_may_do() {
        let org = Uuid::now_v7();
        let mut publisher = actor(false, vec![(org, Role::Publisher)]);
        publisher.scopes = Some([Permission::ApisRead].into_iter().collect());
        assert!(publisher.can(org, Permission::ApisRead));
        assert!(matches!(publisher.require(org, Permission::ApisWrite), Err(DomainError::Forbidden)));
        assert!(matches!(publisher.require(org, Permission::KeysManage), Err(DomainError::NotFound(_))));
        assert!(publisher.require_own(Permission::AccountManage).is_err());
        let mut root = actor(true, vec![]);
        root.scopes = Some([Permission::GatewaysManage].into_iter().collect());
        assert!(root.require_platform(Permission::GatewaysManage).is_ok());
        assert!(matches!(root.require_platform(Permission::UsersManage), Err(DomainError::Forbidden)));
        assert!(root.require_platform_admin().is_err(), "a scoped token is no full platform admin");
        assert!(!root.can(org, Permission::ApisRead) && root.orgs_with(Permission::ApisRead).is_none());
        assert!(root.require_admin().is_err());
    }
}
