//! The crate's error type: why a target could not be built, why a scrape
//! failed (the text becomes the target's last error, as in Prometheus'
//! targets page), or why an HTTP client or discovery source could not be
//! set up.

use std::time::Duration;

/// Everything that can go wrong while building targets or scraping them.
/// Messages follow Prometheus' where it has one, so that operators who
/// know its targets page read the same words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A discovered target could not become a scrape target (no address,
    /// an address with a path, a bad interval or timeout label, ...).
    #[error("{0}")]
    Target(String),
    /// The HTTP client could not be built from `tls_config` and friends,
    /// or a credentials file could not be read.
    #[error("{0}")]
    Client(String),
    /// The request failed (connection refused, TLS, redirect loop, a
    /// connection lost while the body arrived, ...).
    #[error("Get {url:?}: {message}")]
    Request {
        /// The scrape URL.
        url: String,
        /// What the client reported.
        message: String,
    },
    /// The target answered with a status other than 200.
    #[error("server returned HTTP status {0}")]
    Status(String),
    /// The scrape took longer than `scrape_timeout`.
    #[error("scrape timed out after {0:?}")]
    Timeout(Duration),
    /// The (decompressed) body is larger than `body_size_limit`.
    #[error("body size limit exceeded")]
    BodySizeLimit,
    /// The response's `Content-Type` names no format Hestia reads and no
    /// `fallback_scrape_protocol` is configured.
    #[error("{0}")]
    ContentType(String),
    /// The body is not a valid exposition; the message names the line and
    /// column (or byte offset for protobuf).
    #[error("parsing {format} exposition: {source}")]
    Parse {
        /// `text 0.0.4`, `OpenMetrics` or `protobuf`.
        format: &'static str,
        /// The parser's error, with its location.
        source: hestia_expfmt::ParseError,
    },
    /// More samples than `sample_limit` survived metric relabelling.
    #[error("sample limit exceeded")]
    SampleLimit,
    /// A series broke `label_limit`, `label_name_length_limit` or
    /// `label_value_length_limit`.
    #[error("{0}")]
    LabelLimit(String),
    /// Metric relabelling produced a series without `__name__`.
    #[error("missing metric name (__name__ label)")]
    NoMetricName,
    /// The job has more targets than `target_limit`.
    #[error("target_limit exceeded (number of targets: {targets}, limit: {limit})")]
    TargetLimit {
        /// Targets after relabelling.
        targets: usize,
        /// The configured limit.
        limit: u64,
    },
    /// The storage refused a sample for a reason that fails the scrape
    /// (not out-of-order or duplicate samples, which are only counted).
    #[error("append: {0}")]
    Append(hestia_storage::AppendError),
    /// The storage failed to commit the scrape's batch.
    #[error("commit: {0}")]
    Storage(String),
    /// A discovery source could not be read.
    #[error("{0}")]
    Discovery(String),
}

impl Error {
    /// Whether reading the response failed (rather than what it held):
    /// the request, its status, its time or its body size.
    pub fn is_fetch(&self) -> bool {
        matches!(
            self,
            Error::Request { .. } | Error::Status(_) | Error::Timeout(_) | Error::BodySizeLimit
        )
    }
}
