//! `gen`: the storage workload as files, the same samples twice:
//! OpenMetrics with timestamps in seconds (for `promtool tsdb
//! create-blocks-from openmetrics` and `hestia tsdb import`) and the
//! Prometheus text format with timestamps in milliseconds (for
//! VictoriaMetrics' `/api/v1/import/prometheus`).
//!
//! OpenMetrics wants a family's lines together and each series' points in
//! time order, so the file goes family by family, then pod, then series
//! (a histogram's 13 series point by point), then time.

use std::fs::File;
use std::io::{BufWriter, Write};

use crate::workload::{catalog, push_value, Pod, FAMILIES, HIST_SERIES, SERIES_PER_POD};

/// What to generate.
pub struct GenArgs {
    pub pods: usize,
    pub pods_per_instance: usize,
    pub start: i64,
    pub steps: usize,
    pub step: i64,
    pub om: Option<String>,
    pub prom: Option<String>,
}

pub fn run(a: &GenArgs) -> std::io::Result<()> {
    let cat = catalog();
    // values[((pod * SERIES_PER_POD) + series) * steps + k]
    let mut values = vec![0f64; a.pods * SERIES_PER_POD * a.steps];
    let mut cur = [0f64; SERIES_PER_POD];
    for p in 0..a.pods {
        let mut pod = Pod::new(p as u64);
        for k in 0..a.steps {
            let t = a.start + k as i64 * a.step;
            pod.step(t as f64, a.step as f64);
            pod.values(&mut cur);
            for (s, v) in cur.iter().enumerate() {
                values[(p * SERIES_PER_POD + s) * a.steps + k] = *v;
            }
        }
    }
    // The series prefix `name{job=…,instance=…,pod=…,labels} ` per pod and series.
    let prefix = |p: usize, s: usize| -> Vec<u8> {
        let (name, labels) = &cat[s];
        let sep = if labels.is_empty() { "" } else { "," };
        format!(
            "{name}{{job=\"bench\",instance=\"host-{:03}:9100\",pod=\"pod-{p:05}\"{sep}{labels}}} ",
            p / a.pods_per_instance.max(1)
        )
        .into_bytes()
    };
    let mut outs: Vec<(BufWriter<File>, bool)> = Vec::new();
    if let Some(path) = &a.om {
        outs.push((BufWriter::with_capacity(1 << 20, File::create(path)?), true));
    }
    if let Some(path) = &a.prom {
        outs.push((
            BufWriter::with_capacity(1 << 20, File::create(path)?),
            false,
        ));
    }
    let mut samples = 0u64;
    let mut line = Vec::with_capacity(256);
    for (out, om) in outs.iter_mut() {
        let om = *om;
        samples = 0;
        for fam in FAMILIES.iter() {
            let name = if om { fam.om_name } else { fam.text_name };
            writeln!(out, "# TYPE {name} {}", fam.kind)?;
            let (start, end) = fam.range;
            // Groups of series written point by point: a histogram's 13, else 1.
            let group = if fam.kind == "histogram" {
                HIST_SERIES
            } else {
                1
            };
            for p in 0..a.pods {
                let prefixes: Vec<Vec<u8>> = (start..end).map(|s| prefix(p, s)).collect();
                for g in (start..end).step_by(group) {
                    for k in 0..a.steps {
                        let t = a.start + k as i64 * a.step;
                        for s in g..g + group {
                            line.clear();
                            line.extend_from_slice(&prefixes[s - start]);
                            push_value(&mut line, values[(p * SERIES_PER_POD + s) * a.steps + k]);
                            if om {
                                line.extend_from_slice(format!(" {t}\n").as_bytes());
                            } else {
                                line.extend_from_slice(format!(" {}\n", t * 1000).as_bytes());
                            }
                            out.write_all(&line)?;
                            samples += 1;
                        }
                    }
                }
            }
        }
        if om {
            out.write_all(b"# EOF\n")?;
        }
        out.flush()?;
    }
    println!(
        "{{\"series\": {}, \"samples\": {}, \"start_ms\": {}, \"end_ms\": {}}}",
        a.pods * SERIES_PER_POD,
        samples,
        a.start * 1000,
        (a.start + (a.steps as i64 - 1) * a.step) * 1000
    );
    Ok(())
}
