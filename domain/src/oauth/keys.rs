//! JWT signing keys. One key signs at a time (the newest not retired); it is replaced
//! when older than the provider's rotation age, or on an admin's request. A replaced key
//! stops signing at once but stays in the JWKS — and so in every gateway's snapshot —
//! until the longest-lived token it can have signed has expired. Every change to the
//! published keys bumps every environment's configuration version.
//!
//! RSA keys (2048 bits) are generated with the `rsa` crate (`ring` cannot make them) off
//! the async threads; EC keys with `ring`. Private keys are stored as PKCS#8.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use gateway::jwt::{Algorithm, SigningKey};
use gateway::spec::JwkSpec;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Provider;
use super::clients::MAX_ACCESS_TOKEN_TTL;
use crate::audit::{self, AuditActor, Change};
use crate::entities::{environment, signing_key};
use crate::{Actor, Db, DomainError, DomainResult, environments};

/// Parsed private keys by `kid` (parsing an RSA key is too slow to repeat per token).
static PARSED: LazyLock<Mutex<HashMap<String, Arc<SigningKey>>>> = LazyLock::new(Default::default);

/// A signing key as the admin UI lists it (never the private part).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SigningKeyView {
    pub kid: String,
    pub algorithm: String,
    pub created_at: DateTime<Utc>,
    /// When it stopped signing (`None`: it signs now).
    pub retired_at: Option<DateTime<Utc>>,
    /// When it leaves the JWKS.
    pub publish_until: Option<DateTime<Utc>>,
}

impl From<signing_key::Model> for SigningKeyView {
    fn from(m: signing_key::Model) -> Self {
        Self {
            kid: m.kid,
            algorithm: m.algorithm,
            created_at: m.created_at,
            retired_at: m.retired_at,
            publish_until: m.publish_until,
        }
    }
}

/// The key that signs now: the newest one, replaced first when it is due for rotation.
pub async fn signing_key(db: &impl Db, provider: &Provider) -> DomainResult<Arc<SigningKey>> {
    let current = active(db).await?;
    let row = match current {
        Some(row)
            if row.created_at + provider.rotate_after > Utc::now() && row.algorithm == provider.algorithm.as_str() =>
        {
            row
        }
        _ => replace(db, provider, &AuditActor::system("key-rotation")).await?,
    };
    parsed(&row)
}

/// Replaces the signing key now (platform administrators).
pub async fn rotate(db: &impl Db, actor: &Actor, provider: &Provider) -> DomainResult<SigningKeyView> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    Ok(replace(db, provider, &actor.into()).await?.into())
}

/// Every key, newest first.
pub async fn list(db: &impl Db, actor: &Actor) -> DomainResult<Vec<SigningKeyView>> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let rows = signing_key::Entity::find().order_by_desc(signing_key::Column::CreatedAt).all(db).await?;
    Ok(rows.into_iter().map(SigningKeyView::from).collect())
}

/// The public keys to publish (the JWKS `keys`): every key not past its publication end.
pub async fn jwks(db: &impl Db) -> DomainResult<Vec<JwkSpec>> {
    let now = Utc::now();
    let rows = signing_key::Entity::find().order_by_desc(signing_key::Column::CreatedAt).all(db).await?;
    Ok(rows
        .into_iter()
        .filter(|row| row.publish_until.is_none_or(|until| until > now))
        .filter_map(|row| serde_json::from_value(row.public_jwk).ok())
        .collect())
}

async fn active(db: &impl Db) -> DomainResult<Option<signing_key::Model>> {
    Ok(signing_key::Entity::find()
        .filter(signing_key::Column::RetiredAt.is_null())
        .order_by_desc(signing_key::Column::CreatedAt)
        .one(db)
        .await?)
}

/// Creates a key with the provider's algorithm and retires the others.
async fn replace(db: &impl Db, provider: &Provider, who: &AuditActor) -> DomainResult<signing_key::Model> {
    let alg = provider.algorithm;
    let pkcs8 = tokio::task::spawn_blocking(move || generate(alg))
        .await
        .map_err(|e| DomainError::Internal(e.to_string()))??;
    let kid = Uuid::now_v7().simple().to_string();
    let key = SigningKey::from_pkcs8(kid.clone(), alg, &pkcs8).map_err(DomainError::Internal)?;
    let now = Utc::now();
    let txn = db.begin_write().await?;
    for old in signing_key::Entity::find().filter(signing_key::Column::RetiredAt.is_null()).all(&txn).await? {
        let mut retired: signing_key::ActiveModel = old.into();
        retired.retired_at = Set(Some(now));
        retired.publish_until = Set(Some(now + MAX_ACCESS_TOKEN_TTL + chrono::Duration::minutes(5)));
        retired.update(&txn).await?;
    }
    let row = signing_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        kid: Set(kid.clone()),
        algorithm: Set(alg.as_str().to_owned()),
        private_key: Set(STANDARD.encode(&pkcs8)),
        public_jwk: Set(serde_json::to_value(key.jwk()).map_err(|e| DomainError::Internal(e.to_string()))?),
        created_at: Set(now),
        retired_at: Set(None),
        publish_until: Set(None),
    }
    .insert(&txn)
    .await?;
    bump_every_environment(&txn).await?;
    let change = Change {
        org_id: None,
        action: "signing_key.rotate",
        target_type: "signing_key",
        target_id: Some(kid.clone()),
        before: None,
        after: audit::snapshot(&SigningKeyView::from(row.clone())),
    };
    audit::record(&txn, who, change).await?;
    txn.commit().await?;
    tracing::info!(kid = %kid, algorithm = alg.as_str(), "new JWT signing key");
    Ok(row)
}

/// Bumps every environment's configuration (the published keys or issuers changed).
pub(crate) async fn bump_every_environment(db: &impl Db) -> DomainResult<()> {
    let ids: Vec<Uuid> = environment::Entity::find().all(db).await?.into_iter().map(|e| e.id).collect();
    environments::bump(db, ids).await
}

fn parsed(row: &signing_key::Model) -> DomainResult<Arc<SigningKey>> {
    let mut cache = PARSED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(key) = cache.get(&row.kid) {
        return Ok(key.clone());
    }
    let alg = Algorithm::parse(&row.algorithm)
        .ok_or_else(|| DomainError::Internal(format!("signing key {} has algorithm {}", row.kid, row.algorithm)))?;
    let der = STANDARD.decode(&row.private_key).map_err(|e| DomainError::Internal(e.to_string()))?;
    let key = Arc::new(SigningKey::from_pkcs8(row.kid.clone(), alg, &der).map_err(DomainError::Internal)?);
    cache.insert(row.kid.clone(), key.clone());
    Ok(key)
}

/// A new private key for `alg`, as PKCS#8 DER.
fn generate(alg: Algorithm) -> DomainResult<Vec<u8>> {
    match alg {
        Algorithm::Es256 | Algorithm::Es384 => SigningKey::generate_ec_pkcs8(alg).map_err(DomainError::Internal),
        Algorithm::Rs256 => {
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
                .map_err(|e| DomainError::Internal(e.to_string()))?;
            Ok(key.to_pkcs8_der().map_err(|e| DomainError::Internal(e.to_string()))?.as_bytes().to_vec())
        }
        other => Err(DomainError::Internal(format!("{} signing keys are not offered", other.as_str()))),
    }
}
