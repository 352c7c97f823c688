//! `hestia server`: its flags (named like Prometheus'), logging, and the
//! signals (SIGHUP reloads; SIGINT and SIGTERM stop). The server itself
//! is `hestia::server`. Also `hestia query`, the client of its API.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use hestia::duration::format_duration;
use hestia::server::rules::RuleSettings;
use hestia::server::{Server, ServerOptions};
use hestia_promql::EngineOptions;
use hestia_rules::RestoreOptions;

use crate::duration;

/// The flags of `hestia server`.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The configuration file; without it the embedded default runs
    /// (scrape this server every 15 s).
    #[arg(long = "config.file", value_name = "FILE")]
    config_file: Option<PathBuf>,
    /// Where the database lives.
    #[arg(long = "storage.tsdb.path", default_value = "data/")]
    storage_path: PathBuf,
    /// How long to keep samples (default 15d when no size is given).
    #[arg(long = "storage.tsdb.retention.time", value_parser = duration)]
    retention_time: Option<i64>,
    /// The most bytes blocks may take (`512MB`, `10GiB`).
    #[arg(long = "storage.tsdb.retention.size", value_parser = byte_size)]
    retention_size: Option<u64>,
    /// Where the API and UI listen (`host:port`; port 0 for any).
    #[arg(long = "web.listen-address", default_value = "localhost:9090")]
    listen_address: String,
    /// The URL under which the server is reached from outside.
    #[arg(long = "web.external-url")]
    external_url: Option<String>,
    /// Enable shutdown and reload over HTTP (`/-/quit`, `/-/reload`).
    #[arg(long = "web.enable-lifecycle")]
    enable_lifecycle: bool,
    /// Enable the admin endpoints (`/api/v1/admin/tsdb/*`).
    #[arg(long = "web.enable-admin-api")]
    enable_admin_api: bool,
    /// The longest a query may run.
    #[arg(long = "query.timeout", default_value = "2m", value_parser = duration)]
    query_timeout: i64,
    /// The most queries run at once.
    #[arg(long = "query.max-concurrency", default_value_t = 20)]
    query_max_concurrency: usize,
    /// The most samples one query may hold in memory.
    #[arg(long = "query.max-samples", default_value_t = 50_000_000)]
    query_max_samples: u64,
    /// How far back an instant selector looks for a sample.
    #[arg(long = "query.lookback-delta", default_value = "5m", value_parser = duration)]
    lookback_delta: i64,
    /// The longest outage after which `for` state is still restored.
    #[arg(long = "rules.alert.for-outage-tolerance", default_value = "1h", value_parser = duration)]
    for_outage_tolerance: i64,
    /// The least time between restoring `for` state and firing.
    #[arg(long = "rules.alert.for-grace-period", default_value = "10m", value_parser = duration)]
    for_grace_period: i64,
    /// How often a firing alert is re-sent to Alertmanager.
    #[arg(long = "rules.alert.resend-delay", default_value = "1m", value_parser = duration)]
    resend_delay: i64,
    /// Alerts queued for Alertmanager at most.
    #[arg(
        long = "alertmanager.notification-queue-capacity",
        default_value_t = 10_000
    )]
    queue_capacity: usize,
    /// The least severe log level shown: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    log_level: tracing::Level,
}

fn byte_size(s: &str) -> Result<u64, String> {
    let size = hestia_config::ByteSize::parse(s).map_err(|e| e.to_string())?;
    size.limit().ok_or_else(|| "must be positive".to_string())
}

impl ServerArgs {
    fn options(&self) -> ServerOptions {
        let retention_time = match (self.retention_time, self.retention_size) {
            (None, None) => Some(15 * 24 * 3_600_000),
            (t, _) => t,
        };
        let flags: BTreeMap<String, String> = [
            (
                "config.file",
                self.config_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
            ("storage.tsdb.path", self.storage_path.display().to_string()),
            (
                "storage.tsdb.retention.time",
                retention_time.map(format_duration).unwrap_or("0s".into()),
            ),
            (
                "storage.tsdb.retention.size",
                self.retention_size
                    .map(|b| format!("{b}B"))
                    .unwrap_or("0B".into()),
            ),
            ("web.listen-address", self.listen_address.clone()),
            (
                "web.external-url",
                self.external_url.clone().unwrap_or_default(),
            ),
            ("web.enable-lifecycle", self.enable_lifecycle.to_string()),
            ("web.enable-admin-api", self.enable_admin_api.to_string()),
            ("query.timeout", format_duration(self.query_timeout)),
            (
                "query.max-concurrency",
                self.query_max_concurrency.to_string(),
            ),
            ("query.max-samples", self.query_max_samples.to_string()),
            ("query.lookback-delta", format_duration(self.lookback_delta)),
            (
                "rules.alert.for-outage-tolerance",
                format_duration(self.for_outage_tolerance),
            ),
            (
                "rules.alert.for-grace-period",
                format_duration(self.for_grace_period),
            ),
            (
                "rules.alert.resend-delay",
                format_duration(self.resend_delay),
            ),
            (
                "alertmanager.notification-queue-capacity",
                self.queue_capacity.to_string(),
            ),
            ("log.level", self.log_level.to_string().to_lowercase()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        ServerOptions {
            config_file: self.config_file.clone(),
            storage_path: self.storage_path.clone(),
            retention_time_ms: retention_time,
            retention_size: self.retention_size,
            listen_address: self.listen_address.clone(),
            external_url: self.external_url.clone(),
            enable_lifecycle: self.enable_lifecycle,
            enable_admin_api: self.enable_admin_api,
            engine: EngineOptions {
                lookback_delta_ms: self.lookback_delta,
                max_samples: self.query_max_samples,
                timeout: Some(Duration::from_millis(self.query_timeout.unsigned_abs())),
                max_concurrent_queries: self.query_max_concurrency,
                ..EngineOptions::default()
            },
            rules: RuleSettings {
                restore: RestoreOptions {
                    outage_tolerance_ms: self.for_outage_tolerance,
                    for_grace_period_ms: self.for_grace_period,
                },
                resend_delay_ms: self.resend_delay,
                queue_capacity: self.queue_capacity,
            },
            flags,
            ..ServerOptions::default()
        }
    }
}

/// Runs the server until SIGINT, SIGTERM or `/-/quit`.
pub fn run(args: ServerArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_max_level(args.log_level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    crate::malloc::tune();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("hestia")
        .build()
        .context("starting the runtime")?;
    runtime.block_on(serve(args.options()))
}

async fn serve(options: ServerOptions) -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut server = Server::start(options)
        .await
        .context("starting the server")?;
    // Tests and scripts read the bound address from this line.
    eprintln!("hestia: listening on {}", server.local_addr());
    loop {
        tokio::select! {
            _ = hup.recv() => {
                // The outcome is logged and shown by the reload metrics.
                let _ = server.reload().await;
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = server.quit_requested() => break,
        }
    }
    server.shutdown().await.context("stopping the server")
}

/// `hestia query`.
#[derive(Debug, Subcommand)]
pub enum Query {
    /// An instant query (`/api/v1/query`).
    Instant {
        /// The server, e.g. `http://localhost:9090`.
        url: String,
        /// The PromQL expression.
        expr: String,
        /// The evaluation time (Unix seconds or RFC 3339; default now).
        #[arg(long)]
        time: Option<String>,
    },
    /// A range query (`/api/v1/query_range`).
    Range {
        /// The server, e.g. `http://localhost:9090`.
        url: String,
        /// The PromQL expression.
        expr: String,
        /// The first evaluation time (Unix seconds or RFC 3339).
        #[arg(long)]
        start: String,
        /// The last evaluation time (Unix seconds or RFC 3339).
        #[arg(long)]
        end: String,
        /// The step between evaluations (`15s`, or seconds).
        #[arg(long, default_value = "15s")]
        step: String,
    },
}

/// Sends the query as a form POST and prints the answer as a table.
pub fn query(q: Query) -> Result<()> {
    let (url, form) = match q {
        Query::Instant { url, expr, time } => {
            let mut form = vec![("query", expr)];
            form.extend(time.map(|t| ("time", t)));
            (format!("{}/api/v1/query", url.trim_end_matches('/')), form)
        }
        Query::Range {
            url,
            expr,
            start,
            end,
            step,
        } => (
            format!("{}/api/v1/query_range", url.trim_end_matches('/')),
            vec![
                ("query", expr),
                ("start", start),
                ("end", end),
                ("step", step),
            ],
        ),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let body = runtime.block_on(async {
        reqwest::Client::new()
            .post(&url)
            .form(&form)
            .send()
            .await
            .with_context(|| format!("asking {url}"))?
            .text()
            .await
            .with_context(|| format!("reading the answer of {url}"))
    })?;
    print!("{}", hestia::query::render(&body)?);
    Ok(())
}
