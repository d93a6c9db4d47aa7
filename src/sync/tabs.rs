//! What the page's tabs in one browser tell each other about writes: when one last wrote a
//! photo, so that another does not write the older photo it read before that over it
//! ([`super::compare::can_reuse`]). Kept in localStorage as a time only (no photo, no token).

const WRITTEN_AT_KEY: &str = "pps.photo-written-at";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Notes that this tab has just written a photo.
pub fn note_written(now_ms: f64) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(WRITTEN_AT_KEY, &format!("{}", now_ms as u64));
    }
}

/// When a tab of this browser last wrote a photo (Unix ms), if one did.
pub fn last_written() -> Option<f64> {
    local_storage()?
        .get_item(WRITTEN_AT_KEY)
        .ok()
        .flatten()?
        .parse::<u64>()
        .ok()
        .map(|ms| ms as f64)
}
