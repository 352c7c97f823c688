//! The TSDB's self-metrics through `hestia-instrument`: [`register`] puts
//! scrape-time gauges and counters reading a [`Db`]'s existing statistics
//! ([`HeadStats`](crate::HeadStats), [`DbStats`](crate::db::DbStats),
//! the blocks, the WAL directory) and the head's fsync histogram into a
//! registry.
//!
//! Names are Prometheus' `prometheus_tsdb_*` ones with the prefix
//! `hestia_tsdb_` instead, so dashboards port by a rename; a few have no
//! Prometheus counterpart (`hestia_tsdb_duplicate_samples_total`,
//! `hestia_tsdb_series_limit_samples_total`) and
//! `hestia_tsdb_wal_fsync_duration_seconds` is a histogram where
//! Prometheus has a summary. Prometheus' `type="float"` label on the
//! sample counters is left out (the TSDB stores floats only).
//!
//! The registry holds the database weakly: once it is dropped, gauges
//! read NaN and counters 0. Every value is read when scraped: the head's
//! counters are atomics, its series and chunk counts a short read lock,
//! the block sizes the list of blocks, and the WAL size one directory
//! listing.

use std::sync::{Arc, Weak};

use hestia_instrument::{CounterFn, GaugeFn, Registry};

use crate::head::Rejected;
use crate::{Db, HeadStats};

/// Registers the self-metrics of `db` in `registry` (see the module
/// documentation for the list). Fails if a name is already registered.
///
/// ```
/// use std::sync::Arc;
/// use hestia_instrument::{Format, Registry};
/// use hestia_tsdb::{Db, DbOptions};
///
/// let dir = tempfile::tempdir().unwrap();
/// let (db, _) = Db::open(dir.path(), DbOptions::default()).unwrap();
/// let db = Arc::new(db);
/// let registry = Registry::new();
/// hestia_tsdb::metrics::register(&db, &registry).unwrap();
/// let text = String::from_utf8(registry.encode(Format::Text)).unwrap();
/// assert!(text.contains("hestia_tsdb_head_series 0"));
/// ```
pub fn register(db: &Arc<Db>, registry: &Registry) -> Result<(), hestia_instrument::Error> {
    let weak = Arc::downgrade(db);
    let gauge = |name: &str, help: &str, f: fn(&Db) -> f64| {
        let db = Weak::clone(&weak);
        registry.register(
            name,
            help,
            GaugeFn::new(move || db.upgrade().map_or(f64::NAN, |db| f(&db))),
        )
    };
    let head_gauge = |name: &str, help: &str, f: fn(&HeadStats) -> f64| {
        let db = Weak::clone(&weak);
        registry.register(
            name,
            help,
            GaugeFn::new(move || db.upgrade().map_or(f64::NAN, |db| f(&db.head().stats()))),
        )
    };
    let counter = |name: &str, help: &str, f: fn(&Db) -> u64| {
        let db = Weak::clone(&weak);
        registry.register(
            name,
            help,
            CounterFn::new(move || db.upgrade().map_or(0.0, |db| f(&db) as f64)),
        )
    };
    let rejected = |name: &str, help: &str, f: fn(&Rejected) -> u64| {
        let db = Weak::clone(&weak);
        registry.register(
            name,
            help,
            CounterFn::new(move || {
                db.upgrade()
                    .map_or(0.0, |db| f(&db.head().stats().rejected) as f64)
            }),
        )
    };

    head_gauge("hestia_tsdb_head_series", "Series in the head.", |s| {
        s.series as f64
    })?;
    head_gauge(
        "hestia_tsdb_head_chunks",
        "Chunks in the head: closed, open and out-of-order ones.",
        |s| s.chunks as f64,
    )?;
    head_gauge(
        "hestia_tsdb_head_chunks_storage_size_bytes",
        "Bytes of the head's closed chunks in chunks_head/.",
        |s| s.closed_chunk_bytes as f64,
    )?;
    gauge(
        "hestia_tsdb_head_min_time",
        "Lower bound of the head's sample timestamps, in milliseconds (the largest int64 when empty).",
        |db| db.head().bounds().map_or(i64::MAX, |b| b.0) as f64,
    )?;
    gauge(
        "hestia_tsdb_head_max_time",
        "Newest sample timestamp stored in the head, in milliseconds (the smallest int64 when empty).",
        |db| db.head().bounds().map_or(i64::MIN, |b| b.1) as f64,
    )?;
    counter(
        "hestia_tsdb_head_samples_appended",
        "Samples committed to the head, out-of-order ones included.",
        |db| db.head().stats().samples_appended,
    )?;
    counter(
        "hestia_tsdb_head_out_of_order_samples_appended",
        "Samples committed to the head within the out-of-order window.",
        |db| db.head().stats().out_of_order_appended,
    )?;
    rejected(
        "hestia_tsdb_out_of_order_samples",
        "Samples refused for being out of order (no out-of-order window).",
        |r| r.out_of_order,
    )?;
    rejected(
        "hestia_tsdb_too_old_samples",
        "Samples refused for being older than the out-of-order window.",
        |r| r.too_old,
    )?;
    rejected(
        "hestia_tsdb_out_of_bound_samples",
        "Samples refused for being before the head's minimum valid time.",
        |r| r.out_of_bounds,
    )?;
    rejected(
        "hestia_tsdb_duplicate_samples",
        "Samples refused for another value at a timestamp the series has.",
        |r| r.duplicate,
    )?;
    rejected(
        "hestia_tsdb_series_limit_samples",
        "Samples refused because their new series would exceed the series limit.",
        |r| r.series_limit,
    )?;
    registry.register(
        "hestia_tsdb_wal_fsync_duration_seconds",
        "Duration of WAL segment fsyncs.",
        db.head().fsync_durations().clone(),
    )?;
    gauge(
        "hestia_tsdb_data_replay_duration_seconds",
        "Time the WAL replay took when the database was opened.",
        |db| db.head().replay_seconds(),
    )?;
    gauge(
        "hestia_tsdb_wal_storage_size_bytes",
        "Bytes of the WAL directory: segments and checkpoint.",
        |db| db.wal_size_bytes() as f64,
    )?;
    counter(
        "hestia_tsdb_compactions_triggered",
        "Compaction runs started.",
        |db| db.stats().compactions_triggered,
    )?;
    counter(
        "hestia_tsdb_compactions",
        "Blocks written by compaction: head cuts and merges.",
        |db| db.stats().compactions,
    )?;
    counter(
        "hestia_tsdb_compactions_failed",
        "Compaction runs that failed.",
        |db| db.stats().compactions_failed,
    )?;
    gauge("hestia_tsdb_blocks_loaded", "Blocks being served.", |db| {
        db.blocks().len() as f64
    })?;
    gauge(
        "hestia_tsdb_storage_blocks_bytes",
        "Bytes of the blocks on disk.",
        |db| {
            db.blocks()
                .iter()
                .map(crate::Block::size_bytes)
                .sum::<u64>() as f64
        },
    )?;
    Ok(())
}
