//! The `portico-gateway` binary runs the same server alone: status and proxy listeners on
//! the configured ports, JSON `no_route` answers, a clean exit on SIGTERM.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, response.split_once("\r\n\r\n")?.1.to_owned()))
}

#[test]
fn the_gateway_binary_serves_alone_and_stops_on_sigterm() {
    let (proxy, status) = (free_addr(), free_addr());
    let mut child = Command::new(env!("CARGO_BIN_EXE_portico-gateway"))
        .env("PORTICO_GATEWAY_LISTEN", proxy.to_string())
        .env("PORTICO_GATEWAY_STATUS_LISTEN", status.to_string())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(status, "/readyz").map(|r| r.0) != Some(200) {
        assert!(Instant::now() < deadline, "portico-gateway did not become ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, body) = get(proxy, "/petstore/v1/pets").unwrap();
    assert_eq!(code, 404);
    assert!(body.contains(r#""error":"no_route""#) && body.contains("request_id"), "{body}");
    Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "portico-gateway did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success());
}
