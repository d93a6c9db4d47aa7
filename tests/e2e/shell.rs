//! The page's frame: it renders, with one way in; a broken `config.json` says what is wrong,
//! to an employee and to whoever set the page up; focus rings stand out everywhere.

use serde_json::{json, Value};

use crate::support::{contrast, emulator, AppPage, Browser, BrowserOptions};

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
        page.attribute_of("sign-in", "data-interaction")
            .await
            .as_deref(),
        Some("redirect")
    );
    assert!(
        !page.has("sign-in-other-way").await,
        "one sign-in button: the pop-up window only after a failed sign-in"
    );
    assert_eq!(
        page.eval("return document.title").await,
        "Sign in — Profile Photo Sync"
    );
    let options = page
        .eval("return [...document.querySelectorAll('[data-testid=\"language\"] option')].map(o => [o.lang, o.textContent])")
        .await;
    assert_eq!(
        options,
        json!([["en", "English"], ["lv", "Latviešu"]]),
        "each language's name in its own language"
    );
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

/// A sign-in in the whole window that did not work (here cancelled on the identity platform's
/// page) offers the pop-up window as a second way in.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_sign_in_offers_the_pop_up_window_as_a_second_way() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click("sign-in").await;
    page.click("signin-cancel").await;
    assert_eq!(
        page.attribute_of("auth-error", "data-error-kind")
            .await
            .as_deref(),
        Some("cancelled")
    );
    assert_eq!(
        page.attribute_of("sign-in-other-way", "data-interaction")
            .await
            .as_deref(),
        Some("popup")
    );
    assert_eq!(
        page.text_of("sign-in-other-way").await,
        "Sign in in a pop-up window"
    );
    page.assert_accessible("sign-in failed").await;
}

/// A `config.json` the page cannot start with: the employee is told to contact IT, with the
/// support contact the file still names; whoever set the page up reads what is wrong and gets
/// the way to the setup check.
#[tokio::test(flavor = "multi_thread")]
async fn a_broken_config_sends_employees_to_it_and_the_admin_to_the_setup_check() {
    let emulator = emulator().await;
    emulator
        .control()
        .set_app_config(Some(
            r#"{"authority":"https://login.microsoftonline.com/contoso.onmicrosoft.com","support":"https://help.contoso.example/photo"}"#
                .into(),
        ))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;

    let employee = page.text_of("config-error-employee").await;
    assert!(
        employee.contains("Please let your IT department know"),
        "{employee}"
    );
    assert_eq!(
        page.attribute_of("support-link", "href").await.as_deref(),
        Some("https://help.contoso.example/photo")
    );
    assert!(page
        .text_of("config-error-message")
        .await
        .contains("config.json has no \"clientId\""));
    let setup = page
        .attribute_of("config-error-setup", "href")
        .await
        .unwrap_or_default();
    assert_eq!(setup, "/tools.html#/setup");
    assert_eq!(
        page.eval("return document.title").await,
        "This page is not set up yet — Profile Photo Sync"
    );
    page.assert_accessible("broken config").await;
    page.screenshot("config-error").await;

    page.click("config-error-setup").await;
    page.until("the setup check did not open", || async {
        let url = page.client.current_url().await.map_err(|e| e.to_string())?;
        if url.path() == "/tools.html" && url.fragment() == Some("/setup") {
            Ok(())
        } else {
            Err(url.to_string())
        }
    })
    .await;
}

/// Focus rings keep 3:1 against what they sit on, the brand-coloured header included, in the
/// light and the dark theme.
#[tokio::test(flavor = "multi_thread")]
async fn focus_rings_stand_out_on_the_header_and_the_page_in_light_and_dark() {
    let emulator = emulator().await;
    for dark in [false, true] {
        let browser = Browser::launch(BrowserOptions {
            dark,
            ..Default::default()
        })
        .await;
        let page = AppPage::new(&browser, &emulator);
        page.open("").await;
        page.wait_for("sign-in").await;
        for (control, behind) in [("language", ".app-header"), ("sign-in", ".card")] {
            let seen = page
                .eval(&format!(
                    "const c = document.querySelector('[data-testid=\"{control}\"]'); c.focus(); \
                     const s = getComputedStyle(c); \
                     return [c.matches(':focus-visible'), s.outlineStyle, parseFloat(s.outlineWidth), \
                             s.outlineColor, getComputedStyle(document.querySelector('{behind}')).backgroundColor]"
                ))
                .await;
            let seen: (bool, String, f64, String, String) =
                serde_json::from_value(seen).expect("the focus ring's style");
            let (visible, style, width, ring, background) = seen;
            assert!(
                visible && style == "solid" && width >= 2.0,
                "dark={dark} {control}: {style} {width}"
            );
            let ratio = contrast(&ring, &background);
            assert!(
                ratio >= 3.0,
                "dark={dark}: the focus ring of {control} ({ring}) on {background} is {ratio:.2}:1"
            );
        }
        page.eval("document.activeElement.blur(); return 1").await;
        assert_eq!(
            page.eval("return matchMedia('(prefers-color-scheme: dark)').matches")
                .await,
            Value::Bool(dark)
        );
    }
}
