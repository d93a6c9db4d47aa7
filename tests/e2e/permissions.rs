//! The SharePoint permissions a tenant grants the app: the setup check shows the scopes the My
//! Site host's token carries and tells, without changing anything, whether a sync will work;
//! a tenant without the profile permission (`User.ReadWrite.All`) is told what to grant, by
//! the setup check and by the sync, and nothing is written to SharePoint.

use emulator::{Emulator, FileState, LogEntry, SharePointScopeRules};
use serde_json::json;

use crate::setup::wait_for_row;
use crate::support::{emulator, generated_config, AppPage, Browser, BrowserOptions};

const ADELE: &str = "adele@contoso.onmicrosoft.com";

/// `name` on the emulator's My Site host, as a scope.
fn my_site(emulator: &Emulator, name: &str) -> String {
    format!("{}/{name}", emulator.origin("contoso-my"))
}

async fn files(emulator: &Emulator) -> Vec<FileState> {
    emulator.control().state().await.unwrap().files
}

/// The `SetMyProfilePicture` requests that reached the emulator.
fn writes(log: &[LogEntry]) -> usize {
    log.iter()
        .filter(|e| e.method == "POST" && e.path_and_query.contains("SetMyProfilePicture"))
        .count()
}

/// Runs the setup check's test sign-in as Adele, up to the Graph row.
async fn test_sign_in(page: &AppPage<'_>) {
    page.open("#/setup").await;
    wait_for_row(page, "discovery", "passed").await;
    page.click("setup-test-sign-in").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for_single_window(first).await;
    wait_for_row(page, "sign-in", "passed").await;
    wait_for_row(page, "graph", "passed").await;
}

/// The sync view after sign-in has stopped with `reason`, having written nothing.
async fn assert_sync_stopped(page: &AppPage<'_>, reason: &str) -> String {
    page.wait_for_phase(&["failed"]).await;
    assert_eq!(
        page.attribute_of("sync-error", "data-reason")
            .await
            .as_deref(),
        Some(reason),
        "{}",
        page.body_text().await
    );
    assert_eq!(
        page.attribute_of("sync-error", "data-wrote-anything")
            .await
            .as_deref(),
        Some("false")
    );
    format!(
        "{} {}",
        page.text_of("sync-error-message").await,
        page.text_of("sync-error-fix").await
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn without_admin_consent_for_the_profile_permission_setup_and_sync_name_it() {
    let emulator = emulator().await;
    let control = emulator.control();
    // The administrator granted the site permission only.
    control
        .set_admin_consent(&[&my_site(&emulator, "AllSites.Read")])
        .await
        .unwrap();
    let before = files(&emulator).await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);

    test_sign_in(&page).await;
    assert_eq!(
        wait_for_row(&page, "my-site", "failed").await.as_deref(),
        Some("admin-consent-required")
    );
    let detail = page.text_of("setup-my-site-detail").await;
    assert!(
        detail.contains("AADSTS65001") && detail.contains("User.ReadWrite.All"),
        "{detail}"
    );
    let fix = page.text_of("setup-my-site-fix").await;
    assert!(
        fix.contains("User.ReadWrite.All") && fix.contains("Grant admin consent"),
        "{fix}"
    );
    wait_for_row(&page, "sharepoint-permission", "skipped").await;
    assert!(!page.has("setup-all-passed").await);
    page.assert_accessible("setup, no admin consent").await;

    // The sync page, signed in by the test: it stops before SharePoint and says what to grant.
    page.open("").await;
    let said = assert_sync_stopped(&page, "admin-consent-required").await;
    assert!(
        said.contains("SharePoint") && said.contains("User.ReadWrite.All"),
        "{said}"
    );
    let log = control.log().await.unwrap();
    assert_eq!(writes(&log), 0);
    assert_eq!(files(&emulator).await, before, "nothing written");

    // Granted: the same sign-in now syncs.
    control
        .set_admin_consent(&[
            &my_site(&emulator, "User.ReadWrite.All"),
            &my_site(&emulator, "AllSites.Read"),
        ])
        .await
        .unwrap();
    page.open("").await;
    page.wait_for_phase(&["compared"]).await;
    page.sync_until(&["done"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn site_permissions_without_the_profile_permission_are_access_denied_and_named() {
    let emulator = emulator().await;
    let control = emulator.control();
    // A deployment that followed the old advice: site permissions only, consented.
    let mut config = generated_config(&emulator).await;
    config["sharePointScopes"] = json!(["AllSites.Read", "AllSites.Write"]);
    control
        .set_app_config(Some(config.to_string()))
        .await
        .unwrap();
    control
        .set_admin_consent(&[
            &my_site(&emulator, "AllSites.Read"),
            &my_site(&emulator, "AllSites.Write"),
        ])
        .await
        .unwrap();
    let before = files(&emulator).await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);

    test_sign_in(&page).await;
    assert_eq!(
        wait_for_row(&page, "my-site", "failed").await.as_deref(),
        Some("profile-read-refused")
    );
    assert!(page
        .text_of("setup-my-site-detail")
        .await
        .contains("Access denied"));
    assert_eq!(
        wait_for_row(&page, "sharepoint-permission", "failed")
            .await
            .as_deref(),
        Some("profile-permission-missing")
    );
    let detail = page.text_of("setup-sharepoint-permission-detail").await;
    assert!(
        detail.contains("AllSites.Read, AllSites.Write") && detail.contains("User.ReadWrite.All"),
        "the scopes the token carries, and what it lacks: {detail}"
    );
    let fix = page.text_of("setup-sharepoint-permission-fix").await;
    assert!(
        fix.contains("User.ReadWrite.All") && fix.contains("sharePointScopes"),
        "{fix}"
    );
    assert!(!page.has("setup-all-passed").await);

    // The sync: SharePoint's Access denied, with the permission to grant; nothing written.
    page.open("").await;
    let said = assert_sync_stopped(&page, "profile-permission-missing").await;
    assert!(
        said.contains("Access denied") && said.contains("User.ReadWrite.All"),
        "{said}"
    );
    assert_eq!(writes(&control.log().await.unwrap()), 0);

    // Where site permissions do read profiles (the emulator's switch for what Microsoft does
    // not document), the write itself is refused, and named the same way.
    control
        .set_sharepoint_scope_rules(SharePointScopeRules {
            site_scopes_read_profiles: true,
            ..Default::default()
        })
        .await
        .unwrap();
    control.clear_log().await.unwrap();
    page.open("").await;
    page.wait_for_phase(&["compared"]).await;
    page.click("sync-button").await;
    let said = assert_sync_stopped(&page, "profile-permission-missing").await;
    assert!(said.contains("User.ReadWrite.All"), "{said}");
    assert_eq!(
        writes(&control.log().await.unwrap()),
        1,
        "one write, refused"
    );
    assert_eq!(files(&emulator).await, before, "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_uri_that_is_not_this_page_is_red_before_any_sign_in() {
    let emulator = emulator().await;
    let mut config = generated_config(&emulator).await;
    let elsewhere = format!("{}/", emulator.origin("intranet"));
    config["redirectUri"] = json!(elsewhere);
    emulator
        .control()
        .set_app_config(Some(config.to_string()))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("#/setup").await;
    assert_eq!(
        wait_for_row(&page, "redirect-uri", "failed")
            .await
            .as_deref(),
        Some("redirect-uri-elsewhere")
    );
    let detail = page.text_of("setup-redirect-uri-detail").await;
    assert!(
        detail.contains(&elsewhere) && detail.contains(&emulator.app_url()),
        "{detail}"
    );
    assert!(page
        .text_of("setup-redirect-uri-fix")
        .await
        .contains("redirectUri"));
}
