//! Tests of `text.rs`.

use super::*;

fn parse(input: &str) -> Result<Vec<String>, ParseError> {
    TextParser::new(input.as_bytes())
        .map(|e| e.map(|e| describe(&e)))
        .collect()
}

pub(crate) fn describe(e: &Entry<'_>) -> String {
    match e {
        Entry::Help { family, help } => format!("help {family} {help:?}"),
        Entry::Type { family, kind } => format!("type {family} {kind:?}"),
        Entry::Unit { family, unit } => format!("unit {family} {unit}"),
        Entry::Comment(c) => format!("comment {c}"),
        Entry::Eof => "eof".to_string(),
        Entry::Series(s) => {
            let labels: Vec<String> = s
                .labels
                .iter()
                .map(|l| format!("{}={:?}", l.name, l.value))
                .collect();
            let mut out = format!("{}{{{}}} {}", s.name, labels.join(","), s.value);
            if let Some(ts) = s.timestamp {
                out.push_str(&format!(" @{ts}"));
            }
            out
        }
    }
}

#[test]
fn accepts_what_prometheus_accepts() {
    let input = "# HELP go_gc A summary.\n# \tTYPE go_gc summary\n\
        go_gc{quantile=\"0\"} 4.9351e-05\n\
        go_gc{ quantile=\"0.25\", a=\"b\" , } 7\n\
        go_gc { quantile = \"1\" } 8\n\
        \n   \n\
        # Hrandom comment\n#\n\
        # HELP nohelp1\n\
        # HELP h2 esc \\\\ \\n \\\" \\x\n\
        some:rate5m{a_b=\"c\"}\t1\n\
        go_goroutines 33  \t123123\n\
        {\"my.metric\", \"a.b\"=\"x\"} 2\n\
        m{a=\"abc\0\"} NaN\n\
        last -Inf";
    assert_eq!(
        parse(input).unwrap(),
        [
            "help go_gc \"A summary.\"",
            "type go_gc Summary",
            "go_gc{quantile=\"0.0\"} 0.000049351",
            "go_gc{quantile=\"0.25\",a=\"b\"} 7",
            "go_gc{quantile=\"1.0\"} 8",
            "comment # Hrandom comment",
            "comment #",
            "help nohelp1 \"\"",
            "help h2 \"esc \\\\ \\n \\\\\\\" \\\\x\"",
            "some:rate5m{a_b=\"c\"} 1",
            "go_goroutines{} 33 @123123",
            "my.metric{a.b=\"x\"} 2",
            "m{a=\"abc\\0\"} NaN",
            "last{} -inf",
            "eof",
        ]
    );
}

#[test]
fn rejects_with_positions() {
    for (input, line, column) in [
        ("a", 1, 2),
        ("a{b='c'} 1\n", 1, 5),
        ("ok 1\na{b=\n", 2, 5),
        ("a true\n", 1, 3),
        ("x{problem=\"", 1, 11),
        ("empty{=\"\"} 0", 1, 7),
        ("foo 1_2\n", 1, 5),
        ("foo 0x1p-3\n", 1, 5),
        ("foo 0 1_2\n", 1, 7),
        ("foo 0 1 2\n", 1, 9),
        ("# TYPE foo gaugehistogram\n", 1, 12),
        ("# TYPE foo\n", 0, 0),
        ("a{b=\"1\",b=\"2\"} 1", 1, 9),
        ("a\0{b=\"ddd\"} 1", 1, 2),
    ] {
        let err = parse(input).unwrap_err();
        match (err.clone(), line) {
            (_, 0) => {}
            (
                ParseError::Syntax { at, .. }
                | ParseError::InvalidNumber { at, .. }
                | ParseError::UnknownType { at, .. }
                | ParseError::DuplicateLabel { at, .. },
                _,
            ) => assert_eq!(at, Location::Text { line, column }, "{input:?}: {err}"),
            _ => panic!("{input:?}: {err}"),
        }
    }
}

#[test]
fn canonical_forms_past_the_memo() {
    // More distinct bounds than the memo keeps, each seen twice, and a
    // summary's quantile with the same text as a bucket bound.
    let mut input = String::from("# TYPE h histogram\n");
    for round in 0..2 {
        for b in 0..MEMO_SIZE + 4 {
            input.push_str(&format!("h_bucket{{le=\"{b}\",r=\"{round}\"}} 1\n"));
            input.push_str(&format!("h_bucket{{le=\"{b}.5\"}} 1\n"));
        }
    }
    input.push_str("# TYPE s summary\ns{quantile=\"1\"} 2\ns{le=\"1\"} 3\n");
    let got = parse(&input).unwrap();
    let mut want = vec!["type h Histogram".to_string()];
    for round in 0..2 {
        for b in 0..MEMO_SIZE + 4 {
            want.push(format!("h_bucket{{le=\"{b}.0\",r=\"{round}\"}} 1"));
            want.push(format!("h_bucket{{le=\"{b}.5\"}} 1"));
        }
    }
    want.extend(
        [
            "type s Summary",
            "s{quantile=\"1.0\"} 2",
            "s{le=\"1\"} 3",
            "eof",
        ]
        .map(String::from),
    );
    assert_eq!(got, want);
}

#[test]
fn series_text_is_the_head_as_written() {
    let input = "# TYPE h histogram\n  h_bucket { le=\"1\" } 1\nh_bucket{le=\"1.0\"} 1\n\
        x 2\n{\"a.b\", c=\"d\"} 3 100\n";
    // Each series' text and canonical value, owned.
    fn texts<'a>(
        entries: impl Iterator<Item = Result<Entry<'a>, ParseError>>,
    ) -> Vec<(String, Option<String>)> {
        entries
            .filter_map(|e| match e.unwrap() {
                Entry::Series(s) => s
                    .labels
                    .series_text()
                    .map(|(t, c)| (t.to_string(), c.map(str::to_string))),
                _ => None,
            })
            .collect()
    }
    let got = texts(TextParser::new(input.as_bytes()));
    let p = |t: &str, c: Option<&str>| (t.to_string(), c.map(str::to_string));
    assert_eq!(
        got,
        [
            p("h_bucket { le=\"1\" }", Some("1.0")),
            p("h_bucket{le=\"1.0\"}", None),
            p("x", None),
            p("{\"a.b\", c=\"d\"}", None),
        ]
    );
    // OpenMetrics: the same, for a repeated head too.
    let input = "# TYPE h histogram\nh_bucket{le=\"1\"} 1 4\nh_bucket{le=\"1\"} 1 5\n\
        h_count 2 5\nh_sum 1 5\n# EOF\n";
    let got = texts(super::super::OpenMetricsParser::lenient(input.as_bytes()));
    assert_eq!(
        got,
        [
            p("h_bucket{le=\"1\"}", Some("1.0")),
            p("h_bucket{le=\"1\"}", Some("1.0")),
            p("h_count", None),
            p("h_sum", None),
        ]
    );
}

#[test]
fn reports_invalid_utf8() {
    let err = TextParser::new(b"ok 1\na{b=\"\xff\"} 1\n")
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_eq!(
        err,
        ParseError::InvalidUtf8 {
            at: Location::Text { line: 2, column: 6 }
        }
    );
}

proptest::proptest! {
    /// The word-at-a-time line search finds what the general one
    /// does, from any position, for any bytes around the newlines
    /// (UTF-8 of every width included).
    #[test]
    fn next_line_matches_find(
        text in "[a\n\u{80}-\u{10ffff} ]{0,40}",
        pos in 0usize..48,
    ) {
        let pos = pos.min(text.len());
        if text.is_char_boundary(pos) {
            let rest = &text[pos..];
            let want = match rest.find('\n') {
                Some(i) => (&rest[..i], true),
                None => (rest, false),
            };
            proptest::prop_assert_eq!(super::super::next_line(&text, pos), want);
        }
    }
}

/// Each entry as `describe` gives it plus its series text, up to the
/// first error (as its message).
fn known_pass(input: &str, known: &std::collections::HashSet<String>) -> Vec<String> {
    let mut p = TextParser::new(input.as_bytes());
    let mut out = Vec::new();
    loop {
        match p.next_known(&mut |head| known.contains(head)) {
            Ok(Some(e)) => out.push(with_text(&e)),
            Ok(None) => return out,
            Err(e) => {
                out.push(e.to_string());
                return out;
            }
        }
    }
}

fn with_text(e: &Entry<'_>) -> String {
    match e {
        Entry::Series(s) => format!("{} {:?}", describe(e), s.labels.series_text()),
        _ => describe(e),
    }
}

/// Expositions of lines valid or not (the heads of the invalid ones
/// start like valid ones), with histogram and summary `# TYPE` lines so
/// that bucket bounds and quantiles take their canonical forms.
fn expositions() -> impl proptest::strategy::Strategy<Value = String> {
    const NAMES: [&str; 10] = [
        "up",
        "a_b",
        "h_bucket",
        "h_count",
        "s",
        "x:y",
        "# TYPE h histogram",
        "# TYPE s summary",
        "",
        "# a comment",
    ];
    const SETS: [&str; 14] = [
        "",
        "{}",
        "{a=\"1\"}",
        "{a=\"1\",b=\"x}y\"}",
        "{le=\"1\"}",
        "{quantile=\"0.5\"}",
        "{a=\"1\" }",
        "{a=\"\\\"}\"}",
        "{a=\"1\",a=\"2\"}",
        "{__name__=\"x\"}",
        "{a=\"1\"",
        " {a=\"1\"}",
        "{a=\"1\"}}",
        "{a-b=\"1\"}",
    ];
    const VALUES: [&str; 9] = [
        " 1", " 1.5", " NaN", " x", "", " 1 123", " 1 }", "}", " 1 {",
    ];
    proptest::collection::vec((0usize..10, 0usize..14, 0usize..9), 1..12).prop_map(|lines| {
        lines
            .iter()
            .map(|&(n, l, v)| {
                if NAMES[n].is_empty() || NAMES[n].starts_with('#') {
                    format!("{}\n", NAMES[n])
                } else {
                    format!("{}{}{}\n", NAMES[n], SETS[l], VALUES[v])
                }
            })
            .collect()
    })
}

use proptest::strategy::Strategy;

/// Each entry of `input` read in pieces cut after the lines numbered
/// in `cuts` (each piece by a parser resumed from the one before), as
/// [`known_pass`] gives them, up to the first error.
fn pieces_pass(input: &[u8], cuts: &[usize]) -> Vec<String> {
    let ends: Vec<usize> = input
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    let mut bounds: Vec<usize> = cuts.iter().filter_map(|&c| ends.get(c).copied()).collect();
    bounds.push(input.len());
    bounds.sort_unstable();
    bounds.dedup();
    let (mut out, mut carry, mut start) = (Vec::new(), TextCarry::default(), 0);
    for end in bounds {
        let mut p = TextParser::resume(&input[start..end], carry);
        loop {
            match p.next_known(&mut |_| false) {
                Ok(Some(e)) => out.push(with_text(&e)),
                Ok(None) => break,
                Err(e) => {
                    out.push(e.to_string());
                    return out;
                }
            }
        }
        carry = p.carry();
        start = end;
    }
    out
}

proptest::proptest! {
    /// An exposition read in pieces of whole lines gives the entries and
    /// errors (line numbers included) it gives read whole, wherever it is
    /// cut, a byte that is not UTF-8 or a last line without its newline
    /// included.
    #[test]
    fn pieces_read_as_the_whole(
        input in expositions(),
        cuts in proptest::collection::vec(0usize..12, 0..6),
        bad in proptest::option::of(0usize..200),
        unterminated in proptest::bool::ANY,
    ) {
        let mut input = input.into_bytes();
        if unterminated {
            input.pop();
        }
        if let Some(at) = bad {
            let at = at % (input.len() + 1);
            input.insert(at, 0xff);
        }
        let whole = pieces_pass(&input, &[]);
        proptest::prop_assert_eq!(pieces_pass(&input, &cuts), whole);
    }
}

proptest::proptest! {
    /// Reading with the heads of every series that parsed as known
    /// gives what reading everything in full gives, for lines valid or
    /// not (the heads of the invalid ones start like valid ones).
    #[test]
    fn known_heads_read_as_in_full(input in expositions()) {
        let mut full = Vec::new();
        let mut known = std::collections::HashSet::new();
        for e in TextParser::new(input.as_bytes()) {
            match e {
                Ok(Entry::Eof) => {}
                Ok(e) => {
                    if let Entry::Series(s) = &e {
                        known.insert(s.labels.series_text().unwrap().0.to_string());
                    }
                    full.push(with_text(&e));
                }
                Err(e) => full.push(e.to_string()),
            }
        }
        // Every line twice: the second time, all its valid heads are known.
        proptest::prop_assert_eq!(known_pass(&input, &known), full.clone());
        let twice = format!("{input}{input}");
        let mut full_twice = Vec::new();
        for e in TextParser::new(twice.as_bytes()) {
            match e {
                Ok(Entry::Eof) => {}
                Ok(e) => full_twice.push(with_text(&e)),
                Err(e) => full_twice.push(e.to_string()),
            }
        }
        proptest::prop_assert_eq!(known_pass(&twice, &known), full_twice);
    }
}
