//! [`Symbols`]: the head's string interner. Every label name and value is
//! stored once and named by a [`SymbolId`], so a series costs a few bytes
//! per label instead of two strings.

use std::collections::HashMap;
use std::sync::Arc;

/// The id of an interned string, its position in the table.
pub type SymbolId = u32;

/// Interned strings: each distinct string once, shared by `Arc` with the
/// postings. Strings are never removed (the head will rebuild its table
/// when it is truncated).
#[derive(Debug, Default)]
pub struct Symbols {
    ids: HashMap<Arc<str>, SymbolId, foldhash::fast::RandomState>,
    strings: Vec<Arc<str>>,
}

impl Symbols {
    /// An empty table.
    pub fn new() -> Symbols {
        Symbols::default()
    }

    /// The id of `s`, interning it if new.
    ///
    /// # Panics
    ///
    /// Past `u32::MAX` distinct strings.
    pub fn intern(&mut self, s: &str) -> SymbolId {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = SymbolId::try_from(self.strings.len()).expect("symbol table full");
        let arc: Arc<str> = Arc::from(s);
        self.strings.push(Arc::clone(&arc));
        self.ids.insert(arc, id);
        id
    }

    /// The id of `s` if it is interned.
    pub fn get(&self, s: &str) -> Option<SymbolId> {
        self.ids.get(s).copied()
    }

    /// The string of `id`.
    ///
    /// # Panics
    ///
    /// If `id` was not returned by this table.
    pub fn resolve(&self, id: SymbolId) -> &str {
        &self.strings[id as usize]
    }

    /// The shared string of `id` (for maps keyed by string).
    pub fn shared(&self, id: SymbolId) -> &Arc<str> {
        &self.strings[id as usize]
    }

    /// How many strings are interned.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_each_string_once() {
        let mut s = Symbols::new();
        let a = s.intern("job");
        let b = s.intern("api");
        assert_eq!(s.intern("job"), a);
        assert_ne!(a, b);
        assert_eq!((s.resolve(a), s.resolve(b)), ("job", "api"));
        assert_eq!(s.get("api"), Some(b));
        assert_eq!(s.get("nope"), None);
        assert_eq!(s.len(), 2);
        let again = s.intern("job");
        assert!(Arc::ptr_eq(s.shared(a), s.shared(again)));
    }
}
