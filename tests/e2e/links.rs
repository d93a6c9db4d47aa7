//! The link builder (`#/links`): the link it shows does what it says when opened — sign in as
//! the hinted account and sync without a click, once the writer asks for that; the admin link
//! goes to `admin.html?audit=all`. The link is text to copy, never a live anchor, so that the writer trying
//! the builder does not sync their own photo.

use serde_json::Value;

use crate::support::{emulator, AppPage, Browser, BrowserOptions};

const ADELE: &str = "adele@contoso.onmicrosoft.com";

/// The link the builder shows (the value of its read-only field).
async fn link_value(page: &AppPage<'_>) -> String {
    page.eval("return document.querySelector('[data-testid=\"link-url\"]').value")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn wait_for_link(page: &AppPage<'_>, wanted: &str) -> String {
    page.until(&format!("the link never read {wanted}"), || async {
        let link = link_value(page).await;
        if link == wanted {
            Ok(link)
        } else {
            Err(format!("it reads {link}"))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_link_signs_in_as_the_hinted_account_and_syncs_by_itself() {
    let emulator = emulator().await;
    let app = emulator.app_url();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("#/links").await;
    page.wait_for("links").await;
    wait_for_link(&page, &app).await;

    page.wait_for("link-login-hint")
        .await
        .send_keys(ADELE)
        .await
        .unwrap();
    wait_for_link(
        &page,
        &format!("{app}?login_hint=adele%40contoso.onmicrosoft.com"),
    )
    .await;
    page.click("link-autostart").await;
    let url = wait_for_link(
        &page,
        &format!("{app}?login_hint=adele%40contoso.onmicrosoft.com&autostart=1"),
    )
    .await;
    assert!(page.text_of("link-sentence").await.contains(&url));
    let qr_modules = page
        .eval("return document.querySelector('[data-testid=\"link-qr\"] path').getAttribute('d').split('M').length")
        .await;
    assert!(qr_modules.as_u64().unwrap_or(0) > 50, "a QR code is drawn");
    page.assert_accessible("link builder").await;
    page.screenshot("links").await;

    // The admin audit is admin.html beside the page, auditing the whole tenant.
    page.click("link-action-admin").await;
    wait_for_link(
        &page,
        &format!(
            "{app}admin.html?audit=all&login_hint=adele%40contoso.onmicrosoft.com&autostart=1"
        ),
    )
    .await;
    page.click("link-action-sync").await;
    wait_for_link(&page, &url).await;

    // Opened, the link signs in as Adele and syncs without a click.
    page.client.goto(&url).await.unwrap();
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for_phase(&["done"]).await;
    let control = emulator.control();
    let log = control.log().await.unwrap();
    let authorize = log
        .iter()
        .find(|e| e.path_and_query.contains("/oauth2/v2.0/authorize"))
        .expect("a sign-in");
    assert!(
        authorize
            .path_and_query
            .contains("login_hint=adele%40contoso.onmicrosoft.com"),
        "{}",
        authorize.path_and_query
    );
    let state = control.state().await.unwrap();
    assert!(state.user(ADELE).unwrap().in_sync);
}

/// Issue: the builder's link started by itself and was a live anchor, so a writer who clicked
/// it to try it synced their own photo. Now `autostart` is off until asked for, the link is
/// read-only text (no anchor anywhere points at the app), and Copy puts it on the clipboard —
/// through `navigator.clipboard`, or where that is missing or refuses, through a selection
/// and `execCommand("copy")`.
#[tokio::test(flavor = "multi_thread")]
async fn the_link_is_text_to_copy_and_starts_by_itself_only_when_asked() {
    let emulator = emulator().await;
    let app = emulator.app_url();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("#/links").await;
    page.wait_for("links").await;

    // Off by default: the link and the sentence ask for a click.
    wait_for_link(&page, &app).await;
    let checked = page
        .eval("return document.querySelector('[data-testid=\"link-autostart\"]').checked")
        .await;
    assert_eq!(checked, Value::Bool(false), "autostart is off by default");
    assert!(page.text_of("link-sentence").await.contains("select"));

    // Text, not an anchor: nothing in the builder follows the link when clicked.
    let field = page
        .eval(
            "const f = document.querySelector('[data-testid=\"link-url\"]');\
             return [f.tagName, f.readOnly, document.querySelectorAll('[data-testid=\"links\"] a[href]').length]",
        )
        .await;
    assert_eq!(field, serde_json::json!(["INPUT", true, 0]));
    page.click("link-url").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        page.client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("#/links"),
        "clicking the link stays in the builder"
    );

    page.click("link-autostart").await;
    let url = wait_for_link(&page, &format!("{app}?autostart=1")).await;

    // Copy through navigator.clipboard (recorded instead of the real clipboard, which a
    // headless browser may not grant).
    page.eval(
        "window.copiedAsync = [];\
         Object.defineProperty(navigator, 'clipboard', { configurable: true, value: {\
           writeText: function (t) { window.copiedAsync.push(t); return Promise.resolve(); } } });\
         window.copiedBySelection = [];\
         document.execCommand = function (command) {\
           const s = document.querySelector('.clipboard-scratch');\
           window.copiedBySelection.push([command, s ? s.value.substring(s.selectionStart, s.selectionEnd) : null]);\
           return true; };\
         return 1",
    )
    .await;
    page.click("copy-link").await;
    wait_for_copied(&page, "copy-link").await;
    let copied = page
        .eval("return [window.copiedAsync, window.copiedBySelection]")
        .await;
    assert_eq!(copied, serde_json::json!([[url], []]));

    // navigator.clipboard refuses: the selection copies it.
    page.eval(
        "Object.defineProperty(navigator, 'clipboard', { configurable: true, value: {\
           writeText: function () { return Promise.reject(new DOMException('no', 'NotAllowedError')); } } });\
         return 1",
    )
    .await;
    page.click("copy-sentence").await;
    wait_for_copied(&page, "copy-sentence").await;
    let sentence = page.text_of("link-sentence").await;
    assert!(sentence.contains(&url), "{sentence}");
    let copied = page.eval("return window.copiedBySelection").await;
    assert_eq!(copied, serde_json::json!([["copy", sentence]]));

    // No navigator.clipboard at all (a page served over plain http): the selection again.
    page.eval(
        "Object.defineProperty(navigator, 'clipboard', { configurable: true, value: undefined });\
         window.copiedBySelection = []; return 1",
    )
    .await;
    page.click("copy-link").await;
    // The status already says "Copied" from before: wait for the copy itself.
    let copied = page
        .until("the link was not copied again", || async {
            match page.eval("return window.copiedBySelection").await {
                Value::Array(a) if !a.is_empty() => Ok(Value::Array(a)),
                other => Err(format!("copied {other}")),
            }
        })
        .await;
    assert_eq!(copied, serde_json::json!([["copy", url]]));
    wait_for_copied(&page, "copy-link").await;
    assert!(
        page.client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("#/links"),
        "still in the builder"
    );
    let log = emulator.control().log().await.unwrap();
    assert!(
        log.iter()
            .all(|e| !e.path_and_query.contains("/oauth2/v2.0/authorize")),
        "trying the builder signed nobody in"
    );
    page.assert_accessible("link builder, copied").await;
}

/// Waits until the status beside the copy button `testid` says it copied.
async fn wait_for_copied(page: &AppPage<'_>, testid: &str) {
    let status = format!(
        "return document.querySelector('[data-testid=\"{testid}\"]').parentElement.querySelector('.copy-status').textContent"
    );
    page.until(&format!("{testid} never said it copied"), || async {
        let said = page.eval(&status).await;
        if said == "Copied" {
            Ok(())
        } else {
            Err(format!("it says {said}"))
        }
    })
    .await
}
