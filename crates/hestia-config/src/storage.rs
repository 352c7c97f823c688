//! The `storage` section ([`StorageConfig`]): the TSDB settings that
//! Prometheus reads from `prometheus.yml` rather than from flags, and
//! which a reload can change.

use serde::Deserialize;

use crate::duration::Duration;

/// Prometheus' default for `storage.exemplars.max_exemplars`.
pub const DEFAULT_MAX_EXEMPLARS: i64 = 100_000;

/// The `storage` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StorageConfig {
    /// `storage.tsdb`.
    pub tsdb: TsdbConfig,
    /// `storage.exemplars`.
    pub exemplars: ExemplarsConfig,
}

/// `storage.tsdb`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TsdbConfig {
    /// How far behind the newest sample a sample may be and still be
    /// accepted out of order (default 0: out-of-order samples refused).
    pub out_of_order_time_window: Duration,
}

/// `storage.exemplars`: parsed so that Prometheus files load; Hestia does
/// not store exemplars.
#[derive(Debug, Clone, PartialEq)]
pub struct ExemplarsConfig {
    /// The size of the exemplar ring buffer (default 100 000).
    pub max_exemplars: i64,
}

impl Default for ExemplarsConfig {
    fn default() -> ExemplarsConfig {
        ExemplarsConfig {
            max_exemplars: DEFAULT_MAX_EXEMPLARS,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStorage {
    #[serde(default)]
    tsdb: Option<RawTsdb>,
    #[serde(default)]
    exemplars: Option<RawExemplars>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTsdb {
    #[serde(default)]
    out_of_order_time_window: Option<Duration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExemplars {
    #[serde(default)]
    max_exemplars: Option<i64>,
}

/// The section with Prometheus' defaults filled in.
pub(crate) fn build(raw: Option<RawStorage>) -> StorageConfig {
    let raw = raw.unwrap_or_default();
    StorageConfig {
        tsdb: TsdbConfig {
            out_of_order_time_window: raw
                .tsdb
                .and_then(|t| t.out_of_order_time_window)
                .unwrap_or_default(),
        },
        exemplars: ExemplarsConfig {
            max_exemplars: raw
                .exemplars
                .and_then(|e| e.max_exemplars)
                .unwrap_or(DEFAULT_MAX_EXEMPLARS),
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::Config;

    #[test]
    fn storage_section() {
        let c = Config::load_str(
            "storage:\n  tsdb:\n    out_of_order_time_window: 30m\n  exemplars:\n    max_exemplars: 5\n",
            "t.yml",
        )
        .unwrap();
        assert_eq!(
            c.storage.tsdb.out_of_order_time_window.as_millis(),
            1_800_000
        );
        assert_eq!(c.storage.exemplars.max_exemplars, 5);
        let c = Config::load_str("", "t.yml").unwrap();
        assert_eq!(c.storage.tsdb.out_of_order_time_window.as_millis(), 0);
        assert_eq!(c.storage.exemplars.max_exemplars, 100_000);
        let e = Config::load_str("storage:\n  tsdb:\n    retention: 1d\n", "t.yml").unwrap_err();
        assert!(e.to_string().contains("retention"), "{e}");
        assert!(e.to_string().contains("t.yml:3"), "{e}");
    }
}
