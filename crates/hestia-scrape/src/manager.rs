//! [`ScrapeManager`]: every job of the configuration, its discovery and
//! its loops. [`ScrapeManager::apply_config`] takes a configuration that
//! the configuration crate already validated:
//!
//! * a job whose configuration is unchanged (ignoring positions in the
//!   file) is left alone: its loops run on with their caches;
//! * a changed job keeps its discovery if its discovery sections are
//!   unchanged, hands its running loops the new settings (their caches
//!   survive unless series labels change) and re-derives its targets;
//! * a removed job's loops stop with end-of-run staleness, as do the loops
//!   of targets that disappear;
//! * a new job starts its discovery and loops.
//!
//! Discovery reports arrive on a channel served by one task, which syncs
//! the job's pool. [`ScrapeManager::stop`] ends everything without stale
//! markers (a restart continues the series).

use std::collections::BTreeMap;
use std::sync::Arc;

use hestia_config::{Config, ScrapeConfig};
use hestia_model::Labels;
use hestia_storage::Appendable;
use parking_lot::Mutex;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::discovery::{run_file_sd, run_http_sd, Sink, Update};
use crate::pool::{normalized, ScrapePool};
use crate::scrape_loop::{LoopEnv, LoopHandle, StopMode};
use crate::{Clock, Error, Target, TargetStatus};

/// Settings of the manager itself (not of `prometheus.yml`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ScrapeOptions {
    /// Where timestamps and offsets come from.
    pub clock: Clock,
    /// Mixed into every target's offset (Prometheus uses a hash of the
    /// external labels and host name), so that two servers scraping the
    /// same targets do not scrape at the same moment.
    pub offset_seed: u64,
}

/// One active target, as the API shows it.
#[derive(Debug, Clone)]
pub struct TargetInfo {
    /// The job (scrape pool) name.
    pub scrape_pool: String,
    /// The target.
    pub target: Target,
    /// Its loop's state.
    pub status: TargetStatus,
    /// Identifies the loop: a reload that keeps the target keeps the id.
    pub loop_id: u64,
}

struct Job {
    config: ScrapeConfig,
    generation: u64,
    pool: ScrapePool,
    discovery: Vec<JoinHandle<()>>,
}

struct State {
    jobs: BTreeMap<String, Job>,
    /// Loops of removed jobs, still writing end-of-run stale markers.
    retiring: Vec<LoopHandle>,
    generation: u64,
    discovery_errors: Vec<Error>,
}

/// Runs the scrape side of the server (see the module docs).
pub struct ScrapeManager {
    env: LoopEnv,
    state: Arc<Mutex<State>>,
    tx: mpsc::UnboundedSender<Result<Update, Error>>,
    receiver: JoinHandle<()>,
}

impl ScrapeManager {
    /// A manager writing to `storage`, with no jobs yet. Must be called
    /// within a tokio runtime.
    pub fn new(storage: Arc<dyn Appendable>, options: ScrapeOptions) -> ScrapeManager {
        let state = Arc::new(Mutex::new(State {
            jobs: BTreeMap::new(),
            retiring: Vec::new(),
            generation: 0,
            discovery_errors: Vec::new(),
        }));
        let (tx, mut rx) = mpsc::unbounded_channel::<Result<Update, Error>>();
        let shared = Arc::clone(&state);
        let receiver = tokio::spawn(async move {
            while let Some(update) = rx.recv().await {
                let mut state = shared.lock();
                match update {
                    Ok(u) => {
                        if let Some(job) = state.jobs.get_mut(&u.job) {
                            if job.generation == u.generation {
                                job.pool.set_groups(u.source, u.groups);
                                job.pool.sync();
                            }
                        }
                    }
                    Err(e) => {
                        state.discovery_errors.push(e);
                        let excess = state.discovery_errors.len().saturating_sub(100);
                        state.discovery_errors.drain(..excess);
                    }
                }
            }
        });
        ScrapeManager {
            env: LoopEnv {
                storage,
                clock: options.clock,
                offset_seed: options.offset_seed,
            },
            state,
            tx,
            receiver,
        }
    }

    /// Makes the running jobs match `config` (see the module docs).
    pub fn apply_config(&self, config: &Config) {
        let mut state = self.state.lock();
        let wanted: BTreeMap<&str, &ScrapeConfig> = config
            .scrape_configs
            .iter()
            .map(|c| (c.job_name.as_str(), c))
            .collect();
        let removed: Vec<String> = state
            .jobs
            .keys()
            .filter(|k| !wanted.contains_key(k.as_str()))
            .cloned()
            .collect();
        state.retiring.retain(|l| !l.task.is_finished());
        for name in removed {
            if let Some(mut job) = state.jobs.remove(&name) {
                job.discovery.iter().for_each(JoinHandle::abort);
                let loops = job.pool.stop(StopMode::Stale);
                state.retiring.extend(loops);
            }
        }
        for (name, cfg) in wanted {
            let cfg = normalized(cfg);
            state.generation += 1;
            let generation = state.generation;
            match state.jobs.get_mut(name) {
                Some(job) if job.config == cfg => {}
                Some(job) => {
                    let same_discovery = job.config.static_configs == cfg.static_configs
                        && job.config.file_sd_configs == cfg.file_sd_configs
                        && job.config.http_sd_configs == cfg.http_sd_configs;
                    job.pool.reload(cfg.clone());
                    job.config = cfg;
                    if !same_discovery {
                        job.discovery.iter().for_each(JoinHandle::abort);
                        job.pool.set_groups(0, Vec::new());
                        job.generation = generation;
                        job.discovery =
                            self.start_discovery(&job.config, &mut job.pool, generation);
                    }
                    job.pool.sync();
                }
                None => {
                    let mut pool = ScrapePool::new(cfg.clone(), self.env.clone());
                    let discovery = self.start_discovery(&cfg, &mut pool, generation);
                    pool.sync();
                    state.jobs.insert(
                        name.to_string(),
                        Job {
                            config: cfg,
                            generation,
                            pool,
                            discovery,
                        },
                    );
                }
            }
        }
    }

    /// Sets the static groups of `pool` (source 0), clears the groups of
    /// its other sources and spawns their tasks.
    fn start_discovery(
        &self,
        cfg: &ScrapeConfig,
        pool: &mut ScrapePool,
        generation: u64,
    ) -> Vec<JoinHandle<()>> {
        pool.set_groups(0, cfg.static_configs.clone());
        let sink = |source| Sink {
            tx: self.tx.clone(),
            job: cfg.job_name.clone(),
            generation,
            source,
        };
        let mut tasks = Vec::new();
        let mut source = 1;
        for f in &cfg.file_sd_configs {
            pool.set_groups(source, Vec::new());
            tasks.push(tokio::spawn(run_file_sd(
                f.clone(),
                self.env.clock,
                sink(source),
            )));
            source += 1;
        }
        for h in &cfg.http_sd_configs {
            pool.set_groups(source, Vec::new());
            tasks.push(tokio::spawn(run_http_sd(h.clone(), sink(source))));
            source += 1;
        }
        tasks
    }

    /// Every active target, by job then target labels.
    pub fn targets(&self) -> Vec<TargetInfo> {
        let state = self.state.lock();
        let mut out: Vec<TargetInfo> = state
            .jobs
            .iter()
            .flat_map(|(name, job)| {
                job.pool.loops.values().map(move |l| TargetInfo {
                    scrape_pool: name.clone(),
                    target: l.target.clone(),
                    status: l.status.read().clone(),
                    loop_id: l.id,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.scrape_pool, a.target.all_labels()).cmp(&(&b.scrape_pool, b.target.all_labels()))
        });
        out
    }

    /// The discovered labels of targets dropped by relabelling, by job
    /// (at most `keep_dropped_targets` each, when set).
    pub fn dropped_targets(&self) -> Vec<(String, Labels)> {
        let state = self.state.lock();
        state
            .jobs
            .iter()
            .flat_map(|(name, job)| {
                job.pool
                    .dropped
                    .iter()
                    .map(move |l| (name.clone(), l.clone()))
            })
            .collect()
    }

    /// Why discovered targets could not be built (last sync of each job)
    /// and the latest discovery failures.
    pub fn errors(&self) -> Vec<Error> {
        let state = self.state.lock();
        let mut out: Vec<Error> = state
            .jobs
            .values()
            .flat_map(|j| j.pool.errors.iter().cloned())
            .collect();
        out.extend(state.discovery_errors.iter().cloned());
        out
    }

    /// Stops discovery and every loop without writing stale markers, and
    /// waits for the loops to end (a scrape in progress finishes first).
    /// For shutdown: discovery updates are not read any more afterwards.
    pub async fn stop(&self) {
        let tasks: Vec<JoinHandle<()>> = {
            let mut state = self.state.lock();
            let mut loops = std::mem::take(&mut state.retiring);
            loops.iter().for_each(|l| l.stop(StopMode::Shutdown));
            for (_, mut job) in std::mem::take(&mut state.jobs) {
                job.discovery.iter().for_each(JoinHandle::abort);
                loops.extend(job.pool.stop(StopMode::Shutdown));
            }
            loops.into_iter().map(|l| l.task).collect()
        };
        self.receiver.abort();
        for t in tasks {
            let _ = t.await;
        }
    }
}
