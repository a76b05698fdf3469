//! The API catalog as the portal shows it: APIs in a portal state (published, prototyped
//! as "coming", deprecated) that the viewer may see — public ones to everyone, `org` ones
//! to members of the publishing organization, `roles` ones to members with one of the
//! listed built-in roles (holders of `apis_read` in the organization — its publishers —
//! and platform admins see all of theirs; members with a custom role see `roles` APIs
//! only when `custom` is listed).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::apis::{ApiView, Visibility};
use crate::entities::api;
use crate::lifecycle::ApiState;
use crate::{Actor, Db, DomainError, DomainResult, Permission};

/// Whether `viewer` may see `api` in the portal.
pub fn visible_to(api: &ApiView, viewer: Option<&Actor>) -> bool {
    if !api.state.in_portal() {
        return false;
    }
    let role = viewer.and_then(|v| v.role_in(api.org_id));
    match api.visibility {
        Visibility::Public => true,
        _ if viewer.is_some_and(|v| v.can(api.org_id, Permission::ApisRead)) => true,
        Visibility::Org => role.is_some(),
        Visibility::Roles => role.is_some_and(|r| api.visible_roles.contains(&r)),
    }
}

/// The portal's catalog for `viewer` (anonymous when `None`), by name.
pub async fn list(db: &impl Db, viewer: Option<&Actor>) -> DomainResult<Vec<ApiView>> {
    let states = [ApiState::Published, ApiState::Prototyped, ApiState::Deprecated].map(|s| s.as_str());
    let rows = api::Entity::find()
        .filter(api::Column::State.is_in(states))
        .order_by_asc(api::Column::Name)
        .order_by_asc(api::Column::ApiVersion)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let view = ApiView::from_row(row)?;
        if visible_to(&view, viewer) {
            out.push(view);
        }
    }
    Ok(out)
}

/// One API of the catalog; invisible ones are *not found*.
pub async fn find_visible(db: &impl Db, viewer: Option<&Actor>, id: Uuid) -> DomainResult<ApiView> {
    let row = api::Entity::find_by_id(id).one(db).await?.ok_or(DomainError::NotFound("api"))?;
    let view = ApiView::from_row(row)?;
    if visible_to(&view, viewer) { Ok(view) } else { Err(DomainError::NotFound("api")) }
}
