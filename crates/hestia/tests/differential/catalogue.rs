//! The targets' catalogue: the five seed services as jobs, each a list of
//! metric families with the seed guides' metric and label names, and how
//! each family's values evolve (see `target.rs` for the values).

use crate::target::{GO_LE_HISTOGRAM, LINEAR_COUNTER, LINEAR_PER_SLOT, NEWLINE_EVENT_TYPE};

/// What a family is.
#[derive(Clone, Copy)]
pub enum Kind {
    /// A counter starting from a base, growing by about `mean` per slot
    /// (whole numbers when `int`).
    Counter { mean: f64, int: bool },
    /// A random walk around `base` by up to `step` per slot.
    Gauge { base: f64, step: f64, int: bool },
    /// A gauge that only grows, by `step` to `2 * step` per slot.
    Growing { base: f64, step: f64 },
    /// A counter started with the first slot: `per_slot * (k + 1)`.
    Linear { per_slot: f64 },
    /// 0 or 1, 1 with probability `p` per slot.
    Flag { p: f64 },
    /// Seconds since a start before the first slot.
    Uptime,
    /// A histogram with these bounds, about `mean` observations per slot,
    /// exponentially distributed around `scale`.
    Histogram {
        bounds: &'static [f64],
        mean: f64,
        scale: f64,
    },
}

/// One metric family of a job.
pub struct Family {
    /// The family's name.
    pub name: &'static str,
    /// How its values evolve.
    pub kind: Kind,
    /// Its label names with their values (every combination is a series).
    pub labels: &'static [(&'static str, &'static [&'static str])],
    /// Whether `# HELP` and `# TYPE` lines are written.
    pub typed: bool,
}

const LATENCY: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const S3_LATENCY: &[f64] = &[0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
const BATCH: &[f64] = &[1.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0];

const fn counter(name: &'static str, mean: f64) -> Family {
    Family {
        name,
        kind: Kind::Counter { mean, int: true },
        labels: &[],
        typed: true,
    }
}

const fn gauge(name: &'static str, base: f64, step: f64) -> Family {
    Family {
        name,
        kind: Kind::Gauge {
            base,
            step,
            int: true,
        },
        labels: &[],
        typed: true,
    }
}

const fn histogram(name: &'static str, mean: f64, scale: f64) -> Family {
    Family {
        name,
        kind: Kind::Histogram {
            bounds: LATENCY,
            mean,
            scale,
        },
        labels: &[],
        typed: true,
    }
}

impl Family {
    const fn with(mut self, labels: &'static [(&'static str, &'static [&'static str])]) -> Family {
        self.labels = labels;
        self
    }

    const fn untyped(mut self) -> Family {
        self.typed = false;
        self
    }
}

const QUERY_TYPES: (&str, &[&str]) = ("query_type", &["entity", "type", "full_scan"]);
const PROJECTS: (&str, &[&str]) = ("project_id", &["proj-123", "proj-456", "proj-789"]);
const MODELS: (&str, &[&str]) = ("model", &["gpt-4", "claude-3", "llama-3"]);

/// `(job, extra target labels, families)`: the seed services.
#[allow(clippy::type_complexity)]
pub const JOBS: &[(&str, &[(&str, &str)], &[Family])] = &[
    ("allsource-core", &[], ALLSOURCE),
    ("allsource-control-plane", &[], CONTROL_PLANE),
    (
        "lynex-ingest-api",
        &[("environment", "production"), ("service", "ingest-api")],
        LYNEX_INGEST,
    ),
    (
        "lynex-ui-backend",
        &[("environment", "production"), ("service", "ui-backend")],
        LYNEX_UI,
    ),
    (
        "lynex-processor",
        &[("environment", "production"), ("service", "processor")],
        LYNEX_PROCESSOR,
    ),
    ("stream-processor", &[], STREAM_PROCESSOR),
    ("rust-backfiller", &[], BACKFILLER),
    ("rust-ingester", &[], INGESTER),
    ("rust-indexer", &[], INDEXER),
    ("streamhouse", &[], STREAMHOUSE),
];

const ALLSOURCE: &[Family] = &[
    counter("allsource_events_ingested_total", 40.0),
    counter("allsource_events_ingested_by_type", 12.0).with(&[(
        "event_type",
        &[
            "user.created",
            "order.placed",
            "payment.processed",
            NEWLINE_EVENT_TYPE,
        ],
    )]),
    histogram("allsource_ingestion_duration_seconds", 20.0, 0.02),
    counter("allsource_ingestion_errors_total", 0.4),
    counter("allsource_queries_total", 9.0).with(&[QUERY_TYPES]),
    histogram("allsource_query_duration_seconds", 8.0, 0.3).with(&[QUERY_TYPES]),
    counter("allsource_query_results_total", 90.0).with(&[QUERY_TYPES]),
    Family {
        name: "allsource_storage_events_total",
        kind: Kind::Growing {
            base: 1.0e6,
            step: 300.0,
        },
        labels: &[],
        typed: true,
    },
    Family {
        name: "allsource_storage_entities_total",
        kind: Kind::Growing {
            base: 5.0e4,
            step: 40.0,
        },
        labels: &[],
        typed: true,
    },
    Family {
        name: "allsource_storage_size_bytes",
        kind: Kind::Growing {
            base: 2.0e9,
            step: 1.0e6,
        },
        labels: &[],
        typed: true,
    },
    gauge("allsource_parquet_files_total", 120.0, 2.0),
    gauge("allsource_wal_segments_total", 100.0, 3.0),
    gauge("allsource_projections_total", 6.0, 1.0),
    counter("allsource_projection_events_processed", 15.0)
        .with(&[("projection_name", &["orders", "users"])]),
    counter("allsource_projection_errors_total", 0.3)
        .with(&[("projection_name", &["orders", "users"])]),
    histogram(
        "allsource_projection_processing_duration_seconds",
        10.0,
        0.01,
    )
    .with(&[("projection_name", &["orders", "users"])]),
    gauge("allsource_pipelines_registered_total", 4.0, 1.0),
    counter("allsource_pipeline_events_processed", 20.0).with(&[
        ("pipeline_id", &["p1", "p2"]),
        ("pipeline_name", &["enrich", "fanout"]),
    ]),
    counter("allsource_pipeline_events_filtered", 4.0).with(&[
        ("pipeline_id", &["p1", "p2"]),
        ("pipeline_name", &["enrich", "fanout"]),
    ]),
    counter("allsource_pipeline_errors_total", 0.2)
        .with(&[("pipeline_name", &["enrich", "fanout"])]),
    counter("allsource_schemas_registered_total", 0.1),
    counter("allsource_schema_validations_total", 6.0).with(&[
        ("result", &["success", "failure"]),
        ("subject", &["order", "user"]),
    ]),
    counter("allsource_replays_started_total", 0.6),
    counter("allsource_replays_completed_total", 0.5),
    counter("allsource_replays_failed_total", 0.1),
    Family {
        name: LINEAR_COUNTER,
        kind: Kind::Linear {
            per_slot: LINEAR_PER_SLOT,
        },
        labels: &[],
        typed: true,
    },
    histogram("allsource_replay_duration_seconds", 1.0, 4.0),
    counter("allsource_snapshots_created_total", 0.3),
    histogram("allsource_snapshot_creation_duration_seconds", 0.5, 1.5),
    gauge("allsource_snapshots_total", 12.0, 1.0),
    counter("allsource_compactions_total", 0.2),
    histogram("allsource_compaction_duration_seconds", 0.3, 3.0),
    counter("allsource_compaction_files_merged", 1.5),
    counter("allsource_compaction_bytes_saved", 4.0e5),
    gauge("allsource_websocket_connections_active", 40.0, 3.0),
    counter("allsource_websocket_connections_total", 2.0),
    counter("allsource_websocket_messages_sent", 250.0),
    counter("allsource_websocket_errors_total", 0.2),
    counter("allsource_http_requests_total", 6.0).with(&[
        ("endpoint", &["/api/v1/events", "/api/v1/query", "/health"]),
        ("method", &["GET", "POST"]),
        ("status", &["200", "404", "500"]),
    ]),
    histogram("allsource_http_request_duration_seconds", 12.0, 0.05).with(&[
        ("endpoint", &["/api/v1/events", "/api/v1/query", "/health"]),
        ("method", &["GET", "POST"]),
    ]),
    gauge("allsource_http_requests_in_flight", 5.0, 2.0),
];

const CONTROL_PLANE: &[Family] = &[
    counter("control_plane_http_requests_total", 5.0).with(&[
        ("method", &["GET", "POST"]),
        ("path", &["/api/v1/health", "/api/v1/tenants"]),
        ("status", &["200", "503"]),
    ]),
    histogram("control_plane_http_request_duration_seconds", 6.0, 0.04).with(&[
        ("method", &["GET", "POST"]),
        ("path", &["/api/v1/health", "/api/v1/tenants"]),
    ]),
    gauge("control_plane_http_requests_in_flight", 3.0, 1.0),
    counter("control_plane_core_health_checks_total", 1.0)
        .with(&[("status", &["success", "failure"])]),
    histogram(
        "control_plane_core_health_check_duration_seconds",
        1.0,
        0.01,
    ),
    counter("control_plane_snapshot_operations_total", 0.2),
    counter("control_plane_replay_operations_total", 0.1),
    Family {
        name: "control_plane_uptime_seconds",
        kind: Kind::Uptime,
        labels: &[],
        typed: true,
    },
];

const LYNEX_INGEST: &[Family] = &[
    counter("lynex_ingest_events_received_total", 30.0)
        .with(&[("event_type", &["log", "trace"]), PROJECTS]),
    counter("lynex_ingest_events_queued_total", 25.0)
        .with(&[PROJECTS, ("status", &["success", "failure"])]),
    histogram("lynex_ingest_latency_seconds", 30.0, 0.008),
    gauge("lynex_ingest_queue_depth", 500.0, 60.0),
    histogram("lynex_ingest_queue_latency_seconds", 30.0, 0.2),
    counter("lynex_ingest_rate_limit_hits_total", 0.8).with(&[PROJECTS]),
    counter("lynex_ingest_validation_errors_total", 0.7)
        .with(&[("error_type", &["schema_invalid", "too_large"])]),
];

const LYNEX_UI: &[Family] = &[
    counter("lynex_ui_queries_executed_total", 3.0)
        .with(&[PROJECTS, ("query_type", &["events", "funnels"])]),
    // The seeds read the name both as a gauge (`max by (query_type)`)
    // and as a histogram; the gauge is written untyped, first.
    Family {
        name: "lynex_ui_query_latency_seconds",
        kind: Kind::Gauge {
            base: 0.2,
            step: 0.05,
            int: false,
        },
        labels: &[("query_type", &["events", "funnels"])],
        typed: true,
    }
    .untyped(),
    histogram("lynex_ui_query_latency_seconds", 5.0, 0.15)
        .with(&[("query_type", &["events", "funnels"])]),
    counter("lynex_ui_query_errors_total", 0.3).with(&[("query_type", &["events", "funnels"])]),
    counter("lynex_ui_cache_operations_total", 8.0).with(&[("operation", &["hit", "miss"])]),
    counter("lynex_ui_api_requests_total", 7.0).with(&[
        ("endpoint", &["/api/v1/events", "/api/v1/projects"]),
        ("status_code", &["200", "404", "503"]),
    ]),
    histogram("lynex_ui_api_latency_seconds", 14.0, 0.12),
    counter("lynex_ui_auth_requests_total", 2.0).with(&[("status", &["success", "failure"])]),
];

const LYNEX_PROCESSOR: &[Family] = &[
    counter("lynex_events_processed_total", 25.0)
        .with(&[PROJECTS, ("status", &["success", "error"])]),
    histogram("lynex_event_processing_duration_seconds", 25.0, 0.9),
    gauge("lynex_event_queue_depth", 10_000.0, 400.0),
    histogram("lynex_event_queue_latency_seconds", 25.0, 0.3),
    counter("lynex_tokens_processed_total", 4000.0)
        .with(&[MODELS, ("token_type", &["input", "output"])]),
    Family {
        name: "lynex_cost_usd_total",
        kind: Kind::Counter {
            mean: 0.37,
            int: false,
        },
        labels: &[MODELS, PROJECTS],
        typed: true,
    },
    histogram("lynex_model_latency_seconds", 3.0, 1.2).with(&[MODELS]),
    counter("lynex_model_errors_total", 0.5)
        .with(&[("error_type", &["rate_limited", "timeout"]), MODELS]),
    counter("lynex_model_requests_total", 3.0).with(&[MODELS, ("status", &["success", "error"])]),
    counter("lynex_alerts_triggered_total", 0.2).with(&[("severity", &["critical", "warning"])]),
    histogram("lynex_alert_evaluation_duration_seconds", 2.0, 0.05),
    counter("lynex_clickhouse_queries_total", 6.0).with(&[
        ("operation", &["insert", "select"]),
        ("status", &["success", "error"]),
    ]),
    histogram("lynex_clickhouse_query_duration_seconds", 6.0, 0.07)
        .with(&[("operation", &["insert", "select"])]),
    counter("lynex_events_archived_total", 50.0).with(&[("status", &["success", "error"])]),
    histogram("lynex_archive_duration_seconds", 0.5, 6.0),
    Family {
        name: GO_LE_HISTOGRAM,
        kind: Kind::Histogram {
            bounds: BATCH,
            mean: 2.0,
            scale: 80.0,
        },
        labels: &[],
        typed: true,
    },
    counter("lynex_s3_upload_errors_total", 0.1),
    counter("lynex_redis_operations_total", 60.0).with(&[("operation", &["get", "set"])]),
    Family {
        name: "lynex_service_uptime_seconds",
        kind: Kind::Uptime,
        labels: &[],
        typed: true,
    },
];

const STREAM_PROCESSOR: &[Family] = &[
    counter("processor_events_received", 100.0),
    counter("processor_events_processed", 48.0).with(&[("result", &["success", "error"])]),
    Family {
        name: "processor_event_processing_duration_seconds",
        kind: Kind::Histogram {
            bounds: &[0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
            mean: 40.0,
            scale: 0.002,
        },
        labels: &[("result", &["success", "error"])],
        typed: true,
    },
    gauge("processor_windows_active", 8.0, 2.0)
        .with(&[("window_type", &["tumbling", "sliding", "session"])]),
    counter("processor_windows_triggered", 1.5)
        .with(&[("window_type", &["tumbling", "sliding", "session"])]),
    counter("processor_state_cache_hits", 70.0).with(&[("layer", &["l1", "l2"])]),
    counter("processor_state_cache_misses", 9.0).with(&[("layer", &["l1", "l2"])]),
    gauge("processor_state_size_bytes", 3.0e7, 2.0e5).with(&[("backend", &["memory", "redis"])]),
];

const BACKFILLER: &[Family] = &[
    counter("backfiller_repos_processed_total", 3.0),
    counter("backfiller_repos_failed_total", 0.3),
    counter("backfiller_repos_dead_lettered_total", 0.05),
    counter("backfiller_records_extracted_total", 800.0),
    gauge("backfiller_output_stream_length", 150_000.0, 2_000.0),
    gauge("backfiller_repos_waiting", 3_000.0, 50.0),
];

const INGESTER: &[Family] = &[
    counter("ingester_firehose_events_total", 900.0),
    counter("ingester_errors_total", 0.2),
    Family {
        name: "ingester_backpressure_active",
        kind: Kind::Flag { p: 0.3 },
        labels: &[],
        typed: true,
    },
    gauge("ingester_firehose_live_length", 20_000.0, 900.0),
];

const INDEXER: &[Family] = &[
    counter("indexer_events_processed_total", 700.0),
    counter("indexer_db_writes_total", 350.0),
    counter("indexer_errors_total", 0.1),
    gauge("indexer_pending_messages", 100_800.0, 3_000.0),
    gauge("indexer_active_tasks", 16.0, 2.0),
];

const STREAMHOUSE: &[Family] = &[
    counter("streamhouse_producer_records_total", 200.0)
        .with(&[("topic", &["orders", "payments"])]),
    gauge("streamhouse_consumer_lag", 900.0, 120.0).with(&[
        ("consumer_group", &["analytics", "billing"]),
        ("partition", &["0", "1"]),
        ("topic", &["orders", "payments"]),
    ]),
    counter("streamhouse_cache_hits_total", 50.0),
    counter("streamhouse_cache_misses_total", 20.0),
    counter("streamhouse_segment_writes_total", 2.0).with(&[("partition", &["0", "1"])]),
    counter("streamhouse_segment_flushes_total", 1.8).with(&[("partition", &["0", "1"])]),
    Family {
        name: "streamhouse_s3_latency_seconds",
        kind: Kind::Histogram {
            bounds: S3_LATENCY,
            mean: 4.0,
            scale: 0.12,
        },
        labels: &[("operation", &["PUT", "GET"])],
        typed: true,
    },
    counter("streamhouse_s3_errors_total", 0.2).with(&[
        ("error_type", &["retry", "failed"]),
        ("operation", &["PUT", "GET"]),
    ]),
];
