//! Keeps an audit's progress ([`super::progress`]) in the browser's IndexedDB, so that a
//! reload or a closed tab resumes it. IndexedDB rather than localStorage: a 10,000-user audit
//! is a megabyte or two, and localStorage (about 5 MB per origin, shared with the sign-in
//! cache) blocks the page while it writes. Only the progress goes in, never a token.

use js_sys::Promise;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DATABASE: &str = "profile-photo-sync";
const STORE: &str = "audits";

/// The progress kept under `key`, if any (and if the browser keeps IndexedDB at all).
pub async fn load(key: &str) -> Option<String> {
    let db = open().await?;
    let store = db
        .transaction_with_str(STORE)
        .ok()?
        .object_store(STORE)
        .ok()?;
    let value = done(store.get(&JsValue::from_str(key)).ok()?).await?;
    value.as_string()
}

/// Keeps `value` under `key`; false when the browser would not.
pub async fn save(key: &str, value: &str) -> bool {
    let Some(db) = open().await else {
        return false;
    };
    let Some(store) = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
        .ok()
        .and_then(|t| t.object_store(STORE).ok())
    else {
        return false;
    };
    match store.put_with_key(&JsValue::from_str(value), &JsValue::from_str(key)) {
        Ok(request) => done(request).await.is_some(),
        Err(_) => false,
    }
}

/// Forgets the progress under `key`.
pub async fn forget(key: &str) {
    if let Some(store) = open().await.and_then(|db| {
        db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
            .ok()?
            .object_store(STORE)
            .ok()
    }) {
        if let Ok(request) = store.delete(&JsValue::from_str(key)) {
            let _ = done(request).await;
        }
    }
}

async fn open() -> Option<IdbDatabase> {
    let factory = web_sys::window()?.indexed_db().ok()??;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, 1).ok()?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let db = event
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = db {
            if !db.object_store_names().contains(STORE) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let result = done(request.clone().unchecked_into()).await;
    request.set_onupgradeneeded(None);
    result?.dyn_into::<IdbDatabase>().ok()
}

/// The result of a request once it succeeds; `None` when it fails.
async fn done(request: IdbRequest) -> Option<JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_success = Closure::once_into_js(move |event: web_sys::Event| {
            let result = event
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok())
                .unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::NULL, &result);
        });
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call0(&JsValue::NULL);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.ok()
}
