//! `prometheus.yml` as Prometheus reads it. Hestia's only YAML parser.
//!
//! * [`Config::load_file`] parses and validates a configuration with
//!   Prometheus' defaults (`scrape_interval` 1m, `scrape_timeout` 10s,
//!   `evaluation_interval` 1m, `metrics_path` `/metrics`, `scheme` `http`,
//!   …) and load-time checks (duplicate job names, timeout above
//!   interval, label names, regexes, authentication combinations, …).
//!   Unknown fields and invalid values are refused with the file, line,
//!   column and field at fault; Prometheus features Hestia does not have
//!   yet (`kubernetes_sd_configs` and the other discovery mechanisms,
//!   `oauth2`, proxies, `remote_read`, …) are refused as
//!   [`Error::Unsupported`] naming the field and line.
//! * [`relabel`]: `relabel_config` with all eleven actions and the engine
//!   that applies rules to a [`Labels`](hestia_model::Labels).
//! * [`file_sd`] and [`http_sd`]: the target formats of file and HTTP
//!   discovery, and a clock-driven watcher for files.
//! * [`Duration`] and [`ByteSize`]: Prometheus' `1m30s` and `10MB`.
//! * [`check`]: the report behind `hestia check config FILE`.
//! * [`StorageConfig`]: the `storage` section (`tsdb.out_of_order_time_window`;
//!   `exemplars`, parsed and not used: Hestia keeps no exemplars).
//!
//! ## The YAML library
//!
//! `serde-saphyr` was chosen over `serde_norway`. Both refuse unknown
//! fields through serde and report line and column, but `serde-saphyr`
//! also gives the position of any value (`Spanned`), which the checks that
//! run after parsing need to point at the line at fault (a duplicate job
//! name, a timeout above its interval); it is written in safe Rust with
//! limits on aliases, depth and size, so hostile input cannot make it
//! panic or blow up (the fuzz targets rely on this); it reads `yes`/`no`
//! booleans as Go's `yaml.v2` does, so configurations written for
//! Prometheus keep their meaning; and it is actively maintained.
//! `serde_norway` continues the archived `serde_yaml` over `unsafe-libyaml`
//! (C translated into unsafe Rust) and locates only parse errors.
//!
//! ```
//! use hestia_config::Config;
//!
//! let config = Config::load_str(
//!     "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: api\n    static_configs:\n      - targets: ['localhost:8080']\n",
//!     "prometheus.yml",
//! )
//! .unwrap();
//! let job = config.job("api").unwrap();
//! assert_eq!(job.scrape_interval.to_string(), "15s");
//! assert_eq!(job.scrape_timeout.to_string(), "10s");
//! assert_eq!(job.metrics_path, "/metrics");
//!
//! let err = Config::load_str("scrape_configs:\n  - job_name: k8s\n    kubernetes_sd_configs:\n      - role: pod\n", "prometheus.yml")
//!     .unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "prometheus.yml:3:5: kubernetes_sd_configs is not supported yet by Hestia \
//!      (use static_configs, file_sd_configs or http_sd_configs)"
//! );
//! ```

mod alerting;
mod check;
mod config;
mod ctx;
mod duration;
mod error;
pub mod file_sd;
pub mod fuzzing;
mod global;
mod http;
pub mod http_sd;
mod names;
mod protocols;
pub mod relabel;
mod remote_write;
pub mod rules;
mod scrape;
mod size;
mod storage;
mod targets;
mod yaml;

pub use alerting::{AlertingConfig, AlertmanagerConfig, DEFAULT_ALERTMANAGER_TIMEOUT};
pub use check::{check, render_errors, CheckReport, JobSummary};
pub use config::{load_file_all, load_str_with, Config};
pub use duration::Duration;
pub use error::{Error, Pos};
pub use global::{
    expand_env, GlobalConfig, ScrapeLimits, DEFAULT_EVALUATION_INTERVAL, DEFAULT_SCRAPE_INTERVAL,
    DEFAULT_SCRAPE_TIMEOUT,
};
pub use http::{Authorization, BasicAuth, HttpClientConfig, Secret, TlsConfig, TlsVersion};
pub use names::NameValidation;
pub use protocols::ScrapeProtocol;
pub use remote_write::{MetadataConfig, ProtobufMessage, QueueConfig, RemoteWriteConfig};
pub use scrape::ScrapeConfig;
pub use size::ByteSize;
pub use storage::{ExemplarsConfig, StorageConfig, TsdbConfig, DEFAULT_MAX_EXEMPLARS};
pub use targets::{TargetGroup, ADDRESS_LABEL};
