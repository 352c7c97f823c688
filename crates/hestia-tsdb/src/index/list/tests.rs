//! Tests of `list.rs`: the encoding, round trips and set operations.

use super::*;
use proptest::prelude::*;

#[test]
fn is_small() {
    assert_eq!(std::mem::size_of::<PostingList>(), 24);
}

#[test]
fn encodings() {
    // (ids, encoded bytes)
    let cases: &[(&[u32], &[u8])] = &[
        (&[], &[]),
        (&[0], &[1]),
        (&[0, 1], &[1, 1]),
        (&[0, 1, 2], &[1, 0, 2]),
        (&[5, 6, 7, 8], &[6, 0, 3]),
        (&[3, 10], &[4, 7]),
        (&[3, 10, 11], &[4, 7, 1]),
        (&[3, 10, 11, 13], &[4, 7, 1, 2]),
        (&[0, 1, 2, 200], &[1, 0, 2, 198, 1]),
        (&[127], &[0x80, 1]),
        (&[u32::MAX], &[0x80, 0x80, 0x80, 0x80, 0x10]),
        (
            &[u32::MAX - 1, u32::MAX],
            &[0xff, 0xff, 0xff, 0xff, 0x0f, 1],
        ),
    ];
    for &(ids, bytes) in cases {
        let list = PostingList::from_ids(ids.iter().copied());
        assert_eq!(list.encoded(), bytes, "{ids:?}");
        assert_eq!(list.to_vec(), ids);
        assert_eq!(list.len(), ids.len());
        assert_eq!(list.last(), ids.last().copied());
    }
}

#[test]
fn long_lists_move_to_the_heap() {
    let list = PostingList::from_ids((0..100).map(|i| i * 3));
    assert!(list.heap_bytes() > 100);
    assert_eq!(list.to_vec(), (0..100).map(|i| i * 3).collect::<Vec<_>>());
    let dense = PostingList::from_ids(0..1_000_000);
    assert_eq!(dense.encoded(), [1, 0, 0xbf, 0x84, 0x3d]);
    assert_eq!(PostingList::from_range(0..1_000_000), dense);
    assert_eq!(PostingList::from_range(7..7), PostingList::new());
    assert_eq!(dense.heap_bytes(), 0);
}

#[test]
fn decoding_tolerates_any_bytes() {
    // Not produced by the encoder, but reading never panics.
    for bytes in [
        &[0u8][..],
        &[0x80],
        &[0xff; 12],
        &[1, 0],
        &[1, 0, 0xff, 0xff, 0xff, 0xff, 0x7f],
        &[0x80, 0x80, 0x80, 0x80, 0x20],
    ] {
        let runs = Runs {
            bytes,
            at: 0,
            next: 0,
        };
        let _ = runs.take(10).count();
    }
}

fn sorted_set() -> impl Strategy<Value = Vec<u32>> {
    prop_oneof![
        proptest::collection::btree_set(0u32..300, 0..80),
        proptest::collection::btree_set(any::<u32>(), 0..40),
        // Runs: dense ranges with holes.
        (0u32..1000, proptest::collection::vec(any::<bool>(), 0..200)).prop_map(|(base, keep)| {
            keep.iter()
                .enumerate()
                .filter(|(_, k)| **k)
                .map(|(i, _)| base + i as u32)
                .collect()
        }),
    ]
    .prop_map(|s| s.into_iter().collect())
}

proptest! {
    #[test]
    fn round_trips(ids in sorted_set()) {
        let list = PostingList::from_ids(ids.iter().copied());
        prop_assert_eq!(list.to_vec(), ids.clone());
        prop_assert_eq!(list.iter().collect::<Vec<_>>(), ids.clone());
        prop_assert_eq!(list.len(), ids.len());
        let runs: Vec<(u32, u32)> = list.runs().collect();
        prop_assert!(runs.iter().all(|&(_, n)| n >= 1));
        prop_assert!(runs.windows(2).all(|w| w[0].0 + w[0].1 < w[1].0), "runs not maximal");
    }

    #[test]
    fn any_insertion_order_builds_the_same_list(
        ids in sorted_set(),
        order in proptest::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        // Shuffle by swaps, and insert some ids twice.
        let mut shuffled = ids.clone();
        for (i, k) in order.iter().enumerate() {
            if !shuffled.is_empty() {
                let (i, j) = (i % shuffled.len(), k.index(shuffled.len()));
                shuffled.swap(i, j);
                shuffled.push(shuffled[j]);
            }
        }
        let bulk = PostingList::from_ids(ids.iter().copied());
        let pushed = PostingList::from_ids(shuffled);
        prop_assert_eq!(&pushed, &bulk);
        prop_assert_eq!(pushed.last(), ids.last().copied());
    }

    #[test]
    fn set_operations_agree_with_sets(a in sorted_set(), b in sorted_set(), probe in any::<u32>()) {
        use std::collections::BTreeSet;
        let (sa, sb): (BTreeSet<u32>, BTreeSet<u32>) =
            (a.iter().copied().collect(), b.iter().copied().collect());
        let list = PostingList::from_ids(a.iter().copied());
        prop_assert_eq!(list.intersect(&b), sa.intersection(&sb).copied().collect::<Vec<_>>());
        prop_assert_eq!(list.subtract_from(&b), sb.difference(&sa).copied().collect::<Vec<_>>());
        prop_assert_eq!(list.without(&b), sa.difference(&sb).copied().collect::<Vec<_>>());
        for x in b.iter().copied().chain([probe]) {
            prop_assert_eq!(list.contains(x), sa.contains(&x));
        }
    }
}
