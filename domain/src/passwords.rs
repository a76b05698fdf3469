//! Password rules and argon2id hashing. Hashing is CPU-heavy by design, so it runs on
//! tokio's blocking pool, never on an async worker.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

use crate::{DomainError, FieldError};

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted (bounds the hashing work an attacker can ask for).
pub const MAX_LENGTH: usize = 256;

/// Passwords too common to accept even when long enough.
const COMMON: &[&str] = &[
    "passwordpassword",
    "password1234",
    "123456789012",
    "qwertyuiopas",
    "iloveyou1234",
    "administrator",
    "adminadminadmin",
    "letmeinletmein",
    "welcomewelcome",
    "changemechangeme",
];

/// At most this many argon2 computations run at once (each takes 19 MiB); the rest wait,
/// so a flood of sign-in or sign-up requests cannot exhaust memory.
const CONCURRENT_HASHES: usize = 4;
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT_HASHES);

/// A hash of a random password, verified against when the e-mail is unknown so that
/// "no such user" takes as long as "wrong password".
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| hash_now("portico-dummy-password-for-timing").ok());

/// Checks a new password against the rules; `email` may not be (part of) it.
pub fn validate(field: &str, password: &str, email: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    let lowered = password.to_lowercase();
    let local_part = email.split('@').next().unwrap_or_default().to_lowercase();
    if chars < MIN_LENGTH {
        Err(FieldError::new(field, "too_short", format!("Use at least {MIN_LENGTH} characters.")))
    } else if chars > MAX_LENGTH {
        Err(FieldError::new(field, "too_long", format!("Use at most {MAX_LENGTH} characters.")))
    } else if password.chars().all(|c| password.starts_with(c)) || COMMON.contains(&lowered.as_str()) {
        Err(FieldError::new(field, "too_common", "This password is too easy to guess."))
    } else if local_part.len() >= 4 && lowered.contains(&local_part) {
        Err(FieldError::new(field, "contains_email", "The password may not contain your e-mail address."))
    } else {
        Ok(())
    }
}

/// Hashes a password with argon2id (OWASP parameters: 19 MiB, 2 passes).
pub async fn hash(password: String) -> Result<String, DomainError> {
    let _permit = HASHING.acquire().await.map_err(|e| DomainError::Internal(format!("hashing limiter closed: {e}")))?;
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| DomainError::Internal(format!("hashing task failed: {e}")))?
}

/// Verifies a password against a stored hash; with `None` (unknown user) it still spends
/// the same time and returns `false`.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let Ok(_permit) = HASHING.acquire().await else { return false };
    tokio::task::spawn_blocking(move || {
        let target = stored.as_deref().or(DUMMY_HASH.as_deref());
        let ok = target
            .and_then(|h| PasswordHash::new(h).ok())
            .is_some_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok());
        ok && stored.is_some()
    })
    .await
    .unwrap_or(false)
}

fn hash_now(password: &str) -> Result<String, DomainError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Internal(format!("argon2: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_reject_weak_passwords_with_a_reason() {
        let code = |p: &str| validate("password", p, "alice.smith@example.com").err().map(|e| e.code);
        assert_eq!(code("short").as_deref(), Some("too_short"));
        assert_eq!(code("elevenchars").as_deref(), Some("too_short"));
        assert_eq!(code(&"x".repeat(300)).as_deref(), Some("too_long"));
        assert_eq!(code("aaaaaaaaaaaaaa").as_deref(), Some("too_common"));
        assert_eq!(code("PasswordPassword").as_deref(), Some("too_common"));
        assert_eq!(code("my-alice.smith-pass").as_deref(), Some("contains_email"));
        assert_eq!(code("correct horse battery"), None);
        assert_eq!(code("twelve chars"), None);
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let stored = hash("correct horse battery".into()).await.expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(stored.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(stored)).await);
        assert!(!verify("correct horse battery".into(), None).await);
    }
}
