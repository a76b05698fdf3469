//! The identity part of an environment's snapshot: the trusted issuers (Portico's own,
//! once the server has published its issuer and audience, and every enabled key manager
//! with keys), each subscribed application's OAuth2 clients and basic-auth credentials for
//! the environment, and the access tokens revoked before their expiry.

use std::collections::{BTreeMap, HashSet};

use gateway::spec::{BasicCredentialSpec, IssuerSpec, OAuthClientSpec, RevokedTokenSpec};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::{basic_credential, oauth_client};
use crate::oauth::{PORTICO_ISSUER_ID, published_provider};
use crate::{Db, DomainResult, key_managers, oauth};

/// What the snapshot of one environment carries about identity.
#[derive(Debug, Default)]
pub struct Identity {
    /// Trusted issuers.
    pub issuers: Vec<IssuerSpec>,
    /// OAuth2 clients by application.
    pub clients: BTreeMap<Uuid, Vec<OAuthClientSpec>>,
    /// Basic-auth credentials by application.
    pub basic: BTreeMap<Uuid, Vec<BasicCredentialSpec>>,
    /// Revoked, unexpired access tokens.
    pub revoked: Vec<RevokedTokenSpec>,
}

/// The identity of `environment` for the applications `apps`.
pub async fn build(db: &impl Db, environment: &str, apps: &[Uuid]) -> DomainResult<Identity> {
    let mut issuers = Vec::new();
    if let Some(provider) = published_provider(db).await? {
        let portico = oauth::assertions::portico_issuer(db, &provider).await?;
        if !portico.keys.is_empty() {
            issuers.push(portico);
        }
    }
    issuers.extend(key_managers::trusted(db).await?);
    let known: HashSet<String> = issuers.iter().map(|i| i.id.clone()).collect();
    let mut identity = Identity { issuers, ..Default::default() };
    for client in oauth_client::Entity::find()
        .filter(oauth_client::Column::Environment.eq(environment))
        .filter(oauth_client::Column::ApplicationId.is_in(apps.to_vec()))
        .all(db)
        .await?
    {
        let issuer = client.key_manager_id.map_or_else(|| PORTICO_ISSUER_ID.to_owned(), |id| id.to_string());
        if known.contains(&issuer) {
            let spec = OAuthClientSpec { issuer, client_id: client.client_id };
            identity.clients.entry(client.application_id).or_default().push(spec);
        }
    }
    for credential in basic_credential::Entity::find()
        .filter(basic_credential::Column::Environment.eq(environment))
        .filter(basic_credential::Column::ApplicationId.is_in(apps.to_vec()))
        .all(db)
        .await?
    {
        let spec = BasicCredentialSpec {
            username: credential.username,
            password_hash: Some(credential.password_hash),
            password: None,
        };
        identity.basic.entry(credential.application_id).or_default().push(spec);
    }
    for list in identity.clients.values_mut() {
        list.sort_by(|a, b| (&a.issuer, &a.client_id).cmp(&(&b.issuer, &b.client_id)));
    }
    for list in identity.basic.values_mut() {
        list.sort_by(|a, b| a.username.cmp(&b.username));
    }
    identity.revoked = oauth::tokens::revoked(db, environment).await?;
    Ok(identity)
}
