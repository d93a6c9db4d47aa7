//! The setup check (`#/setup`): every step green on the demo tenant, and each
//! misconfiguration in its own red row with its fix — no client id, a wrong authority, an
//! unregistered redirect URI.

use serde_json::Value;

use crate::support::{
    emulator, generated_config, register_another_redirect_uri, AppPage, Browser, BrowserOptions,
};

const ADELE: &str = "adele@contoso.onmicrosoft.com";

/// Waits until the row of `step` has `status`, and returns its `data-problem`.
pub(crate) async fn wait_for_row(page: &AppPage<'_>, step: &str, status: &str) -> Option<String> {
    let testid = format!("setup-{step}");
    page.until(&format!("{testid} never {status}"), || async {
        match page.attribute_of(&testid, "data-status").await {
            Some(now) if now == status => Ok(()),
            now => Err(format!("it is {now:?}")),
        }
    })
    .await;
    page.attribute_of(&testid, "data-problem").await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_step_is_green_on_the_demo_tenant() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("#/setup").await;
    wait_for_row(&page, "config", "passed").await;
    assert_eq!(
        page.text_of("setup-version").await,
        format!("Version {}", env!("CARGO_PKG_VERSION")),
        "the setup check prints the page's version"
    );
    assert!(page
        .text_of("setup-config-values")
        .await
        .contains("7d1b2c3e-4f50-4a61-8b72-9c83d4e5f601"));
    wait_for_row(&page, "discovery", "passed").await;
    wait_for_row(&page, "redirect-uri", "passed").await;
    assert!(page
        .text_of("setup-redirect-uri-detail")
        .await
        .contains(&emulator.app_url()));

    page.click("setup-test-sign-in").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for_single_window(first).await;
    wait_for_row(&page, "sign-in", "passed").await;
    wait_for_row(&page, "graph", "passed").await;
    wait_for_row(&page, "my-site", "passed").await;
    wait_for_row(&page, "sharepoint-permission", "passed").await;
    page.wait_for("setup-all-passed").await;
    assert!(page
        .text_of("setup-graph-detail")
        .await
        .contains("Adele Vance"));
    // What the SharePoint token was granted, from the token response.
    let granted = page.text_of("setup-sharepoint-permission-detail").await;
    assert!(
        granted.contains("User.ReadWrite.All") && granted.contains("AllSites.Read"),
        "{granted}"
    );
    // The sign-in came back: the redirect URI is registered, not only shown.
    let redirect = page.text_of("setup-redirect-uri-detail").await;
    assert!(
        redirect.contains("came back") && redirect.contains(&emulator.app_url()),
        "{redirect}"
    );
    page.assert_accessible("setup, all green").await;
    page.screenshot("setup").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_without_client_id_is_the_first_red_row() {
    let emulator = emulator().await;
    let mut config = generated_config(&emulator).await;
    config.as_object_mut().unwrap().remove("clientId");
    emulator
        .control()
        .set_app_config(Some(config.to_string()))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("#/setup").await;
    assert_eq!(
        wait_for_row(&page, "config", "failed").await.as_deref(),
        Some("config")
    );
    assert!(page
        .text_of("setup-config-detail")
        .await
        .contains("clientId"));
    assert!(page
        .text_of("setup-config-fix")
        .await
        .contains("config.json"));
    for later in [
        "discovery",
        "redirect-uri",
        "sign-in",
        "graph",
        "my-site",
        "sharepoint-permission",
    ] {
        wait_for_row(&page, later, "skipped").await;
    }
    page.assert_accessible("setup, config error").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_authority_is_the_discovery_row() {
    let emulator = emulator().await;
    let mut config = generated_config(&emulator).await;
    config["authority"] = Value::from(format!(
        "{}/fabrikam.onmicrosoft.com",
        emulator.origin("login")
    ));
    emulator
        .control()
        .set_app_config(Some(config.to_string()))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("#/setup").await;
    wait_for_row(&page, "config", "passed").await;
    assert_eq!(
        wait_for_row(&page, "discovery", "failed").await.as_deref(),
        Some("discovery-unreachable")
    );
    assert!(page
        .text_of("setup-discovery-detail")
        .await
        .contains("fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration"));
    assert!(page
        .text_of("setup-discovery-fix")
        .await
        .contains("\"authority\""));
    wait_for_row(&page, "sign-in", "skipped").await;
    assert_eq!(
        page.attribute_of("setup-test-sign-in", "disabled")
            .await
            .as_deref(),
        Some("true")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unregistered_redirect_uri_is_named_when_the_sign_in_window_is_closed() {
    let emulator = emulator().await;
    let registration = register_another_redirect_uri(&emulator).await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("#/setup").await;
    wait_for_row(&page, "discovery", "passed").await;
    page.click("setup-test-sign-in").await;

    // The identity platform shows AADSTS50011 in the window and never comes back; the
    // admin reads it and closes the window.
    let first = page.switch_to_new_window().await;
    assert!(page.text_of("aadsts-error").await.contains("AADSTS50011"));
    page.client.close_window().await.unwrap();
    page.client.switch_to_window(first).await.unwrap();

    assert_eq!(
        wait_for_row(&page, "sign-in", "failed").await.as_deref(),
        Some("sign-in-window-closed")
    );
    let detail = page.text_of("setup-sign-in-detail").await;
    assert!(
        detail.contains("AADSTS50011") && detail.contains(&emulator.app_url()),
        "{detail}"
    );
    let fix = page.text_of("setup-sign-in-fix").await;
    assert!(
        fix.contains("Single-page application") && fix.contains(&emulator.app_url()),
        "{fix}"
    );
    wait_for_row(&page, "graph", "skipped").await;
    page.assert_accessible("setup, sign-in failed").await;

    // Registered: the same button works.
    emulator
        .control()
        .set_registration(registration)
        .await
        .unwrap();
    page.click("setup-test-sign-in").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for_single_window(first).await;
    wait_for_row(&page, "my-site", "passed").await;
}
