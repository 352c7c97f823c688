//! `hestia server`: the configuration, the TSDB, the scrape manager, the
//! rule manager, the PromQL engine and the HTTP API joined into one
//! process.
//!
//! [`Server::start`] binds the listener, loads `prometheus.yml` (or the
//! embedded default, which scrapes the server itself), opens the database
//! (replaying its WAL), starts scraping, rule evaluation, the HTTP server
//! and the maintenance loop (head cuts, compaction and retention every
//! minute). [`Server::reload`] re-reads the configuration file: a file that
//! fails to load, or names a rule file that fails to load, is refused
//! whole and the running configuration stays; a good one is applied to
//! the scrape manager (unchanged jobs keep their loops) and the rule
//! manager (unchanged groups keep their state). [`Server::shutdown`]
//! stops accepting requests, stops scraping and rules, and syncs the WAL.
//!
//! The binary owns flags and signals: it builds [`ServerOptions`] from
//! flags, calls `reload` on SIGHUP and `shutdown` on SIGTERM/SIGINT or
//! when [`Server::quit_requested`] fires (`POST /-/quit`).
//!
//! * [`config`]: loading and the embedded default configuration.
//! * [`providers`]: the API's views of the scrape manager, the TSDB and
//!   the process.
//! * [`rules`]: the rule groups and the Alertmanager notifier, reloaded
//!   with the configuration.
//! * [`routes`]: the router (API, `/metrics`, lifecycle endpoints).
//! * [`metrics`]: the server's own metrics.

pub mod config;
pub mod metrics;
pub mod providers;
pub mod routes;
pub mod rules;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hestia_config::Config;
use hestia_promql::{Engine, EngineOptions};
use hestia_scrape::{ScrapeManager, ScrapeOptions};
use hestia_storage::Appendable;
use hestia_tsdb::{Db, DbOptions};
use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Error;
use config::Loaded;
use metrics::ServerMetrics;
use rules::{RuleManager, RuleSettings};

/// Everything `hestia server` is told by its flags.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// `--config.file`; `None` runs the embedded default configuration
    /// (scrape the server itself every 15 s).
    pub config_file: Option<PathBuf>,
    /// `--storage.tsdb.path`.
    pub storage_path: PathBuf,
    /// `--storage.tsdb.retention.time`, milliseconds.
    pub retention_time_ms: Option<i64>,
    /// `--storage.tsdb.retention.size`, bytes.
    pub retention_size: Option<u64>,
    /// `--web.listen-address` (`host:port`; port 0 picks a free one).
    pub listen_address: String,
    /// `--web.external-url`; default `http://<host>:<port>`.
    pub external_url: Option<String>,
    /// `--web.enable-lifecycle`: `/-/reload` and `/-/quit`.
    pub enable_lifecycle: bool,
    /// `--web.enable-admin-api`: `/api/v1/admin/tsdb/*`.
    pub enable_admin_api: bool,
    /// `--query.*`.
    pub engine: EngineOptions,
    /// `--rules.*` and `--alertmanager.*`.
    pub rules: RuleSettings,
    /// Every flag with its value, for `/api/v1/status/flags`.
    pub flags: BTreeMap<String, String>,
    /// How often the head is cut and blocks compacted (1 minute).
    pub maintenance_interval: Duration,
}

impl Default for ServerOptions {
    /// Prometheus' defaults, with data in `./data` and the API on
    /// `localhost:9090`.
    fn default() -> ServerOptions {
        ServerOptions {
            config_file: None,
            storage_path: PathBuf::from("data"),
            retention_time_ms: Some(15 * 24 * 3_600_000),
            retention_size: None,
            listen_address: "localhost:9090".into(),
            external_url: None,
            enable_lifecycle: false,
            enable_admin_api: false,
            engine: EngineOptions::default(),
            rules: RuleSettings::default(),
            flags: BTreeMap::new(),
            maintenance_interval: Duration::from_secs(60),
        }
    }
}

/// The parts of a running server that handlers and reloads share.
pub struct Shared {
    /// The options it was started with.
    pub options: ServerOptions,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The external URL (`--web.external-url` or derived from `addr`),
    /// without a trailing slash.
    pub external_url: String,
    /// The database.
    pub db: Arc<Db>,
    /// The query engine (shared by the API and the rules).
    pub engine: Engine,
    /// The configuration in force.
    pub config: Mutex<Arc<Loaded>>,
    /// The scrape manager (taken at shutdown).
    scrape: Mutex<Option<Arc<ScrapeManager>>>,
    /// The rule manager.
    pub rules: RuleManager,
    /// The server's own metrics.
    pub metrics: ServerMetrics,
    /// Whether the last reload succeeded, and when the configuration was
    /// last loaded (milliseconds).
    reload_status: Mutex<(bool, i64)>,
    /// Serializes reloads.
    reload_lock: tokio::sync::Mutex<()>,
    /// Set by `/-/quit`.
    quit: watch::Sender<bool>,
    /// When the server started, milliseconds.
    pub start_time: i64,
}

impl Shared {
    /// The running scrape manager (none after shutdown began).
    pub fn scrape(&self) -> Option<Arc<ScrapeManager>> {
        self.scrape.lock().clone()
    }

    /// Whether the last reload succeeded and when the configuration was
    /// last loaded, milliseconds.
    pub fn reload_status(&self) -> (bool, i64) {
        *self.reload_status.lock()
    }

    /// Re-reads the configuration file and applies it (see the module
    /// docs). The error says what is wrong with the new file.
    pub async fn reload(&self) -> Result<(), Error> {
        let _serial = self.reload_lock.lock().await;
        let result = self.try_reload().await;
        let ok = result.is_ok();
        {
            let mut status = self.reload_status.lock();
            status.0 = ok;
            if ok {
                status.1 = hestia_model::timestamp::now();
            }
        }
        self.metrics.reloaded(ok);
        match &result {
            Ok(()) => tracing::info!("configuration reloaded"),
            Err(e) => tracing::error!("configuration reload failed, keeping the old one: {e}"),
        }
        result
    }

    async fn try_reload(&self) -> Result<(), Error> {
        let path = self.options.config_file.clone();
        let addr = self.addr;
        let loaded = tokio::task::spawn_blocking(move || config::load(path.as_deref(), addr))
            .await
            .map_err(|e| Error::Invalid(format!("loading the configuration: {e}")))??;
        // Load (and so validate) the rule files before changing anything.
        let groups = self.rules.load(&loaded.config, &self.external_url)?;
        // The rules first: they can still refuse the file (an `alerting`
        // section whose client cannot be built), before they change
        // anything; the scrape manager takes any validated configuration.
        self.rules.apply(&loaded.config, groups).await?;
        if let Some(scrape) = self.scrape() {
            scrape.apply_config(&loaded.config);
        }
        let window = millis(loaded.config.storage.tsdb.out_of_order_time_window);
        if window != self.db.options().out_of_order_window() {
            tracing::warn!(
                "storage.tsdb.out_of_order_time_window changed: it takes effect when the server restarts"
            );
        }
        // As Prometheus: subqueries without a step use the evaluation
        // interval of the configuration in force.
        self.engine
            .set_default_subquery_step(millis(loaded.config.global.evaluation_interval));
        *self.config.lock() = Arc::new(loaded);
        Ok(())
    }

    /// Asks the binary to stop (what `/-/quit` does).
    pub fn request_quit(&self) {
        let _ = self.quit.send(true);
    }
}

/// A running server.
pub struct Server {
    shared: Arc<Shared>,
    stop_http: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    maintenance: JoinHandle<()>,
    quit: watch::Receiver<bool>,
}

impl Server {
    /// Starts everything (see the module docs). Must run on a
    /// multi-threaded tokio runtime. Fails when the address cannot be
    /// bound, the configuration or a rule file does not load, or the
    /// database cannot be opened.
    pub async fn start(options: ServerOptions) -> Result<Server, Error> {
        let listener = tokio::net::TcpListener::bind(&options.listen_address)
            .await
            .map_err(|e| Error::io("binding", options.listen_address.clone(), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("binding", options.listen_address.clone(), e))?;
        // Without a trailing slash, as Prometheus keeps it: generator URLs
        // and `$externalURL` append paths to it.
        let external_url = options
            .external_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config::self_target(addr)))
            .trim_end_matches('/')
            .to_owned();

        let path = options.config_file.clone();
        let loaded = tokio::task::spawn_blocking(move || config::load(path.as_deref(), addr))
            .await
            .map_err(|e| Error::Invalid(format!("loading the configuration: {e}")))??;

        let db = open_db(&options, &loaded.config).await?;
        let engine = Engine::new(options.engine.clone());
        engine.set_default_subquery_step(millis(loaded.config.global.evaluation_interval));
        let metrics = ServerMetrics::new(&db)?;
        let scrape = Arc::new(ScrapeManager::new(
            db.clone() as Arc<dyn Appendable>,
            ScrapeOptions {
                offset_seed: offset_seed(&loaded.config),
                ..ScrapeOptions::default()
            },
        ));
        let rules = RuleManager::new(db.clone(), engine.clone(), options.rules);
        rules.register_metrics(&metrics.registry)?;
        let groups = rules.load(&loaded.config, &external_url)?;
        scrape.apply_config(&loaded.config);
        rules.apply(&loaded.config, groups).await?;
        metrics.reloaded(true);

        let (quit, quit_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            options,
            addr,
            external_url,
            db,
            engine,
            config: Mutex::new(Arc::new(loaded)),
            scrape: Mutex::new(Some(scrape)),
            rules,
            metrics,
            reload_status: Mutex::new((true, hestia_model::timestamp::now())),
            reload_lock: tokio::sync::Mutex::new(()),
            quit,
            start_time: hestia_model::timestamp::now(),
        });

        let (stop_http, mut stop_rx) = watch::channel(false);
        let app = routes::router(&shared);
        let http = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop_rx.wait_for(|s| *s).await;
                })
                .await
        });
        let maintenance = tokio::spawn(maintain(shared.clone()));
        tracing::info!(address = %addr, "server is ready to receive web requests");
        Ok(Server {
            shared,
            stop_http,
            http,
            maintenance,
            quit: quit_rx,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Re-reads and applies the configuration (see [`Shared::reload`]).
    pub async fn reload(&self) -> Result<(), Error> {
        self.shared.reload().await
    }

    /// Completes when `/-/quit` was called.
    pub async fn quit_requested(&mut self) {
        let _ = self.quit.wait_for(|q| *q).await;
    }

    /// Stops serving, scraping and evaluating, then syncs the database.
    pub async fn shutdown(self) -> Result<(), Error> {
        tracing::info!("stopping");
        let _ = self.stop_http.send(true);
        let scrape = self.shared.scrape.lock().take();
        if let Some(scrape) = scrape {
            // Requests in flight may still hold the manager; it stops all
            // the same.
            scrape.stop().await;
        }
        self.shared.rules.stop().await;
        self.maintenance.abort();
        let _ = self.maintenance.await;
        match self.http.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("HTTP server: {e}"),
            Err(e) => tracing::warn!("HTTP server task: {e}"),
        }
        let db = self.shared.db.clone();
        tokio::task::spawn_blocking(move || db.head().sync())
            .await
            .map_err(|e| Error::Invalid(format!("syncing the WAL: {e}")))??;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Opens the database with the flags' retention and the configuration's
/// storage settings, reporting what WAL replay repaired.
async fn open_db(options: &ServerOptions, config: &Config) -> Result<Arc<Db>, Error> {
    let db_opts = DbOptions {
        retention_time: options.retention_time_ms,
        retention_bytes: options.retention_size,
        ..DbOptions::default()
    }
    .with_out_of_order_window(millis(config.storage.tsdb.out_of_order_time_window));
    let dir = options.storage_path.clone();
    let started = std::time::Instant::now();
    let (db, report) = tokio::task::spawn_blocking(move || Db::open(&dir, db_opts))
        .await
        .map_err(|e| Error::Invalid(format!("opening the database: {e}")))??;
    let replay = &report.head.replay;
    tracing::info!(
        path = %options.storage_path.display(),
        seconds = started.elapsed().as_secs_f64(),
        blocks = report.blocks.len(),
        replayed_series = replay.series,
        replayed_samples = replay.samples,
        "TSDB opened"
    );
    if let Some(damage) = &report.head.repair.damage {
        tracing::warn!("WAL damage repaired: {damage:?}");
    }
    for dropped in &report.dropped {
        tracing::error!("block set aside as corrupt: {dropped}");
    }
    Ok(Arc::new(db))
}

/// Cuts the head and compacts blocks every `maintenance_interval`, on the
/// blocking pool; failures are logged and counted, never fatal.
async fn maintain(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(shared.options.maintenance_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let db = shared.db.clone();
        let started = std::time::Instant::now();
        match tokio::task::spawn_blocking(move || db.compact()).await {
            Ok(Ok(report)) => {
                shared.metrics.maintained(started.elapsed());
                if report != hestia_tsdb::CompactReport::default() {
                    tracing::info!("compaction: {report:?}");
                }
            }
            Ok(Err(e)) => {
                shared.metrics.maintained(started.elapsed());
                tracing::error!("compaction failed: {e}");
            }
            Err(e) => tracing::error!("compaction task: {e}"),
        }
    }
}

/// The scrape offset seed: FNV-1a of the external labels and the host
/// name, so two servers scraping the same targets spread differently
/// while one server keeps its offsets across restarts.
fn offset_seed(config: &Config) -> u64 {
    let mut bytes = Vec::new();
    for (n, v) in config.global.external_labels.iter() {
        bytes.extend_from_slice(n.as_bytes());
        bytes.push(0xff);
        bytes.extend_from_slice(v.as_bytes());
        bytes.push(0xff);
    }
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        bytes.extend_from_slice(host.trim().as_bytes());
    }
    fnv1a(&bytes)
}

/// A configuration duration in milliseconds.
pub(crate) fn millis(d: hestia_config::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// 64-bit FNV-1a.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
