//! [`postings_for_matchers`]: the series a selector picks, computed on the
//! postings with Prometheus' rules for absent labels.
//!
//! * A label that some matcher refuses to see empty ("must be set"): its
//!   matchers intersect the postings of the values they accept — except a
//!   negative matcher that accepts `""` (`l!="x"`, `l!~"a|b"`), whose
//!   inverse's postings are subtracted instead, which enumerates fewer
//!   values.
//! * A matcher that accepts `""` on a label no other matcher requires
//!   (`l=""`, `l!="x"`, `l=~"a|"`) also selects series without the label:
//!   the postings of the values it refuses are subtracted.
//! * If nothing was intersected, subtraction starts from all series.
//!
//! Values are found by [`Matcher::set_matches`] when the pattern is a
//! short list of strings, by the literal prefix when there is one (a range
//! of the sorted values), and otherwise by testing every value of the
//! label.

use std::collections::HashSet;

use hestia_model::{MatchType, Matcher};

use super::list::PostingList;
use super::postings::{intersect, subtract, union, union_lists, MemPostings, SeriesId};

/// The series a matcher picks: one list of the index as it is (an
/// equality matcher), or the union of several.
enum Picked<'a> {
    List(&'a PostingList),
    Ids(Vec<SeriesId>),
}

impl Picked<'_> {
    fn len(&self) -> usize {
        match self {
            Picked::List(l) => l.len(),
            Picked::Ids(ids) => ids.len(),
        }
    }

    fn into_vec(self) -> Vec<SeriesId> {
        match self {
            Picked::List(l) => l.to_vec(),
            Picked::Ids(ids) => ids,
        }
    }

    /// The ids of `ids` (sorted) that are also picked.
    fn intersect(&self, ids: &[SeriesId]) -> Vec<SeriesId> {
        match self {
            Picked::List(l) => l.intersect(ids),
            Picked::Ids(mine) => intersect(ids, mine),
        }
    }
}

/// The sorted ids of the series of `index` that every matcher accepts, an
/// absent label being matched as `""`. No matchers select every series.
///
/// Lists are decoded only where needed: the shortest accepted set is
/// decoded, then narrowed by walking the runs of the others.
pub fn postings_for_matchers(index: &MemPostings, matchers: &[Matcher]) -> Vec<SeriesId> {
    let must_be_set: HashSet<&str> = matchers
        .iter()
        .filter(|m| !m.matches_empty())
        .map(Matcher::name)
        .collect();
    let mut its: Vec<Picked<'_>> = Vec::new();
    let mut nots: Vec<Picked<'_>> = Vec::new();
    for m in matchers {
        let negative = matches!(m.kind(), MatchType::NotEqual | MatchType::NotRegex);
        if !must_be_set.contains(m.name()) {
            // Selects series without the label: remove those whose value
            // it refuses.
            nots.push(accepted_by(index, m, false));
        } else if negative && m.matches_empty() {
            nots.push(accepted_by(index, &m.inverse(), true));
        } else {
            its.push(accepted_by(index, m, true));
        }
    }
    nots.retain(|n| n.len() > 0);
    its.sort_by_key(Picked::len);
    let mut its = its.into_iter();
    let mut result = match its.next() {
        Some(first) => first.into_vec(),
        None => {
            // Everything but the refused: walk the runs of all series.
            return match nots.as_slice() {
                [] => index.all().to_vec(),
                [Picked::List(one)] => index.all().without(&one.to_vec()),
                _ => index.all().without(&union_nots(nots)),
            };
        }
    };
    for other in its {
        if result.is_empty() {
            break;
        }
        result = other.intersect(&result);
    }
    if result.is_empty() {
        return result;
    }
    match nots.as_slice() {
        [] => result,
        [Picked::List(one)] => one.subtract_from(&result),
        _ => subtract(&result, &union_nots(nots)),
    }
}

/// The union of the refused sets.
fn union_nots(nots: Vec<Picked<'_>>) -> Vec<SeriesId> {
    let lists: Vec<Vec<SeriesId>> = nots.into_iter().map(Picked::into_vec).collect();
    let lists: Vec<&[SeriesId]> = lists.iter().map(Vec::as_slice).collect();
    union(&lists)
}

/// The series whose value of `m`'s label `m` accepts (`accept`) or refuses
/// (`!accept`). Series without the label are never included.
fn accepted_by<'a>(index: &'a MemPostings, m: &Matcher, accept: bool) -> Picked<'a> {
    let name = m.name();
    let lists: Vec<&'a PostingList> = 'lists: {
        if accept {
            if let Some(values) = m.set_matches() {
                break 'lists values.iter().map(|v| index.get(name, v)).collect();
            }
            if let Some(prefix) = m.literal_prefix().filter(|p| !p.is_empty()) {
                if m.kind() == MatchType::Regex {
                    break 'lists index
                        .values_with_prefix(name, prefix)
                        .filter(|(v, _)| m.matches(v))
                        .map(|(_, ids)| ids)
                        .collect();
                }
            }
        }
        index
            .values(name)
            .filter(|(v, _)| m.matches(v) == accept)
            .map(|(_, ids)| ids)
            .collect()
    };
    match lists.as_slice() {
        [one] => Picked::List(one),
        _ => Picked::Ids(union_lists(&lists)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Series 0..: {a="1"}, {a="2", b="x"}, {b="y"}, {a="10", b="x"}, {}.
    fn index() -> MemPostings {
        let series: [&[(&str, &str)]; 5] = [
            &[("a", "1")],
            &[("a", "2"), ("b", "x")],
            &[("b", "y")],
            &[("a", "10"), ("b", "x")],
            &[],
        ];
        let mut p = MemPostings::new();
        for (id, labels) in series.iter().enumerate() {
            let pairs: Vec<(Arc<str>, Arc<str>)> = labels
                .iter()
                .map(|&(n, v)| (Arc::from(n), Arc::from(v)))
                .collect();
            p.add(id as u32, pairs.iter().map(|(n, v)| (n, v)));
        }
        p
    }

    fn m(s: &str) -> Matcher {
        for op in ["!=", "=~", "!~", "="] {
            if let Some((name, value)) = s.split_once(op) {
                return Matcher::new(op.parse().unwrap(), name, value).unwrap();
            }
        }
        panic!("bad matcher {s}");
    }

    #[test]
    fn selection_follows_prometheus() {
        // (matchers, selected series)
        let cases: &[(&[&str], &[u32])] = &[
            (&[], &[0, 1, 2, 3, 4]),
            (&["a=1"], &[0]),
            (&["a=3"], &[]),
            (&["a="], &[2, 4]),
            (&["a!="], &[0, 1, 3]),
            (&["a!=1"], &[1, 2, 3, 4]),
            (&["a=~1.*"], &[0, 3]),
            (&["a=~1|2"], &[0, 1]),
            (&["a=~1|"], &[0, 2, 4]),
            (&["a=~.*"], &[0, 1, 2, 3, 4]),
            (&["a=~.+"], &[0, 1, 3]),
            (&["a!~.+"], &[2, 4]),
            (&["a!~1|2"], &[2, 3, 4]),
            (&["a!~1|2", "a=~.+"], &[3]),
            (&["a!=1", "b=x"], &[1, 3]),
            (&["a!=2", "b=~x|y"], &[2, 3]),
            (&["b=x", "a=~1.*"], &[3]),
            (&["b!=x", "a!=1"], &[2, 4]),
            (&["b=", "a="], &[4]),
            (&["a=~.+", "a!=1"], &[1, 3]),
            (&["a=~.+", "a="], &[]),
            (&["c="], &[0, 1, 2, 3, 4]),
            (&["c!=x"], &[0, 1, 2, 3, 4]),
            (&["c=x"], &[]),
            (&["c=~.+"], &[]),
            (&["a=~(?i)1"], &[0]),
            (&["a=~[12]"], &[0, 1]),
            (&["a!~[12]"], &[2, 3, 4]),
        ];
        let index = index();
        for &(matchers, want) in cases {
            let ms: Vec<Matcher> = matchers.iter().map(|s| m(s)).collect();
            assert_eq!(postings_for_matchers(&index, &ms), want, "{matchers:?}");
        }
    }
}
