//! Group evaluation over `MemStorage`: the alert state machine step by
//! step (pending, firing, resolved, `keep_firing_for`), the `ALERTS` and
//! `ALERTS_FOR_STATE` series with stale markers, recording rules seeing
//! earlier rules' results, limits, duplicate label sets, query offsets,
//! notifications and `for`-state restoration.

use std::collections::BTreeMap;
use std::sync::Mutex;

use hestia_model::{is_stale_nan, labels, Labels};
use hestia_promql::Engine;
use hestia_rules::{
    AlertState, AlertingRule, EvalContext, Group, GroupOptions, ManualClock, Notification,
    Notifier, RecordingRule, RestoreOptions, Rule, RuleHealth,
};
use hestia_storage::{Appendable, MemStorage};

const MIN: i64 = 60_000;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load(storage: &MemStorage, series: &Labels, values: &[(i64, f64)]) {
    let mut app = storage.appender();
    for &(t, v) in values {
        app.append(None, series, t, v).unwrap();
    }
    app.commit().unwrap();
}

fn alert_rule(expr: &str, hold: i64, keep: i64) -> AlertingRule {
    AlertingRule::new(
        "HighValue",
        expr,
        hold,
        keep,
        map(&[
            ("severity", "page"),
            ("instance_copy", "{{ $labels.instance }}"),
        ]),
        map(&[("summary", "value {{ $value }} on {{ $labels.instance }}")]),
        labels! {"region" => "eu"},
        "http://hestia:9090",
        true,
    )
}

fn group(rules: Vec<Rule>, interval: i64) -> Group {
    Group::new(
        GroupOptions {
            name: "g".into(),
            file: "rules.yml".into(),
            interval_ms: interval,
            ..GroupOptions::default()
        },
        rules,
    )
}

struct Env {
    storage: MemStorage,
    engine: Engine,
    clock: ManualClock,
}

impl Env {
    fn new() -> Env {
        Env {
            storage: MemStorage::new(),
            engine: Engine::default(),
            clock: ManualClock::new(0),
        }
    }

    fn ctx<'a>(&'a self, notifier: Option<&'a dyn Notifier>) -> EvalContext<'a> {
        EvalContext {
            engine: &self.engine,
            queryable: &self.storage,
            appendable: &self.storage,
            notifier,
            resend_delay_ms: MIN,
            clock: &self.clock,
        }
    }

    fn series(&self, name: &str) -> Vec<(Labels, Vec<(i64, f64)>)> {
        self.storage
            .dump()
            .into_iter()
            .filter(|(l, _)| l.metric_name() == Some(name))
            .map(|(l, s)| (l, s.into_iter().map(|s| (s.t, s.v)).collect()))
            .collect()
    }
}

fn state(g: &Group) -> Vec<AlertState> {
    g.rules[0]
        .as_alerting()
        .unwrap()
        .active
        .values()
        .map(|a| a.state)
        .collect()
}

#[test]
fn alerts_go_pending_firing_and_resolved() {
    let env = Env::new();
    let up = labels! {"__name__" => "v", "instance" => "a:1"};
    // 0 until 2m, 10 from 2m to 7m, 0 after.
    let values: Vec<(i64, f64)> = (0..12)
        .map(|i| (i * MIN, if (2..7).contains(&i) { 10.0 } else { 0.0 }))
        .collect();
    load(&env.storage, &up, &values);
    let mut g = group(vec![Rule::Alerting(alert_rule("v > 5", 2 * MIN, 0))], MIN);
    // (minute, states after the evaluation)
    let steps: [(i64, &[AlertState]); 9] = [
        (0, &[]),
        (1, &[]),
        (2, &[AlertState::Pending]),
        (3, &[AlertState::Pending]),
        (4, &[AlertState::Firing]),
        (6, &[AlertState::Firing]),
        (7, &[AlertState::Inactive]),
        (8, &[AlertState::Inactive]),
        (23, &[]),
    ];
    for (m, want) in steps {
        g.eval(&env.ctx(None), m * MIN);
        assert_eq!(state(&g), want, "minute {m}");
    }
    let rule = g.rules[0].as_alerting().unwrap();
    assert_eq!(rule.status.health, RuleHealth::Good);
    // ALERTS: pending at 2m and 3m then stale at 4m; firing 4m..6m, stale at 7m.
    let alerts = env.series("ALERTS");
    let by_state = |s: &str| {
        alerts
            .iter()
            .find(|(l, _)| l.get("alertstate") == Some(s))
            .map(|(l, v)| (l.clone(), v.clone()))
            .unwrap()
    };
    let (pending_labels, pending) = by_state("pending");
    assert_eq!(
        pending_labels,
        labels! {"__name__" => "ALERTS", "alertname" => "HighValue", "alertstate" => "pending", "instance" => "a:1", "instance_copy" => "a:1", "severity" => "page"}
    );
    assert_eq!(pending[..2], [(2 * MIN, 1.0), (3 * MIN, 1.0)]);
    assert!(pending[2].0 == 4 * MIN && is_stale_nan(pending[2].1));
    let (_, firing) = by_state("firing");
    assert_eq!(firing[..2], [(4 * MIN, 1.0), (6 * MIN, 1.0)]);
    assert!(firing[2].0 == 7 * MIN && is_stale_nan(firing[2].1));
    // ALERTS_FOR_STATE holds the activation time in seconds.
    let for_state = env.series("ALERTS_FOR_STATE");
    assert_eq!(for_state[0].1[0], (2 * MIN, 120.0));
}

#[test]
fn annotations_are_expanded_per_alert() {
    let env = Env::new();
    load(
        &env.storage,
        &labels! {"__name__" => "v", "instance" => "a:1"},
        &[(0, 7.5)],
    );
    let mut g = group(vec![Rule::Alerting(alert_rule("v > 5", 0, 0))], MIN);
    g.eval(&env.ctx(None), 0);
    let a = g.rules[0]
        .as_alerting()
        .unwrap()
        .active
        .values()
        .next()
        .unwrap()
        .clone();
    assert_eq!(a.state, AlertState::Firing);
    assert_eq!(
        a.annotations,
        [("summary".to_string(), "value 7.5 on a:1".to_string())]
    );
}

#[test]
fn keep_firing_for_holds_a_resolved_condition() {
    let env = Env::new();
    let v = labels! {"__name__" => "v", "instance" => "a:1"};
    load(
        &env.storage,
        &v,
        &[
            (0, 10.0),
            (MIN, 0.0),
            (2 * MIN, 0.0),
            (3 * MIN, 0.0),
            (4 * MIN, 0.0),
        ],
    );
    let mut g = group(vec![Rule::Alerting(alert_rule("v > 5", 0, 2 * MIN))], MIN);
    let steps: [(i64, &[AlertState]); 4] = [
        (0, &[AlertState::Firing]),
        (1, &[AlertState::Firing]),
        (2, &[AlertState::Firing]),
        (3, &[AlertState::Inactive]),
    ];
    for (m, want) in steps {
        g.eval(&env.ctx(None), m * MIN);
        assert_eq!(state(&g), want, "minute {m}");
    }
}

#[test]
fn recording_rules_see_earlier_results_of_the_same_evaluation() {
    let env = Env::new();
    load(
        &env.storage,
        &labels! {"__name__" => "x", "job" => "a"},
        &[(0, 2.0)],
    );
    let rules = vec![
        Rule::Recording(RecordingRule::new(
            "job:x:double",
            "x * 2",
            map(&[("team", "core")]),
        )),
        Rule::Recording(RecordingRule::new(
            "job:x:quad",
            "job:x:double * 2",
            BTreeMap::new(),
        )),
    ];
    let mut g = group(rules, MIN);
    g.eval(&env.ctx(None), 0);
    assert_eq!(
        env.series("job:x:quad"),
        [(
            labels! {"__name__" => "job:x:quad", "job" => "a", "team" => "core"},
            vec![(0, 8.0)]
        )]
    );
    assert!(g
        .rules
        .iter()
        .all(|r| r.status().health == RuleHealth::Good));
}

#[test]
fn vanished_recorded_series_get_stale_markers() {
    let env = Env::new();
    load(
        &env.storage,
        &labels! {"__name__" => "x", "job" => "a"},
        &[(0, 1.0)],
    );
    load(
        &env.storage,
        &labels! {"__name__" => "x", "job" => "b"},
        &[(0, 1.0), (MIN, 1.0)],
    );
    let mut g = group(
        vec![Rule::Recording(RecordingRule::new(
            "r",
            "x",
            BTreeMap::new(),
        ))],
        MIN,
    );
    g.eval(&env.ctx(None), 0);
    // `x{job="a"}` has no sample after 0 but stays visible for 5 minutes.
    g.eval(&env.ctx(None), 6 * MIN);
    let series = env.series("r");
    let a = &series
        .iter()
        .find(|(l, _)| l.get("job") == Some("a"))
        .unwrap()
        .1;
    assert_eq!(a.len(), 2);
    assert!(a[1].0 == 6 * MIN && is_stale_nan(a[1].1));
}

#[test]
fn errors_make_rules_unhealthy_with_prometheus_messages() {
    let env = Env::new();
    load(
        &env.storage,
        &labels! {"__name__" => "m", "l" => "1"},
        &[(0, 1.0)],
    );
    load(
        &env.storage,
        &labels! {"__name__" => "m", "l" => "2"},
        &[(0, 1.0)],
    );
    let limited = Group::new(
        GroupOptions {
            name: "limited".into(),
            interval_ms: MIN,
            limit: 1,
            ..GroupOptions::default()
        },
        vec![
            Rule::Recording(RecordingRule::new("r", "m > 0", BTreeMap::new())),
            Rule::Alerting(alert_rule("m > 0", 0, 0)),
        ],
    );
    let dup = group(
        vec![
            Rule::Recording(RecordingRule::new(
                "foo",
                "vector(0) or label_replace(vector(0),\"test\",\"x\",\"\",\"\")",
                map(&[("test", "test")]),
            )),
            Rule::Alerting(AlertingRule::new(
                "A",
                "m",
                0,
                0,
                map(&[("l", "same")]),
                BTreeMap::new(),
                Labels::default(),
                "",
                true,
            )),
            Rule::Recording(RecordingRule::new("s", "\"str\"", BTreeMap::new())),
        ],
        MIN,
    );
    let cases = [
        (
            limited,
            vec![
                "exceeded limit of 1 with 2 series",
                "exceeded limit of 1 with 2 alerts",
            ],
        ),
        (
            dup,
            vec![
                "vector contains metrics with the same labelset after applying rule labels",
                "vector contains metrics with the same labelset after applying alert labels",
                "rule result is not a vector or scalar",
            ],
        ),
    ];
    for (mut g, want) in cases {
        g.eval(&env.ctx(None), 0);
        let got: Vec<_> = g
            .rules
            .iter()
            .map(|r| r.last_error().unwrap_or("").to_string())
            .collect();
        assert_eq!(got, want);
        assert!(g.rules.iter().all(|r| r.status().health == RuleHealth::Bad));
        assert_eq!(g.stats.rule_failures, want.len() as u64);
    }
}

#[test]
fn query_offset_shifts_queries_and_written_samples() {
    let env = Env::new();
    load(
        &env.storage,
        &labels! {"__name__" => "x"},
        &[(0, 1.0), (MIN, 2.0)],
    );
    let mut g = Group::new(
        GroupOptions {
            name: "g".into(),
            interval_ms: MIN,
            query_offset_ms: MIN,
            ..GroupOptions::default()
        },
        vec![Rule::Recording(RecordingRule::new(
            "r",
            "x",
            BTreeMap::new(),
        ))],
    );
    g.eval(&env.ctx(None), 2 * MIN);
    assert_eq!(env.series("r")[0].1, [(MIN, 2.0)]);
}

#[derive(Default)]
struct Collect(Mutex<Vec<Notification>>);

impl Notifier for Collect {
    fn send(&self, _expr: &str, alerts: Vec<Notification>) {
        self.0.lock().unwrap().extend(alerts);
    }
}

#[test]
fn notifications_follow_resend_and_resolution_rules() {
    let env = Env::new();
    let v = labels! {"__name__" => "v", "instance" => "a:1"};
    load(
        &env.storage,
        &v,
        &[(0, 10.0), (MIN / 2, 10.0), (MIN, 10.0), (2 * MIN, 0.0)],
    );
    let mut g = group(vec![Rule::Alerting(alert_rule("v > 5", 0, 0))], MIN / 2);
    let sink = Collect::default();
    // (time, notifications expected at it: (startsAt, endsAt))
    type Sent = Vec<(Option<i64>, Option<i64>)>;
    let steps: [(i64, Sent); 4] = [
        (0, vec![(Some(0), Some(4 * MIN))]),
        (MIN / 2, vec![]),
        (MIN + 1, vec![(Some(0), Some(5 * MIN + 1))]),
        (2 * MIN, vec![(Some(0), Some(2 * MIN))]),
    ];
    for (t, want) in steps {
        g.eval(&env.ctx(Some(&sink)), t);
        let got: Vec<_> = sink
            .0
            .lock()
            .unwrap()
            .drain(..)
            .map(|n| (n.starts_at_ms, n.ends_at_ms))
            .collect();
        assert_eq!(got, want, "at {t}");
    }
    let rule = g.rules[0].as_alerting().unwrap();
    let n = Notification::from_alert(
        rule.active.values().next().unwrap(),
        &rule.expr,
        &rule.external_url,
    );
    assert_eq!(
        n.generator_url,
        "http://hestia:9090/graph?g0.expr=v+%3E+5&g0.tab=1"
    );
}

#[test]
fn for_state_is_restored_with_the_grace_period() {
    // Restoration matches on the rule's labels as written, so templated
    // labels (as in `alert_rule`) would defeat it, as in Prometheus.
    let alert_rule = |expr: &str, hold: i64, keep: i64| {
        AlertingRule::new(
            "HighValue",
            expr,
            hold,
            keep,
            map(&[("severity", "page")]),
            BTreeMap::new(),
            Labels::default(),
            "",
            true,
        )
    };
    let env = Env::new();
    let v = labels! {"__name__" => "v", "instance" => "a:1"};
    let hold = 30 * MIN;
    // Active since 0 before a restart at 10m; the old ALERTS_FOR_STATE
    // series says so (value: activation second), last written at 10m.
    let for_state = labels! {"__name__" => "ALERTS_FOR_STATE", "alertname" => "HighValue", "instance" => "a:1", "severity" => "page"};
    load(&env.storage, &for_state, &[(10 * MIN, 0.0)]);
    load(
        &env.storage,
        &v,
        &(0..60).map(|i| (i * MIN, 10.0)).collect::<Vec<_>>(),
    );
    // (restart at, restored activeAt)
    let cases = [
        // 10 minutes of pending served, 20 left (>= grace): the activation
        // moves by the 5m outage.
        (15 * MIN, 5 * MIN),
        // The same after a 25m outage.
        (35 * MIN, 25 * MIN),
    ];
    for (restart, want) in cases {
        let mut rule = alert_rule("v > 5", hold, 0);
        rule.restored = false;
        let mut g = group(vec![Rule::Alerting(rule)], MIN);
        g.eval(&env.ctx(None), restart);
        g.restore_for_state(&env.ctx(None), restart, RestoreOptions::default());
        let rule = g.rules[0].as_alerting().unwrap();
        assert!(rule.restored);
        assert_eq!(
            rule.active.values().next().unwrap().active_at,
            want,
            "restart {restart}"
        );
    }
    // Less than the grace period left: fires 10m after the restart.
    let short = labels! {"__name__" => "ALERTS_FOR_STATE", "alertname" => "HighValue", "instance" => "a:1", "severity" => "page"};
    let env2 = Env::new();
    load(&env2.storage, &short, &[(28 * MIN, 0.0)]);
    load(&env2.storage, &v, &[(29 * MIN, 10.0)]);
    let mut rule = alert_rule("v > 5", hold, 0);
    rule.restored = false;
    let mut g = group(vec![Rule::Alerting(rule)], MIN);
    g.eval(&env2.ctx(None), 29 * MIN);
    g.restore_for_state(&env2.ctx(None), 29 * MIN, RestoreOptions::default());
    let a = g.rules[0]
        .as_alerting()
        .unwrap()
        .active
        .values()
        .next()
        .unwrap()
        .active_at;
    assert_eq!(a, 29 * MIN + 10 * MIN - hold);

    // Firing when the server went down (active 40m at 40m, for 30m): the
    // alert keeps its activation, so it fires again at the next
    // evaluation instead of pending anew (a bug: it restarted `for`).
    let env3 = Env::new();
    load(&env3.storage, &for_state, &[(40 * MIN + 999, 0.0)]);
    load(&env3.storage, &v, &[(45 * MIN, 10.0), (46 * MIN, 10.0)]);
    let mut rule = alert_rule("v > 5", hold, 0);
    rule.restored = false;
    let mut g = group(vec![Rule::Alerting(rule)], MIN);
    g.eval(&env3.ctx(None), 45 * MIN);
    g.restore_for_state(&env3.ctx(None), 45 * MIN, RestoreOptions::default());
    let rule = g.rules[0].as_alerting().unwrap();
    assert_eq!(rule.active.values().next().unwrap().active_at, 0);
    assert_eq!(rule.state(), Some(AlertState::Pending));
    g.eval(&env3.ctx(None), 46 * MIN);
    let rule = g.rules[0].as_alerting().unwrap();
    assert_eq!(rule.state(), Some(AlertState::Firing));
    assert_eq!(rule.active.values().next().unwrap().active_at, 0);
}

#[test]
fn groups_that_skip_restoring_write_alerts_at_once() {
    // A reload builds rules that would wait for a restore; `skip_restore`
    // marks them restored, so ALERTS is written from the first evaluation.
    let env = Env::new();
    load(&env.storage, &labels! {"__name__" => "v"}, &[(0, 10.0)]);
    let mut rule = alert_rule("v > 5", 0, 0);
    rule.restored = false;
    let mut g = group(vec![Rule::Alerting(rule)], MIN);
    g.options.should_restore = true;
    g.skip_restore();
    assert!(!g.options.should_restore);
    g.eval(&env.ctx(None), MIN);
    assert_eq!(env.series("ALERTS").len(), 1);
}

#[test]
fn group_slots_follow_prometheus_hashed_offsets() {
    let g = group(Vec::new(), MIN);
    let slot = g.eval_timestamp(10 * MIN + 1);
    assert!(slot <= 10 * MIN + 1 && slot > 9 * MIN);
    assert_eq!(g.eval_timestamp(slot), slot);
    assert_eq!(g.eval_timestamp(slot + MIN - 1), slot);
    assert_eq!(g.eval_timestamp(slot + MIN), slot + MIN);
}
