//! The harness's watch has teeth: a Content-Security-Policy violation and a console error in
//! the page reach the test, in Chromium and in Firefox ESR (the emulator serves the page under
//! its CSP, so an injected inline script is refused).

use crate::support::{emulator, eventually, AppPage, Browser, BrowserOptions, Engine};

async fn a_csp_violation_and_a_console_error_fail_the_test(engine: Engine) {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.wait_for("landing").await;
    assert_eq!(browser.problems(), Vec::<String>::new(), "a clean start");

    page.eval(
        "const s = document.createElement('script'); s.textContent = 'window.ran = 1';\
         document.body.append(s); console.error('an error the page logged'); return 1",
    )
    .await;
    let problems = eventually(|| async {
        let problems = browser.problems();
        if problems.len() >= 2 {
            Ok(problems)
        } else {
            Err(problems)
        }
    })
    .await
    .unwrap_or_else(|seen| panic!("the watch saw only {seen:?}"));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Content-Security-Policy violation: script-src")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p == "an error the page logged"),
        "{problems:?}"
    );
    assert_eq!(page.eval("return window.ran === undefined").await, true);
    // Seen and checked: the browser may now end without failing the test. (Firefox also logs
    // the violation in its own words.)
    browser.tolerate("Content-Security-Policy");
    browser.tolerate("an error the page logged");
}

crate::in_chromium_and_firefox!(a_csp_violation_and_a_console_error_fail_the_test);
