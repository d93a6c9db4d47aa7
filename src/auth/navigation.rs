//! The navigation seam: everything sign-in does to the browser window — leaving for the
//! identity platform, cleaning the address bar, popups, timers — in one place, so the flows in
//! `session` read as steps and the browser specifics stay here.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::AuthError;

/// The name of the sign-in popup window.
pub const POPUP_NAME: &str = "pps-signin";

fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

/// Sends the whole page to `url` (the identity platform).
pub fn leave_for(url: &str) {
    let _ = window().location().assign(url);
}

/// The page's query string (`?…`).
pub fn query() -> String {
    window().location().search().unwrap_or_default()
}

/// The page's path (`/…`).
pub fn pathname() -> String {
    window().location().pathname().unwrap_or_default()
}

/// The page's origin.
pub fn origin() -> String {
    window().location().origin().unwrap_or_default()
}

/// Replaces the address bar's path and query without loading anything (removes the code).
pub fn replace_address(path_and_query: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(path_and_query));
    }
}

/// True when the page runs inside a frame (an intranet page embeds it).
pub fn is_framed() -> bool {
    let w = window();
    match w.top() {
        Ok(Some(top)) => !js_sys::Object::is(&top, &w),
        _ => true,
    }
}

/// True when this window was opened by a page of the same origin (it is the sign-in popup).
pub fn opened_by_same_origin_page() -> bool {
    let Ok(opener) = window().opener() else {
        return false;
    };
    if opener.is_null() || opener.is_undefined() {
        return false;
    }
    let opener: web_sys::Window = opener.unchecked_into();
    // Reading a cross-origin opener's location throws.
    opener.location().origin().is_ok_and(|o| o == origin())
}

/// Opens the sign-in popup. Must run in the click handler, before any `await`, or the browser
/// blocks it.
pub fn open_popup() -> Result<web_sys::Window, AuthError> {
    let w = window();
    let (width, height) = (483, 600);
    let number = |v: Result<wasm_bindgen::JsValue, JsValue>, default: f64| {
        v.ok().and_then(|v| v.as_f64()).unwrap_or(default) as i32
    };
    let left = number(w.screen_x(), 0.0) + (number(w.outer_width(), 1024.0) - width) / 2;
    let top = number(w.screen_y(), 0.0) + (number(w.outer_height(), 768.0) - height) / 2;
    let features = format!("popup=yes,width={width},height={height},left={left},top={top}");
    match w.open_with_url_and_target_and_features("about:blank", POPUP_NAME, &features) {
        Ok(Some(popup)) => Ok(popup),
        _ => Err(AuthError::PopupBlocked),
    }
}

/// The popup's address once it is back on this origin; `None` while it is elsewhere.
pub fn same_origin_address(popup: &web_sys::Window) -> Option<String> {
    let location = popup.location();
    let href = location.href().ok()?;
    (location.origin().ok()? == origin()).then_some(href)
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
    });
    let _ = JsFuture::from(promise).await;
}

/// Seconds and milliseconds since the epoch, by the device's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

pub fn now_secs() -> u64 {
    now_ms() / 1000
}

/// The channel the page's tabs in this browser hear each other's sign-outs on. Its messages
/// carry no token and no account: only that a tab signed out.
const SESSION_CHANNEL: &str = "pps-session";

thread_local! {
    /// This page's end of [`SESSION_CHANNEL`]: it posts through the same object it listens
    /// on, so that it does not hear its own sign-out.
    static CHANNEL: std::cell::RefCell<Option<web_sys::BroadcastChannel>> =
        const { std::cell::RefCell::new(None) };
}

/// Tells the page's other tabs in this browser that the user signed out here.
pub fn announce_sign_out() {
    CHANNEL.with(|channel| {
        if let Some(channel) = channel.borrow().as_ref() {
            let _ = channel.post_message(&JsValue::from_str("signed-out"));
        }
    });
}

/// Calls `signed_out` whenever another tab of the page signs out (for the page's lifetime).
pub fn on_sign_out_elsewhere(signed_out: impl Fn() + 'static) {
    let Ok(channel) = web_sys::BroadcastChannel::new(SESSION_CHANNEL) else {
        return;
    };
    let callback = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::MessageEvent)>::new(
        move |event: web_sys::MessageEvent| {
            if event.data().as_string().as_deref() == Some("signed-out") {
                signed_out();
            }
        },
    );
    channel.set_onmessage(Some(callback.as_ref().unchecked_ref()));
    callback.forget();
    CHANNEL.with(|kept| *kept.borrow_mut() = Some(channel));
}
