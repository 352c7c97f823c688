//! The HTTP side of a scrape: a client built from a job's
//! [`HttpClientConfig`] (TLS through rustls, redirects, credentials read
//! from their files at each request as Prometheus does), the `Accept`
//! header Prometheus sends for the configured `scrape_protocols`, and
//! [`HttpClient::fetch`], which enforces the timeout and the body size
//! limit on the decompressed body ([`HttpClient::open`] does the same for
//! a body read as it arrives).
//!
//! reqwest (with its `gzip` feature) decompresses as the body streams in,
//! so the limit is checked chunk by chunk and an oversized body is
//! abandoned without being read whole.
//!
//! Connections are not kept for the next scrape: hyper keeps an idle
//! connection's read buffer at the size the last body grew it to (up to
//! about 400 KiB), so fifty targets of 10,000 series held 20 MB between
//! scrapes, more than their series' share of the head. A scrape pays a
//! TCP (and TLS) handshake instead, a fraction of parsing its body.

use std::time::Duration;

use hestia_config::{HttpClientConfig, ScrapeProtocol};
use hestia_expfmt::Format;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, ACCEPT_ENCODING, CONTENT_TYPE, USER_AGENT};

use crate::Error;

/// The `User-Agent` of scrapes and discovery requests.
pub const USER_AGENT_VALUE: &str = hestia_http::USER_AGENT;

/// An HTTP client for one job or discovery source.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    config: HttpClientConfig,
}

/// A successful response: its content type and (decompressed) body.
#[derive(Debug)]
pub struct Fetched {
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body, decompressed.
    pub body: Vec<u8>,
}

impl HttpClient {
    /// Builds a client; `compression` says whether gzip is asked for and
    /// decoded. TLS material is read now; credential files at each request.
    pub fn new(config: &HttpClientConfig, compression: bool) -> Result<HttpClient, Error> {
        let mut b =
            hestia_http::client_builder(config).map_err(|e| Error::Client(e.to_string()))?;
        if !compression {
            b = b.no_gzip();
        }
        b = b.pool_max_idle_per_host(0);
        let client = b
            .build()
            .map_err(|e| Error::Client(format!("error creating HTTP client: {e}")))?;
        Ok(HttpClient {
            client,
            config: config.clone(),
        })
    }

    /// GETs `url` with `headers` plus the configured credentials, within
    /// `timeout`; a status other than 200 and a body over `body_limit`
    /// bytes (after decompression) are errors. The body buffer starts at
    /// `size_hint` bytes (a scrape loop passes a little more than its last
    /// body, so that the buffer is not grown by doubling to up to twice
    /// the body every time).
    pub async fn fetch(
        &self,
        url: &reqwest::Url,
        headers: HeaderMap,
        timeout: Duration,
        body_limit: Option<u64>,
        size_hint: usize,
    ) -> Result<Fetched, Error> {
        let mut response = self.open(url, headers, timeout, body_limit).await?;
        let body = response.read_all(size_hint).await?;
        Ok(Fetched {
            content_type: response.content_type,
            body,
        })
    }

    /// GETs `url` as [`HttpClient::fetch`] does, but returns once the
    /// response's headers are in: the body is read as it arrives
    /// ([`Streamed::chunk`]), within the same `timeout` (counted from
    /// now) and `body_limit`.
    pub async fn open(
        &self,
        url: &reqwest::Url,
        headers: HeaderMap,
        timeout: Duration,
        body_limit: Option<u64>,
    ) -> Result<Streamed, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        let request = self.authorize(self.client.get(url.clone()).headers(headers))?;
        let response = tokio::time::timeout_at(deadline, request.send())
            .await
            .map_err(|_| Error::Timeout(timeout))?
            .map_err(|e| request_error(url.as_str(), &e))?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(Error::Status(status.to_string()));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(Streamed {
            content_type,
            url: url.to_string(),
            response,
            limit: body_limit.unwrap_or(u64::MAX),
            read: 0,
            deadline,
            timeout,
        })
    }

    /// Adds `basic_auth` or `authorization`, reading their files now.
    fn authorize(&self, req: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, Error> {
        hestia_http::authorize(req, &self.config).map_err(|e| Error::Client(e.to_string()))
    }
}

fn request_error(url: &str, e: &reqwest::Error) -> Error {
    Error::Request {
        url: url.to_string(),
        message: hestia_http::error_chain(e),
    }
}

/// A response whose body is read as it arrives (see [`HttpClient::open`]).
#[derive(Debug)]
pub struct Streamed {
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The URL asked for (what errors name, as for a failed request).
    url: String,
    response: reqwest::Response,
    limit: u64,
    read: u64,
    deadline: tokio::time::Instant,
    timeout: Duration,
}

impl Streamed {
    /// The next piece of the body, decompressed (`None` at its end); an
    /// error once the fetch's time is up or the body reaches its limit.
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, Error> {
        let next = tokio::time::timeout_at(self.deadline, self.response.chunk())
            .await
            .map_err(|_| Error::Timeout(self.timeout))?
            .map_err(|e| request_error(&self.url, &e))?;
        if let Some(piece) = &next {
            self.read += piece.len() as u64;
            if self.read >= self.limit {
                return Err(Error::BodySizeLimit);
            }
        }
        Ok(next)
    }

    /// Bytes of the body read so far (decompressed).
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// The body's length as the response announced it, when it did and
    /// the body is not being decompressed.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The rest of the body, in a buffer of at least `size_hint` bytes.
    pub async fn read_all(&mut self, size_hint: usize) -> Result<Vec<u8>, Error> {
        let cap = size_hint.min(usize::try_from(self.limit).unwrap_or(usize::MAX));
        let mut body = Vec::with_capacity(cap);
        while let Some(piece) = self.chunk().await? {
            body.extend_from_slice(&piece);
        }
        Ok(body)
    }
}

/// The headers of a scrape: `Accept` for `protocols`, `Accept-Encoding`
/// (`gzip` is added by the client when compression is on), `User-Agent`
/// and `X-Prometheus-Scrape-Timeout-Seconds`.
pub(crate) fn scrape_headers(
    protocols: &[ScrapeProtocol],
    escaping: &str,
    compression: bool,
    timeout: Duration,
) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&accept_header(protocols, escaping)) {
        h.insert(ACCEPT, v);
    }
    if !compression {
        h.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
    }
    h.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    if let Ok(v) = HeaderValue::from_str(&format!("{}", timeout.as_secs_f64())) {
        h.insert("X-Prometheus-Scrape-Timeout-Seconds", v);
    }
    h
}

/// Prometheus 3's `Accept` header: each protocol in order of preference
/// with decreasing `q` from 0.6 (the 1.0.0 text formats also carry
/// `escaping=`), then `*/*`.
///
/// ```
/// use hestia_config::ScrapeProtocol;
///
/// assert_eq!(
///     hestia_scrape::accept_header(&ScrapeProtocol::DEFAULT, "underscores"),
///     "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,\
///      application/openmetrics-text;version=0.0.1;q=0.5,\
///      text/plain;version=1.0.0;escaping=underscores;q=0.4,\
///      text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
/// );
/// ```
pub fn accept_header(protocols: &[ScrapeProtocol], escaping: &str) -> String {
    let mut weight = ScrapeProtocol::ALL.len() + 1;
    let mut parts = Vec::with_capacity(protocols.len() + 1);
    for p in protocols {
        let mut v = p.media_type().to_string();
        if matches!(
            p,
            ScrapeProtocol::PrometheusText1_0_0 | ScrapeProtocol::OpenMetricsText1_0_0
        ) {
            v.push_str(";escaping=");
            v.push_str(escaping);
        }
        v.push_str(&format!(";q=0.{weight}"));
        parts.push(v);
        weight = weight.saturating_sub(1);
    }
    parts.push(format!("*/*;q=0.{weight}"));
    parts.join(",")
}

/// The format of a response from its `Content-Type`, or from the
/// fallback protocol when the type is missing or unknown.
pub fn format_for(
    content_type: Option<&str>,
    fallback: Option<ScrapeProtocol>,
) -> Result<Format, Error> {
    let media = content_type
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let known = match media.as_str() {
        "application/openmetrics-text" => Some(Format::OpenMetrics),
        "application/vnd.google.protobuf" => Some(Format::Protobuf),
        "text/plain" => Some(Format::Text),
        _ => None,
    };
    if let Some(f) = known {
        return Ok(f);
    }
    match fallback {
        Some(ScrapeProtocol::PrometheusProto) => Ok(Format::Protobuf),
        Some(ScrapeProtocol::PrometheusText0_0_4 | ScrapeProtocol::PrometheusText1_0_0) => {
            Ok(Format::Text)
        }
        Some(ScrapeProtocol::OpenMetricsText0_0_1 | ScrapeProtocol::OpenMetricsText1_0_0) => {
            Ok(Format::OpenMetrics)
        }
        None if media.is_empty() => Err(Error::ContentType(
            "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target".into(),
        )),
        None => Err(Error::ContentType(format!(
            "received unsupported Content-Type {:?} and no fallback_scrape_protocol specified for target",
            content_type.unwrap_or("")
        ))),
    }
}
