//! `/api/portal/v1` — an application's credentials beyond API keys: its OAuth2 clients
//! (one per environment; the secret shown once), test tokens with chosen scopes, the
//! scopes it can ask for, clients of external key managers mapped to it, and basic-auth
//! credentials. Applications the caller may not use are 404.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::basic_credentials::{self, BasicCredentialView, NewBasicCredential};
use domain::key_managers;
use domain::oauth::clients::{self, ClientSettings, ClientView, CreatedClient, NewClient};
use domain::oauth::issue::{self, TokenResponse};
use domain::oauth::scopes::{self, ScopeInfo};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath, IfMatch, etag};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_clients, create_client))
        .routes(routes!(update_client, delete_client))
        .routes(routes!(regenerate_secret))
        .routes(routes!(list_scopes))
        .routes(routes!(create_test_token))
        .routes(routes!(list_external_clients, map_external_client))
        .routes(routes!(list_key_managers))
        .routes(routes!(list_basic_credentials, create_basic_credential))
        .routes(routes!(delete_basic_credential))
}

/// An application's OAuth2 clients.
#[utoipa::path(get, path = "/api/portal/v1/applications/{application_id}/oauth-clients", tag = "portal",
    params(("application_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<ClientView>), (status = 404, body = Problem)))]
async fn list_clients(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<ClientView>>> {
    Ok(Json(clients::list(&state.db, &actor, id).await?))
}

/// Creates the application's OAuth2 client for an environment; a confidential client's
/// secret is in the answer, this once.
#[utoipa::path(post, path = "/api/portal/v1/applications/{application_id}/oauth-clients", tag = "portal",
    params(("application_id" = Uuid, Path)), request_body = NewClient, security(("session" = []), ("token" = [])),
    responses((status = 201, body = CreatedClient), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`client_exists`"), (status = 422, body = Problem)))]
async fn create_client(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<NewClient>,
) -> ApiResult<impl IntoResponse> {
    let created = clients::create(&state.db, &actor, id, input).await?;
    Ok((StatusCode::CREATED, etag(created.client.etag), Json(created)))
}

/// Changes a client's grants, redirect URIs or token lifetimes (`If-Match` honoured).
#[utoipa::path(patch, path = "/api/portal/v1/oauth-clients/{client_id}", tag = "portal",
    params(("client_id" = Uuid, Path)), request_body = ClientSettings, security(("session" = []), ("token" = [])),
    responses((status = 200, body = ClientView), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update_client(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<ClientSettings>,
) -> ApiResult<impl IntoResponse> {
    let client = clients::update(&state.db, &actor, id, version, input).await?;
    Ok((etag(client.etag), Json(client)))
}

/// Deletes a client (or an external client's mapping); its tokens stop working.
#[utoipa::path(delete, path = "/api/portal/v1/oauth-clients/{client_id}", tag = "portal",
    params(("client_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_client(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    clients::delete(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives a confidential client a new secret (shown this once); the old one stops working.
#[utoipa::path(post, path = "/api/portal/v1/oauth-clients/{client_id}/secret", tag = "portal",
    params(("client_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = CreatedClient), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn regenerate_secret(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CreatedClient>> {
    Ok(Json(clients::regenerate_secret(&state.db, &actor, id).await?))
}

/// The scopes the application can ask for (defined by the APIs it is subscribed to).
#[utoipa::path(get, path = "/api/portal/v1/applications/{application_id}/scopes", tag = "portal",
    params(("application_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<ScopeInfo>), (status = 404, body = Problem)))]
async fn list_scopes(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<ScopeInfo>>> {
    Ok(Json(scopes::available(&state.db, &actor, id).await?))
}

/// A test token request.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct TestTokenInput {
    /// The environment (the application needs a client there).
    pub environment: String,
    /// Scopes to put in the token.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// Mints an access token for trying the application's APIs (caller's roles apply).
#[utoipa::path(post, path = "/api/portal/v1/applications/{application_id}/test-tokens", tag = "portal",
    params(("application_id" = Uuid, Path)), request_body = TestTokenInput, security(("session" = []), ("token" = [])),
    responses((status = 201, body = TokenResponse), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`no_client`"), (status = 422, body = Problem)))]
async fn create_test_token(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<TestTokenInput>,
) -> ApiResult<impl IntoResponse> {
    let token = issue::test_token(&state.db, &state.oauth, &actor, id, &input.environment, &input.scopes).await?;
    Ok((StatusCode::CREATED, Json(token)))
}

/// An external client mapped to the application.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExternalClient {
    /// The key manager issuing its tokens.
    pub key_manager_id: Uuid,
    /// The mapping.
    pub client: ClientView,
}

/// External key managers' clients mapped to the application.
#[utoipa::path(get, path = "/api/portal/v1/applications/{application_id}/external-clients", tag = "portal",
    params(("application_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<ExternalClient>), (status = 404, body = Problem)))]
async fn list_external_clients(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<ExternalClient>>> {
    let mapped = key_managers::mapped_clients(&state.db, &actor, id).await?;
    Ok(Json(mapped.into_iter().map(|(key_manager_id, client)| ExternalClient { key_manager_id, client }).collect()))
}

/// A client of an external key manager to map.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct MapClientInput {
    /// The key manager.
    pub key_manager_id: Uuid,
    /// The environment its tokens are for.
    pub environment: String,
    /// The client id the key manager puts in its tokens.
    pub client_id: String,
}

/// Maps a client registered in an external key manager to the application.
#[utoipa::path(post, path = "/api/portal/v1/applications/{application_id}/external-clients", tag = "portal",
    params(("application_id" = Uuid, Path)), request_body = MapClientInput, security(("session" = []), ("token" = [])),
    responses((status = 201, body = ClientView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn map_external_client(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<MapClientInput>,
) -> ApiResult<impl IntoResponse> {
    let client =
        key_managers::map_client(&state.db, &actor, id, input.key_manager_id, &input.environment, &input.client_id)
            .await?;
    Ok((StatusCode::CREATED, Json(client)))
}

/// A key manager consumers can map clients of.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyManagerChoice {
    pub id: Uuid,
    pub name: String,
    pub issuer: String,
}

/// The enabled external key managers.
#[utoipa::path(get, path = "/api/portal/v1/key-managers", tag = "portal", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<KeyManagerChoice>), (status = 401, body = Problem)))]
async fn list_key_managers(
    State(state): State<AppState>,
    CurrentActor(_): CurrentActor,
) -> ApiResult<Json<Vec<KeyManagerChoice>>> {
    let choices = key_managers::choices(&state.db).await?;
    Ok(Json(choices.into_iter().map(|(id, name, issuer)| KeyManagerChoice { id, name, issuer }).collect()))
}

/// The application's basic-auth credentials.
#[utoipa::path(get, path = "/api/portal/v1/applications/{application_id}/basic-credentials", tag = "portal",
    params(("application_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<BasicCredentialView>), (status = 404, body = Problem)))]
async fn list_basic_credentials(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<BasicCredentialView>>> {
    Ok(Json(basic_credentials::list(&state.db, &actor, id).await?))
}

/// Adds a basic-auth username and password (hashed with argon2id; never shown again).
#[utoipa::path(post, path = "/api/portal/v1/applications/{application_id}/basic-credentials", tag = "portal",
    params(("application_id" = Uuid, Path)), request_body = NewBasicCredential, security(("session" = []), ("token" = [])),
    responses((status = 201, body = BasicCredentialView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_basic_credential(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<NewBasicCredential>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(basic_credentials::create(&state.db, &actor, id, input).await?)))
}

/// Deletes a basic-auth credential.
#[utoipa::path(delete, path = "/api/portal/v1/basic-credentials/{credential_id}", tag = "portal",
    params(("credential_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_basic_credential(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    basic_credentials::delete(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
