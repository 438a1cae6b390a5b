//! A tiny HTTP server on 127.0.0.1 for the download tests: each path answers with a body, a
//! redirect, a 404, or a misbehaving reply (cut short, trickling, endless, lying about its size).

use std::io::{Read, Write};
use std::net::TcpListener;

/// What the test server answers on one path.
#[derive(Clone)]
pub enum Reply {
    Body(Vec<u8>),
    /// Claims `Content-Length` of the whole body but sends only the first `sent` bytes.
    CutShort {
        body: Vec<u8>,
        sent: usize,
    },
    Redirect(String),
    NotFound,
    /// Announces `length` bytes, then sends one byte per `every` (for at most 30 s).
    Trickle {
        length: u64,
        every: std::time::Duration,
    },
    /// A body with no `Content-Length` that never ends on its own: 64 KiB chunks, one per
    /// `every`, until the client hangs up (or 256 MiB / 30 s have gone, so the server stops).
    Endless {
        every: std::time::Duration,
    },
    /// Announces `length` bytes (typically absurd) and sends a few.
    Claims {
        length: u64,
    },
}

/// Hard bounds on what one slow reply may do, so no test can leave it running.
const SLOW_REPLY_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
const ENDLESS_BYTES_LIMIT: u64 = 256 * 1024 * 1024;

/// Writes one slow reply; stops at the first write error (the client went away).
fn write_slow(stream: &mut std::net::TcpStream, reply: &Reply) -> std::io::Result<()> {
    let started = std::time::Instant::now();
    match reply {
        Reply::Trickle { length, every } => {
            stream.write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )?;
            for _ in 0..*length {
                if started.elapsed() > SLOW_REPLY_LIMIT {
                    break;
                }
                stream.write_all(b"x")?;
                stream.flush()?;
                std::thread::sleep(*every);
            }
        }
        Reply::Endless { every } => {
            stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?;
            let chunk = vec![b'z'; 64 * 1024];
            let mut sent = 0u64;
            while sent < ENDLESS_BYTES_LIMIT && started.elapsed() < SLOW_REPLY_LIMIT {
                stream.write_all(&chunk)?;
                sent += chunk.len() as u64;
                std::thread::sleep(*every);
            }
        }
        Reply::Claims { length } => {
            stream.write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )?;
            stream.write_all(&[b'c'; 4096])?;
        }
        _ => {}
    }
    Ok(())
}

/// Serves `routes` on 127.0.0.1 from a background thread; returns `http://127.0.0.1:port`.
pub fn serve(routes: Vec<(&str, Reply)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let routes: Vec<(String, Reply)> = routes
        .into_iter()
        .map(|(p, r)| (p.to_string(), r))
        .collect();
    let routes = std::sync::Arc::new(routes);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let routes = routes.clone();
            // One thread per connection, so a slow reply does not hold up the next request.
            std::thread::spawn(move || answer(stream, &routes));
        }
    });
    base
}

fn answer(mut stream: std::net::TcpStream, routes: &[(String, Reply)]) {
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&req);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
    let reply = routes
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, r)| r.clone())
        .unwrap_or(Reply::NotFound);
    let _ = match reply {
        Reply::Body(body) => stream
            .write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                    .as_bytes(),
            )
            .and_then(|_| stream.write_all(&body)),
        Reply::CutShort { body, sent } => stream
            .write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                    .as_bytes(),
            )
            .and_then(|_| stream.write_all(&body[..sent])),
        Reply::Redirect(to) => stream.write_all(
            format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        ),
        Reply::NotFound => stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        ),
        slow => write_slow(&mut stream, &slow),
    };
    let _ = stream.flush();
}
