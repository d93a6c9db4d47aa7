//! Sign-in, MSAL-style: redirect and popup, PKCE, errors people can act on, state checks,
//! sign-out, and where tokens may go.

use emulator::Registration;

use crate::support::{
    assert_tokens_only_to_allowed_hosts, emulator, register_another_redirect_uri, AppPage, Browser,
    BrowserOptions, Engine,
};

const ADELE: &str = "adele@contoso.onmicrosoft.com";

/// The code redemptions in the log (refresh-token grants for other resources are not counted).
fn token_posts(log: &[emulator::LogEntry]) -> Vec<&emulator::LogEntry> {
    log.iter()
        .filter(|e| {
            e.method == "POST"
                && e.path_and_query.contains("/oauth2/v2.0/token")
                && e.grant_type.as_deref() == Some("authorization_code")
        })
        .collect()
}

async fn redirect_sign_in_shows_the_user_and_redeems_one_code_with_pkce(engine: Engine) {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.sign_in(ADELE).await;

    assert_eq!(page.text_of("signed-in-user").await, "Adele Vance");
    let address = page.client.current_url().await.unwrap().to_string();
    assert!(
        !address.contains("code="),
        "the code left the address bar: {address}"
    );

    let log = emulator.control().log().await.unwrap();
    let authorize: Vec<_> = log
        .iter()
        .filter(|e| e.path_and_query.contains("/oauth2/v2.0/authorize"))
        .collect();
    assert!(!authorize.is_empty());
    assert!(authorize
        .iter()
        .all(|e| e.path_and_query.contains("code_challenge_method=S256")));
    let app_origin = emulator.origin("app");
    let tokens = token_posts(&log);
    assert_eq!(tokens.len(), 1, "one code redemption: {tokens:?}");
    assert!(tokens[0].has_code_verifier, "the PKCE verifier was sent");
    assert_eq!(tokens[0].status, 200);
    assert_eq!(
        tokens[0].origin_header.as_deref(),
        Some(app_origin.as_str())
    );
    let discovery = log
        .iter()
        .filter(|e| {
            e.path_and_query
                .ends_with("/.well-known/openid-configuration")
        })
        .count();
    assert_eq!(
        discovery, 1,
        "the page back from the sign-in page uses the discovery document it fetched before"
    );
    assert_tokens_only_to_allowed_hosts(&log);
    page.assert_accessible("signed in").await;
}

async fn popup_sign_in_keeps_the_page(engine: Engine) {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click_sign_in_by_popup().await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for_single_window(first).await;

    assert_eq!(page.text_of("signed-in-user").await, "Adele Vance");
    let log = emulator.control().log().await.unwrap();
    assert_eq!(token_posts(&log).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_framed_page_signs_in_through_a_popup() {
    let emulator = emulator().await;
    let app = emulator.app_url();
    emulator
        .control()
        .set_intranet_page(&format!(
            "<!DOCTYPE html><html lang=\"en\"><title>Intranet</title><h1>Intranet</h1>\
             <iframe id=\"widget\" title=\"Profile photo\" src=\"{app}\" width=\"600\" height=\"500\"></iframe></html>"
        ))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    browser
        .client
        .goto(&format!("{}/", emulator.origin("intranet")))
        .await
        .unwrap();
    let frame = page.wait_for_css("#widget").await;
    frame.enter_frame().await.unwrap();
    page.click("sign-in").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for_single_window(first).await;
    let frame = page.wait_for_css("#widget").await;
    frame.enter_frame().await.unwrap();
    assert_eq!(page.text_of("signed-in-user").await, "Adele Vance");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelled_consent_says_so_and_a_retry_works() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click("sign-in").await;
    page.click(&format!("account-{ADELE}")).await;
    page.click("consent-cancel").await;

    assert_eq!(
        page.attribute_of("auth-error", "data-error-kind")
            .await
            .as_deref(),
        Some("cancelled")
    );
    assert!(page
        .text_of("auth-error-message")
        .await
        .contains("cancelled"));
    page.sign_in(ADELE).await;
    assert_eq!(page.text_of("signed-in-user").await, "Adele Vance");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unregistered_redirect_uri_is_named_by_the_identity_platform() {
    let emulator = emulator().await;
    let control = emulator.control();
    let registration = register_another_redirect_uri(&emulator).await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click("sign-in").await;
    let error = page.text_of("aadsts-error").await;
    assert!(error.contains("AADSTS50011"), "{error}");
    assert!(
        page.body_text().await.contains(&emulator.app_url()),
        "the page names the URI to register"
    );

    // Registered: the same button works.
    control.set_registration(registration).await.unwrap();
    page.open("").await;
    page.sign_in(ADELE).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_uri_on_the_web_platform_gets_its_own_message() {
    let emulator = emulator().await;
    let control = emulator.control();
    let registration = control.registration().await.unwrap();
    control
        .set_registration(Registration {
            spa_redirect_uris: vec![],
            web_redirect_uris: registration.spa_redirect_uris.clone(),
            ..registration.clone()
        })
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click("sign-in").await;
    page.sign_in_on_identity_page(ADELE).await;

    assert_eq!(
        page.attribute_of("auth-error", "data-error-kind")
            .await
            .as_deref(),
        Some("spa-platform-missing")
    );
    let message = page.text_of("auth-error-message").await;
    assert!(
        message.contains("Single-page application") && message.contains(&emulator.app_url()),
        "{message}"
    );

    control.set_registration(registration).await.unwrap();
    page.sign_in(ADELE).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_state_and_a_replayed_response_are_refused() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("?code=stolen-code&state=forged-state").await;
    assert_eq!(
        page.attribute_of("auth-error", "data-error-kind")
            .await
            .as_deref(),
        Some("state-mismatch")
    );
    assert!(!page.has("signed-in-user").await);

    // A real sign-in, then its response replayed: the state was used once and is gone.
    page.open("").await;
    page.click("sign-in").await;
    page.click(&format!("account-{ADELE}")).await;
    page.accept_consent_if_asked().await;
    page.wait_for("signed-in-user").await;
    let log = emulator.control().log().await.unwrap();
    let authorize = log
        .iter()
        .rev()
        .find(|e| e.path_and_query.contains("/oauth2/v2.0/authorize"))
        .unwrap();
    let state: String = url::form_urlencoded::parse(
        authorize
            .path_and_query
            .split_once('?')
            .unwrap()
            .1
            .as_bytes(),
    )
    .find(|(k, _)| k == "state")
    .map(|(_, v)| v.into_owned())
    .unwrap();
    page.eval("sessionStorage.removeItem('pps.auth.account'); return 1")
        .await;
    page.open(&format!("?code=replayed&state={state}")).await;
    assert_eq!(
        page.attribute_of("auth-error", "data-error-kind")
            .await
            .as_deref(),
        Some("state-mismatch")
    );
    let tokens = token_posts(&emulator.control().log().await.unwrap()).len();
    assert_eq!(
        tokens, 1,
        "the replayed response was never sent to the token endpoint"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_leaves_nothing_behind() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.sign_in(ADELE).await;
    assert!(page
        .storage_keys()
        .await
        .iter()
        .any(|k| k.starts_with("s:pps.auth.")));

    page.click("sign-out").await;
    page.wait_for("landing").await;
    let keys = page.storage_keys().await;
    assert!(
        keys.iter().all(|k| !k.contains("pps.auth")),
        "left behind: {keys:?}"
    );
    assert!(
        keys.iter().all(|k| !k.starts_with("l:pps.auth")),
        "{keys:?}"
    );
    let log = emulator.control().log().await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.path_and_query.contains("/oauth2/v2.0/logout")));
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_never_go_to_origins_named_in_the_address() {
    let emulator = emulator().await;
    let evil = emulator.origin("evil");
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open(&format!(
        "?graphBaseUrl={evil}/v1.0&authority={evil}/contoso&mySiteHost={evil}&redirect_uri={evil}/"
    ))
    .await;
    page.sign_in(ADELE).await;
    let log = emulator.control().log().await.unwrap();
    assert!(
        log.iter().all(|e| e.host != "evil.localhost"),
        "a request went to evil.localhost"
    );
    assert_tokens_only_to_allowed_hosts(&log);
}

crate::in_chromium_and_firefox!(
    redirect_sign_in_shows_the_user_and_redeems_one_code_with_pkce,
    popup_sign_in_keeps_the_page,
);

/// A page that speaks Latvian asks the identity platform to speak it too (`ui_locales`).
#[tokio::test(flavor = "multi_thread")]
async fn the_sign_in_pages_are_asked_for_the_page_language() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions {
        lang: Some("lv".into()),
        ..BrowserOptions::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.sign_in(ADELE).await;
    let log = emulator.control().log().await.unwrap();
    let authorize: Vec<_> = log
        .iter()
        .filter(|e| e.path_and_query.contains("/oauth2/v2.0/authorize"))
        .collect();
    assert!(!authorize.is_empty());
    assert!(
        authorize
            .iter()
            .all(|e| e.path_and_query.contains("ui_locales=lv")),
        "{:?}",
        authorize
            .iter()
            .map(|e| &e.path_and_query)
            .collect::<Vec<_>>()
    );
}

/// A second press of the sign-in button while the page is on its way to the identity platform
/// (here its discovery document answers late) starts no second sign-in: the button says it is
/// busy, and one request goes out.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_press_on_the_way_out_starts_no_second_sign_in() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.until("the app did not take the landing over", || async {
        page.app_took_over().await.then_some(()).ok_or("not yet")
    })
    .await;
    emulator
        .control()
        .set_fault(emulator::FaultRule {
            host: Some("login".into()),
            path_contains: Some("/.well-known/openid-configuration".into()),
            kind: emulator::FaultKind::Delay,
            latency_ms: Some(1_500),
            ..Default::default()
        })
        .await
        .unwrap();
    page.click("sign-in").await;
    assert_eq!(
        page.attribute_of("sign-in", "aria-busy").await.as_deref(),
        Some("true")
    );
    page.click("sign-in").await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for("signed-in-user").await;

    let log = emulator.control().log().await.unwrap();
    let authorize = log
        .iter()
        .filter(|e| e.path_and_query.contains("/oauth2/v2.0/authorize"))
        .count();
    assert_eq!(authorize, 1, "one sign-in went out");
    assert_eq!(token_posts(&log).len(), 1, "one code redeemed");
}
