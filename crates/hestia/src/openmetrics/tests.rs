//! Table tests and properties of the backfill sample reader.

use super::*;
use hestia_model::labels;
use hestia_model::METRIC_NAME;
use proptest::prelude::*;

fn read_all(input: &str) -> Result<Vec<(Labels, i64, u64)>, Error> {
    read_pieces(input.as_bytes(), DEFAULT_PIECE)
}

/// Reads `input` in pieces of `piece` bytes.
fn read_pieces(input: &[u8], piece: usize) -> Result<Vec<(Labels, i64, u64)>, Error> {
    let got = read_with(input, piece, 1)?;
    Ok(got.into_iter().map(|(l, t, v, ..)| (l, t, v)).collect())
}

/// A sample as read: labels, timestamp, value bits, line and family.
type Got = (Labels, i64, u64, u64, u32);

/// Reads `input` in pieces of `piece` bytes with `threads` parsing
/// threads; also checks that the ids count up in order of appearance and
/// that the bytes reported count up to the whole input.
fn read_with(input: &[u8], piece: usize, threads: usize) -> Result<Vec<Got>, Error> {
    let mut r = SampleReader::with_piece_size(input, piece).with_threads(threads);
    let mut out: Vec<(u32, i64, u64, u64, u32)> = Vec::new();
    let mut bytes = 0;
    let mut series = 0;
    r.for_each(|e, b| {
        assert!(e.series <= series, "ids count up in order of appearance");
        series = series.max(e.series + 1);
        assert!(b >= bytes && b <= input.len() as u64);
        bytes = b;
        out.push((e.series, e.t, e.v.to_bits(), e.line, e.family));
        Ok(())
    })?;
    assert_eq!(r.bytes_read(), input.len() as u64);
    Ok(out
        .into_iter()
        .map(|(id, t, v, line, family)| (r.labels()[id as usize].clone(), t, v, line, family))
        .collect())
}

/// An input and the samples it holds.
type Case<'a> = (&'a str, &'a [(Labels, i64, f64)]);

#[test]
fn accepts() {
    let table: &[Case<'_>] = &[
        ("# EOF\n", &[]),
        ("# EOF", &[]),
        (
            "up 1 1700000000\n# EOF\n",
            &[(labels! {"__name__" => "up"}, 1_700_000_000_000, 1.0)],
        ),
        (
            "# HELP up_seconds Up.\n# TYPE up_seconds gauge\n# UNIT up_seconds seconds\nup_seconds{job=\"a\"} 0 1.5\n# EOF\n",
            &[(labels! {"__name__" => "up_seconds", "job" => "a"}, 1_500, 0.0)],
        ),
        (
            "m{a=\"x\\\\y\\\"z\\n\",b=\"\"} -2.5e3 1.2345\n# EOF\n",
            &[(
                labels! {"__name__" => "m", "a" => "x\\y\"z\n"},
                1_234,
                -2500.0,
            )],
        ),
        (
            "a:b_c{} +Inf -1.0019\n# EOF\n",
            &[(labels! {"__name__" => "a:b_c"}, -1_001, f64::INFINITY)],
        ),
        (
            "m 1 1e3\n# EOF\n",
            &[(labels! {"__name__" => "m"}, 1_000_000, 1.0)],
        ),
        (
            "m 1 .5\n# EOF\n",
            &[(labels! {"__name__" => "m"}, 500, 1.0)],
        ),
        (
            "m 1 5.\n# EOF\n",
            &[(labels! {"__name__" => "m"}, 5_000, 1.0)],
        ),
        (
            "c_total 3 10 # {trace_id=\"x\"} 1 9.5\n# EOF\n",
            &[(labels! {"__name__" => "c_total"}, 10_000, 3.0)],
        ),
        (
            "c_total 3 10 # {} 1\n# EOF\n",
            &[(labels! {"__name__" => "c_total"}, 10_000, 3.0)],
        ),
        (
            "m{a=\"}\"} 1 1\n# EOF\n",
            &[(labels! {"__name__" => "m", "a" => "}"}, 1_000, 1.0)],
        ),
        (
            "m{a=\"é\"} 1 1\n# EOF\n",
            &[(labels! {"__name__" => "m", "a" => "é"}, 1_000, 1.0)],
        ),
    ];
    for (input, want) in table {
        let got = read_all(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        let want: Vec<_> = want
            .iter()
            .map(|(l, t, v)| (l.clone(), *t, v.to_bits()))
            .collect();
        assert_eq!(got, want, "{input:?}");
    }
}

#[test]
fn refuses() {
    let table: &[(&str, u64, usize, &str)] = &[
        ("", 1, 1, "`# EOF`"),
        ("up 1 1\n", 2, 1, "`# EOF`"),
        ("up 1 1", 1, 7, "`# EOF`"),
        ("\n# EOF\n", 1, 1, "blank lines"),
        ("up 1\n# EOF\n", 1, 1, "has no timestamp"),
        ("up  1 1\n# EOF\n", 1, 4, "value"),
        ("up x 1\n# EOF\n", 1, 4, "value"),
        ("up 1 x\n# EOF\n", 1, 6, "timestamp"),
        ("up 1 NaN\n# EOF\n", 1, 6, "timestamp"),
        ("up 1 1 \n# EOF\n", 1, 7, "end of the line"),
        ("up 1 1 2\n# EOF\n", 1, 7, "end of the line"),
        ("1up 1 1\n# EOF\n", 1, 1, "metric name"),
        ("up{a=\"b\" 1 1\n# EOF\n", 1, 9, "','"),
        ("up{a=\"b\",} 1 1\n# EOF\n", 1, 10, "label name"),
        ("up{a=b} 1 1\n# EOF\n", 1, 6, "quoted label value"),
        ("up{a=\"b\",a=\"c\"} 1 1\n# EOF\n", 1, 10, "a"),
        ("up{__name__=\"x\"} 1 1\n# EOF\n", 1, 4, "__name__"),
        ("up{a=\"b\"}x 1 1\n# EOF\n", 1, 10, "space"),
        ("up 1 1 # {a=\"b\"}\n# EOF\n", 1, 17, "exemplar value"),
        ("# EOF\nup 1 1\n", 2, 1, "data after `# EOF`"),
        ("# EOF\n\n", 2, 1, "data after `# EOF`"),
        ("# EOFx\n", 1, 1, "# EOF"),
        ("up 1 1\nup 2 0.5\n# EOF\n", 2, 1, "at 500 ms is not after"),
        ("up 1 1\nup 2 1\n# EOF\n", 2, 1, "at 1000 ms is not after"),
        (
            "a 1 1\nb 1 1\nb 1 2\na 1 0.5\n# EOF\n",
            4,
            1,
            "sample of {__name__=\"a\"} at 500 ms is not after the series' previous one at 1000 ms",
        ),
    ];
    for (input, line, column, message) in table {
        for (piece, threads) in [(DEFAULT_PIECE, 1), (1, 1), (5, 1), (1, 2), (5, 3), (9, 2)] {
            match read_with(input.as_bytes(), piece, threads) {
                Err(Error::Parse(e)) => {
                    assert_eq!((e.line, e.column), (*line, *column), "{input:?}: {e}");
                    assert!(e.message.contains(message), "{input:?}: {e}");
                }
                other => panic!("{input:?}, {piece}, {threads}: expected an error, got {other:?}"),
            }
        }
    }
}

#[test]
fn refuses_invalid_utf8() {
    match read_pieces(&b"up{a=\"\xff\"} 1 1\n# EOF\n"[..], DEFAULT_PIECE) {
        Err(Error::Parse(e)) => assert_eq!(e.line, 1, "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn timestamps_convert_as_prometheus_does() {
    let table: &[(&str, i64)] = &[
        ("0", 0),
        ("1", 1000),
        // Seconds times 1000 in floating point, truncated: 1.001 × 1000
        // is 1000.9999999999999 (promtool imports 1000 too).
        ("1.001", 1000),
        ("1.0019", 1001),
        ("-1.0019", -1001),
        ("1700000000.123", 1_700_000_000_123),
        ("1.7e9", 1_700_000_000_000),
        ("-0.5", -500),
    ];
    for (ts, want) in table {
        let got = read_all(&format!("m 1 {ts}\n# EOF\n")).unwrap();
        assert_eq!(got[0].1, *want, "{ts:?}");
    }
}

#[test]
fn interns_series_by_text_and_labels() {
    let input = "# TYPE h histogram\nh_bucket{le=\"1\"} 1 1\nh_bucket{le=\"1.0\"} 1 2\nh_bucket{le=\"+Inf\"} 1 1\n\
                 # TYPE a gauge\na{x=\"1\",y=\"2\"} 1 1\nb 2 1\na{y=\"2\",x=\"1\"} 3 2\na{x=\"1\",y=\"2\"} 3 3\n# EOF\n";
    let mut r = SampleReader::new(input.as_bytes());
    let mut ids = Vec::new();
    r.for_each(|e, _| {
        ids.push((e.series, e.line));
        Ok(())
    })
    .unwrap();
    assert_eq!(
        ids,
        [(0, 2), (0, 3), (1, 4), (2, 6), (3, 7), (2, 8), (2, 9)]
    );
    assert_eq!(r.labels()[0].get("le"), Some("1.0"));
    assert_eq!(r.labels().len(), 4);
    assert_eq!(r.bytes_read(), input.len() as u64);
}

fn label_value() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-z\"\\\\\n é}{,=]{0,6}").unwrap()
}

/// Lines for inputs that read the same whatever the pieces.
const LINES: &[&str] = &[
    "# TYPE h histogram",
    "h_bucket{le=\"1\"} 1 1",
    "h_bucket{le=\"1\"} 2 2",
    "h_bucket{le=\"+Inf\"} 2 2",
    "h_count 2 2",
    "# TYPE c counter",
    "c_total{a=\"x\"} 1 1.5",
    "c_total{a=\"x\"} 2 1.75",
    "c_total{a=\"x\\\"y\"} NaN 4 # {t=\"1\"} 1",
    "g 1 1",
    "g -Inf 3",
    "g{a=\"\"} 1 4",
    "g 1",
    "x y z",
    "# HELP h Help.",
    "# TYPE s summary",
    "s{quantile=\"1\"} 1 1",
    "s_count 1 1",
    "# EOF",
];

proptest! {
    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = read_all(&String::from_utf8_lossy(&bytes));
        let _ = read_pieces(&bytes, 3);
    }

    #[test]
    fn never_panics_on_near_misses(s in "([a-z_:{}=\",# .\\\\0-9\n-]|EOF|NaN|Inf){0,40}") {
        let _ = read_all(&s);
    }

    #[test]
    fn pieces_read_as_the_whole(
        picks in proptest::collection::vec(0..LINES.len(), 0..20),
        eof in any::<bool>(),
        piece in 1usize..40,
        threads in 1usize..4,
    ) {
        let mut text = String::new();
        for &i in &picks {
            text.push_str(LINES[i]);
            text.push('\n');
        }
        if eof {
            text.push_str("# EOF\n");
        }
        let whole = format!("{:?}", read_with(text.as_bytes(), DEFAULT_PIECE, 1));
        let pieces = format!("{:?}", read_with(text.as_bytes(), piece, threads));
        prop_assert_eq!(whole, pieces, "{}", text);
    }

    #[test]
    fn reads_what_is_written(
        name in "[a-zA-Z_:][a-zA-Z0-9_:]{0,8}",
        pairs in proptest::collection::btree_map("[a-z][a-z0-9_]{0,5}", label_value(), 0..4),
        v in any::<f64>(),
        t in -10_000_000_000_000i64..10_000_000_000_000,
    ) {
        let escaped: Vec<String> = pairs
            .iter()
            .map(|(n, v)| {
                let v = v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
                format!("{n}=\"{v}\"")
            })
            .collect();
        let secs = format!("{}{}.{:03}", if t < 0 { "-" } else { "" }, t.unsigned_abs() / 1000, t.unsigned_abs() % 1000);
        let line = format!("{name}{{{}}} {v:?} {secs}\n# EOF\n", escaped.join(","));
        let got = read_all(&line).unwrap();
        let mut all: Vec<(String, String)> = pairs.into_iter().collect();
        all.push((METRIC_NAME.into(), name));
        let want = Labels::new(all).unwrap();
        // Prometheus' conversion: seconds times 1000, truncated.
        let want_t = (secs.parse::<f64>().unwrap() * 1000.0) as i64;
        prop_assert_eq!(got.len(), 1);
        prop_assert_eq!(&got[0].0, &want);
        prop_assert_eq!(got[0].1, want_t);
        prop_assert!((got[0].1 - t).abs() <= 1);
        if !v.is_nan() {
            prop_assert_eq!(got[0].2, v.to_bits());
        }
    }
}

/// Every kind of line: metadata of each kind, histogram and summary
/// samples whose `le`/`quantile` are made canonical, samples that start a
/// family of their own without metadata (after which the same `le` and
/// `quantile` are not made canonical), exemplars, `# EOF`.
const SPLIT: &str = "# HELP h_seconds Latency.\n# TYPE h_seconds histogram\n# UNIT h_seconds seconds\n\
h_seconds_bucket{le=\"1\"} 1 1\nh_seconds_bucket{le=\"+Inf\"} 2 1\nh_seconds_count 2 1\nh_seconds_sum 3 1\n\
h_seconds_bucket{le=\"1\"} 2 2\nh_seconds_bucket{le=\"+Inf\"} 3 2\nh_seconds_count 3 2\nh_seconds_sum 4 2\n\
# TYPE s summary\ns{quantile=\"1\"} 1 1\ns_count 1 1\ns{quantile=\"1\"} 2 2\n\
u 1 1\nu 2 2\ns{quantile=\"1\"} 3 3\nh_seconds_bucket{le=\"1\"} 9 9\n\
# TYPE c counter\n# HELP c Counts.\nc_total 1 1 # {id=\"x\"} 1\nc_total 2 2\nc_created 1 1\n\
g_total 1 1\ng_total 2 2\n# HELP c Again.\nc_total 3 3\n# EOF\n";

/// Whatever the pieces (down to one line each, so that a piece starts at
/// every kind of line) and the parsing threads, the samples, their lines,
/// families and series, and the errors are those of one whole reading.
fn assert_reads_as_whole(text: &str, pieces: impl IntoIterator<Item = usize>) {
    let whole = format!("{:?}", read_with(text.as_bytes(), DEFAULT_PIECE, 1));
    for piece in pieces {
        for threads in [1, 2, 3] {
            let got = format!("{:?}", read_with(text.as_bytes(), piece, threads));
            assert_eq!(got, whole, "{piece} bytes, {threads} threads: {text:?}");
        }
    }
}

#[test]
fn pieces_split_anywhere_read_as_the_whole() {
    let got = read_all(SPLIT).unwrap();
    // `le` and `quantile` canonical in their families only.
    let le: Vec<_> = got.iter().filter_map(|(l, ..)| l.get("le")).collect();
    assert_eq!(le, ["1.0", "+Inf", "1.0", "+Inf", "1"]);
    let q: Vec<_> = got.iter().filter_map(|(l, ..)| l.get("quantile")).collect();
    assert_eq!(q, ["1.0", "1.0", "1"]);
    let families: Vec<u32> = read_with(SPLIT.as_bytes(), 1, 2)
        .unwrap()
        .iter()
        .map(|r| r.4)
        .collect();
    assert_eq!(families.first(), Some(&1));
    assert_eq!(families.last(), Some(&3));
    assert_reads_as_whole(SPLIT, 1..=SPLIT.len());
}

#[test]
fn errors_after_a_split_name_their_line() {
    let lines: Vec<&str> = SPLIT.lines().collect();
    let bad = [
        "x y z",
        "u 1",
        "u 0 0",
        "# TYPE h_seconds gauge",
        "",
        "# EOF",
        "# UNIT u seconds",
    ];
    for k in 0..lines.len() {
        for b in bad {
            let mut text = lines[..k].join("\n");
            if k > 0 {
                text.push('\n');
            }
            text.push_str(b);
            text.push('\n');
            text.push_str(&lines[k..].join("\n"));
            text.push('\n');
            assert_reads_as_whole(&text, [1, 7, 40]);
        }
    }
    // The line is the one in the whole input.
    let text = SPLIT.replace("c_total 2 2\n", "c_total 2\n");
    let line = text.lines().position(|l| l == "c_total 2").unwrap() as u64 + 1;
    match read_with(text.as_bytes(), 7, 2) {
        Err(Error::Parse(e)) => assert_eq!((e.line, e.column), (line, 1), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn tiny_and_empty_inputs_read_as_the_whole() {
    for text in [
        "",
        "\n",
        "# EOF",
        "# EOF\n",
        "# EOF\n# EOF\n",
        "a 1 1",
        "a 1 1\n",
        "a 1 1\n# EOF",
        "# TYPE a gauge\n",
        "# TYPE a gauge\n# EOF\n",
        "a 1 1\n# EOF\na 2 2\n",
        "\u{e9} 1 1\n# EOF\n",
    ] {
        assert_reads_as_whole(text, 1..=text.len() + 1);
    }
}

#[test]
fn guesses_the_state_after_a_piece() {
    let table: &[(&str, &str)] = &[
        ("", ""),
        ("# TYPE h histogram\n", "# TYPE h histogram\n"),
        (
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1 1\n",
            "# TYPE h histogram\n",
        ),
        ("# TYPE h histogram\n# HELP g x\n", "# TYPE g unknown\n"),
        ("# TYPE h histogram\ng 1 1\n", "# TYPE g unknown\n"),
        (
            "# TYPE c counter\nc_total{a=\"b\"} 1 1\n",
            "# TYPE c counter\n",
        ),
        ("c_total 1 1 # {a=\"#\"} 1\n", "# TYPE c_total unknown\n"),
        ("a 1 1\n# EOF\n", "# EOF\n"),
    ];
    for (piece, want) in table {
        let mut state = State::default();
        state.guess_after(piece.as_bytes());
        assert_eq!(state.prefix(), *want, "{piece:?}");
    }
}
