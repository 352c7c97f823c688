//! The API's views of the running server: targets and metadata from the scrape
//! manager, rule groups from the rule manager, TSDB statistics from the
//! head, runtime information, the configuration text, and the admin
//! operations over the database. One [`Views`] implements every provider
//! trait of `hestia-api` over the [`Shared`] state.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use hestia_api::providers::{
    labels_map, HeadStats, RuntimeInfo, Stat, TsdbStats, TsdbStatsProvider,
};
use hestia_api::{
    ActiveTarget, AdminProvider, ConfigProvider, DroppedTarget, MetadataProvider, MetricMetadata,
    RuleGroup, RulesProvider, RuntimeInfoProvider, TargetHealth, TargetsProvider,
};
use hestia_model::Matcher;
use hestia_scrape::Health;
use hestia_storage::{Queryable, SelectHints};

use super::Shared;
use crate::duration::format_duration;

/// Every provider, over the server's shared state.
#[derive(Clone)]
pub struct Views(pub Arc<Shared>);

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl TargetsProvider for Views {
    fn active_targets(&self) -> Vec<ActiveTarget> {
        let Some(scrape) = self.0.scrape() else {
            return Vec::new();
        };
        let mut out: Vec<ActiveTarget> = scrape
            .targets()
            .into_iter()
            .map(|t| {
                let url = t.target.url();
                ActiveTarget {
                    discovered_labels: labels_map(t.target.discovered_labels()),
                    labels: labels_map(t.target.labels()),
                    scrape_pool: t.scrape_pool,
                    global_url: url.clone(),
                    scrape_url: url,
                    last_error: t.status.last_error.unwrap_or_default(),
                    last_scrape: t.status.last_scrape,
                    last_scrape_duration: t
                        .status
                        .last_scrape_duration
                        .map_or(0.0, |d| d.as_secs_f64()),
                    health: match t.status.health {
                        Health::Unknown => TargetHealth::Unknown,
                        Health::Up => TargetHealth::Up,
                        Health::Down => TargetHealth::Down,
                    },
                    scrape_interval: format_duration(millis(t.target.interval())),
                    scrape_timeout: format_duration(millis(t.target.timeout())),
                }
            })
            .collect();
        out.sort_by(|a, b| (&a.scrape_pool, &a.labels).cmp(&(&b.scrape_pool, &b.labels)));
        out
    }

    fn dropped_targets(&self) -> Vec<DroppedTarget> {
        let Some(scrape) = self.0.scrape() else {
            return Vec::new();
        };
        scrape
            .dropped_targets()
            .into_iter()
            .map(|(pool, labels)| DroppedTarget {
                discovered_labels: labels_map(&labels),
                scrape_pool: pool,
            })
            .collect()
    }
}

impl MetadataProvider for Views {
    /// Every active target's families, each name's distinct entries
    /// (targets exposing the same family the same way give one).
    fn metadata(&self, metric: Option<&str>) -> BTreeMap<String, Vec<MetricMetadata>> {
        let mut out: BTreeMap<String, Vec<MetricMetadata>> = BTreeMap::new();
        let Some(scrape) = self.0.scrape() else {
            return out;
        };
        for t in scrape.targets() {
            for (name, m) in t.status.metadata.iter() {
                if metric.is_some_and(|want| want != name) {
                    continue;
                }
                let entry = MetricMetadata {
                    kind: m.kind.to_owned(),
                    help: m.help.clone(),
                    unit: m.unit.clone(),
                };
                let list = out.entry(name.clone()).or_default();
                if !list.contains(&entry) {
                    list.push(entry);
                }
            }
        }
        out
    }
}

impl RulesProvider for Views {
    fn rule_groups(&self) -> Vec<RuleGroup> {
        self.0.rules.api_groups()
    }
}

impl ConfigProvider for Views {
    fn config_yaml(&self) -> String {
        self.0.config.lock().yaml.clone()
    }

    fn external_labels(&self) -> hestia_model::Labels {
        self.0.config.lock().config.global.external_labels.clone()
    }
}

impl RuntimeInfoProvider for Views {
    fn runtime_info(&self) -> RuntimeInfo {
        let (ok, last) = self.0.reload_status();
        let o = &self.0.options;
        let retention = match (o.retention_time_ms, o.retention_size) {
            (Some(t), Some(b)) => format!("{} or {}B", format_duration(t), b),
            (Some(t), None) => format_duration(t),
            (None, Some(b)) => format!("{b}B"),
            (None, None) => "unlimited".into(),
        };
        let tasks = tokio::runtime::Handle::try_current()
            .map(|h| h.metrics().num_alive_tasks())
            .unwrap_or(0);
        RuntimeInfo {
            start_time: Some(self.0.start_time),
            cwd: std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            reload_config_success: ok,
            last_config_time: Some(last),
            corruption_count: 0,
            goroutine_count: i64::try_from(tasks).unwrap_or(i64::MAX),
            gomaxprocs: std::thread::available_parallelism()
                .map_or(1, |n| i64::try_from(n.get()).unwrap_or(1)),
            storage_retention: retention,
        }
    }
}

impl TsdbStatsProvider for Views {
    /// Prometheus' head statistics, counted over every series of the head.
    fn tsdb_stats(&self, limit: usize) -> TsdbStats {
        let head = self.0.db.head();
        let s = head.stats();
        let (min_t, max_t) = head.time_range().unwrap_or((0, 0));
        let mut by_name: HashMap<String, u64> = HashMap::new();
        let mut by_pair: HashMap<String, u64> = HashMap::new();
        let mut values: HashMap<String, std::collections::HashSet<String>> = HashMap::new();
        let mut bytes: HashMap<String, u64> = HashMap::new();
        if let Ok(q) = head.querier(i64::MIN, i64::MAX) {
            let hints = SelectHints {
                func: Some("series".into()),
                ..SelectHints::default()
            };
            for series in q.select(false, &hints, &[]).flatten() {
                for (n, v) in series.labels().iter() {
                    if n == "__name__" {
                        *by_name.entry(v.to_owned()).or_default() += 1;
                    }
                    *by_pair.entry(format!("{n}={v}")).or_default() += 1;
                    if values.entry(n.to_owned()).or_default().insert(v.to_owned()) {
                        *bytes.entry(n.to_owned()).or_default() += v.len() as u64;
                    }
                }
            }
        }
        let top = |m: HashMap<String, u64>| -> Vec<Stat> {
            let mut v: Vec<Stat> = m
                .into_iter()
                .map(|(name, value)| Stat { name, value })
                .collect();
            v.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
            v.truncate(limit);
            v
        };
        let label_values: HashMap<String, u64> = values
            .iter()
            .map(|(n, vs)| (n.clone(), vs.len() as u64))
            .collect();
        let num_label_pairs = by_pair.len() as u64;
        TsdbStats {
            head_stats: HeadStats {
                num_series: s.series as u64,
                num_label_pairs,
                chunk_count: s.chunks as u64,
                min_time: min_t,
                max_time: max_t,
            },
            series_count_by_metric_name: top(by_name),
            label_value_count_by_label_name: top(label_values),
            memory_in_bytes_by_label_name: top(bytes),
            series_count_by_label_value_pair: top(by_pair),
        }
    }
}

impl AdminProvider for Views {
    fn snapshot(&self, skip_head: bool) -> Result<String, String> {
        let db = &self.0.db;
        let now = chrono::Utc::now();
        let name = format!(
            "{}-{:016x}",
            now.format("%Y%m%dT%H%M%SZ"),
            super::fnv1a(&now.timestamp_nanos_opt().unwrap_or_default().to_le_bytes())
        );
        let dir = db.dir().join("snapshots").join(&name);
        if skip_head {
            db.snapshot_blocks(&dir).map_err(|e| e.to_string())?;
        } else {
            db.snapshot(&dir).map_err(|e| e.to_string())?;
        }
        Ok(name)
    }

    fn delete_series(&self, matchers: &[Matcher], min_t: i64, max_t: i64) -> Result<(), String> {
        self.0
            .db
            .delete_series(matchers, min_t, max_t)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn clean_tombstones(&self) -> Result<(), String> {
        self.0
            .db
            .clean_tombstones()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
