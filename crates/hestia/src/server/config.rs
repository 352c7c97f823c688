//! The server's configuration: `prometheus.yml` loaded through
//! `hestia-config`, or the embedded default when no file is given, kept
//! with its text for `/api/v1/status/config`.

use std::net::SocketAddr;
use std::path::Path;

use hestia_config::Config;

use crate::Error;

/// A configuration in force and the YAML it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The parsed configuration.
    pub config: Config,
    /// Its text.
    pub yaml: String,
}

/// The embedded default: Prometheus' defaults with one job scraping the
/// server itself at `target` every 15 s.
pub fn default_yaml(target: &str) -> String {
    format!(
        "global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n\
         scrape_configs:\n  - job_name: hestia\n    static_configs:\n      - targets: [\"{target}\"]\n"
    )
}

/// `host:port` under which the server reaches itself: the bound address,
/// with `localhost` for the unspecified address.
pub fn self_target(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("localhost:{}", addr.port())
    } else {
        addr.to_string()
    }
}

/// Loads `path`, or the embedded default for a server on `addr`. The
/// error lists every problem, each with its file and line.
pub fn load(path: Option<&Path>, addr: SocketAddr) -> Result<Loaded, Error> {
    match path {
        Some(path) => {
            let yaml = std::fs::read_to_string(path)
                .map_err(|e| Error::io("reading configuration", path, e))?;
            let config = hestia_config::load_file_all(path).map_err(|errors| {
                let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                Error::Invalid(format!(
                    "invalid configuration {}: {}",
                    path.display(),
                    lines.join("; ")
                ))
            })?;
            Ok(Loaded { config, yaml })
        }
        None => {
            let yaml = default_yaml(&self_target(addr));
            let config = Config::load_str(&yaml, "embedded default")
                .map_err(|e| Error::Invalid(format!("embedded default configuration: {e}")))?;
            Ok(Loaded { config, yaml })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scrapes_the_server() {
        let addr: SocketAddr = "0.0.0.0:9090".parse().unwrap();
        let loaded = load(None, addr).unwrap();
        let job = loaded.config.job("hestia").unwrap();
        assert_eq!(job.scrape_interval.to_string(), "15s");
        assert!(loaded.yaml.contains("localhost:9090"), "{}", loaded.yaml);
        let addr: SocketAddr = "127.0.0.1:41234".parse().unwrap();
        assert!(load(None, addr).unwrap().yaml.contains("127.0.0.1:41234"));
    }

    #[test]
    fn a_bad_file_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prometheus.yml");
        std::fs::write(&path, "global:\n  scrape_interval: 15s\n  bogus: 1\n").unwrap();
        let err = load(Some(&path), "127.0.0.1:1".parse().unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("bogus"), "{err}");
        assert!(err.contains(":3"), "{err}");
    }
}
