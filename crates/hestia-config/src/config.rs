//! [`Config`]: a whole `prometheus.yml`, and loading it: parse with the
//! YAML front end, then validate section by section, collecting every
//! error Prometheus would report at load (the first one is what
//! [`Config::load_file`] returns; [`check`](crate::check) shows them all).

use std::path::Path;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::alerting::{self, AlertingConfig, RawAlerting};
use crate::ctx::Ctx;
use crate::error::{Error, Pos};
use crate::global::{self, GlobalConfig, RawGlobal};
use crate::remote_write::{self, RawRemoteWrite, RemoteWriteConfig};
use crate::scrape::{self, RawScrape, ScrapeConfig};
use crate::storage::{self, RawStorage, StorageConfig};
use crate::yaml::{self, nullable, Located};

/// A loaded and validated `prometheus.yml`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// The `global` section with defaults.
    pub global: GlobalConfig,
    /// Rule file patterns (`*` allowed in the last component), resolved
    /// against the file's directory.
    pub rule_files: Vec<String>,
    /// The scrape jobs, in file order; names are unique.
    pub scrape_configs: Vec<ScrapeConfig>,
    /// The `alerting` section.
    pub alerting: AlertingConfig,
    /// The `remote_write` entries.
    pub remote_write: Vec<RemoteWriteConfig>,
    /// The `storage` section.
    pub storage: StorageConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    global: Option<Located<RawGlobal>>,
    #[serde(default, deserialize_with = "nullable")]
    rule_files: Vec<Located<String>>,
    #[serde(default)]
    scrape_configs: Option<Located<Vec<Option<Located<RawScrape>>>>>,
    #[serde(default)]
    alerting: Option<Located<RawAlerting>>,
    #[serde(default)]
    remote_write: Option<Located<Vec<Option<Located<RawRemoteWrite>>>>>,
    #[serde(default)]
    storage: Option<RawStorage>,
    /// Go runtime tuning: meaningless for Hestia, accepted.
    #[serde(default, rename = "runtime")]
    _runtime: Option<IgnoredAny>,
    /// Tracing of Prometheus itself: accepted, not used.
    #[serde(default, rename = "tracing")]
    _tracing: Option<IgnoredAny>,
    /// The OTLP receiver's settings: accepted, Hestia has no OTLP receiver.
    #[serde(default, rename = "otlp")]
    _otlp: Option<IgnoredAny>,
}

/// Whether `p` is a valid rule file pattern (a `*` only in the last path
/// component).
fn valid_rule_path(p: &str) -> bool {
    match p.find('*') {
        None => true,
        Some(i) => !p[i + 1..].contains(['*', '/']),
    }
}

impl Config {
    /// Loads the file at `path` as Prometheus would; relative paths in it
    /// are resolved against its directory and `$VAR` in external label
    /// values is read from the environment. The error is the first
    /// problem found.
    pub fn load_file(path: &Path) -> Result<Config, Error> {
        load_file_all(path).map_err(first)
    }

    /// Loads `text`, calling it `name` in errors; relative paths stay
    /// relative.
    pub fn load_str(text: &str, name: &str) -> Result<Config, Error> {
        load_str_with(text, name, None, &env_var).map_err(first)
    }

    /// The job called `name`.
    pub fn job(&self, name: &str) -> Option<&ScrapeConfig> {
        self.scrape_configs.iter().find(|j| j.job_name == name)
    }
}

fn first(mut errors: Vec<Error>) -> Error {
    errors.swap_remove(0)
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Like [`Config::load_file`] but returns every error found.
pub fn load_file_all(path: &Path) -> Result<Config, Vec<Error>> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        vec![Error::Read {
            path: path.to_path_buf(),
            source,
        }]
    })?;
    let name = path.to_string_lossy();
    load_str_with(&text, &name, path.parent(), &env_var)
}

/// Loads `text` named `name`, resolving relative paths against `dir` and
/// reading external-label variables through `env`; returns every error
/// found (syntax errors stop at the first).
pub fn load_str_with(
    text: &str,
    name: &str,
    dir: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, Vec<Error>> {
    let raw: RawConfig = yaml::from_str::<Option<RawConfig>>(text, name)
        .map_err(|e| vec![e])?
        .unwrap_or_default();
    let mut ctx = Ctx::new(name, dir);
    let global = global::build(&mut ctx, raw.global, env);
    let mut rule_files = Vec::with_capacity(raw.rule_files.len());
    for Located { value, pos } in raw.rule_files {
        if valid_rule_path(&value) {
            rule_files.push(ctx.resolve(&value));
        } else {
            ctx.invalid(
                pos,
                "rule_files",
                format!("invalid rule file path {value:?}"),
            );
        }
    }
    let mut scrape_configs: Vec<ScrapeConfig> = Vec::new();
    if let Some(Located {
        value: jobs,
        pos: list_pos,
    }) = raw.scrape_configs
    {
        for job in jobs {
            let Some(job) = job else {
                ctx.invalid(
                    list_pos,
                    "scrape_configs",
                    "empty or null scrape config section",
                );
                continue;
            };
            let name_pos = job.pos;
            let Some(job) = scrape::build(&mut ctx, job, &global) else {
                continue;
            };
            if scrape_configs.iter().any(|j| j.job_name == job.job_name) {
                ctx.invalid(
                    name_pos,
                    "job_name",
                    format!(
                        "found multiple scrape configs with job name {:?}",
                        job.job_name
                    ),
                );
                continue;
            }
            scrape_configs.push(job);
        }
    }
    let scheme = global.metric_name_validation_scheme;
    let alerting = alerting::build(&mut ctx, raw.alerting, scheme);
    let remote_write = match raw.remote_write {
        Some(Located { value, pos }) => remote_write::build_all(&mut ctx, value, pos, scheme),
        None => Vec::new(),
    };
    if !ctx.errors.is_empty() {
        ctx.errors
            .sort_by_key(|e| e.pos().unwrap_or(Pos::default()));
        return Err(ctx.errors);
    }
    Ok(Config {
        global,
        rule_files,
        scrape_configs,
        alerting,
        remote_write,
        storage: storage::build(raw.storage),
    })
}
