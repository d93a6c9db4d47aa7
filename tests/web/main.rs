//! Browser tests (wasm-bindgen-test in headless Chromium) for what needs a real DOM.
#![cfg(target_arch = "wasm32")]

mod photo;
mod sync_emulator;
mod sync_view;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn config_parses_in_the_browser() {
    // The same validation runs in the page as natively; this proves it links and runs in wasm.
    let config = profile_photo_sync::config::AppConfig::parse(
        r#"{"clientId":"11111111-2222-3333-4444-555555555555","authority":"http://login.localhost:1/contoso"}"#,
    )
    .unwrap();
    assert_eq!(config.authority, "http://login.localhost:1/contoso");
}
