//! The admin audit (`admin.html`): a generated 40-user tenant of every kind of user, audited
//! end to end in the browser, each user given the status the emulator knows to be true; the
//! consent asked once, when the first audit starts; a reload mid-audit resumes without reading
//! anyone again; the CSV equals the table; the group and list scopes; and the explanation for
//! an admin without the rights.

use std::collections::BTreeMap;

use emulator::{AuditStatus, GeneratedTenant, LogEntry, TenantTruth};

use crate::support::{
    emulator, grant_admin_consent_on_sharepoint, AppPage, Browser, BrowserOptions, Engine,
};

const ADMIN: &str = "admin@contoso.onmicrosoft.com";

/// The page's name for a status the emulator knows.
fn page_name(status: AuditStatus) -> &'static str {
    match status {
        AuditStatus::InSync => "in-sync",
        AuditStatus::Placeholder => "placeholder",
        AuditStatus::OlderPhoto => "older",
        AuditStatus::NoExchangePhoto => "no-photo",
        AuditStatus::NoMailbox => "no-mailbox",
    }
}

async fn tenant(emulator: &emulator::Emulator, users: u32) -> TenantTruth {
    let control = emulator.control();
    control
        .generate_tenant(GeneratedTenant::new(users, 7))
        .await
        .expect("a generated tenant");
    control.truth().await.expect("the truth")
}

/// Opens admin.html and signs in as the admin through the popup.
async fn signed_in(page: &AppPage<'_>, query: &str) {
    page.open(&format!("admin.html{query}")).await;
    page.click("admin-sign-in-button").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADMIN).await;
    page.wait_for_single_window(first).await;
    page.wait_for("audit-scope").await;
}

/// Each row's account and status as the page shows them, through every page of the table.
async fn table(page: &AppPage<'_>) -> BTreeMap<String, String> {
    let rows = page
        .eval(
            "return Array.from(document.querySelectorAll('[data-testid=audit-row]'))\
             .map(r => [r.dataset.account, r.dataset.status]);",
        )
        .await;
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                r[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn wait_finished(page: &AppPage<'_>) {
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
}

/// Chooses the list scope and pastes `list` into it.
async fn paste_list(page: &AppPage<'_>, list: &str) {
    page.click("scope-list").await;
    page.eval(&format!(
        "const t = document.querySelector('[data-testid=account-list]'); t.value = {}; \
         t.dispatchEvent(new Event('input', {{bubbles: true}})); return null;",
        serde_json::Value::String(list.to_owned())
    ))
    .await;
}

fn reads_of_user(log: &[LogEntry], oid: &str) -> usize {
    log.iter()
        .filter(|e| e.path_and_query.contains(&format!("/users/{oid}/photos")))
        .count()
}

async fn a_mixed_tenant_gets_the_true_status_for_everyone_and_the_csv_equals_the_table(
    engine: Engine,
) {
    let emulator = emulator().await;
    let truth = tenant(&emulator, 40).await;
    grant_admin_consent_on_sharepoint(&emulator, &["User.Read.All"]).await;
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "").await;

    // The audit's permissions are asked for when it first starts, not at sign-in.
    page.click("audit-start").await;
    page.wait_for("consent-needed").await;
    page.click("audit-consent").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADMIN).await;
    page.wait_for_single_window(first).await;
    wait_finished(&page).await;

    let expected: BTreeMap<String, String> = truth
        .audited()
        .map(|u| (u.upn.to_lowercase(), page_name(u.status).to_owned()))
        .collect();
    let kinds: std::collections::BTreeSet<&String> = expected.values().collect();
    assert!(kinds.len() >= 4, "the tenant mixes the statuses: {kinds:?}");
    assert!(
        truth.users.iter().any(|u| !u.audited),
        "guests or disabled accounts are there to be skipped"
    );
    assert!(
        truth.audited().any(|u| u.geo != "NAM"),
        "some users live in the second geo"
    );
    let shown: BTreeMap<String, String> = table(&page)
        .await
        .into_iter()
        .map(|(k, v)| (k.to_lowercase(), v))
        .collect();
    assert_eq!(shown, expected, "every audited user, with the true status");
    for (status, n) in &truth.counts {
        assert_eq!(
            page.text_of(&format!("count-{}-n", page_name(*status)))
                .await,
            n.to_string(),
            "{status:?}"
        );
    }

    // The CSV holds the same users and statuses as the table, with each self-service link.
    // The download's blob is read where the page hands it to the browser.
    let text = page.download_text("export-csv").await;
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    let mut lines = text.trim_start_matches('\u{feff}').split("\r\n");
    assert_eq!(
        lines.next(),
        Some("Name,Account,Status,Reason,Self-service link")
    );
    let from_csv: BTreeMap<String, String> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let n = cells.len();
            let link = cells[n - 1];
            assert!(
                link.contains("login_hint=") && link.ends_with("&autostart=1"),
                "{link}"
            );
            (cells[n - 4].to_lowercase(), cells[n - 3].to_owned())
        })
        .collect();
    assert_eq!(from_csv, expected);
    page.screenshot("admin-audit").await;

    // A row's details show the two services' photos side by side, read when it opens.
    for (status, exchange, sharepoint) in [
        ("older", "photo", "photo"),
        ("placeholder", "photo", "none"),
    ] {
        let upn = expected
            .iter()
            .find(|(_, s)| s.as_str() == status)
            .map(|(a, _)| a.clone())
            .unwrap_or_else(|| panic!("a user of status {status}"));
        let shown = details_photos(&page, &upn).await;
        assert_eq!(
            shown,
            (exchange.to_owned(), sharepoint.to_owned()),
            "{upn} ({status})"
        );
        if status == "older" {
            page.assert_accessible("admin audit, a row's details").await;
            page.screenshot("admin-audit-details").await;
        }
        page.click("details-close").await;
    }
    page.assert_accessible("admin audit").await;
}

/// Opens the details of `upn`'s row and waits for both photos: the state of each figure
/// (`photo` only once the image has loaded with real pixels, `none`, `unreadable`).
async fn details_photos(page: &AppPage<'_>, upn: &str) -> (String, String) {
    page.eval(&format!(
        "const upn = {}; const row = Array.from(document.querySelectorAll('[data-testid=audit-row]')) \
         .find(r => r.dataset.account.toLowerCase() === upn); \
         row.querySelector('[data-testid=row-details]').click(); return null;",
        serde_json::Value::String(upn.to_owned())
    ))
    .await;
    page.until("the details' photos never arrived", || async {
        let states = page
            .eval(
                "const state = id => { const f = document.querySelector(`[data-testid=${id}]`); \
                 if (!f) return 'loading'; const img = f.querySelector('img'); \
                 if (f.dataset.state === 'photo' && !(img && img.complete && img.naturalWidth > 1)) \
                 return 'loading'; return f.dataset.state; }; \
                 return [state('details-exchange-photo'), state('details-sharepoint-photo')];",
            )
            .await;
        let states: Vec<String> = states
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        match states.as_slice() {
            [a, b] if a != "loading" && b != "loading" => Ok((a.clone(), b.clone())),
            _ => Err("still loading"),
        }
    })
    .await
}

/// The audit is of a list pasted in the form (a scope no link can name), so the reload, to
/// the page's plain address, must find the most recent audit of any scope.
async fn a_reload_mid_audit_resumes_without_reading_anyone_again(engine: Engine) {
    let emulator = emulator().await;
    // Enough users for several of the audit's chunks of 20, so that a pause leaves some unread.
    let truth = tenant(&emulator, 120).await;
    grant_admin_consent_on_sharepoint(&emulator, &["User.Read.All"]).await;
    let control = emulator.control();
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "").await;
    let everyone: Vec<&str> = truth.audited().map(|u| u.upn.as_str()).collect();
    paste_list(&page, &everyone.join("\n")).await;
    page.click("audit-start").await;
    page.click("audit-consent").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADMIN).await;
    // Slow services, so that the audit can be stopped halfway.
    control.set_latency(300).await.unwrap();
    page.wait_for_single_window(first).await;
    // Pause, note who was read, reload.
    page.until("nobody read yet", || async {
        let done: usize = page
            .eval("return document.querySelectorAll('[data-testid=audit-row]:not([data-status=pending])').length;")
            .await
            .as_u64()
            .unwrap_or(0) as usize;
        if done >= 8 {
            Ok(())
        } else {
            Err("fewer than 8")
        }
    })
    .await;
    page.click("audit-pause").await;
    page.wait_for("audit-paused").await;
    // Let the calls in flight land (and the progress be kept), then reload.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let before = table(&page).await;
    let read_before: Vec<String> = before
        .iter()
        .filter(|(_, s)| *s != "pending")
        .map(|(a, _)| a.to_lowercase())
        .collect();
    assert!(
        read_before.len() < truth.audited().count(),
        "stopped halfway"
    );
    control.clear_log().await.unwrap();
    control.set_latency(0).await.unwrap();
    page.open("admin.html").await;
    page.wait_for("resume-offer").await;
    page.click("audit-resume").await;
    wait_finished(&page).await;
    let log = control.log().await.unwrap();
    for upn in &read_before {
        let oid = &truth.user(upn).expect("a user").oid;
        assert_eq!(reads_of_user(&log, oid), 0, "{upn} was read again");
    }
    let after = table(&page).await;
    assert!(
        after.values().all(|s| s != "pending"),
        "everyone has a status"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_and_a_pasted_list_audit_just_their_users() {
    let emulator = emulator().await;
    let truth = tenant(&emulator, 40).await;
    grant_admin_consent_on_sharepoint(&emulator, &["User.Read.All"]).await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    let group = truth.group("emea").expect("the emea group");
    signed_in(&page, &format!("?audit=group:{}", group.id)).await;
    page.click("audit-start").await;
    page.click("audit-consent").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADMIN).await;
    page.wait_for_single_window(first).await;
    wait_finished(&page).await;
    let expected: std::collections::BTreeSet<String> = group
        .transitive_user_ids
        .iter()
        .filter_map(|oid| truth.user(oid))
        .filter(|u| u.audited)
        .map(|u| u.upn.to_lowercase())
        .collect();
    let shown: std::collections::BTreeSet<String> = table(&page)
        .await
        .into_keys()
        .map(|a| a.to_lowercase())
        .collect();
    assert_eq!(
        shown, expected,
        "the group's enabled members, nested groups included"
    );

    // A pasted list: two known accounts and one the directory does not know.
    let known: Vec<&str> = truth.audited().take(2).map(|u| u.upn.as_str()).collect();
    let list = format!(
        "{}\n{}; nobody@contoso.onmicrosoft.com\nnot-an-address",
        known[0], known[1]
    );
    paste_list(&page, &list).await;
    assert!(page.text_of("account-count").await.contains('3'));
    page.click("audit-start").await;
    wait_finished(&page).await;
    let rows = table(&page).await;
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows.get("nobody@contoso.onmicrosoft.com")
            .map(String::as_str),
        Some("unreadable")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_without_the_rights_is_told_what_is_missing_and_who_can_grant_it() {
    let emulator = emulator().await;
    tenant(&emulator, 12).await;
    let control = emulator.control();
    // Consent granted, but the directory refuses this account (a role without reads).
    grant_admin_consent_on_sharepoint(&emulator, &["User.Read.All"]).await;
    control
        .grant_consent(ADMIN, &["User.Read.All", "GroupMember.Read.All"])
        .await
        .unwrap();
    control
        .set_fault(emulator::FaultRule {
            host: Some("graph".into()),
            path_contains: Some("/v1.0/users".into()),
            status: 403,
            ..Default::default()
        })
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "").await;
    page.click("audit-start").await;
    if page.has("audit-consent").await {
        page.click("audit-consent").await;
        let first = page.switch_to_new_window().await;
        page.sign_in_on_identity_page(ADMIN).await;
        page.wait_for_single_window(first).await;
    }
    page.wait_for("audit-failed").await;
    let message = page.text_of("audit-failed").await;
    assert!(message.contains("Microsoft Graph refused"), "{message}");
    assert!(message.contains("Grant admin consent"), "{message}");
}

crate::in_chromium_and_firefox!(
    a_mixed_tenant_gets_the_true_status_for_everyone_and_the_csv_equals_the_table,
    a_reload_mid_audit_resumes_without_reading_anyone_again,
);
