//! Session lifetimes: `sessions::resolve` ends a session idle for longer than the
//! policy's idle time, or older than its absolute lifetime however active (also when the
//! lifetime was shortened after sign-in), and extends a session in use no further than
//! its absolute end.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use chrono::{Duration, Utc};
use domain::DomainError;
use domain::actor::RequestOrigin;
use domain::entities::session;
use domain::sessions::{self, SessionPolicy};
use domain::throttle::LoginThrottle;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

async fn age(db: &sea_orm::DatabaseConnection, created_ago: Duration, seen_ago: Duration) {
    let row = session::Entity::find().one(db).await.unwrap().unwrap();
    let mut active: session::ActiveModel = row.into();
    active.created_at = Set(Utc::now() - created_ago);
    active.last_seen_at = Set(Utc::now() - seen_ago);
    active.update(db).await.unwrap();
}

#[tokio::test]
async fn sessions_end_when_idle_or_too_old_and_are_extended_while_used() {
    let w = support::world("domain::sessions::lifetimes").await;
    let db = &w.db.conn;
    let origin = RequestOrigin::default();
    let policy = SessionPolicy { idle: Duration::minutes(30), max: Duration::hours(8) };
    let throttle = LoginThrottle::in_process();
    let login = || sessions::login(db, &throttle, &policy, "root@example.com", support::PASSWORD, &origin, None);

    let fresh = login().await.unwrap();
    assert!(fresh.expires_at <= Utc::now() + Duration::minutes(30));
    age(db, Duration::hours(1), Duration::minutes(29)).await;
    let used = sessions::resolve(db, &policy, &fresh.secret, &origin).await.unwrap();
    let renewed = used.renewed_until.expect("a used session is extended");
    assert!(renewed > Utc::now() + Duration::minutes(29), "{renewed}");

    age(db, Duration::hours(1), Duration::minutes(31)).await;
    let idle = sessions::resolve(db, &policy, &fresh.secret, &origin).await;
    assert!(matches!(idle, Err(DomainError::SessionExpired)), "{idle:?}");
    assert!(session::Entity::find().one(db).await.unwrap().is_none(), "an ended session is deleted");

    let busy = login().await.unwrap();
    age(db, Duration::minutes(7 * 60 + 50), Duration::minutes(2)).await;
    let near_end = sessions::resolve(db, &policy, &busy.secret, &origin).await.unwrap();
    let capped = near_end.renewed_until.expect("extended");
    assert!(capped <= Utc::now() + Duration::minutes(11), "never past the absolute end: {capped}");
    age(db, Duration::hours(8), Duration::seconds(5)).await;
    let old = sessions::resolve(db, &policy, &busy.secret, &origin).await;
    assert!(matches!(old, Err(DomainError::SessionExpired)), "{old:?}");

    // A shortened lifetime applies to sessions that already exist.
    let kept = login().await.unwrap();
    age(db, Duration::hours(2), Duration::minutes(1)).await;
    assert!(sessions::resolve(db, &policy, &kept.secret, &origin).await.is_ok());
    let shorter = SessionPolicy { max: Duration::hours(1), ..policy };
    let cut = sessions::resolve(db, &shorter, &kept.secret, &origin).await;
    assert!(matches!(cut, Err(DomainError::SessionExpired)), "{cut:?}");
}
