//! Pages of Portico's OAuth2 authorization server (the consent page).

mod consent;

pub use consent::ConsentPage;
