//! The benchmark workload: one simulated service instance ("pod") exposes
//! 100 series, and its values advance one scrape interval at a time from a
//! seeded generator, so every run sees the same data.
//!
//! Per pod, in this order (the index into [`Pod::values`]):
//!
//! * 0..40 `http_requests_total{handler,method,code}`: 8 handlers × 5
//!   (method, code) pairs, integer counters with Poisson increments whose
//!   rate follows a daily cycle; rare pairs are mostly idle.
//! * 40..92 `http_request_duration_seconds` for 4 handlers: 11 buckets
//!   (`le` 0.005 … 5 and `+Inf`), `_count`, float `_sum`; one observation
//!   per request of that handler, log-normal latencies.
//! * 92..94 `cost_dollars_total{resource}`: float counters accumulating
//!   prices (compute seconds, egress bytes).
//! * 94..98 random-walk gauges: resident memory (bytes, 4 KiB pages), queue
//!   length, worker threads (integers), temperature (one decimal).
//! * 98..100 constant gauges: `app_build_info`, `max_connections`.

/// Series per pod.
pub const SERIES_PER_POD: usize = 100;

const HANDLERS: [&str; 8] = [
    "/api/v1/users",
    "/api/v1/orders",
    "/api/v1/items",
    "/api/v1/search",
    "/api/v1/login",
    "/healthz",
    "/metrics",
    "/static",
];
/// Requests per second of each handler at a pod factor of 1.
const HANDLER_RATE: [f64; 8] = [12.0, 5.0, 8.0, 3.0, 0.5, 0.2, 0.2, 2.0];
const METHOD_CODE: [(&str, &str, f64); 5] = [
    ("GET", "200", 0.80),
    ("GET", "404", 0.05),
    ("GET", "500", 0.008),
    ("POST", "200", 0.14),
    ("POST", "500", 0.002),
];
const HIST_HANDLERS: usize = 4;
/// Median latency (seconds) of the histogram handlers.
const HIST_MEDIAN: [f64; HIST_HANDLERS] = [0.02, 0.06, 0.03, 0.2];
const LE: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
const LE_TEXT: [&str; 11] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "+Inf",
];

/// A metric family: its OpenMetrics name (without `_total` for counters),
/// its type, and the range of series indexes it covers.
pub struct Family {
    /// The family name as `# TYPE` names it in OpenMetrics.
    pub om_name: &'static str,
    /// The family name as `# TYPE` names it in the text format 0.0.4.
    pub text_name: &'static str,
    /// `counter`, `histogram` or `gauge`.
    pub kind: &'static str,
    /// Series indexes `[start, end)`.
    pub range: (usize, usize),
}

/// The families, in exposition order.
pub const FAMILIES: [Family; 9] = [
    Family {
        om_name: "http_requests",
        text_name: "http_requests_total",
        kind: "counter",
        range: (0, 40),
    },
    Family {
        om_name: "http_request_duration_seconds",
        text_name: "http_request_duration_seconds",
        kind: "histogram",
        range: (40, 92),
    },
    Family {
        om_name: "cost_dollars",
        text_name: "cost_dollars_total",
        kind: "counter",
        range: (92, 94),
    },
    Family {
        om_name: "process_resident_memory_bytes",
        text_name: "process_resident_memory_bytes",
        kind: "gauge",
        range: (94, 95),
    },
    Family {
        om_name: "queue_length",
        text_name: "queue_length",
        kind: "gauge",
        range: (95, 96),
    },
    Family {
        om_name: "worker_threads",
        text_name: "worker_threads",
        kind: "gauge",
        range: (96, 97),
    },
    Family {
        om_name: "temperature_celsius",
        text_name: "temperature_celsius",
        kind: "gauge",
        range: (97, 98),
    },
    Family {
        om_name: "app_build_info",
        text_name: "app_build_info",
        kind: "gauge",
        range: (98, 99),
    },
    Family {
        om_name: "max_connections",
        text_name: "max_connections",
        kind: "gauge",
        range: (99, 100),
    },
];

/// For a histogram family: series per histogram (11 buckets, count, sum).
pub const HIST_SERIES: usize = 13;

/// The metric name and the label text (without braces, without the pod
/// label, may be empty) of every series of a pod, in index order.
pub fn catalog() -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(SERIES_PER_POD);
    for h in HANDLERS {
        for (m, c, _) in METHOD_CODE {
            out.push((
                "http_requests_total".to_string(),
                format!("handler=\"{h}\",method=\"{m}\",code=\"{c}\""),
            ));
        }
    }
    for h in &HANDLERS[..HIST_HANDLERS] {
        for le in LE_TEXT {
            out.push((
                "http_request_duration_seconds_bucket".to_string(),
                format!("handler=\"{h}\",le=\"{le}\""),
            ));
        }
        out.push((
            "http_request_duration_seconds_count".to_string(),
            format!("handler=\"{h}\""),
        ));
        out.push((
            "http_request_duration_seconds_sum".to_string(),
            format!("handler=\"{h}\""),
        ));
    }
    out.push((
        "cost_dollars_total".to_string(),
        "resource=\"compute\"".to_string(),
    ));
    out.push((
        "cost_dollars_total".to_string(),
        "resource=\"egress\"".to_string(),
    ));
    out.push(("process_resident_memory_bytes".to_string(), String::new()));
    out.push(("queue_length".to_string(), String::new()));
    out.push(("worker_threads".to_string(), String::new()));
    out.push(("temperature_celsius".to_string(), String::new()));
    out.push((
        "app_build_info".to_string(),
        "version=\"1.4.2\",revision=\"9f3c2a1\"".to_string(),
    ));
    out.push(("max_connections".to_string(), String::new()));
    assert_eq!(out.len(), SERIES_PER_POD);
    out
}

/// splitmix64: small, fast, good enough for synthetic data.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03);
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64();
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Poisson with mean `lambda` (Knuth below 30, normal approximation above).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            0
        } else if lambda < 30.0 {
            let l = (-lambda).exp();
            let mut k = 0u64;
            let mut p = 1.0;
            loop {
                p *= self.f64();
                if p <= l {
                    return k;
                }
                k += 1;
            }
        } else {
            (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64
        }
    }
}

/// One simulated service instance.
pub struct Pod {
    rng: Rng,
    factor: f64,
    req: [u64; 40],
    buckets: [[u64; 11]; HIST_HANDLERS],
    count: [u64; HIST_HANDLERS],
    sum: [f64; HIST_HANDLERS],
    cost: [f64; 2],
    mem_pages: i64,
    queue: i64,
    threads: i64,
    temp_tenths: i64,
}

impl Pod {
    /// Pod number `id` (its seed and its traffic level derive from it).
    pub fn new(id: u64) -> Pod {
        let mut rng = Rng::new(id.wrapping_add(1).wrapping_mul(0x1234_5678_9ABC_DEF1));
        let factor = 0.3 + 1.4 * rng.f64();
        let mut pod = Pod {
            factor,
            req: [0; 40],
            buckets: [[0; 11]; HIST_HANDLERS],
            count: [0; HIST_HANDLERS],
            sum: [0.0; HIST_HANDLERS],
            cost: [0.0; 2],
            mem_pages: 30_000 + (rng.f64() * 40_000.0) as i64,
            queue: (rng.f64() * 10.0) as i64,
            threads: 8 + (rng.f64() * 24.0) as i64,
            temp_tenths: 400 + (rng.f64() * 200.0) as i64,
            rng,
        };
        // Counters start from where a long-running process would be.
        for i in 0..40 {
            pod.req[i] = pod.rng.poisson(50.0) * (i as u64 % 7);
        }
        pod
    }

    /// Advances one interval of `dt` seconds ending at `t` (Unix seconds).
    pub fn step(&mut self, t: f64, dt: f64) {
        let day = 1.0 + 0.4 * (std::f64::consts::TAU * t / 86_400.0).sin();
        let rng = &mut self.rng;
        for (h, rate) in HANDLER_RATE.iter().enumerate() {
            let mut handler_total = 0;
            for (j, (_, _, share)) in METHOD_CODE.iter().enumerate() {
                let n = rng.poisson(rate * share * self.factor * day * dt);
                self.req[h * 5 + j] += n;
                handler_total += n;
            }
            if h < HIST_HANDLERS {
                let mu = HIST_MEDIAN[h].ln();
                for _ in 0..handler_total {
                    let latency = (mu + 0.9 * rng.normal()).exp();
                    let b = LE.iter().position(|&le| latency <= le).unwrap_or(LE.len());
                    for bucket in &mut self.buckets[h][b..] {
                        *bucket += 1;
                    }
                    self.sum[h] += latency;
                }
                self.count[h] += handler_total;
            }
        }
        // CPU seconds at $0.0000166 each, egress bytes at $0.09 per GB.
        self.cost[0] += rng.poisson(8.0 * self.factor * dt) as f64 * 0.0000166;
        self.cost[1] += (rng.poisson(20.0 * self.factor * dt) * 1500) as f64 * 0.09e-9;
        self.mem_pages = (self.mem_pages + (rng.normal() * 40.0) as i64).clamp(10_000, 200_000);
        self.queue = (self.queue + rng.poisson(1.0) as i64 - rng.poisson(1.0) as i64).max(0);
        if rng.f64() < 0.02 {
            self.threads = (self.threads + if rng.f64() < 0.5 { -1 } else { 1 }).clamp(4, 64);
        }
        if rng.f64() < 0.3 {
            self.temp_tenths += if rng.f64() < 0.5 { -1 } else { 1 };
        }
    }

    /// The current value of every series, in catalog order.
    pub fn values(&self, out: &mut [f64; SERIES_PER_POD]) {
        for (o, r) in out.iter_mut().zip(&self.req) {
            *o = *r as f64;
        }
        for h in 0..HIST_HANDLERS {
            let base = 40 + h * HIST_SERIES;
            for b in 0..11 {
                out[base + b] = self.buckets[h][b] as f64;
            }
            out[base + 11] = self.count[h] as f64;
            out[base + 12] = self.sum[h];
        }
        out[92] = self.cost[0];
        out[93] = self.cost[1];
        out[94] = (self.mem_pages * 4096) as f64;
        out[95] = self.queue as f64;
        out[96] = self.threads as f64;
        out[97] = self.temp_tenths as f64 / 10.0;
        out[98] = 1.0;
        out[99] = 1024.0;
    }
}

/// Appends `v` as the text formats write it (`NaN`, `+Inf`, shortest
/// round-trip decimal otherwise).
pub fn push_value(buf: &mut Vec<u8>, v: f64) {
    use std::io::Write;
    if v.is_nan() {
        buf.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        buf.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    } else if v == v.trunc() && v.abs() < 1e15 {
        let _ = write!(buf, "{}", v as i64);
    } else {
        let _ = write!(buf, "{v}");
    }
}
