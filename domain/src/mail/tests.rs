//! Delivery through a real SMTP conversation with a local test server (no SMTP server
//! can be reached from here; this one speaks the part of RFC 5321 lettre uses), and
//! retries when the server is unreachable.

use std::sync::{Arc, Mutex};

use sea_orm::EntityTrait;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::*;

/// Accepts SMTP sessions and records every message's DATA.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            store.lock().expect("lock").push(std::mem::take(body));
                            data = None;
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or_default().to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-test\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, received)
}

#[tokio::test]
async fn queued_mail_is_sent_through_smtp() {
    let db = migrations::testkit::fresh_database("domain::mail::queued_mail_is_sent_through_smtp").await;
    let (port, received) = smtp_server().await;
    let transport =
        MailTransport::smtp(&format!("smtp://127.0.0.1:{port}"), "Portico <portico@example.com>").expect("transport");
    enqueue(&db.conn, "alice@example.com", "Hello", "Verify: http://x/verify-email?token=abc".into())
        .await
        .expect("enqueue");
    assert_eq!(deliver_pending(&db.conn, &transport, 10).await.expect("deliver"), 1);
    let messages = received.lock().expect("lock").clone();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("To: alice@example.com"), "{}", messages[0]);
    assert!(messages[0].contains("Subject: Hello"));
    assert!(messages[0].contains("verify-email?token=abc"));
    let stored = mail::Entity::find().all(&db.conn).await.expect("query");
    assert_eq!(stored[0].delivered_via.as_deref(), Some("smtp"));
    assert_eq!(deliver_pending(&db.conn, &transport, 10).await.expect("deliver"), 0, "sent once only");
}

#[tokio::test]
async fn failed_deliveries_are_kept_and_retried() {
    let db = migrations::testkit::fresh_database("domain::mail::failed_deliveries_are_kept_and_retried").await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let down = MailTransport::smtp(&format!("smtp://127.0.0.1:{port}"), "portico@example.com").expect("transport");
    enqueue(&db.conn, "bob@example.com", "Hi", "body".into()).await.expect("enqueue");
    assert_eq!(deliver_pending(&db.conn, &down, 10).await.expect("pass"), 0);
    let stored = mail::Entity::find().one(&db.conn).await.expect("query").expect("row");
    assert_eq!((stored.attempts, stored.sent_at.is_none()), (1, true));
    assert!(stored.last_error.is_some());
    assert_eq!(deliver_pending(&db.conn, &MailTransport::Log, 10).await.expect("pass"), 1, "retried later");
}

#[test]
fn bad_smtp_settings_are_refused_at_start() {
    assert!(MailTransport::smtp("not a url", "portico@example.com").is_err());
    assert!(MailTransport::smtp("smtp://127.0.0.1:25", "not an address").is_err());
}
