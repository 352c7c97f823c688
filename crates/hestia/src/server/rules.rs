//! The server's rules: the groups of `rule_files` run by a
//! [`Scheduler`], alerts sent through an [`AlertmanagerNotifier`] built
//! from `alerting:`, both replaced on reload.
//!
//! [`RuleManager::load`] reads and validates the rule files without
//! touching what runs, so a reload can refuse a bad file before anything
//! changes. [`RuleManager::apply`] stops the running scheduler after its
//! current evaluations, hands each new group the state of the old group
//! with the same key (`file;name`: alerts, written series), writes stale
//! markers for the series of groups that went away, rebuilds the notifier
//! only when `alerting` or the external labels changed, and starts the new
//! schedule. Only the first load restores `for` state from
//! `ALERTS_FOR_STATE`, as in Prometheus; groups of later loads write
//! `ALERTS` from their first evaluation.
//!
//! [`RuleManager::register_metrics`] adds the rule groups' and the
//! notifier's self-metrics (Prometheus' `prometheus_rule_*` and
//! `prometheus_notifications_*` with a `hestia_` prefix) to a registry;
//! they are read from the running groups and notifier at scrape time, and
//! the notifier's counters carry over when a reload replaces it.

use std::collections::BTreeMap;
use std::sync::Arc;

use hestia_api::providers::{
    labels_map, Alert as ApiAlert, Rule as ApiRule, RuleGroup as ApiGroup,
};
use hestia_config::{AlertingConfig, Config};
use hestia_instrument::expfmt::{self, Encoder, FamilyDesc, MetricType, Number};
use hestia_instrument::{Collector, Registry};
use hestia_model::{Labels, STALE_NAN};
use hestia_promql::Engine;
use hestia_rules::notify::DEFAULT_QUEUE_CAPACITY;
use hestia_rules::{
    AlertmanagerNotifier, Evaluator, Group, LoadOptions, Notifier, NotifierOptions, NotifierStats,
    RestoreOptions, Rule, Scheduler, SystemClock, DEFAULT_RESEND_DELAY_MS,
};
use hestia_storage::Appendable;
use hestia_tsdb::Db;
use parking_lot::Mutex;

use super::millis;
use crate::Error;

/// The rule flags (`--rules.*`, `--alertmanager.*`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleSettings {
    /// `--rules.alert.for-outage-tolerance` and `--rules.alert.for-grace-period`.
    pub restore: RestoreOptions,
    /// `--rules.alert.resend-delay`, milliseconds.
    pub resend_delay_ms: i64,
    /// `--alertmanager.notification-queue-capacity`.
    pub queue_capacity: usize,
}

impl Default for RuleSettings {
    fn default() -> RuleSettings {
        RuleSettings {
            restore: RestoreOptions::default(),
            resend_delay_ms: DEFAULT_RESEND_DELAY_MS,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }
}

/// What runs now.
#[derive(Default)]
struct Running {
    scheduler: Option<Scheduler>,
    notifier: Option<(NotifierKey, Arc<AlertmanagerNotifier>)>,
    loaded_once: bool,
}

/// What a notifier was built from: rebuilt when it changes.
#[derive(Debug, Clone, PartialEq)]
struct NotifierKey {
    alerting: AlertingConfig,
    external_labels: Labels,
}

/// What the API and the self-metrics read: copies of what runs, so that
/// reads never wait for a reload.
#[derive(Default)]
struct Live {
    groups: Mutex<Vec<Arc<Mutex<Group>>>>,
    notifier: Mutex<Option<Arc<AlertmanagerNotifier>>>,
    /// The counters of notifiers that reloads replaced, so that totals
    /// never go back.
    retired: Mutex<NotifierStats>,
    queue_capacity: usize,
}

/// The rule groups and the notifier of a server.
pub struct RuleManager {
    db: Arc<Db>,
    engine: Engine,
    settings: RuleSettings,
    running: tokio::sync::Mutex<Running>,
    live: Arc<Live>,
}

impl RuleManager {
    /// A manager with nothing running.
    pub fn new(db: Arc<Db>, engine: Engine, settings: RuleSettings) -> RuleManager {
        RuleManager {
            db,
            engine,
            settings,
            running: tokio::sync::Mutex::new(Running::default()),
            live: Arc::new(Live {
                queue_capacity: settings.queue_capacity.max(1),
                ..Live::default()
            }),
        }
    }

    /// Registers the self-metrics of the rule groups and the notifier on
    /// `registry` (see the module docs).
    pub fn register_metrics(&self, registry: &Registry) -> Result<(), Error> {
        registry
            .register_collector(RuleMetrics(self.live.clone()))
            .map_err(|e| Error::Invalid(format!("registering the rule metrics: {e}")))
    }

    /// Reads the rule files `config` names and builds their groups; the
    /// error names the file, line and rule at fault.
    pub fn load(&self, config: &Config, external_url: &str) -> Result<Vec<Group>, Error> {
        let g = &config.global;
        let options = LoadOptions {
            default_interval_ms: millis(g.evaluation_interval),
            default_query_offset_ms: millis(g.rule_query_offset),
            external_labels: g.external_labels.clone(),
            external_url: external_url.to_owned(),
            restore: true,
            ..LoadOptions::default()
        };
        hestia_rules::groups_from_files(&config.rule_files, &options)
            .map_err(|e| Error::Invalid(format!("loading rule files: {e}")))
    }

    /// Replaces the running groups with `groups` (from [`load`](Self::load)
    /// of the same `config`) and the notifier with one for `config`.
    pub async fn apply(&self, config: &Config, mut groups: Vec<Group>) -> Result<(), Error> {
        let mut running = self.running.lock().await;
        let key = NotifierKey {
            alerting: config.alerting.clone(),
            external_labels: config.global.external_labels.clone(),
        };
        // Build the new notifier first: a bad `alerting` section must not
        // leave the server without its old one.
        let unchanged = running.notifier.as_ref().is_some_and(|(k, _)| *k == key);
        let (notifier, replaced) = if unchanged {
            (running.notifier.take(), None)
        } else {
            let new = start_notifier(&key, self.settings.queue_capacity)?;
            let old = running.notifier.take().map(|(_, n)| n);
            (new.map(|n| (key, n)), old)
        };
        let old_groups = match running.scheduler.take() {
            Some(s) => s.stop().await,
            None => Vec::new(),
        };
        // The old groups are stopped: nothing sends to the old notifier
        // any more, so it can drain and retire.
        if let Some(old) = replaced {
            old.stop().await;
            retire(&mut self.live.retired.lock(), &old.stats());
        }
        let mut old: BTreeMap<String, Group> =
            old_groups.into_iter().map(|g| (g.key(), g)).collect();
        for g in &mut groups {
            if running.loaded_once {
                g.skip_restore();
            }
            if let Some(prev) = old.remove(&g.key()) {
                g.copy_state(&prev);
            }
        }
        self.mark_stale(old.values()).await;

        let mut evaluator =
            Evaluator::new(self.engine.clone(), self.db.clone(), Arc::new(SystemClock));
        evaluator.resend_delay_ms = self.settings.resend_delay_ms;
        evaluator.notifier = notifier
            .as_ref()
            .map(|(_, n)| n.clone() as Arc<dyn Notifier>);
        let scheduler = Scheduler::start(groups, Arc::new(evaluator), self.settings.restore);
        *self.live.groups.lock() = scheduler.groups().to_vec();
        *self.live.notifier.lock() = notifier.as_ref().map(|(_, n)| n.clone());
        running.scheduler = Some(scheduler);
        running.notifier = notifier;
        running.loaded_once = true;
        Ok(())
    }

    /// Writes a stale marker now for every series `gone` groups wrote.
    async fn mark_stale(&self, gone: impl Iterator<Item = &Group>) {
        let series: Vec<Labels> = gone.flat_map(|g| g.written_series().cloned()).collect();
        if series.is_empty() {
            return;
        }
        let db = self.db.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let now = hestia_model::timestamp::now();
            let mut app = db.appender();
            for labels in &series {
                // A refused marker (the series already moved on) is fine.
                let _ = app.append(None, labels, now, STALE_NAN);
            }
            if let Err(e) = app.commit() {
                tracing::warn!("writing stale markers of removed rule groups: {e}");
            }
        })
        .await;
    }

    /// Stops the groups (after their current evaluation) and the notifier
    /// (after sending what is queued).
    pub async fn stop(&self) {
        let mut running = self.running.lock().await;
        if let Some(s) = running.scheduler.take() {
            s.stop().await;
        }
        if let Some((_, n)) = running.notifier.take() {
            n.stop().await;
            retire(&mut self.live.retired.lock(), &n.stats());
        }
        self.live.groups.lock().clear();
        *self.live.notifier.lock() = None;
    }

    /// The groups as `/api/v1/rules` shows them.
    pub fn api_groups(&self) -> Vec<ApiGroup> {
        let groups = self.live.groups.lock().clone();
        groups.iter().map(|g| api_group(&g.lock())).collect()
    }
}

/// Adds the counters of a notifier that stops to `into`.
fn retire(into: &mut NotifierStats, stats: &NotifierStats) {
    into.dropped += stats.dropped;
    into.batches += stats.batches;
    for (url, am) in &stats.alertmanagers {
        let total = into.alertmanagers.entry(url.clone()).or_default();
        total.sent += am.sent;
        total.errors += am.errors;
    }
}

/// The self-metrics of the rule groups and the notifier, read at scrape
/// time.
struct RuleMetrics(Arc<Live>);

/// `(name without _total, help, type)` of every family [`RuleMetrics`]
/// writes, in order.
const RULE_FAMILIES: [(&str, &str, MetricType); 15] = [
    (
        "hestia_notifications_sent",
        "Alerts sent successfully, per Alertmanager.",
        MetricType::Counter,
    ),
    (
        "hestia_notifications_errors",
        "Alerts in posts to Alertmanager that failed, per Alertmanager.",
        MetricType::Counter,
    ),
    (
        "hestia_notifications_dropped",
        "Alerts dropped: queue overflow, or no Alertmanager of a set reached.",
        MetricType::Counter,
    ),
    (
        "hestia_notifications_queue_length",
        "Alerts waiting to be sent.",
        MetricType::Gauge,
    ),
    (
        "hestia_notifications_queue_capacity",
        "The most alerts the queue holds.",
        MetricType::Gauge,
    ),
    (
        "hestia_notifications_alertmanagers_discovered",
        "Alertmanagers alerts are sent to.",
        MetricType::Gauge,
    ),
    (
        "hestia_rule_group_last_evaluation_timestamp_seconds",
        "The time of the group's last evaluation slot.",
        MetricType::Gauge,
    ),
    (
        "hestia_rule_group_last_duration_seconds",
        "How long the group's last evaluation took.",
        MetricType::Gauge,
    ),
    (
        "hestia_rule_group_interval_seconds",
        "The group's evaluation interval.",
        MetricType::Gauge,
    ),
    (
        "hestia_rule_group_rules",
        "Rules in the group.",
        MetricType::Gauge,
    ),
    (
        "hestia_rule_group_last_evaluation_samples",
        "Samples the group's last evaluation returned.",
        MetricType::Gauge,
    ),
    (
        "hestia_rule_group_iterations",
        "Scheduled evaluations of the group, evaluated or missed.",
        MetricType::Counter,
    ),
    (
        "hestia_rule_group_iterations_missed",
        "Evaluations of the group skipped because one ran late.",
        MetricType::Counter,
    ),
    (
        "hestia_rule_evaluations",
        "Rule evaluations.",
        MetricType::Counter,
    ),
    (
        "hestia_rule_evaluation_failures",
        "Rule evaluations that failed.",
        MetricType::Counter,
    ),
];

/// One family's series: label pairs and value.
type Series = Vec<(Vec<(&'static str, String)>, f64)>;

impl RuleMetrics {
    /// The series of every family of [`RULE_FAMILIES`], in its order.
    fn series(&self) -> Vec<Series> {
        let live = &self.0;
        let mut stats = live.retired.lock().clone();
        let notifier = live.notifier.lock().clone();
        let (queue_length, discovered) = match &notifier {
            Some(n) => {
                let now = n.stats();
                retire(&mut stats, &now);
                (now.queue_length, n.alertmanagers().len())
            }
            None => (0, 0),
        };
        let per_am = |f: fn(&hestia_rules::notify::AlertmanagerStats) -> u64| -> Series {
            stats
                .alertmanagers
                .iter()
                .map(|(url, am)| (vec![("alertmanager", url.clone())], f(am) as f64))
                .collect()
        };
        let one = |v: f64| -> Series { vec![(Vec::new(), v)] };
        let mut out = vec![
            per_am(|a| a.sent),
            per_am(|a| a.errors),
            one(stats.dropped as f64),
            one(queue_length as f64),
            one(live.queue_capacity as f64),
            one(discovered as f64),
        ];
        let groups = live.groups.lock().clone();
        let per_group: Vec<(String, Vec<f64>)> = groups
            .iter()
            .map(|g| {
                let g = g.lock();
                let s = &g.stats;
                (
                    g.key(),
                    vec![
                        s.last_eval_timestamp_ms.unwrap_or(0) as f64 / 1000.0,
                        s.evaluation_duration.as_secs_f64(),
                        g.options.interval_ms as f64 / 1000.0,
                        g.rules.len() as f64,
                        s.last_samples as f64,
                        s.iterations_total as f64,
                        s.iterations_missed as f64,
                        s.rule_evaluations as f64,
                        s.rule_failures as f64,
                    ],
                )
            })
            .collect();
        for i in 0..RULE_FAMILIES.len() - out.len() {
            out.push(
                per_group
                    .iter()
                    .map(|(key, values)| (vec![("rule_group", key.clone())], values[i]))
                    .collect(),
            );
        }
        out
    }
}

impl Collector for RuleMetrics {
    fn family_names(&self) -> Vec<String> {
        RULE_FAMILIES
            .iter()
            .map(|(name, _, kind)| format!("{name}{}", kind.sample_suffix()))
            .collect()
    }

    fn collect(&self, encoder: &mut dyn Encoder, labels: &[&expfmt::Labels]) {
        for ((name, help, kind), series) in RULE_FAMILIES.iter().zip(self.series()) {
            encoder.family(&FamilyDesc::new(name, help, *kind));
            for (pairs, value) in series {
                let Ok(own) = expfmt::Labels::from_pairs(pairs) else {
                    continue;
                };
                let mut all = labels.to_vec();
                all.push(&own);
                match kind {
                    MetricType::Counter => {
                        encoder.counter(&all, Number::Float(value), None, None);
                    }
                    _ => encoder.gauge(&all, Number::Float(value)),
                }
            }
        }
    }
}

/// A notifier for `key`, or none when no Alertmanager is configured.
fn start_notifier(
    key: &NotifierKey,
    queue_capacity: usize,
) -> Result<Option<Arc<AlertmanagerNotifier>>, Error> {
    if key.alerting.alertmanagers.is_empty() {
        return Ok(None);
    }
    let options = NotifierOptions {
        queue_capacity,
        external_labels: key.external_labels.clone(),
        ..NotifierOptions::default()
    };
    AlertmanagerNotifier::start(&key.alerting, options)
        .map(|n| Some(Arc::new(n)))
        .map_err(|e| Error::Invalid(format!("alerting: {e}")))
}

fn api_group(g: &Group) -> ApiGroup {
    ApiGroup {
        name: g.name().to_owned(),
        file: g.file().to_owned(),
        rules: g.rules.iter().map(api_rule).collect(),
        interval: g.options.interval_ms as f64 / 1000.0,
        evaluation_time: g.stats.evaluation_duration.as_secs_f64(),
        last_evaluation: g.stats.last_evaluation_ms,
    }
}

fn api_rule(r: &Rule) -> ApiRule {
    let status = r.status();
    let mut out = ApiRule {
        name: r.name().to_owned(),
        query: r.expr().to_owned(),
        labels: BTreeMap::new(),
        health: status.health.as_str().to_owned(),
        last_error: status.last_error.clone().unwrap_or_default(),
        evaluation_time: status.evaluation_duration.as_secs_f64(),
        last_evaluation: status.last_evaluation_ms,
        kind: "recording".into(),
        state: None,
        duration: None,
        annotations: None,
        alerts: None,
    };
    match r {
        Rule::Recording(rec) => out.labels = rec.labels.clone(),
        Rule::Alerting(a) => {
            out.labels = a.labels.clone();
            out.kind = "alerting".into();
            out.state = Some(
                a.state()
                    .map_or("inactive", hestia_rules::AlertState::as_str)
                    .to_owned(),
            );
            out.duration = Some(a.hold_ms as f64 / 1000.0);
            out.annotations = Some(a.annotations.clone());
            out.alerts = Some(
                a.active_alerts()
                    .map(|al| ApiAlert {
                        labels: labels_map(&al.labels),
                        annotations: al.annotations.iter().cloned().collect(),
                        state: al.state.as_str().to_owned(),
                        active_at: Some(al.active_at),
                        // Prometheus writes alert values with `FormatFloat(v, 'e', -1, 64)`.
                        value: hestia_rules::template::format_float(al.value, 'e', None, false),
                    })
                    .collect(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use hestia_rules::template::format_float;

    fn go_exponent(v: f64) -> String {
        format_float(v, 'e', None, false)
    }

    #[test]
    fn alert_values_as_go_writes_them() {
        for (v, want) in [
            (1.0, "1e+00"),
            (0.0, "0e+00"),
            (1234.5, "1.2345e+03"),
            (0.05, "5e-02"),
            (-2.5e-300, "-2.5e-300"),
            (1e21, "1e+21"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ] {
            assert_eq!(go_exponent(v), want, "{v}");
        }
    }
}
