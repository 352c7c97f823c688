//! glibc malloc settings of `hestia server` (Linux with glibc only).
//!
//! A server scraping many targets allocates in bursts: every scrape
//! reads a body of up to megabytes, builds a batch, logs and applies it,
//! and frees it all again, on whichever runtime or blocking thread ran
//! it. glibc keeps what was freed: one arena per thread that met
//! contention (up to eight per core), each holding free pages between its
//! live allocations, so resident memory stays well above the live heap.
//! Three settings, applied when the server starts:
//!
//! * one arena (`M_ARENA_MAX`; glibc's default is eight per core), unless
//!   the environment sets `MALLOC_ARENA_MAX` (then glibc's own reading of
//!   it stands): what one thread frees, the next can reuse, instead of
//!   each arena keeping free pages of its own between trims;
//! * fixed thresholds of [`THRESHOLD`] bytes (`M_MMAP_THRESHOLD`,
//!   `M_TRIM_THRESHOLD`), unless the environment sets glibc's own
//!   (`GLIBC_TUNABLES`, `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`):
//!   a scrape's large buffers (an HTTP connection's read buffer grows to
//!   about 400 KiB) are mapped apart and unmapped when freed, and free
//!   memory at the top of the heap goes back at once. glibc's default
//!   raises both thresholds to the largest block freed so far, so that
//!   after the first large scrape such memory stayed until the next trim;
//! * every [`TRIM_PERIOD`], `malloc_trim(0)` on a thread of its own,
//!   which returns the whole free pages inside every arena to the system.
//!
//! Measured with `bench/run --mode live --warm 60 --measure 90` (10 or 50
//! targets of 10,000 series, scraped every 5 s): at 100,000 series the
//! trimming alone took RSS from about 888 to 790 bytes per series (one
//! arena or two, within noise), at the price of some 250 more page
//! faults a second (pages trimmed and touched again) and no CPU change
//! the runs could tell (0.9 CPU-s per million samples ± 0.1). Trimming
//! every second instead saved nothing more and cost about 0.2 CPU-s per
//! million; a fixed `M_MMAP_THRESHOLD` of 128 KiB (scrape bodies mapped
//! and unmapped each time) reached 724 bytes per series but cost 0.4.
//!
//! Once the series' own memory had shrunk (a 112-byte series state), the
//! arenas' free pages were a large share of what was left. At 100,000
//! series (10 targets), two arenas (one per core) against one: anonymous
//! memory 25.5 against 21.5 MB, RSS 370 against 328 bytes per series,
//! CPU 0.41 against 0.40 CPU-s per million samples (`bench/run --mode
//! live --systems hestia --sizes 100000 --warm 60 --measure 60`, with
//! `MALLOC_ARENA_MAX=2` and `1`). Per-thread caches (glibc's tcache)
//! serve most small allocations without the arena's lock.
//!
//! With text bodies parsed as they arrive, the fixed thresholds took the
//! same run (one arena, 120 s measured) from 318 to 307 bytes per series
//! (anonymous memory 21.0–21.5 → 19.0–19.9 MB) for 0.39 → 0.44 CPU-s per
//! million samples: the pages handed back are faulted in again by the
//! next scrape.

// `mallopt` and `malloc_trim` are C functions; both take plain integers
// and are safe to call at any time from any thread.
#![allow(unsafe_code)]

use std::ffi::c_int;
use std::time::Duration;

extern "C" {
    fn mallopt(param: c_int, value: c_int) -> c_int;
    fn malloc_trim(pad: usize) -> c_int;
}

/// glibc's `mallopt` parameter numbers (`malloc.h`).
const M_TRIM_THRESHOLD: c_int = -1;
const M_MMAP_THRESHOLD: c_int = -3;
const M_ARENA_MAX: c_int = -8;

/// The mmap and trim thresholds (see the module documentation).
const THRESHOLD: c_int = 256 * 1024;

/// Arenas glibc may create (see the module documentation).
const ARENAS: c_int = 1;

/// How often free memory is handed back to the system.
pub(crate) const TRIM_PERIOD: Duration = Duration::from_secs(5);

/// Limits the arenas and starts the thread that trims them. Call before
/// the runtime starts its threads (arenas already created stay).
pub(crate) fn tune() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: `mallopt` takes two integers and only changes malloc's
        // parameters; an unknown parameter is refused with 0.
        unsafe {
            mallopt(M_ARENA_MAX, ARENAS);
        }
    }
    let tuned = [
        "GLIBC_TUNABLES",
        "MALLOC_MMAP_THRESHOLD_",
        "MALLOC_TRIM_THRESHOLD_",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some());
    if !tuned {
        // SAFETY: as above.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, THRESHOLD);
            mallopt(M_TRIM_THRESHOLD, THRESHOLD);
        }
    }
    let spawned = std::thread::Builder::new()
        .name("hestia-malloc-trim".into())
        .spawn(|| loop {
            std::thread::sleep(TRIM_PERIOD);
            // SAFETY: `malloc_trim` takes an integer (the bytes to leave
            // at the top of the heap) and only releases free memory.
            unsafe {
                malloc_trim(0);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("not trimming malloc's free memory: {e}");
    }
}
