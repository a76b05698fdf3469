//! Why a single sign-on did not succeed: one variant per cause, each with a stable code
//! (shown to the user as a message on the sign-in page) and details for the log only.

use crate::DomainError;

/// A refused or failed single sign-on.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// No provider has this name.
    #[error("unknown single sign-on provider")]
    UnknownProvider,
    /// The provider is switched off.
    #[error("the provider is disabled")]
    Disabled,
    /// The callback's `state` matches no sign-in started in this browser.
    #[error("the sign-in state does not match")]
    StateMismatch,
    /// The sign-in was started too long ago.
    #[error("the sign-in took too long")]
    LoginExpired,
    /// The provider answered the authorization request with an error (the user declined).
    #[error("the provider refused: {0}")]
    Denied(String),
    /// The provider could not be reached or answered nonsense (discovery, keys, token).
    #[error("the provider is unavailable: {0}")]
    ProviderUnavailable(String),
    /// The code could not be exchanged for tokens.
    #[error("the code exchange failed: {0}")]
    TokenExchange(String),
    /// The ID token failed verification; `code` says which check.
    #[error("the ID token was refused ({code}): {detail}")]
    InvalidIdToken {
        /// `id_token_invalid`, `id_token_wrong_audience`, `id_token_expired` or
        /// `id_token_nonce_mismatch`.
        code: &'static str,
        /// What exactly failed.
        detail: String,
    },
    /// The ID token has no e-mail address.
    #[error("the provider did not share an e-mail address")]
    EmailMissing,
    /// The provider says the address is not verified.
    #[error("the provider has not verified the e-mail address")]
    EmailNotVerified,
    /// The address's domain is not allowed for this provider.
    #[error("the e-mail domain is not allowed")]
    DomainNotAllowed,
    /// The Portico account exists but may not sign in (`account_disabled`, …).
    #[error("{message}")]
    AccountUnusable {
        /// Stable code.
        code: &'static str,
        /// Explanation.
        message: String,
    },
    /// Anything else (database): logged, shown as a generic failure.
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl SsoError {
    /// Stable snake_case code (the `sso_error` the sign-in page explains).
    pub fn code(&self) -> &'static str {
        match self {
            SsoError::UnknownProvider => "unknown_provider",
            SsoError::Disabled => "provider_disabled",
            SsoError::StateMismatch => "state_mismatch",
            SsoError::LoginExpired => "login_expired",
            SsoError::Denied(_) => "access_denied",
            SsoError::ProviderUnavailable(_) => "provider_unavailable",
            SsoError::TokenExchange(_) => "token_exchange_failed",
            SsoError::InvalidIdToken { code, .. } => code,
            SsoError::EmailMissing => "email_missing",
            SsoError::EmailNotVerified => "provider_email_unverified",
            SsoError::DomainNotAllowed => "domain_not_allowed",
            SsoError::AccountUnusable { code, .. } => code,
            SsoError::Domain(_) => "sso_failed",
        }
    }

    /// What to tell the user for a code (unknown codes get a generic message).
    pub fn message_for(code: &str) -> &'static str {
        match code {
            "unknown_provider" => "This single sign-on provider does not exist.",
            "provider_disabled" => "Signing in with this provider has been switched off by an administrator.",
            "state_mismatch" => "The sign-in could not be matched to this browser. Please start again.",
            "login_expired" => "The sign-in took too long. Please start again.",
            "access_denied" => "The identity provider did not let you sign in.",
            "provider_unavailable" => "The identity provider cannot be reached right now. Try again later.",
            "token_exchange_failed" => "The identity provider refused to complete the sign-in. Please start again.",
            "id_token_invalid" | "id_token_wrong_audience" | "id_token_expired" | "id_token_nonce_mismatch" => {
                "The identity provider's answer could not be verified, so you were not signed in."
            }
            "email_missing" => "The identity provider did not share your e-mail address.",
            "provider_email_unverified" => "The identity provider has not verified your e-mail address.",
            "domain_not_allowed" => "Accounts with this e-mail domain may not sign in with this provider.",
            "account_disabled" => "This account has been disabled.",
            "email_not_verified" => "Verify your e-mail address first: follow the link we sent you.",
            "approval_pending" => "Your account is waiting for an administrator's approval.",
            _ => "Single sign-on failed. Please try again or use your password.",
        }
    }
}
