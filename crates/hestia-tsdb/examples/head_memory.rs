//! Measures the head's memory: heap bytes per series, counted by a
//! global allocator that tracks live bytes, on the synthetic scrape
//! workload (`hestia_tsdb::workload`): 160 and 1 563 targets × 64 series
//! (10 240 and 100 032 series), 720 samples each (2 h at 10 s), appended
//! one commit per target and scrape round as a scraper would, by a head with a
//! directory (WAL on, closed chunks in `chunks_head/`).
//!
//! ```sh
//! cargo run --release -p hestia-tsdb --example head_memory          # both sizes
//! cargo run --release -p hestia-tsdb --example head_memory -- small # 10k only
//! ```

// Counting allocations needs a `GlobalAlloc`, whose trait is unsafe to
// implement; the implementation only forwards to the system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use hestia_storage::{Appendable, SeriesRef};
use hestia_tsdb::workload::{self, Spec};
use hestia_tsdb::{Head, HeadOptions};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Appends `samples` rounds of the workload for `targets × 64` series to
/// a head with a directory (closed chunks on disk, WAL on) and prints
/// one row of the table.
fn measure(targets: usize, samples: usize) {
    let spec = Spec {
        targets,
        samples,
        ..Spec::default()
    };
    let series = workload::generate(&spec);
    let labels = workload::labels(&series);
    let n = series.len();
    let period = HeadOptions::default().samples_per_chunk;
    let dir = tempfile::tempdir().unwrap();

    let mut refs: Vec<Option<SeriesRef>> = vec![None; n];
    let base = live();
    let (head, _) = Head::open(dir.path(), HeadOptions::default()).unwrap();
    let (mut after_first, mut sum_last_period, mut rounds_last_period) = (0, 0, 0);
    for round in 0..samples {
        // One commit per target and round, as a scraper does.
        for target in 0..targets {
            let mut app = head.appender();
            for i in target * 64..(target + 1) * 64 {
                let x = series[i].samples[round];
                refs[i] = Some(app.append(refs[i], &labels[i], x.t, x.v).unwrap());
            }
            app.commit().unwrap();
        }
        if round == 0 {
            after_first = live() - base;
        }
        if round + period >= samples {
            sum_last_period += live() - base;
            rounds_last_period += 1;
        }
    }
    let total = live() - base;
    let stats = head.stats();
    let per = |b: usize| b as f64 / n as f64;
    println!(
        "| {n} | {:.0} | {:.0} | {:.0} | {:.1} | {:.2} |",
        per(after_first),
        per(total),
        per(sum_last_period / rounds_last_period),
        stats.samples as f64 / stats.chunks as f64,
        stats.closed_chunk_bytes as f64 / (n * samples) as f64,
    );
    drop(head);
}

fn main() {
    let samples = 720;
    println!(
        "| series | B/series after 1 sample | after {samples} | mean over the last chunk period | samples per chunk | closed chunks on disk, B/sample |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    let arg = std::env::args().nth(1);
    let targets: &[usize] = match arg.as_deref() {
        Some("small") => &[160],
        _ => &[160, 1563],
    };
    for &t in targets {
        measure(t, samples);
    }
}
