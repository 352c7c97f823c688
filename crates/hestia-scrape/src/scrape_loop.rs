//! One target's scrape loop: a tokio task that waits for the target's
//! offset (so targets spread over the interval and each keeps its phase
//! across restarts), then scrapes every interval (a late tick is skipped,
//! as Go's ticker does), appending each scrape and its report in one batch
//! with one commit, and keeping a [`TargetStatus`].
//!
//! Scrape timestamps are aligned as Prometheus aligns them: a scrape that
//! starts at most [`TIMESTAMP_TOLERANCE_MS`] after its scheduled time
//! (timer wake-up jitter) is stamped with the scheduled time, so the
//! series' timestamps advance by exactly the interval and cost one bit a
//! sample in a chunk instead of about sixteen ([`aligned_time`]).
//!
//! A text 0.0.4 body that is not known to be small (no `Content-Length`
//! below [`BLOCKING_BODY_BYTES`]: chunked, gzipped or large) is parsed
//! and appended as it arrives, on the blocking pool: that thread pulls
//! each piece of the body through the runtime's handle, so a scrape in
//! flight holds one piece and a partial line, not the whole body. A body
//! that fails to arrive whole (lost connection, timeout, size limit)
//! fails the scrape like a failed request, and the batch is rolled back.
//! Other formats, and small text bodies, are read whole first.
//!
//! The loop reads its job's [`LoopSettings`] at each scrape, so a reload
//! that keeps the target reconfigures the running loop and keeps its
//! series cache (reset only when the change alters series labels).
//!
//! Stopping with [`StopMode::Stale`] (the target went away) waits as
//! Prometheus does, until just after two more intervals, then writes stale
//! markers for every series of the last scrape and the report series, at
//! the time the next scrape would have happened; a target that came back
//! meanwhile has written newer samples, so the markers are refused as out
//! of order and nothing is lost. [`StopMode::Shutdown`] writes nothing.

use std::sync::Arc;
use std::time::Duration;

use hestia_config::ScrapeProtocol;
use hestia_expfmt::Format;
use hestia_storage::Appendable;
use parking_lot::RwLock;
use reqwest::header::HeaderMap;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::append::{append_body, append_empty, append_report, Body, Counts, Report, Rules};
use crate::cache::SeriesCache;
use crate::client::{format_for, HttpClient, Streamed};
use crate::{Clock, Error, Target};

/// Bodies at least this large are parsed and appended on the blocking
/// pool.
const BLOCKING_BODY_BYTES: usize = 64 * 1024;

/// A job's settings as a loop reads them at each scrape.
#[derive(Debug)]
pub(crate) struct LoopSettings {
    pub(crate) rules: Rules,
    pub(crate) client: Result<HttpClient, Error>,
    pub(crate) headers: HeaderMap,
    pub(crate) body_limit: Option<u64>,
    pub(crate) fallback: Option<ScrapeProtocol>,
    /// Fails every scrape (the job is over its `target_limit`).
    pub(crate) forced_error: Option<Error>,
    /// Changes when a reload alters series labels: the loop then forgets
    /// its cached labels.
    pub(crate) cache_epoch: u64,
}

/// How a target is doing, for the API's targets page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Health {
    /// Not scraped yet.
    #[default]
    Unknown,
    /// The last scrape succeeded.
    Up,
    /// The last scrape failed.
    Down,
}

/// The state of one target's loop.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetStatus {
    /// The last scrape's outcome.
    pub health: Health,
    /// Why the last scrape failed.
    pub last_error: Option<String>,
    /// When the last scrape started (the timestamp of its samples), in
    /// milliseconds.
    pub last_scrape: Option<i64>,
    /// How long the last scrape took.
    pub last_scrape_duration: Option<Duration>,
    /// What the last scrape appended.
    pub last_counts: Counts,
    /// Scrapes done by this loop.
    pub scrapes: u64,
    /// Series in the loop's cache after the last scrape.
    pub cached_series: usize,
    /// The families' metadata as of the last successful scrape.
    pub metadata: crate::MetadataSnapshot,
}

/// How a loop ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopMode {
    Run,
    /// The target went away: write end-of-run stale markers.
    Stale,
    /// The server is stopping: write nothing more.
    Shutdown,
}

/// What the loop needs from its surroundings.
#[derive(Clone)]
pub(crate) struct LoopEnv {
    pub(crate) storage: Arc<dyn Appendable>,
    pub(crate) clock: Clock,
    pub(crate) offset_seed: u64,
}

/// The manager's handle on a running loop.
pub(crate) struct LoopHandle {
    pub(crate) id: u64,
    pub(crate) target: Target,
    pub(crate) status: Arc<RwLock<TargetStatus>>,
    settings: watch::Sender<Arc<LoopSettings>>,
    stop: watch::Sender<StopMode>,
    pub(crate) task: JoinHandle<()>,
}

impl LoopHandle {
    /// Starts the loop of `target`.
    pub(crate) fn start(
        id: u64,
        target: Target,
        settings: Arc<LoopSettings>,
        env: LoopEnv,
    ) -> LoopHandle {
        let status = Arc::new(RwLock::new(TargetStatus::default()));
        let (settings_tx, settings_rx) = watch::channel(settings);
        let (stop_tx, stop_rx) = watch::channel(StopMode::Run);
        let state = LoopState {
            cache: SeriesCache::default(),
            cache_epoch: settings_rx.borrow().cache_epoch,
            last_body: 0,
            target: target.clone(),
            env,
            status: Arc::clone(&status),
        };
        let task = tokio::spawn(run(state, settings_rx, stop_rx));
        LoopHandle {
            id,
            target,
            status,
            settings: settings_tx,
            stop: stop_tx,
            task,
        }
    }

    /// Hands the loop new settings, used from its next scrape on.
    pub(crate) fn update(&self, settings: Arc<LoopSettings>) {
        self.settings.send_replace(settings);
    }

    /// Asks the loop to stop; it ends on its own.
    pub(crate) fn stop(&self, mode: StopMode) {
        self.stop.send_replace(mode);
    }
}

struct LoopState {
    cache: SeriesCache,
    cache_epoch: u64,
    target: Target,
    env: LoopEnv,
    status: Arc<RwLock<TargetStatus>>,
    /// Bytes of the last body fetched, to size the next one's buffer.
    last_body: usize,
}

/// Waits for `stop` to leave [`StopMode::Run`]; a dropped handle counts
/// as a shutdown.
async fn stopped(stop: &mut watch::Receiver<StopMode>) -> StopMode {
    match stop.wait_for(|m| *m != StopMode::Run).await {
        Ok(m) => *m,
        Err(_) => StopMode::Shutdown,
    }
}

async fn run(
    mut state: LoopState,
    settings: watch::Receiver<Arc<LoopSettings>>,
    mut stop: watch::Receiver<StopMode>,
) {
    let offset = state
        .target
        .offset(state.env.clock.now_ms(), state.env.offset_seed);
    tokio::select! {
        _ = tokio::time::sleep(offset) => {}
        _ = stopped(&mut stop) => return,
    }
    let interval = state.target.interval();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut scraped = false;
    let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
    let mut scheduled = state.env.clock.now_ms();
    let mode = loop {
        tokio::select! {
            biased;
            mode = stopped(&mut stop) => break mode,
            _ = ticker.tick() => {}
        }
        let current = Arc::clone(&settings.borrow());
        let t;
        (t, scheduled) = aligned_time(state.env.clock.now_ms(), scheduled, interval_ms);
        state = scrape_and_report(state, current, t).await;
        scraped = true;
    };
    if mode != StopMode::Stale || !scraped {
        return;
    }
    // End-of-run staleness: the time of the next scrape, written after
    // two more intervals and a tenth, unless the server shuts down.
    let shutdown = async {
        if stop.wait_for(|m| *m == StopMode::Shutdown).await.is_err() {
            // The handle is gone: nobody can ask for a shutdown any more.
            std::future::pending::<()>().await;
        }
    };
    let wait = async {
        ticker.tick().await;
        let t = state.env.clock.now_ms();
        ticker.tick().await;
        tokio::time::sleep(interval / 10).await;
        t
    };
    let t = tokio::select! {
        t = wait => t,
        _ = shutdown => return,
    };
    let rules = settings.borrow().rules.clone();
    let storage = Arc::clone(&state.env.storage);
    let mut app = storage.appender();
    state.cache.forget_current();
    let labels = state.target.labels().clone();
    let ok = append_empty(app.as_mut(), &mut state.cache, t).is_ok()
        && append_report(app.as_mut(), &mut state.cache, &labels, &rules, t, None).is_ok();
    let _ = if ok { app.commit() } else { app.rollback() };
}

/// The outcome of fetching a body.
enum Fetch {
    /// The whole body, in a format.
    Whole(Vec<u8>, Format),
    /// A text 0.0.4 body to read as it arrives, with the runtime that
    /// drives the connection.
    Stream(Streamed, tokio::runtime::Handle),
    /// No body.
    Failed(Error),
}

/// How late after its scheduled time a scrape may start and still be
/// stamped with it (Prometheus' `ScrapeTimestampTolerance`).
pub(crate) const TIMESTAMP_TOLERANCE_MS: i64 = 2;

/// The timestamp of a scrape starting at `now`, and the schedule to pass
/// to the next call, given the schedule `scheduled` from the last call
/// (at first, the time of the first scrape) and the interval: the
/// schedule advances by whole intervals up to `now` (ticks may have been
/// skipped), and `now` is replaced by it when at most
/// [`TIMESTAMP_TOLERANCE_MS`] away. As in Prometheus, intervals of 200 ms
/// or less are never aligned.
pub(crate) fn aligned_time(now: i64, scheduled: i64, interval_ms: i64) -> (i64, i64) {
    if interval_ms <= 100 * TIMESTAMP_TOLERANCE_MS {
        return (now, scheduled);
    }
    let mut scheduled = scheduled;
    if now - scheduled >= interval_ms {
        scheduled += (now - scheduled) / interval_ms * interval_ms;
    }
    // A tick a millisecond early (the wall clock read rounded down) is
    // aligned too.
    let t = if (now - scheduled).abs() <= TIMESTAMP_TOLERANCE_MS {
        scheduled
    } else {
        now
    };
    (t, scheduled)
}

async fn scrape_and_report(mut state: LoopState, settings: Arc<LoopSettings>, t: i64) -> LoopState {
    let start = Instant::now();
    if settings.cache_epoch != state.cache_epoch {
        state.cache.reset_series();
        state.cache_epoch = settings.cache_epoch;
    }
    let fetched: Result<(Streamed, Format), Error> = async {
        if let Some(e) = &settings.forced_error {
            return Err(e.clone());
        }
        let client = settings.client.as_ref().map_err(Clone::clone)?;
        let url = state.target.parsed_url()?;
        let timeout = state.target.timeout();
        let response = client
            .open(url, settings.headers.clone(), timeout, settings.body_limit)
            .await?;
        let format = format_for(response.content_type.as_deref(), settings.fallback)?;
        Ok((response, format))
    }
    .await;
    let fetched = match fetched {
        // A text body not known to be small is parsed as it arrives, on
        // the blocking pool.
        Ok((response, Format::Text))
            if response
                .content_length()
                .is_none_or(|n| n >= BLOCKING_BODY_BYTES as u64) =>
        {
            Fetch::Stream(response, tokio::runtime::Handle::current())
        }
        Ok((mut response, format)) => {
            // A sixteenth more than the last body: one allocation, rarely
            // grown.
            let hint = state.last_body + state.last_body / 16;
            match response.read_all(hint).await {
                Ok(body) => Fetch::Whole(body, format),
                Err(e) => Fetch::Failed(e),
            }
        }
        Err(e) => Fetch::Failed(e),
    };
    let large = match &fetched {
        Fetch::Whole(b, _) => b.len() >= BLOCKING_BODY_BYTES,
        Fetch::Stream(..) => true,
        Fetch::Failed(_) => false,
    };
    let work = move || append_scrape(state, &settings, fetched, t, start);
    if large {
        tokio::task::spawn_blocking(work)
            .await
            .expect("appending a scrape does not panic")
    } else {
        work()
    }
}

/// Appends one scrape (or, if it failed, an empty one) and its report in
/// one batch, commits, and updates the status.
fn append_scrape(
    mut state: LoopState,
    settings: &LoopSettings,
    fetched: Fetch,
    t: i64,
    start: Instant,
) -> LoopState {
    let storage = Arc::clone(&state.env.storage);
    let labels = state.target.labels().clone();
    let rules = &settings.rules;
    let mut app = storage.appender();
    let mut metadata = None;
    let appended = match fetched {
        Fetch::Whole(body, format) => {
            state.last_body = body.len();
            let (counts, result, meta) = append_body(
                app.as_mut(),
                &mut state.cache,
                &labels,
                rules,
                Body::Whole(&body, format),
                t,
            );
            Ok((counts, result, meta, body.len() as i64))
        }
        Fetch::Stream(mut response, runtime) => {
            let mut next = || runtime.block_on(response.chunk());
            let (counts, result, meta) = append_body(
                app.as_mut(),
                &mut state.cache,
                &labels,
                rules,
                Body::Text(&mut next),
                t,
            );
            // Reading the body failed: the scrape failed, as if nothing
            // had come.
            match result {
                Err(e) if e.is_fetch() => Err(e),
                result => {
                    let bytes = response.bytes_read();
                    Ok((
                        counts,
                        result,
                        meta,
                        i64::try_from(bytes).unwrap_or(i64::MAX),
                    ))
                }
            }
        }
        Fetch::Failed(e) => Err(e),
    };
    let (counts, body_bytes, error) = match appended {
        Ok((counts, result, meta, bytes)) => {
            metadata = meta;
            (counts, bytes, result.err())
        }
        Err(e) => {
            let bytes = if e == Error::BodySizeLimit { -1 } else { 0 };
            (Counts::default(), bytes, Some(e))
        }
    };
    if error.is_some() {
        // No body, or one that did not parse or broke a limit: none of
        // it is kept, and the series of the last scrape go stale.
        let _ = app.rollback();
        app = storage.appender();
        state.cache.forget_current();
        let _ = append_empty(app.as_mut(), &mut state.cache, t);
    }
    let duration = start.elapsed();
    let report = Report {
        up: error.is_none(),
        duration_seconds: duration.as_secs_f64(),
        counts,
        timeout_seconds: state.target.timeout().as_secs_f64(),
        body_bytes,
    };
    let reported = append_report(
        app.as_mut(),
        &mut state.cache,
        &labels,
        rules,
        t,
        Some(&report),
    );
    let committed = match reported {
        Ok(()) => app.commit().map_err(|e| Error::Storage(e.to_string())),
        Err(e) => {
            let _ = app.rollback();
            Err(e)
        }
    };
    let error = error.or(committed.err());
    let mut status = state.status.write();
    status.health = if error.is_none() {
        crate::Health::Up
    } else {
        crate::Health::Down
    };
    status.last_error = error.map(|e| e.to_string());
    status.last_scrape = Some(t);
    status.last_scrape_duration = Some(duration);
    status.last_counts = counts;
    status.scrapes += 1;
    status.cached_series = state.cache.len();
    if let Some(m) = metadata {
        status.metadata = m;
    }
    drop(status);
    state
}

#[cfg(test)]
mod tests {
    use super::aligned_time;

    /// (now, schedule before, interval) → (timestamp, schedule after).
    type Case = ((i64, i64, i64), (i64, i64));

    #[test]
    fn scrape_timestamps_align_within_the_tolerance() {
        let cases: &[Case] = &[
            // The first scrape: the schedule starts at it.
            ((1_000, 1_000, 5_000), (1_000, 1_000)),
            // On time, 1 and 2 ms late: the scheduled time.
            ((6_000, 1_000, 5_000), (6_000, 6_000)),
            ((6_001, 1_000, 5_000), (6_000, 6_000)),
            ((6_002, 1_000, 5_000), (6_000, 6_000)),
            // 3 ms late: its own time; the schedule still advances.
            ((6_003, 1_000, 5_000), (6_003, 6_000)),
            // Before the next scheduled time: its own time.
            ((5_999, 1_000, 5_000), (5_999, 1_000)),
            // A wall clock that stepped back a millisecond: aligned.
            ((5_999, 6_000, 5_000), (6_000, 6_000)),
            // Skipped ticks: the schedule catches up by whole intervals.
            ((21_001, 1_000, 5_000), (21_000, 21_000)),
            ((23_500, 1_000, 5_000), (23_500, 21_000)),
            // Intervals of 200 ms or less are not aligned.
            ((1_201, 1_000, 200), (1_201, 1_000)),
            ((1_202, 1_000, 201), (1_201, 1_201)),
        ];
        for &((now, scheduled, interval), want) in cases {
            assert_eq!(
                aligned_time(now, scheduled, interval),
                want,
                "now {now}, scheduled {scheduled}, interval {interval}"
            );
        }
    }
}
