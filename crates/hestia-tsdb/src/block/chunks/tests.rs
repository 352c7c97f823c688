//! Tests of `chunks.rs`.

use super::*;
use crate::chunk::{Chunk, ChunkIter, Encoding, Sample};

/// Cumulative bucket counts of `hists` histograms over `n` samples,
/// buckets of one histogram next to each other, `+Inf` first (as in
/// label order).
fn buckets(hists: usize, n: usize) -> Vec<(u64, Vec<Sample>)> {
    let mut rng = crate::workload::Rng::new(3);
    let mut out = Vec::new();
    for h in 0..hists {
        let mut counts = [0i64; 6];
        let mut series = vec![Vec::new(); 6];
        for i in 0..n {
            for _ in 0..rng.range(50, 150) {
                let b = rng.range(0, 6) as usize;
                for c in &mut counts[b..] {
                    *c += 1;
                }
            }
            for (s, &c) in series.iter_mut().zip(&counts) {
                s.push(Sample::new(10_000 * i as i64, c as f64));
            }
        }
        // +Inf (the last) first.
        series.rotate_right(1);
        out.extend(series.into_iter().map(|s| (h as u64, s)));
    }
    out
}

fn samples_of(chunk: &[u8]) -> Vec<Sample> {
    ChunkIter::new(chunk)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn histogram_buckets_are_stored_relative_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = ChunkWriter::new(dir.path(), false).unwrap();
    let series = buckets(60, 720);
    let mut refs = Vec::new();
    let mut plain = 0;
    for (key, samples) in &series {
        let chunk = Chunk::encode(Encoding::Packed, samples).unwrap();
        plain += chunk.as_bytes().len();
        refs.push(w.write_keyed(chunk.as_bytes(), Some(*key)).unwrap());
    }
    assert!(
        refs.last().unwrap().offset() >> pages::SHIFT >= 2,
        "several pages"
    );
    w.finish().unwrap();
    let bytes = std::fs::read(dir.path().join("chunks/000001")).unwrap();
    let (found, fault) = pages::scan_paged(&bytes);
    assert_eq!(fault, None);
    let records = found
        .iter()
        .filter(|c| c.1[0] == pages::RELATIVE_RECORD)
        .count();
    assert!(records > series.len() / 2, "{records} records");
    let stored: usize = found.iter().map(|c| c.1.len()).sum();
    assert!(stored < plain, "{stored} stored of {plain}");
    let r = ChunkReader::open(dir.path(), "b").unwrap();
    let (mut buf, mut cache) = (Vec::new(), PageCache::new());
    // Forwards, backwards and with a cold cache each time.
    let order: Vec<usize> = (0..refs.len()).chain((0..refs.len()).rev()).collect();
    for (step, &i) in order.iter().enumerate() {
        if step % 7 == 0 {
            cache = PageCache::new();
        }
        r.read(refs[i], &mut buf, &mut cache).unwrap();
        let got = samples_of(&buf);
        assert!(
            got.iter().zip(&series[i].1).all(|(a, b)| a.bit_eq(b)) && got.len() == 720,
            "series {i}"
        );
    }
}

#[test]
fn damaged_relative_records_are_faults() {
    let base = Chunk::encode(Encoding::Packed, &buckets(1, 50)[0].1).unwrap();
    // (what, record bytes after the marker)
    let cases: &[(&str, &[u8])] = &[
        ("no distance", &[]),
        ("distance zero", &[0]),
        ("before the page", &[0xff, 0x7f]),
        ("into the middle of the base", &[1]),
    ];
    for &(what, rest) in cases {
        let mut raw = Vec::new();
        put_uvarint(&mut raw, base.as_bytes().len() as u64);
        raw.extend_from_slice(base.as_bytes());
        let at = raw.len();
        let mut record = vec![pages::RELATIVE_RECORD];
        record.extend_from_slice(rest);
        put_uvarint(&mut raw, record.len() as u64);
        raw.extend_from_slice(&record);
        let loc = pages::PageLoc {
            offset: 8,
            len: 0,
            raw_len: raw.len() as u64,
        };
        let mut out = Vec::new();
        let no_page = |_| -> Result<std::sync::Arc<Vec<u8>>, Fault> {
            Err(Fault {
                offset: 0,
                reason: "no such page",
            })
        };
        let res = pages::resolve(&raw, at as u32, pages::SHIFT, loc, no_page, &mut out);
        // Either refused here or a chunk that fails to decode.
        if res.is_ok() {
            let it = ChunkIter::new(&out);
            assert!(
                it.map_or(true, |it| it.collect::<Result<Vec<_>, _>>().is_err()),
                "{what}"
            );
        }
    }
}

#[test]
fn writes_dedups_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = ChunkWriter::new(dir.path(), false).unwrap();
    let a = w.write(&[2, 1, 2, 3]).unwrap();
    let big: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let b = w.write(&big).unwrap();
    let a2 = w.write(&[2, 1, 2, 3]).unwrap();
    let b2 = w.write(&big).unwrap();
    assert_eq!(a, a2);
    assert_ne!(b, b2, "long chunks are not deduplicated");
    assert_eq!((a.file(), a.offset()), (1, 0), "page 0, offset 0");
    assert_eq!(w.deduplicated, 4);
    // Fill pages: references name the page in the high bits.
    let mut many: Vec<ChunkRef> = (0..100u32)
        .map(|i| {
            w.write(&[2, (i % 256) as u8, (i / 256) as u8, 9, 9, 9])
                .unwrap()
        })
        .collect();
    many.extend((0..40).map(|i| w.write(&vec![i as u8; 3000]).unwrap()));
    assert!(many.last().unwrap().offset() >> pages::SHIFT >= 1);
    w.finish().unwrap();
    let r = ChunkReader::open(dir.path(), "b").unwrap();
    let mut buf = Vec::new();
    let mut cache = PageCache::new();
    r.read(a, &mut buf, &mut cache).unwrap();
    assert_eq!(buf, [2, 1, 2, 3]);
    r.read(b2, &mut buf, &mut cache).unwrap();
    assert_eq!(buf, big);
    for (i, &c) in many.iter().enumerate().rev() {
        r.read(c, &mut buf, &mut cache).unwrap();
        let want = if i < 100 {
            vec![2, (i % 256) as u8, (i / 256) as u8, 9, 9, 9]
        } else {
            vec![(i - 100) as u8; 3000]
        };
        assert_eq!(buf, want, "chunk {i}");
    }
    // (what, reference)
    for (what, bad) in [
        ("no file 0", ChunkRef::new(0, 8)),
        ("no file 2", ChunkRef::new(2, 8)),
        ("no such page", ChunkRef::new(1, 1 << 30)),
    ] {
        assert!(r.read(bad, &mut buf, &mut cache).is_err(), "{what}");
    }
    let bytes = std::fs::read(dir.path().join("chunks/000001")).unwrap();
    let (found, fault) = pages::scan_paged(&bytes);
    assert_eq!(found.len(), 3 + 100 + 40, "a, big twice, then the others");
    assert_eq!(fault, None);
}

#[test]
fn reads_version_1_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("chunks")).unwrap();
    let mut bytes = header().to_vec();
    frame(&mut bytes, &[2, 1, 2, 3]);
    let second = bytes.len() as u32;
    frame(&mut bytes, &[2, 4]);
    std::fs::write(dir.path().join("chunks/000001"), &bytes).unwrap();
    let r = ChunkReader::open(dir.path(), "b").unwrap();
    let (mut buf, mut cache) = (Vec::new(), PageCache::new());
    r.read(ChunkRef::new(1, second), &mut buf, &mut cache)
        .unwrap();
    assert_eq!(buf, [2, 4]);
    r.read(ChunkRef::new(1, 8), &mut buf, &mut cache).unwrap();
    assert_eq!(buf, [2, 1, 2, 3]);
    for bad in [2, second + 1, 1 << 30] {
        assert!(r.read(ChunkRef::new(1, bad), &mut buf, &mut cache).is_err());
    }
    let (found, fault) = scan(&bytes);
    assert_eq!((found.len(), fault), (2, None));
}
