//! Encode and decode speed of the chunk encodings, in samples per second,
//! on the synthetic scrape workload (`hestia_tsdb::workload`, two targets,
//! one 2 h block of 10 s samples: 128 series × 720 samples).
//!
//! ```sh
//! cargo bench -p hestia-tsdb --bench chunk
//! cargo bench -p hestia-tsdb --bench chunk --features zstd-eval  # adds zstd
//! ```

#![allow(missing_docs)] // criterion_main! generates an undocumented function

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use hestia_tsdb::workload::{generate, Spec};
use hestia_tsdb::{Chunk, ChunkAppender, Encoding, Sample};

fn workload() -> Vec<Vec<Sample>> {
    let spec = Spec {
        targets: 2,
        samples: 720,
        ..Spec::default()
    };
    generate(&spec).into_iter().map(|s| s.samples).collect()
}

fn encode(series: &[Vec<Sample>], encoding: Encoding, len: usize) -> Vec<Chunk> {
    series
        .iter()
        .flat_map(|s| s.chunks(len))
        .map(|c| Chunk::encode(encoding, c).unwrap())
        .collect()
}

fn decode(chunks: &[Chunk]) -> f64 {
    let mut acc = 0.0;
    for c in chunks {
        for s in c.iter() {
            acc += s.unwrap().v;
        }
    }
    acc
}

fn bench(c: &mut Criterion) {
    let series = workload();
    let samples: usize = series.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("chunk");
    g.throughput(Throughput::Elements(samples as u64));

    g.bench_function("xor/append", |b| {
        b.iter(|| {
            let mut bytes = 0;
            for s in &series {
                for chunk in s.chunks(120) {
                    let mut app = ChunkAppender::new();
                    for x in chunk {
                        app.append(x.t, x.v).unwrap();
                    }
                    bytes += app.as_bytes().len();
                }
            }
            black_box(bytes)
        })
    });
    for (name, encoding) in [
        ("packed/encode", Encoding::Packed),
        ("packed-v1/encode", Encoding::PackedV1),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| black_box(encode(&series, encoding, 720)))
        });
    }
    for (name, encoding, len) in [
        ("xor/decode", Encoding::Xor, 120),
        ("packed/decode", Encoding::Packed, 720),
        ("packed-v1/decode", Encoding::PackedV1, 720),
    ] {
        let chunks = encode(&series, encoding, len);
        g.bench_function(name, |b| b.iter(|| black_box(decode(&chunks))));
    }
    let chunks = encode(&series, Encoding::Packed, 720);
    // Seek to the middle of each 2 h chunk: decodes half of it.
    let targets: Vec<i64> = chunks
        .iter()
        .map(|c| c.iter().next().unwrap().unwrap().t + 3_600_000)
        .collect();
    g.bench_function("packed/seek-to-middle", |b| {
        b.iter(|| {
            let mut n = 0;
            for (c, &t) in chunks.iter().zip(&targets) {
                n += c.iter().seek(t).map_or(0, |s| s.unwrap().t);
            }
            black_box(n)
        })
    });

    #[cfg(feature = "zstd-eval")]
    {
        let packed: Vec<u8> = chunks.iter().flat_map(|c| c.as_bytes().to_vec()).collect();
        let groups: Vec<Vec<u8>> = packed
            .chunks(64 << 10)
            .map(|g| zstd::bulk::compress(g, 3).unwrap())
            .collect();
        g.bench_function("packed+zstd3/compress", |b| {
            b.iter(|| {
                black_box(
                    packed
                        .chunks(64 << 10)
                        .map(|g| zstd::bulk::compress(g, 3).unwrap().len())
                        .sum::<usize>(),
                )
            })
        });
        g.bench_function("packed+zstd3/decompress", |b| {
            b.iter(|| {
                black_box(
                    groups
                        .iter()
                        .map(|g| zstd::bulk::decompress(g, 1 << 20).unwrap().len())
                        .sum::<usize>(),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
