//! The browser's sessionStorage as a cache [`Store`]: per tab, gone when the tab closes.

use super::cache::{Store, StoreFull};

pub struct SessionStore(web_sys::Storage);

impl SessionStore {
    /// sessionStorage, when the browser allows it (it may not in a sandboxed frame).
    pub fn open() -> Option<SessionStore> {
        web_sys::window()?
            .session_storage()
            .ok()
            .flatten()
            .map(SessionStore)
    }
}

impl Store for SessionStore {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get_item(key).ok().flatten()
    }
    /// `setItem` throws when the page's share of sessionStorage is full
    /// (`QuotaExceededError`), or when the browser forbids storage here: either way the value
    /// is not kept, and the caller hears so.
    fn set(&self, key: &str, value: &str) -> Result<(), StoreFull> {
        self.0.set_item(key, value).map_err(|_| StoreFull)
    }
    fn remove(&self, key: &str) {
        let _ = self.0.remove_item(key);
    }
    fn keys(&self) -> Vec<String> {
        let length = self.0.length().unwrap_or(0);
        (0..length)
            .filter_map(|i| self.0.key(i).ok().flatten())
            .collect()
    }
}
