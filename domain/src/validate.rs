//! Input rules shared by services: e-mail addresses, slugs and display names. Each
//! returns the normalised value or a [`FieldError`] naming the field.

use crate::FieldError;

/// Longest e-mail address accepted (RFC 5321 path limit).
const MAX_EMAIL: usize = 254;
/// Longest display / organization name.
const MAX_NAME: usize = 100;

/// Trims and lower-cases an e-mail address and checks its syntax.
pub fn email(field: &str, raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(FieldError::new(field, "required", "Enter an e-mail address."));
    }
    let valid = email.len() <= MAX_EMAIL
        && email_address::EmailAddress::parse_with_options(
            &email,
            email_address::Options::default().without_display_text(),
        )
        .is_ok()
        && email.rsplit_once('@').is_some_and(|(_, domain)| domain.contains('.') && !domain.ends_with('.'));
    if valid {
        Ok(email)
    } else {
        Err(FieldError::new(field, "invalid_email", "Enter a valid e-mail address, like name@example.com."))
    }
}

/// A URL-safe identifier: 2–40 characters of `a-z`, `0-9` and `-`, not starting or
/// ending with `-`.
pub fn slug(field: &str, raw: &str) -> Result<String, FieldError> {
    let slug = raw.trim().to_lowercase();
    let ok = (2..=40).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(slug)
    } else {
        Err(FieldError::new(
            field,
            "invalid_slug",
            "Use 2–40 lower-case letters, digits and dashes (not at the start or end).",
        ))
    }
}

/// A trimmed, non-empty name of at most 100 characters without control characters.
pub fn name(field: &str, raw: &str) -> Result<String, FieldError> {
    let name = raw.trim().to_owned();
    if name.is_empty() {
        Err(FieldError::new(field, "required", "Enter a name."))
    } else if name.chars().count() > MAX_NAME {
        Err(FieldError::new(field, "too_long", format!("Use at most {MAX_NAME} characters.")))
    } else if name.chars().any(char::is_control) {
        Err(FieldError::new(field, "invalid_characters", "Control characters are not allowed."))
    } else {
        Ok(name)
    }
}

/// The [`DomainError::Invalid`] listing every error of several checks.
pub fn errors(errors: impl IntoIterator<Item = Option<FieldError>>) -> crate::DomainError {
    crate::DomainError::Invalid(errors.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("email", "  Alice@Example.COM ").as_deref(), Ok("alice@example.com"));
        for bad in ["", "alice", "alice@", "@example.com", "alice@example", "a b@example.com", "Alice <a@example.com>"]
        {
            assert!(email("email", bad).is_err(), "{bad} accepted");
        }
        assert_eq!(email("email", "x").err().map(|e| e.code).as_deref(), Some("invalid_email"));
        assert_eq!(email("email", " ").err().map(|e| e.code).as_deref(), Some("required"));
    }

    #[test]
    fn slugs_and_names() {
        assert_eq!(slug("slug", "Acme-Corp").as_deref(), Ok("acme-corp"));
        for bad in ["a", "-acme", "acme-", "ac me", "äcme", &"a".repeat(41)] {
            assert!(slug("slug", bad).is_err(), "{bad} accepted");
        }
        assert_eq!(name("name", "  Acme  ").as_deref(), Ok("Acme"));
        assert!(name("name", " ").is_err());
        assert!(name("name", &"n".repeat(101)).is_err());
        assert!(name("name", "a\u{7}b").is_err());
    }
}
