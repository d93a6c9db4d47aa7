//! The navigation seam: everything sign-in asks of the window it runs in — the address it came
//! back to, cleaning the address bar, leaving for the identity platform, the popup, the clock,
//! timers and secure random bytes — behind one trait, [`Navigation`], so that the interaction
//! clients (`redirect`, `popup`, `silent`) read as steps and are tested natively against a
//! fake window. [`BrowserNavigation`] is the page's own window, through [`crate::browser`].
//!
//! The free functions are the same operations for the views (opening the popup in a click
//! handler, reading the query), and the tabs' sign-out channel.

use std::future::Future;

use wasm_bindgen::{JsCast, JsValue};

use super::request::SignInRandom;
use super::AuthError;

/// What sign-in needs from the window it runs in.
pub trait Navigation {
    /// The page's query string (`?…`), where a sign-in response comes back.
    fn query(&self) -> String;
    /// The page's path (`/…`).
    fn pathname(&self) -> String;
    /// Replaces the address bar's path and query without loading anything.
    fn replace_address(&self, path_and_query: &str);
    /// Sends the whole page to `url`.
    fn leave_for(&self, url: &str);
    /// True when the page runs inside a frame.
    fn is_framed(&self) -> bool;
    /// True when this window was opened by a page of the same origin (the sign-in popup).
    fn opened_by_same_origin_page(&self) -> bool;
    /// Milliseconds since the epoch by the device's clock.
    fn now_ms(&self) -> u64;
    /// Seconds since the epoch by the device's clock.
    fn now_secs(&self) -> u64 {
        self.now_ms() / 1000
    }
    /// Waits `ms` milliseconds.
    fn sleep(&self, ms: u32) -> impl Future<Output = ()>;
    /// Fresh random bytes for a sign-in's PKCE verifier, `state` and `nonce`; `None` when the
    /// window has no secure generator (then no sign-in starts).
    fn sign_in_random(&self) -> Option<SignInRandom>;
    /// Tells the page's other tabs that the user signed out here.
    fn announce_sign_out(&self);
}

/// A sign-in popup the page opened: where it is, and closing it.
pub trait Popup {
    /// Sends the popup to `url` (the identity platform's authorize page).
    fn go_to(&self, url: &str);
    /// The popup's address once it is back on the page's origin; `None` while it is elsewhere.
    fn address_if_back(&self) -> Option<String>;
    /// True once the popup is closed (by the user, or by the page).
    fn is_closed(&self) -> bool;
    fn close(&self);
}

/// The page's own window.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserNavigation;

impl Navigation for BrowserNavigation {
    fn query(&self) -> String {
        query()
    }
    fn pathname(&self) -> String {
        pathname()
    }
    fn replace_address(&self, path_and_query: &str) {
        replace_address(path_and_query)
    }
    fn leave_for(&self, url: &str) {
        leave_for(url)
    }
    fn is_framed(&self) -> bool {
        is_framed()
    }
    fn opened_by_same_origin_page(&self) -> bool {
        opened_by_same_origin_page()
    }
    fn now_ms(&self) -> u64 {
        now_ms()
    }
    fn sleep(&self, ms: u32) -> impl Future<Output = ()> {
        sleep(ms)
    }
    fn sign_in_random(&self) -> Option<SignInRandom> {
        let mut random = [0u8; 64];
        crate::browser::secure_random(&mut random).then_some(random)
    }
    fn announce_sign_out(&self) {
        announce_sign_out()
    }
}

impl Popup for web_sys::Window {
    fn go_to(&self, url: &str) {
        let _ = self.location().set_href(url);
    }
    fn address_if_back(&self) -> Option<String> {
        same_origin_address(self)
    }
    fn is_closed(&self) -> bool {
        self.closed().unwrap_or(true)
    }
    fn close(&self) {
        let _ = web_sys::Window::close(self);
    }
}

/// The name of the sign-in popup window.
pub const POPUP_NAME: &str = "pps-signin";

pub use crate::browser::{is_framed, leave_for, origin, pathname, query, replace_address, sleep};

fn window() -> web_sys::Window {
    crate::browser::window()
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

/// Milliseconds since the epoch, by the device's clock.
pub fn now_ms() -> u64 {
    crate::browser::now_ms() as u64
}

/// Seconds since the epoch, by the device's clock.
pub fn now_secs() -> u64 {
    crate::browser::now_secs()
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

/// Calls `shown` each time the browser shows this page again from its back-forward cache
/// (`pageshow` with `persisted`): the page did not leave after all.
pub fn on_page_shown(shown: impl Fn() + 'static) {
    let callback = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::Event)>::new(
        move |event: web_sys::Event| {
            let persisted = js_sys::Reflect::get(&event, &"persisted".into())
                .ok()
                .and_then(|p| p.as_bool())
                .unwrap_or(false);
            if persisted {
                shown();
            }
        },
    );
    if let Some(window) = web_sys::window() {
        let _ =
            window.add_event_listener_with_callback("pageshow", callback.as_ref().unchecked_ref());
    }
    callback.forget();
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
