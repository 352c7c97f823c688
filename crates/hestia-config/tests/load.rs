//! Table tests of configuration snippets: valid ones with the values
//! Prometheus would give them, invalid ones with the exact error (file,
//! line, column, field and message).

use hestia_config::{
    load_str_with, ByteSize, Config, Duration, Error, NameValidation, ScrapeProtocol,
};

fn load(text: &str) -> Result<Config, Error> {
    Config::load_str(text, "cfg.yml")
}

#[test]
fn invalid_snippets_are_refused_with_position_and_field() {
    // (snippet, exact error)
    let cases: &[(&str, &str)] = &[
        // Unknown fields, wrong types, syntax.
        ("scrape_config:\n  - job_name: a\n",
         "cfg.yml:1:1: scrape_config: unknown field `scrape_config`, expected one of global, rule_files, scrape_configs, alerting, remote_write, storage, runtime, tracing, otlp"),
        ("scrape_configs:\n  - job_name: a\n    bogus: 1\n",
         "cfg.yml:3:5: bogus: unknown field `bogus`, expected one of job_name, honor_labels, honor_timestamps, track_timestamps_staleness, params, scrape_interval, scrape_timeout, scrape_protocols, fallback_scrape_protocol, scrape_native_histograms, always_scrape_classic_histograms, convert_classic_histograms_to_nhcb, scrape_failure_log_file, metrics_path, scheme, enable_compression, body_size_limit, sample_limit, target_limit, label_limit, label_name_length_limit, label_value_length_limit, native_histogram_bucket_limit, native_histogram_min_bucket_factor, keep_dropped_targets, metric_name_validation_scheme, metric_name_escaping_scheme, extra_scrape_metrics, static_configs, file_sd_configs, http_sd_configs, relabel_configs, metric_relabel_configs, basic_auth, authorization, bearer_token, bearer_token_file, tls_config, follow_redirects, enable_http2"),
        ("global:\n  scrape_interval: 5x\n",
         "cfg.yml:2:20: scrape_interval: unknown unit \"x\" in duration \"5x\""),
        ("global:\n  scrape_interval: 1.5h\n",
         "cfg.yml:2:20: scrape_interval: unknown unit \".\" in duration \"1.5h\""),
        ("global:\n  evaluation_interval: 30s1m\n",
         "cfg.yml:2:24: evaluation_interval: not a valid duration string: \"30s1m\""),
        ("scrape_configs:\n  - job_name: a\n    honor_labels: maybe\n",
         "cfg.yml:3:19: honor_labels: invalid boolean"),
        ("scrape_configs:\n  - job_name: a\n    body_size_limit: 10kB\n",
         "cfg.yml:3:22: body_size_limit: units: unknown unit kB in 10kB"),
        ("scrape_configs:\n  - job_name: a\n    sample_limit: -1\n",
         "cfg.yml:3:19: sample_limit: invalid u64"),
        ("scrape_configs:\n  - job_name: a\n   bad: indent\n",
         "cfg.yml:3:4: while parsing a block collection, did not find expected '-' indicator"),
        ("scrape_configs:\n  - job_name: a\n    job_name: b\n",
         "cfg.yml:3:5: job_name: duplicate mapping key: job_name, set DuplicateKeyPolicy in Options if acceptable"),
        ("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: localhost:9090\n",
         "cfg.yml:4:18: targets: expected sequence start"),
        // Load-time rules.
        ("global:\n  scrape_interval: 10s\n  scrape_timeout: 20s\n",
         "cfg.yml:3:19: scrape_timeout: global scrape timeout greater than scrape interval"),
        ("scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 6s\n",
         "cfg.yml:4:21: scrape_timeout: scrape timeout greater than scrape interval for scrape config with job name \"a\""),
        ("scrape_configs:\n  - job_name: a\n  - job_name: a\n",
         "cfg.yml:3:5: job_name: found multiple scrape configs with job name \"a\""),
        ("scrape_configs:\n  - scrape_interval: 5s\n",
         "cfg.yml:2:5: job_name: job_name is empty"),
        ("scrape_configs:\n  -\n",
         "cfg.yml:2:3: scrape_configs: empty or null scrape config section"),
        ("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['http://host:80/metrics']\n",
         "cfg.yml:4:9: targets: \"http://host:80/metrics\" is not a valid hostname"),
        ("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [a:1]\n        labels: {'': x}\n",
         "cfg.yml:4:9: labels: \"\" is not a valid label name"),
        ("scrape_configs:\n  - job_name: a\n    scrape_protocols: [PrometheusText0.0.4, Bogus]\n",
         "cfg.yml:3:23: scrape_protocols: scrape_protocols: unknown scrape protocol Bogus, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for scrape config with job name \"a\""),
        ("global:\n  metric_name_validation_scheme: legacy\n  external_labels:\n    foo-bar: x\n",
         "cfg.yml:4:5: external_labels: \"foo-bar\" is not a valid label name"),
        ("global:\n  metric_name_validation_scheme: strict\n",
         "cfg.yml:2:34: metric_name_validation_scheme: unrecognized ValidationScheme: \"strict\""),
        ("rule_files:\n  - rules/*/x.yml\n",
         "cfg.yml:2:5: rule_files: invalid rule file path \"rules/*/x.yml\""),
        // Relabelling.
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - source_labels: [a]\n        regex: 'a(b'\n        target_label: x\n",
         "cfg.yml:4:9: regex: invalid regular expression \"a(b\": regex parse error:\n    a(b\n     ^\nerror: unclosed group"),
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: rename\n",
         "cfg.yml:4:9: action: unknown relabel action \"rename\""),
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - source_labels: [a]\n",
         "cfg.yml:4:9: target_label: relabel configuration for replace action requires 'target_label' value"),
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n        target_label: x\n",
         "cfg.yml:4:9: modulus: relabel configuration for hashmod requires non-zero modulus"),
        ("scrape_configs:\n  - job_name: a\n    metric_relabel_configs:\n      - action: labeldrop\n        source_labels: [a]\n        regex: tmp_.*\n",
         "cfg.yml:4:9: action: labeldrop action requires only 'regex', and no other fields"),
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: keepequal\n        source_labels: [a]\n        target_label: b\n        regex: (.*)\n",
         "cfg.yml:4:9: action: keepequal action requires only 'source_labels' and `target_label`, and no other fields"),
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: lowercase\n        source_labels: [a]\n        target_label: b\n        replacement: x\n",
         "cfg.yml:4:9: replacement: 'replacement' can not be set for lowercase action"),
        ("global:\n  metric_name_validation_scheme: legacy\nscrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: labelmap\n        regex: 'l_(.*)'\n        replacement: 'l-$1'\n",
         "cfg.yml:6:9: replacement: \"l-$1\" is invalid 'replacement' for labelmap action"),
        ("global:\n  metric_name_validation_scheme: legacy\nscrape_configs:\n  - job_name: a\n    relabel_configs:\n      - source_labels: [a]\n        target_label: 1bad\n",
         "cfg.yml:6:9: target_label: \"1bad\" is invalid 'target_label' for replace action"),
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      -\n",
         "cfg.yml:2:5: relabel_configs: empty or null target relabeling rule in scrape config"),
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - source_labels: ['']\n        target_label: x\n",
         "cfg.yml:4:9: source_labels: \"\" is not a valid label name"),
        // HTTP client settings.
        ("scrape_configs:\n  - job_name: a\n    bearer_token: x\n    bearer_token_file: y\n",
         "cfg.yml:2:5: bearer_token_file: at most one of bearer_token & bearer_token_file must be configured"),
        ("scrape_configs:\n  - job_name: a\n    bearer_token: x\n    basic_auth:\n      username: u\n",
         "cfg.yml:2:5: basic_auth: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"),
        ("scrape_configs:\n  - job_name: a\n    basic_auth:\n      username: u\n      password: p\n      password_file: f\n",
         "cfg.yml:4:7: password_file: at most one of basic_auth password, password_file & password_ref must be configured"),
        ("scrape_configs:\n  - job_name: a\n    authorization:\n      type: Basic\n      credentials: c\n",
         "cfg.yml:4:7: type: authorization type cannot be set to \"basic\", use \"basic_auth\" instead"),
        ("scrape_configs:\n  - job_name: a\n    authorization:\n      credentials: c\n    bearer_token: t\n",
         "cfg.yml:4:7: authorization: authorization is not compatible with bearer_token & bearer_token_file"),
        ("scrape_configs:\n  - job_name: a\n    tls_config:\n      cert_file: c.pem\n",
         "cfg.yml:4:7: key_file: exactly one of key or key_file must be configured when a client certificate is configured"),
        ("scrape_configs:\n  - job_name: a\n    tls_config:\n      min_version: TLS14\n",
         "cfg.yml:4:7: min_version: unknown TLS version: TLS14"),
        // Discovery.
        ("scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: [targets.txt]\n",
         "cfg.yml:4:9: files: path name \"targets.txt\" is not valid for file discovery"),
        ("scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - refresh_interval: 1m\n",
         "cfg.yml:4:9: files: file_sd_config must contain at least one path"),
        ("scrape_configs:\n  - job_name: a\n    http_sd_configs:\n      - url: ftp://sd.example/targets\n",
         "cfg.yml:4:9: url: URL scheme must be 'http' or 'https'"),
        ("scrape_configs:\n  - job_name: a\n    http_sd_configs:\n      - refresh_interval: 1m\n",
         "cfg.yml:4:9: url: URL is missing"),
        ("scrape_configs:\n  - job_name: k8s\n    kubernetes_sd_configs:\n      - role: pod\n",
         "cfg.yml:3:5: kubernetes_sd_configs is not supported yet by Hestia (use static_configs, file_sd_configs or http_sd_configs)"),
        ("scrape_configs:\n  - job_name: c\n    consul_sd_configs:\n      - server: localhost:8500\n",
         "cfg.yml:3:5: consul_sd_configs is not supported yet by Hestia"),
        ("scrape_configs:\n  - job_name: a\n    oauth2:\n      client_id: x\n",
         "cfg.yml:3:5: oauth2 is not supported yet by Hestia (use authorization or basic_auth)"),
        ("remote_read:\n  - url: http://x/read\n",
         "cfg.yml:1:1: remote_read is not supported yet by Hestia"),
        // Alerting and remote write.
        ("alerting:\n  alertmanagers:\n    - api_version: v1\n",
         "cfg.yml:3:7: api_version: expected Alertmanager api version to be one of [v2] but got v1"),
        ("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['http://am:9093']\n",
         "cfg.yml:4:11: targets: \"http://am:9093\" is not a valid hostname"),
        ("alerting:\n  alert_relabel_configs:\n    - action: drop\n      regex: '['\n",
         "cfg.yml:3:7: regex: invalid regular expression \"[\": regex parse error:\n    [\n    ^\nerror: unclosed character class"),
        ("remote_write:\n  - remote_timeout: 10s\n",
         "cfg.yml:2:5: url: url for remote_write is empty"),
        ("remote_write:\n  - url: http://a/write\n    headers:\n      Content-Type: x\n",
         "cfg.yml:2:5: headers: Content-Type is a reserved header. It must not be changed"),
        ("remote_write:\n  - url: http://a/write\n    headers:\n      Authorization: x\n",
         "cfg.yml:2:5: headers: authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter"),
        ("remote_write:\n  - url: http://a/write\n    name: x\n  - url: http://b/write\n    name: x\n",
         "cfg.yml:4:5: name: found multiple remote write configs with job name \"x\""),
        ("remote_write:\n  - url: http://a/write\n    queue_config:\n      max_shard: 5\n",
         "cfg.yml:4:7: max_shard: unknown field `max_shard`, expected one of capacity, max_shards, min_shards, max_samples_per_send, batch_send_deadline, min_backoff, max_backoff, retry_on_http_429, sample_age_limit"),
        ("remote_write:\n  - url: http://a/write\n    sigv4:\n      region: eu\n",
         "cfg.yml:3:5: sigv4 is not supported yet by Hestia"),
    ];
    let mut failures = Vec::new();
    for (text, want) in cases {
        match load(text) {
            Ok(_) => failures.push(format!("accepted:\n{text}")),
            Err(e) if e.to_string() != *want => {
                failures.push(format!("for:\n{text}\n  want: {want}\n  got:  {e}"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn defaults_are_prometheus_defaults() {
    let c = load("scrape_configs:\n  - job_name: a\n").unwrap();
    assert_eq!(c.global.scrape_interval, Duration::from_secs(60));
    assert_eq!(c.global.scrape_timeout, Duration::from_secs(10));
    assert_eq!(c.global.evaluation_interval, Duration::from_secs(60));
    let j = c.job("a").unwrap();
    assert_eq!(j.scrape_interval, Duration::from_secs(60));
    assert_eq!(j.scrape_timeout, Duration::from_secs(10));
    assert_eq!(j.metrics_path, "/metrics");
    assert_eq!(j.scheme, "http");
    assert!(!j.honor_labels);
    assert!(j.honor_timestamps);
    assert!(j.enable_compression);
    assert!(j.http.follow_redirects && j.http.enable_http2);
    assert_eq!(j.scrape_protocols, ScrapeProtocol::DEFAULT.to_vec());
    assert_eq!(j.metric_name_validation_scheme, NameValidation::Utf8);
    assert_eq!(j.metric_name_escaping_scheme, "allow-utf-8");

    // An empty document, and empty sections, are the defaults too.
    for text in [
        "",
        "# nothing\n",
        "global:\nrule_files:\n  # - a.yml\nscrape_configs:\n",
        "global: {}\n",
    ] {
        let c = load(text).unwrap();
        assert_eq!(
            c.global.scrape_interval,
            Duration::from_secs(60),
            "{text:?}"
        );
        assert!(c.scrape_configs.is_empty() && c.rule_files.is_empty());
    }
}

#[test]
fn values_resolve_like_prometheus() {
    // (snippet, job, scrape_interval, scrape_timeout)
    let cases = [
        // A short interval caps the default timeout.
        ("scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n", "a", "5s", "5s"),
        ("global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: a\n", "a", "15s", "10s"),
        ("global:\n  scrape_interval: 15s\n  scrape_timeout: 3s\nscrape_configs:\n  - job_name: a\n", "a", "15s", "3s"),
        ("global:\n  scrape_timeout: 3s\nscrape_configs:\n  - job_name: a\n    scrape_interval: 2s\n", "a", "2s", "2s"),
        // `0` means "unset" and takes the default.
        ("scrape_configs:\n  - job_name: a\n    scrape_interval: 0\n    scrape_timeout: 0\n", "a", "1m", "10s"),
        ("scrape_configs:\n  - job_name: a\n    scrape_interval: 1m30s\n", "a", "1m30s", "10s"),
        ("scrape_configs:\n  - job_name: a\n    scrape_interval: 1d\n    scrape_timeout: 1h\n", "a", "1d", "1h"),
    ];
    for (text, job, interval, timeout) in cases {
        let c = load(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let j = c.job(job).unwrap();
        assert_eq!(j.scrape_interval.to_string(), interval, "{text}");
        assert_eq!(j.scrape_timeout.to_string(), timeout, "{text}");
    }
}

#[test]
fn a_full_configuration_loads() {
    let text = r#"
global:
  scrape_interval: 15s
  evaluation_interval: 30s
  query_log_file: queries.log
  body_size_limit: 10MB
  sample_limit: 1000
  external_labels:
    region: eu-west
    replica: $HESTIA_TEST_REPLICA
    cost: '$$5'
rule_files:
  - rules/*.yml
  - /etc/alerts.yml
scrape_configs:
  - job_name: api
    honor_labels: yes
    honor_timestamps: false
    metrics_path: /internal/metrics
    scheme: https
    params:
      module: [http_2xx]
    body_size_limit: 512KiB
    label_limit: 64
    label_name_length_limit: 128
    label_value_length_limit: 1024
    basic_auth:
      username: prom
      password_file: secrets/pw
    tls_config:
      ca_file: ca.pem
      server_name: api.internal
      insecure_skip_verify: true
    static_configs:
      - targets: ['api-1:8080', api-2:8080]
        labels:
          env: prod
          port: 8080
    file_sd_configs:
      - files: [targets/*.json, targets/*.yml]
        refresh_interval: 30s
    http_sd_configs:
      - url: https://sd.internal/targets
    relabel_configs:
      - source_labels: [__address__]
        regex: '([^:]+):\d+'
        target_label: host
      - action: LabelMap
        regex: __meta_(.+)
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: go_.*
        action: drop
  - job_name: node
    bearer_token_file: token
alerting:
  alert_relabel_configs:
    - action: labeldrop
      regex: replica
  alertmanagers:
    - path_prefix: /am
      timeout: 5s
      static_configs:
        - targets: ['am:9093']
remote_write:
  - url: https://mimir/api/v1/push
    remote_timeout: 10s
    headers:
      X-Scope-OrgID: team
    write_relabel_configs:
      - source_labels: [__name__]
        regex: debug_.*
        action: drop
    queue_config:
      max_shards: 10
    basic_auth:
      username: u
      password: p
"#;
    let env = |name: &str| (name == "HESTIA_TEST_REPLICA").then(|| "r1".to_string());
    let dir = std::path::Path::new("/etc/prometheus");
    let c = load_str_with(text, "full.yml", Some(dir), &env).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(c.global.external_labels.get("replica"), Some("r1"));
    assert_eq!(c.global.external_labels.get("cost"), Some("$5"));
    assert_eq!(c.global.limits.body_size_limit, ByteSize::new(10 << 20));
    assert_eq!(
        c.global.query_log_file.as_deref(),
        Some(dir.join("queries.log").as_path())
    );
    assert_eq!(
        c.rule_files,
        ["/etc/prometheus/rules/*.yml", "/etc/alerts.yml"]
    );
    let api = c.job("api").unwrap();
    assert!(api.honor_labels && !api.honor_timestamps);
    assert_eq!(api.scheme, "https");
    assert_eq!(api.params["module"], ["http_2xx"]);
    assert_eq!(api.limits.body_size_limit.bytes(), 512 * 1024);
    assert_eq!(api.limits.sample_limit, 1000, "inherited from global");
    assert_eq!(api.limits.label_limit, 64);
    let auth = api.http.basic_auth.as_ref().unwrap();
    assert_eq!(
        auth.password_file.as_deref(),
        Some(dir.join("secrets/pw").as_path())
    );
    assert_eq!(
        api.http.tls_config.server_name.as_deref(),
        Some("api.internal")
    );
    assert!(api.http.tls_config.insecure_skip_verify);
    assert_eq!(api.static_configs[0].targets, ["api-1:8080", "api-2:8080"]);
    assert_eq!(api.static_configs[0].labels.get("port"), Some("8080"));
    assert_eq!(
        api.file_sd_configs[0].files[0],
        "/etc/prometheus/targets/*.json"
    );
    assert_eq!(
        api.file_sd_configs[0].refresh_interval,
        Duration::from_secs(30)
    );
    assert_eq!(
        api.http_sd_configs[0].refresh_interval,
        Duration::from_secs(60)
    );
    assert_eq!(api.relabel_configs.len(), 2);
    assert_eq!(
        api.relabel_configs[1].action,
        hestia_config::relabel::Action::LabelMap
    );
    let node = c.job("node").unwrap();
    let bearer = node.http.authorization.as_ref().unwrap();
    assert_eq!(bearer.kind, "Bearer");
    assert_eq!(
        bearer.credentials_file.as_deref(),
        Some(dir.join("token").as_path())
    );
    let am = &c.alerting.alertmanagers[0];
    assert_eq!(
        (
            am.scheme.as_str(),
            am.path_prefix.as_str(),
            am.api_version.as_str()
        ),
        ("http", "/am", "v2")
    );
    assert_eq!(am.timeout, Duration::from_secs(5));
    let rw = &c.remote_write[0];
    assert_eq!(rw.remote_timeout, Duration::from_secs(10));
    assert_eq!(rw.queue_config.max_shards, 10);
    assert_eq!(rw.queue_config.capacity, 10_000);
    assert_eq!(rw.metadata_config.send_interval, Duration::from_secs(60));
    assert!(
        !rw.http.enable_http2,
        "remote write disables HTTP/2 by default"
    );
}

#[test]
fn every_error_is_collected() {
    let text = "scrape_configs:\n  - job_name: a\n    scrape_interval: 1s\n    scrape_timeout: 2s\n  - job_name: a\n  - job_name: b\n    relabel_configs:\n      - action: hashmod\n        target_label: x\n";
    let errors = load_str_with(text, "cfg.yml", None, &|_| None).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "cfg.yml:4:21: scrape_timeout: scrape timeout greater than scrape interval for scrape config with job name \"a\"",
            "cfg.yml:8:9: modulus: relabel configuration for hashmod requires non-zero modulus",
        ]
    );
}
