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

use hestia_storage::{Appendable, SeriesRef};
use hestia_tsdb::workload::{self, Spec};
use hestia_tsdb::{Head, HeadOptions};

#[path = "../benches/support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{live, Counting};

#[global_allocator]
static ALLOC: Counting = Counting;

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
