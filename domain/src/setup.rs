//! First start: the `default` provider organization and the first platform
//! administrator. The administrator comes from `portico admin create`, from
//! `PORTICO_ADMIN_EMAIL` / `PORTICO_ADMIN_PASSWORD`, or from a one-time setup link
//! printed in the log. There is no default password anywhere.

use chrono::Duration;
use sea_orm::TransactionSession;
use serde::Deserialize;

use crate::actor::AdminScope;
use crate::audit::{self, AuditActor, Change};
use crate::one_time::{self, Purpose};
use crate::users::{self, UserStatus, UserView};
use crate::{Db, DomainError, DomainResult, Role, members, orgs, passwords, validate};

/// How long a setup link is valid.
pub const LINK_LIFETIME: Duration = Duration::hours(24);

/// What start-up did about the first administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// A platform administrator already exists.
    AdminExists,
    /// One was created from the environment.
    AdminCreated {
        /// Their e-mail.
        email: String,
    },
    /// None exists: open this link to create one.
    SetupLink {
        /// The full URL, printed in the log.
        url: String,
    },
}

/// Ensures the default organization exists and that a platform administrator exists or
/// can be created. Idempotent; a new setup link replaces older unused ones.
pub async fn bootstrap(
    db: &impl Db,
    admin_email: Option<&str>,
    admin_password: Option<&str>,
    base_url: &str,
) -> DomainResult<Bootstrap> {
    orgs::ensure_default(db).await?;
    if users::platform_admin_exists(db).await? {
        return Ok(Bootstrap::AdminExists);
    }
    if let (Some(email), Some(password)) = (admin_email, admin_password) {
        let user =
            create_platform_admin(db, email, "Administrator", password, &AuditActor::system("environment")).await?;
        return Ok(Bootstrap::AdminCreated { email: user.email });
    }
    let txn = db.begin_write().await?;
    one_time::invalidate(&txn, Purpose::Setup, None).await?;
    let token = one_time::issue(&txn, Purpose::Setup, None, LINK_LIFETIME).await?;
    txn.commit().await?;
    Ok(Bootstrap::SetupLink { url: format!("{base_url}/setup?token={token}") })
}

/// Creates an active platform administrator who is also org admin of `default`. An
/// existing account with that e-mail is refused (`email_taken`).
pub async fn create_platform_admin(
    db: &impl Db,
    email: &str,
    display_name: &str,
    password: &str,
    who: &AuditActor,
) -> DomainResult<UserView> {
    let checked_email = validate::email("email", email);
    let name = validate::name("display_name", display_name);
    let checked_password = passwords::validate("password", password, email);
    let (email, name) = match (checked_email, name, checked_password) {
        (Ok(email), Ok(name), Ok(())) => (email, name),
        (e, n, p) => return Err(validate::errors([e.err(), n.err(), p.err()])),
    };
    let hash = passwords::hash(password.to_owned()).await?;
    let txn = db.begin_write().await?;
    let default_org = orgs::ensure_default(&txn).await?;
    let user = users::insert(&txn, &email, &name, Some(hash), UserStatus::Active, true).await?;
    members::insert(&txn, default_org.id, user.id, Role::OrgAdmin).await?;
    let view = users::views(&txn, vec![user], &AdminScope::All).await?.remove(0);
    let change = Change {
        org_id: None,
        action: "user.create_platform_admin",
        target_type: "user",
        target_id: Some(view.id.to_string()),
        before: None,
        after: audit::snapshot(&view),
    };
    audit::record(&txn, who, change).await?;
    txn.commit().await?;
    Ok(view)
}

/// Input of the setup page.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SetupInput {
    /// The token from the setup link.
    pub token: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
}

/// Whether a setup link token is (still) usable.
pub async fn check_link(db: &impl Db, token: &str) -> DomainResult<()> {
    one_time::peek(db, Purpose::Setup, token).await.map(|_| ())
}

/// Creates the first platform administrator through the setup link (usable once, and
/// only while no administrator exists).
pub async fn complete(db: &impl Db, input: SetupInput, who: &AuditActor) -> DomainResult<UserView> {
    let txn = db.begin_write().await?;
    one_time::consume(&txn, Purpose::Setup, &input.token).await?;
    if users::platform_admin_exists(&txn).await? {
        return Err(DomainError::LinkUnusable { code: "link_used", message: "Portico is already set up.".into() });
    }
    let user = create_platform_admin(&txn, &input.email, &input.display_name, &input.password, who).await?;
    txn.commit().await?;
    Ok(user)
}
