//! The page's frame: it renders, and a broken `config.json` says what is wrong.

use crate::support::{emulator, AppPage, Browser, BrowserOptions};

#[tokio::test(flavor = "multi_thread")]
async fn the_shell_renders_the_landing_view() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;

    assert_eq!(page.text_of("app-title").await, "Profile Photo Sync");
    page.wait_for("landing").await;
    page.wait_for("sign-in").await;
    let lang = page.eval("return document.documentElement.lang").await;
    assert_eq!(lang, "en");
    assert_eq!(
        page.text_of("app-version").await,
        format!("Version {}", env!("CARGO_PKG_VERSION")),
        "the footer shows the page's version"
    );
    // index.html paints a header of its own while the wasm loads; the app replaces it.
    let headers = page
        .eval("return [document.querySelectorAll('.app-header').length, !!document.getElementById('boot')]")
        .await;
    assert_eq!(
        headers,
        serde_json::json!([1, false]),
        "one header, the app's"
    );
    let served = page
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(location.href).then(r => r.text()).then(done, e => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    let served = served.as_str().unwrap_or_default();
    assert!(
        served.contains(r#"<div id="boot""#) && served.contains(r#"class="app-header""#),
        "the first paint does not wait for the wasm: {served}"
    );
    let log = emulator.control().log().await.unwrap();
    let config_reads = log
        .iter()
        .filter(|e| e.path_and_query.ends_with("/config.json"))
        .count();
    assert_eq!(
        config_reads, 1,
        "the app reads config.json from index.html's preload, not a second time"
    );
    let early = page
        .eval(
            "const c = performance.getEntriesByName(new URL('config.json', location.href).href)[0];
             const s = performance.getEntriesByName('pps:start')[0];
             return !!c && !!s && c.startTime < s.startTime",
        )
        .await;
    assert_eq!(
        early,
        serde_json::json!(true),
        "config.json is fetched before the wasm starts"
    );
    page.assert_accessible("landing").await;
    page.screenshot("landing").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_that_is_not_json_says_where() {
    let emulator = emulator().await;
    emulator
        .control()
        .set_app_config(Some("{\n  \"clientId\": \"x\",\n}".into()))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;

    page.wait_for("config-error").await;
    assert_eq!(
        page.attribute_of("config-error", "data-error-kind")
            .await
            .as_deref(),
        Some("bad-json")
    );
    let message = page.text_of("config-error-message").await;
    assert!(message.contains("not valid JSON (line 3"), "{message}");
    assert!(
        !page.has("landing").await,
        "no landing view with a broken config"
    );
    page.assert_accessible("config error").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_without_client_id_names_the_field() {
    let emulator = emulator().await;
    emulator
        .control()
        .set_app_config(Some(
            r#"{"authority":"https://login.microsoftonline.com/contoso.onmicrosoft.com"}"#.into(),
        ))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;

    let message = page.text_of("config-error-message").await;
    assert!(
        message.contains("config.json has no \"clientId\""),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_with_plain_http_outside_localhost_is_refused() {
    let emulator = emulator().await;
    emulator
        .control()
        .set_app_config(Some(
            r#"{"clientId":"11111111-2222-3333-4444-555555555555","authority":"http://login.example.com/contoso"}"#
                .into(),
        ))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;

    let message = page.text_of("config-error-message").await;
    assert!(message.contains("must use https://"), "{message}");
}
