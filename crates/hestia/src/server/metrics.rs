//! The server's own metrics, served on its `/metrics` through
//! `hestia-instrument`: build information, configuration reloads, head
//! cuts and compactions, the process (CPU, memory, file descriptors), the
//! TSDB's own (`hestia_tsdb::metrics`), and HTTP requests by route and
//! status code. Names follow Prometheus' own with a `hestia_` prefix
//! (`prometheus_config_last_reload_successful` is
//! `hestia_config_last_reload_successful`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use hestia_instrument::{
    Counter, Family, Gauge, Histogram, Info, LabelSet, MetricGroup, ProcessCollector, Registry,
};
use hestia_tsdb::Db;

use crate::Error;

/// The metrics the server updates, and the registry serving them.
#[derive(Clone)]
pub struct ServerMetrics {
    /// Everything `/metrics` serves.
    pub registry: Registry,
    reload_ok: Gauge<i64>,
    reload_time: Gauge<f64>,
    reloads_total: Counter<u64>,
    reload_failures: Counter<u64>,
    maintenance_seconds: Histogram,
    /// Requests served, by route and status.
    pub http: HttpMetrics,
}

/// `{handler, code}`: the matched route (so as many values as routes) and
/// the status code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, LabelSet)]
pub struct HttpLabels {
    /// The route, e.g. `/api/v1/query`; `unmatched` for 404s.
    pub handler: String,
    /// The status code.
    pub code: u16,
}

/// The HTTP server's metrics (Prometheus' `prometheus_http_*`).
#[derive(Clone, MetricGroup)]
#[metrics(prefix = "hestia_http")]
pub struct HttpMetrics {
    /// Requests served, by route and status code.
    pub requests: Family<HttpLabels, Counter>,
    /// How long requests take, by route and status code.
    #[metric(unit = "seconds", buckets = [0.1, 0.2, 0.4, 1.0, 3.0, 8.0, 20.0, 60.0, 120.0])]
    pub request_duration: Family<HttpLabels, Histogram>,
}

/// Axum middleware recording every request in [`HttpMetrics`].
pub async fn record_request(
    State(metrics): State<HttpMetrics>,
    request: Request,
    next: Next,
) -> Response {
    let start = std::time::Instant::now();
    let handler = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let response = next.run(request).await;
    let labels = HttpLabels {
        handler,
        code: response.status().as_u16(),
    };
    metrics.requests.inc(&labels);
    metrics
        .request_duration
        .observe(&labels, start.elapsed().as_secs_f64());
    response
}

fn reg(e: hestia_instrument::Error) -> Error {
    Error::Invalid(format!("registering the server's metrics: {e}"))
}

impl ServerMetrics {
    /// The metrics of a server over `db`.
    pub fn new(db: &Arc<Db>) -> Result<ServerMetrics, Error> {
        let registry = Registry::new();
        let m = ServerMetrics {
            registry: registry.clone(),
            reload_ok: Gauge::new(),
            reload_time: Gauge::new(),
            reloads_total: Counter::new(),
            reload_failures: Counter::new(),
            maintenance_seconds: Histogram::new(
                hestia_instrument::buckets::exponential(0.01, 2.0, 14).map_err(reg)?,
            ),
            http: HttpMetrics::register(&registry).map_err(reg)?,
        };
        let info = Info::new([
            ("version", env!("CARGO_PKG_VERSION")),
            ("revision", option_env!("HESTIA_REVISION").unwrap_or("")),
            ("branch", option_env!("HESTIA_BRANCH").unwrap_or("")),
        ])
        .map_err(reg)?;
        registry
            .register("hestia_build", "Hestia's version.", info)
            .map_err(reg)?;
        registry
            .register(
                "hestia_config_last_reload_successful",
                "Whether the last configuration reload attempt was successful.",
                m.reload_ok.clone(),
            )
            .map_err(reg)?;
        registry
            .register(
                "hestia_config_last_reload_success_timestamp_seconds",
                "Timestamp of the last successful configuration reload.",
                m.reload_time.clone(),
            )
            .map_err(reg)?;
        registry
            .register(
                "hestia_config_reloads",
                "Configuration loads, the first included.",
                m.reloads_total.clone(),
            )
            .map_err(reg)?;
        registry
            .register(
                "hestia_config_reload_failures",
                "Configuration reloads refused.",
                m.reload_failures.clone(),
            )
            .map_err(reg)?;
        registry
            .register_with_unit(
                "hestia_tsdb_maintenance_duration",
                "How long a maintenance run (head cut, compactions, retention) takes.",
                "seconds",
                m.maintenance_seconds.clone(),
            )
            .map_err(reg)?;
        hestia_tsdb::metrics::register(db, &registry).map_err(reg)?;
        registry
            .register_collector(ProcessCollector::new())
            .map_err(reg)?;
        Ok(m)
    }

    /// Records a configuration load.
    pub fn reloaded(&self, ok: bool) {
        self.reloads_total.inc();
        self.reload_ok.set(i64::from(ok));
        if ok {
            self.reload_time
                .set(hestia_model::timestamp::now() as f64 / 1000.0);
        } else {
            self.reload_failures.inc();
        }
    }

    /// Records how long a maintenance run took (the TSDB counts runs
    /// and failures itself).
    pub fn maintained(&self, took: Duration) {
        self.maintenance_seconds.observe(took.as_secs_f64());
    }
}
