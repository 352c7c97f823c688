//! glibc malloc settings of `hestia server` (Linux with glibc only).
//!
//! A server scraping many targets allocates in bursts: every scrape
//! reads a body of up to megabytes, builds a batch, logs and applies it,
//! and frees it all again, on whichever runtime or blocking thread ran
//! it. glibc keeps what was freed: one arena per thread that met
//! contention (up to eight per core), each holding free pages between its
//! live allocations, so resident memory stays well above the live heap.
//! Two settings, applied when the server starts:
//!
//! * one arena (`M_ARENA_MAX`; glibc's default is eight per core), unless
//!   the environment sets `MALLOC_ARENA_MAX` (then glibc's own reading of
//!   it stands): what one thread frees, the next can reuse, instead of
//!   each arena keeping free pages of its own between trims;
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

// `mallopt` and `malloc_trim` are C functions; both take plain integers
// and are safe to call at any time from any thread.
#![allow(unsafe_code)]

use std::ffi::c_int;
use std::time::Duration;

extern "C" {
    fn mallopt(param: c_int, value: c_int) -> c_int;
    fn malloc_trim(pad: usize) -> c_int;
}

/// glibc's `M_ARENA_MAX` parameter number (`malloc.h`).
const M_ARENA_MAX: c_int = -8;

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
