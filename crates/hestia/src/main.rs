//! The `hestia` command. It parses flags, calls the `hestia` library and
//! reports errors; it is the only place that knows flags and signals.
//!
//! ```text
//! hestia server [--config.file prometheus.yml] [--storage.tsdb.path data/] [--web.listen-address localhost:9090] …
//! hestia query instant <url> <expr> [--time <t>]
//! hestia query range <url> <expr> --start <t> --end <t> [--step 15s]
//! hestia tsdb import <file> [--output-dir data/] [--block-duration 2h] [--progress]
//! hestia tsdb analyze <dir> [--limit 20] [--match <selector>]...
//! hestia tsdb dump <dir> [--match <selector>]... [--min-time <ms>] [--max-time <ms>]
//! hestia check config <file>...
//! hestia check rules <file>...
//! hestia test rules <file>... [--run <regex>]...
//! ```
//!
//! The checks exit with 1 when any file fails, as promtool does.

use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use hestia::analyze::{analyze, AnalyzeOptions};
use hestia::dump::{dump, DumpOptions};
use hestia::duration::{format_duration, parse_duration};
use hestia::import::{import, ImportOptions, Progress};
use hestia::progress::{count, ProgressBar};
use hestia::promtool;
use hestia::selector::parse_selector;
use hestia::view::DbView;
use hestia_config::rules::RuleLoadOptions;
use hestia_rules::unittest::RunOptions;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod malloc;
mod server_cli;

/// Hestia, a Prometheus-compatible metrics system.
#[derive(Debug, Parser)]
#[command(name = "hestia", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: scrape, store, evaluate rules, serve the API.
    Server(server_cli::ServerArgs),
    /// Ask a server's API and print the result as a table.
    #[command(subcommand)]
    Query(server_cli::Query),
    /// Work with a TSDB directory.
    #[command(subcommand)]
    Tsdb(Tsdb),
    /// Check configuration and rule files (as `promtool check`).
    #[command(subcommand)]
    Check(Check),
    /// Run unit tests (as `promtool test`).
    #[command(subcommand)]
    Test(Test),
}

#[derive(Debug, Subcommand)]
enum Check {
    /// Check `prometheus.yml` files: their syntax, the files they name and
    /// file discovery's target files.
    Config {
        /// The configuration files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check rule files: syntax, PromQL expressions and templates.
    Rules {
        /// The rule files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Ignore unknown fields in the rule files.
        #[arg(long)]
        ignore_unknown_fields: bool,
    },
}

#[derive(Debug, Subcommand)]
enum Test {
    /// Run promtool unit-test files for rules.
    Rules {
        /// The unit-test files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only test groups whose name matches (repeatable: any matches).
        #[arg(long, value_name = "REGEX")]
        run: Vec<String>,
        /// Ignore unknown fields in the rule files.
        #[arg(long)]
        ignore_unknown_fields: bool,
    },
}

#[derive(Debug, Subcommand)]
enum Tsdb {
    /// Backfill blocks from an OpenMetrics text file (every sample with a
    /// timestamp, ending with `# EOF`).
    Import(ImportArgs),
    /// Print series, label and cardinality statistics of a database.
    Analyze(AnalyzeArgs),
    /// Print the samples of the selected series as `labels value timestamp`
    /// lines (the staleness marker as `stale`).
    Dump(DumpArgs),
    /// Test helper: commit batches into a database forever, printing each
    /// committed batch id (for the crash test).
    #[command(name = "__crash-writer", hide = true)]
    CrashWriter {
        /// The database directory.
        dir: PathBuf,
        /// The seed batches are generated from.
        seed: u64,
    },
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The OpenMetrics file (`-` for standard input).
    file: PathBuf,
    /// Where to write the blocks (a database directory).
    #[arg(long, default_value = "data/")]
    output_dir: PathBuf,
    /// The duration of the blocks written, aligned to multiples of it.
    #[arg(long, default_value = "2h", value_parser = duration)]
    block_duration: i64,
    /// As promtool: the longest block; blocks are then the longest of
    /// 2h × 3^k that fits (instead of `--block-duration`).
    #[arg(long, value_parser = duration, conflicts_with = "block_duration")]
    max_block_duration: Option<i64>,
    /// Draw a progress bar on stderr even when it is not a terminal.
    #[arg(long)]
    progress: bool,
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    /// The database directory.
    dir: PathBuf,
    /// Lines per ranked list.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Only series matching this selector (repeatable: any matches).
    #[arg(long = "match", value_name = "SELECTOR")]
    matches: Vec<String>,
}

#[derive(Debug, Args)]
struct DumpArgs {
    /// The database directory.
    dir: PathBuf,
    /// Only series matching this selector (repeatable: any matches;
    /// default every series).
    #[arg(long = "match", value_name = "SELECTOR")]
    matches: Vec<String>,
    /// First timestamp, milliseconds since the epoch (inclusive).
    #[arg(long, default_value_t = i64::MIN, allow_negative_numbers = true)]
    min_time: i64,
    /// Last timestamp, milliseconds since the epoch (inclusive).
    #[arg(long, default_value_t = i64::MAX, allow_negative_numbers = true)]
    max_time: i64,
}

fn duration(s: &str) -> Result<i64, String> {
    match parse_duration(s) {
        Ok(ms) if ms > 0 => Ok(ms),
        Ok(_) => Err("must be positive".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Server(args) => server_cli::run(args).map(|()| true),
        Command::Query(q) => server_cli::query(q).map(|()| true),
        Command::Tsdb(cmd) => run_tsdb(cmd).map(|()| true),
        Command::Check(cmd) => run_check(cmd),
        Command::Test(cmd) => run_test(cmd),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hestia: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Output cut short by the reader (`hestia tsdb dump … | head`) is not
/// an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs a check over every file, all of them even after a failure;
/// whether all passed.
fn each_file(
    files: &[PathBuf],
    mut f: impl FnMut(&std::path::Path, &mut dyn Write) -> std::io::Result<bool>,
) -> Result<bool> {
    let mut out = std::io::stdout().lock();
    let mut ok = true;
    for file in files {
        ok &= f(file, &mut out)?;
    }
    out.flush()?;
    Ok(ok)
}

fn run_check(cmd: Check) -> Result<bool> {
    match cmd {
        Check::Config { files } => each_file(&files, promtool::check_config),
        Check::Rules {
            files,
            ignore_unknown_fields,
        } => {
            let options = RuleLoadOptions {
                ignore_unknown_fields,
                ..RuleLoadOptions::default()
            };
            each_file(&files, |f, out| promtool::check_rules(f, &options, out))
        }
    }
}

fn run_test(cmd: Test) -> Result<bool> {
    let Test::Rules {
        files,
        run,
        ignore_unknown_fields,
    } = cmd;
    let run = if run.is_empty() {
        None
    } else {
        let joined = run.join("|");
        Some(regex::Regex::new(&joined).with_context(|| format!("--run {joined:?}"))?)
    };
    let options = RunOptions {
        run,
        ignore_unknown_fields,
    };
    each_file(&files, |f, out| promtool::test_rules(f, &options, out))
}

fn run_tsdb(cmd: Tsdb) -> Result<()> {
    match cmd {
        Tsdb::Import(args) => run_import(args),
        Tsdb::Analyze(args) => {
            let view = open_view(&args.dir)?;
            let opts = AnalyzeOptions {
                limit: args.limit,
                selectors: selectors(&args.matches)?,
            };
            let mut out = BufWriter::new(std::io::stdout().lock());
            analyze(&view, &opts, &mut out)?;
            Ok(())
        }
        Tsdb::Dump(args) => {
            let view = open_view(&args.dir)?;
            let opts = DumpOptions {
                selectors: selectors(&args.matches)?,
                min_t: args.min_time,
                max_t: args.max_time,
            };
            let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let stats = dump(&view, &opts, &mut out)?;
            for w in &stats.warnings {
                eprintln!("hestia: warning: {w}");
            }
            Ok(())
        }
        Tsdb::CrashWriter { dir, seed } => {
            let mut out = std::io::stdout().lock();
            hestia::crash::run_writer(&dir, seed, &mut out)?;
            Ok(())
        }
    }
}

fn selectors(matches: &[String]) -> Result<Vec<Vec<hestia_model::Matcher>>> {
    Ok(matches
        .iter()
        .map(|m| parse_selector(m))
        .collect::<Result<_, _>>()?)
}

fn open_view(dir: &std::path::Path) -> Result<DbView> {
    let view = DbView::open(dir)?;
    for f in view.failed_blocks() {
        eprintln!("hestia: warning: block not readable, left out: {f}");
    }
    let repair = &view.head_report().repair;
    if !repair.is_clean() {
        eprintln!(
            "hestia: warning: the WAL is damaged, reading what precedes the damage: {repair:?}"
        );
    }
    Ok(view)
}

fn run_import(args: ImportArgs) -> Result<()> {
    let (input, total): (Box<dyn Read>, u64) = if args.file.as_os_str() == "-" {
        (Box::new(std::io::stdin().lock()), 0)
    } else {
        let f =
            File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        (Box::new(f), len)
    };
    let input = BufReader::with_capacity(1 << 20, input);
    let opts = ImportOptions {
        block_duration: args.max_block_duration.map_or(
            args.block_duration,
            hestia::import::compatible_block_duration,
        ),
        ..ImportOptions::default()
    };
    let mut bar = (args.progress || std::io::stderr().is_terminal())
        .then(|| ProgressBar::new(std::io::stderr(), total));
    let started = Instant::now();
    let report = import(input, &args.output_dir, &opts, &mut |p| {
        if let Some(bar) = bar.as_mut() {
            match p {
                Progress::Reading { bytes, samples } => bar.update(bytes, samples),
                Progress::Writing { block, blocks } => {
                    bar.message(&format!("writing block {block} of {blocks}"))
                }
            }
        }
    })
    .with_context(|| format!("importing {}", args.file.display()))?;
    if let Some(bar) = bar.as_mut() {
        bar.finish();
    }
    let secs = started.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<26}  {:>13}  {:>13}  {:>14}  {:>10}  {:>8}  {:>8}",
        "BLOCK", "MIN TIME", "MAX TIME", "DURATION", "SAMPLES", "CHUNKS", "SERIES"
    )?;
    for m in &report.blocks {
        writeln!(
            out,
            "{:<26}  {:>13}  {:>13}  {:>14}  {:>10}  {:>8}  {:>8}",
            m.id.to_string(),
            m.min_t,
            m.max_t,
            format_duration(m.max_t - m.min_t),
            m.stats.samples,
            m.stats.chunks,
            m.stats.series
        )?;
    }
    writeln!(
        out,
        "imported {} samples of {} series ({:.1} MiB) into {} blocks in {:.2} s: {} samples/s",
        report.samples,
        report.series,
        report.bytes as f64 / (1024.0 * 1024.0),
        report.blocks.len(),
        secs,
        count(report.samples as f64 / secs.max(1e-9)),
    )?;
    Ok(())
}
