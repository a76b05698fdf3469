//! Which scopes a token may carry. An application can get the scopes defined by the APIs
//! it holds an active subscription to; a scope reserved to roles only when the user (for
//! the client-credentials and JWT-bearer grants: the application's owner) has one of
//! them in the API's organization; and, for grants with a user, OpenID Connect's
//! `openid`, `profile` and `email`. An unknown scope is an `invalid_scope` error; a
//! reserved one the user lacks is left out (the response's `scope` says what was granted,
//! RFC 6749 §3.3).

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{OAuthError, OAuthErrorCode};
use crate::api_definition::{ApiDefinition, is_scope_token};
use crate::applications::find_usable;
use crate::entities::{api, subscription};
use crate::{Actor, Db, DomainResult};

/// OpenID Connect scopes, granted on grants with a user.
pub const OPENID_SCOPES: [&str; 3] = ["openid", "profile", "email"];

/// Longest `scope` parameter read.
const MAX_SCOPE_LENGTH: usize = 2000;

/// A scope an application can ask for, as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScopeInfo {
    /// The scope.
    pub name: String,
    /// What it allows.
    pub description: String,
    /// The API defining it.
    pub api_name: String,
    /// Roles it is reserved to (empty: anyone).
    pub roles: Vec<crate::Role>,
}

/// What an application's subscriptions bring to its tokens.
#[derive(Debug, Clone, Default)]
pub struct Entitlements {
    /// Scopes defined by subscribed APIs → (API organization, roles reserved to).
    scopes: BTreeMap<String, Vec<(Uuid, Vec<crate::Role>)>>,
    /// Subscribed API id → tier (the token's `tiers` claim).
    pub tiers: BTreeMap<String, String>,
    described: Vec<ScopeInfo>,
}

impl Entitlements {
    /// The scopes of `requested` (a space-separated `scope` parameter) that `subject`
    /// may have, in request order; `with_openid` allows OpenID Connect's scopes.
    pub fn grant(
        &self,
        requested: &str,
        subject: Option<&Actor>,
        with_openid: bool,
    ) -> Result<Vec<String>, OAuthError> {
        if requested.len() > MAX_SCOPE_LENGTH {
            return Err(OAuthError::new(OAuthErrorCode::InvalidScope, "The scope parameter is too long."));
        }
        let mut granted = Vec::new();
        let mut seen = BTreeSet::new();
        for scope in requested.split(' ').filter(|s| !s.is_empty()) {
            if !is_scope_token(scope) {
                return Err(OAuthError::new(
                    OAuthErrorCode::InvalidScope,
                    "A scope has characters scopes cannot have.",
                ));
            }
            if !seen.insert(scope) {
                continue;
            }
            if OPENID_SCOPES.contains(&scope) && with_openid {
                granted.push(scope.to_owned());
                continue;
            }
            let Some(definitions) = self.scopes.get(scope) else {
                let message = format!("{scope} is not a scope of any API this application is subscribed to.");
                return Err(OAuthError::new(OAuthErrorCode::InvalidScope, message));
            };
            let allowed = definitions.iter().any(|(org, roles)| {
                roles.is_empty()
                    || subject.is_some_and(|s| s.is_platform_admin || roles.iter().any(|r| s.has_role(*org, *r)))
            });
            if allowed {
                granted.push(scope.to_owned());
            }
        }
        Ok(granted)
    }
}

/// Each of `granted` with what it allows (for the consent page).
pub fn describe(entitlements: &Entitlements, granted: &[String]) -> Vec<(String, String)> {
    granted
        .iter()
        .map(|scope| {
            let description = match scope.as_str() {
                "openid" => "Know who you are (your Portico user id).".to_owned(),
                "profile" => "See your name.".to_owned(),
                "email" => "See your e-mail address.".to_owned(),
                _ => entitlements
                    .described
                    .iter()
                    .find(|d| &d.name == scope)
                    .map(|d| {
                        if d.description.is_empty() {
                            format!("{} ({})", d.name, d.api_name)
                        } else {
                            d.description.clone()
                        }
                    })
                    .unwrap_or_default(),
            };
            (scope.clone(), description)
        })
        .collect()
}

/// The entitlements of an application (by id), whatever the caller.
pub async fn entitlements(db: &impl Db, application_id: Uuid) -> DomainResult<Entitlements> {
    let subscriptions = subscription::Entity::find()
        .filter(subscription::Column::ApplicationId.eq(application_id))
        .filter(subscription::Column::State.eq("active"))
        .all(db)
        .await?;
    let api_ids: Vec<Uuid> = subscriptions.iter().map(|s| s.api_id).collect();
    let apis = api::Entity::find().filter(api::Column::Id.is_in(api_ids)).all(db).await?;
    let mut entitlements = Entitlements {
        tiers: subscriptions.into_iter().map(|s| (s.api_id.to_string(), s.tier)).collect(),
        ..Default::default()
    };
    for api in apis {
        let Ok(definition) = serde_json::from_value::<ApiDefinition>(api.definition) else { continue };
        for scope in definition.scopes {
            entitlements.scopes.entry(scope.name.clone()).or_default().push((api.org_id, scope.roles.clone()));
            entitlements.described.push(ScopeInfo {
                name: scope.name,
                description: scope.description,
                api_name: api.name.clone(),
                roles: scope.roles,
            });
        }
    }
    Ok(entitlements)
}

/// The scopes an application the caller may use can ask for (portal).
pub async fn available(db: &impl Db, actor: &Actor, application_id: Uuid) -> DomainResult<Vec<ScopeInfo>> {
    let app = find_usable(db, actor, application_id).await?;
    Ok(entitlements(db, app.id).await?.described)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use crate::actor::{Membership, RequestOrigin};

    #[test]
    fn unknown_scopes_fail_and_reserved_ones_need_the_role() {
        let org = Uuid::now_v7();
        let mut e = Entitlements::default();
        e.scopes.insert("pets:read".into(), vec![(org, vec![])]);
        e.scopes.insert("pets:admin".into(), vec![(org, vec![Role::Publisher])]);
        let user = |role| Actor {
            user_id: Uuid::now_v7(),
            email: "u@example.com".into(),
            is_platform_admin: false,
            memberships: vec![Membership::builtin(org, role, true)],
            origin: RequestOrigin::default(),
            scopes: None,
        };
        assert_eq!(e.grant("pets:read pets:admin", Some(&user(Role::Consumer)), false).unwrap(), ["pets:read"]);
        assert_eq!(e.grant("pets:read pets:admin", Some(&user(Role::Publisher)), false).unwrap().len(), 2);
        assert_eq!(e.grant("pets:admin", None, false).unwrap(), Vec::<String>::new());
        assert_eq!(e.grant("openid pets:read", None, true).unwrap(), ["openid", "pets:read"]);
        let err = e.grant("openid", None, false).unwrap_err();
        assert_eq!(err.code, OAuthErrorCode::InvalidScope);
        assert_eq!(e.grant("cats:read", None, false).unwrap_err().code, OAuthErrorCode::InvalidScope);
        assert_eq!(e.grant("a\"b", None, false).unwrap_err().code, OAuthErrorCode::InvalidScope);
        assert!(e.grant("", None, false).unwrap().is_empty());
    }
}
