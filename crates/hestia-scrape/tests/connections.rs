//! Scrape connections are not kept between scrapes (see `client.rs`: an
//! idle connection would keep its grown read buffer): a server that
//! leaves every connection open sees one connection per fetch.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hestia_config::Config;
use hestia_scrape::HttpClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Answers every request on every connection with a small exposition and
/// keeps the connection open for more; counts the connections accepted.
async fn keep_alive_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let body = "up 1\n";
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\n\
                     content-length: {}\r\n\r\n{body}",
                    body.len()
                );
                // One response per read: the requests are small GETs.
                while matches!(conn.read(&mut buf).await, Ok(n) if n > 0) {
                    if conn.write_all(response.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (url, accepted)
}

#[tokio::test]
async fn every_scrape_opens_its_own_connection() {
    let (url, accepted) = keep_alive_server().await;
    let config = Config::load_str("scrape_configs:\n  - job_name: a\n", "prometheus.yml").unwrap();
    let client = HttpClient::new(&config.scrape_configs[0].http, true).unwrap();
    let url = reqwest::Url::parse(&url).unwrap();
    for i in 1..=3 {
        let f = client
            .fetch(&url, Default::default(), Duration::from_secs(10), None, 0)
            .await
            .unwrap();
        assert_eq!(f.body, b"up 1\n");
        assert_eq!(accepted.load(Ordering::SeqCst), i, "fetch {i}");
    }
}
