//! The bodies of the fuzz targets in `fuzz/` (cargo-fuzz, nightly), as
//! plain functions so the normal test suite also runs them on arbitrary
//! bytes with proptest on stable. Each must return for every input; a
//! panic is a bug: either a decoder panicked or a property asserted here
//! failed.

use crate::block::index::{encode_ids, Index};
use crate::block::{chunks, pages};
use crate::chunk::bstream::put_uvarint;
use crate::chunk::{Chunk, ChunkIter, Encoding, Sample};
use crate::head::chunk_files;
use crate::wal::{Fault, SegmentDecoder};

/// Decodes `data` as a chunk. Checks that decoding stops within the
/// header's sample count, that `seek` agrees with a linear scan, and that
/// a chunk that decodes completely re-encodes, in both encodings, to the
/// same samples.
pub fn chunk_decode(data: &[u8]) {
    let Ok(it) = ChunkIter::new(data) else {
        return;
    };
    let claimed = it.len();
    let mut samples: Vec<Sample> = Vec::new();
    let mut complete = true;
    for s in it {
        match s {
            Ok(s) => samples.push(s),
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    assert!(
        samples.len() <= claimed,
        "more samples than the header claims"
    );
    assert!(samples.windows(2).all(|w| w[0].t < w[1].t));

    let mut probes = vec![i64::MIN, i64::MAX];
    for s in samples.iter().step_by(samples.len() / 8 + 1) {
        probes.extend([s.t.saturating_sub(1), s.t, s.t.saturating_add(1)]);
    }
    probes.sort_unstable();
    let Ok(mut it) = ChunkIter::new(data) else {
        return;
    };
    let mut reported = false;
    for &t in &probes {
        let want = samples.iter().find(|s| s.t >= t);
        match (it.seek(t), want) {
            (Some(Ok(got)), Some(want)) => assert!(got.bit_eq(want), "seek({t})"),
            (None, None) => assert!(complete || reported, "seek({t}) ended without the error"),
            (Some(Err(_)), None) => {
                assert!(
                    !complete && !reported,
                    "seek({t}) failed on a good chunk or twice"
                );
                reported = true;
            }
            (got, want) => panic!("seek({t}) = {got:?}, linear scan = {want:?}"),
        }
    }

    if complete {
        for encoding in [Encoding::Xor, Encoding::Packed, Encoding::PackedV1] {
            if samples.len() > encoding.max_samples() {
                continue;
            }
            let chunk = Chunk::encode(encoding, &samples).expect("increasing samples encode");
            let back = chunk
                .iter()
                .collect::<Result<Vec<_>, _>>()
                .expect("own chunk decodes");
            assert_eq!(back.len(), samples.len());
            assert!(
                back.iter().zip(&samples).all(|(a, b)| a.bit_eq(b)),
                "{encoding} round trip"
            );
        }
    }
}

/// Reads `data` as one WAL segment. Checks that the intact prefix the
/// decoder accepts is exactly its records framed again: framing is
/// canonical, so nothing damaged can be mistaken for a record.
pub fn wal_read(data: &[u8]) {
    let mut dec = SegmentDecoder::new(data, data.len() as u64, 0, false);
    let mut records: Vec<(u64, Vec<u8>)> = Vec::new();
    let end = loop {
        match dec.next() {
            Ok(Some(offset)) => records.push((offset, dec.payload().to_vec())),
            Ok(None) => break data.len(),
            Err(Fault::Damaged { offset, .. }) => break offset as usize,
            Err(Fault::Io(e)) => panic!("reading a slice failed: {e}"),
        }
    };
    let mut framed = Vec::new();
    for (offset, payload) in &records {
        assert_eq!(*offset as usize, framed.len());
        crate::wal::frame_record(&mut framed, payload);
    }
    if dec.sealed() {
        crate::wal::frame_seal(&mut framed, 0);
    }
    assert!(framed[..] == data[..end], "intact prefix is not canonical");
}

/// Reads `data` as a block's index file. Checks that what decodes is
/// well-formed (series sorted and labelled, chunk ranges ordered,
/// postings naming existing series) and that encoding the decoded series
/// again gives an index that decodes to the same series with intact
/// postings that agree with them.
pub fn block_index_read(data: &[u8]) {
    let Ok(index) = Index::decode(data) else {
        return;
    };
    let n = index.series.len();
    for (id, s) in index.series.iter().enumerate() {
        assert!(!index.labels(id as u32).is_empty(), "series without labels");
        assert!(s.chunks.windows(2).all(|w| w[0].max_t < w[1].min_t));
        assert!(s.chunks.iter().all(|c| c.min_t <= c.max_t));
    }
    for w in (0..n as u32).collect::<Vec<_>>().windows(2) {
        assert!(index.labels(w[0]) < index.labels(w[1]), "series not sorted");
    }
    for name in index.postings.names() {
        for (_, ids) in index.postings.values(name) {
            assert!(ids.iter().all(|id| (id as usize) < n));
        }
    }
    let symbols: Vec<&str> = index.symbols.iter().map(|s| &**s).collect();
    let again = encode_ids(&symbols, &index.series).expect("a decoded index re-encodes");
    let back = Index::decode(&again).expect("an encoded index decodes");
    assert!(
        back.series == index.series,
        "series changed in a round trip"
    );
    assert!(back.postings_fault.is_none());
    for (id, s) in back.series.iter().enumerate() {
        for &(name, value) in s.labels.iter() {
            let ids = back
                .postings
                .get(&back.symbols[name as usize], &back.symbols[value as usize]);
            assert!(ids.contains(id as u32), "postings miss a series");
        }
    }
}

/// Reads `data` as one chunk file of a block, either version. Checks
/// that the chunks found before any damage frame again (version 1) or
/// page again, page by page (version 2), into a file that reads back to
/// the same chunks (and references) without damage, and that decoding
/// each chunk returns.
pub fn block_chunk_file_read(data: &[u8]) {
    if data.get(4) == Some(&pages::VERSION) {
        return block_paged_file_read(data);
    }
    let (found, _fault) = chunks::scan(data);
    let mut framed = data.get(..chunks::HEADER_LEN).unwrap_or_default().to_vec();
    for (offset, chunk) in &found {
        assert_eq!(
            *offset as usize,
            framed.len(),
            "chunks are not back to back"
        );
        chunks::frame(&mut framed, chunk);
        drain(chunk);
    }
    if !found.is_empty() {
        let (again, fault) = chunks::scan(&framed);
        assert!(fault.is_none(), "re-framed chunks are damaged");
        assert!(again.len() == found.len() && again.iter().zip(&found).all(|(a, b)| a.1 == b.1));
    }
}

/// Decodes a chunk to its end or first error.
fn drain(chunk: &[u8]) {
    if let Ok(it) = ChunkIter::new(chunk) {
        for s in it {
            if s.is_err() {
                break;
            }
        }
    }
}

fn block_paged_file_read(data: &[u8]) {
    let (found, _fault) = pages::scan_paged(data);
    let Some(shift) = data.get(5).copied() else {
        return;
    };
    if found.is_empty() {
        return;
    }
    let mut file = data[..chunks::HEADER_LEN].to_vec();
    let mut raw = Vec::new();
    let mut page = found[0].0 >> shift;
    for (r, chunk) in &found {
        drain(chunk);
        if r >> shift != page {
            pages::write_page(&mut file, &raw, shift).expect("zstd compresses");
            raw.clear();
            page = r >> shift;
        }
        assert_eq!(
            *r & ((1 << shift) - 1),
            raw.len() as u32,
            "chunks not back to back"
        );
        put_uvarint(&mut raw, chunk.len() as u64);
        raw.extend_from_slice(chunk);
    }
    pages::write_page(&mut file, &raw, shift).expect("zstd compresses");
    let (again, fault) = pages::scan_paged(&file);
    assert!(fault.is_none(), "re-paged chunks are damaged: {fault:?}");
    assert!(again == found, "re-paged chunks differ");
}

/// Reads `data` as one segment of the head's chunk files. Checks that the
/// intact prefix is exactly its frames encoded again (framing is
/// canonical), and that each chunk decodes without panicking.
pub fn head_chunk_segment_read(data: &[u8]) {
    let (frames, fault) = chunk_files::scan(data);
    let end = match fault {
        None => data.len(),
        Some(f) => f.offset as usize,
    };
    if frames.is_empty() && end < chunk_files::HEADER_LEN {
        return;
    }
    let mut again = data[..chunk_files::HEADER_LEN].to_vec();
    for (offset, h, chunk) in &frames {
        assert_eq!(*offset as usize, again.len(), "frames not back to back");
        assert!(h.min_t <= h.max_t);
        chunk_files::encode_frame(&mut again, h, chunk);
        drain(chunk);
    }
    assert!(again[..] == data[..end], "intact prefix is not canonical");
}
