//! The `portico` binary as an operator runs it: accounts survive a restart (a real
//! database file or PostgreSQL database, a restarted process), an unreachable database
//! is one clear log line and a non-zero exit, SIGTERM lets in-flight requests finish,
//! unknown settings are refused, and `portico admin create` works.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Portico {
    child: Child,
}

fn command(database_url: &str, dir: &std::path::Path) -> (Command, SocketAddr) {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portico"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORTICO_DATABASE_URL", database_url)
        .env("PORTICO_DATA_DIR", dir)
        .env("PORTICO_SITE_ROOT", dir)
        .env("PORTICO_LISTEN", addr.to_string())
        .env("PORTICO_GATEWAY_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("PORTICO_GATEWAY_STATUS_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("PORTICO_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    (cmd, addr)
}

impl Portico {
    fn start(mut cmd: Command, addr: SocketAddr) -> Self {
        let child = cmd.spawn().expect("spawn portico");
        let portico = Self { child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while http(addr, "GET", "/readyz", &[], "").map(|r| r.0) != Some(200) {
            assert!(Instant::now() < deadline, "portico did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
        portico
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().unwrap();
        wait(&mut self.child, Duration::from_secs(30))
    }
}

fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "process did not exit in {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A minimal HTTP/1.1 call: (status, headers, body).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, String, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, head.to_owned(), body.to_owned()))
}

fn login(addr: SocketAddr, email: &str) -> (u16, String, String) {
    let body = format!(r#"{{"email":"{email}","password":"{PASSWORD}"}}"#);
    http(addr, "POST", "/api/auth/login", &[("Content-Type", "application/json")], &body).unwrap()
}

fn cookie_and_csrf(head: &str, body: &str) -> (String, String) {
    let cookie = head.lines().find_map(|l| l.strip_prefix("set-cookie: portico_session=")).unwrap();
    let cookie = format!("portico_session={}", cookie.split(';').next().unwrap());
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    (cookie, json["csrf_token"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn accounts_survive_a_restart() {
    let dir = tempdir();
    let (url, _) = migrations::testkit::fresh_database_url("server::process::accounts_survive_a_restart", &dir).await;
    let (mut cmd, addr) = command(&url, &dir);
    cmd.env("PORTICO_ADMIN_EMAIL", "root@example.com").env("PORTICO_ADMIN_PASSWORD", PASSWORD);
    let first = Portico::start(cmd, addr);
    let (status, head, body) = login(addr, "root@example.com");
    assert_eq!(status, 200, "{body}");
    let (cookie, csrf) = cookie_and_csrf(&head, &body);
    let user = r#"{"email":"kept@example.com","display_name":"Kept","password":"correct horse battery"}"#;
    let origin = format!("http://{addr}");
    let headers = [
        ("Content-Type", "application/json"),
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
        ("Origin", origin.as_str()),
    ];
    let (status, _, body) = http(addr, "POST", "/api/admin/v1/users", &headers, user).unwrap();
    assert_eq!(status, 201, "{body}");
    assert!(first.terminate().success());

    let (cmd, addr) = command(&url, &dir);
    let second = Portico::start(cmd, addr);
    assert_eq!(login(addr, "kept@example.com").0, 200, "the account created before the restart signs in");
    assert_eq!(login(addr, "root@example.com").0, 200);
    assert!(second.terminate().success());
}

#[test]
fn an_unreachable_database_is_one_clear_line_and_a_non_zero_exit() {
    let dir = tempdir();
    let url = format!("postgres://portico:secret@127.0.0.1:{}/portico", free_port());
    let (mut cmd, _) = command(&url, &dir);
    let mut child = cmd.spawn().unwrap();
    let status = wait(&mut child, Duration::from_secs(30));
    assert!(!status.success());
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let errors: Vec<&str> = out.lines().filter(|l| l.contains("\"ERROR\"")).collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(errors[0].contains("cannot connect to the database postgres://portico:***@127.0.0.1"), "{}", errors[0]);
    assert!(!out.contains("secret"), "the password is not logged");
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish() {
    let dir = tempdir();
    let (url, _) = migrations::testkit::fresh_database_url("server::process::sigterm_drains", &dir).await;
    let (cmd, addr) = command(&url, &dir);
    let portico = Portico::start(cmd, addr);
    let body = r#"{"email":"nobody@example.com","password":"wrong password!"}"#;
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body.as_bytes()[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill").arg("-TERM").arg(portico.child.id().to_string()).status().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let mut first_line = String::new();
    std::io::BufReader::new(&stream).read_line(&mut first_line).unwrap();
    assert!(first_line.starts_with("HTTP/1.1 401"), "the in-flight request was answered: {first_line:?}");
    let mut child = portico.child;
    assert!(wait(&mut child, Duration::from_secs(30)).success());
    assert!(TcpStream::connect(addr).is_err(), "no longer listening");
}

#[test]
fn unknown_settings_are_refused() {
    let dir = tempdir();
    let (mut cmd, _) = command("sqlite::memory:", &dir);
    cmd.env("PORTICO_LISTN", "127.0.0.1:1");
    let mut child = cmd.spawn().unwrap();
    let status = wait(&mut child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(2));
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(out.contains("unknown settings in the environment: PORTICO_LISTN"), "{out}");
}

#[tokio::test]
async fn an_unknown_gateway_environment_stops_start_up() {
    let dir = tempdir();
    let (url, _) = migrations::testkit::fresh_database_url("server::process::unknown_environment", &dir).await;
    let (mut cmd, _) = command(&url, &dir);
    cmd.env("PORTICO_GATEWAY_ENVIRONMENT", "nowhere");
    let mut child = cmd.spawn().unwrap();
    assert!(!wait(&mut child, Duration::from_secs(30)).success());
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(out.contains("environment `nowhere` does not exist"), "{out}");
}

#[tokio::test]
async fn admin_create_makes_a_platform_admin() {
    let dir = tempdir();
    let (url, _) = migrations::testkit::fresh_database_url("server::process::admin_create", &dir).await;
    let (mut cmd, addr) = command(&url, &dir);
    cmd.args(["admin", "create", "--email", "cli@example.com", "--password-stdin"]).stdin(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(wait(&mut child, Duration::from_secs(30)).success());
    let (mut cmd, _) = command(&url, &dir);
    cmd.env("PORTICO_LISTEN", addr.to_string());
    let portico = Portico::start(cmd, addr);
    let (status, head, body) = login(addr, "cli@example.com");
    assert_eq!(status, 200, "{body}");
    let (cookie, _) = cookie_and_csrf(&head, &body);
    let (status, _, me) = http(addr, "GET", "/api/me", &[("Cookie", cookie.as_str())], "").unwrap();
    assert_eq!(status, 200);
    assert!(me.contains("\"is_platform_admin\":true"), "{me}");
    assert!(portico.terminate().success());
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("portico-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
