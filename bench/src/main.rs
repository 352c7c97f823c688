//! `hestia-loadgen`: the data side of `bench/run`.
//!
//! ```text
//! hestia-loadgen gen   [--pods 100] [--pods-per-instance 10] [--start 1704067200]
//!                      [--steps 720] [--step 10] [--om FILE] [--prom FILE]
//! hestia-loadgen serve [--targets 10] [--pods-per-target 100] [--port 19000] [--interval 5]
//! ```

mod gen;
mod serve;
mod workload;

use std::collections::HashMap;
use std::process::ExitCode;

fn flags(args: &[String]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let key = a
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument {a}"))?;
        let val = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
        out.insert(key.to_string(), val.clone());
    }
    Ok(out)
}

fn get<T: std::str::FromStr>(f: &HashMap<String, String>, k: &str, d: T) -> Result<T, String> {
    match f.get(k) {
        None => Ok(d),
        Some(v) => v.parse().map_err(|_| format!("--{k}: bad value {v}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let res = (|| -> Result<(), String> {
        let cmd = args
            .first()
            .ok_or("usage: hestia-loadgen gen|serve [flags]")?;
        let f = flags(&args[1..])?;
        match cmd.as_str() {
            "gen" => gen::run(&gen::GenArgs {
                pods: get(&f, "pods", 100)?,
                pods_per_instance: get(&f, "pods-per-instance", 10)?,
                start: get(&f, "start", 1_704_067_200)?,
                steps: get(&f, "steps", 720)?,
                step: get(&f, "step", 10)?,
                om: f.get("om").cloned(),
                prom: f.get("prom").cloned(),
            })
            .map_err(|e| e.to_string()),
            "serve" => serve::run(&serve::ServeArgs {
                targets: get(&f, "targets", 10)?,
                pods_per_target: get(&f, "pods-per-target", 100)?,
                port: get(&f, "port", 19000)?,
                interval: get(&f, "interval", 5.0)?,
            })
            .map_err(|e| e.to_string()),
            _ => Err(format!("unknown command {cmd}")),
        }
    })();
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hestia-loadgen: {e}");
            ExitCode::from(2)
        }
    }
}
