//! Tests of `append.rs`: a text body read in pieces appends what the
//! whole body appends.

use hestia_storage::memory::MemStorage;
use hestia_storage::Appendable;
use proptest::prelude::*;

use super::*;

/// Lines of an exposition, valid or not: histogram bounds and quantiles
/// with canonical forms that need the `# TYPE` line before them, label
/// values of several UTF-8 widths, comments and blank lines.
const LINES: [&str; 14] = [
    "# TYPE h histogram",
    "h_bucket{le=\"1\"} 3",
    "h_bucket{le=\"+Inf\",pod=\"é\"} 4",
    "h_count 4",
    "# TYPE s summary",
    "s{quantile=\"0.5\"} 0.25",
    "temp{city=\"日本\"} -3.5",
    "up 1",
    "requests_total{code=\"200\"} 17 1700000000000",
    "nan NaN",
    "",
    "# just a comment",
    "bad{ 1",
    "dup{a=\"1\",a=\"2\"} 1",
];

/// What a scrape of `body` at `t` appended, through `cache`: the counts,
/// the outcome (as text) and every stored series with its samples' times
/// and value bits (a failed scrape stores nothing).
fn scrape(cache: &mut SeriesCache, storage: &MemStorage, body: Body<'_>, t: i64) -> String {
    let target = Labels::new(vec![("job".to_string(), "j".to_string())]).unwrap();
    let mut app = storage.appender();
    let (counts, result, _) = append_body(app.as_mut(), cache, &target, &Rules::default(), body, t);
    match &result {
        Ok(()) => app.commit().unwrap(),
        Err(_) => {
            app.rollback().unwrap();
            cache.forget_current();
        }
    }
    let stored: Vec<String> = storage
        .dump()
        .iter()
        .map(|(l, s)| {
            let s: Vec<(i64, u64)> = s.iter().map(|s| (s.t, s.v.to_bits())).collect();
            format!("{l:?} {s:?}")
        })
        .collect();
    format!("{counts:?} {result:?} {stored:#?}")
}

/// Two scrapes of `body` (the second finds its series in the cache), whole
/// and cut at the byte positions `cuts`.
fn whole_and_in_pieces(body: &[u8], cuts: &[usize]) -> (String, String) {
    let run = |pieces: Option<&[usize]>| {
        let storage = MemStorage::new();
        let mut cache = SeriesCache::default();
        let mut out = String::new();
        for t in [1_000, 2_000] {
            out += &match pieces {
                None => scrape(&mut cache, &storage, Body::Whole(body, Format::Text), t),
                Some(cuts) => {
                    let mut bounds: Vec<usize> =
                        cuts.iter().map(|&c| c % (body.len() + 1)).collect();
                    bounds.push(body.len());
                    bounds.sort_unstable();
                    let mut start = 0;
                    let mut next = bounds.into_iter().map(|end| {
                        let piece = bytes::Bytes::copy_from_slice(&body[start..end]);
                        start = end;
                        piece
                    });
                    let mut next = || Ok(next.next());
                    scrape(&mut cache, &storage, Body::Text(&mut next), t)
                }
            };
        }
        out
    };
    (run(None), run(Some(cuts)))
}

proptest! {
    /// Cut anywhere (inside lines and UTF-8 characters, into empty
    /// pieces), a text body appends the samples, counts and errors of the
    /// whole body, with or without its final newline.
    #[test]
    fn pieces_append_what_the_whole_body_appends(
        lines in proptest::collection::vec(0..LINES.len(), 0..16),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        newline_at_end in any::<bool>(),
    ) {
        let mut body = lines.iter().map(|&i| LINES[i]).collect::<Vec<_>>().join("\n");
        if newline_at_end && !body.is_empty() {
            body.push('\n');
        }
        let (whole, pieces) = whole_and_in_pieces(body.as_bytes(), &cuts);
        prop_assert_eq!(pieces, whole);
    }
}

#[test]
fn a_failed_read_fails_the_scrape() {
    let storage = MemStorage::new();
    let mut cache = SeriesCache::default();
    let mut pieces = vec![
        Ok(Some(bytes::Bytes::from_static(b"a 1\nb 2\n"))),
        Err(Error::Timeout(std::time::Duration::from_secs(1))),
    ]
    .into_iter();
    let mut next = || pieces.next().unwrap_or(Ok(None));
    let out = scrape(&mut cache, &storage, Body::Text(&mut next), 1_000);
    assert!(out.contains("Err(Timeout(1s))"), "{out}");
    assert_eq!(storage.sample_count(), 0);
}
