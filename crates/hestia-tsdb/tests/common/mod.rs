//! Helpers shared by the tests: WAL options, reading everything back,
//! snapshotting and restoring a directory's files, a ticking clock.

#![allow(dead_code)]

use hestia_tsdb::{Clock, SyncPolicy, Wal, WalOptions};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};

/// Test options: `segment_size` bytes per segment, no fsync.
pub fn opts(segment_size: u64) -> WalOptions {
    WalOptions {
        segment_size,
        sync: SyncPolicy::Never,
    }
}

/// A located record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rec {
    pub segment: u32,
    pub offset: u64,
    pub payload: Vec<u8>,
}

impl Rec {
    /// Offset just past the record (9 header bytes plus the payload).
    pub fn end(&self) -> u64 {
        self.offset + 9 + self.payload.len() as u64
    }
}

/// Every record of the WAL in `dir` from its first to its last segment,
/// failing the test on damage.
pub fn read_all(wal: &Wal) -> Vec<Rec> {
    let mut r = wal.reader(wal.segments()).unwrap();
    let mut out = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        out.push(Rec {
            segment: rec.segment,
            offset: rec.offset,
            payload: rec.payload.to_vec(),
        });
    }
    out
}

/// File name → contents of every file in `dir`.
pub type Files = BTreeMap<String, Vec<u8>>;

pub fn snapshot(dir: &Path) -> Files {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Writes `files` into a fresh temporary directory.
pub fn restore(files: &Files) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

/// Payload of the `i`th test record: 2 to 9 bytes, one of them empty.
pub fn payload(i: usize) -> Vec<u8> {
    if i == 3 {
        return Vec::new();
    }
    let mut p = format!("r{i}").into_bytes();
    p.extend(std::iter::repeat_n(b'x', i % 5));
    p
}

/// A WAL of `n` records logged one by one into 100-byte segments (four
/// or five records each), as files, with the records' locations.
pub fn pristine(n: usize) -> (Files, Vec<Rec>) {
    let dir = tempfile::tempdir().unwrap();
    let (mut wal, report) = Wal::open(dir.path(), opts(100)).unwrap();
    assert!(report.is_clean());
    for i in 0..n {
        wal.log(&[payload(i)]).unwrap();
    }
    let recs = read_all(&wal);
    assert_eq!(recs.len(), n);
    (snapshot(dir.path()), recs)
}

pub fn seg_name(n: u32) -> String {
    format!("{n:08}")
}

pub mod head;
pub mod model;

/// A clock that ticks one millisecond per reading (block ids in order).
#[derive(Debug, Default)]
pub struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}
