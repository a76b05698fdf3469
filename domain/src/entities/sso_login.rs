//! `sso_logins`: single sign-ons in progress (state hash, nonce, PKCE verifier), kept
//! for a few minutes and consumed by the callback.

use sea_orm::entity::prelude::*;

/// One sign-in in progress.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_logins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider_id: Uuid,
    /// SHA-256 of the `state` sent to the provider (the browser holds it in a cookie).
    pub state_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Local path to go to after signing in.
    pub return_to: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
