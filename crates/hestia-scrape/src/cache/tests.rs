//! Tests of `cache.rs`.

use super::*;

/// One successful scrape appending `keys` (text, ref).
fn scrape(c: &mut SeriesCache, seen: &[(&str, u64)]) -> Vec<u64> {
    for &(text, r) in seen {
        let k = key_of(text.as_bytes());
        let entry = match c.get(k) {
            Some(hit) => hit.entry,
            None => c.add(k, SeriesRef(r)),
        };
        c.track(entry);
    }
    let stale = c.stale().into_iter().map(|r| r.0).collect();
    c.iter_done(true);
    stale
}

#[test]
fn entries_stay_small() {
    assert_eq!(std::mem::size_of::<Slot>(), 24);
    // 10,000 series: 24 + 1 bytes each, and a 16,384-bucket index.
    let mut c = SeriesCache::default();
    for i in 0u32..10_000 {
        let e = c.add(key_of(&i.to_le_bytes()), SeriesRef(u64::from(i)));
        c.track(e);
    }
    c.iter_done(true);
    assert_eq!(c.entry_bytes(), 250_000 + 16_384 * 5);
    // The same series in the same order: found in sequence, so the index
    // goes; a series out of place brings it back for as long as needed.
    let texts: Vec<[u8; 4]> = (0u32..10_000).map(u32::to_le_bytes).collect();
    let again = |c: &mut SeriesCache, order: &[usize]| {
        for &i in order {
            let hit = c.get(key_of(&texts[i])).expect("cached");
            assert_eq!(hit.series, SeriesRef(i as u64));
            c.track(hit.entry);
        }
        c.iter_done(true);
        c.entry_bytes()
    };
    let in_order: Vec<usize> = (0..10_000).collect();
    assert_eq!(again(&mut c, &in_order), 250_000);
    let mut moved = in_order.clone();
    moved.swap(10, 9_000);
    assert_eq!(again(&mut c, &moved), 250_000, "reordered, index dropped");
    assert_eq!(again(&mut c, &moved), 250_000, "in the new order");
    assert_eq!(c.len(), 10_000);
}

/// What the cache must answer, the simple way: a map from key to
/// (reference, scrape last seen, appended now, appended before).
#[derive(Default)]
struct Model {
    iter: u64,
    successful: usize,
    series: HashMap<Key, (u64, u64, bool, bool)>,
}

impl Model {
    /// Looks up or adds `k`; whether it was seen already this scrape.
    fn see(&mut self, k: Key, r: u64) -> bool {
        let iter = self.iter;
        let e = self.series.entry(k).or_insert((r, u64::MAX, false, false));
        let again = e.1 == iter;
        e.1 = iter;
        e.2 = true;
        again
    }

    fn stale(&self) -> Vec<u64> {
        let current: HashSet<u64> = self.series.values().filter(|e| e.2).map(|e| e.0).collect();
        let mut out: Vec<u64> = self
            .series
            .values()
            .filter(|e| e.3 && !e.2 && !current.contains(&e.0))
            .map(|e| e.0)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn done(&mut self, success: bool) {
        let flush = if success {
            self.successful = self.series.len();
            true
        } else {
            self.series.len() > self.successful * 2 + 1000
        };
        let iter = self.iter;
        self.series.retain(|_, e| {
            e.3 = std::mem::take(&mut e.2);
            !flush || e.1 == iter
        });
        self.iter += 1;
    }
}

proptest::proptest! {
    /// Scrapes of series from a small set, in any order, with
    /// duplicates, new and vanished series and failed scrapes: the
    /// cache finds, flags and forgets entries as the model does,
    /// whatever the order its array is in.
    #[test]
    fn entries_follow_the_model(
        scrapes in proptest::collection::vec(
            (
                proptest::collection::vec(0u8..40, 0..60),
                proptest::bool::ANY,
                proptest::bool::ANY,
            ),
            1..12,
        )
    ) {
        let mut c = SeriesCache::default();
        let mut m = Model::default();
        let mut last: Vec<u8> = Vec::new();
        for (texts, success, repeat) in scrapes {
            // Often the previous scrape again, as targets do.
            let texts = if repeat { last.clone() } else { texts };
            last = texts.clone();
            for t in texts {
                let k = key_of(&[t]);
                // `knows` may miss a series out of place, never invent one.
                proptest::prop_assert!(!c.knows(k) || m.series.contains_key(&k));
                // Some texts relabel into the same series.
                let r = u64::from(t % 30);
                let again = m.see(k, r);
                let entry = match c.get(k) {
                    Some(hit) => {
                        proptest::prop_assert_eq!(hit.again, again);
                        proptest::prop_assert_eq!(hit.series, SeriesRef(r));
                        hit.entry
                    }
                    None => {
                        proptest::prop_assert!(!again);
                        c.add(k, SeriesRef(r))
                    }
                };
                c.track(entry);
            }
            if !success {
                c.forget_current();
                m.series.values_mut().for_each(|e| e.2 = false);
            }
            let stale: Vec<u64> = c.stale().into_iter().map(|r| r.0).collect();
            proptest::prop_assert_eq!(stale, m.stale());
            c.iter_done(success);
            m.done(success);
            proptest::prop_assert_eq!(c.len(), m.series.len());
        }
    }
}

#[test]
fn entries_keep_the_scrape_order() {
    let mut c = SeriesCache::default();
    let keys: Vec<Key> = (0u32..100).map(|i| key_of(&i.to_le_bytes())).collect();
    let scrape = |c: &mut SeriesCache, order: &[usize]| {
        for &i in order {
            let entry = match c.get(keys[i]) {
                Some(hit) => hit.entry,
                None => c.add(keys[i], SeriesRef(i as u64)),
            };
            c.track(entry);
        }
        c.iter_done(true);
    };
    let forward: Vec<usize> = (0..100).collect();
    scrape(&mut c, &forward);
    let expected: Vec<[u32; 4]> = keys.iter().map(|&k| pack_key(k)).collect();
    let order = |c: &SeriesCache| c.slots.iter().map(|s| s.key).collect::<Vec<_>>();
    assert_eq!(order(&c), expected);
    // Backwards, then without the even series: the array follows.
    let backward: Vec<usize> = (0..100).rev().collect();
    scrape(&mut c, &backward);
    assert_eq!(
        order(&c),
        expected.iter().rev().copied().collect::<Vec<_>>()
    );
    let odd: Vec<usize> = (0..100).filter(|i| i % 2 == 1).collect();
    scrape(&mut c, &odd);
    let odd_keys: Vec<[u32; 4]> = odd.iter().map(|&i| expected[i]).collect();
    assert_eq!(order(&c), odd_keys);
    // In order again: every lookup is at the expected position.
    for (n, &i) in odd.iter().enumerate() {
        assert_eq!(c.next, n);
        assert_eq!(c.get(keys[i]).map(|h| h.entry), Some(n));
    }
    assert!(!c.scrambled);
}

#[test]
fn staleness_by_reference() {
    let mut c = SeriesCache::default();
    assert!(scrape(&mut c, &[("a", 1), ("b", 2), ("b2", 2)]).is_empty());
    // `b2` relabels into the series `b` still appended: not stale.
    assert!(scrape(&mut c, &[("a", 1), ("b", 2)]).is_empty());
    assert_eq!(scrape(&mut c, &[("b", 2)]), [1]);
    // Marked once; then forgotten.
    assert!(scrape(&mut c, &[("b", 2)]).is_empty());
    assert_eq!(c.len(), 1);
    // A failed scrape makes everything of the previous one stale.
    c.forget_current();
    assert_eq!(c.stale().len(), 1);
    c.iter_done(false);
    assert!(scrape(&mut c, &[("b", 2)]).is_empty());
    // Labels changed by a reload: the old series goes stale unless the
    // new labels resolve to the same reference.
    c.reset_series();
    assert_eq!(c.len(), 0);
    assert_eq!(scrape(&mut c, &[("b", 3)]), [2]);
    c.reset_series();
    assert!(scrape(&mut c, &[("b", 3)]).is_empty());
}
