//! Latvian through and through: a Latvian browser that meets a broken `config.json`, a refused
//! sign-in and a network failure reads Latvian only — in the page, its title and its `lang` —
//! with the services' own words (codes, messages) only under a label, in `<code>`.

use emulator::{FaultKind, FaultRule, IdTokenTamper};

use crate::support::{emulator, generated_config, AppPage, Browser, BrowserOptions};

const ADELE: &str = "adele@contoso.onmicrosoft.com";

/// English that would give away a message the catalogue did not write.
const ENGLISH: [&str; 9] = [
    "the ", " failed", "Sign", "photo", " could ", " not ", "Try ", " was ", "Check ",
];

/// The page's visible text without its technical details (`<code>`, each under a label), and
/// its title, description and `<html lang>`.
async fn what_a_reader_sees(page: &AppPage<'_>) -> (String, String, String, String) {
    let seen = page
        .eval(
            "let text = document.body.innerText;\
             for (const code of document.querySelectorAll('code')) text = text.split(code.innerText).join(' ');\
             return [text, document.title, document.querySelector('meta[name=\"description\"]').content, document.documentElement.lang]",
        )
        .await;
    let part = |i: usize| seen[i].as_str().unwrap_or_default().to_owned();
    (part(0), part(1), part(2), part(3))
}

/// Fails when the page, as a reader sees it, has English in it, or is not Latvian by its
/// title, description and `lang`.
async fn assert_latvian(page: &AppPage<'_>, screen: &str) {
    let (text, title, description, lang) = what_a_reader_sees(page).await;
    for english in ENGLISH {
        assert!(
            !text.contains(english),
            "{screen} shows English ({english:?}):\n{text}"
        );
    }
    assert_eq!(lang, "lv", "{screen}");
    // The title names the view first, then the product (both in Latvian).
    assert!(
        title.ends_with("Profila fotoattēla sinhronizācija"),
        "{screen}: {title}"
    );
    for english in ENGLISH {
        assert!(!title.contains(english), "{screen}: {title}");
    }
    assert!(
        description.contains("fotoattēlu"),
        "{screen}: {description}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_latvian_reader_meets_a_config_error_an_auth_error_and_a_network_error_in_latvian() {
    let emulator = emulator().await;
    let control = emulator.control();
    let browser = Browser::launch(BrowserOptions {
        lang: Some("lv-LV".into()),
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);

    // config.json: an authority with a query.
    let mut config = generated_config(&emulator).await;
    let authority = config["authority"].as_str().unwrap().to_owned();
    config["authority"] = format!("{authority}?tenant=contoso").into();
    control
        .set_app_config(Some(config.to_string()))
        .await
        .unwrap();
    page.open("").await;
    page.wait_for("config-error").await;
    assert_eq!(
        page.attribute_of("config-error", "data-error-kind")
            .await
            .as_deref(),
        Some("bad-url")
    );
    let message = page.text_of("config-error-message").await;
    assert!(message.contains("vaicājuma"), "says why: {message}");
    assert_latvian(&page, "the config error").await;

    // Sign-in: the identity platform's id token is for another app.
    control.set_app_config(None).await.unwrap();
    control
        .tamper_next_id_token(IdTokenTamper::Aud)
        .await
        .unwrap();
    page.open("").await;
    page.click("sign-in").await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for("auth-error").await;
    assert_eq!(
        page.attribute_of("auth-error", "data-error-kind")
            .await
            .as_deref(),
        Some("id-token")
    );
    assert!(
        page.text_of("auth-error-details")
            .await
            .starts_with("invalid_id_token: aud "),
        "the technical details, under a label"
    );
    assert_latvian(&page, "the sign-in error").await;

    // The network: SharePoint cannot be reached.
    control
        .set_fault(FaultRule {
            host: Some("contoso-my".into()),
            path_contains: Some("GetMyProperties".into()),
            kind: FaultKind::DropConnection,
            ..Default::default()
        })
        .await
        .unwrap();
    page.sign_in(ADELE).await;
    page.wait_for_phase(&["failed"]).await;
    assert_eq!(
        page.attribute_of("sync-error", "data-reason")
            .await
            .as_deref(),
        Some("network")
    );
    assert_latvian(&page, "the network error").await;
    page.assert_accessible("the network error, in Latvian")
        .await;
}
