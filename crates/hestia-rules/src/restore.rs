//! Restoring alerts' `for` state after a restart, as Prometheus'
//! `RestoreForState` does: for each active alert, the last
//! `ALERTS_FOR_STATE` sample within the outage tolerance gives when the
//! alert became active and when the server went down; the pending time
//! already served counts, but an alert never fires sooner than the grace
//! period after the restart. An alert that was firing keeps its
//! activation time and fires again at the next evaluation.

use hestia_model::{is_stale_nan, MatchType, Matcher, METRIC_NAME};
use hestia_storage::SelectHints;

use crate::context::EvalContext;
use crate::group::Group;
use crate::rule::alerting::ALERTS_FOR_STATE;

/// Prometheus' restore settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestoreOptions {
    /// How long an outage may last for state to be restored
    /// (`--rules.alert.for-outage-tolerance`, 1h).
    pub outage_tolerance_ms: i64,
    /// The least time between restoring and firing
    /// (`--rules.alert.for-grace-period`, 10m).
    pub for_grace_period_ms: i64,
}

impl Default for RestoreOptions {
    fn default() -> RestoreOptions {
        RestoreOptions {
            outage_tolerance_ms: 3_600_000,
            for_grace_period_ms: 600_000,
        }
    }
}

impl Group {
    /// Marks the group as not restoring: its alerting rules count as
    /// restored and write `ALERTS` and `ALERTS_FOR_STATE` from their first
    /// evaluation (groups loaded by a reload, as in Prometheus).
    pub fn skip_restore(&mut self) {
        self.options.should_restore = false;
        for rule in &mut self.rules {
            if let Some(rule) = rule.as_alerting_mut() {
                rule.restored = true;
            }
        }
    }

    /// Restores the `for` state of every alerting rule at `now_ms` and
    /// marks them restored (so they write `ALERTS` from now on).
    pub fn restore_for_state(&mut self, ctx: &EvalContext<'_>, now_ms: i64, opts: RestoreOptions) {
        let querier = ctx
            .queryable
            .querier(now_ms - opts.outage_tolerance_ms, now_ms);
        for rule in &mut self.rules {
            let Some(rule) = rule.as_alerting_mut() else {
                continue;
            };
            let hold = rule.hold_ms;
            if hold < opts.for_grace_period_ms {
                rule.restored = true;
                continue;
            }
            let Ok(querier) = querier.as_ref() else {
                rule.restored = true;
                continue;
            };
            let matchers: Vec<Matcher> = rule
                .series_labels(ALERTS_FOR_STATE, None, None)
                .iter()
                .filter_map(|(k, v)| Matcher::new(MatchType::Equal, k, v).ok())
                .collect();
            let mut last = Vec::new();
            let mut set = querier.select(false, &SelectHints::default(), &matchers);
            while let Some(Ok(series)) = set.next() {
                let key = series.labels().drop(&[METRIC_NAME]);
                if let Ok(samples) = series.into_samples() {
                    if let Some(s) = samples.last() {
                        last.push((key, s.t, s.v));
                    }
                }
            }
            for alert in rule.active.values_mut() {
                let Some(&(_, t, v)) = last.iter().find(|(k, _, _)| *k == alert.labels) else {
                    continue;
                };
                if is_stale_nan(v) {
                    continue;
                }
                let down_at = t.div_euclid(1000) * 1000;
                let active_at = (v as i64) * 1000;
                let remaining = hold - (down_at - active_at);
                alert.active_at = if remaining <= 0 {
                    // It was firing when the server went down: it keeps
                    // its activation and fires again at the next
                    // evaluation.
                    active_at
                } else if remaining < opts.for_grace_period_ms {
                    now_ms + opts.for_grace_period_ms - hold
                } else {
                    active_at + (now_ms - down_at)
                };
            }
            rule.restored = true;
        }
    }
}
