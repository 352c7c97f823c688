//! Postings: sorted lists of series ids. [`MemPostings`] maps each label
//! name and value to the ids of the series carrying that label, plus the
//! list of all ids, each a compact [`PostingList`]; [`intersect`],
//! [`union`] and [`subtract`] combine sorted slices, [`union_lists`]
//! posting lists.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::ops::Bound;
use std::sync::Arc;

use super::list::{push_ids, PostingList, Runs};

/// A series' id in the head, dense from 0.
pub type SeriesId = u32;

/// The ids in both `a` and `b` (each sorted, without duplicates). When one
/// list is much shorter, each of its ids is found in the other by binary
/// search on the part not yet passed.
pub fn intersect(a: &[SeriesId], b: &[SeriesId]) -> Vec<SeriesId> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::with_capacity(small.len());
    if small.len().saturating_mul(16) < large.len() {
        let mut rest = large;
        for &x in small {
            rest = &rest[rest.partition_point(|&y| y < x)..];
            match rest.first() {
                None => break,
                Some(&y) if y == x => out.push(x),
                Some(_) => {}
            }
        }
        return out;
    }
    let (mut i, mut j) = (0, 0);
    while i < small.len() && j < large.len() {
        match small[i].cmp(&large[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(small[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// The ids in any of `lists` (each sorted), sorted, each once.
pub fn union(lists: &[&[SeriesId]]) -> Vec<SeriesId> {
    match lists {
        [] => Vec::new(),
        [one] => one.to_vec(),
        _ => {
            let mut out: Vec<SeriesId> = Vec::with_capacity(lists.iter().map(|l| l.len()).sum());
            for l in lists {
                out.extend_from_slice(l);
            }
            out.sort_unstable();
            out.dedup();
            out
        }
    }
}

/// The ids of `a` that are not in `b` (both sorted).
pub fn subtract(a: &[SeriesId], b: &[SeriesId]) -> Vec<SeriesId> {
    let mut out = Vec::with_capacity(a.len());
    let mut rest = b;
    for &x in a {
        rest = &rest[rest.partition_point(|&y| y < x)..];
        if rest.first() != Some(&x) {
            out.push(x);
        }
    }
    out
}

/// The ids in any of `lists`, sorted, each once: the lists' runs merged
/// in order of their first id (lists of one label's values are disjoint,
/// so their runs never overlap, but overlaps are handled).
pub fn union_lists(lists: &[&PostingList]) -> Vec<SeriesId> {
    match lists {
        [] => Vec::new(),
        [one] => one.to_vec(),
        _ => {
            let mut out: Vec<SeriesId> = Vec::with_capacity(lists.iter().map(|l| l.len()).sum());
            let mut runs: Vec<Runs<'_>> = lists.iter().map(|l| l.runs()).collect();
            let mut heap: BinaryHeap<Reverse<(SeriesId, u32, usize)>> = runs
                .iter_mut()
                .enumerate()
                .filter_map(|(i, r)| r.next().map(|(start, n)| Reverse((start, n, i))))
                .collect();
            while let Some(Reverse((start, n, i))) = heap.pop() {
                let end = start + (n - 1);
                match out.last() {
                    Some(&last) if last >= end => {}
                    Some(&last) if last >= start => push_ids(&mut out, last + 1, end - last),
                    _ if n == 1 => out.push(start),
                    _ => push_ids(&mut out, start, n),
                }
                if let Some((start, n)) = runs[i].next() {
                    heap.push(Reverse((start, n, i)));
                }
            }
            out
        }
    }
}

/// An empty list, for label pairs no series has.
static EMPTY: PostingList = PostingList::new();

/// The head's inverted index: for every label name, its values in order,
/// each with the sorted ids of the series that have that label. Strings
/// are shared with the symbol table. Series are only added (head
/// truncation builds a new index).
#[derive(Debug, Default)]
pub struct MemPostings {
    all: PostingList,
    by_name: BTreeMap<Arc<str>, Values>,
}

/// Values of one label name, in order.
type Values = BTreeMap<Arc<str>, PostingList>;

impl MemPostings {
    /// An empty index.
    pub fn new() -> MemPostings {
        MemPostings::default()
    }

    /// Indexes series `id` under each of its `labels`.
    pub fn add<'a>(
        &mut self,
        id: SeriesId,
        labels: impl IntoIterator<Item = (&'a Arc<str>, &'a Arc<str>)>,
    ) {
        self.all.insert(id);
        for (name, value) in labels {
            let values = match self.by_name.get_mut(&**name) {
                Some(values) => values,
                None => self.by_name.entry(Arc::clone(name)).or_default(),
            };
            match values.get_mut(&**value) {
                Some(list) => list.insert(id),
                None => {
                    values.insert(Arc::clone(value), PostingList::from_ids([id]));
                }
            }
        }
    }

    /// An index from complete lists, as a block's index stores them: every
    /// id in `all`, and for each `(name, value)` its ids. A pair given
    /// twice keeps the last list.
    pub fn from_lists(
        all: PostingList,
        lists: impl IntoIterator<Item = (Arc<str>, Arc<str>, PostingList)>,
    ) -> MemPostings {
        let mut by_name: BTreeMap<Arc<str>, Values> = BTreeMap::new();
        for (name, value, ids) in lists {
            by_name.entry(name).or_default().insert(value, ids);
        }
        MemPostings { all, by_name }
    }

    /// Every indexed series.
    pub fn all(&self) -> &PostingList {
        &self.all
    }

    /// The series with label `name="value"` (an empty list if none).
    pub fn get(&self, name: &str, value: &str) -> &PostingList {
        self.by_name
            .get(name)
            .and_then(|values| values.get(value))
            .unwrap_or(&EMPTY)
    }

    /// The label names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(|k| &**k)
    }

    /// The values of label `name` with their series, sorted by value.
    pub fn values(&self, name: &str) -> impl Iterator<Item = (&str, &PostingList)> {
        self.by_name
            .get(name)
            .into_iter()
            .flat_map(|values| values.iter().map(|(v, ids)| (&**v, ids)))
    }

    /// The values of label `name` that start with `prefix`, with their
    /// series, sorted by value.
    pub fn values_with_prefix<'a, 'p>(
        &'a self,
        name: &str,
        prefix: &'p str,
    ) -> impl Iterator<Item = (&'a str, &'a PostingList)> + use<'a, 'p> {
        self.by_name
            .get(name)
            .into_iter()
            .flat_map(move |values: &'a Values| {
                values
                    .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
                    .take_while(move |(v, _)| v.starts_with(prefix))
                    .map(|(v, ids)| (&**v, ids))
            })
    }

    /// The number of distinct `name="value"` pairs.
    pub fn pairs(&self) -> usize {
        self.by_name.values().map(BTreeMap::len).sum()
    }

    /// Heap bytes of the lists' encodings beyond the lists themselves (a
    /// lower bound of the index's memory: the maps' nodes come on top).
    pub fn list_heap_bytes(&self) -> usize {
        let lists = self.by_name.values().flat_map(BTreeMap::values);
        self.all.heap_bytes() + lists.map(PostingList::heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn set_operations() {
        // (a, b, a ∩ b, a ∪ b, a − b)
        type Case = (
            &'static [u32],
            &'static [u32],
            &'static [u32],
            &'static [u32],
            &'static [u32],
        );
        let cases: &[Case] = &[
            (&[], &[], &[], &[], &[]),
            (&[1, 2, 3], &[], &[], &[1, 2, 3], &[1, 2, 3]),
            (&[], &[1, 2], &[], &[1, 2], &[]),
            (&[1, 2, 3], &[2, 3, 4], &[2, 3], &[1, 2, 3, 4], &[1]),
            (&[1, 3, 5], &[2, 4, 6], &[], &[1, 2, 3, 4, 5, 6], &[1, 3, 5]),
            (
                &[5],
                &[
                    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                ],
                &[5],
                &[
                    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                ],
                &[],
            ),
            (
                &[0, 19, 40],
                &[
                    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                ],
                &[0, 19],
                &[
                    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 40,
                ],
                &[40],
            ),
            (&[7, 8, 9], &[7, 8, 9], &[7, 8, 9], &[7, 8, 9], &[]),
        ];
        for &(a, b, and, or, minus) in cases {
            assert_eq!(intersect(a, b), and, "{a:?} ∩ {b:?}");
            assert_eq!(intersect(b, a), and, "{b:?} ∩ {a:?}");
            assert_eq!(union(&[a, b]), or, "{a:?} ∪ {b:?}");
            assert_eq!(subtract(a, b), minus, "{a:?} − {b:?}");
        }
        assert_eq!(union(&[]), Vec::<u32>::new());
        assert_eq!(union(&[&[1, 4], &[2], &[4, 9]]), [1, 2, 4, 9]);
    }

    #[test]
    fn index_lookups() {
        let s = |x: &str| Arc::<str>::from(x);
        let (job, name, api, web, up) = (s("job"), s("__name__"), s("api"), s("web"), s("up"));
        let mut p = MemPostings::new();
        p.add(3, [(&name, &up), (&job, &api)]);
        p.add(1, [(&name, &up), (&job, &web)]);
        p.add(2, [(&name, &up), (&job, &api)]);
        p.add(2, [(&name, &up)]); // again: no duplicate
        assert_eq!(p.all().to_vec(), [1, 2, 3]);
        assert_eq!(p.get("job", "api").to_vec(), [2, 3]);
        assert_eq!(p.get("job", "nope").to_vec(), [] as [u32; 0]);
        assert_eq!(p.get("nope", "api").to_vec(), [] as [u32; 0]);
        assert_eq!(p.names().collect::<Vec<_>>(), ["__name__", "job"]);
        let values: Vec<_> = p.values("job").map(|(v, _)| v).collect();
        assert_eq!(values, ["api", "web"]);
        let prefixed: Vec<_> = p
            .values_with_prefix("job", "w")
            .map(|(v, ids)| (v, ids.to_vec()))
            .collect();
        assert_eq!(prefixed, [("web", vec![1u32])]);
        assert_eq!(p.values_with_prefix("job", "x").count(), 0);
        assert_eq!(p.values_with_prefix("job", "").count(), 2);
        assert_eq!(p.pairs(), 3);
    }

    #[test]
    fn scraped_series_cost_little() {
        // 10 targets of 1,000 series in exposition order: 20 pods each,
        // families of 11 histogram buckets, 3 codes per pod.
        let s = |x: String| Arc::<str>::from(x);
        let names = ["job", "instance", "pod", "le", "code"].map(|n| s(n.into()));
        let mut p = MemPostings::new();
        for id in 0..10_000u32 {
            let values = [
                s("node".into()),
                s(format!("10.0.0.{}:9100", id / 1000)),
                s(format!("pod-{}", id / 50)),
                s(format!("{}", id % 11)),
                s(format!("{}", id % 3)),
            ];
            p.add(id, names.iter().zip(&values));
        }
        assert_eq!(p.all().to_vec(), (0..10_000).collect::<Vec<_>>());
        assert_eq!(p.get("le", "3").len(), 909);
        // 6 ids per series: well under a byte each, slack included.
        let per_series = p.list_heap_bytes() as f64 / 10_000.0;
        assert!(per_series < 3.0, "{per_series} B/series");
    }

    fn sorted_set() -> impl Strategy<Value = Vec<u32>> {
        proptest::collection::btree_set(0u32..200, 0..60).prop_map(|s| s.into_iter().collect())
    }

    proptest! {
        #[test]
        fn operations_agree_with_sets(a in sorted_set(), b in sorted_set()) {
            use std::collections::BTreeSet;
            let (sa, sb): (BTreeSet<u32>, BTreeSet<u32>) =
                (a.iter().copied().collect(), b.iter().copied().collect());
            prop_assert_eq!(intersect(&a, &b), sa.intersection(&sb).copied().collect::<Vec<_>>());
            prop_assert_eq!(union(&[&a, &b]), sa.union(&sb).copied().collect::<Vec<_>>());
            prop_assert_eq!(subtract(&a, &b), sa.difference(&sb).copied().collect::<Vec<_>>());
        }

        #[test]
        fn list_unions_agree_with_sets(lists in proptest::collection::vec(sorted_set(), 0..6)) {
            use std::collections::BTreeSet;
            let all: BTreeSet<u32> = lists.iter().flatten().copied().collect();
            let lists: Vec<PostingList> =
                lists.iter().map(|l| PostingList::from_ids(l.iter().copied())).collect();
            let refs: Vec<&PostingList> = lists.iter().collect();
            prop_assert_eq!(union_lists(&refs), all.into_iter().collect::<Vec<_>>());
        }
    }
}
