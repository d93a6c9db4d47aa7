//! The browser seam: the few things the page asks of its window — where it is (framed or not,
//! its query and path, its origin), changing its address, timers, the clock and random numbers —
//! written once, here, for `auth`, `embed`, `sync` and `http`.
//!
//! It decides nothing and knows nothing of the app: no sign-in, no widget, no sync. Code that
//! must be tested natively does not call it directly but takes what it needs as arguments
//! (the clock, a jitter) or through a trait (sign-in's `auth::navigation::Navigation`). It
//! imports no other module of the crate, so every layer may use it.

use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The page's window. Every page of the app runs in one; a worker never loads this code.
pub fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

/// The page's document.
pub fn document() -> web_sys::Document {
    window().document().expect("a document")
}

/// A `performance.mark` for the benchmarks' start-up timeline.
pub fn mark(name: &str) {
    if let Some(performance) = window().performance() {
        let _ = performance.mark(name);
    }
}

/// True when the page runs inside a frame (an intranet page embeds it). A browser that does
/// not say counts as framed: the careful answer.
pub fn is_framed() -> bool {
    let w = window();
    match w.top() {
        Ok(Some(top)) => !js_sys::Object::is(&top, &w),
        _ => true,
    }
}

/// The page's query string (`?…`, or empty).
pub fn query() -> String {
    window().location().search().unwrap_or_default()
}

/// The page's path (`/…`).
pub fn pathname() -> String {
    window().location().pathname().unwrap_or_default()
}

/// The page's origin (`https://intranet.example`).
pub fn origin() -> String {
    window().location().origin().unwrap_or_default()
}

/// Replaces the address bar's path and query without loading anything.
pub fn replace_address(path_and_query: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(path_and_query));
    }
}

/// Sends the whole page to `url`.
pub fn leave_for(url: &str) {
    let _ = window().location().assign(url);
}

/// Milliseconds since the epoch by the device's clock (`Date.now()`).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Seconds since the epoch by the device's clock.
pub fn now_secs() -> u64 {
    (now_ms() / 1000.0) as u64
}

/// A number in `[0, 1)` for jitter (`Math.random()`); not for secrets.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// Fills `bytes` from `crypto.getRandomValues`, the browser's secure generator; false when the
/// browser offers none (then nothing that needs secrets may start).
pub fn secure_random(bytes: &mut [u8]) -> bool {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(bytes).ok())
        .is_some()
}

/// The asynchronous clipboard (`navigator.clipboard`), where the browser offers it: only in
/// a secure context (https, localhost). Elsewhere the property is missing, and calling it
/// would throw.
pub fn async_clipboard() -> Option<web_sys::Clipboard> {
    let navigator = window().navigator();
    js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())
        .map(|c| c.unchecked_into())
}

/// Copies `text` the older way, which works where the asynchronous clipboard is missing or
/// refused: a scratch text field (class `clipboard-scratch`, kept out of sight by the page's
/// CSS) is selected and `document.execCommand("copy")` copies the selection. True when the
/// browser says it copied. Call it from a click: browsers copy only for a user's gesture.
pub fn copy_by_selection(text: &str) -> bool {
    let Some(document) = window().document() else {
        return false;
    };
    let Some(body) = document.body() else {
        return false;
    };
    let Ok(scratch) = document.create_element("textarea") else {
        return false;
    };
    let scratch: web_sys::HtmlTextAreaElement = scratch.unchecked_into();
    scratch.set_value(text);
    scratch.set_read_only(true);
    scratch.set_class_name("clipboard-scratch");
    let _ = scratch.set_attribute("aria-hidden", "true");
    let _ = scratch.set_attribute("tabindex", "-1");
    let focused = document.active_element();
    if body.append_child(&scratch).is_err() {
        return false;
    }
    scratch.select();
    let document: web_sys::HtmlDocument = document.unchecked_into();
    let copied = document.exec_command("copy").unwrap_or(false);
    scratch.remove();
    // Back to the button that asked, so that keyboard users stay where they were.
    if let Some(focused) = focused.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = focused.focus();
    }
    copied
}

/// Resolves after `ms` milliseconds (a `setTimeout` promise); at once where there is no
/// window to keep time.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, clamp(ms))
                .ok()
        });
        if scheduled.is_none() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// A callback the browser calls once after a delay, unless the timer is dropped first.
pub struct Timer {
    handle: Option<i32>,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    /// Calls `callback` after `ms` milliseconds (`setTimeout`); never, where there is no
    /// window. Keep the timer as long as the callback may still be wanted.
    pub fn start(ms: u32, callback: impl FnMut() + 'static) -> Timer {
        let callback = Closure::<dyn FnMut()>::new(callback);
        let handle = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                clamp(ms),
            )
            .ok()
        });
        Timer {
            handle,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let (Some(handle), Some(window)) = (self.handle, web_sys::window()) {
            window.clear_timeout_with_handle(handle);
        }
    }
}

/// `setTimeout` takes an `i32`.
fn clamp(ms: u32) -> i32 {
    ms.min(i32::MAX as u32) as i32
}
