//! Damaged block files: flipping and truncating bytes of a block's index,
//! chunk files, meta and tombstones. Reopening the database reports what
//! it could not use (block, file, offset) and keeps serving everything
//! else; queries never panic. Also: a block round trip through the
//! storage contract, and snapshots.

mod common;

use common::TestClock;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::head::read_all;
use hestia_model::{Labels, Matcher};
use hestia_storage::{Appendable, Queryable, SelectHints};
use hestia_tsdb::{BlockOptions, Db, DbOptions, HeadOptions, SyncPolicy, WalOptions};

fn opts() -> DbOptions {
    DbOptions {
        head: HeadOptions {
            wal: WalOptions {
                segment_size: 1 << 16,
                sync: SyncPolicy::Never,
            },
            ..HeadOptions::default()
        },
        block: BlockOptions {
            max_chunk_samples: 40,
            sync: false,
        },
        block_range: 1_000,
        max_block_range: Some(1_000),
        clock: Arc::new(TestClock::default()),
        ..DbOptions::default()
    }
}

fn series(i: usize) -> Labels {
    let job = format!("j{}", i % 3);
    let inst = format!("i{i}");
    Labels::new([
        ("__name__", "m"),
        ("job", job.as_str()),
        ("inst", inst.as_str()),
    ])
    .unwrap()
}

/// A database with three blocks of 6 series, 100 samples each per block
/// (chunks of 40, 40 and 20), and 100 samples per series left in the
/// head.
fn build(dir: &Path) -> Vec<PathBuf> {
    let (db, _) = Db::open(dir, opts()).unwrap();
    for t in (0..4_000).step_by(10) {
        let mut app = db.appender();
        for i in 0..6 {
            app.append(None, &series(i), t, (t / 10 + i as i64) as f64)
                .unwrap();
        }
        app.commit().unwrap();
    }
    db.compact().unwrap();
    let blocks: Vec<PathBuf> = db.blocks().iter().map(|b| b.dir().to_path_buf()).collect();
    assert_eq!(blocks.len(), 3, "{blocks:?}");
    blocks
}

fn count(db: &Db, matchers: &[Matcher]) -> (usize, usize, usize) {
    let q = db.querier(i64::MIN, i64::MAX).unwrap();
    let mut set = q.select(true, &SelectHints::default(), matchers);
    let mut n = (0, 0, 0);
    for s in set.by_ref() {
        n.0 += 1;
        n.1 += s.unwrap().into_samples().unwrap().len();
    }
    n.2 = set.warnings().len();
    n
}

#[test]
fn intact_database_serves_everything() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let (db, report) = Db::open(dir.path(), opts()).unwrap();
    assert!(report.dropped.is_empty());
    assert!(report.blocks.iter().all(|(_, r)| r.is_clean()));
    assert_eq!(count(&db, &[]), (6, 2_400, 0));
    assert_eq!(count(&db, &[Matcher::equal("job", "j1")]), (2, 800, 0));
    let q = db.querier(0, 1_500).unwrap();
    assert_eq!(q.label_values("job", &[]).unwrap(), ["j0", "j1", "j2"]);
    assert_eq!(
        q.label_names(&[Matcher::equal("inst", "i4")]).unwrap(),
        ["__name__", "inst", "job"]
    );
}

/// (file, how to damage it) → what the reopened database still serves.
#[test]
fn damage_is_reported_and_the_rest_served() {
    type Damage = fn(&mut Vec<u8>);
    let flip_middle: Damage = |b| {
        let i = b.len() / 2;
        b[i] ^= 0x55;
    };
    let truncate: Damage = |b| b.truncate(b.len() * 2 / 3);
    let zero_header: Damage = |b| b[..4].fill(0);
    // (file, damage, block dropped); a dropped block loses its 600
    // samples, damaged chunks lose theirs (fewer) with a warning.
    let cases: &[(&str, Damage, bool)] = &[
        ("index", flip_middle, true),
        ("index", truncate, true),
        ("index", zero_header, true),
        ("meta", flip_middle, true),
        ("tombstones", truncate, true),
        ("chunks/000001", zero_header, true),
        ("chunks/000001", flip_middle, false),
        ("chunks/000001", truncate, false),
    ];
    for &(file, damage, dropped) in cases {
        let dir = tempfile::tempdir().unwrap();
        let blocks = build(dir.path());
        let path = blocks[0].join(file);
        let mut bytes = std::fs::read(&path).unwrap();
        damage(&mut bytes);
        std::fs::write(&path, bytes).unwrap();
        let (db, report) = Db::open(dir.path(), opts()).unwrap();
        assert_eq!(
            report.dropped.len(),
            usize::from(dropped),
            "{file}: {:?}",
            report.dropped
        );
        if dropped {
            assert!(
                report.dropped[0].contains(file),
                "{file}: {}",
                report.dropped[0]
            );
            assert_eq!(db.blocks().len(), 2);
        } else {
            let damaged: Vec<_> = report
                .blocks
                .iter()
                .flat_map(|(_, r)| &r.damaged_chunks)
                .collect();
            assert!(!damaged.is_empty(), "{file}");
            assert!(
                damaged[0].contains("chunks/000001 is corrupt at byte"),
                "{damaged:?}"
            );
        }
        let (n, got, warned) = count(&db, &[]);
        assert_eq!(n, 6, "{file}");
        if dropped {
            assert_eq!((got, warned), (1_800, 0), "{file}");
        } else {
            assert!(
                (1_800..2_400).contains(&got) && warned > 0,
                "{file}: {got} samples, {warned} warnings"
            );
        }
    }
}

#[test]
fn unverified_damage_shows_at_query_time() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = build(dir.path());
    let path = blocks[1].join("chunks/000001");
    let mut bytes = std::fs::read(&path).unwrap();
    let i = bytes.len() - 3;
    bytes[i] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let (db, report) = Db::open(
        dir.path(),
        DbOptions {
            verify_chunks: false,
            ..opts()
        },
    )
    .unwrap();
    assert!(report.dropped.is_empty());
    let q = db.querier(i64::MIN, i64::MAX).unwrap();
    let mut set = q.select(true, &SelectHints::default(), &[]);
    let got: usize = set
        .by_ref()
        .map(|s| s.unwrap().into_samples().unwrap().len())
        .sum();
    // Chunk files are compressed in pages of 64 KiB, each with a checksum:
    // damage loses the chunks of its page, here every chunk of the block.
    assert_eq!(got, 2_400 - 600, "the page of the block's chunks is lost");
    let w = set.warnings();
    assert!(w.iter().next().unwrap().contains("chunks/000001"), "{w:?}");
}

#[test]
fn snapshot_opens_as_a_database_with_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let (db, _) = Db::open(dir.path(), opts()).unwrap();
    db.delete_series(&[Matcher::equal("inst", "i0")], 0, 99)
        .unwrap();
    let before = {
        let q = db.querier(i64::MIN, i64::MAX).unwrap();
        read_all(q.select(true, &SelectHints::default(), &[]))
    };
    let snap = tempfile::tempdir().unwrap();
    let ids = db.snapshot(snap.path().join("s")).unwrap();
    assert_eq!(ids.len(), 4);
    let (copy, report) = Db::open(snap.path().join("s"), opts()).unwrap();
    assert!(report.dropped.is_empty());
    let q = copy.querier(i64::MIN, i64::MAX).unwrap();
    let after = read_all(q.select(true, &SelectHints::default(), &[]));
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.0, b.0);
        assert_eq!(a.1.len(), b.1.len());
        assert!(a
            .1
            .iter()
            .zip(&b.1)
            .all(|(x, y)| x.t == y.t && x.v.to_bits() == y.v.to_bits()));
    }
    assert_eq!(after[0].1.len(), 400 - 10);
}
