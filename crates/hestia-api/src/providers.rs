//! What the API reads from the rest of the server, as traits the binary
//! implements (scrape manager, rule manager, TSDB, process) and tests
//! fake, and the plain data they return. The types serialize to
//! Prometheus' JSON field names; `Labels` become JSON objects through
//! [`labels_map`].
//!
//! Every provider is optional: without one, an endpoint answers with
//! empty data (`targets`, `rules`, `alerts`, `metadata`) or `unavailable`
//! (`status/tsdb`, `status/runtimeinfo`).

use std::collections::BTreeMap;

use hestia_model::Labels;
use serde::{Serialize, Serializer};

/// A label set as a JSON object.
pub type LabelMap = BTreeMap<String, String>;

/// `labels` as a [`LabelMap`].
pub fn labels_map(labels: &Labels) -> LabelMap {
    labels
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

/// `/api/v1/status/buildinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    /// The release, e.g. `0.1.0`.
    pub version: String,
    /// The source revision.
    pub revision: String,
    /// The source branch.
    pub branch: String,
    /// Who built it.
    pub build_user: String,
    /// When it was built.
    pub build_date: String,
    /// The toolchain (Prometheus names the Go version here).
    pub go_version: String,
}

impl Default for BuildInfo {
    /// This crate's version and nothing else known.
    fn default() -> BuildInfo {
        BuildInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            revision: String::new(),
            branch: String::new(),
            build_user: String::new(),
            build_date: String::new(),
            go_version: String::new(),
        }
    }
}

/// How a target's last scrape went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetHealth {
    /// Not scraped yet.
    #[default]
    Unknown,
    /// The last scrape succeeded.
    Up,
    /// The last scrape failed.
    Down,
}

/// One scraped target of `/api/v1/targets`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveTarget {
    /// The labels discovery gave, before relabelling.
    pub discovered_labels: LabelMap,
    /// The target's labels after relabelling.
    pub labels: LabelMap,
    /// The job.
    pub scrape_pool: String,
    /// What is scraped.
    pub scrape_url: String,
    /// The URL as seen from outside (usually the same).
    pub global_url: String,
    /// Why the last scrape failed; empty when it did not.
    pub last_error: String,
    /// When the last scrape started, milliseconds; `None` before the first
    /// (written as Go's zero time).
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_scrape: Option<i64>,
    /// How long the last scrape took, seconds.
    pub last_scrape_duration: f64,
    /// The last scrape's outcome.
    pub health: TargetHealth,
    /// The scrape interval, as configured (`15s`).
    pub scrape_interval: String,
    /// The scrape timeout, as configured (`10s`).
    pub scrape_timeout: String,
}

/// A target relabelling dropped.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DroppedTarget {
    /// The labels discovery gave.
    pub discovered_labels: LabelMap,
    /// The job.
    pub scrape_pool: String,
}

/// The scrape targets: the scrape manager implements it.
pub trait TargetsProvider: Send + Sync {
    /// Targets being scraped, sorted by pool then labels.
    fn active_targets(&self) -> Vec<ActiveTarget>;
    /// Targets dropped by relabelling.
    fn dropped_targets(&self) -> Vec<DroppedTarget>;
}

/// One rule of `/api/v1/rules`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// The record or alert name.
    pub name: String,
    /// The PromQL expression.
    pub query: String,
    /// Labels the rule adds.
    pub labels: LabelMap,
    /// `ok`, `err` or `unknown`.
    pub health: String,
    /// The last evaluation error; empty when none.
    pub last_error: String,
    /// Seconds the last evaluation took.
    pub evaluation_time: f64,
    /// When the rule was last evaluated, milliseconds.
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_evaluation: Option<i64>,
    /// `recording` or `alerting`.
    #[serde(rename = "type")]
    pub kind: String,
    /// For alerting rules: `inactive`, `pending` or `firing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// For alerting rules: the `for` duration, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// For alerting rules: the annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<LabelMap>,
    /// For alerting rules: the active alerts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Vec<Alert>>,
}

/// One active alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// The alert's labels.
    pub labels: LabelMap,
    /// Its expanded annotations.
    pub annotations: LabelMap,
    /// `pending` or `firing`.
    pub state: String,
    /// When it became active, milliseconds.
    #[serde(serialize_with = "rfc3339_opt")]
    pub active_at: Option<i64>,
    /// The value of the expression, as the API writes sample values.
    pub value: String,
}

/// One rule group of `/api/v1/rules`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleGroup {
    /// The group's name.
    pub name: String,
    /// The file it was loaded from.
    pub file: String,
    /// The rules, in order.
    pub rules: Vec<Rule>,
    /// The evaluation interval, seconds.
    pub interval: f64,
    /// Seconds the last evaluation took.
    pub evaluation_time: f64,
    /// When the group was last evaluated, milliseconds.
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_evaluation: Option<i64>,
}

/// The rules and their alerts: the rule manager implements it.
pub trait RulesProvider: Send + Sync {
    /// Every group, in file then group order.
    fn rule_groups(&self) -> Vec<RuleGroup>;
}

/// One metric's metadata for `/api/v1/metadata`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricMetadata {
    /// `counter`, `gauge`, `histogram`, `summary`, `unknown`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The help text.
    pub help: String,
    /// The unit, often empty.
    pub unit: String,
}

/// Metric metadata seen by scrapes.
pub trait MetadataProvider: Send + Sync {
    /// Metadata by metric name (only `metric` when given); each name's
    /// distinct entries.
    fn metadata(&self, metric: Option<&str>) -> BTreeMap<String, Vec<MetricMetadata>>;
}

/// `/api/v1/status/runtimeinfo`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeInfo {
    /// When the server started, milliseconds.
    #[serde(serialize_with = "rfc3339_opt")]
    pub start_time: Option<i64>,
    /// The working directory.
    #[serde(rename = "CWD")]
    pub cwd: String,
    /// Whether the last configuration reload succeeded.
    pub reload_config_success: bool,
    /// When the configuration was last loaded, milliseconds.
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_config_time: Option<i64>,
    /// Blocks set aside as corrupt.
    pub corruption_count: i64,
    /// Tasks running (Prometheus counts goroutines).
    pub goroutine_count: i64,
    /// Worker threads.
    #[serde(rename = "GOMAXPROCS")]
    pub gomaxprocs: i64,
    /// The retention, as configured (`15d`).
    pub storage_retention: String,
}

/// Something the server can report about itself.
pub trait RuntimeInfoProvider: Send + Sync {
    /// The current runtime information.
    fn runtime_info(&self) -> RuntimeInfo;
}

/// The head block's summary in `/api/v1/status/tsdb`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeadStats {
    /// Series in the head.
    pub num_series: u64,
    /// Distinct label pairs.
    pub num_label_pairs: u64,
    /// Chunks in the head.
    pub chunk_count: u64,
    /// The oldest sample, milliseconds.
    pub min_time: i64,
    /// The newest sample, milliseconds.
    pub max_time: i64,
}

/// One `{name, value}` entry of a TSDB statistics list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stat {
    /// The metric, label, or `label=value` pair.
    pub name: String,
    /// The count or bytes.
    pub value: u64,
}

/// `/api/v1/status/tsdb`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TsdbStats {
    /// The head's summary.
    pub head_stats: HeadStats,
    /// Series per metric name, largest first.
    pub series_count_by_metric_name: Vec<Stat>,
    /// Distinct values per label name, largest first.
    pub label_value_count_by_label_name: Vec<Stat>,
    /// Bytes of values per label name, largest first.
    pub memory_in_bytes_by_label_name: Vec<Stat>,
    /// Series per `label=value` pair, largest first.
    pub series_count_by_label_value_pair: Vec<Stat>,
}

/// The TSDB's statistics: the binary implements it over the head.
pub trait TsdbStatsProvider: Send + Sync {
    /// The statistics, each list cut to its `limit` largest entries.
    fn tsdb_stats(&self, limit: usize) -> TsdbStats;
}

/// The loaded configuration file's text, for `/api/v1/status/config`,
/// and its external labels, which `/federate` adds to every series.
pub trait ConfigProvider: Send + Sync {
    /// The configuration as YAML.
    fn config_yaml(&self) -> String;
    /// `global.external_labels` (none by default).
    fn external_labels(&self) -> Labels {
        Labels::default()
    }
}

/// The TSDB's maintenance operations, for the admin endpoints. The
/// binary gives one to the router only with `--web.enable-admin-api`.
/// Errors are messages for the `internal` error envelope.
pub trait AdminProvider: Send + Sync {
    /// Writes a snapshot (without the head's data when `skip_head`) and
    /// returns its directory's name under `<data>/snapshots/`.
    fn snapshot(&self, skip_head: bool) -> Result<String, String>;
    /// Deletes the samples in `[min_t, max_t]` (milliseconds, inclusive)
    /// of the series `matchers` select.
    fn delete_series(
        &self,
        matchers: &[hestia_model::Matcher],
        min_t: i64,
        max_t: i64,
    ) -> Result<(), String>;
    /// Removes deleted data from the blocks now.
    fn clean_tombstones(&self) -> Result<(), String>;
}

/// Milliseconds as RFC 3339 with nanosecond precision trimmed, as Go's
/// `time.Time` marshals; Go's zero time when absent.
pub fn rfc3339(t: Option<i64>) -> String {
    let Some(t) = t else {
        return "0001-01-01T00:00:00Z".into();
    };
    match chrono::DateTime::from_timestamp_millis(t) {
        Some(dt) => {
            let text = dt.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            // RFC3339Nano drops trailing zeros of the fraction, and the dot.
            let (head, _) = text.split_at(text.len() - 1);
            format!("{}Z", head.trim_end_matches('0').trim_end_matches('.'))
        }
        None => "0001-01-01T00:00:00Z".into(),
    }
}

fn rfc3339_opt<S: Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(rfc3339(None), "0001-01-01T00:00:00Z");
        assert_eq!(rfc3339(Some(1_700_000_000_000)), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(Some(1_700_000_000_250)), "2023-11-14T22:13:20.25Z");
    }
}
