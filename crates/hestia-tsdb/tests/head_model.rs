//! The head against a plain model of the append rules
//! (`common::model`, queried through `hestia_storage::MemStorage`, the
//! reference implementation of the contract): random batches (in order,
//! out of order inside and outside a random out-of-order window,
//! duplicates, NaNs, stale markers, large gaps, extreme timestamps,
//! commit and rollback), random selects, seeks and label queries, with
//! close and reopen (WAL replay) in between.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::head::{dump, opts_for_test, read_all};
use common::model::{Batch, Model};
use hestia_model::{Labels, MatchType, Matcher, Sample, STALE_NAN};
use hestia_storage::{Appendable, MemStorage, Queryable, SelectHints, SeriesRef};
use hestia_tsdb::{Head, HeadOptions};
use proptest::prelude::*;

/// The label sets appended to: a small pool so that batches collide.
fn pool() -> Vec<Labels> {
    let mut out = Vec::new();
    for name in ["a", "b"] {
        for job in ["x", "y", ""] {
            for inst in ["1", "10", ""] {
                let l = Labels::new([("__name__", name), ("job", job), ("inst", inst)]).unwrap();
                out.push(l);
            }
        }
    }
    out.push(Labels::new([("job", "x")]).unwrap());
    out
}

#[derive(Debug, Clone)]
enum Step {
    /// A regular step forward.
    Forward(i64),
    /// Same timestamp again.
    Same,
    /// Back in time.
    Back(i64),
    /// A large gap.
    Gap(i64),
    /// An extreme timestamp.
    Extreme(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (1i64..30).prop_map(Step::Forward),
        2 => Just(Step::Same),
        2 => (1i64..40).prop_map(Step::Back),
        1 => (1i64..1_000_000_000_000).prop_map(Step::Gap),
        1 => prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0), Just(-1)].prop_map(Step::Extreme),
    ]
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => (0i64..5).prop_map(|v| v as f64),
        2 => any::<f64>(),
        1 => Just(f64::NAN),
        1 => Just(STALE_NAN),
        1 => any::<u64>().prop_map(f64::from_bits),
        1 => Just(-0.0),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Batch {
        appends: Vec<(usize, Step, f64, bool)>,
        commit: bool,
    },
    Select {
        matchers: Vec<(usize, MatchType, usize)>,
        min_t: i64,
        max_t: i64,
        probe: i64,
    },
    Reopen,
}

const NAMES: [&str; 4] = ["__name__", "job", "inst", "missing"];
const VALUES: [&str; 12] = [
    "a", "x", "1", "", "1.*", "x|y", ".+", ".*", "1|", "(?i)X", "b|", "[ab]",
];

fn time() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => -50i64..400,
        1 => Just(i64::MIN),
        1 => Just(i64::MAX),
        1 => any::<i64>(),
    ]
}

fn op(series: usize) -> impl Strategy<Value = Op> {
    let kind = prop_oneof![
        Just(MatchType::Equal),
        Just(MatchType::NotEqual),
        Just(MatchType::Regex),
        Just(MatchType::NotRegex),
    ];
    prop_oneof![
        6 => (
            proptest::collection::vec((0..series, step(), value(), any::<bool>()), 0..40),
            prop::bool::weighted(0.8),
        )
            .prop_map(|(appends, commit)| Op::Batch { appends, commit }),
        3 => (
            proptest::collection::vec((0..NAMES.len(), kind, 0..VALUES.len()), 0..3),
            time(),
            time(),
            time(),
        )
            .prop_map(|(matchers, a, b, probe)| Op::Select {
                matchers,
                min_t: a.min(b),
                max_t: a.max(b),
                probe,
            }),
        1 => Just(Op::Reopen),
    ]
}

#[derive(Debug, Clone)]
struct Config {
    samples_per_chunk: usize,
    page: usize,
    max_series: Option<usize>,
    min_valid_time: Option<i64>,
    per_record: usize,
    window: i64,
}

fn config() -> impl Strategy<Value = Config> {
    (
        prop_oneof![1usize..6, Just(120)],
        prop_oneof![Just(16usize), Just(200), Just(1 << 16)],
        prop::option::weighted(0.3, 0usize..8),
        prop::option::weighted(0.3, -20i64..100),
        1usize..6,
        prop_oneof![2 => Just(0i64), 2 => 1i64..60, 1 => Just(i64::MAX)],
    )
        .prop_map(
            |(samples_per_chunk, page, max_series, min_valid_time, per_record, window)| Config {
                samples_per_chunk,
                page,
                max_series,
                min_valid_time,
                per_record,
                window,
            },
        )
}

fn head_options(c: &Config) -> HeadOptions {
    HeadOptions {
        samples_per_chunk: c.samples_per_chunk,
        chunk_page_size: c.page,
        max_series: c.max_series,
        min_valid_time: c.min_valid_time.unwrap_or(i64::MIN),
        samples_per_record: c.per_record,
        out_of_order_window: c.window,
        ..opts_for_test(512)
    }
}

fn matcher(name: usize, kind: MatchType, value: usize) -> Matcher {
    Matcher::new(kind, NAMES[name], VALUES[value]).unwrap()
}

struct World {
    dir: tempfile::TempDir,
    config: Config,
    head: Option<Head>,
    model: Model,
    /// The model's samples, for queries (rebuilt after each batch).
    mem: MemStorage,
    pool: Vec<Labels>,
    /// Per pool entry: the last timestamp tried, and the head's ref.
    last_t: Vec<i64>,
    head_refs: HashMap<usize, SeriesRef>,
}

impl World {
    fn new(config: Config) -> World {
        let dir = tempfile::tempdir().unwrap();
        let (head, report) = Head::open(dir.path(), head_options(&config)).unwrap();
        assert!(report.repair.is_clean());
        let model = Model::new(
            config.window,
            config.min_valid_time.unwrap_or(i64::MIN),
            config.max_series,
        );
        let pool = pool();
        World {
            last_t: vec![0; pool.len()],
            dir,
            config,
            head: Some(head),
            mem: model.mem(),
            model,
            pool,
            head_refs: HashMap::new(),
        }
    }

    fn head(&self) -> &Head {
        self.head.as_ref().unwrap()
    }

    fn batch(&mut self, appends: &[(usize, Step, f64, bool)], commit: bool) {
        let head = self.head.as_ref().unwrap();
        let mut h = head.appender();
        let mut m = Batch::default();
        for (i, step, v, use_ref) in appends {
            let last = &mut self.last_t[*i];
            *last = match *step {
                Step::Forward(d) => last.saturating_add(d),
                Step::Same => *last,
                Step::Back(d) => last.saturating_sub(d),
                Step::Gap(d) => last.saturating_add(d),
                Step::Extreme(t) => t,
            };
            let t = *last;
            let labels = &self.pool[*i];
            let href = use_ref.then(|| self.head_refs.get(i).copied()).flatten();
            let got = h.append(href, labels, t, *v);
            let want = self.model.append(&mut m, labels, t, *v);
            assert_eq!(
                format!("{:?}", got.as_ref().err()),
                format!("{:?}", want.as_ref().err()),
                "append {labels} ({t}, {v:?})"
            );
            if let Ok(hr) = got {
                self.head_refs.insert(*i, hr);
            }
        }
        if commit {
            h.commit().unwrap();
            self.model.commit(m);
        } else {
            h.rollback().unwrap();
        }
        self.mem = self.model.mem();
        let stats = head.stats();
        assert_eq!(stats.series, self.model.series_count());
        assert_eq!(stats.samples, self.model.sample_count() as u64);
    }

    fn select(&self, matchers: &[Matcher], min_t: i64, max_t: i64, probe: i64) {
        let hq = self.head().querier(min_t, max_t).unwrap();
        let mq = self.mem.querier(min_t, max_t).unwrap();
        let hints = SelectHints::between(min_t, max_t);
        let got = read_all(hq.select(true, &hints, matchers));
        let want = read_all(mq.select(true, &hints, matchers));
        assert_eq!(got, want, "select {matchers:?} [{min_t}, {max_t}]");
        let mut unsorted = read_all(hq.select(false, &hints, matchers));
        unsorted.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(unsorted, want, "unsorted select {matchers:?}");

        // Seeking: to the probe, then to the same time again, then on.
        let sets = hq
            .select(true, &hints, matchers)
            .zip(mq.select(true, &hints, matchers));
        for (h, m) in sets {
            let (mut h, mut m) = (h.unwrap(), m.unwrap());
            let (hs, ms) = (h.samples(), m.samples());
            assert_eq!(hs.seek(probe), ms.seek(probe), "seek({probe})");
            assert_eq!(hs.seek(probe), ms.seek(probe), "seek({probe}) again");
            assert_eq!(hs.at(), ms.at());
            let rest = |it: &mut dyn hestia_storage::SampleIterator| {
                let mut out: Vec<Sample> = Vec::new();
                while let Some(s) = it.next() {
                    out.push(s);
                }
                out
            };
            assert_eq!(rest(hs), rest(ms));
            assert_eq!((hs.next(), hs.at()), (None, None));
        }

        // Label queries may over-approximate but never miss.
        let names = hq.label_names(matchers).unwrap();
        let want: BTreeSet<String> = mq.label_names(matchers).unwrap().into_iter().collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        let names: BTreeSet<String> = names.into_iter().collect();
        assert!(
            names.is_superset(&want),
            "label_names {matchers:?}: {names:?} ⊉ {want:?}"
        );
        for name in NAMES {
            let values = hq.label_values(name, matchers).unwrap();
            assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
            let want: BTreeSet<String> = mq
                .label_values(name, matchers)
                .unwrap()
                .into_iter()
                .collect();
            let values: BTreeSet<String> = values.into_iter().collect();
            assert!(
                values.is_superset(&want),
                "label_values {name} {matchers:?}"
            );
            assert!(!values.contains(""));
        }
    }

    fn reopen(&mut self) {
        self.head.take().unwrap().close().unwrap();
        let (head, report) = Head::open(self.dir.path(), head_options(&self.config)).unwrap();
        assert!(report.repair.is_clean(), "{report:?}");
        assert_eq!(report.replay.corrupt_records, 0);
        assert_eq!(report.replay.unknown_series_samples, 0);
        assert_eq!(report.replay.dropped_samples, 0);
        assert_eq!(head.stats().series, self.model.series_count());
        self.head = Some(head);
        assert_eq!(dump(self.head()), self.mem.dump());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn head_behaves_like_mem_storage(
        config in config(),
        ops in proptest::collection::vec(op(pool().len()), 1..25),
    ) {
        let mut world = World::new(config);
        for op in &ops {
            match op {
                Op::Batch { appends, commit } => world.batch(appends, *commit),
                Op::Select { matchers, min_t, max_t, probe } => {
                    let ms: Vec<Matcher> =
                        matchers.iter().map(|&(n, k, v)| matcher(n, k, v)).collect();
                    world.select(&ms, *min_t, *max_t, *probe);
                }
                Op::Reopen => world.reopen(),
            }
        }
        world.select(&[], i64::MIN, i64::MAX, 0);
        world.reopen();
        world.select(&[], i64::MIN, i64::MAX, 0);
    }
}
