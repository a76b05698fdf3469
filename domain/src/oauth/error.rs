//! The errors of the token, authorization, revocation and introspection endpoints, with
//! the exact codes of RFC 6749 §4.1.2.1 and §5.2 (and RFC 7009 / 6750 where they add one).

use crate::DomainError;

/// An RFC 6749 error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    /// A parameter is missing, repeated, malformed or unsupported.
    InvalidRequest,
    /// Client authentication failed (401 at the token endpoint).
    InvalidClient,
    /// The grant (code, refresh token, credentials, assertion) is invalid, expired,
    /// revoked, or was issued to another client or redirect URI.
    InvalidGrant,
    /// The client may not use this grant type.
    UnauthorizedClient,
    /// The server does not support this grant type.
    UnsupportedGrantType,
    /// A requested scope is unknown or malformed.
    InvalidScope,
    /// The user or server denied the request (authorization endpoint).
    AccessDenied,
    /// The server does not support this `response_type`.
    UnsupportedResponseType,
    /// RFC 7009 §2.2.1: the token type cannot be revoked.
    UnsupportedTokenType,
    /// RFC 6750: the access token is invalid (userinfo).
    InvalidToken,
    /// RFC 6750: the access token lacks a needed scope (userinfo).
    InsufficientScope,
    /// Something failed on the server.
    ServerError,
}

impl OAuthErrorCode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnauthorizedClient => "unauthorized_client",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::InvalidScope => "invalid_scope",
            OAuthErrorCode::AccessDenied => "access_denied",
            OAuthErrorCode::UnsupportedResponseType => "unsupported_response_type",
            OAuthErrorCode::UnsupportedTokenType => "unsupported_token_type",
            OAuthErrorCode::InvalidToken => "invalid_token",
            OAuthErrorCode::InsufficientScope => "insufficient_scope",
            OAuthErrorCode::ServerError => "server_error",
        }
    }

    /// The HTTP status of this error at the token endpoint.
    pub fn status(self) -> u16 {
        match self {
            OAuthErrorCode::InvalidClient | OAuthErrorCode::InvalidToken => 401,
            OAuthErrorCode::InsufficientScope => 403,
            OAuthErrorCode::ServerError => 500,
            _ => 400,
        }
    }
}

/// An OAuth error with its human-readable description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct OAuthError {
    /// The code.
    pub code: OAuthErrorCode,
    /// `error_description` (ASCII, no secrets).
    pub description: String,
}

impl OAuthError {
    /// An error with a description.
    pub fn new(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self { code, description: description.into() }
    }

    /// `invalid_request`.
    pub fn request(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, description)
    }

    /// `invalid_grant`.
    pub fn grant(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidGrant, description)
    }

    /// `invalid_client` (always the same description: never says what was wrong).
    pub fn client() -> Self {
        Self::new(OAuthErrorCode::InvalidClient, "Client authentication failed.")
    }
}

impl From<DomainError> for OAuthError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Throttled { .. } => Self::grant("Too many attempts; try again later."),
            DomainError::InvalidCredentials => Self::grant("The username or password is incorrect."),
            DomainError::AccountUnusable { message, .. } => Self::grant(message),
            other => {
                tracing::error!(error = %other, "OAuth request failed");
                Self::new(OAuthErrorCode::ServerError, "The server could not complete the request.")
            }
        }
    }
}

impl From<sea_orm::DbErr> for OAuthError {
    fn from(error: sea_orm::DbErr) -> Self {
        DomainError::from(error).into()
    }
}
