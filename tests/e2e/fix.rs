//! The admin page's direct writes (`admin.html`, under the audit's results), on a generated
//! 40-user tenant: the dry run writes nothing and lists exactly what would be written; with
//! SharePoint's refusal of other users' profile writes (on by default, as SharePoint Online)
//! nobody is half-written, the page explains and offers the users' own links; with the writes
//! allowed every written user is verified and the emulator's truth says in sync.

use std::collections::{BTreeMap, BTreeSet};

use emulator::{AuditStatus, GeneratedTenant, State, TenantTruth};

use crate::support::{
    emulator, grant_admin_consent_on_sharepoint, AppPage, Browser, BrowserOptions,
};

const ADMIN: &str = "admin@contoso.onmicrosoft.com";

/// A generated 40-user tenant, audited in the page by the signed-in admin; the truth before.
async fn audited<'a>(emulator: &emulator::Emulator, page: &AppPage<'a>) -> TenantTruth {
    let control = emulator.control();
    control
        .generate_tenant(GeneratedTenant::new(40, 7))
        .await
        .expect("a generated tenant");
    grant_admin_consent_on_sharepoint(emulator, &["AllSites.Write", "User.Read.All"]).await;
    let truth = control.truth().await.expect("the truth");
    page.open("admin.html").await;
    page.click("admin-sign-in-button").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADMIN).await;
    page.wait_for_single_window(first).await;
    page.wait_for("audit-scope").await;
    page.click("audit-start").await;
    page.wait_for("consent-needed").await;
    page.click("audit-consent").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADMIN).await;
    page.wait_for_single_window(first).await;
    page.until("the audit never finished", || async {
        if page.has("audit-finished").await {
            Ok(())
        } else if page.has("audit-failed").await {
            panic!("the audit failed: {}", page.text_of("audit-failed").await);
        } else {
            Err("still running")
        }
    })
    .await;
    truth
}

/// Each planned row: account → (treatment, outcome).
async fn rows(page: &AppPage<'_>) -> BTreeMap<String, (String, String)> {
    let rows = page
        .eval(
            "return Array.from(document.querySelectorAll('[data-testid=fix-row]'))\
             .map(r => [r.dataset.account, r.dataset.treatment, r.dataset.outcome]);",
        )
        .await;
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let s = |i: usize| r[i].as_str().unwrap_or_default().to_owned();
            (s(0).to_lowercase(), (s(1), s(2)))
        })
        .collect()
}

/// What the write path should plan: the out-of-sync users, the older pictures by their
/// thumbnails, the placeholders by the profile write.
fn expected_plan(truth: &TenantTruth) -> BTreeMap<String, String> {
    truth
        .audited()
        .filter_map(|u| match u.status {
            AuditStatus::OlderPhoto => Some((u.upn.to_lowercase(), "thumbnails".to_owned())),
            AuditStatus::Placeholder => Some((u.upn.to_lowercase(), "profile-write".to_owned())),
            _ => None,
        })
        .collect()
}

async fn dry_run(page: &AppPage<'_>) {
    page.click("fix-dry-run").await;
    page.wait_for("fix-dry-run-note").await;
}

async fn write(page: &AppPage<'_>) {
    page.click("fix-confirm").await;
    page.click("fix-write").await;
    page.until("the writes never finished", || async {
        if page.has("fix-finished").await {
            Ok(())
        } else if page.has("fix-failed").await {
            panic!("the writes failed: {}", page.text_of("fix-failed").await);
        } else {
            Err("still writing")
        }
    })
    .await;
}

/// No profile names a missing picture file, and no thumbnail file is named by no profile
/// unless it was there before: nobody is half-written.
fn nobody_half_written(state: &State, before: &State) {
    let files: BTreeSet<String> = state.files.iter().map(|f| f.path.clone()).collect();
    let before_files: BTreeSet<String> = before.files.iter().map(|f| f.path.clone()).collect();
    let mut named = BTreeSet::new();
    for (upn, props) in &state.profiles {
        let Some(url) = props.get("PictureURL").filter(|v| !v.is_empty()) else {
            continue;
        };
        let path = url
            .split_once(".localhost:")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .map(|p| p.replace("%20", " "))
            .unwrap_or_default();
        let base = path.trim_end_matches("_MThumb.jpg").to_owned();
        for suffix in ["_SThumb.jpg", "_MThumb.jpg", "_LThumb.jpg"] {
            named.insert(format!("{base}{suffix}"));
        }
        assert!(
            files.contains(&path)
                || before.profile(upn).and_then(|p| p.get("PictureURL")) == Some(url),
            "{upn}: PictureURL names a missing file {path}"
        );
    }
    for file in files.difference(&before_files) {
        assert!(named.contains(file), "a new file no profile names: {file}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dry_run_lists_what_would_be_written_and_writes_nothing() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    let truth = audited(&emulator, &page).await;
    let before = emulator.control().state().await.expect("state");
    emulator.control().clear_log().await.expect("log cleared");

    dry_run(&page).await;
    let planned: BTreeMap<String, String> = rows(&page)
        .await
        .into_iter()
        .map(|(upn, (treatment, outcome))| {
            assert_eq!(outcome, "planned", "{upn}");
            (upn, treatment)
        })
        .collect();
    let expected = expected_plan(&truth);
    assert!(
        expected.values().any(|t| t == "thumbnails")
            && expected.values().any(|t| t == "profile-write"),
        "the tenant has both kinds: {expected:?}"
    );
    assert_eq!(
        planned, expected,
        "every out-of-sync user, with their write"
    );
    assert!(!page.text_of("fix-write").await.is_empty());

    // Nothing was written, nor even asked of SharePoint.
    let after = emulator.control().state().await.expect("state");
    assert_eq!(after.files, before.files, "no file changed");
    assert_eq!(after.profiles, before.profiles, "no profile changed");
    let log = emulator.control().log().await.expect("log");
    assert!(
        log.iter()
            .all(|e| e.method == "GET" || e.method == "OPTIONS" || e.host.starts_with("login.")),
        "a dry run sends no write: {:?}",
        log.iter()
            .filter(|e| e.method == "POST")
            .map(|e| &e.path_and_query)
            .collect::<Vec<_>>()
    );

    page.eval("document.querySelector('[data-testid=fix-panel]').scrollIntoView(); return null;")
        .await;
    page.screenshot("admin-fix").await;
    page.assert_accessible("admin fix, dry run").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_refused_profile_write_leaves_nobody_half_written_and_offers_outreach() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    let truth = audited(&emulator, &page).await;
    let before = emulator.control().state().await.expect("state");
    emulator.control().clear_log().await.expect("log cleared");

    dry_run(&page).await;
    write(&page).await;

    let shown = rows(&page).await;
    let expected = expected_plan(&truth);
    for (upn, treatment) in &expected {
        let (_, outcome) = &shown[upn];
        if treatment == "profile-write" {
            assert_eq!(outcome, "refused", "{upn}");
            assert_eq!(
                emulator.control().state().await.unwrap().profile(upn),
                before.profile(upn),
                "{upn}: the refused user's profile is as it was"
            );
        } else {
            assert!(
                ["verified", "no-library-rights"].contains(&outcome.as_str()),
                "{upn}: {outcome}"
            );
        }
    }
    let state = emulator.control().state().await.expect("state");
    nobody_half_written(&state, &before);

    // The profile write was tried once, then not again.
    let log = emulator.control().log().await.expect("log");
    let tries = log
        .iter()
        .filter(|e| {
            e.method == "POST"
                && e.path_and_query
                    .to_lowercase()
                    .contains("setsinglevalueprofileproperty")
        })
        .count();
    assert_eq!(tries, 1, "tried once for the whole run");

    // The page says why, in plain words, and offers the users' own links instead.
    let refusal = page.text_of("fix-refusal").await;
    assert!(refusal.contains("refuses"), "{refusal}");
    assert!(page.has("fix-outreach").await);
    page.assert_accessible("admin fix, refused").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_writes_allowed_every_written_user_is_verified_and_in_sync() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    let truth = audited(&emulator, &page).await;
    let control = emulator.control();
    control
        .set_admin_refusal(false)
        .await
        .expect("profile writes allowed");
    // The admin is made a site collection administrator of both geos' My Site hosts.
    for host in ["contoso-my", "contoso-eu-my"] {
        control
            .set_site_collection_admins(host, &[ADMIN])
            .await
            .expect("site collection admin");
    }
    let before = control.state().await.expect("state");

    dry_run(&page).await;
    write(&page).await;

    let shown = rows(&page).await;
    let expected = expected_plan(&truth);
    assert_eq!(shown.len(), expected.len());
    for (upn, (_, outcome)) in &shown {
        assert_eq!(outcome, "verified", "{upn}");
    }
    let after = control.truth().await.expect("the truth");
    for upn in expected.keys() {
        assert_eq!(
            after.user(upn).map(|u| u.status),
            Some(AuditStatus::InSync),
            "{upn} is in sync in SharePoint's truth"
        );
    }
    // Everyone else is as they were.
    for u in truth
        .audited()
        .filter(|u| !expected.contains_key(&u.upn.to_lowercase()))
    {
        assert_eq!(
            after.user(&u.upn).map(|a| a.status),
            Some(u.status),
            "{}",
            u.upn
        );
    }
    // The overwritten thumbnails kept their pixel sizes.
    let state = control.state().await.expect("state");
    for f in &before.files {
        if let Some(now) = state.file(&f.path) {
            assert_eq!((now.width, now.height), (f.width, f.height), "{}", f.path);
        }
    }
    nobody_half_written(&state, &before);
    assert!(page
        .text_of("fix-finished")
        .await
        .contains(&expected.len().to_string()));
    assert!(!page.has("fix-refusal").await);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_without_rights_on_the_library_is_told_why_and_nothing_is_written() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    let truth = audited(&emulator, &page).await;
    let control = emulator.control();
    // Profile writes allowed, but the admin is nobody's site collection administrator.
    control
        .set_admin_refusal(false)
        .await
        .expect("profile writes allowed");
    let before = control.state().await.expect("state");

    dry_run(&page).await;
    write(&page).await;

    let shown = rows(&page).await;
    for (upn, treatment) in expected_plan(&truth) {
        let (_, outcome) = &shown[&upn];
        if treatment == "thumbnails" {
            assert_eq!(outcome, "no-library-rights", "{upn}");
        } else {
            // The property was accepted, the files were not: put back as it was.
            assert!(
                ["rolled-back", "no-library-rights"].contains(&outcome.as_str()),
                "{upn}: {outcome}"
            );
        }
        let now = control.state().await.expect("state");
        assert_eq!(
            now.profile(&upn),
            before.profile(&upn),
            "{upn}: profile as it was"
        );
    }
    let state = control.state().await.expect("state");
    assert_eq!(state.files, before.files, "no file written");
    nobody_half_written(&state, &before);

    // Told why, and who can change it.
    let why = page
        .eval(
            "return Array.from(document.querySelectorAll('[data-testid=fix-library-rights]'))\
             .map(n => n.textContent).join(' | ');",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(why.contains("site collection administrator"), "{why}");
    assert!(why.contains(&emulator.origin("contoso-my")), "{why}");
    page.assert_accessible("admin fix, no rights on the library")
        .await;
}
