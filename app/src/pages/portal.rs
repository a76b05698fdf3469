//! The public side: the portal landing page and the account journeys (sign-up,
//! e-mail verification, sign-in, password reset, invitations, first-admin setup).

mod accept_invitation;
mod card;
mod forgot_password;
mod landing;
mod login;
mod reset_password;
mod setup;
mod signup;
mod sso_buttons;
mod verify_email;

pub use accept_invitation::AcceptInvitation;
pub use forgot_password::ForgotPassword;
pub use landing::Landing;
pub use login::Login;
pub use reset_password::ResetPassword;
pub use setup::Setup;
pub use signup::Signup;
pub use verify_email::VerifyEmail;

mod applications;
mod catalog;
pub use application_detail::ApplicationDetail;
pub use applications::Applications;
pub use catalog::{Catalog, CatalogApi};
mod application_basic;
mod application_detail;
mod application_external;
mod application_keys;
mod application_oauth;
mod application_subscriptions;
mod application_tier;
mod application_usage;
mod catalog_api;
mod how_to_call;
mod key_forms;
mod subscribe;
