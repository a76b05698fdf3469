//! TLS with real sockets and certificates from a test CA (rcgen): upstream TLS (private
//! CA, SNI override, mutual TLS, HTTP/2 by ALPN) and the gateway's TLS listener
//! (certificates chosen by SNI, wildcards, the default certificate, ALPN, certificates
//! swapped with the configuration, handshake timeout, drain).
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use gateway::spec::{CertificateSpec, EndpointSpec, UpstreamTlsSpec};
use gateway::{ConfigStore, Gateway, GatewaySettings, Snapshot};
use http::{StatusCode, Version};
use support::tls::{Issued, TestCa, client_config, connect, served, server_config};
use support::{MockUpstream, TestGateway, get, snapshot};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const H1: &[&[u8]] = &[b"http/1.1"];
const H2_H1: &[&[u8]] = &[b"h2", b"http/1.1"];

/// An open API at `/a/v1` in front of `url`, with this upstream TLS.
fn api(url: &str, tls: Option<UpstreamTlsSpec>) -> Snapshot {
    let yaml = format!(
        "apis:\n  - {{ id: a, name: A, context: /a, version: v1, auth: none, upstream: {{ endpoints: [{{url: '{url}'}}] }} }}\n"
    );
    let mut snapshot = snapshot(&yaml);
    snapshot.apis[0].upstream.tls = tls;
    snapshot
}

/// Upstream TLS trusting `ca`, with the rest given.
fn trusting(ca: &TestCa, rest: UpstreamTlsSpec) -> Option<UpstreamTlsSpec> {
    Some(UpstreamTlsSpec { ca_pem: Some(ca.pem()), ..rest })
}

/// Status, error code and upstream name of `GET /a/v1/x` through a gateway on `snapshot`.
async fn through(snapshot: &Snapshot) -> (StatusCode, Option<String>, serde_json::Value) {
    let gw = TestGateway::start(snapshot).await;
    let (status, headers, body) = get(&gw.url("/a/v1/x"), &[]).await;
    if status != StatusCode::OK {
        assert_eq!(headers["content-type"], "application/json", "gateway errors are JSON");
        assert_eq!(body["request_id"].as_str(), headers["x-request-id"].to_str().ok());
    }
    (status, body["error"].as_str().map(str::to_owned), body)
}

#[tokio::test]
async fn a_private_ca_is_trusted_only_when_configured() {
    let ca = TestCa::new("Portico test CA");
    let upstream = MockUpstream::start_tls("private", server_config(&ca.issue(&["127.0.0.1"]), None, H1)).await;
    let (status, _, body) = through(&api(&upstream.url(), trusting(&ca, UpstreamTlsSpec::default()))).await;
    assert_eq!((status, body["upstream"].as_str()), (StatusCode::OK, Some("private")), "{body}");
    let (status, error, _) = through(&api(&upstream.url(), None)).await;
    assert_eq!((status, error.as_deref()), (StatusCode::BAD_GATEWAY, Some("upstream_unavailable")), "web roots only");
    let other_ca = TestCa::new("Another CA");
    let (status, error, _) = through(&api(&upstream.url(), trusting(&other_ca, UpstreamTlsSpec::default()))).await;
    assert_eq!((status, error.as_deref()), (StatusCode::BAD_GATEWAY, Some("upstream_unavailable")), "wrong CA");
    assert_eq!(upstream.hits.load(Ordering::Relaxed), 1, "no request crossed an untrusted connection");
}

#[tokio::test]
async fn the_sni_override_names_the_upstream_certificate() {
    let ca = TestCa::new("Portico test CA");
    let upstream = MockUpstream::start_tls("internal", server_config(&ca.issue(&["api.internal"]), None, H1)).await;
    assert!(upstream.url().starts_with("https://127.0.0.1:"));
    let sni = UpstreamTlsSpec { sni: Some("api.internal".into()), ..Default::default() };
    let (status, _, body) = through(&api(&upstream.url(), trusting(&ca, sni))).await;
    assert_eq!((status, body["upstream"].as_str()), (StatusCode::OK, Some("internal")), "{body}");
    let (status, error, _) = through(&api(&upstream.url(), trusting(&ca, UpstreamTlsSpec::default()))).await;
    assert_eq!(
        (status, error.as_deref()),
        (StatusCode::BAD_GATEWAY, Some("upstream_unavailable")),
        "the certificate is not valid for 127.0.0.1"
    );
}

#[tokio::test]
async fn mutual_tls_presents_the_client_certificate() {
    let ca = TestCa::new("Portico test CA");
    let config = server_config(&ca.issue(&["127.0.0.1"]), Some(&ca), H2_H1);
    let upstream = MockUpstream::start_tls("mtls", config).await;
    let client = ca.issue(&["gateway.portico.test"]);
    let mtls = UpstreamTlsSpec {
        client_cert_pem: Some(client.cert_pem.clone()),
        client_key_pem: Some(client.key_pem.clone()),
        ..Default::default()
    };
    let (status, _, body) = through(&api(&upstream.url(), trusting(&ca, mtls))).await;
    assert_eq!((status, body["upstream"].as_str()), (StatusCode::OK, Some("mtls")), "{body}");
    let (status, error, _) = through(&api(&upstream.url(), trusting(&ca, UpstreamTlsSpec::default()))).await;
    assert_eq!((status, error.as_deref()), (StatusCode::BAD_GATEWAY, Some("upstream_unavailable")));
    assert_eq!(upstream.hits.load(Ordering::Relaxed), 1, "the upstream served only the authenticated gateway");
}

#[tokio::test]
async fn tls_upstreams_get_http2_when_their_alpn_offers_it() {
    let ca = TestCa::new("Portico test CA");
    let cert = ca.issue(&["127.0.0.1"]);
    let h2 = MockUpstream::start_tls("h2", server_config(&cert, None, H2_H1)).await;
    let h1 = MockUpstream::start_tls("h1", server_config(&cert, None, H1)).await;
    for (upstream, version) in [(&h2, "HTTP/2.0"), (&h1, "HTTP/1.1")] {
        let gw = TestGateway::start(&api(&upstream.url(), trusting(&ca, UpstreamTlsSpec::default()))).await;
        for _ in 0..3 {
            let (status, _, body) = get(&gw.url("/a/v1/x"), &[]).await;
            assert_eq!((status, body["version"].as_str()), (StatusCode::OK, Some(version)), "{body}");
        }
    }
    assert!(h2.last().headers.contains_key("host"));
}

#[tokio::test]
async fn a_tls_handshake_that_never_ends_is_bounded_by_the_connect_timeout() {
    let ca = TestCa::new("Portico test CA");
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("https://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let mut snapshot = api(&silent_url, trusting(&ca, UpstreamTlsSpec::default()));
    snapshot.apis[0].upstream.timeouts.connect_ms = 300;
    let started = Instant::now();
    let (status, error, _) = through(&snapshot).await;
    assert_eq!((status, error.as_deref()), (StatusCode::BAD_GATEWAY, Some("upstream_unavailable")));
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let backup = MockUpstream::start_tls("backup", server_config(&ca.issue(&["127.0.0.1"]), None, H1)).await;
    snapshot.apis[0].upstream.backup = vec![EndpointSpec { url: backup.url(), weight: 1 }];
    let (status, _, body) = through(&snapshot).await;
    assert_eq!((status, body["upstream"].as_str()), (StatusCode::OK, Some("backup")), "then the next endpoint");
}

// --- The gateway's TLS listener -----------------------------------------------------

/// A certificate served for `hosts`.
fn certificate(hosts: &[&str], issued: &Issued) -> CertificateSpec {
    CertificateSpec {
        hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
        cert_pem: issued.cert_pem.clone(),
        key_pem: issued.key_pem.clone(),
    }
}

/// Settings with the TLS listener on a free port.
fn tls_settings() -> GatewaySettings {
    GatewaySettings { tls_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))), ..GatewaySettings::ephemeral() }
}

/// A gateway with a TLS listener serving `certificates`, in front of a plain upstream.
async fn tls_gateway(
    certificates: Vec<CertificateSpec>,
    settings: GatewaySettings,
) -> (TestGateway, Arc<MockUpstream>) {
    let upstream = MockUpstream::start("plain").await;
    let mut snapshot = api(&upstream.url(), None);
    snapshot.certificates = certificates;
    let gw = TestGateway::start_with(&snapshot, settings).await;
    (gw, upstream)
}

#[tokio::test]
async fn the_certificate_is_chosen_by_sni_and_requests_go_upstream_as_https() {
    let ca = TestCa::new("Portico test CA");
    let (a, wild) = (ca.issue(&["a.test"]), ca.issue(&["*.wild.test"]));
    let (gw, upstream) =
        tls_gateway(vec![certificate(&["a.test"], &a), certificate(&["*.wild.test"], &wild)], tls_settings()).await;
    let tls = gw.tls.expect("a TLS listener");
    let stream = connect(tls, "a.test", client_config(Some(&ca), H1)).await.expect("a verified handshake");
    assert_eq!(served(&stream), a.der);
    let (status, version, body) = support::tls::get(stream, "a.test", "/a/v1/x").await;
    assert_eq!((status, version, body["upstream"].as_str()), (StatusCode::OK, Version::HTTP_11, Some("plain")));
    let seen = upstream.last().headers;
    assert_eq!(seen["x-forwarded-proto"], "https");
    assert!(seen["forwarded"].to_str().unwrap().contains("proto=https"), "{seen:?}");
    let stream = connect(tls, "x.wild.test", client_config(Some(&ca), H1)).await.expect("the wildcard verifies");
    assert_eq!(served(&stream), wild.der);
    assert!(connect(tls, "a.b.wild.test", client_config(None, H1)).await.is_err(), "one label only, no default");
    let (status, _, _) = get(&gw.url("/a/v1/x"), &[]).await;
    assert_eq!(status, StatusCode::OK, "the plain listener still serves");
    assert_eq!(upstream.last().headers["x-forwarded-proto"], "http");
}

#[tokio::test]
async fn unknown_names_get_the_default_certificate_or_no_handshake() {
    let ca = TestCa::new("Portico test CA");
    let (a, default) = (ca.issue(&["a.test"]), ca.issue(&["gateway.test"]));
    let (gw, _) = tls_gateway(vec![certificate(&["a.test"], &a)], tls_settings()).await;
    let tls = gw.tls.unwrap();
    assert!(connect(tls, "other.test", client_config(None, H1)).await.is_err(), "an unknown name");
    assert!(connect(tls, "127.0.0.1", client_config(None, H1)).await.is_err(), "no SNI at all");
    let dir = std::env::temp_dir().join(format!("portico-tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_file, key_file) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_file, &default.cert_pem).unwrap();
    std::fs::write(&key_file, &default.key_pem).unwrap();
    let settings = GatewaySettings { tls_cert: Some(cert_file), tls_key: Some(key_file), ..tls_settings() };
    let (gw, _) = tls_gateway(vec![certificate(&["a.test"], &a)], settings).await;
    let tls = gw.tls.unwrap();
    for name in ["other.test", "127.0.0.1"] {
        let stream = connect(tls, name, client_config(None, H1)).await.expect("the default certificate");
        assert_eq!(served(&stream), default.der, "{name}");
        assert_eq!(support::tls::get(stream, name, "/a/v1/x").await.0, StatusCode::OK);
    }
    let stream = connect(tls, "a.test", client_config(Some(&ca), H1)).await.unwrap();
    assert_eq!(served(&stream), a.der, "a matching name still gets its own certificate");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn default_certificate_settings_are_checked_at_start_up() {
    let missing = std::env::temp_dir().join(format!("portico-missing-{}.pem", uuid::Uuid::new_v4()));
    let settings =
        GatewaySettings { tls_cert: Some(missing.clone()), tls_key: Some(missing.clone()), ..tls_settings() };
    let error = Gateway::new(settings, ConfigStore::new()).bind().await.err().expect("a missing file");
    assert!(error.contains(&missing.display().to_string()), "{error}");
    let settings = GatewaySettings { tls_cert: Some(missing), ..tls_settings() };
    let error = Gateway::new(settings, ConfigStore::new()).bind().await.err().expect("a certificate without a key");
    assert!(error.contains("PORTICO_GATEWAY_TLS_KEY"), "{error}");
    let bound = Gateway::new(GatewaySettings::ephemeral(), ConfigStore::new()).bind().await.unwrap();
    assert_eq!(bound.tls_addr, None, "no TLS listener unless asked for");
}

#[tokio::test]
async fn http2_is_negotiated_by_alpn_on_the_tls_listener() {
    let ca = TestCa::new("Portico test CA");
    let a = ca.issue(&["a.test"]);
    let (gw, upstream) = tls_gateway(vec![certificate(&["a.test"], &a)], tls_settings()).await;
    let tls = gw.tls.unwrap();
    for (alpn, version) in [(H2_H1, Version::HTTP_2), (H1, Version::HTTP_11), (&[][..], Version::HTTP_11)] {
        let stream = connect(tls, "a.test", client_config(Some(&ca), alpn)).await.unwrap();
        let (status, seen, body) = support::tls::get(stream, "a.test", "/a/v1/x").await;
        assert_eq!((status, seen), (StatusCode::OK, version), "{alpn:?}: {body}");
        assert_eq!(body["version"], "HTTP/1.1", "the upstream is spoken to in HTTP/1.1");
        assert_eq!(upstream.last().headers["x-forwarded-proto"], "https");
    }
}

#[tokio::test]
async fn a_new_configuration_brings_its_certificates_to_the_next_handshake() {
    let ca = TestCa::new("Portico test CA");
    let (old, new, b) = (ca.issue(&["a.test"]), ca.issue(&["a.test"]), ca.issue(&["b.test"]));
    let (gw, upstream) = tls_gateway(vec![certificate(&["a.test"], &old)], tls_settings()).await;
    let tls = gw.tls.unwrap();
    let kept = connect(tls, "a.test", client_config(Some(&ca), H1)).await.unwrap();
    assert_eq!(served(&kept), old.der);
    assert!(connect(tls, "b.test", client_config(None, H1)).await.is_err());
    let mut next = api(&upstream.url(), None);
    next.version = 2;
    next.certificates = vec![certificate(&["b.test"], &b), certificate(&["a.test"], &new)];
    gw.store.apply(&next).unwrap();
    let stream = connect(tls, "a.test", client_config(Some(&ca), H1)).await.unwrap();
    assert_eq!(served(&stream), new.der, "the renewed certificate, without a restart");
    let stream = connect(tls, "b.test", client_config(Some(&ca), H1)).await.unwrap();
    assert_eq!(served(&stream), b.der, "and the added one");
    assert_eq!(support::tls::get(kept, "a.test", "/a/v1/x").await.0, StatusCode::OK, "open connections go on");
    let mut broken = next.clone();
    broken.version = 3;
    broken.certificates[1].cert_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n".into();
    assert_eq!(gw.store.apply(&broken).unwrap_err().path, "certificates[1].cert_pem");
    let stream = connect(tls, "b.test", client_config(Some(&ca), H1)).await.unwrap();
    assert_eq!(served(&stream), b.der, "an invalid configuration never replaces the running one");
}

#[tokio::test]
async fn snapshot_certificates_are_hand_writable_and_hash_in_any_order() {
    let ca = TestCa::new("Portico test CA");
    let (a, b) = (ca.issue(&["a.test"]), ca.issue(&["b.test"]));
    let indent = |pem: &str| pem.lines().map(|l| format!("      {l}\n")).collect::<String>();
    let yaml = format!(
        "certificates:\n  - hosts: [a.test]\n    cert_pem: |\n{}    key_pem: |\n{}",
        indent(&a.cert_pem),
        indent(&a.key_pem)
    );
    let parsed = snapshot(&yaml);
    assert_eq!(parsed.certificates, vec![certificate(&["a.test"], &a)]);
    assert!(!format!("{:?}", parsed.certificates[0]).contains(&a.key_pem[40..80]), "keys are never printed");
    let one = Snapshot {
        certificates: vec![certificate(&["a.test"], &a), certificate(&["b.test"], &b)],
        ..Snapshot::default()
    };
    let mut other = one.clone();
    other.certificates.reverse();
    assert_eq!(gateway::config::hash(&one), gateway::config::hash(&other));
    let json = serde_json::to_string(&snapshot("apis: []\n")).unwrap();
    assert!(!json.contains("certificates"), "without certificates the JSON, and so every hash, is unchanged");
}

#[tokio::test]
async fn a_silent_tls_client_is_cut_off_after_the_header_timeout() {
    let ca = TestCa::new("Portico test CA");
    let a = ca.issue(&["a.test"]);
    let settings = GatewaySettings { header_timeout_ms: 300, ..tls_settings() };
    let (gw, _) = tls_gateway(vec![certificate(&["a.test"], &a)], settings).await;
    let tls = gw.tls.unwrap();
    // No handshake at all, then a handshake and no request.
    let mut silent = TcpStream::connect(tls).await.unwrap();
    let started = Instant::now();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut buffer)).await;
    assert!(read.is_ok() && started.elapsed() >= Duration::from_millis(250), "handshake timeout");
    let mut idle = connect(tls, "a.test", client_config(Some(&ca), H1)).await.unwrap();
    let started = Instant::now();
    let read = tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut buffer)).await;
    assert!(read.is_ok() && started.elapsed() >= Duration::from_millis(250), "header timeout after the handshake");
    let mut partial = connect(tls, "a.test", client_config(Some(&ca), H1)).await.unwrap();
    partial.write_all(b"GET /a/v1/x HTTP/1.1\r\nHost: a.test\r\n").await.unwrap();
    let read = tokio::time::timeout(Duration::from_secs(5), partial.read_to_end(&mut buffer)).await;
    assert!(read.is_ok(), "slow headers are cut off too");
}

#[tokio::test]
async fn shutdown_drains_tls_requests_in_flight() {
    let ca = TestCa::new("Portico test CA");
    let a = ca.issue(&["a.test"]);
    let upstream = MockUpstream::start("slow").await;
    upstream.delay_ms.store(400, Ordering::Relaxed);
    let store = ConfigStore::new();
    let mut snapshot = api(&upstream.url(), None);
    snapshot.certificates = vec![certificate(&["a.test"], &a)];
    store.apply(&snapshot).unwrap();
    let bound = Gateway::new(tls_settings(), store).bind().await.unwrap();
    let tls = bound.tls_addr.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bound.serve(async move {
        let _ = stopped.await;
    }));
    let stream = connect(tls, "a.test", client_config(Some(&ca), H2_H1)).await.unwrap();
    let request = tokio::spawn(support::tls::get(stream, "a.test", "/a/v1/x"));
    // A client that never starts its handshake does not hold the drain up (the header
    // timeout is 30 s).
    let _silent = TcpStream::connect(tls).await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let stopped_at = Instant::now();
    stop.send(()).unwrap();
    let (status, version, _) = request.await.unwrap();
    assert_eq!((status, version), (StatusCode::OK, Version::HTTP_2), "the request in flight finished");
    tokio::time::timeout(Duration::from_secs(10), server).await.expect("drained in time").unwrap();
    assert!(stopped_at.elapsed() < Duration::from_secs(5), "drained in {:?}", stopped_at.elapsed());
    assert!(TcpStream::connect(tls).await.is_err(), "the TLS listener is closed");
}
