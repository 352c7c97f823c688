//! Text bodies parsed as they arrive, over real HTTP on 127.0.0.1:0: a
//! large body sent in pieces that cut its lines is stored whole, and a
//! body cut short stores nothing.

mod common;

use std::net::SocketAddr;

use common::*;
use hestia_scrape::Health;
use tokio::io::AsyncWriteExt;

/// `n` series `m{i="…"}` with values `i / 4`, about 20 bytes a line.
fn body(n: usize) -> String {
    (0..n)
        .map(|i| format!("m{{i=\"{i:05}\"}} {}\n", i as f64 / 4.0))
        .collect()
}

/// Answers every connection with `head` and then `pieces`, one write
/// each, and closes it.
async fn raw_server(head: String, pieces: Vec<Vec<u8>>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let (head, pieces) = (head.clone(), pieces.clone());
            tokio::spawn(async move {
                // The request, read until it is whole enough to answer.
                let mut buf = [0u8; 4096];
                let _ = tokio::io::AsyncReadExt::read(&mut conn, &mut buf).await;
                let _ = conn.write_all(head.as_bytes()).await;
                for p in pieces {
                    let _ = conn.write_all(&p).await;
                    let _ = conn.flush().await;
                }
            });
        }
    });
    addr
}

const TEXT: &str = "Content-Type: text/plain; version=0.0.4\r\n";

#[tokio::test(start_paused = true)]
async fn a_chunked_body_cut_inside_lines_is_stored_whole() {
    let n = 5_000;
    let text = body(n);
    assert!(text.len() > 64 * 1024, "large enough to be streamed");
    // Chunks of 777 bytes: most cut a line somewhere.
    let pieces: Vec<Vec<u8>> = text
        .as_bytes()
        .chunks(777)
        .map(|c| [format!("{:x}\r\n", c.len()).as_bytes(), c, b"\r\n"].concat())
        .chain([b"0\r\n\r\n".to_vec()])
        .collect();
    let head = format!("HTTP/1.1 200 OK\r\n{TEXT}Transfer-Encoding: chunked\r\n\r\n");
    let addr = raw_server(head, pieces).await;
    let (m, storage) = manager();
    m.apply_config(&config_of(&[job_yaml("api", addr, "")]));
    scrapes(&m, 1).await;
    assert_eq!(only_target(&m).status.health, Health::Up);
    let stored = series(&storage, "m", &[]);
    assert_eq!(stored.len(), n);
    for (labels, samples) in stored {
        let i: usize = labels.get("i").unwrap().parse().unwrap();
        assert_eq!(values(&samples), [Some(i as f64 / 4.0)], "{labels:?}");
    }
    assert_eq!(
        values(&samples(&storage, "scrape_samples_scraped", &[])),
        [Some(n as f64)]
    );
}

#[tokio::test(start_paused = true)]
async fn a_body_cut_short_fails_the_scrape_and_stores_none_of_it() {
    let text = body(5_000);
    let half = text.len() / 2;
    let head = format!(
        "HTTP/1.1 200 OK\r\n{TEXT}Content-Length: {}\r\n\r\n",
        text.len()
    );
    let addr = raw_server(head, vec![text.as_bytes()[..half].to_vec()]).await;
    let (m, storage) = manager();
    m.apply_config(&config_of(&[job_yaml("api", addr, "")]));
    scrapes(&m, 1).await;
    let t = only_target(&m);
    assert_eq!(t.status.health, Health::Down);
    let error = t.status.last_error.unwrap();
    assert!(error.starts_with("Get \"http://"), "{error}");
    assert!(
        series(&storage, "m", &[]).is_empty(),
        "half a body is not stored"
    );
    assert_eq!(values(&samples(&storage, "up", &[])), [Some(0.0)]);
    assert_eq!(
        values(&samples(&storage, "scrape_samples_scraped", &[])),
        [Some(0.0)]
    );
}
