//! The differences between Prometheus 2.42 and Prometheus 3 semantics
//! that the data cannot avoid, each asserted as the specific documented
//! difference (see the list in `differential.rs`).

use crate::compare::{self, compare, show, Answer};
use crate::queries::Query;
use crate::servers::{seconds, Endpoint};
use crate::target::{self, SLOT_MS};
use crate::{ask, Eval, Window};

/// One instant query to both servers, as parsed answers.
async fn both(
    client: &reqwest::Client,
    servers: &[Endpoint; 2],
    prometheus: &str,
    hestia: &str,
    t: i64,
) -> (Answer, Answer) {
    let q = Query {
        origin: "documented",
        prometheus: prometheus.into(),
        hestia: hestia.into(),
    };
    ask(client, servers, &q, Eval::Instant(t))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `increase` over `(start, end]` of a counter without resets, as 2.42
/// (`limit_first == false`) or Prometheus 3 extrapolates it.
fn extrapolated_increase(points: &[(i64, f64)], start: i64, end: i64, limit_first: bool) -> f64 {
    let (first, last) = (points[0], points[points.len() - 1]);
    let result = last.1 - first.1;
    let sampled = (last.0 - first.0) as f64 / 1000.0;
    let average = sampled / (points.len() - 1) as f64;
    let threshold = average * 1.1;
    let mut to_start = (first.0 - start) as f64 / 1000.0;
    let mut to_end = (end - last.0) as f64 / 1000.0;
    if limit_first && to_start >= threshold {
        to_start = average / 2.0;
    }
    if result > 0.0 && first.1 >= 0.0 {
        to_start = to_start.min(sampled * first.1 / result);
    }
    if to_start >= threshold {
        to_start = average / 2.0;
    }
    if to_end >= threshold {
        to_end = average / 2.0;
    }
    result * (sampled + to_start + to_end) / sampled
}

/// The first value of a one-series vector.
fn single(a: &Answer) -> Option<&str> {
    match a {
        Answer::Vector(v) if v.len() == 1 => Some(&v[0].2),
        _ => None,
    }
}

/// The documented differences between 2.42 and Prometheus 3 semantics,
/// each asserted as the specific difference; returns one line per case
/// and the failures.
pub async fn documented(
    client: &reqwest::Client,
    servers: &[Endpoint; 2],
    w: Window,
) -> (Vec<String>, Vec<String>) {
    let mut notes = Vec::new();
    let mut failures = Vec::new();
    let mut check = |ok: bool, note: String| {
        if ok {
            notes.push(note);
        } else {
            failures.push(format!("documented difference not as documented: {note}"));
        }
    };

    // Left-open range selectors: at a sample's own timestamp the sample
    // 1m earlier is inside 2.42's window only.
    let sample = w.start + 20 * SLOT_MS;
    let expr = "count_over_time(lynex_event_queue_depth[1m])";
    let (p, h) = both(client, servers, expr, expr, sample).await;
    check(
        single(&p) == Some("13") && single(&h) == Some("12"),
        format!(
            "left-open range: `{expr}` at sample time {}: prometheus {:?}, hestia {:?} (expected 13 vs 12)",
            seconds(sample),
            single(&p),
            single(&h)
        ),
    );
    let (p, h) = both(client, servers, expr, expr, sample + 500).await;
    check(
        single(&p) == Some("12") && single(&h) == Some("12"),
        format!(
            "left-open range, control 500 ms later: prometheus {:?}, hestia {:?} (expected 12 vs 12)",
            single(&p),
            single(&h)
        ),
    );

    // Left-open lookback: the gone series' last sample, exactly 5m before
    // the `@` time, is found by 2.42 only.
    let last = w.start + target::GONE_SLOT * SLOT_MS;
    let at = |ms: i64| format!("{} @ {}", target::GONE_SELECTOR, seconds(ms));
    let on_edge = at(last + 300_000);
    let (p, h) = both(client, servers, &on_edge, &on_edge, w.at(149)).await;
    check(
        p.len() == 4 && h.is_empty(),
        format!(
            "left-open lookback: `{on_edge}`: prometheus {} series, hestia {} (expected 4 vs 0)",
            p.len(),
            h.len()
        ),
    );
    let inside = at(last + 299_500);
    let (p, h) = both(client, servers, &inside, &inside, w.at(149)).await;
    check(
        p.len() == 4 && compare(&p, &h, false).is_ok(),
        format!(
            "left-open lookback, control 500 ms earlier: prometheus {} series, hestia {} (expected the same 4)",
            p.len(),
            h.len()
        ),
    );

    // No stale markers for samples with explicit timestamps, in both.
    let t = w.at(149);
    let (p, h) = both(
        client,
        servers,
        target::GONE_SELECTOR,
        target::GONE_SELECTOR,
        t,
    )
    .await;
    check(
        p.len() == 4 && compare(&p, &h, false).is_ok(),
        format!(
            "no stale markers for explicit timestamps: `{}` {} s after its last sample: prometheus {} series, hestia {} (expected the same 4)",
            target::GONE_SELECTOR,
            (t - last) / 1000,
            p.len(),
            h.len()
        ),
    );

    // Delayed `__name__` removal (Prometheus 3's
    // `promql-delayed-name-removal`, always on in Hestia): series that
    // collide only once a function drops their names are an error in 2.42
    // even when an aggregation would separate them again.
    let dropped = r#"count by (job) (timestamp({job="streamhouse"}))"#;
    let kept = r#"count by (job) ({job="streamhouse"})"#;
    let (p, h) = both(client, servers, dropped, dropped, t).await;
    let (p_kept, _) = both(client, servers, kept, kept, t).await;
    check(
        p == Answer::Error("execution".into()) && compare(&p_kept, &h, false).is_ok(),
        format!(
            "delayed name removal: `{dropped}`: prometheus {}, hestia {} (expected 2.42's \"vector cannot contain metrics with the same labelset\" vs the count)",
            show(&p),
            show(&h)
        ),
    );

    // `rate` & co. limit the extrapolation to the counter's zero point
    // after (Prometheus 3, since 2.51: prometheus/prometheus#13725) or
    // before (2.42) capping it at half an interval when the series starts
    // inside the range. The linear counter starts at one slot's increase,
    // so the zero point is one interval before its first sample.
    let t0 = w.at(20);
    let range = 60_000;
    let raw = format!("{}[1m]", target::LINEAR_COUNTER);
    let (p_raw, _) = both(client, servers, &raw, &raw, t0).await;
    let expr = format!("increase({}[1m])", target::LINEAR_COUNTER);
    let (p, h) = both(client, servers, &expr, &expr, t0).await;
    match &p_raw {
        Answer::Matrix(m) if m.len() == 1 => {
            let points: Vec<(i64, f64)> = m[0]
                .1
                .iter()
                .map(|(t, v)| (*t, compare::float(v)))
                .collect();
            let old = extrapolated_increase(&points, t0 - range, t0, false);
            let new = extrapolated_increase(&points, t0 - range, t0, true);
            let got = |a: &Answer| single(a).map(compare::float).unwrap_or(f64::NAN);
            check(
                !compare::almost_equal(old, new)
                    && compare::almost_equal(got(&p), old)
                    && compare::almost_equal(got(&h), new),
                format!(
                    "rate extrapolation to the zero point: `{expr}` at {} over {} samples: prometheus {} (2.42's rule gives {old}), hestia {} (Prometheus 3's rule gives {new})",
                    seconds(t0),
                    points.len(),
                    got(&p),
                    got(&h)
                ),
            );
        }
        other => check(false, format!("`{raw}` gave {}", show(other))),
    }

    // `topk` keeps the same values but breaks ties as Go's heap does after
    // 2.42's `Pop` + `Push` or Prometheus 3's in-place `Fix`; both heaps
    // replayed over the input in label order (the servers' storage order
    // for series created in the exposition's order) predict each server.
    let input = "rate(allsource_http_requests_total[2m])";
    let ranked = format!("topk(3, {input})");
    let (p_in, _) = both(client, servers, input, input, t).await;
    let (p, h) = both(client, servers, &ranked, &ranked, t).await;
    let mut values: Vec<(compare::Labels, f64)> = match &p_in {
        Answer::Vector(v) => v
            .iter()
            .map(|(l, _, v)| (l.clone(), compare::float(v)))
            .collect(),
        _ => Vec::new(),
    };
    values.sort_by(|a, b| a.0.cmp(&b.0));
    let kept = |a: &Answer| -> Vec<compare::Labels> {
        let mut out: Vec<_> = match a {
            Answer::Vector(v) => v.iter().map(|(l, _, _)| l.clone()).collect(),
            _ => Vec::new(),
        };
        out.sort();
        out
    };
    let old = topk_replay(&values, 3, false);
    let new = topk_replay(&values, 3, true);
    check(
        old != new && kept(&p) == old && kept(&h) == new,
        format!(
            "topk ties: `{ranked}` at {}: prometheus kept {:?}, hestia {:?}; 2.42's Pop+Push heap keeps {:?}, Prometheus 3's Fix heap {:?}",
            seconds(t),
            label_keys(&kept(&p)),
            label_keys(&kept(&h)),
            label_keys(&old),
            label_keys(&new)
        ),
    );

    // `holt_winters` is `double_exponential_smoothing` in Prometheus 3.
    let old = "holt_winters(lynex_event_queue_depth[1m], 0.5, 0.5)";
    let new = "double_exponential_smoothing(lynex_event_queue_depth[1m], 0.5, 0.5)";
    let (p, h) = both(client, servers, old, old, t).await;
    let (_, h_new) = both(client, servers, old, new, t).await;
    check(
        !matches!(p, Answer::Error(_))
            && h == Answer::Error("bad_data".into())
            && compare(&p, &h_new, false).is_ok(),
        format!(
            "holt_winters renamed: prometheus {} series, hestia refuses it ({}) and gives the same under the new name",
            p.len(),
            show(&h)
        ),
    );

    // Regex `.` matches a newline in Prometheus 3 only.
    let dot = r#"allsource_events_ingested_by_type{event_type=~"bulk.import"}"#;
    let (p, h) = both(client, servers, dot, dot, t).await;
    check(
        p.is_empty() && h.len() == 1,
        format!(
            "regex `.` and newline: `{dot}`: prometheus {} series, hestia {} (expected 0 vs 1)",
            p.len(),
            h.len()
        ),
    );
    let escaped = r#"allsource_events_ingested_by_type{event_type=~"bulk\nimport"}"#;
    let (p, h) = both(client, servers, escaped, escaped, t).await;
    check(
        p.len() == 1 && compare(&p, &h, false).is_ok(),
        format!(
            "regex with an escaped newline, control: prometheus {} series, hestia {} (expected the same 1)",
            p.len(),
            h.len()
        ),
    );
    (notes, failures)
}

/// The labels that tell the `topk` case's series apart.
fn label_keys(sets: &[compare::Labels]) -> Vec<String> {
    sets.iter()
        .map(|l| {
            ["endpoint", "method", "status"]
                .iter()
                .map(|n| l.get(*n).map_or("", String::as_str))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Go's `container/heap` with `topk`'s order (NaN first, then ascending).
struct Heap(Vec<(compare::Labels, f64)>);

impl Heap {
    fn less(&self, i: usize, j: usize) -> bool {
        self.0[i].1.is_nan() || self.0[i].1 < self.0[j].1
    }

    fn up(&mut self, mut j: usize) {
        while j > 0 {
            let i = (j - 1) / 2;
            if !self.less(j, i) {
                break;
            }
            self.0.swap(i, j);
            j = i;
        }
    }

    fn down(&mut self, i0: usize, n: usize) -> bool {
        let mut i = i0;
        loop {
            let j1 = 2 * i + 1;
            if j1 >= n {
                break;
            }
            let mut j = j1;
            if j1 + 1 < n && self.less(j1 + 1, j1) {
                j = j1 + 1;
            }
            if !self.less(j, i) {
                break;
            }
            self.0.swap(i, j);
            i = j;
        }
        i > i0
    }

    fn push(&mut self, item: (compare::Labels, f64)) {
        self.0.push(item);
        self.up(self.0.len() - 1);
    }

    fn pop(&mut self) {
        let n = self.0.len() - 1;
        self.0.swap(0, n);
        self.down(0, n);
        self.0.pop();
    }

    fn fix_top(&mut self) {
        let n = self.0.len();
        if !self.down(0, n) {
            self.up(0);
        }
    }
}

/// The label sets `topk(k, …)` keeps from `input` (in input order), as
/// 2.42 (`fix == false`: the top is popped and the newcomer pushed) or
/// Prometheus 3 (`fix == true`: the top is overwritten and fixed) does.
fn topk_replay(input: &[(compare::Labels, f64)], k: usize, fix: bool) -> Vec<compare::Labels> {
    let mut heap = Heap(Vec::new());
    for (i, (labels, v)) in input.iter().enumerate() {
        let item = (labels.clone(), *v);
        if i == 0 || heap.0.len() < k {
            heap.push(item);
            continue;
        }
        let top = heap.0[0].1;
        if fix {
            if top < *v || top.is_nan() && !v.is_nan() {
                heap.0[0] = item;
                if k > 1 {
                    heap.fix_top();
                }
            }
        } else if top < *v || top.is_nan() {
            if k == 1 {
                heap.0[0] = item;
                continue;
            }
            heap.pop();
            heap.push(item);
        }
    }
    let mut kept: Vec<_> = heap.0.into_iter().map(|(l, _)| l).collect();
    kept.sort();
    kept
}
