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
//! `ALERTS_FOR_STATE`, as in Prometheus.

use std::collections::BTreeMap;
use std::sync::Arc;

use hestia_api::providers::{
    labels_map, Alert as ApiAlert, Rule as ApiRule, RuleGroup as ApiGroup,
};
use hestia_config::{AlertingConfig, Config};
use hestia_model::{Labels, STALE_NAN};
use hestia_promql::Engine;
use hestia_rules::notify::DEFAULT_QUEUE_CAPACITY;
use hestia_rules::{
    AlertmanagerNotifier, Evaluator, Group, LoadOptions, Notifier, NotifierOptions, RestoreOptions,
    Rule, Scheduler, SystemClock, DEFAULT_RESEND_DELAY_MS,
};
use hestia_storage::Appendable;
use hestia_tsdb::Db;
use parking_lot::Mutex;

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

/// The rule groups and the notifier of a server.
pub struct RuleManager {
    db: Arc<Db>,
    engine: Engine,
    settings: RuleSettings,
    running: tokio::sync::Mutex<Running>,
    /// The running groups, for the API (cloned out of `running` so that
    /// reads never wait for a reload).
    groups: Mutex<Vec<Arc<Mutex<Group>>>>,
}

impl RuleManager {
    /// A manager with nothing running.
    pub fn new(db: Arc<Db>, engine: Engine, settings: RuleSettings) -> RuleManager {
        RuleManager {
            db,
            engine,
            settings,
            running: tokio::sync::Mutex::new(Running::default()),
            groups: Mutex::new(Vec::new()),
        }
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
        let notifier = match running.notifier.take() {
            Some((old_key, n)) if old_key == key => Some((old_key, n)),
            old => {
                let new = start_notifier(&key, self.settings.queue_capacity)?;
                if let Some((_, old)) = old {
                    old.stop().await;
                }
                new.map(|n| (key, n))
            }
        };
        let old_groups = match running.scheduler.take() {
            Some(s) => s.stop().await,
            None => Vec::new(),
        };
        let mut old: BTreeMap<String, Group> =
            old_groups.into_iter().map(|g| (g.key(), g)).collect();
        for g in &mut groups {
            if running.loaded_once {
                g.options.should_restore = false;
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
        *self.groups.lock() = scheduler.groups().to_vec();
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
        }
        self.groups.lock().clear();
    }

    /// The Alertmanager URLs alerts go to.
    pub fn alertmanagers(&self) -> Vec<String> {
        self.running
            .try_lock()
            .ok()
            .and_then(|r| r.notifier.as_ref().map(|(_, n)| n.alertmanagers()))
            .unwrap_or_default()
    }

    /// The groups as `/api/v1/rules` shows them.
    pub fn api_groups(&self) -> Vec<ApiGroup> {
        let groups = self.groups.lock().clone();
        groups.iter().map(|g| api_group(&g.lock())).collect()
    }
}

fn millis(d: hestia_config::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
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
                        value: go_exponent(al.value),
                    })
                    .collect(),
            );
        }
    }
    out
}

/// `v` as Go's `strconv.FormatFloat(v, 'e', -1, 64)`, which Prometheus
/// uses for alert values: `1e+00`, `1.2345e+03`, `NaN`, `+Inf`.
fn go_exponent(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let s = format!("{v:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

#[cfg(test)]
mod tests {
    use super::go_exponent;

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
