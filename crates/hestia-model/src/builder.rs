//! [`LabelsBuilder`]: derives a new label set from a base one (relabelling,
//! PromQL's `by`/`without`, `label_replace`), copying the base only once
//! something actually changes.

use crate::labels::{Labels, Pair};

/// Edits a copy of a [`Labels`]: set, delete, keep, then
/// [`build`](LabelsBuilder::build).
///
/// Operations apply in call order to the set as it stands, and the last
/// write to a name wins. Setting an empty value deletes the label, as an
/// empty value means "absent". Names are not validated. Nothing is copied
/// until an operation changes the set, so building an unchanged set is an
/// `Arc` clone.
///
/// ```
/// use hestia_model::labels;
///
/// let base = labels! { "__name__" => "up", "job" => "api", "instance" => "a:1" };
/// let mut b = base.builder();
/// b.set("job", "web").del("instance").set("zone", "eu");
/// assert_eq!(b.build(), labels! { "__name__" => "up", "job" => "web", "zone" => "eu" });
/// b.keep(&["job"]);
/// assert_eq!(b.build(), labels! { "job" => "web" });
/// ```
#[derive(Debug, Clone, Default)]
pub struct LabelsBuilder {
    base: Labels,
    /// The edited set, sorted by unique name; `None` while unchanged.
    work: Option<Vec<Pair>>,
}

impl LabelsBuilder {
    /// A builder starting from `base`.
    pub fn new(base: &Labels) -> LabelsBuilder {
        LabelsBuilder {
            base: base.clone(),
            work: None,
        }
    }

    /// Starts over from `base`, forgetting every edit.
    pub fn reset(&mut self, base: &Labels) -> &mut Self {
        self.base = base.clone();
        self.work = None;
        self
    }

    fn work(&mut self) -> &mut Vec<Pair> {
        let base = &self.base;
        self.work
            .get_or_insert_with(|| base.iter().map(|(n, v)| (n.into(), v.into())).collect())
    }

    /// The current value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        match &self.work {
            None => self.base.get(name),
            Some(w) => w
                .binary_search_by(|(n, _)| (**n).cmp(name))
                .ok()
                .map(|i| &*w[i].1),
        }
    }

    /// Sets `name` to `value`, replacing any current value; an empty
    /// `value` deletes the label.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        if value.is_empty() {
            return self.del(name);
        }
        if self.get(name) == Some(value) {
            return self;
        }
        let work = self.work();
        match work.binary_search_by(|(n, _)| (**n).cmp(name)) {
            Ok(i) => work[i].1 = value.into(),
            Err(i) => work.insert(i, (name.into(), value.into())),
        }
        self
    }

    /// Deletes the label `name`, if present.
    pub fn del(&mut self, name: &str) -> &mut Self {
        if self.get(name).is_some() {
            self.work().retain(|(n, _)| &**n != name);
        }
        self
    }

    /// Deletes every label whose name is not in `names` (any order).
    pub fn keep<S: AsRef<str>>(&mut self, names: &[S]) -> &mut Self {
        let wanted = |n: &str| names.iter().any(|k| k.as_ref() == n);
        let all_wanted = match &self.work {
            None => self.base.iter().all(|(n, _)| wanted(n)),
            Some(w) => w.iter().all(|(n, _)| wanted(n)),
        };
        if !all_wanted {
            self.work().retain(|(n, _)| wanted(n));
        }
        self
    }

    /// The label set as edited so far. The builder stays usable.
    pub fn build(&self) -> Labels {
        match &self.work {
            None => self.base.clone(),
            Some(pairs) => Labels::from_sorted(pairs),
        }
    }
}
