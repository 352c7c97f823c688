//! [`Engine`]: runs PromQL queries over any [`Queryable`], with
//! [`EngineOptions`] (lookback delta, default subquery step, sample limit,
//! timeout, concurrent queries) and per-query cancellation through
//! [`Cancel`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hestia_storage::Queryable;

use crate::ast::ValueType;
use crate::eval::{finish, Evaluator, QueryCtx, Steps};
use crate::gate::Gate;
use crate::plan::{self, TimeBounds};
use crate::result::QueryResult;
use crate::{parse, Error, Result};

/// How the engine evaluates queries.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// How far back an instant selector looks for a sample, milliseconds
    /// (Prometheus' `--query.lookback-delta`, default 5 minutes).
    pub lookback_delta_ms: i64,
    /// The step of subqueries written without one (`x[1h:]`),
    /// milliseconds; Prometheus uses the global evaluation interval
    /// (default 1 minute).
    pub default_subquery_step_ms: i64,
    /// The most samples one query may load from storage or hold in
    /// intermediate results (Prometheus' `--query.max-samples`, default
    /// 50 million); more fails with [`Error::TooManySamples`].
    pub max_samples: u64,
    /// How long one query may take, waiting for a slot included (default
    /// 2 minutes); `None` for no limit. Longer fails with
    /// [`Error::Timeout`] (or [`Error::QueueTimeout`] if it never started).
    pub timeout: Option<Duration>,
    /// The most queries one engine (with its clones) evaluates at once
    /// (Prometheus' `--query.max-concurrency`, default 20); 0 for no
    /// limit. A query over the limit waits for a slot until its timeout,
    /// then fails with [`Error::QueueTimeout`], as in Prometheus.
    pub max_concurrent_queries: usize,
}

impl Default for EngineOptions {
    fn default() -> EngineOptions {
        EngineOptions {
            lookback_delta_ms: 5 * 60 * 1000,
            default_subquery_step_ms: 60 * 1000,
            max_samples: 50_000_000,
            timeout: Some(Duration::from_secs(120)),
            max_concurrent_queries: 20,
        }
    }
}

/// A handle to cancel a running query from another thread; clones share
/// the flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A handle that has not been cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks every query using this handle to stop; they fail with
    /// [`Error::Cancelled`] at their next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Cancel::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// When a query is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryRange {
    /// Once, at this time (milliseconds).
    Instant(i64),
    /// At `start`, `start + step`, … up to `end` (milliseconds).
    Range {
        /// First evaluation time.
        start: i64,
        /// Last possible evaluation time.
        end: i64,
        /// Resolution, positive.
        step: i64,
    },
}

/// The PromQL engine. Stateless between queries except for the count of
/// running ones, which clones share (the concurrency limit is per engine
/// and its clones); share it freely.
///
/// ```
/// use hestia_model::labels;
/// use hestia_promql::{Engine, Value};
/// use hestia_storage::{Appendable, MemStorage};
///
/// let storage = MemStorage::new();
/// let mut app = storage.appender();
/// for (t, v) in [(0, 1.0), (60_000, 7.0)] {
///     app.append(None, &labels! { "__name__" => "up", "job" => "a" }, t, v).unwrap();
/// }
/// app.commit().unwrap();
///
/// let engine = Engine::default();
/// let result = engine.instant(&storage, "sum(up) * 2", 60_000).unwrap();
/// let Value::Vector(samples) = result.value else { panic!() };
/// assert_eq!(samples[0].v, 14.0);
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    options: EngineOptions,
    gate: Arc<Gate>,
    /// The default subquery step, shared by clones so that a configuration
    /// reload changes it for every user of the engine.
    subquery_step: Arc<std::sync::atomic::AtomicI64>,
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new(EngineOptions::default())
    }
}

impl Engine {
    /// An engine with these options.
    pub fn new(options: EngineOptions) -> Engine {
        let gate = Arc::new(Gate::new(options.max_concurrent_queries));
        let subquery_step = Arc::new(std::sync::atomic::AtomicI64::new(
            options.default_subquery_step_ms,
        ));
        Engine {
            options,
            gate,
            subquery_step,
        }
    }

    /// Sets the step of subqueries written without one (`x[1h:]`), in
    /// milliseconds, for this engine and its clones: Prometheus takes it
    /// from `global.evaluation_interval` at every configuration load.
    /// Ignored unless positive.
    pub fn set_default_subquery_step(&self, step_ms: i64) {
        if step_ms > 0 {
            self.subquery_step
                .store(step_ms, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The step of subqueries written without one, in milliseconds.
    pub fn default_subquery_step(&self) -> i64 {
        self.subquery_step
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The engine's options.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// Queries of this engine and its clones evaluating now.
    pub fn running_queries(&self) -> usize {
        self.gate.running()
    }

    /// Queries of this engine and its clones waiting for a slot.
    pub fn waiting_queries(&self) -> usize {
        self.gate.waiting()
    }

    /// Evaluates `query` at `at_ms`.
    pub fn instant(&self, storage: &dyn Queryable, query: &str, at_ms: i64) -> Result<QueryResult> {
        self.execute(storage, query, QueryRange::Instant(at_ms), &Cancel::new())
    }

    /// Evaluates `query` from `start_ms` to `end_ms` every `step_ms`.
    pub fn range(
        &self,
        storage: &dyn Queryable,
        query: &str,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<QueryResult> {
        let range = QueryRange::Range {
            start: start_ms,
            end: end_ms,
            step: step_ms,
        };
        self.execute(storage, query, range, &Cancel::new())
    }

    /// Evaluates `query` over `range`, stopping early when `cancel` fires.
    ///
    /// The query is parsed and checked first; then it waits for one of the
    /// [`EngineOptions::max_concurrent_queries`] slots, within its timeout.
    pub fn execute(
        &self,
        storage: &dyn Queryable,
        query: &str,
        range: QueryRange,
        cancel: &Cancel,
    ) -> Result<QueryResult> {
        let expr = parse(query)?;
        let (steps, is_range) = match range {
            QueryRange::Instant(t) => (Steps::instant(t), false),
            QueryRange::Range { start, end, step } => {
                if step <= 0 {
                    return Err(Error::InvalidQuery(
                        "zero or negative query resolution step widths are not accepted. \
                         Try a positive integer"
                            .into(),
                    ));
                }
                if end < start {
                    return Err(Error::InvalidQuery(
                        "end timestamp must not be before start time".into(),
                    ));
                }
                (Steps { start, end, step }, true)
            }
        };
        let ty = expr.value_type();
        if is_range && ty != ValueType::Scalar && ty != ValueType::Vector {
            return Err(Error::InvalidQuery(format!(
                "invalid expression type \"{}\" for range query, must be Scalar or instant Vector",
                ty.name()
            )));
        }
        let deadline = self.options.timeout.map(|t| Instant::now() + t);
        let _slot = self.gate.enter(deadline, cancel)?;
        let expr = plan::mark_step_invariant(expr);
        let bounds = TimeBounds {
            start: steps.start,
            end: steps.end,
            lookback: self.options.lookback_delta_ms,
        };
        let (min_t, max_t) = bounds.of(&expr, steps.start, steps.end).unwrap_or((0, 0));
        let querier = storage.querier(min_t, max_t)?;
        let query_step = if is_range { steps.step } else { 0 };
        let options = EngineOptions {
            default_subquery_step_ms: self.default_subquery_step(),
            ..self.options.clone()
        };
        let ctx = QueryCtx::new(
            &options,
            query,
            (steps.start, steps.end, query_step),
            cancel,
            deadline,
        );
        if is_range {
            let mut sorts = Vec::new();
            plan::sort_calls(&expr, &mut sorts);
            for pos in sorts {
                ctx.warn(
                    pos,
                    "sort is ineffective for range queries since results are always ordered by labels",
                );
            }
        }
        let evaluator = Evaluator {
            q: &ctx,
            querier: &*querier,
            steps,
        };
        let val = evaluator.eval(&expr)?;
        let value = if is_range {
            finish::range(val, steps)?
        } else {
            finish::instant(val, steps.start)?
        };
        Ok(QueryResult {
            value,
            annotations: ctx.take_annotations(),
        })
    }
}
