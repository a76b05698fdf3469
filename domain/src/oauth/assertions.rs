//! The issuers whose JWTs Portico itself accepts: its own (for userinfo) and, for the
//! JWT-bearer grant (RFC 7523), every enabled key manager plus its own, each with the
//! audience the assertion must name (Portico's issuer or token endpoint).

use gateway::jwt::Issuers;
use gateway::spec::IssuerSpec;

use super::{PORTICO_ISSUER_ID, Provider, keys};
use crate::{Db, DomainError, DomainResult, key_managers};

/// Portico's own issuer as gateways see it: its audience, its client claim, its keys.
pub async fn portico_issuer(db: &impl Db, provider: &Provider) -> DomainResult<IssuerSpec> {
    Ok(IssuerSpec {
        id: PORTICO_ISSUER_ID.to_owned(),
        issuer: provider.issuer.clone(),
        audiences: vec![provider.audience.clone()],
        client_claim: "client_id".to_owned(),
        algorithms: Provider::accepted_algorithms(),
        leeway_seconds: 30,
        keys: keys::jwks(db).await?,
    })
}

/// Portico's access tokens, as userinfo checks them.
pub async fn access_tokens(db: &impl Db, provider: &Provider) -> DomainResult<Issuers> {
    let issuer = portico_issuer(db, provider).await?;
    Issuers::compile(&[issuer], &[]).map_err(|e| DomainError::Internal(e.to_string()))
}

/// The issuers of JWT-bearer assertions; the verified claims' `client_id` is the `sub`.
pub async fn issuers(db: &impl Db, provider: &Provider) -> DomainResult<Issuers> {
    let audiences = vec![provider.issuer.clone(), provider.token_endpoint()];
    let mut specs = vec![IssuerSpec {
        audiences: audiences.clone(),
        client_claim: "sub".to_owned(),
        ..portico_issuer(db, provider).await?
    }];
    for manager in key_managers::trusted(db).await? {
        specs.push(IssuerSpec { audiences: audiences.clone(), client_claim: "sub".to_owned(), ..manager });
    }
    Issuers::compile(&specs, &[]).map_err(|e| DomainError::Internal(e.to_string()))
}
