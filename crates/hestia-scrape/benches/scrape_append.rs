//! The append work of the live benchmark's scrapes: one real body of
//! `bench/`'s loadgen (`loadgen-10k.txt.gz`: 10,000 series of one target,
//! saved from `hestia-loadgen serve --targets 1 --pods-per-target 100`)
//! appended scrape after scrape through the scrape cache into a counting
//! appender that stands for the storage (it hands out references and
//! keeps nothing), so what is measured is this crate's and the parser's
//! work per sample. The first scrape fills the cache; the others are the
//! steady state (every series a cache hit). A plain `main` that runs a
//! fixed number of scrapes, so that `valgrind --tool=callgrind` gives
//! repeatable instruction counts; the difference between two runs is the
//! steady state:
//!
//! ```sh
//! cargo bench -p hestia-scrape --bench scrape_append         # ns/sample
//! B=$(ls target/release/deps/scrape_append-* | grep -v '\.d$')
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.1 $B 1
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.11 $B 11
//! # (Ir of cg.11 − Ir of cg.1) / 100,000 = instructions per cached sample
//! ```
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

use hestia_model::Labels;
use hestia_scrape::SeriesCache;
use hestia_storage::{AppendError, Appender, SeriesRef, StorageError};

/// Hands out a new reference for every sample given labels and returns
/// the reference it is given otherwise, counting samples.
#[derive(Default)]
struct Counting {
    next: u64,
    samples: u64,
}

impl Appender for Counting {
    fn append(
        &mut self,
        series: Option<SeriesRef>,
        labels: &Labels,
        _t: i64,
        v: f64,
    ) -> Result<SeriesRef, AppendError> {
        self.samples += 1;
        black_box(v);
        match series {
            Some(r) => Ok(r),
            None => {
                black_box(labels);
                self.next += 1;
                Ok(SeriesRef(self.next))
            }
        }
    }

    fn commit(self: Box<Self>) -> Result<(), StorageError> {
        Ok(())
    }

    fn rollback(self: Box<Self>) -> Result<(), StorageError> {
        Ok(())
    }
}

fn body() -> Vec<u8> {
    let gz: &[u8] = include_bytes!("loadgen-10k.txt.gz");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut out)
        .expect("the fixture decompresses");
    out
}

fn main() {
    let scrapes: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let body = body();
    let target =
        Labels::new([("instance", "127.0.0.1:19501"), ("job", "loadgen")]).expect("valid labels");
    let mut cache = SeriesCache::default();
    let mut app = Counting::default();
    let mut t = 1_700_000_000_000;
    let start = Instant::now();
    let mut samples = 0;
    for i in 0..scrapes {
        let counts = hestia_scrape::append_text_scrape(&mut app, &mut cache, &target, &body, t)
            .expect("the scrape appends");
        assert_eq!(counts.scraped, 10_000);
        assert_eq!(counts.series_added, if i == 0 { 10_000 } else { 0 });
        samples += counts.scraped;
        t += 5_000;
    }
    let ns = start.elapsed().as_nanos() as f64 / samples.max(1) as f64;
    println!(
        "{scrapes} scrapes of {} bytes: {samples} samples ({} appended), {ns:.1} ns/sample; \
         cache entries: {:.1} B/series",
        body.len(),
        app.samples,
        cache.entry_bytes() as f64 / cache.len().max(1) as f64,
    );
}
