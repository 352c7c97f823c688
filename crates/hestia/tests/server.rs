//! End-to-end tests of `hestia server`: the binary runs on `127.0.0.1:0`
//! with a temporary data directory and scrapes real HTTP targets (a
//! `hestia-instrument` exporter served by the test) every second. The
//! tests check the targets page, the synthetic series, the exporter's
//! samples, stale markers once a target leaves the configuration, reloads
//! over HTTP and SIGHUP (good and bad files), the JSON shape of every API
//! endpoint, the requests Grafana's Prometheus data source makes, the
//! admin API and its flag, the lifecycle flag, restart on the same data,
//! `/-/quit`, SIGTERM, and refusal of a bad configuration at start.
//!
//! Every wait polls a condition with a deadline ([`common::poll`]).

mod common;

use std::path::Path;
use std::time::Duration;

use common::{encode, now_ms, poll, write_file, Server, ServerBuilder, Target};
use hestia_instrument::{Counter, Gauge, Registry};
use serde_json::Value;

/// Deadline for anything that depends on a few scrapes.
const WAIT: Duration = Duration::from_secs(20);

/// A target's registry and the metrics the test moves.
struct Demo {
    target: Target,
    requests: Counter<u64>,
}

/// A target serving `demo_requests_total` (at `requests`) and
/// `demo_temperature_celsius`.
fn demo(requests: u64) -> Demo {
    let registry = Registry::new();
    let counter = Counter::<u64>::new();
    counter.inc_by(requests);
    registry
        .register("demo_requests", "Requests served.", counter.clone())
        .unwrap();
    let temperature = Gauge::<f64>::new();
    temperature.set(21.5);
    registry
        .register("demo_temperature_celsius", "Temperature.", temperature)
        .unwrap();
    Demo {
        target: Target::start(registry),
        requests: counter,
    }
}

/// A configuration scraping every second: `jobs` as `(name, targets)`,
/// each target with `team="core"`, and `rule_files` when given.
fn config(jobs: &[(&str, &[&Demo])], rule_file: Option<&str>) -> String {
    let mut s = String::from(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n  external_labels:\n    site: test\n",
    );
    if let Some(f) = rule_file {
        s.push_str(&format!("rule_files:\n  - {f}\n"));
    }
    s.push_str("scrape_configs:\n");
    for (name, targets) in jobs {
        let list: Vec<String> = targets
            .iter()
            .map(|d| format!("\"{}\"", d.target.host_port()))
            .collect();
        s.push_str(&format!(
            "  - job_name: {name}\n    static_configs:\n      - targets: [{}]\n        labels:\n          team: core\n",
            list.join(", ")
        ));
    }
    s
}

const RULES: &str = "\
groups:
  - name: demo
    interval: 1s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: AlwaysFiring
        expr: vector(1)
        labels:
          severity: none
        annotations:
          summary: always firing
";

/// Starts a server on `dir` with `yaml` as `prometheus.yml`, lifecycle
/// and admin API enabled.
fn start(dir: &Path, yaml: &str) -> Server {
    let file = write_file(dir, "prometheus.yml", yaml);
    ServerBuilder::new(dir)
        .config_file(file)
        .lifecycle_and_admin()
        .spawn()
}

/// Waits until every series of `selector` has at least `n` samples in
/// the last minute, and there are `series` of them.
fn wait_samples(server: &Server, selector: &str, series: usize, n: usize) {
    let expr = format!("count_over_time({selector}[1m]) >= {n}");
    poll(
        &format!("{series} series of {selector} with {n} samples"),
        WAIT,
        || (server.query(&expr).len() == series).then_some(()),
    );
}

fn active_targets(server: &Server) -> Vec<Value> {
    server.data("/api/v1/targets")["activeTargets"]
        .as_array()
        .expect("activeTargets is an array")
        .clone()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().expect("a string"))
        .collect()
}

fn value_of(sample: &Value) -> f64 {
    sample["value"][1]
        .as_str()
        .unwrap_or_else(|| panic!("no value in {sample}"))
        .parse()
        .unwrap()
}

/// Targets, synthetic series, exporter samples; a bad file refused over
/// `/-/reload` with its line while the old targets keep being scraped; a
/// file refused by the rule side leaves the scrape side alone too; a
/// target removed over `/-/reload` disappears and its series go stale;
/// SIGHUP adds a job and removes one (whose series go stale); a target
/// that stops answering is down and its series go stale.
#[test]
fn scraping_reloads_and_staleness() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo(7);
    let b = demo(3);
    let server = start(dir.path(), &config(&[("demo", &[&a, &b])], None));
    let (ia, ib) = (a.target.host_port(), b.target.host_port());

    wait_samples(&server, "up{job=\"demo\"}", 2, 3);

    // The targets page.
    let targets = active_targets(&server);
    assert_eq!(targets.len(), 2, "{targets:?}");
    for t in &targets {
        let instance = t["labels"]["instance"].as_str().unwrap();
        assert!(instance == ia || instance == ib, "{t}");
        assert_eq!(t["labels"]["job"], "demo", "{t}");
        assert_eq!(t["labels"]["team"], "core", "{t}");
        assert_eq!(t["scrapePool"], "demo", "{t}");
        assert_eq!(t["scrapeUrl"], format!("http://{instance}/metrics"), "{t}");
        assert_eq!(t["globalUrl"], t["scrapeUrl"], "{t}");
        assert_eq!(t["health"], "up", "{t}");
        assert_eq!(t["lastError"], "", "{t}");
        assert_eq!(t["scrapeInterval"], "1s", "{t}");
        assert_eq!(t["scrapeTimeout"], "1s", "{t}");
        assert_eq!(t["discoveredLabels"]["__address__"], instance, "{t}");
        assert_eq!(t["discoveredLabels"]["__scheme__"], "http", "{t}");
        assert_eq!(t["discoveredLabels"]["__metrics_path__"], "/metrics", "{t}");
        assert!(
            t["lastScrape"]
                .as_str()
                .is_some_and(|s| s.starts_with("20")),
            "{t}"
        );
        assert!(
            t["lastScrapeDuration"].as_f64().is_some_and(|d| d > 0.0),
            "{t}"
        );
    }

    // The synthetic series, per target.
    for (name, check) in [
        ("up", (|v: f64| v == 1.0) as fn(f64) -> bool),
        ("scrape_duration_seconds", |v| v > 0.0 && v < 1.0),
        ("scrape_samples_scraped", |v| v >= 2.0),
        ("scrape_samples_post_metric_relabeling", |v| v >= 2.0),
        ("scrape_series_added", |v| v >= 0.0),
    ] {
        let result = server.query(&format!("{name}{{job=\"demo\"}}"));
        assert_eq!(result.len(), 2, "{name}: {result:?}");
        for s in &result {
            assert_eq!(s["metric"]["team"], "core", "{s}");
            assert!(check(value_of(s)), "{name}: {s}");
        }
    }
    // Nothing is relabelled away, and every series was added once.
    assert!(server
        .query("scrape_samples_post_metric_relabeling != scrape_samples_scraped")
        .is_empty());
    let added = server
        .query("sum_over_time(scrape_series_added{job=\"demo\"}[1h]) != scrape_samples_scraped");
    assert!(added.is_empty(), "{added:?}");

    // The exporter's samples, with the target's labels, and live.
    let a_requests = format!("demo_requests_total{{instance=\"{ia}\"}}");
    let r = server.query(&a_requests);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["metric"]["job"], "demo");
    assert_eq!(r[0]["metric"]["team"], "core");
    assert_eq!(value_of(&r[0]), 7.0);
    assert_eq!(
        server.value(&format!("demo_temperature_celsius{{instance=\"{ib}\"}}")),
        Some(21.5)
    );
    a.requests.inc_by(5);
    poll("the new counter value", WAIT, || {
        (server.value(&a_requests) == Some(12.0)).then_some(())
    });

    // A bad file is refused with its line; the old targets keep going.
    let bad =
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: demo\n    bogus_field: 1\n";
    write_file(dir.path(), "prometheus.yml", bad);
    let answer = server.post_form("/-/reload", "");
    assert_eq!(answer.status, 500, "{}", answer.body);
    assert!(answer.body.contains("bogus_field"), "{}", answer.body);
    assert!(answer.body.contains("prometheus.yml:5"), "{}", answer.body);
    assert_eq!(
        server.self_metric("hestia_config_last_reload_successful"),
        Some(0.0)
    );
    assert_eq!(
        server.data("/api/v1/status/runtimeinfo")["reloadConfigSuccess"],
        false
    );
    let count = |server: &Server| {
        server
            .value(&format!("count_over_time(up{{instance=\"{ib}\"}}[1h])"))
            .unwrap_or(0.0)
    };
    let before = count(&server);
    poll(
        "scrapes of the old targets after the refused reload",
        WAIT,
        || (count(&server) >= before + 2.0).then_some(()),
    );
    assert_eq!(active_targets(&server).len(), 2);

    // A file refused late (the Alertmanager client cannot be built) is
    // refused whole: the scrape side keeps the old targets too.
    let alerting = "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [\"127.0.0.1:9\"]\n      tls_config:\n        ca_file: missing-ca.pem\n";
    write_file(
        dir.path(),
        "prometheus.yml",
        &(config(&[("demo", &[&a])], None) + alerting),
    );
    let answer = server.post_form("/-/reload", "");
    assert_eq!(answer.status, 500, "{}", answer.body);
    assert!(answer.body.contains("missing-ca.pem"), "{}", answer.body);
    assert_eq!(active_targets(&server).len(), 2, "the old targets stay");
    let yaml = server.data("/api/v1/status/config")["yaml"].clone();
    assert!(
        yaml.as_str().unwrap().contains(&ib),
        "the old file stays: {yaml}"
    );

    // Removing a target: it leaves the page and its series go stale.
    write_file(
        dir.path(),
        "prometheus.yml",
        &config(&[("demo", &[&a])], None),
    );
    let answer = server.post_form("/-/reload", "");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        server.self_metric("hestia_config_last_reload_successful"),
        Some(1.0)
    );
    let targets = active_targets(&server);
    assert_eq!(targets.len(), 1, "{targets:?}");
    assert_eq!(targets[0]["labels"]["instance"], ia.as_str());
    // The lookback is 5 minutes: only stale markers empty these queries.
    let b_series = [
        format!("demo_requests_total{{instance=\"{ib}\"}}"),
        format!("up{{instance=\"{ib}\"}}"),
        format!("scrape_samples_scraped{{instance=\"{ib}\"}}"),
    ];
    poll("stale markers for the removed target", WAIT, || {
        b_series
            .iter()
            .all(|s| server.query(s).is_empty())
            .then_some(())
    });
    for s in &b_series {
        let n = server.value(&format!("count_over_time({s}[1m])"));
        assert!(n.is_some_and(|n| n >= 3.0), "{s}: {n:?}");
    }
    assert_eq!(server.query(&a_requests).len(), 1, "the kept target");

    // SIGHUP applies a new file: a new job starts, a removed job's series
    // go stale.
    let c = demo(1);
    write_file(
        dir.path(),
        "prometheus.yml",
        &config(&[("late", &[&c])], None),
    );
    server.signal("HUP");
    poll("the job added by SIGHUP to be up", WAIT, || {
        let targets = active_targets(&server);
        (targets.len() == 1 && targets[0]["scrapePool"] == "late" && targets[0]["health"] == "up")
            .then_some(())
    });
    assert_eq!(server.value("up{job=\"late\"}"), Some(1.0));
    poll("stale markers for the removed job", WAIT, || {
        (server.query("{job=\"demo\"}").is_empty()).then_some(())
    });
    let kept = server.value(&format!("count_over_time({a_requests}[1m])"));
    assert!(kept.is_some_and(|n| n >= 3.0), "{kept:?}");
    // The start, the two refused files, the removal and the SIGHUP.
    assert_eq!(server.self_metric("hestia_config_reloads_total"), Some(5.0));
    assert_eq!(
        server.self_metric("hestia_config_reload_failures_total"),
        Some(2.0)
    );

    // A target that stops answering is down and its series go stale.
    let ic = c.target.host_port();
    drop(c);
    poll("the stopped target to be down", WAIT, || {
        let targets = active_targets(&server);
        let t = &targets[0];
        (t["health"] == "down" && t["lastError"].as_str().is_some_and(|e| !e.is_empty()))
            .then_some(())
    });
    assert_eq!(server.value("up{job=\"late\"}"), Some(0.0));
    poll("stale markers for the stopped target", WAIT, || {
        server
            .query(&format!("demo_requests_total{{instance=\"{ic}\"}}"))
            .is_empty()
            .then_some(())
    });
    let scraped = server.query("scrape_samples_scraped{job=\"late\"}");
    assert_eq!(value_of(&scraped[0]), 0.0, "{scraped:?}");
}

/// Asserts that `data` is an object holding every key of `keys`.
fn has_keys(data: &Value, keys: &[&str], what: &str) {
    for k in keys {
        assert!(data.get(*k).is_some(), "{what}: no {k:?} in {data}");
    }
}

/// Every endpoint answers in Prometheus' JSON (or text) shape.
#[test]
fn every_endpoint_has_prometheus_shape() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "rules.yml", RULES);
    let a = demo(7);
    let server = start(dir.path(), &config(&[("demo", &[&a])], Some("rules.yml")));
    let ia = a.target.host_port();
    wait_samples(&server, "up", 1, 3);
    // As in Prometheus, `ALERTS` is written once `for` state is restored,
    // after the group's second evaluation.
    poll("the rules' output", WAIT, || {
        (!server.query("job:up:sum").is_empty() && !server.query("ALERTS").is_empty()).then_some(())
    });

    // Instant queries: vector and scalar.
    let data = server.data("/api/v1/query?query=up");
    assert_eq!(data["resultType"], "vector");
    let s = &data["result"][0];
    assert_eq!(s["metric"]["__name__"], "up");
    assert_eq!(s["metric"]["instance"], ia.as_str());
    assert!(s["value"][0].is_number() && s["value"][1] == "1", "{s}");
    let data = server.data("/api/v1/query?query=1%2B1&time=1700000000.5");
    assert_eq!(data["resultType"], "scalar");
    assert_eq!(data["result"], serde_json::json!([1700000000.5, "2"]));
    // Errors have Prometheus' envelope.
    let bad = server.get("/api/v1/query?query=up%7B");
    assert_eq!(bad.status, 400, "{}", bad.body);
    let json = bad.json();
    assert_eq!(json["status"], "error");
    assert_eq!(json["errorType"], "bad_data");
    assert!(json["error"].as_str().is_some_and(|e| !e.is_empty()));

    // Range queries, by GET and by form POST.
    let end = now_ms() as f64 / 1000.0;
    let range = format!("query=up&start={}&end={end}&step=1", end - 30.0);
    for data in [
        server.data(&format!("/api/v1/query_range?{range}")),
        server.post_form("/api/v1/query_range", &range).data(),
    ] {
        assert_eq!(data["resultType"], "matrix", "{data}");
        let s = &data["result"][0];
        assert_eq!(s["metric"]["job"], "demo", "{data}");
        let values = s["values"].as_array().unwrap();
        assert!(values.len() >= 2, "{data}");
        assert!(values[0][0].is_number() && values[0][1] == "1", "{data}");
    }

    // Series, labels, label values, metadata.
    let series = server.data("/api/v1/series?match[]=up");
    assert_eq!(series[0]["__name__"], "up", "{series}");
    assert_eq!(series[0]["instance"], ia.as_str(), "{series}");
    let series = server
        .post_form(
            "/api/v1/series",
            &format!("match[]={}", encode("{job=\"demo\"}")),
        )
        .data();
    assert!(series.as_array().unwrap().len() >= 5, "{series}");
    let labels = server.data("/api/v1/labels");
    for l in ["__name__", "instance", "job", "team"] {
        assert!(strings(&labels).contains(&l), "{labels}");
    }
    let names = server.data("/api/v1/label/__name__/values");
    for n in [
        "up",
        "demo_requests_total",
        "demo_temperature_celsius",
        "scrape_duration_seconds",
        "job:up:sum",
        "ALERTS",
    ] {
        assert!(strings(&names).contains(&n), "{n}: {names}");
    }
    assert_eq!(
        server.data("/api/v1/label/job/values"),
        serde_json::json!(["demo"])
    );
    let metadata = server.data("/api/v1/metadata");
    let temperature = &metadata["demo_temperature_celsius"][0];
    assert_eq!(temperature["type"], "gauge", "{metadata}");
    assert_eq!(temperature["help"], "Temperature.", "{metadata}");
    assert!(
        metadata
            .as_object()
            .unwrap()
            .iter()
            .any(|(name, m)| name.starts_with("demo_requests") && m[0]["type"] == "counter"),
        "{metadata}"
    );

    // Targets.
    let data = server.data("/api/v1/targets");
    has_keys(
        &data,
        &["activeTargets", "droppedTargets", "droppedTargetCounts"],
        "targets",
    );
    has_keys(
        &data["activeTargets"][0],
        &[
            "discoveredLabels",
            "labels",
            "scrapePool",
            "scrapeUrl",
            "globalUrl",
            "lastError",
            "lastScrape",
            "lastScrapeDuration",
            "health",
            "scrapeInterval",
            "scrapeTimeout",
        ],
        "active target",
    );
    assert!(data["droppedTargets"].as_array().unwrap().is_empty());
    let dropped = server.data("/api/v1/targets?state=dropped");
    assert!(dropped["activeTargets"].as_array().unwrap().is_empty());

    // Rules and alerts.
    let data = server.data("/api/v1/rules");
    let group = &data["groups"][0];
    assert_eq!(group["name"], "demo", "{data}");
    assert!(
        group["file"].as_str().unwrap().ends_with("rules.yml"),
        "{data}"
    );
    assert_eq!(group["interval"], 1.0, "{data}");
    has_keys(group, &["evaluationTime", "lastEvaluation"], "group");
    let rules = group["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2, "{data}");
    assert_eq!(rules[0]["type"], "recording", "{data}");
    assert_eq!(rules[0]["name"], "job:up:sum", "{data}");
    assert_eq!(rules[0]["query"], "sum by (job) (up)", "{data}");
    assert_eq!(rules[0]["health"], "ok", "{data}");
    assert_eq!(rules[1]["type"], "alerting", "{data}");
    assert_eq!(rules[1]["name"], "AlwaysFiring", "{data}");
    has_keys(
        &rules[1],
        &[
            "state",
            "duration",
            "labels",
            "annotations",
            "alerts",
            "health",
        ],
        "alerting rule",
    );
    let firing = poll("the alert to fire", WAIT, || {
        let alerts = server.data("/api/v1/alerts")["alerts"].clone();
        alerts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["state"] == "firing")
            .cloned()
    });
    assert_eq!(firing["labels"]["alertname"], "AlwaysFiring", "{firing}");
    assert_eq!(firing["labels"]["severity"], "none", "{firing}");
    assert_eq!(
        firing["annotations"]["summary"], "always firing",
        "{firing}"
    );
    has_keys(&firing, &["activeAt", "value"], "alert");
    let recording = server.data("/api/v1/rules?type=record");
    assert_eq!(recording["groups"][0]["rules"].as_array().unwrap().len(), 1);

    // Status pages.
    let info = server.data("/api/v1/status/buildinfo");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    has_keys(
        &info,
        &["revision", "branch", "buildUser", "buildDate", "goVersion"],
        "buildinfo",
    );
    let yaml = server.data("/api/v1/status/config")["yaml"].clone();
    assert!(yaml.as_str().unwrap().contains("job_name: demo"), "{yaml}");
    let flags = server.data("/api/v1/status/flags");
    assert_eq!(flags["web.enable-lifecycle"], "true", "{flags}");
    assert_eq!(flags["web.enable-admin-api"], "true", "{flags}");
    assert_eq!(flags["query.lookback-delta"], "5m", "{flags}");
    assert!(flags["storage.tsdb.path"]
        .as_str()
        .unwrap()
        .ends_with("data"));
    let runtime = server.data("/api/v1/status/runtimeinfo");
    has_keys(
        &runtime,
        &[
            "startTime",
            "CWD",
            "reloadConfigSuccess",
            "lastConfigTime",
            "corruptionCount",
            "goroutineCount",
            "GOMAXPROCS",
            "storageRetention",
        ],
        "runtimeinfo",
    );
    assert_eq!(runtime["reloadConfigSuccess"], true);
    // Prometheus prints "15d" (weeks only when exact); parse to compare.
    let retention = runtime["storageRetention"].as_str().unwrap();
    let retention = hestia_config::Duration::parse(retention).unwrap();
    assert_eq!(retention.as_millis(), 15 * 86_400_000, "{runtime}");
    let tsdb = server.data("/api/v1/status/tsdb");
    let head = &tsdb["headStats"];
    has_keys(
        head,
        &[
            "numSeries",
            "numLabelPairs",
            "chunkCount",
            "minTime",
            "maxTime",
        ],
        "headStats",
    );
    assert!(head["numSeries"].as_u64().unwrap() >= 8, "{tsdb}");
    assert!(
        head["maxTime"].as_i64() > head["minTime"].as_i64(),
        "{tsdb}"
    );
    for k in [
        "seriesCountByMetricName",
        "labelValueCountByLabelName",
        "memoryInBytesByLabelName",
        "seriesCountByLabelValuePair",
    ] {
        let stats = tsdb[k].as_array().unwrap();
        assert!(!stats.is_empty(), "{k}: {tsdb}");
        has_keys(&stats[0], &["name", "value"], k);
    }
    assert_eq!(
        server.data(&format!(
            "/api/v1/format_query?query={}",
            encode("sum(rate(demo_requests_total[5m]))by(job)")
        )),
        "sum by (job) (rate(demo_requests_total[5m]))"
    );
    assert!(server.data("/api/v1/query_exemplars?query=up").is_array());

    // Federation, probes and the server's own metrics.
    let fed = server.get(&format!("/federate?match[]={}", encode("{job=\"demo\"}")));
    assert_eq!(fed.status, 200, "{}", fed.body);
    assert!(
        fed.content_type.starts_with("text/plain"),
        "{}",
        fed.content_type
    );
    assert!(fed.body.contains("# TYPE up untyped"), "{}", fed.body);
    let up_line = fed
        .body
        .lines()
        .find(|l| l.starts_with("up{"))
        .unwrap_or_else(|| panic!("no up in {}", fed.body));
    assert!(up_line.contains(&format!("instance=\"{ia}\"")), "{up_line}");
    let fields: Vec<&str> = up_line.rsplitn(3, ' ').collect();
    assert_eq!(fields[1], "1", "{up_line}");
    assert!(fields[0].parse::<i64>().is_ok(), "timestamp: {up_line}");
    for probe in ["/-/healthy", "/-/ready"] {
        let answer = server.get(probe);
        assert_eq!(answer.status, 200, "{probe}: {}", answer.body);
    }
    let metrics = server.get("/metrics").body;
    let series = common::metric_value(&metrics, "hestia_tsdb_head_series");
    assert!(series.is_some_and(|n| n >= 8.0), "{metrics}");
    for name in [
        "hestia_build_info",
        "hestia_config_last_reload_successful",
        "hestia_config_last_reload_success_timestamp_seconds",
        "hestia_tsdb_head_chunks",
        "hestia_tsdb_head_samples_appended_total",
        "process_resident_memory_bytes",
    ] {
        assert!(
            common::metric_value(&metrics, name).is_some(),
            "{name}: {metrics}"
        );
    }
}

/// The requests Grafana's Prometheus data source (10.x/11.x) sends, in
/// its forms (as `hestia-api/tests/grafana.rs` lists them, with times
/// around now): each succeeds with the JSON it reads.
#[test]
fn grafana_request_set() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo(7);
    let b = demo(8);
    let server = start(dir.path(), &config(&[("node", &[&a, &b])], None));
    wait_samples(&server, "up", 2, 3);
    let end = now_ms() / 1000;
    let start = end - 300;
    let (fs, fe) = (start as f64 + 0.123, end as f64 - 0.877);
    // `(path, form body for POST, JSON pointer that must exist)`.
    let requests: Vec<(String, Option<String>, &str)> = vec![
        // "Save & test".
        (
            "/api/v1/query".into(),
            Some(format!("query=1%2B1&time={end}")),
            "/data/result/1",
        ),
        ("/api/v1/status/buildinfo".into(), None, "/data/version"),
        // Query editor.
        (
            format!("/api/v1/labels?start={start}&end={end}"),
            None,
            "/data/0",
        ),
        (
            "/api/v1/labels".into(),
            Some(format!("start={start}&end={end}")),
            "/data/0",
        ),
        (
            format!("/api/v1/label/__name__/values?start={start}&end={end}"),
            None,
            "/data/2",
        ),
        (
            format!("/api/v1/label/job/values?start={start}&end={end}"),
            None,
            "/data/0",
        ),
        (
            format!(
                "/api/v1/label/instance/values?match[]={}&start={start}&end={end}",
                encode("up{job=\"node\"}")
            ),
            None,
            "/data/1",
        ),
        (
            format!("/api/v1/series?match[]=up&start={start}&end={end}"),
            None,
            "/data/0/__name__",
        ),
        (
            "/api/v1/series".into(),
            Some(format!(
                "match%5B%5D=%7B__name__%3D%22up%22%7D&start={start}&end={end}"
            )),
            "/data/0/job",
        ),
        ("/api/v1/metadata".into(), None, "/data"),
        ("/api/v1/metadata?metric=up".into(), None, "/data"),
        // Panels: the backend's queries as POST forms.
        (
            "/api/v1/query_range".into(),
            Some(format!(
                "query={}&start={start}&end={end}&step=15&timeout=30s",
                encode("sum by (job) (rate(demo_requests_total[1m]))")
            )),
            "/data/result/0/values/0",
        ),
        (
            "/api/v1/query_range".into(),
            Some(format!("query=up&start={fs}&end={fe}&step=0.5")),
            "/data/result/1/values/0",
        ),
        (
            "/api/v1/query".into(),
            Some(format!("query=up&time={}.5&timeout=30s", end)),
            "/data/result/1/value",
        ),
        (
            format!("/api/v1/query_exemplars?query=up&start={start}&end={end}"),
            None,
            "/data",
        ),
    ];
    for (path, form, pointer) in &requests {
        let answer = match form {
            Some(f) => server.post_form(path, f),
            None => server.get(path),
        };
        let ctx = format!("{path} {form:?}: {} {}", answer.status, answer.body);
        assert_eq!(answer.status, 200, "{ctx}");
        assert_eq!(answer.content_type, "application/json", "{ctx}");
        let json = answer.json();
        assert_eq!(json["status"], "success", "{ctx}");
        assert!(
            json.pointer(pointer).is_some(),
            "{pointer} missing in {ctx}"
        );
    }
}

/// Snapshot, delete_series and clean_tombstones with the admin API.
#[test]
fn admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo(7);
    let server = start(dir.path(), &config(&[("demo", &[&a])], None));
    wait_samples(&server, "up", 1, 4);

    let answer = server.post_form("/api/v1/admin/tsdb/snapshot", "");
    let name = answer.data()["name"].as_str().unwrap().to_owned();
    let snapshot = dir.path().join("data/snapshots").join(&name);
    assert!(snapshot.is_dir(), "{}", snapshot.display());
    assert!(
        std::fs::read_dir(&snapshot).unwrap().next().is_some(),
        "the snapshot holds the head as a block"
    );

    // Delete up to two seconds ago, before any scrape still in flight.
    let t = now_ms() - 2000;
    let at = |expr: &str| server.query_at(expr, Some(t));
    let window = "count_over_time(demo_requests_total[1h])";
    assert_eq!(at(window).len(), 1, "samples before the deletion");
    let answer = server.post_form(
        "/api/v1/admin/tsdb/delete_series",
        &format!(
            "match[]={}&end={}",
            encode("{__name__=\"demo_requests_total\"}"),
            t as f64 / 1000.0
        ),
    );
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert!(at(window).is_empty(), "{:?}", at(window));
    assert!(at("demo_requests_total").is_empty());
    assert_eq!(at("count_over_time(up[1h])").len(), 1, "other series stay");
    // Later scrapes are kept.
    poll("a sample after the deletion", WAIT, || {
        (!server.query("demo_requests_total").is_empty()).then_some(())
    });
    let answer = server.post_form("/api/v1/admin/tsdb/clean_tombstones", "");
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert!(at(window).is_empty());
    let answer = server.post_form("/api/v1/admin/tsdb/delete_series", "");
    assert_eq!(answer.status, 400, "no match[]: {}", answer.body);
}

/// Without the flags the admin API answers `unavailable` and the
/// lifecycle endpoints `403`; without a file the embedded default
/// configuration scrapes the server itself.
#[test]
fn admin_and_lifecycle_need_their_flags() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerBuilder::new(dir.path()).spawn();
    for path in [
        "/api/v1/admin/tsdb/snapshot",
        "/api/v1/admin/tsdb/delete_series",
        "/api/v1/admin/tsdb/clean_tombstones",
    ] {
        let answer = server.post_form(path, "match[]=up");
        assert_eq!(answer.status, 503, "{path}: {}", answer.body);
        let json = answer.json();
        assert_eq!(json["status"], "error", "{path}");
        assert_eq!(json["errorType"], "unavailable", "{path}");
    }
    for path in ["/-/reload", "/-/quit"] {
        let answer = server.post_form(path, "");
        assert_eq!(answer.status, 403, "{path}: {}", answer.body);
        assert_eq!(answer.body, "Lifecycle API is not enabled.");
    }
    assert_eq!(server.get("/-/healthy").status, 200, "still running");
    let yaml = server.data("/api/v1/status/config")["yaml"].clone();
    assert!(
        yaml.as_str().unwrap().contains(&server.addr.to_string()),
        "{yaml}"
    );
    let targets = active_targets(&server);
    assert_eq!(targets.len(), 1, "{targets:?}");
    assert_eq!(targets[0]["scrapePool"], "hestia");
    assert_eq!(targets[0]["scrapeInterval"], "15s");
}

/// `/-/quit` exits 0; a restart on the same directory keeps the first
/// run's samples; SIGTERM exits 0 too.
#[test]
fn restart_keeps_samples() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo(7);
    let mut server = start(dir.path(), &config(&[("demo", &[&a])], None));
    let started = now_ms();
    wait_samples(&server, "up", 1, 4);
    let t = now_ms() - 2000;
    let count = |server: &Server| {
        let r = server.query_at("count_over_time(demo_requests_total[1h])", Some(t));
        assert_eq!(r.len(), 1, "{r:?}");
        value_of(&r[0])
    };
    let before = count(&server);
    assert!(before >= 1.0);

    let answer = server.post_form("/-/quit", "");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let status = server.wait_exit(WAIT);
    assert_eq!(status.code(), Some(0), "{}", server.stderr());

    let mut server = server.builder().spawn();
    assert_eq!(count(&server), before, "{}", server.stderr());
    let range = format!(
        "/api/v1/query_range?query=demo_requests_total&start={}&end={}&step=1",
        started as f64 / 1000.0,
        t as f64 / 1000.0
    );
    let data = server.data(&range);
    let values = data["result"][0]["values"].as_array().unwrap();
    assert!(!values.is_empty(), "{data}");
    assert!(values.iter().all(|v| v[1] == "7"), "{data}");

    server.signal("TERM");
    let status = server.wait_exit(WAIT);
    assert_eq!(status.code(), Some(0), "{}", server.stderr());
}

/// A configuration with an unknown field stops the start with its line.
#[test]
fn unknown_field_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        dir.path(),
        "prometheus.yml",
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: demo\n    scrape_intervall: 5s\n",
    );
    let exited = ServerBuilder::new(dir.path())
        .config_file(file)
        .try_spawn()
        .err()
        .expect("the server must not start");
    assert!(!exited.status.success(), "{}", exited.stderr);
    assert!(
        exited.stderr.contains("scrape_intervall"),
        "{}",
        exited.stderr
    );
    assert!(
        exited.stderr.contains("prometheus.yml:5"),
        "{}",
        exited.stderr
    );
}
