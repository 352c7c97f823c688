//! Tests of `lex.rs`.

use super::*;

fn head(line: &str, strict: bool) -> Result<(String, Vec<(String, String)>), ParseError> {
    let mut cur = Cursor::new(line, 1);
    let mut labels = Vec::new();
    let h = series_head(&mut cur, strict, &mut labels)?;
    let pairs = labels
        .iter()
        .map(|l| (l.name().into_owned(), unescape_label(l.value).into_owned()))
        .collect();
    Ok((h.name.into_owned(), pairs))
}

/// What a label set reader gives: the labels, the raw text and where
/// the cursor ends, or the error.
type Read = Result<(Vec<(String, String, usize)>, String, usize), ParseError>;

fn read_set(line: &str, strict: bool, general: bool) -> Read {
    let mut cur = Cursor::new(line, 1);
    let mut out = Vec::new();
    let mut slot = None;
    let raw = if general {
        cur.label_set_general(strict, &mut out, Some(&mut slot))?
    } else {
        cur.label_set(strict, &mut out, Some(&mut slot))?
    };
    let labels = out
        .iter()
        .map(|l| (l.name.to_string(), l.value.to_string(), l.at))
        .collect();
    Ok((labels, raw.to_string(), cur.pos))
}

#[test]
fn plain_label_sets_read_as_the_general_reader_does() {
    for line in [
        "{}",
        "{} 1",
        r#"{a="b"}"#,
        r#"{a="b",c="d"} 1"#,
        r#"{a="b\"c",d="\\"}"#,
        r#"{a="b",}"#,
        r#"{a="b",a="c"}"#,
        r#"{__name__="x"}"#,
        r#"{a="b" }"#,
        r#"{a ="b"}"#,
        r#"{"a"="b"}"#,
        r#"{"name",a="b"}"#,
        r#"{a="b"c="d"}"#,
        r#"{a="b,"#,
        r#"{a="b"#,
        r#"{a="b\"#,
        r#"{a=b}"#,
        r#"{1="b"}"#,
        r#"{a:b="c"}"#,
        "{a=\"\u{e9}\"}",
    ] {
        for strict in [false, true] {
            assert_eq!(
                read_set(line, strict, false),
                read_set(line, strict, true),
                "{line} strict={strict}"
            );
        }
    }
}

proptest::proptest! {
    #[test]
    fn finds_quotes_and_backslashes(text in "[a!#\\[\\]\"\\\\\u{80}-\u{ff}]{0,40}", from in 0usize..45) {
        let b = text.as_bytes();
        let want = b
            .get(from..)
            .and_then(|r| r.iter().position(|&c| c == b'"' || c == b'\\'))
            .map(|p| from + p);
        proptest::prop_assert_eq!(find_any(b, from, [b'"', b'\\']), want);
    }

    #[test]
    fn label_sets_read_as_the_general_reader_does(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "a", "b", "le", "_x9", "__name__", "=", "\"", "\\", ",", "}", " ", "{", "1", "é",
                "a=\"x\"", "b=\"y\"", "a=\"x\",", "b=\"\\\"\",", "}",
            ]),
            0..16,
        ),
        strict: bool,
    ) {
        let line = format!("{{{}", parts.concat());
        proptest::prop_assert_eq!(
            read_set(&line, strict, false),
            read_set(&line, strict, true),
            "{}", line
        );
    }
}

#[test]
fn heads() {
    let p = |a: &str, b: &str| (a.to_string(), b.to_string());
    for (line, strict, want) in [
        ("a 1", true, Ok(("a", vec![]))),
        ("a{} 1", true, Ok(("a", vec![]))),
        (r#"a{b="c"} 1"#, true, Ok(("a", vec![p("b", "c")]))),
        (r#"a { b = "c", } 1"#, false, Ok(("a", vec![p("b", "c")]))),
        (
            r#"{"a.b", "c d"="e"} 1"#,
            false,
            Ok(("a.b", vec![p("c d", "e")])),
        ),
        (r#"{"a.b","c"="e"} 1"#, true, Ok(("a.b", vec![p("c", "e")]))),
        (r#"a{b="c",} 1"#, true, Err(1)),
        (r#"a{b="c",b="d"} 1"#, true, Err(1)),
        (r#"a{__name__="c"} 1"#, true, Err(1)),
        (r#"a{"x","y"="z"} 1"#, true, Err(1)),
        (r#"{"x","y"} 1"#, true, Err(1)),
        (r#"{b="c"} 1"#, true, Err(1)),
        (r#"a{1="c"} 1"#, true, Err(1)),
        (r#"a{b=c} 1"#, true, Err(1)),
        (r#"a{b="c} 1"#, true, Err(1)),
        (r#"a{b="c"d="e"} 1"#, true, Err(1)),
        (r#"a{b="c",,d="e"} 1"#, true, Err(1)),
        ("0a 1", true, Err(1)),
    ] {
        let got = head(line, strict);
        match want {
            Ok((name, pairs)) => {
                assert_eq!(got, Ok((name.to_string(), pairs)), "{line}");
            }
            Err(_) => assert!(got.is_err(), "{line}: {got:?}"),
        }
    }
}
