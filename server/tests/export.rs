//! `portico export --environment E` writes the environment's snapshot — an API imported,
//! deployed and published through the product, with its keys — to a file a DB-less
//! `portico-gateway --config` serves: the file compiles at the gateway and knows the key.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::process::Command;

#[tokio::test]
async fn export_writes_a_file_the_gateway_serves() {
    let dir = std::env::temp_dir().join(format!("portico-export-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (url, _) = migrations::testkit::fresh_database_url("server::export", &dir).await;
    let db = server::db::open(&url, 2).await.unwrap();
    let published = support::publish::publish(&db, "/ka", "http://127.0.0.1:18480").await;

    let file = dir.join("gateway.yaml");
    let status = Command::new(env!("CARGO_BIN_EXE_portico"))
        .env_clear()
        .env("PORTICO_DATABASE_URL", &url)
        .env("PORTICO_DATA_DIR", &dir)
        .args(["export", "--environment", "production", "--output"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions()) & 0o777,
        0o600
    );
    let snapshot = gateway::spec::parse(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(snapshot.environment.as_deref(), Some("production"));
    let config = gateway::Config::compile(&snapshot).unwrap();
    assert!(config.credentials.find(published.key.as_bytes()).is_some(), "the exported file knows the key");
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&published.key), "but never in clear");
    match config.router.lookup(None, "/ka/100b", &http::Method::GET) {
        gateway::router::Lookup::Found(found) => assert_eq!(found.strip, 3, "default version at /ka"),
        _ => panic!("/ka/100b is routed"),
    }

    let unknown = Command::new(env!("CARGO_BIN_EXE_portico"))
        .env_clear()
        .env("PORTICO_DATABASE_URL", &url)
        .env("PORTICO_DATA_DIR", &dir)
        .args(["export", "--environment", "nowhere"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stdout).contains("no environment called `nowhere`"));
}
