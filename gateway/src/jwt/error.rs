//! Why a bearer token was refused: one variant per cause, each with a stable code, so a
//! client (and the analytics) can tell an expired token from a forged one.

/// A refused token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a compact JWS of three base64url parts with JSON header and claims.
    #[error("the token is not a well-formed JWT")]
    Malformed,
    /// `none`, an HMAC algorithm, or one the issuer does not use.
    #[error("the token's signature algorithm is not accepted")]
    UnsupportedAlgorithm,
    /// No trusted issuer has this `iss`.
    #[error("the token's issuer is not trusted")]
    UnknownIssuer,
    /// The issuer has no key with this `kid` for this algorithm.
    #[error("the token was signed with a key the issuer does not publish")]
    UnknownSigningKey,
    /// The signature does not verify.
    #[error("the token's signature is not valid")]
    InvalidSignature,
    /// `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `aud` names none of the accepted audiences.
    #[error("the token is not meant for this gateway (audience)")]
    InvalidAudience,
    /// A required claim (`exp`, `iss`, the client claim) is missing or of the wrong type.
    #[error("the token lacks a required claim")]
    MissingClaim,
    /// The token was revoked.
    #[error("the token has been revoked")]
    Revoked,
    /// The token's client is no application known here.
    #[error("the token's client is not a known application")]
    UnknownClient,
}

impl TokenError {
    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            TokenError::Malformed => "malformed_token",
            TokenError::UnsupportedAlgorithm => "unsupported_algorithm",
            TokenError::UnknownIssuer => "unknown_issuer",
            TokenError::UnknownSigningKey => "unknown_signing_key",
            TokenError::InvalidSignature => "invalid_signature",
            TokenError::Expired => "token_expired",
            TokenError::NotYetValid => "token_not_yet_valid",
            TokenError::InvalidAudience => "invalid_audience",
            TokenError::MissingClaim => "missing_claim",
            TokenError::Revoked => "token_revoked",
            TokenError::UnknownClient => "unknown_client",
        }
    }
}
