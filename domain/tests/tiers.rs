//! Tiers end to end in the domain: the seeded tiers reach the snapshot and are enforced
//! (Gold's 5,000 a minute on the subscription made with it); platform administrators
//! define, change and remove tiers with field errors for bad limits; a change bumps
//! every environment; org admins cannot; a tier in use cannot be removed.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use domain::tiers::{self, TierInput, TierLimits};
use domain::{DomainError, Role, environments, snapshots};
use gateway::spec::{RateSpec, TierSpec};

fn input(name: &str, rate_limit: Option<i64>) -> TierInput {
    TierInput {
        name: name.into(),
        description: String::new(),
        limits: TierLimits {
            rate_limit,
            rate_period_secs: 60,
            burst: None,
            quota_limit: None,
            quota_period: None,
            priority: 1,
            approximate: false,
        },
    }
}

#[tokio::test]
async fn tiers_are_defined_by_platform_admins_and_reach_every_gateway() {
    let w = support::world("tiers_lifecycle").await;
    let db = &w.db.conn;
    let snapshot = snapshots::build_named(db, "production").await.unwrap();
    let gold = snapshot.tiers.iter().find(|t| t.name == "Gold").expect("the seeded tiers are in the snapshot");
    assert_eq!(gold.rate, Some(RateSpec { limit: 5000, period_secs: 60, burst: None }));
    assert_eq!(gold.priority, 2);
    assert!(snapshot.tiers.iter().any(|t| t.name == "Unlimited" && t.rate.is_none()));

    let org = w.org("acme").await;
    let admin = w.member("admin@acme.test", org.id, Role::OrgAdmin).await;
    assert!(matches!(tiers::create(db, &admin, input("Mine", Some(1))).await, Err(DomainError::Forbidden)));

    let bad = tiers::create(db, &w.root, input("Zero", Some(0))).await.unwrap_err();
    assert!(matches!(bad, DomainError::Invalid(ref e) if e[0].field == "rate_limit"), "{bad:?}");
    let mut weekly = input("Weekly", Some(5));
    weekly.limits.quota_limit = Some(10);
    weekly.limits.quota_period = Some("week".into());
    let bad = tiers::create(db, &w.root, weekly).await.unwrap_err();
    assert!(matches!(bad, DomainError::Invalid(ref e) if e[0].field == "quota_period"), "{bad:?}");

    let before = environments::by_name(db, "sandbox").await.unwrap().config_version;
    let platinum = tiers::create(db, &w.root, input("Platinum", Some(20_000))).await.unwrap();
    assert!(environments::by_name(db, "sandbox").await.unwrap().config_version > before, "every environment");
    let duplicate = tiers::create(db, &w.root, input("Platinum", Some(1))).await.unwrap_err();
    assert!(matches!(duplicate, DomainError::Conflict { code: "tier_exists", .. }));

    let mut raised = input("Platinum", Some(30_000));
    raised.limits.burst = Some(100);
    tiers::update(db, &w.root, platinum.id, raised).await.unwrap();
    let snapshot = snapshots::build_named(db, "production").await.unwrap();
    let spec: &TierSpec = snapshot.tiers.iter().find(|t| t.name == "Platinum").unwrap();
    assert_eq!(spec.rate, Some(RateSpec { limit: 30_000, period_secs: 60, burst: Some(100) }));
    gateway::Config::compile(&snapshot).expect("the gateway accepts the tiers");
    let renamed = tiers::update(db, &w.root, platinum.id, input("Diamond", Some(1))).await.unwrap_err();
    assert!(matches!(renamed, DomainError::Invalid(ref e) if e[0].field == "name"));

    let gold_id = tiers::list(db).await.unwrap().into_iter().find(|t| t.name == "Gold").unwrap().id;
    tiers::delete(db, &w.root, platinum.id).await.unwrap();
    assert!(!tiers::exists(db, "Platinum").await.unwrap());
    // Gold is removable while no subscription uses it (publishing.rs: refused when one does).
    tiers::delete(db, &w.root, gold_id).await.unwrap();
    assert!(!tiers::exists(db, "Gold").await.unwrap());
}
