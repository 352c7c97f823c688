//! `hestia server`'s rules end to end, through the binary: a target served
//! by this process is scraped every second, a recording rule and an
//! alerting rule (`for`, templated annotations) are evaluated every
//! second, and the alert goes pending, fires, reaches a real Alertmanager
//! 0.25 (`prometheus-alertmanager`, installed by `scripts/test`; checked
//! through its own API and a webhook receiver here) and resolves. Also:
//! `/api/v1/alerts` and `/api/v1/rules` (with their filters) in
//! Prometheus' shape, `ALERTS` and `ALERTS_FOR_STATE` in storage, group
//! `interval`, `limit` and `labels`, the notifier's and groups'
//! self-metrics; `POST /-/reload` keeping unchanged groups' alerts,
//! marking removed rules' series stale and refusing bad rule files while
//! the old rules run on; and alerts' `for` state surviving a restart.
//!
//! Every wait polls a condition with a deadline.

#[path = "../../hestia-rules/tests/common/alertmanager.rs"]
mod alertmanager;
mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alertmanager::Alertmanager;
use common::{encode, now_ms, poll, runtime, write_file, Server, ServerBuilder, Target};
use hestia_instrument::{Gauge, Registry};
use serde_json::Value;

/// The longest any condition is waited for.
const WAIT: Duration = Duration::from_secs(30);

/// A target serving one gauge, `app_queue_depth`.
struct App {
    target: Target,
    depth: Gauge<f64>,
}

impl App {
    fn start(depth: f64) -> App {
        let registry = Registry::new();
        let gauge = Gauge::new();
        gauge.set(depth);
        registry
            .register("app_queue_depth", "Jobs waiting.", gauge.clone())
            .unwrap();
        App {
            target: Target::start(registry),
            depth: gauge,
        }
    }
}

/// `prometheus.yml` scraping `app` every second, evaluating `rules`
/// every second, alerting `alertmanager` when given.
fn write_config(dir: &Path, app: &App, rules: &Path, alertmanager: Option<&str>) -> PathBuf {
    let alerting = alertmanager.map_or(String::new(), |am| {
        format!(
            "alerting:\n  alertmanagers:\n    - timeout: 5s\n      static_configs:\n        - targets: ['{am}']\n"
        )
    });
    let config = format!(
        "global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
  external_labels:
    cluster: east-1
{alerting}rule_files:
  - '{rules}'
scrape_configs:
  - job_name: app
    static_configs:
      - targets: ['{target}']
",
        rules = rules.display(),
        target = app.target.host_port(),
    );
    write_file(dir, "prometheus.yml", &config)
}

fn server(dir: &Path, config: &Path, args: &[&str]) -> Server {
    let mut b = ServerBuilder::new(dir)
        .config_file(config)
        .arg("--web.enable-lifecycle")
        .arg("--rules.alert.resend-delay")
        .arg("1s");
    for a in args {
        b = b.arg(*a);
    }
    b.spawn()
}

/// `/api/v1/alerts`' alerts.
fn alerts(s: &Server) -> Vec<Value> {
    s.data("/api/v1/alerts")["alerts"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no alerts array"))
}

/// The alert named `name` in `/api/v1/alerts`, if any.
fn alert(s: &Server, name: &str) -> Option<Value> {
    alerts(s)
        .into_iter()
        .find(|a| a["labels"]["alertname"] == name)
}

/// Polls until alert `name` is in `state`; returns it.
fn wait_state(s: &Server, name: &str, state: &str) -> Value {
    poll(&format!("{name} {state}"), WAIT, || {
        alert(s, name).filter(|a| a["state"] == state)
    })
}

/// `/api/v1/rules` with `query` (`""` or `?...`): its groups.
fn rule_groups(s: &Server, query: &str) -> Vec<Value> {
    s.data(&format!("/api/v1/rules{query}"))["groups"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no groups array"))
}

/// The names of groups and their rules, `group/rule`.
fn rule_names(groups: &[Value]) -> Vec<String> {
    groups
        .iter()
        .flat_map(|g| {
            g["rules"].as_array().unwrap().iter().map(move |r| {
                format!(
                    "{}/{}",
                    g["name"].as_str().unwrap(),
                    r["name"].as_str().unwrap()
                )
            })
        })
        .collect()
}

/// An RFC 3339 time as Unix milliseconds.
fn millis(v: &Value) -> i64 {
    let text = v.as_str().unwrap_or_else(|| panic!("not a time: {v}"));
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .timestamp_millis()
}

/// The value of the series `name{labels}` written exactly so on
/// `/metrics`.
fn self_metric(s: &Server, series: &str) -> Option<f64> {
    let body = s.get("/metrics").body;
    body.lines().find_map(|l| {
        let rest = l.strip_prefix(series)?.strip_prefix(' ')?;
        rest.split(' ').next()?.parse().ok()
    })
}

/// The labels of a JSON object as `k=v` strings, sorted.
fn pairs(labels: &Value) -> Vec<String> {
    let mut out: Vec<String> = labels
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {labels}"))
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
        .collect();
    out.sort();
    out
}

/// Alertmanager's webhook notifications, received by this process.
struct Hook {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Hook {
    fn start() -> Hook {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let store = bodies.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: axum::body::Bytes| {
                let store = store.clone();
                async move {
                    if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                        store.lock().unwrap().push(v);
                    }
                    ""
                }
            }),
        );
        let listener = runtime()
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        runtime().spawn(async move { axum::serve(listener, app).await });
        Hook { url, bodies }
    }

    /// The first alert of `name` in a notification of `status`.
    fn find(&self, status: &str, name: &str) -> Option<Value> {
        let bodies = self.bodies.lock().unwrap();
        bodies
            .iter()
            .filter(|b| b["status"] == status)
            .flat_map(|b| b["alerts"].as_array().cloned().unwrap_or_default())
            .find(|a| a["labels"]["alertname"] == name && a["status"] == status)
    }
}

const RULES: &str = r#"groups:
  - name: app
    labels:
      team: storage
    rules:
      - record: job:app_queue_depth:max
        expr: max by (job, instance) (app_queue_depth)
      - alert: QueueBacklog
        expr: job:app_queue_depth:max > 100
        for: 3s
        labels:
          severity: page
        annotations:
          summary: 'Backlog on {{ $labels.instance }}: {{ $value | humanize }} jobs'
          cluster: '{{ $externalLabels.cluster }}'
  - name: limited
    interval: 2s
    limit: 1
    rules:
      - record: two_series
        expr: label_replace(vector(1), "i", "a", "", "") or label_replace(vector(2), "i", "b", "", "")
"#;

#[test]
fn alert_fires_reaches_alertmanager_and_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let hook = Hook::start();
    let am = runtime().block_on(Alertmanager::start_with(&format!(
        "route:
  receiver: hook
  group_by: ['alertname']
  group_wait: 100ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: '{}'
        send_resolved: true
",
        hook.url
    )));
    let app = App::start(1500.0);
    let rules = write_file(dir.path(), "rules.yml", RULES);
    let config = write_config(dir.path(), &app, &rules, Some(am.address()));
    let s = server(dir.path(), &config, &[]);
    let instance = app.target.host_port();
    let rules_file = rules.display().to_string();

    // Pending, with its templates expanded (no external labels in the API).
    let pending = wait_state(&s, "QueueBacklog", "pending");
    let want_labels = [
        "alertname=QueueBacklog".to_string(),
        format!("instance={instance}"),
        "job=app".into(),
        "severity=page".into(),
        "team=storage".into(),
    ];
    assert_eq!(pairs(&pending["labels"]), want_labels, "{pending}");
    let summary = format!("Backlog on {instance}: 1.5k jobs");
    assert_eq!(pending["annotations"]["summary"], summary.as_str());
    assert_eq!(pending["annotations"]["cluster"], "east-1");
    assert_eq!(pending["value"], "1.5e+03");
    let active_at = millis(&pending["activeAt"]);

    // Firing after `for`, with the same activation.
    let firing = wait_state(&s, "QueueBacklog", "firing");
    assert_eq!(millis(&firing["activeAt"]), active_at, "{firing}");
    assert_eq!(pairs(&firing["labels"]), want_labels);

    // In storage: ALERTS (pending, then firing) and ALERTS_FOR_STATE.
    let alerts_firing = poll("ALERTS firing", WAIT, || {
        let r = s.query(r#"ALERTS{alertname="QueueBacklog",alertstate="firing"}"#);
        (!r.is_empty()).then_some(r)
    });
    let mut want_series: Vec<String> = want_labels.to_vec();
    want_series.extend(["__name__=ALERTS".into(), "alertstate=firing".into()]);
    want_series.sort();
    assert_eq!(pairs(&alerts_firing[0]["metric"]), want_series);
    assert!(
        s.query(r#"ALERTS{alertname="QueueBacklog",alertstate="pending"}"#)
            .is_empty(),
        "the pending series is marked stale once firing"
    );
    assert_eq!(
        s.query(r#"count_over_time(ALERTS{alertname="QueueBacklog",alertstate="pending"}[5m])"#)
            .len(),
        1,
        "ALERTS was written while pending"
    );
    let for_state = s
        .value(r#"ALERTS_FOR_STATE{alertname="QueueBacklog"}"#)
        .expect("ALERTS_FOR_STATE");
    assert_eq!(for_state as i64, active_at.div_euclid(1000));
    assert_eq!(
        s.value(r#"job:app_queue_depth:max{job="app"}"#),
        Some(1500.0)
    );

    // Alertmanager has it, through its own API: external labels added,
    // annotations expanded, `endsAt` ahead while it fires.
    let in_am = runtime().block_on(am.eventually("the firing alert in Alertmanager", |a| {
        a.iter().any(|a| a["labels"]["alertname"] == "QueueBacklog")
    }));
    let a = in_am
        .iter()
        .find(|a| a["labels"]["alertname"] == "QueueBacklog")
        .unwrap();
    let mut want_am: Vec<String> = want_labels.to_vec();
    want_am.push("cluster=east-1".into());
    want_am.sort();
    assert_eq!(pairs(&a["labels"]), want_am, "{a}");
    assert_eq!(a["annotations"]["summary"], summary.as_str());
    assert_eq!(a["annotations"]["cluster"], "east-1");
    assert_eq!(a["status"]["state"], "active");
    assert!(millis(&a["endsAt"]) > now_ms(), "{a}");
    // Sent from when it fired, as Prometheus does.
    let starts_at = millis(&a["startsAt"]);
    assert!(starts_at >= active_at + 3_000, "{a}");
    assert_eq!(
        a["generatorURL"],
        format!(
            "http://{}/graph?g0.expr=job%3Aapp_queue_depth%3Amax+%3E+100&g0.tab=1",
            s.addr
        )
        .as_str()
    );
    poll("the firing webhook", WAIT, || {
        hook.find("firing", "QueueBacklog")
    });

    // /api/v1/rules: Prometheus' shape, and the filters.
    let groups = rule_groups(&s, "");
    assert_eq!(
        rule_names(&groups),
        [
            "app/job:app_queue_depth:max",
            "app/QueueBacklog",
            "limited/two_series"
        ]
    );
    let app_group = &groups[0];
    assert_eq!(app_group["file"], rules_file.as_str());
    assert_eq!(app_group["interval"], 1.0);
    assert!(app_group["evaluationTime"].is_number());
    millis(&app_group["lastEvaluation"]);
    let record = &app_group["rules"][0];
    assert_eq!(record["type"], "recording");
    assert_eq!(record["health"], "ok");
    assert_eq!(record["query"], "max by (job, instance) (app_queue_depth)");
    assert_eq!(pairs(&record["labels"]), ["team=storage"]);
    assert!(record.get("alerts").is_none() && record.get("state").is_none());
    let rule = &app_group["rules"][1];
    assert_eq!(rule["type"], "alerting");
    assert_eq!(rule["state"], "firing");
    assert_eq!(rule["health"], "ok");
    assert_eq!(rule["lastError"], "");
    assert_eq!(rule["duration"], 3.0);
    assert_eq!(rule["query"], "job:app_queue_depth:max > 100");
    assert_eq!(pairs(&rule["labels"]), ["severity=page", "team=storage"]);
    assert_eq!(
        rule["annotations"]["summary"],
        "Backlog on {{ $labels.instance }}: {{ $value | humanize }} jobs"
    );
    assert_eq!(rule["alerts"][0]["state"], "firing");
    assert_eq!(
        rule["alerts"][0]["annotations"]["summary"],
        summary.as_str()
    );
    assert!(rule["evaluationTime"].is_number());
    millis(&rule["lastEvaluation"]);
    // The limited group: its own interval, and the limit breaks the rule.
    let limited = &groups[1];
    assert_eq!(limited["interval"], 2.0);
    let broken = poll("the limit to fail the rule", WAIT, || {
        let g = rule_groups(&s, "?rule_group[]=limited");
        let r = g[0]["rules"][0].clone();
        (r["health"] == "err").then_some(r)
    });
    assert_eq!(
        broken["lastError"], "exceeded limit of 1 with 2 series",
        "{broken}"
    );
    assert!(s.query("two_series").is_empty());
    // Filters.
    let filtered = |q: &str| rule_names(&rule_groups(&s, q));
    assert_eq!(filtered("?type=alert"), ["app/QueueBacklog"]);
    assert_eq!(
        filtered("?type=record"),
        ["app/job:app_queue_depth:max", "limited/two_series"]
    );
    assert_eq!(filtered("?rule_name[]=QueueBacklog"), ["app/QueueBacklog"]);
    assert_eq!(
        filtered("?rule_name[]=QueueBacklog&rule_name[]=two_series"),
        ["app/QueueBacklog", "limited/two_series"]
    );
    assert_eq!(filtered("?rule_group[]=limited"), ["limited/two_series"]);
    assert_eq!(
        filtered(&format!("?file[]={}&type=alert", encode(&rules_file))),
        ["app/QueueBacklog"]
    );
    assert!(filtered("?file[]=/nowhere.yml").is_empty());
    assert_eq!(s.get("/api/v1/rules?type=bogus").status, 400);

    // Self-metrics of the notifier and the groups.
    let am_url = format!("http://{}/api/v2/alerts", am.address());
    poll("alerts counted as sent", WAIT, || {
        self_metric(
            &s,
            &format!("hestia_notifications_sent_total{{alertmanager=\"{am_url}\"}}"),
        )
        .filter(|v| *v >= 1.0)
    });
    let errors = format!("hestia_notifications_errors_total{{alertmanager=\"{am_url}\"}}");
    for (series, want) in [
        (errors.as_str(), 0.0),
        ("hestia_notifications_dropped_total", 0.0),
        ("hestia_notifications_queue_capacity", 10_000.0),
        ("hestia_notifications_alertmanagers_discovered", 1.0),
        (
            &format!("hestia_rule_group_interval_seconds{{rule_group=\"{rules_file};limited\"}}"),
            2.0,
        ),
        (
            &format!("hestia_rule_group_rules{{rule_group=\"{rules_file};app\"}}"),
            2.0,
        ),
    ] {
        assert_eq!(self_metric(&s, series), Some(want), "{series}");
    }
    let failures =
        format!("hestia_rule_evaluation_failures_total{{rule_group=\"{rules_file};limited\"}}");
    assert!(self_metric(&s, &failures).unwrap() >= 1.0);
    let iterations =
        format!("hestia_rule_group_iterations_total{{rule_group=\"{rules_file};app\"}}");
    assert!(self_metric(&s, &iterations).unwrap() >= 3.0);
    let last_eval = format!(
        "hestia_rule_group_last_evaluation_timestamp_seconds{{rule_group=\"{rules_file};app\"}}"
    );
    let t = self_metric(&s, &last_eval).unwrap();
    assert!((t * 1000.0 - now_ms() as f64).abs() < 10_000.0, "{t}");

    // A reload whose Alertmanager client cannot be built (a valid
    // configuration Hestia's HTTP client refuses) is refused and keeps the
    // running notifier: the resolution below still arrives.
    let good = std::fs::read_to_string(&config).unwrap();
    let bad = good.replace(
        "    - timeout: 5s\n",
        "    - timeout: 5s\n      tls_config:\n        server_name: am.example\n",
    );
    assert_ne!(bad, good);
    write_file(dir.path(), "prometheus.yml", &bad);
    let answer = s.post_form("/-/reload", "");
    assert_eq!(answer.status, 500, "{}", answer.body);
    assert!(answer.body.contains("server_name"), "{}", answer.body);
    write_file(dir.path(), "prometheus.yml", &good);

    // The condition clears: the alert resolves everywhere.
    app.depth.set(0.0);
    poll("the alert to leave /api/v1/alerts", WAIT, || {
        alert(&s, "QueueBacklog").is_none().then_some(())
    });
    let rule = &rule_groups(&s, "?rule_name[]=QueueBacklog")[0]["rules"][0];
    assert_eq!(rule["state"], "inactive");
    assert_eq!(rule["alerts"], Value::Array(Vec::new()));
    poll("ALERTS marked stale", WAIT, || {
        s.query(r#"ALERTS{alertname="QueueBacklog"}"#)
            .is_empty()
            .then_some(())
    });
    runtime().block_on(am.eventually("the alert resolved in Alertmanager", |a| {
        !a.iter().any(|a| a["labels"]["alertname"] == "QueueBacklog")
    }));
    let resolved = poll("the resolved webhook", WAIT, || {
        hook.find("resolved", "QueueBacklog")
    });
    let ends_at = millis(&resolved["endsAt"]);
    assert!(
        ends_at > starts_at && ends_at <= now_ms(),
        "endsAt set to the resolution: {resolved}"
    );
    assert_eq!(millis(&resolved["startsAt"]), starts_at);
    assert_eq!(resolved["annotations"]["summary"], summary.as_str());
}

const RELOAD_STEADY: &str = r#"groups:
  - name: steady
    rules:
      - alert: AppUp
        expr: up{job="app"} == 1
        for: 2s
        labels:
          severity: info
"#;

const RELOAD_BEFORE: &str = r#"  - name: edited
    rules:
      - record: app:depth:doubled
        expr: app_queue_depth * 2
      - record: app:depth:tripled
        expr: app_queue_depth * 3
  - name: removed
    rules:
      - record: app:depth:quadrupled
        expr: app_queue_depth * 4
"#;

const RELOAD_AFTER: &str = r#"  - name: edited
    rules:
      - record: app:depth:doubled
        expr: app_queue_depth * 2
      - record: app:depth:halved
        expr: app_queue_depth / 2
"#;

/// The steady group's last evaluation, milliseconds.
fn steady_evaluated(s: &Server) -> i64 {
    millis(&rule_groups(s, "?rule_group[]=steady")[0]["lastEvaluation"])
}

/// Waits until the steady group evaluated `n` more times, checking at
/// every look that `AppUp` fires with activation `active_at`.
fn steady_keeps_firing(s: &Server, active_at: i64, n: i64) {
    let since = steady_evaluated(s);
    poll("the steady group to evaluate on", WAIT, || {
        let a = alert(s, "AppUp").expect("AppUp is active");
        assert_eq!(a["state"], "firing", "{a}");
        assert_eq!(millis(&a["activeAt"]), active_at, "{a}");
        (steady_evaluated(s) >= since + n * 1000 - 500).then_some(())
    });
}

#[test]
fn reload_keeps_unchanged_groups_and_refuses_bad_rule_files() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(10.0);
    let rules = write_file(
        dir.path(),
        "rules.yml",
        &format!("{RELOAD_STEADY}{RELOAD_BEFORE}"),
    );
    let config = write_config(dir.path(), &app, &rules, None);
    let s = server(dir.path(), &config, &[]);

    let firing = wait_state(&s, "AppUp", "firing");
    let active_at = millis(&firing["activeAt"]);
    for name in ["app:depth:tripled", "app:depth:quadrupled"] {
        poll(name, WAIT, || s.value(name).filter(|v| *v > 0.0));
    }

    // Edit one group, drop another, keep `steady` as it was.
    write_file(
        dir.path(),
        "rules.yml",
        &format!("{RELOAD_STEADY}{RELOAD_AFTER}"),
    );
    let reloaded_at = now_ms();
    let answer = s.post_form("/-/reload", "");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        rule_names(&rule_groups(&s, "")),
        [
            "steady/AppUp",
            "edited/app:depth:doubled",
            "edited/app:depth:halved"
        ]
    );
    // The unchanged group's alert keeps firing since the same time, and
    // is still written to storage.
    steady_keeps_firing(&s, active_at, 3);
    poll("ALERTS written after the reload", WAIT, || {
        let t = s.value(r#"timestamp(ALERTS{alertname="AppUp",alertstate="firing"})"#)?;
        (t * 1000.0 > reloaded_at as f64).then_some(())
    });
    // The removed rule's and the removed group's series are stale at
    // once, not after the 5m lookback.
    for name in ["app:depth:tripled", "app:depth:quadrupled"] {
        poll(&format!("{name} marked stale"), WAIT, || {
            s.query(name).is_empty().then_some(())
        });
    }
    poll("the new rule", WAIT, || s.value("app:depth:halved"));

    // Bad rule files are refused with the file, line (and rule), and the
    // old rules run on.
    let syntax = RELOAD_STEADY.replace("        for: 2s", "       for: 2s");
    let bad_expr = RELOAD_STEADY.replace(r#"up{job="app"} == 1"#, r#"up{job="app" == 1"#);
    for (what, text, want) in [
        ("YAML syntax", syntax, format!("{}:6:", rules.display())),
        (
            "PromQL",
            bad_expr,
            format!(
                "{}:5:15: group \"steady\", rule 1, \"AppUp\": could not parse expression",
                rules.display()
            ),
        ),
    ] {
        write_file(dir.path(), "rules.yml", &format!("{text}{RELOAD_AFTER}"));
        let answer = s.post_form("/-/reload", "");
        assert_eq!(answer.status, 500, "{what}: {}", answer.body);
        assert!(
            answer.body.contains(&want),
            "{what}: {:?} lacks {want:?}",
            answer.body
        );
        steady_keeps_firing(&s, active_at, 2);
        let halved_at = s
            .value("timestamp(app:depth:halved)")
            .expect("the running rules still write");
        assert!(halved_at * 1000.0 > now_ms() as f64 - 5_000.0, "{what}");
    }
    assert_eq!(
        self_metric(&s, "hestia_config_last_reload_successful"),
        Some(0.0)
    );
}

#[test]
fn firing_and_pending_alerts_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(500.0);
    let rules = write_file(
        dir.path(),
        "rules.yml",
        r#"groups:
  - name: restart
    rules:
      - alert: AppBusy
        expr: app_queue_depth > 100
        for: 3s
      - alert: AppSlowBurn
        expr: app_queue_depth > 100
        for: 1h
"#,
    );
    let config = write_config(dir.path(), &app, &rules, None);
    let args = ["--rules.alert.for-grace-period", "1s"];
    let mut s = server(dir.path(), &config, &args);

    let busy = millis(&wait_state(&s, "AppBusy", "firing")["activeAt"]);
    let slow = millis(&wait_state(&s, "AppSlowBurn", "pending")["activeAt"]);
    // Pending for a while, so that the served time shows after restart.
    poll("AppSlowBurn pending 8 s", WAIT, || {
        (now_ms() - slow > 8_000).then_some(())
    });
    poll("ALERTS_FOR_STATE of both", WAIT, || {
        (s.query("ALERTS_FOR_STATE").len() == 2).then_some(())
    });
    let answer = s.post_form("/-/quit", "");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(s.wait_exit(WAIT).success(), "{}", s.stderr());

    let restarted_at = now_ms();
    let s = s.builder().spawn();
    // The firing alert fires again with its old activation (to the
    // second, as ALERTS_FOR_STATE keeps it), not after a new `for`.
    let fired = wait_state(&s, "AppBusy", "firing");
    assert_eq!(
        millis(&fired["activeAt"]),
        busy.div_euclid(1000) * 1000,
        "{fired}\n{}",
        s.stderr()
    );
    // The pending one keeps the time it had served: its activation moves
    // by the outage, to before the restart.
    let pending = alert(&s, "AppSlowBurn").expect("AppSlowBurn active");
    assert_eq!(pending["state"], "pending");
    let restored = millis(&pending["activeAt"]);
    assert!(
        restored > slow && restored < restarted_at,
        "activeAt {restored}: before {slow}, restart {restarted_at}"
    );
    assert_eq!(
        s.value(r#"ALERTS_FOR_STATE{alertname="AppBusy"}"#),
        Some(busy.div_euclid(1000) as f64)
    );
}
