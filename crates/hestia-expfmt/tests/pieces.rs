//! `OpenMetricsParser` over an exposition cut into pieces
//! (`partial` + `continue_with`) gives the same entries, line numbers and
//! errors as over the whole. Cutting after every line is also the oracle
//! for the reuse of a repeated series head, which never crosses a piece.

use hestia_expfmt::parse::{Entry, OpenMetricsParser};
use proptest::prelude::*;

/// Lines that exercise families, `le` canonicalization, repeated heads,
/// timestamps going backwards and a few errors.
const LINES: &[&str] = &[
    "# TYPE h histogram",
    "# HELP h Latency.",
    "h_bucket{le=\"1\"} 1 1",
    "h_bucket{le=\"1\"} 2 2",
    "h_bucket{le=\"+Inf\"} 2 2",
    "h_count 2 2",
    "h_sum 1.5 2",
    "# TYPE c counter",
    "c_total{a=\"x\"} 1 1.5",
    "c_total{a=\"x\"} 2 1.25",
    "c_total{a=\"x\"} NaN 3",
    "c_total{a=\"x\\\"y\"} 1 4 # {t=\"1\"} 1",
    "c_total{a=\"x\"}  1 1",
    "c_total{a=\"x\"} 1",
    "g 1 1",
    "g 1 1",
    "g{b=\"1\",b=\"2\"} 1 1",
    "# TYPE s summary",
    "s{quantile=\"0.50\"} 1 1",
    "s{quantile=\"0.50\"} 1 2",
    "# EOF",
    "",
    "x y z",
];

/// Every entry as text with the line it was read on, then the error.
fn parse_whole(input: &[u8], strict: bool) -> Vec<String> {
    let mut p = if strict {
        OpenMetricsParser::new(input)
    } else {
        OpenMetricsParser::lenient(input)
    };
    let mut out = Vec::new();
    while let Some(e) = p.next() {
        out.push(describe(e, p.line()));
    }
    out
}

/// The same, over `input` cut after the newlines at `cuts`.
fn parse_pieces(input: &[u8], strict: bool, cuts: &[usize]) -> Vec<String> {
    let mut bounds: Vec<usize> = cuts.to_vec();
    bounds.push(input.len());
    let mut p = if strict {
        OpenMetricsParser::new(&input[..bounds[0]])
    } else {
        OpenMetricsParser::lenient(&input[..bounds[0]])
    };
    let mut out = Vec::new();
    for k in 0..bounds.len() {
        if k > 0 {
            p = p.continue_with(&input[bounds[k - 1]..bounds[k]]);
        }
        if k + 1 < bounds.len() {
            p = p.partial();
        }
        while let Some(e) = p.next() {
            let failed = e.is_err();
            out.push(describe(e, p.line()));
            if failed {
                return out;
            }
        }
    }
    out
}

fn describe(e: Result<Entry<'_>, hestia_expfmt::ParseError>, line: u32) -> String {
    match e {
        Ok(Entry::Series(s)) => format!(
            "{line}: {}{:?} {} {:?} {:?}",
            s.name,
            s.labels.to_pairs(),
            s.value.to_bits(),
            s.timestamp,
            s.exemplar
                .map(|x| (x.labels.to_pairs(), x.value, x.timestamp))
        ),
        Ok(e) => format!("{line}: {e:?}"),
        Err(e) => format!("error: {e}"),
    }
}

proptest! {
    #[test]
    fn pieces_parse_as_the_whole(
        picks in proptest::collection::vec(0..LINES.len(), 0..30),
        eof in any::<bool>(),
        cut_seed in proptest::collection::vec(any::<bool>(), 0..32),
        strict in any::<bool>(),
    ) {
        let mut text = String::new();
        for &i in &picks {
            text.push_str(LINES[i]);
            text.push('\n');
        }
        if eof {
            text.push_str("# EOF\n");
        }
        let input = text.as_bytes();
        let newlines: Vec<usize> = (0..input.len()).filter(|&i| input[i] == b'\n').map(|i| i + 1).collect();
        let whole = parse_whole(input, strict);
        // After every line: no head is ever reused.
        prop_assert_eq!(&parse_pieces(input, strict, &newlines), &whole, "{}", text);
        let some: Vec<usize> = newlines
            .iter()
            .zip(cut_seed.iter().cycle())
            .filter(|(_, &c)| c)
            .map(|(&i, _)| i)
            .collect();
        prop_assert_eq!(&parse_pieces(input, strict, &some), &whole, "{}", text);
    }
}

#[test]
fn data_after_eof_in_a_later_piece() {
    let p = OpenMetricsParser::lenient(b"a 1 1\n# EOF\n").partial();
    let mut p = {
        let mut p = p;
        assert!(p.by_ref().all(|e| e.is_ok()));
        p.continue_with(b"b 1 1\n")
    };
    let err = p.next().unwrap().unwrap_err();
    assert_eq!(err.to_string(), "line 3, column 1: data after `# EOF`");
    let mut p = OpenMetricsParser::lenient(b"# EOF\n").partial();
    assert!(p.next().is_none());
    let mut p = p.continue_with(b"");
    assert!(matches!(p.next(), Some(Ok(Entry::Eof))));
    assert!(p.next().is_none());
}
