//! Who is acting: the signed-in user with their roles, and the guards every service uses
//! to scope what that user may see and do.
//!
//! Rules (DESIGN.md §5): `platform_admin` is a user flag valid in every org; `org_admin`,
//! `publisher` and `consumer` are per-org roles, each including the ones below it.
//! Another tenant's resource is *not found*, never *forbidden*, so its existence does not
//! leak; *forbidden* is for actions on resources the caller can see.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{DomainError, DomainResult};

/// A per-organization role. Ordered: a higher role includes every lower one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Uses APIs: applications, subscriptions, keys.
    Consumer,
    /// Also creates and manages APIs.
    Publisher,
    /// Also manages the organization's members, settings and audit log.
    OrgAdmin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Consumer, Role::Publisher, Role::OrgAdmin];

    /// The stored / wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Consumer => "consumer",
            Role::Publisher => "publisher",
            Role::OrgAdmin => "org_admin",
        }
    }

    /// Parses the stored / wire name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Parses a role given by a caller, as a field error when unknown.
    pub fn parse_field(field: &str, s: &str) -> DomainResult<Role> {
        Role::parse(s).ok_or_else(|| {
            DomainError::field(field, "invalid_role", "Role must be one of org_admin, publisher, consumer.")
        })
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
    /// The role in it.
    pub role: Role,
    /// Whether it is a provider organization (owns APIs and a portal). Administering
    /// and publishing happen in provider organizations; consumer organizations are
    /// managed from the portal.
    pub provider: bool,
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
        self.memberships.iter().find(|m| m.org_id == org).map(|m| m.role)
    }

    /// Whether the user has at least `min` in `org` (platform admins always do).
    pub fn has_role(&self, org: Uuid, min: Role) -> bool {
        self.is_platform_admin || self.role_in(org).is_some_and(|r| r >= min)
    }

    /// The organizations this user administers (org admin of a provider organization),
    /// or `None` if none (not an admin at all).
    pub fn admin_scope(&self) -> Option<AdminScope> {
        if self.is_platform_admin {
            return Some(AdminScope::All);
        }
        let orgs: Vec<Uuid> =
            self.memberships.iter().filter(|m| m.provider && m.role == Role::OrgAdmin).map(|m| m.org_id).collect();
        (!orgs.is_empty()).then_some(AdminScope::Orgs(orgs))
    }

    /// Guard for the admin area: the caller administers at least one org. Anyone else
    /// gets *not found*, as if the admin API did not exist.
    pub fn require_admin(&self) -> DomainResult<AdminScope> {
        self.admin_scope().ok_or(DomainError::NotFound("resource"))
    }

    /// Guard: the caller administers `org`; otherwise the org is *not found*.
    pub fn require_org_admin(&self, org: Uuid) -> DomainResult<()> {
        if self.require_admin()?.contains(org) { Ok(()) } else { Err(DomainError::NotFound("organization")) }
    }

    /// Guard: the caller is a platform administrator. Org admins (who can see the admin
    /// area) are *forbidden*; everyone else gets *not found*.
    pub fn require_platform_admin(&self) -> DomainResult<()> {
        match self.require_admin()? {
            AdminScope::All => Ok(()),
            AdminScope::Orgs(_) => Err(DomainError::Forbidden),
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
                .map(|(org_id, role)| Membership { org_id, role, provider: true })
                .collect(),
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
        assert!(matches!(Role::parse_field("role", "root"), Err(DomainError::Invalid(_))));
    }

    #[test]
    fn org_admin_administers_only_their_orgs() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let admin_of_a = actor(false, vec![(a, Role::OrgAdmin), (b, Role::Consumer)]);
        assert!(admin_of_a.require_org_admin(a).is_ok());
        assert!(matches!(admin_of_a.require_org_admin(b), Err(DomainError::NotFound(_))));
        assert!(matches!(admin_of_a.require_platform_admin(), Err(DomainError::Forbidden)));
        assert!(admin_of_a.has_role(b, Role::Consumer) && !admin_of_a.has_role(b, Role::Publisher));
    }

    #[test]
    fn non_admins_do_not_see_the_admin_area() {
        let org = Uuid::now_v7();
        let publisher = actor(false, vec![(org, Role::Publisher)]);
        assert!(matches!(publisher.require_admin(), Err(DomainError::NotFound(_))));
        assert!(matches!(publisher.require_platform_admin(), Err(DomainError::NotFound(_))));
        assert!(matches!(publisher.require_org_admin(org), Err(DomainError::NotFound(_))));
    }

    #[test]
    fn admins_of_consumer_orgs_do_not_see_the_admin_area() {
        let personal = Uuid::now_v7();
        let mut consumer = actor(false, vec![]);
        consumer.memberships.push(Membership { org_id: personal, role: Role::OrgAdmin, provider: false });
        assert_eq!(consumer.role_in(personal), Some(Role::OrgAdmin));
        assert!(matches!(consumer.require_admin(), Err(DomainError::NotFound(_))));
    }

    #[test]
    fn platform_admins_administer_everything() {
        let root = actor(true, vec![]);
        assert_eq!(root.require_admin().ok(), Some(AdminScope::All));
        assert!(root.require_org_admin(Uuid::now_v7()).is_ok());
        assert!(root.has_role(Uuid::now_v7(), Role::OrgAdmin));
    }
}
