//! The queries sent to both servers: every PromQL expression of the seed
//! guides (fenced `promql` blocks and alert rules' `expr:`) whose metric
//! names the targets serve, read from `shared/seeds/*.txt` at run time,
//! then Hestia's own list covering the functions, operators and modifiers
//! the seeds do not use.

use std::collections::BTreeSet;
use std::path::PathBuf;

/// The seeds directory (`shared/seeds`, beside the workspace).
fn seeds_dir() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    assert!(
        path.is_dir(),
        "{} not found: the shared checkout must be beside the workspace root",
        path.display()
    );
    path
}

fn depth(s: &str) -> i64 {
    s.chars()
        .map(|c| match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        })
        .sum()
}

/// Whether `next` continues the expression `cur` (open parentheses, a
/// trailing or leading operator, a trailing `by`/`without` clause).
fn continues(cur: &[String], next: &str) -> bool {
    let Some(last) = cur.last() else {
        return false;
    };
    let joined = cur.join(" ");
    depth(&joined) > 0
        || last.ends_with(['/', '*', '+', '-', '(', ','])
        || next.starts_with(['/', '*', '+', '-', ')'])
        || ["and ", "or ", "unless ", "by ", "by(", "without"]
            .iter()
            .any(|k| next.starts_with(k))
}

/// Drops a trailing `  # comment`.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for i in 1..bytes.len() {
        if bytes[i] == b'#' && bytes[i - 1].is_ascii_whitespace() {
            return &line[..i];
        }
    }
    line
}

/// The PromQL expressions of one seed guide, in order.
fn expressions(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim().starts_with("```promql") {
            let mut cur: Vec<String> = Vec::new();
            i += 1;
            while i < lines.len() && lines[i].trim() != "```" {
                let raw = lines[i].trim();
                let line = if raw.starts_with('#') {
                    ""
                } else {
                    strip_comment(raw).trim()
                };
                if line.is_empty() {
                    if !cur.is_empty() {
                        out.push(cur.join(" "));
                        cur.clear();
                    }
                } else {
                    if !cur.is_empty() && !continues(&cur, line) {
                        out.push(cur.join(" "));
                        cur.clear();
                    }
                    cur.push(line.to_string());
                }
                i += 1;
            }
            if !cur.is_empty() {
                out.push(cur.join(" "));
            }
        } else if let Some(rest) = lines[i]
            .trim_start()
            .trim_start_matches("- ")
            .strip_prefix("expr:")
        {
            let rest = rest.trim();
            if rest == "|" || rest == ">" {
                let mut cur = Vec::new();
                let mut indent = None;
                while i + 1 < lines.len() {
                    let next = lines[i + 1];
                    let k = next.len() - next.trim_start().len();
                    if next.trim().is_empty() || indent.is_some_and(|d| k < d) {
                        break;
                    }
                    indent.get_or_insert(k);
                    cur.push(next.trim().to_string());
                    i += 1;
                }
                out.push(cur.join(" "));
            } else {
                out.push(rest.to_string());
            }
        }
        i += 1;
    }
    out
}

/// Every PromQL expression of the seed guides, deduplicated, in order.
pub fn seed_expressions() -> Vec<String> {
    let dir = seeds_dir();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for path in files {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        for e in expressions(&text) {
            if seen.insert(e.clone()) {
                out.push(e);
            }
        }
    }
    out
}

/// The metric names an expression selects by name (not `{__name__=…}`).
pub fn metric_names(expr: &str) -> Vec<String> {
    const SKIP_LIST: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    const OPERATORS: &[&str] = &[
        "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
    ];
    let chars: Vec<char> = expr.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    let skip_to = |i: &mut usize, close: char| {
        let mut quote = None;
        while *i < chars.len() {
            let c = chars[*i];
            match quote {
                Some(_) if c == '\\' => *i += 1,
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' || c == '`' => quote = Some(c),
                None if c == close => break,
                None => {}
            }
            *i += 1;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '{' {
            skip_to(&mut i, '}');
            i += 1;
        } else if c == '[' {
            skip_to(&mut i, ']');
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            let ident: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            let next = chars.get(j).copied();
            let next_word: String = chars[j..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .collect();
            if SKIP_LIST.contains(&ident.as_str()) {
                if next == Some('(') {
                    i = j;
                    skip_to(&mut i, ')');
                    i += 1;
                }
            } else if OPERATORS.contains(&ident.to_ascii_lowercase().as_str())
                || next == Some('(')
                || next_word == "by"
                || next_word == "without"
            {
                // An operator, keyword, function or aggregation.
            } else {
                names.push(ident);
            }
        } else {
            i += 1;
        }
    }
    names
}

/// The seed expressions that name only served metrics, and the others;
/// panics when one of Hestia's own queries names an unserved metric.
pub fn applicable() -> (Vec<String>, Vec<String>) {
    let served = crate::target::metric_names();
    let serves = |n: &String| served.binary_search(n).is_ok();
    for expr in OWN {
        let unknown: Vec<String> = metric_names(expr)
            .into_iter()
            .filter(|n| !serves(n) && n != "nonexistent_metric")
            .collect();
        assert!(
            unknown.is_empty(),
            "`{expr}` names unserved metrics {unknown:?}"
        );
    }
    seed_expressions()
        .into_iter()
        .partition(|e| metric_names(e).iter().all(serves))
}

/// Hestia's own queries. `{T}` stands for an `@` time inside the window.
/// Queries with `holt_winters` go to Hestia as
/// `double_exponential_smoothing` (Prometheus 3's name).
pub const OWN: &[&str] = &[
    // Rates and friends, on counters with and without a reset.
    "rate(allsource_http_requests_total[1m])",
    "irate(allsource_http_requests_total[30s])",
    "increase(lynex_cost_usd_total[2m])",
    "increase(lynex_cost_usd_total[17s])",
    "rate(backfiller_repos_processed_total[2m])",
    "increase(backfiller_repos_processed_total[90s])",
    "irate(backfiller_repos_processed_total[1m])",
    "resets(backfiller_repos_processed_total[3m])",
    "resets(lynex_cost_usd_total[3m])",
    "changes(ingester_backpressure_active[3m])",
    "changes(allsource_wal_segments_total[1m])",
    "delta(lynex_event_queue_depth[2m])",
    "idelta(lynex_event_queue_depth[1m])",
    "deriv(allsource_storage_size_bytes[2m])",
    "deriv(lynex_ui_query_latency_seconds[1m])",
    "predict_linear(allsource_storage_size_bytes[2m], 3600)",
    "predict_linear(lynex_event_queue_depth[90s], 600)",
    // Aggregations.
    "sum without (status) (rate(allsource_http_requests_total[2m]))",
    "avg by (method) (rate(allsource_http_requests_total[2m]))",
    "min by (endpoint) (rate(allsource_http_requests_total[2m]))",
    "max without (instance) (streamhouse_consumer_lag)",
    "count by (topic) (streamhouse_consumer_lag)",
    "stddev by (endpoint) (rate(allsource_http_requests_total[2m]))",
    "stdvar(lynex_event_queue_depth)",
    "group by (model) (lynex_model_requests_total)",
    "quantile by (topic) (0.9, streamhouse_consumer_lag)",
    "quantile(0.25, rate(lynex_tokens_processed_total[1m]))",
    "count_values(\"segments\", allsource_wal_segments_total)",
    "count_values by (job) (\"active\", ingester_backpressure_active)",
    "sum by (job) ({__name__=~\"lynex_.*_total\"})",
    "count by (__name__) ({job=\"streamhouse\"})",
    "avg(lynex_cost_usd_total)",
    "sum(rate(lynex_events_processed_total[1m])) by (status)",
    // Ranking and sorting.
    "topk(3, rate(allsource_http_requests_total[2m]))",
    "bottomk(2, streamhouse_consumer_lag)",
    "topk by (topic) (1, streamhouse_consumer_lag)",
    "bottomk by (model) (1, rate(lynex_tokens_processed_total[1m]))",
    "sort(sum by (endpoint) (rate(allsource_http_requests_total[2m])))",
    "sort_desc(rate(lynex_tokens_processed_total[1m]))",
    "sort(streamhouse_consumer_lag)",
    // Histograms.
    "histogram_quantile(0.5, sum by (le) (rate(allsource_http_request_duration_seconds_bucket[2m])))",
    "histogram_quantile(0.99, sum by (le, method) (rate(allsource_http_request_duration_seconds_bucket[90s])))",
    "histogram_quantile(0.9, rate(processor_event_processing_duration_seconds_bucket[1m]))",
    "histogram_quantile(0.75, sum without (instance) (rate(streamhouse_s3_latency_seconds_bucket[2m])))",
    "histogram_quantile(0.9, rate(lynex_archive_batch_size_bucket[2m]))",
    "sum by (le) (increase(lynex_archive_batch_size_bucket[1m]))",
    "lynex_archive_batch_size_bucket",
    "rate(lynex_model_latency_seconds_sum[1m]) / rate(lynex_model_latency_seconds_count[1m])",
    // Over time.
    "quantile_over_time(0.9, lynex_event_queue_depth[2m])",
    "quantile_over_time(0.5, lynex_ui_query_latency_seconds[1m])",
    "avg_over_time(lynex_event_queue_depth[1m])",
    "min_over_time(streamhouse_consumer_lag[2m])",
    "max_over_time(streamhouse_consumer_lag[2m])",
    "sum_over_time(ingester_backpressure_active[2m])",
    "count_over_time(lynex_event_queue_depth[1m])",
    "stddev_over_time(allsource_wal_segments_total[2m])",
    "stdvar_over_time(indexer_pending_messages[90s])",
    "last_over_time(streamhouse_consumer_lag[1m])",
    "present_over_time(lynex_model_errors_total[30s])",
    "absent_over_time(lynex_model_errors_total{model=\"claude-3\"}[30s])",
    "absent_over_time(nonexistent_metric[1m])",
    "holt_winters(lynex_event_queue_depth[2m], 0.3, 0.7)",
    "holt_winters(allsource_storage_size_bytes[90s], 0.5, 0.1)",
    // Offsets, subqueries, `@`.
    "rate(allsource_http_requests_total[1m] offset 30s)",
    "allsource_storage_size_bytes offset 1m",
    "allsource_storage_size_bytes - allsource_storage_size_bytes offset 1m",
    "max_over_time(rate(allsource_http_requests_total[30s])[2m:10s])",
    "avg_over_time(lynex_event_queue_depth[1m:7s])",
    // No step: Prometheus uses the global `evaluation_interval` (15 s).
    "max_over_time(sum(rate(lynex_cost_usd_total[1m]))[2m:])",
    "rate(allsource_events_ingested_total[1m:5s])",
    "deriv(avg_over_time(indexer_pending_messages[30s])[2m:15s])",
    "min_over_time(rate(backfiller_repos_processed_total[30s])[90s:10s] offset 20s)",
    "rate(allsource_http_requests_total[1m] @ {T})",
    "sum(lynex_cost_usd_total @ {T} offset 30s)",
    "allsource_storage_size_bytes @ start()",
    "allsource_storage_size_bytes @ end()",
    "rate(lynex_cost_usd_total[1m]) - rate(lynex_cost_usd_total[1m] @ {T})",
    "max_over_time(lynex_event_queue_depth[1m:10s] @ {T})",
    // Binary operators and vector matching.
    "sum by (model) (rate(lynex_model_errors_total[2m])) / on (model) sum by (model) (rate(lynex_model_requests_total[2m]))",
    "lynex_model_errors_total / on (model, instance, job) group_left (status) lynex_model_requests_total{status=\"error\"}",
    "lynex_model_requests_total{status=\"success\"} * ignoring (status, error_type) group_right lynex_model_errors_total",
    "rate(allsource_http_requests_total[1m]) > 1 and on (endpoint) allsource_http_requests_total{status=\"500\"}",
    "streamhouse_consumer_lag{topic=\"orders\"} or streamhouse_consumer_lag{partition=\"1\"}",
    "streamhouse_consumer_lag unless on (partition) streamhouse_segment_writes_total{partition=\"0\"}",
    "lynex_event_queue_depth > bool 10000",
    "allsource_wal_segments_total >= bool 100",
    "streamhouse_consumer_lag < 800",
    "streamhouse_consumer_lag != bool 0",
    "2 * rate(lynex_tokens_processed_total[1m]) + 1",
    "-lynex_event_queue_depth",
    "lynex_event_queue_depth % 7",
    "lynex_event_queue_depth ^ 0.5",
    "lynex_event_queue_depth atan2 on () allsource_wal_segments_total",
    "scalar(sum(lynex_ingest_queue_depth)) * 2",
    "scalar(streamhouse_consumer_lag)",
    "vector(1) + scalar(lynex_event_queue_depth)",
    "sum(streamhouse_consumer_lag) / scalar(count(streamhouse_consumer_lag))",
    "1 + 2 * 3",
    "\"literal\"",
    "time() - timestamp(lynex_event_queue_depth)",
    // Functions.
    "abs(delta(lynex_event_queue_depth[1m]))",
    "ceil(rate(lynex_cost_usd_total[1m]) * 1000)",
    "floor(lynex_ui_query_latency_seconds * 100)",
    "round(lynex_event_queue_depth, 50)",
    "round(rate(allsource_http_requests_total[1m]))",
    "clamp(lynex_event_queue_depth, 9900, 10100)",
    "clamp_min(streamhouse_consumer_lag, 900)",
    "clamp_max(streamhouse_consumer_lag, 900)",
    "exp(-lynex_ui_query_latency_seconds)",
    "ln(allsource_storage_size_bytes)",
    "log2(indexer_pending_messages)",
    "log10(backfiller_output_stream_length)",
    "sqrt(streamhouse_consumer_lag)",
    "sgn(delta(lynex_event_queue_depth[1m]))",
    "timestamp(lynex_event_queue_depth)",
    "timestamp(streamhouse_consumer_lag{topic=\"payments\"})",
    "minute(timestamp(lynex_event_queue_depth))",
    "hour()",
    "day_of_week()",
    "day_of_month(vector(time()))",
    "days_in_month()",
    "month()",
    "year()",
    "absent(nonexistent_metric{job=\"streamhouse\"})",
    "absent(lynex_event_queue_depth)",
    "absent(lynex_model_errors_total{model=\"claude-3\"})",
    "label_replace(rate(allsource_http_requests_total[1m]), \"route\", \"$1\", \"endpoint\", \"/api/v1/(.*)\")",
    "label_replace(streamhouse_consumer_lag, \"group\", \"$1-$2\", \"consumer_group\", \"(.)(.*)\")",
    "label_join(streamhouse_consumer_lag, \"key\", \"/\", \"topic\", \"partition\")",
    "sum by (route) (label_replace(allsource_http_requests_total, \"route\", \"$1\", \"endpoint\", \"/api/v1/(.*)\"))",
    // NaN, appearing, disappearing series.
    "lynex_ui_query_latency_seconds",
    "max(lynex_ui_query_latency_seconds)",
    "min(lynex_ui_query_latency_seconds)",
    "avg_over_time(lynex_ui_query_latency_seconds[1m])",
    "max_over_time(lynex_ui_query_latency_seconds[1m])",
    "topk(1, lynex_ui_query_latency_seconds)",
    "sort_desc(lynex_ui_query_latency_seconds)",
    "lynex_ui_query_latency_seconds > 0.1",
    "quantile(0.5, lynex_ui_query_latency_seconds)",
    "rate(lynex_model_errors_total{model=\"claude-3\"}[1m])",
    "increase(lynex_model_errors_total[2m])",
    "streamhouse_consumer_lag",
    "count(streamhouse_consumer_lag)",
    "last_over_time(streamhouse_consumer_lag{topic=\"payments\"}[20s])",
    "up",
    "count(up == 1)",
];

/// One query as sent to each server.
#[derive(Debug, Clone)]
pub struct Query {
    /// Where it comes from: `seed` or `own`.
    pub origin: &'static str,
    /// The text sent to Prometheus.
    pub prometheus: String,
    /// The text sent to Hestia.
    pub hestia: String,
}

impl Query {
    /// A query sent to both as written, but for Prometheus 3's renames.
    pub fn new(origin: &'static str, expr: &str, at: &str) -> Query {
        let prometheus = expr.replace("{T}", at);
        let hestia = prometheus.replace("holt_winters(", "double_exponential_smoothing(");
        Query {
            origin,
            prometheus,
            hestia,
        }
    }

    /// Whether the query selects series by rank (`topk`/`bottomk`), where
    /// 2.42 breaks ties differently.
    pub fn keeps_k(&self) -> bool {
        self.prometheus.contains("topk") || self.prometheus.contains("bottomk")
    }

    /// Whether the result order is part of the answer.
    pub fn ordered(&self) -> bool {
        self.prometheus.starts_with("sort(") || self.prometheus.starts_with("sort_desc(")
    }
}
