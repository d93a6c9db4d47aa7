//! The link builder (`#/links`): the link it shows does what it says when opened — sign in as
//! the hinted account and sync without a click; the admin link goes to `#/admin`.

use crate::support::{emulator, AppPage, Browser, BrowserOptions};

const ADELE: &str = "adele@contoso.onmicrosoft.com";

async fn wait_for_text(page: &AppPage<'_>, testid: &str, wanted: &str) -> String {
    page.until(&format!("{testid} never showed {wanted}"), || async {
        let text = page.text_of(testid).await;
        if text == wanted {
            Ok(text)
        } else {
            Err(format!("it shows {text}"))
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
    wait_for_text(&page, "link-url", &format!("{app}?autostart=1")).await;

    page.wait_for("link-login-hint")
        .await
        .send_keys(ADELE)
        .await
        .unwrap();
    let url = wait_for_text(
        &page,
        "link-url",
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

    // The admin audit is a hash route, after the query.
    page.click("link-action-admin").await;
    wait_for_text(
        &page,
        "link-url",
        &format!("{app}?login_hint=adele%40contoso.onmicrosoft.com&autostart=1#/admin"),
    )
    .await;
    page.click("link-action-sync").await;
    wait_for_text(&page, "link-url", &url).await;

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
