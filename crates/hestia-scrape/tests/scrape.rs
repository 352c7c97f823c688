//! Scraping real HTTP endpoints on 127.0.0.1:0 into `MemStorage`, with
//! tokio's paused clock: values, synthetic series, staleness, labels,
//! limits, negotiation, gzip, timeouts and unparsable bodies.

mod common;

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderMap};
use axum::routing::get;
use axum::Router;
use common::*;
use hestia_expfmt::parse::{Entry, TextParser};
use hestia_instrument::{Counter, Family, Format, Gauge, Histogram, Registry};
use hestia_model::{Labels, METRIC_NAME};
use hestia_scrape::Health;
use parking_lot::Mutex;

fn registry() -> (Registry, Family<Key, Gauge<f64>>) {
    let registry = Registry::new();
    let requests = Counter::<u64>::new();
    registry
        .register("requests", "Requests.", requests.clone())
        .unwrap();
    requests.inc_by(7);
    let temps = register_temperatures(&registry);
    let latency = Histogram::new(
        hestia_instrument::buckets::Buckets::new(hestia_instrument::buckets::DEFAULT).unwrap(),
    );
    registry
        .register("latency_seconds", "Latency.", latency.clone())
        .unwrap();
    latency.observe(0.3);
    (registry, temps)
}

/// Serves `body` with `content_type` at `/metrics`.
async fn text_server(body: &'static str, content_type: &'static str) -> Server {
    serve(Router::new().route(
        "/metrics",
        get(move || async move { ([(header::CONTENT_TYPE, content_type)], body) }),
    ))
    .await
}

#[tokio::test(start_paused = true)]
async fn appended_values_equal_the_exposition() {
    let (registry, _) = registry();
    let server = exporter(&registry).await;
    let (m, storage) = manager();
    m.apply_config(&config_of(&[job_yaml("api", server.addr, "")]));
    scrapes(&m, 1).await;
    let t = only_target(&m).status.last_scrape.unwrap();

    let text = registry.encode(Format::Text);
    let instance = server.addr.to_string();
    let mut want: Vec<(Labels, u64)> = Vec::new();
    for e in TextParser::new(&text) {
        if let Entry::Series(s) = e.unwrap() {
            let mut pairs = s.labels.to_pairs();
            pairs.push((METRIC_NAME.into(), s.name.to_string()));
            pairs.push(("job".into(), "api".into()));
            pairs.push(("instance".into(), instance.clone()));
            want.push((Labels::new(pairs).unwrap(), s.value.to_bits()));
        }
    }
    want.sort();
    let report = [
        "up",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
    ];
    let mut got: Vec<(Labels, u64)> = storage
        .dump()
        .into_iter()
        .filter(|(l, _)| !report.contains(&l.metric_name().unwrap()))
        .map(|(l, s)| {
            assert_eq!(s.len(), 1, "{l}");
            assert_eq!(s[0].t, t, "{l}");
            (l, s[0].v.to_bits())
        })
        .collect();
    got.sort();
    assert_eq!(got, want);
    assert!(got.len() > 10, "histogram buckets included");
}

#[tokio::test(start_paused = true)]
async fn synthetic_series_and_stable_phase() {
    let (registry, _) = registry();
    let server = exporter(&registry).await;
    let (m, storage) = manager();
    m.apply_config(&config_of(&[job_yaml("api", server.addr, "")]));
    scrapes(&m, 2).await;
    let target = only_target(&m);
    assert_eq!(target.status.health, Health::Up);
    assert_eq!(target.status.last_error, None);
    let instance = server.addr.to_string();
    let with = [("job", "api"), ("instance", instance.as_str())];
    let up = samples(&storage, "up", &with);
    assert_eq!(values(&up), [Some(1.0), Some(1.0)]);
    assert_eq!(up[1].t - up[0].t, 10_000, "scrapes are one interval apart");
    let n =
        series(&storage, "temperature", &[]).len() + series(&storage, "requests_total", &[]).len();
    assert_eq!(n, 3);
    let scraped = values(&samples(&storage, "scrape_samples_scraped", &with));
    let post = values(&samples(
        &storage,
        "scrape_samples_post_metric_relabeling",
        &with,
    ));
    let added = values(&samples(&storage, "scrape_series_added", &with));
    let total = scraped[0].unwrap();
    assert!(total > 10.0);
    assert_eq!(scraped, [Some(total), Some(total)]);
    assert_eq!(post, scraped);
    assert_eq!(
        added,
        [Some(total), Some(0.0)],
        "only the first scrape adds series"
    );
    let duration = samples(&storage, "scrape_duration_seconds", &with);
    assert!(duration.iter().all(|s| s.v >= 0.0 && s.v < 5.0));
    assert!(
        series(&storage, "scrape_timeout_seconds", &[]).is_empty(),
        "extra metrics are off by default"
    );
}

#[tokio::test(start_paused = true)]
async fn a_series_that_disappears_gets_a_stale_marker() {
    let (registry, temps) = registry();
    let server = exporter(&registry).await;
    let (m, storage) = manager();
    m.apply_config(&config_of(&[job_yaml("api", server.addr, "")]));
    scrapes(&m, 1).await;
    temps.remove(&Key { key: "b".into() });
    scrapes(&m, 3).await;
    let b = samples(&storage, "temperature", &[("key", "b")]);
    assert_eq!(
        values(&b),
        [Some(-2.25), None],
        "marked stale once, at the next scrape"
    );
    let a = samples(&storage, "temperature", &[("key", "a")]);
    assert_eq!(b[1].t, a[1].t);
    assert_eq!(values(&a), [Some(1.5); 3]);
}

#[tokio::test(start_paused = true)]
async fn honor_labels_and_exported_renaming() {
    let body = "m{job=\"inner\",instance=\"x\",exported_job=\"taken\"} 1\nn{job=\"inner\"} 2\n";
    let server = text_server(body, "text/plain; version=0.0.4").await;
    let instance = server.addr.to_string();
    for (honor, m_labels, n_labels) in [
        (
            false,
            vec![
                ("exported_exported_job", "inner"),
                ("exported_instance", "x"),
                ("exported_job", "taken"),
                ("instance", instance.as_str()),
                ("job", "api"),
            ],
            vec![
                ("exported_job", "inner"),
                ("instance", instance.as_str()),
                ("job", "api"),
            ],
        ),
        (
            true,
            vec![
                ("exported_job", "taken"),
                ("instance", "x"),
                ("job", "inner"),
            ],
            vec![("instance", instance.as_str()), ("job", "inner")],
        ),
    ] {
        let (m, storage) = manager();
        let extra = format!("    honor_labels: {honor}\n");
        m.apply_config(&config_of(&[job_yaml("api", server.addr, &extra)]));
        scrapes(&m, 1).await;
        for (name, want) in [("m", &m_labels), ("n", &n_labels)] {
            let s = series(&storage, name, &[]);
            assert_eq!(s.len(), 1);
            assert_eq!(
                s[0].0,
                Labels::new(want.iter().copied().chain([("__name__", name)])).unwrap(),
                "honor_labels {honor}"
            );
        }
        m.stop().await;
    }
}

#[tokio::test(start_paused = true)]
async fn honor_timestamps_and_metric_relabelling() {
    let body = "a 1 1600000000000\nb 2\ndrop_me 3\n";
    let server = text_server(body, "text/plain").await;
    for (honor, want_a_t) in [(true, Some(1_600_000_000_000)), (false, None)] {
        let (m, storage) = manager();
        let extra = format!(
            "    honor_timestamps: {honor}\n    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: drop_.*\n        action: drop\n"
        );
        m.apply_config(&config_of(&[job_yaml("api", server.addr, &extra)]));
        scrapes(&m, 2).await;
        let t = only_target(&m).status.last_scrape.unwrap();
        let a = samples(&storage, "a", &[]);
        let b = samples(&storage, "b", &[]);
        assert_eq!(b.last().unwrap().t, t);
        match want_a_t {
            Some(at) => {
                assert_eq!(
                    values(&a),
                    [Some(1.0)],
                    "the same explicit sample twice is stored once"
                );
                assert_eq!(a[0].t, at);
            }
            None => assert_eq!(a.last().unwrap().t, t),
        }
        assert!(series(&storage, "drop_me", &[]).is_empty());
        let post = samples(&storage, "scrape_samples_post_metric_relabeling", &[]);
        let scraped = samples(&storage, "scrape_samples_scraped", &[]);
        assert_eq!((scraped[0].v, post[0].v), (3.0, 2.0));
        m.stop().await;
    }
}

#[tokio::test(start_paused = true)]
async fn limits_fail_the_scrape() {
    let body = "a 1\nb{a_long_label_name=\"a long label value\"} 2\n";
    let server = text_server(body, "text/plain").await;
    let cases = [
        ("sample_limit: 1", "sample limit exceeded"),
        ("label_limit: 3", "label_limit exceeded (metric: b, number of labels: 4, limit: 3)"),
        (
            "label_name_length_limit: 10",
            "label_name_length_limit exceeded (metric: b, label name: a_long_label_name, length: 17, limit: 10)",
        ),
        (
            "label_value_length_limit: 16",
            "label_value_length_limit exceeded (metric: b, label name: a_long_label_name, value: \"a long label value\", length: 18, limit: 16)",
        ),
        ("body_size_limit: 20B", "body size limit exceeded"),
    ];
    for (limit, error) in cases {
        let (m, storage) = manager();
        let extra = format!("    {limit}\n");
        m.apply_config(&config_of(&[job_yaml("api", server.addr, &extra)]));
        scrapes(&m, 1).await;
        let t = only_target(&m);
        assert_eq!(t.status.health, Health::Down, "{limit}");
        assert_eq!(t.status.last_error.as_deref(), Some(error), "{limit}");
        assert_eq!(
            values(&samples(&storage, "up", &[])),
            [Some(0.0)],
            "{limit}"
        );
        assert!(
            series(&storage, "a", &[]).iter().all(|(_, s)| s.is_empty()),
            "{limit}: nothing of a failed scrape is visible"
        );
        m.stop().await;
    }
    // Within the limits, the same body scrapes fine.
    let (m, storage) = manager();
    let extra = "    sample_limit: 2\n    label_limit: 4\n    label_value_length_limit: 18\n    body_size_limit: 1KB\n";
    m.apply_config(&config_of(&[job_yaml("api", server.addr, extra)]));
    scrapes(&m, 1).await;
    assert_eq!(only_target(&m).status.last_error, None);
    assert_eq!(values(&samples(&storage, "up", &[])), [Some(1.0)]);
    m.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_failing_scrape_marks_everything_stale() {
    let broken = Arc::new(Mutex::new(false));
    let flag = Arc::clone(&broken);
    let server = serve(Router::new().route(
        "/metrics",
        get(move || {
            let flag = Arc::clone(&flag);
            async move {
                let body = if *flag.lock() {
                    "a 1\nb{\n"
                } else {
                    "a 1\nb 2\n"
                };
                ([(header::CONTENT_TYPE, "text/plain")], body)
            }
        }),
    ))
    .await;
    let (m, storage) = manager();
    m.apply_config(&config_of(&[job_yaml("api", server.addr, "")]));
    scrapes(&m, 1).await;
    *broken.lock() = true;
    scrapes(&m, 2).await;
    let t = only_target(&m);
    let error = t.status.last_error.unwrap();
    assert!(error.contains("line 2, column 3"), "{error}");
    assert_eq!(values(&samples(&storage, "a", &[])), [Some(1.0), None]);
    assert_eq!(values(&samples(&storage, "b", &[])), [Some(2.0), None]);
    assert_eq!(
        values(&samples(&storage, "up", &[])),
        [Some(1.0), Some(0.0)]
    );
    assert_eq!(
        values(&samples(&storage, "scrape_samples_scraped", &[])),
        [Some(2.0), Some(1.0)],
        "samples parsed before the error"
    );
}

#[tokio::test(start_paused = true)]
async fn garbage_gives_up_0_and_an_error_with_line_and_column() {
    let server = text_server(
        "# HELP ok fine\nthis is not { an exposition\n",
        "text/plain; version=0.0.4",
    )
    .await;
    let (m, storage) = manager();
    m.apply_config(&config_of(&[job_yaml("api", server.addr, "")]));
    scrapes(&m, 1).await;
    let t = only_target(&m);
    assert_eq!(t.status.health, Health::Down);
    let error = t.status.last_error.unwrap();
    assert!(
        error.starts_with("parsing text 0.0.4 exposition: line 2, column "),
        "{error}"
    );
    assert_eq!(values(&samples(&storage, "up", &[])), [Some(0.0)]);
}

#[tokio::test(start_paused = true)]
async fn unknown_content_type_needs_a_fallback() {
    let server = text_server("a 1\n", "application/x-what").await;
    for (extra, want) in [
        ("", Some("received unsupported Content-Type \"application/x-what\" and no fallback_scrape_protocol specified for target")),
        ("    fallback_scrape_protocol: PrometheusText0.0.4\n", None),
    ] {
        let (m, _) = manager();
        m.apply_config(&config_of(&[job_yaml("api", server.addr, extra)]));
        scrapes(&m, 1).await;
        assert_eq!(only_target(&m).status.last_error.as_deref(), want);
        m.stop().await;
    }
}

/// A server recording the request headers it got, answering with gzip
/// when asked.
async fn recording_server() -> (Server, Arc<Mutex<Vec<HeaderMap>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let server = serve(Router::new().route(
        "/metrics",
        get(move |headers: HeaderMap| {
            let log = Arc::clone(&log);
            async move {
                let gzip = headers
                    .get(header::ACCEPT_ENCODING)
                    .is_some_and(|v| v.to_str().unwrap().contains("gzip"));
                log.lock().push(headers);
                let body = b"zipped_total 42\n".to_vec();
                if gzip {
                    let mut enc =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                    enc.write_all(&body).unwrap();
                    let zipped = enc.finish().unwrap();
                    (
                        [
                            (header::CONTENT_TYPE, "text/plain"),
                            (header::CONTENT_ENCODING, "gzip"),
                        ],
                        zipped,
                    )
                } else {
                    (
                        [
                            (header::CONTENT_TYPE, "text/plain"),
                            (header::CONTENT_ENCODING, "identity"),
                        ],
                        body,
                    )
                }
            }
        }),
    ))
    .await;
    (server, seen)
}

#[tokio::test(start_paused = true)]
async fn gzip_and_accept_negotiation() {
    let cases = [
        (
            "",
            "gzip",
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
        ),
        (
            "    enable_compression: false\n    scrape_protocols: [PrometheusProto, PrometheusText0.0.4]\n",
            "identity",
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4",
        ),
    ];
    for (extra, encoding, accept) in cases {
        let (server, seen) = recording_server().await;
        let (m, storage) = manager();
        m.apply_config(&config_of(&[job_yaml("api", server.addr, extra)]));
        scrapes(&m, 1).await;
        assert_eq!(only_target(&m).status.last_error, None);
        assert_eq!(
            values(&samples(&storage, "zipped_total", &[])),
            [Some(42.0)]
        );
        let h = seen.lock()[0].clone();
        assert_eq!(h[header::ACCEPT_ENCODING], encoding);
        assert_eq!(h[header::ACCEPT], accept);
        assert_eq!(h["x-prometheus-scrape-timeout-seconds"], "5");
        assert!(h[header::USER_AGENT]
            .to_str()
            .unwrap()
            .starts_with("Hestia/"));
        m.stop().await;
    }
}

#[tokio::test(start_paused = true)]
async fn protobuf_and_openmetrics_from_the_exporter() {
    let (registry, _) = registry();
    let server = exporter(&registry).await;
    let mut stored = Vec::new();
    for protocols in [
        "[PrometheusProto]",
        "[OpenMetricsText1.0.0]",
        "[PrometheusText0.0.4]",
    ] {
        let (m, storage) = manager();
        let extra = format!("    scrape_protocols: {protocols}\n");
        m.apply_config(&config_of(&[job_yaml("api", server.addr, &extra)]));
        scrapes(&m, 1).await;
        assert_eq!(only_target(&m).status.last_error, None, "{protocols}");
        let mut got: Vec<(Labels, u64)> = storage
            .dump()
            .into_iter()
            .filter(|(l, _)| !l.metric_name().unwrap().starts_with("scrape_"))
            .map(|(l, s)| (l, s[0].v.to_bits()))
            .collect();
        got.sort();
        stored.push(got);
        m.stop().await;
    }
    // OpenMetrics adds `_created` series; otherwise the formats agree.
    let without_created: Vec<_> = stored[1]
        .iter()
        .filter(|(l, _)| !l.metric_name().unwrap().ends_with("_created"))
        .cloned()
        .collect();
    assert_eq!(stored[0], stored[2]);
    assert_eq!(without_created, stored[2]);
}

#[tokio::test(start_paused = true)]
async fn a_target_that_does_not_answer_times_out() {
    let server = serve(Router::new().route(
        "/metrics",
        get(|| async {
            std::future::pending::<()>().await;
            ""
        }),
    ))
    .await;
    let (m, storage) = manager();
    m.apply_config(&config_of(&[job_yaml("api", server.addr, "")]));
    scrapes(&m, 1).await;
    let t = only_target(&m);
    assert_eq!(
        t.status.last_error.as_deref(),
        Some("scrape timed out after 5s")
    );
    assert_eq!(t.status.last_scrape_duration, Some(Duration::from_secs(5)));
    assert_eq!(values(&samples(&storage, "up", &[])), [Some(0.0)]);
    assert_eq!(
        values(&samples(&storage, "scrape_duration_seconds", &[])),
        [Some(5.0)]
    );
}

#[tokio::test(start_paused = true)]
async fn credentials_from_files_and_http_status() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "pw").unwrap();
    let server = serve(Router::new().route(
        "/metrics",
        get(|headers: HeaderMap| async move {
            let auth = headers
                .get(header::AUTHORIZATION)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            match auth.as_str() {
                "Bearer s3cret" | "Basic dXNlcjpwdw==" => (
                    axum::http::StatusCode::OK,
                    [(header::CONTENT_TYPE, "text/plain")],
                    "ok 1\n",
                ),
                _ => (
                    axum::http::StatusCode::UNAUTHORIZED,
                    [(header::CONTENT_TYPE, "text/plain")],
                    "no\n",
                ),
            }
        }),
    ))
    .await;
    let cases = [
        (
            format!("    bearer_token_file: {}\n", token.display()),
            None,
        ),
        (
            format!(
                "    basic_auth:\n      username: user\n      password_file: {}\n",
                password.display()
            ),
            None,
        ),
        (
            String::new(),
            Some("server returned HTTP status 401 Unauthorized"),
        ),
    ];
    for (extra, want) in cases {
        let (m, _) = manager();
        m.apply_config(&config_of(&[job_yaml("api", server.addr, &extra)]));
        scrapes(&m, 1).await;
        assert_eq!(
            only_target(&m).status.last_error.as_deref(),
            want,
            "{extra}"
        );
        m.stop().await;
    }
}

#[tokio::test(start_paused = true)]
async fn large_bodies_are_appended_on_the_blocking_pool() {
    let registry = Registry::new();
    let family = Family::<Key, Gauge<f64>>::new();
    registry
        .register("wide", "Many series.", family.clone())
        .unwrap();
    for i in 0..3000 {
        family.set(
            &Key {
                key: format!("series-{i:05}"),
            },
            f64::from(i),
        );
    }
    assert!(registry.encode(Format::Text).len() > 64 * 1024);
    let server = exporter(&registry).await;
    let (m, storage) = manager();
    m.apply_config(&config_of(&[job_yaml("api", server.addr, "")]));
    scrapes(&m, 2).await;
    assert_eq!(series(&storage, "wide", &[]).len(), 3000);
    assert_eq!(
        values(&samples(&storage, "wide", &[("key", "series-02999")])),
        [Some(2999.0); 2]
    );
    assert_eq!(only_target(&m).status.cached_series, 3000);
    m.stop().await;
}

#[tokio::test(start_paused = true)]
async fn metadata_follows_the_last_successful_scrape() {
    let body = Arc::new(Mutex::new(String::from(
        "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 3\n\
         # TYPE queue_depth gauge\nqueue_depth 1\n\
         # HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n\
         lat_seconds_bucket{le=\"+Inf\"} 1\nlat_seconds_sum 0.5\nlat_seconds_count 1\n",
    )));
    let served = Arc::clone(&body);
    let server = serve(Router::new().route(
        "/metrics",
        get(move || {
            let b = served.lock().clone();
            async move { ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], b) }
        }),
    ))
    .await;
    let (m, _) = manager();
    m.apply_config(&config_of(&[job_yaml("api", server.addr, "")]));
    scrapes(&m, 1).await;
    let meta = only_target(&m).status.metadata;
    let got: Vec<(&str, &str, &str)> = meta
        .iter()
        .map(|(n, m)| (n.as_str(), m.kind, m.help.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("jobs_total", "counter", "Jobs done."),
            ("lat_seconds", "histogram", "Latency."),
            ("queue_depth", "gauge", ""),
        ]
    );
    // A family that goes away goes from the metadata; a changed help
    // text is taken over.
    *body.lock() =
        "# HELP jobs_total Jobs finished.\n# TYPE jobs_total counter\njobs_total 4\n".into();
    scrapes(&m, 2).await;
    let meta = only_target(&m).status.metadata;
    assert_eq!(meta.len(), 1, "{meta:?}");
    assert_eq!(meta["jobs_total"].help, "Jobs finished.");
    // A failed scrape keeps the last good metadata.
    *body.lock() = "jobs_total{ 4\n".into();
    scrapes(&m, 3).await;
    let t = only_target(&m);
    assert_eq!(t.status.health, Health::Down);
    assert_eq!(t.status.metadata["jobs_total"].kind, "counter");
}
