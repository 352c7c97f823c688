//! Hestia's Prometheus HTTP API as an axum [`Router`]: the only crate of
//! the server that speaks JSON.
//!
//! [`ApiBuilder`] takes the storage (any [`Queryable`]), a
//! [`hestia_promql::Engine`] and optional [`providers`] for what lives
//! elsewhere in the server (targets, rules, metadata, status pages); the
//! binary wires the real ones, tests use fakes over `MemStorage`.
//!
//! | Path | Module |
//! |---|---|
//! | `/api/v1/query`, `/query_range`, `/format_query`, `/query_exemplars` | [`handlers::query`] |
//! | `/api/v1/series`, `/labels`, `/label/{name}/values`, `/metadata` | [`handlers::meta`] |
//! | `/api/v1/targets`, `/rules`, `/alerts`, `/status/*`, `/-/healthy`, `/-/ready` | [`handlers::status`] |
//! | `/federate` | [`handlers::federate`] |
//! | `/api/v1/admin/tsdb/*` | [`handlers::admin`] |
//!
//! Parameters come from the URL and, for `POST`, from a form body
//! ([`params`]); answers use Prometheus' envelope and number formatting
//! ([`json`]); failures are [`Error`]s with Prometheus' `errorType` and
//! status. Query evaluation and storage reads run on tokio's blocking
//! pool.
//!
//! ```
//! use std::sync::Arc;
//! use hestia_api::ApiBuilder;
//! use hestia_storage::MemStorage;
//!
//! let app: axum::Router = ApiBuilder::new(Arc::new(MemStorage::new()), Default::default()).router();
//! ```

mod error;
pub mod handlers;
pub mod json;
pub mod params;
pub mod providers;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use hestia_promql::Engine;
use hestia_storage::Queryable;

pub use error::Error;
pub use params::Params;
pub use providers::{
    ActiveTarget, AdminProvider, Alert, BuildInfo, ConfigProvider, DroppedTarget, MetadataProvider,
    MetricMetadata, RuleGroup, RulesProvider, RuntimeInfo, RuntimeInfoProvider, TargetHealth,
    TargetsProvider, TsdbStats, TsdbStatsProvider,
};

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the handlers share; built by [`ApiBuilder`].
#[derive(Clone)]
pub struct Api {
    pub(crate) storage: Arc<dyn Queryable>,
    pub(crate) engine: Engine,
    pub(crate) build_info: Arc<BuildInfo>,
    pub(crate) flags: Arc<BTreeMap<String, String>>,
    pub(crate) targets: Option<Arc<dyn TargetsProvider>>,
    pub(crate) rules: Option<Arc<dyn RulesProvider>>,
    pub(crate) metadata: Option<Arc<dyn MetadataProvider>>,
    pub(crate) runtime: Option<Arc<dyn RuntimeInfoProvider>>,
    pub(crate) tsdb: Option<Arc<dyn TsdbStatsProvider>>,
    pub(crate) config: Option<Arc<dyn ConfigProvider>>,
    pub(crate) admin: Option<Arc<dyn AdminProvider>>,
    pub(crate) now: fn() -> i64,
}

/// Builds the API's [`Router`] from a storage, an engine and optional
/// providers.
pub struct ApiBuilder {
    api: Api,
}

impl ApiBuilder {
    /// An API over `storage` evaluating with `engine`, with no providers,
    /// [`BuildInfo::default`] and no flags.
    pub fn new(storage: Arc<dyn Queryable>, engine: Engine) -> ApiBuilder {
        ApiBuilder {
            api: Api {
                storage,
                engine,
                build_info: Arc::new(BuildInfo::default()),
                flags: Arc::new(BTreeMap::new()),
                targets: None,
                rules: None,
                metadata: None,
                runtime: None,
                tsdb: None,
                config: None,
                admin: None,
                now: hestia_model::timestamp::now,
            },
        }
    }

    /// What `/api/v1/status/buildinfo` reports.
    pub fn build_info(mut self, info: BuildInfo) -> ApiBuilder {
        self.api.build_info = Arc::new(info);
        self
    }

    /// What `/api/v1/status/flags` reports: flag name (without dashes) to
    /// value.
    pub fn flags(mut self, flags: BTreeMap<String, String>) -> ApiBuilder {
        self.api.flags = Arc::new(flags);
        self
    }

    /// The source of `/api/v1/targets`.
    pub fn targets(mut self, p: Arc<dyn TargetsProvider>) -> ApiBuilder {
        self.api.targets = Some(p);
        self
    }

    /// The source of `/api/v1/rules` and `/api/v1/alerts`.
    pub fn rules(mut self, p: Arc<dyn RulesProvider>) -> ApiBuilder {
        self.api.rules = Some(p);
        self
    }

    /// The source of `/api/v1/metadata`.
    pub fn metadata(mut self, p: Arc<dyn MetadataProvider>) -> ApiBuilder {
        self.api.metadata = Some(p);
        self
    }

    /// The source of `/api/v1/status/runtimeinfo`.
    pub fn runtime_info(mut self, p: Arc<dyn RuntimeInfoProvider>) -> ApiBuilder {
        self.api.runtime = Some(p);
        self
    }

    /// The source of `/api/v1/status/tsdb`.
    pub fn tsdb_stats(mut self, p: Arc<dyn TsdbStatsProvider>) -> ApiBuilder {
        self.api.tsdb = Some(p);
        self
    }

    /// The source of `/api/v1/status/config`.
    pub fn config(mut self, p: Arc<dyn ConfigProvider>) -> ApiBuilder {
        self.api.config = Some(p);
        self
    }

    /// Enables the admin endpoints (`--web.enable-admin-api`); without
    /// this they answer `unavailable`.
    pub fn admin(mut self, p: Arc<dyn AdminProvider>) -> ApiBuilder {
        self.api.admin = Some(p);
        self
    }

    /// The clock giving "now" (milliseconds) for queries without `time`;
    /// tests pin it.
    pub fn clock(mut self, now: fn() -> i64) -> ApiBuilder {
        self.api.now = now;
        self
    }

    /// The shared state, for mounting handlers elsewhere.
    pub fn build(self) -> Api {
        self.api
    }

    /// The router: every endpoint at its Prometheus path.
    pub fn router(self) -> Router {
        use handlers::{admin, federate, meta, query, status};
        let v1 = Router::new()
            .route("/query", get(query::instant).post(query::instant))
            .route("/query_range", get(query::range).post(query::range))
            .route(
                "/query_exemplars",
                get(query::exemplars).post(query::exemplars),
            )
            .route(
                "/format_query",
                get(query::format_query).post(query::format_query),
            )
            .route("/series", get(meta::series).post(meta::series))
            .route("/labels", get(meta::labels).post(meta::labels))
            .route("/label/{name}/values", get(meta::label_values))
            .route("/metadata", get(meta::metadata))
            .route("/targets", get(status::targets))
            .route("/rules", get(status::rules))
            .route("/alerts", get(status::alerts))
            .route("/status/buildinfo", get(status::buildinfo))
            .route("/status/config", get(status::config))
            .route("/status/flags", get(status::flags))
            .route("/status/runtimeinfo", get(status::runtimeinfo))
            .route("/status/tsdb", get(status::tsdb))
            .route(
                "/admin/tsdb/snapshot",
                post(admin::snapshot).put(admin::snapshot),
            )
            .route(
                "/admin/tsdb/delete_series",
                post(admin::delete_series).put(admin::delete_series),
            )
            .route(
                "/admin/tsdb/clean_tombstones",
                post(admin::clean_tombstones).put(admin::clean_tombstones),
            );
        Router::new()
            .nest("/api/v1", v1)
            .route("/federate", get(federate::federate))
            .route("/-/healthy", get(status::healthy).head(status::healthy))
            .route("/-/ready", get(status::ready).head(status::ready))
            .with_state(self.api)
    }
}

/// Runs `f` on tokio's blocking pool; a panic there is an `internal`
/// error.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("worker failed: {e}")))?
}
