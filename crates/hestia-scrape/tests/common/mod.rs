//! Shared test helpers: real HTTP servers on 127.0.0.1:0 that stop when
//! their guard drops, a manager over `MemStorage` with a clock that
//! follows tokio's paused time, and lookups into what was stored.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hestia_config::Config;
use hestia_instrument::exporter::Exporter;
use hestia_instrument::{Family, Gauge, LabelSet, Registry};
use hestia_model::{Labels, Sample};
use hestia_scrape::{Clock, ScrapeManager, ScrapeOptions, TargetInfo};
use hestia_storage::MemStorage;
use tokio::sync::oneshot;

/// The wall-clock time the tests start at (ms).
pub const T0: i64 = 1_700_000_000_000;

/// A server that stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

/// Serves `router` on 127.0.0.1:0.
pub async fn serve(router: axum::Router) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Server { addr, _stop: tx }
}

/// Serves `registry` with hestia-instrument's exporter.
pub async fn exporter(registry: &Registry) -> Server {
    serve(Exporter::new(registry.clone()).router()).await
}

/// A manager over a fresh `MemStorage`, its clock at [`T0`] following
/// tokio's (paused) clock.
pub fn manager() -> (ScrapeManager, Arc<MemStorage>) {
    let (m, storage, _) = manager_and_clock();
    (m, storage)
}

/// [`manager`], with the clock it stamps samples with, so that a test
/// can move to a given sample time with [`advance_to`].
pub fn manager_and_clock() -> (ScrapeManager, Arc<MemStorage>, Clock) {
    let storage = Arc::new(MemStorage::new());
    let clock = Clock::tokio_at(T0);
    let options = ScrapeOptions {
        clock,
        offset_seed: 0,
    };
    (ScrapeManager::new(storage.clone(), options), storage, clock)
}

/// Parses a configuration, panicking with the error.
pub fn config(yaml: &str) -> Config {
    Config::load_str(yaml, "prometheus.yml").unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// One job scraping `addr` every 10s with `extra` appended to the job.
pub fn job_yaml(job: &str, addr: SocketAddr, extra: &str) -> String {
    format!(
        "  - job_name: {job}\n    scrape_interval: 10s\n    scrape_timeout: 5s\n    static_configs:\n      - targets: ['{addr}']\n{extra}"
    )
}

/// A whole configuration of the given jobs.
pub fn config_of(jobs: &[String]) -> Config {
    config(&format!("scrape_configs:\n{}", jobs.concat()))
}

/// Lets virtual time pass (and every task run meanwhile).
pub async fn advance(d: Duration) {
    tokio::time::sleep(d).await;
}

/// Lets virtual time pass until `clock` reads `t_ms` (and every task run
/// meanwhile); `t_ms` must not be in the past.
pub async fn advance_to(clock: &Clock, t_ms: i64) {
    let now = clock.now_ms();
    assert!(t_ms >= now, "{t_ms} is before now ({now})");
    advance(Duration::from_millis((t_ms - now) as u64)).await;
    assert_eq!(clock.now_ms(), t_ms);
}

/// Advances virtual time until `cond` holds, at most `limit`.
pub async fn until(limit: Duration, mut cond: impl FnMut() -> bool) {
    let step = Duration::from_millis(100);
    let mut waited = Duration::ZERO;
    while !cond() {
        assert!(waited < limit, "condition not met within {limit:?}");
        tokio::time::sleep(step).await;
        waited += step;
    }
}

/// Runs until the manager has scraped every target at least `n` times.
pub async fn scrapes(m: &ScrapeManager, n: u64) {
    until(Duration::from_secs(600), || {
        let t = m.targets();
        !t.is_empty() && t.iter().all(|t| t.status.scrapes >= n)
    })
    .await;
}

/// Runs until every target of `job` has been scraped `n` times.
pub async fn scrapes_of(m: &ScrapeManager, job: &str, n: u64) {
    until(Duration::from_secs(600), || {
        let t: Vec<TargetInfo> = m
            .targets()
            .into_iter()
            .filter(|t| t.scrape_pool == job)
            .collect();
        !t.is_empty() && t.iter().all(|t| t.status.scrapes >= n)
    })
    .await;
}

/// The one target of the manager.
pub fn only_target(m: &ScrapeManager) -> TargetInfo {
    let t = m.targets();
    assert_eq!(t.len(), 1, "{t:#?}");
    t.into_iter().next().unwrap()
}

/// The samples of the series named `name` whose labels include `with`.
pub fn series(
    storage: &MemStorage,
    name: &str,
    with: &[(&str, &str)],
) -> Vec<(Labels, Vec<Sample>)> {
    storage
        .dump()
        .into_iter()
        .filter(|(l, _)| {
            l.metric_name() == Some(name) && with.iter().all(|(n, v)| l.get(n) == Some(*v))
        })
        .collect()
}

/// The samples of the single series `name` (with `with`).
pub fn samples(storage: &MemStorage, name: &str, with: &[(&str, &str)]) -> Vec<Sample> {
    let s = series(storage, name, with);
    assert_eq!(s.len(), 1, "series {name} {with:?}: {s:#?}");
    s.into_iter().next().unwrap().1
}

/// The values of `samples`, stale markers as `None`.
pub fn values(samples: &[Sample]) -> Vec<Option<f64>> {
    samples
        .iter()
        .map(|s| (!s.is_stale()).then_some(s.v))
        .collect()
}

/// The label set of the `temperature` family.
#[derive(Clone, PartialEq, Eq, Hash, LabelSet)]
pub struct Key {
    pub key: String,
}

/// Registers `temperature{key}` in `registry` with `a` = 1.5 and
/// `b` = -2.25.
pub fn register_temperatures(registry: &Registry) -> Family<Key, Gauge<f64>> {
    let temps = Family::<Key, Gauge<f64>>::new();
    registry
        .register("temperature", "Temperatures.", temps.clone())
        .unwrap();
    temps.set(&Key { key: "a".into() }, 1.5);
    temps.set(&Key { key: "b".into() }, -2.25);
    temps
}
