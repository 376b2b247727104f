//! A leaf: `Live<T>`, a value that a reload may replace while requests read it. A reader takes
//! the current `Arc` and keeps it for the whole request, so one request never sees half of an
//! old set and half of a new one; a replacement is one swap under a lock held for a pointer copy.

use std::sync::{Arc, PoisonError, RwLock};

/// A value shared by the handlers, replaced whole by a reload.
pub struct Live<T>(Arc<RwLock<Arc<T>>>);

impl<T> Clone for Live<T> {
    fn clone(&self) -> Self {
        Live(self.0.clone())
    }
}

impl<T> Live<T> {
    pub fn new(value: T) -> Self {
        Live(Arc::new(RwLock::new(Arc::new(value))))
    }

    /// The value as it is now.
    pub fn get(&self) -> Arc<T> {
        // A writer only swaps a pointer and cannot panic halfway: a poisoned lock still holds a
        // whole value.
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Puts `value` in place; readers from now on see it.
    pub fn set(&self, value: T) {
        let value = Arc::new(value);
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = value;
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Live<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::Live;

    #[test]
    fn a_reader_keeps_what_it_took_and_later_readers_see_the_new_value() {
        let live = Live::new(vec![1]);
        let other = live.clone();
        let taken = live.get();
        other.set(vec![2]);
        assert_eq!(*taken, vec![1]);
        assert_eq!(*live.get(), vec![2]);
    }
}
