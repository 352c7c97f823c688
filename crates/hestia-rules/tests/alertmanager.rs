//! [`AlertmanagerNotifier`] end to end: a `Group` with an alerting rule
//! over `MemStorage` on a manual clock sends its firing alert (templated
//! annotation, external labels) to the real Alertmanager 0.25 (Debian's
//! `prometheus-alertmanager`, installed by `scripts/test`), then its
//! resolution; and Alertmanagers that refuse connections or never answer
//! neither block evaluation nor go uncounted.

#[path = "common/alertmanager.rs"]
mod alertmanager;

use std::collections::BTreeMap;
use std::net::TcpListener as StdListener;
use std::time::Duration;

use alertmanager::{free_port, Alertmanager};

use hestia_config::Config;
use hestia_model::{labels, Labels};
use hestia_promql::Engine;
use hestia_rules::{
    AlertState, AlertingRule, AlertmanagerNotifier, EvalContext, Group, GroupOptions, ManualClock,
    Notifier, NotifierOptions, NotifierStats, Rule,
};
use hestia_storage::{Appendable, MemStorage};
use serde_json::Value;

const SEC: i64 = 1000;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A group evaluating `HighValue` (`value > 10` for 1m) every 15 s.
fn group() -> Group {
    let rule = AlertingRule::new(
        "HighValue",
        "value > 10",
        60 * SEC,
        0,
        map(&[("severity", "page")]),
        map(&[("summary", "value {{ $value }} on {{ $labels.instance }}")]),
        Labels::default(),
        "http://hestia:9090",
        true,
    );
    Group::new(
        GroupOptions {
            name: "g".into(),
            file: "rules.yml".into(),
            interval_ms: 15 * SEC,
            ..GroupOptions::default()
        },
        vec![Rule::Alerting(rule)],
    )
}

fn write(storage: &MemStorage, t: i64, v: f64) {
    let mut app = storage.appender();
    let series = labels! {"__name__" => "value", "instance" => "host1"};
    app.append(None, &series, t, v).unwrap();
    app.commit().unwrap();
}

fn state(g: &Group) -> Option<AlertState> {
    g.rules[0].as_alerting().unwrap().state()
}

fn notifier_for(alerting_yaml: &str) -> AlertmanagerNotifier {
    let yaml = format!("global:\n  external_labels:\n    cluster: test\n{alerting_yaml}");
    let config = Config::load_str(&yaml, "prometheus.yml").unwrap();
    AlertmanagerNotifier::start(
        &config.alerting,
        NotifierOptions {
            external_labels: config.global.external_labels.clone(),
            ..NotifierOptions::default()
        },
    )
    .unwrap()
}

async fn wait_stats(n: &AlertmanagerNotifier, what: &str, f: impl Fn(&NotifierStats) -> bool) {
    let mut rx = n.subscribe_stats();
    let waited = tokio::time::timeout(Duration::from_secs(30), rx.wait_for(|s| f(s))).await;
    assert!(
        matches!(waited, Ok(Ok(_))),
        "{what}: not after 30 s: {:?}",
        n.stats()
    );
}

fn summary(a: &Value) -> &str {
    a["annotations"]["summary"].as_str().unwrap_or("")
}

#[tokio::test]
async fn firing_then_resolved_alert_reaches_alertmanager() {
    let am = Alertmanager::start().await;
    let address = am.address();
    let notifier = notifier_for(&format!(
        "alerting:\n  alertmanagers:\n    - timeout: 5s\n      static_configs:\n        - targets: ['{address}']\n"
    ));
    let (storage, engine) = (MemStorage::new(), Engine::default());
    // Alertmanager judges `endsAt` by its own clock: the rule's times are
    // put in the recent past, so the firing alert's `endsAt` (its time
    // plus four resend delays) is ahead and the resolved one's behind.
    let t0 = hestia_model::timestamp::now() - 120 * SEC;
    let clock = ManualClock::new(t0);
    let ctx = EvalContext {
        engine: &engine,
        queryable: &storage,
        appendable: &storage,
        notifier: Some(&notifier as &dyn Notifier),
        resend_delay_ms: 60 * SEC,
        clock: &clock,
    };
    let mut g = group();

    write(&storage, t0, 20.0);
    g.eval(&ctx, t0);
    assert_eq!(state(&g), Some(AlertState::Pending));
    assert_eq!(notifier.stats().batches, 0, "pending alerts are not sent");

    write(&storage, t0 + 60 * SEC, 20.0);
    clock.set(t0 + 60 * SEC);
    g.eval(&ctx, t0 + 60 * SEC);
    assert_eq!(state(&g), Some(AlertState::Firing));
    let alerts = am
        .eventually("the firing alert", |alerts| {
            alerts
                .iter()
                .any(|a| a["labels"]["alertname"] == "HighValue")
        })
        .await;
    let alert = alerts
        .iter()
        .find(|a| a["labels"]["alertname"] == "HighValue")
        .unwrap();
    assert_eq!(summary(alert), "value 20 on host1");
    assert_eq!(
        alert["labels"]["cluster"], "test",
        "external label: {alert}"
    );
    assert_eq!(alert["labels"]["severity"], "page");
    assert_eq!(alert["labels"]["instance"], "host1");
    assert_eq!(alert["status"]["state"], "active");
    assert_eq!(
        alert["generatorURL"],
        "http://hestia:9090/graph?g0.expr=value+%3E+10&g0.tab=1"
    );

    write(&storage, t0 + 75 * SEC, 0.0);
    clock.set(t0 + 75 * SEC);
    g.eval(&ctx, t0 + 75 * SEC);
    assert_eq!(state(&g), Some(AlertState::Inactive));
    am.eventually("the alert resolved", |alerts| {
        !alerts
            .iter()
            .any(|a| a["labels"]["alertname"] == "HighValue")
    })
    .await;
    wait_stats(&notifier, "two batches sent", |s| s.sent_total() == 2).await;
    let stats = notifier.stats();
    assert_eq!((stats.errors_total(), stats.dropped), (0, 0), "{stats:?}");
    notifier.stop().await;
}

#[tokio::test]
async fn unreachable_alertmanagers_do_not_block_evaluation() {
    // Refuses connections: bound, then released.
    let refused = format!("127.0.0.1:{}", free_port());
    // Accepts connections (the kernel's backlog) but never answers.
    let black_hole = StdListener::bind("127.0.0.1:0").unwrap();
    let silent = black_hole.local_addr().unwrap().to_string();
    // (name, target, timeout, whether posts hang until the timeout)
    let cases = [
        ("refused", refused, "200ms", false),
        ("silent", silent, "2s", true),
    ];
    for (name, target, timeout, hangs) in cases {
        let notifier = notifier_for(&format!(
            "alerting:\n  alertmanagers:\n    - timeout: {timeout}\n      static_configs:\n        - targets: ['{target}']\n"
        ));
        let (storage, engine) = (MemStorage::new(), Engine::default());
        let clock = ManualClock::new(0);
        let ctx = EvalContext {
            engine: &engine,
            queryable: &storage,
            appendable: &storage,
            notifier: Some(&notifier as &dyn Notifier),
            resend_delay_ms: 0,
            clock: &clock,
        };
        let mut g = group();
        for step in 0..10 {
            let t = step * 15 * SEC;
            write(&storage, t, 20.0);
            clock.set(t);
            g.eval(&ctx, t);
        }
        assert_eq!(state(&g), Some(AlertState::Firing), "{name}");
        if hangs {
            // Every evaluation returned while the first post still waited
            // for an answer.
            assert_eq!(
                notifier.stats().batches,
                0,
                "{name}: {:?}",
                notifier.stats()
            );
        }
        wait_stats(&notifier, name, |s| {
            s.queue_length == 0 && s.errors_total() > 0 && s.errors_total() == s.dropped
        })
        .await;
        notifier.stop().await;
        let stats = notifier.stats();
        let am = stats.alertmanagers.values().next().unwrap();
        assert_eq!(am.sent, 0, "{name}: {stats:?}");
        assert_eq!(am.errors, stats.dropped, "{name}: {stats:?}");
        assert!(am.last_error.is_some(), "{name}: {stats:?}");
    }
}
