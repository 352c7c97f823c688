//! Hestia's scraper: finds targets, scrapes them and appends what they
//! expose through the storage contract ([`hestia_storage::Appendable`]),
//! never the TSDB directly.
//!
//! * [`target`]: targets from discovered label sets through
//!   `relabel_configs`, exactly as Prometheus builds them.
//! * [`ScrapeManager`]: applies a validated configuration, runs static,
//!   file and HTTP discovery per job and one loop per target; a reload
//!   keeps the loops (and series caches) of unchanged targets.
//! * Each loop (`scrape_loop`) scrapes at a stable offset within its
//!   interval with the target's timeout, negotiates the format with
//!   Prometheus' `Accept` header, takes gzip, enforces `body_size_limit`,
//!   authenticates and verifies TLS per the job's HTTP settings, parses the
//!   body with `hestia-expfmt`'s parsers (on the blocking pool for large
//!   bodies), and appends each scrape in one batch (`append`): target
//!   labels with `honor_labels` and `exported_*` renaming,
//!   `metric_relabel_configs`, `honor_timestamps`, the sample and label
//!   limits that fail a scrape, stale markers for series that disappear
//!   (and for all of them when the scrape fails or the target goes away),
//!   and the synthetic series `up`, `scrape_duration_seconds`,
//!   `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling`,
//!   `scrape_series_added` (plus the three extra ones when
//!   `extra_scrape_metrics` is set).
//! * [`TargetStatus`]: health, last error, last scrape time and duration,
//!   for the API.
//!
//! Time comes from a [`Clock`]; loops wait on tokio's timers, so tests run
//! with tokio's paused clock and get exact timestamps.
//!
//! ## HTTP client
//!
//! reqwest (already the workspace's HTTP client) with its `gzip` feature
//! and rustls: it decompresses while the body streams, so the body size
//! limit applies to decompressed bytes chunk by chunk and an oversized
//! body is abandoned early; it pools connections per job and maps
//! `tls_config` (CA, client certificate, `insecure_skip_verify`, TLS
//! versions) onto its builder. hyper-util alone would have meant writing
//! the pooling, TLS and decompression glue here.

mod append;
mod cache;
mod client;
mod clock;
mod discovery;
mod error;
mod manager;
mod pool;
mod scrape_loop;
pub mod target;

pub use append::Counts;
pub use cache::{Metadata, MetadataSnapshot, SeriesCache};
pub use client::{accept_header, format_for, Fetched, HttpClient, Streamed, USER_AGENT_VALUE};
pub use clock::Clock;
pub use error::Error;
pub use manager::{ScrapeManager, ScrapeOptions, TargetInfo};
pub use scrape_loop::{Health, TargetStatus};
pub use target::{populate_labels, targets_from_group, Populated, Target};

/// The append work of one successful scrape of a text 0.0.4 `body` at
/// `t`, with a job's default settings (`honor_timestamps`, no limits, no
/// metric relabelling): the samples, stale markers and the report series,
/// as a scrape loop appends them. For the benchmarks (`benches/`); not
/// part of the crate's API.
#[doc(hidden)]
pub fn append_text_scrape(
    app: &mut dyn hestia_storage::Appender,
    cache: &mut SeriesCache,
    target: &hestia_model::Labels,
    body: &[u8],
    t: i64,
) -> Result<Counts, Error> {
    let rules = append::Rules {
        honor_timestamps: true,
        ..append::Rules::default()
    };
    let (counts, result, _) = append::append_body(
        app,
        cache,
        target,
        &rules,
        append::Body::Whole(body, hestia_expfmt::Format::Text),
        t,
    );
    result?;
    let report = append::Report {
        up: true,
        duration_seconds: 0.01,
        counts,
        timeout_seconds: 5.0,
        body_bytes: body.len() as i64,
    };
    append::append_report(app, cache, target, &rules, t, Some(&report))?;
    Ok(counts)
}
