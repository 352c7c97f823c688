//! The scrape cache keeps only series references: cached series are
//! appended by reference with empty labels, and when the storage no
//! longer knows a reference (the TSDB head dropped the series) the loop
//! computes the labels again and re-creates the series; stale markers go
//! by reference, and an unknown one is skipped.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::*;
use hestia_instrument::{Family, Gauge, Registry};
use hestia_model::Labels;
use hestia_scrape::{Clock, ScrapeManager, ScrapeOptions};
use hestia_storage::{AppendError, Appendable, Appender, MemStorage, SeriesRef, StorageError};
use parking_lot::Mutex;

/// A `MemStorage` that can lose series: a reference in `lost` is unknown
/// until the series is appended again with its labels (as the head after a
/// truncation, except that the series keeps its samples and reference).
#[derive(Default)]
struct Forgetful {
    inner: MemStorage,
    lost: Mutex<HashSet<SeriesRef>>,
    /// Every append.
    log: Mutex<Vec<Logged>>,
}

/// One append: the reference given, whether the labels given were empty,
/// and the outcome.
type Logged = (Option<SeriesRef>, bool, Result<SeriesRef, AppendError>);

struct ForgetfulAppender<'a> {
    owner: &'a Forgetful,
    inner: Box<dyn Appender + 'a>,
}

impl Appendable for Forgetful {
    fn appender(&self) -> Box<dyn Appender + '_> {
        Box::new(ForgetfulAppender {
            owner: self,
            inner: self.inner.appender(),
        })
    }
}

impl Appender for ForgetfulAppender<'_> {
    fn append(
        &mut self,
        series: Option<SeriesRef>,
        labels: &Labels,
        t: i64,
        v: f64,
    ) -> Result<SeriesRef, AppendError> {
        let lost = series.filter(|r| self.owner.lost.lock().contains(r));
        let result = match lost {
            Some(r) if labels.is_empty() => Err(AppendError::UnknownSeriesRef(r)),
            Some(_) => self.inner.append(None, labels, t, v),
            None => self.inner.append(series, labels, t, v),
        };
        if let (Ok(r), false) = (&result, labels.is_empty()) {
            // Appended with its labels: known again.
            self.owner.lost.lock().remove(r);
        }
        self.owner
            .log
            .lock()
            .push((series, labels.is_empty(), result.clone()));
        result
    }

    fn commit(self: Box<Self>) -> Result<(), StorageError> {
        self.inner.commit()
    }

    fn rollback(self: Box<Self>) -> Result<(), StorageError> {
        self.inner.rollback()
    }
}

impl Forgetful {
    /// Loses every series named `name` with `with`.
    fn lose(&self, name: &str, with: &[(&str, &str)]) {
        let found = series(&self.inner, name, with);
        assert!(!found.is_empty());
        let mut lost = self.lost.lock();
        for (labels, _) in found {
            lost.insert(series_ref(&self.inner, &labels));
        }
    }

    /// Clears the log.
    fn take_log(&self) -> Vec<Logged> {
        std::mem::take(&mut *self.log.lock())
    }
}

/// The reference of the series `labels` in `storage` (it exists).
fn series_ref(storage: &MemStorage, labels: &Labels) -> SeriesRef {
    let mut app = storage.appender();
    // A sample far in the future, rolled back: only the reference matters.
    let r = app.append(None, labels, i64::MAX, 0.0).unwrap();
    app.rollback().unwrap();
    r
}

fn temperatures() -> (Registry, Family<Key, Gauge<f64>>) {
    let registry = Registry::new();
    let temps = register_temperatures(&registry);
    (registry, temps)
}

fn manager_over(storage: &Arc<Forgetful>) -> ScrapeManager {
    let options = ScrapeOptions {
        clock: Clock::tokio_at(T0),
        offset_seed: 0,
    };
    ScrapeManager::new(storage.clone(), options)
}

/// How many appends of `log` went by reference without labels.
fn by_reference(log: &[Logged]) -> usize {
    log.iter()
        .filter(|(r, empty, _)| r.is_some() && *empty)
        .count()
}

#[tokio::test(start_paused = true)]
async fn a_lost_series_is_created_again_with_its_labels() {
    let (registry, _temps) = temperatures();
    let server = exporter(&registry).await;
    let storage = Arc::new(Forgetful::default());
    let m = manager_over(&storage);
    m.apply_config(&config_of(&[job_yaml("api", server.addr, "")]));
    scrapes(&m, 2).await;
    // The second scrape appended both series by reference, without labels.
    let log = storage.take_log();
    assert_eq!(by_reference(&log), 2, "{log:#?}");
    assert!(log.iter().all(|(_, _, r)| r.is_ok()), "{log:#?}");

    storage.lose("temperature", &[("key", "a")]);
    scrapes(&m, 3).await;
    let log = storage.take_log();
    let refused: Vec<_> = log
        .iter()
        .filter(|(_, _, r)| matches!(r, Err(AppendError::UnknownSeriesRef(_))))
        .collect();
    assert_eq!(refused.len(), 1, "{log:#?}");
    // Retried with the labels, then known again.
    let retried = log
        .iter()
        .filter(|(r, empty, result)| r.is_none() && !empty && result.is_ok())
        .count();
    assert_eq!(retried, 1, "{log:#?}");
    scrapes(&m, 4).await;
    let log = storage.take_log();
    assert_eq!(by_reference(&log), 2, "{log:#?}");
    assert!(log.iter().all(|(_, _, r)| r.is_ok()), "{log:#?}");

    let a = samples(&storage.inner, "temperature", &[("key", "a")]);
    assert_eq!(values(&a), [Some(1.5); 4], "no scrape lost");
    let b = samples(&storage.inner, "temperature", &[("key", "b")]);
    assert_eq!(values(&b), [Some(-2.25); 4]);
    let added = samples(&storage.inner, "scrape_series_added", &[]);
    assert_eq!(
        values(&added),
        [Some(2.0), Some(0.0), Some(0.0), Some(0.0)],
        "a series the cache knew is not added again"
    );
    let up = samples(&storage.inner, "up", &[]);
    assert_eq!(values(&up), [Some(1.0); 4]);
    m.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stale_markers_go_by_reference_and_skip_lost_series() {
    let (registry, temps) = temperatures();
    let server = exporter(&registry).await;
    let storage = Arc::new(Forgetful::default());
    let m = manager_over(&storage);
    m.apply_config(&config_of(&[job_yaml("api", server.addr, "")]));
    scrapes(&m, 1).await;
    temps.remove(&Key { key: "b".into() });
    scrapes(&m, 2).await;
    let b = samples(&storage.inner, "temperature", &[("key", "b")]);
    assert_eq!(values(&b), [Some(-2.25), None], "marked stale by reference");
    let stale_appends: Vec<_> = storage
        .take_log()
        .into_iter()
        .filter(|(r, empty, _)| r.is_some() && *empty)
        .collect();
    // `a` and `b`'s marker.
    assert_eq!(stale_appends.len(), 2, "{stale_appends:#?}");

    // A series the storage lost gets no marker, and the scrape succeeds.
    storage.lose("temperature", &[("key", "a")]);
    temps.remove(&Key { key: "a".into() });
    scrapes(&m, 3).await;
    let log = storage.take_log();
    assert!(
        log.iter()
            .any(|(_, _, r)| matches!(r, Err(AppendError::UnknownSeriesRef(_)))),
        "{log:#?}"
    );
    let a = samples(&storage.inner, "temperature", &[("key", "a")]);
    assert_eq!(values(&a), [Some(1.5); 2]);
    let up = samples(&storage.inner, "up", &[]);
    assert_eq!(values(&up), [Some(1.0); 3]);
    m.stop().await;
}
