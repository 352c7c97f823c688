//! The self-metrics rendered in the Prometheus text format after appends
//! (in order, out of order, refused), a compaction and a reopen.

mod common;

use common::TestClock;

use std::collections::HashMap;
use std::sync::Arc;

use hestia_instrument::{Format, Registry};
use hestia_model::labels;
use hestia_storage::Appendable;
use hestia_tsdb::{Block, Db, DbOptions, HeadOptions, SyncPolicy, WalOptions};

fn opts() -> DbOptions {
    DbOptions {
        head: HeadOptions {
            wal: WalOptions {
                segment_size: 1 << 20,
                sync: SyncPolicy::Always,
            },
            ..HeadOptions::default()
        },
        block_range: 100,
        clock: Arc::new(TestClock::default()),
        ..DbOptions::default()
    }
    .with_out_of_order_window(50)
}

/// The samples of the text exposition: series text → value.
fn scrape(registry: &Registry) -> HashMap<String, f64> {
    let text = String::from_utf8(registry.encode(Format::Text)).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_string(), value.parse::<f64>().unwrap())
        })
        .collect()
}

#[test]
fn self_metrics_read_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(dir.path(), opts()).unwrap();
    let db = Arc::new(db);
    let registry = Registry::new();
    hestia_tsdb::metrics::register(&db, &registry).unwrap();
    // Registering twice clashes.
    assert!(hestia_tsdb::metrics::register(&db, &registry).is_err());
    let (a, b) = (labels! { "__name__" => "a" }, labels! { "__name__" => "b" });
    for t in (0..300).step_by(10) {
        let mut app = db.appender();
        app.append(None, &a, t, 1.0).unwrap();
        app.append(None, &b, t, 2.0).unwrap();
        app.commit().unwrap();
    }
    let mut app = db.appender();
    app.append(None, &a, 285, 1.0).unwrap(); // out of order, accepted
    app.append(None, &a, 280, 9.0).unwrap_err(); // duplicate
    app.append(None, &a, 200, 1.0).unwrap_err(); // too old (290 − 50)
    app.commit().unwrap();
    let m = scrape(&registry);
    let get = |m: &HashMap<String, f64>, name: &str| {
        *m.get(name)
            .unwrap_or_else(|| panic!("{name} missing from {m:?}"))
    };
    let cases: &[(&str, f64)] = &[
        ("hestia_tsdb_head_series", 2.0),
        ("hestia_tsdb_head_samples_appended_total", 61.0),
        ("hestia_tsdb_head_out_of_order_samples_appended_total", 1.0),
        ("hestia_tsdb_out_of_order_samples_total", 0.0),
        ("hestia_tsdb_too_old_samples_total", 1.0),
        ("hestia_tsdb_duplicate_samples_total", 1.0),
        ("hestia_tsdb_out_of_bound_samples_total", 0.0),
        ("hestia_tsdb_head_min_time", 0.0),
        ("hestia_tsdb_head_max_time", 290.0),
        ("hestia_tsdb_blocks_loaded", 0.0),
        ("hestia_tsdb_compactions_total", 0.0),
    ];
    for &(name, want) in cases {
        assert_eq!(get(&m, name), want, "{name}");
    }
    // One fsync per commit (SyncPolicy::Always).
    assert_eq!(
        get(&m, "hestia_tsdb_wal_fsync_duration_seconds_count"),
        31.0
    );
    assert!(
        get(
            &m,
            "hestia_tsdb_wal_fsync_duration_seconds_bucket{le=\"+Inf\"}"
        ) == 31.0
    );
    assert!(get(&m, "hestia_tsdb_wal_storage_size_bytes") > 0.0);
    assert!(get(&m, "hestia_tsdb_head_chunks") >= 2.0);

    let report = db.compact().unwrap();
    assert_eq!(report.head_blocks.len(), 2);
    let mut app = db.appender();
    app.append(None, &a, 10, 1.0).unwrap_err(); // out of bounds now
    app.commit().unwrap();
    let m = scrape(&registry);
    let blocks = db.blocks();
    let bytes: u64 = blocks.iter().map(Block::size_bytes).sum();
    let cases: &[(&str, f64)] = &[
        ("hestia_tsdb_compactions_total", 2.0),
        ("hestia_tsdb_compactions_triggered_total", 1.0),
        ("hestia_tsdb_compactions_failed_total", 0.0),
        ("hestia_tsdb_blocks_loaded", 2.0),
        ("hestia_tsdb_storage_blocks_bytes", bytes as f64),
        ("hestia_tsdb_out_of_bound_samples_total", 1.0),
        ("hestia_tsdb_head_min_time", 200.0),
        ("hestia_tsdb_head_max_time", 290.0),
        ("hestia_tsdb_head_series", 2.0),
    ];
    for &(name, want) in cases {
        assert_eq!(get(&m, name), want, "{name}");
    }
    assert!(bytes > 0);

    // Reopened: a replay took place; the old registry sees nothing.
    drop(db);
    let m = scrape(&registry);
    assert!(get(&m, "hestia_tsdb_head_series").is_nan());
    assert_eq!(get(&m, "hestia_tsdb_head_samples_appended_total"), 0.0);
    let (db, _) = Db::open(dir.path(), opts()).unwrap();
    let db = Arc::new(db);
    let registry = Registry::new();
    hestia_tsdb::metrics::register(&db, &registry).unwrap();
    let m = scrape(&registry);
    assert!(get(&m, "hestia_tsdb_data_replay_duration_seconds") > 0.0);
    assert_eq!(get(&m, "hestia_tsdb_blocks_loaded"), 2.0);
    assert_eq!(get(&m, "hestia_tsdb_head_samples_appended_total"), 0.0);
}
