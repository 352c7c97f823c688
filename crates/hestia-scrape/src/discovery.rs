//! Discovery sources of a job, each a tokio task reporting its complete
//! current list of target groups: file discovery (the configuration
//! crate's [`FileSdWatcher`], polled at its refresh interval, files read on
//! the blocking pool) and HTTP discovery (fetched every refresh interval
//! and read with [`hestia_config::http_sd::parse_response`]). A failed
//! refresh keeps the previous targets, as in Prometheus. `static_configs`
//! need no task: the manager sets them directly.

use std::time::Duration;

use hestia_config::file_sd::{FileSdConfig, FileSdWatcher};
use hestia_config::http_sd::{parse_response, HttpSdConfig};
use hestia_config::TargetGroup;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, USER_AGENT};
use tokio::sync::mpsc;

use crate::client::{HttpClient, USER_AGENT_VALUE};
use crate::{Clock, Error};

/// One report of a discovery source.
#[derive(Debug)]
pub(crate) struct Update {
    pub(crate) job: String,
    pub(crate) generation: u64,
    pub(crate) source: usize,
    pub(crate) groups: Vec<TargetGroup>,
}

/// Where a source reports: its job, the job's discovery generation and its
/// own index among the job's sources.
#[derive(Debug, Clone)]
pub(crate) struct Sink {
    pub(crate) tx: mpsc::UnboundedSender<Result<Update, Error>>,
    pub(crate) job: String,
    pub(crate) generation: u64,
    pub(crate) source: usize,
}

impl Sink {
    /// Sends; false once the manager is gone.
    fn send(&self, groups: Vec<TargetGroup>) -> bool {
        self.tx
            .send(Ok(Update {
                job: self.job.clone(),
                generation: self.generation,
                source: self.source,
                groups,
            }))
            .is_ok()
    }

    fn error(&self, e: Error) -> bool {
        self.tx.send(Err(e)).is_ok()
    }
}

/// Runs file discovery for `config` until the manager goes away.
pub(crate) async fn run_file_sd(config: FileSdConfig, clock: Clock, sink: Sink) {
    let every = config.refresh_interval.as_std();
    let mut watcher = Some(FileSdWatcher::new(config));
    loop {
        let now = clock.now_ms();
        let mut w = watcher
            .take()
            .expect("the watcher is put back after each poll");
        let (w, update) = match tokio::task::spawn_blocking(move || {
            let u = w.poll(now);
            let groups: Vec<TargetGroup> = w.groups().cloned().collect();
            (w, u.map(|u| (u.errors, groups)))
        })
        .await
        {
            Ok(r) => r,
            Err(_) => return,
        };
        watcher = Some(w);
        if let Some((errors, groups)) = update {
            for e in errors {
                if !sink.error(Error::Discovery(e.to_string())) {
                    return;
                }
            }
            if !sink.send(groups) {
                return;
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// Runs HTTP discovery for `config` until the manager goes away.
pub(crate) async fn run_http_sd(config: HttpSdConfig, sink: Sink) {
    let every = config.refresh_interval.as_std();
    let client = HttpClient::new(&config.http, true);
    let url = reqwest::Url::parse(&config.url);
    loop {
        let groups = match (&client, &url) {
            (Ok(c), Ok(u)) => fetch(c, u, &config.url, every).await,
            (Err(e), _) => Err(e.clone()),
            (_, Err(e)) => Err(Error::Discovery(format!("{}: {e}", config.url))),
        };
        let alive = match groups {
            Ok(g) => sink.send(g),
            Err(e) => sink.error(e),
        };
        if !alive {
            return;
        }
        tokio::time::sleep(every).await;
    }
}

async fn fetch(
    client: &HttpClient,
    url: &reqwest::Url,
    raw: &str,
    every: Duration,
) -> Result<Vec<TargetGroup>, Error> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    if let Ok(v) = HeaderValue::from_str(&every.as_secs_f64().to_string()) {
        headers.insert("X-Prometheus-Refresh-Interval-Seconds", v);
    }
    let f = client
        .fetch(url, headers, every, None, 0)
        .await
        .map_err(|e| match e {
            Error::Status(s) => {
                Error::Discovery(format!("http_sd {raw}: server returned HTTP status {s}"))
            }
            e => Error::Discovery(format!("http_sd {raw}: {e}")),
        })?;
    parse_response(raw, 200, f.content_type.as_deref(), &f.body)
        .map_err(|e| Error::Discovery(e.to_string()))
}
