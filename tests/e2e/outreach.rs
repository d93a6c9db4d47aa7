//! The admin page's outreach: after an audit of a generated 40-user tenant, the out-of-sync
//! users get their self-service link by mail through Graph's `sendMail`, read back from the
//! emulator's mailbox. A dry run sends nothing and lists exactly the messages; the send
//! delivers exactly one correct message per user (recipient, their own link with `login_hint`
//! and `autostart`, their language); a reload in the middle and a second click send nobody a
//! second message; `Mail.Send` is asked for only when sending.

use std::collections::{BTreeMap, BTreeSet};

use emulator::{AuditStatus, GeneratedTenant, SentMail, TenantTruth};

use crate::support::{
    emulator, grant_admin_consent_on_sharepoint, AppPage, Browser, BrowserOptions, Engine,
};

const ADMIN: &str = "admin@contoso.onmicrosoft.com";

/// The generated tenant, with every third out-of-sync user speaking Latvian (`lv-LV`, and one
/// plain `lv`) and the others English or French, as Entra ID's `preferredLanguage` says.
async fn tenant(emulator: &emulator::Emulator) -> TenantTruth {
    let control = emulator.control();
    control
        .generate_tenant(GeneratedTenant::new(40, 7))
        .await
        .expect("a generated tenant");
    let truth = control.truth().await.expect("the truth");
    for (i, u) in out_of_sync(&truth).iter().enumerate() {
        let tag = match i % 3 {
            0 if i == 0 => "lv",
            0 => "lv-LV",
            1 => "en-GB",
            _ => "fr-FR",
        };
        control
            .set_user_field(&u.upn, "preferredLanguage", tag)
            .await
            .expect("a preferred language");
    }
    control.truth().await.expect("the truth")
}

fn out_of_sync(truth: &TenantTruth) -> Vec<&emulator::UserTruth> {
    truth
        .audited()
        .filter(|u| matches!(u.status, AuditStatus::Placeholder | AuditStatus::OlderPhoto))
        .collect()
}

/// Signs in as the admin, runs the audit of everyone (consenting in the popup when asked) and
/// waits for its end.
async fn audited(page: &AppPage<'_>) {
    page.open("admin.html").await;
    page.click("admin-sign-in-button").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADMIN).await;
    page.wait_for_single_window(first).await;
    page.wait_for("audit-scope").await;
    audit_again(page).await;
}

async fn audit_again(page: &AppPage<'_>) {
    page.click("audit-start").await;
    let consent = page
        .until("the audit did not start", || async {
            if page.has("audit-consent").await {
                Ok(true)
            } else if page.has("audit-listing").await
                || page.has("audit-progress").await
                || page.has("audit-finished").await
            {
                Ok(false)
            } else {
                Err("neither")
            }
        })
        .await;
    if consent {
        page.click("audit-consent").await;
        let first = page.switch_to_new_window().await;
        page.sign_in_on_identity_page(ADMIN).await;
        page.wait_for_single_window(first).await;
    }
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

/// Each user's mail address (Graph's `mail`), by UPN, lower case.
async fn addresses(emulator: &emulator::Emulator) -> BTreeMap<String, String> {
    let state = emulator.control().state().await.expect("the state");
    state
        .users
        .iter()
        .filter_map(|u| Some((u.upn.to_lowercase(), u.mail.as_ref()?.to_lowercase())))
        .collect()
}

/// Messages per recipient address.
fn per_recipient(mail: &[SentMail]) -> BTreeMap<String, Vec<&SentMail>> {
    let mut m: BTreeMap<String, Vec<&SentMail>> = BTreeMap::new();
    for message in mail {
        for r in message.recipients() {
            m.entry(r.address.to_lowercase()).or_default().push(message);
        }
    }
    m
}

/// Whether any request so far asked the identity platform for `Mail.Send`.
async fn mail_send_asked(emulator: &emulator::Emulator) -> bool {
    emulator
        .control()
        .log()
        .await
        .unwrap()
        .iter()
        .any(|e| e.path_and_query.contains("Mail.Send") || e.path_and_query.contains("Mail%2ESend"))
}

/// The checks of one user's message: to them alone, their own link, their language.
fn assert_correct(u: &emulator::UserTruth, address: &str, m: &SentMail, latvian: bool) {
    assert_eq!(
        m.sender.to_lowercase(),
        ADMIN,
        "from the admin's own mailbox"
    );
    assert_eq!(m.to.len(), 1, "a personal message");
    assert!(m.bcc.is_empty() && m.cc.is_empty());
    assert_eq!(m.to[0].address.to_lowercase(), address);
    let hint = url::form_urlencoded::byte_serialize(u.upn.as_bytes()).collect::<String>();
    assert!(
        m.body.contains(&format!("?login_hint={hint}&autostart=1")),
        "{}: {}",
        u.upn,
        m.body
    );
    assert!(
        m.body.contains(&u.display_name),
        "{}: greeted by name",
        u.upn
    );
    let expected_subject = if latvian {
        "Jūsu profila fotoattēls pakalpojumos SharePoint un OneDrive"
    } else {
        "Your profile photo in SharePoint and OneDrive"
    };
    assert_eq!(m.subject, expected_subject, "{}", u.upn);
    assert_eq!(m.body_content_type.to_lowercase(), "text");
}

async fn a_campaign_messages_each_out_of_sync_user_once_even_after_a_reload_and_a_second_click(
    engine: Engine,
) {
    let emulator = emulator().await;
    let truth = tenant(&emulator).await;
    grant_admin_consent_on_sharepoint(&emulator, &["User.Read.All"]).await;
    let control = emulator.control();
    let users = out_of_sync(&truth);
    assert!(users.len() >= 6, "enough users to message: {}", users.len());
    let mails = addresses(&emulator).await;
    let address = |u: &emulator::UserTruth| mails[&u.upn.to_lowercase()].clone();
    let latvian: BTreeSet<String> = users
        .iter()
        .enumerate()
        .filter(|(i, _)| i.is_multiple_of(3))
        .map(|(_, u)| address(u))
        .collect();
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    audited(&page).await;
    assert!(
        !mail_send_asked(&emulator).await,
        "Mail.Send is not asked for by the audit"
    );

    // The dry run sends nothing and lists exactly the messages: one to each out-of-sync user.
    page.wait_for("outreach").await;
    page.click("outreach-dry-run").await;
    page.wait_for("outreach-dry-run-list").await;
    let listed = page
        .eval(
            "return Array.from(document.querySelectorAll('[data-testid=dry-run-message]'))\
             .map(m => m.dataset.to);",
        )
        .await;
    let listed: Vec<String> = listed
        .as_array()
        .expect("messages")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_lowercase())
        .collect();
    let expected: BTreeSet<String> = users.iter().map(|u| address(u)).collect();
    assert_eq!(
        listed.len(),
        users.len(),
        "one message per user: {listed:?}"
    );
    assert_eq!(listed.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(
        page.attribute_of("outreach-plan-messages", "data-messages")
            .await
            .as_deref(),
        Some(users.len().to_string().as_str())
    );
    assert!(
        control.sent_mail().await.unwrap().is_empty(),
        "a dry run sends nothing"
    );
    assert!(
        !mail_send_asked(&emulator).await,
        "nor does it ask for Mail.Send"
    );
    page.screenshot("admin-outreach").await;
    page.assert_accessible("admin outreach, dry run").await;

    // Sending asks for Mail.Send then (a popup from the click), and only then.
    control.set_latency(400).await.unwrap();
    page.click("outreach-send").await;
    page.wait_for("outreach-consent-needed").await;
    assert!(
        !mail_send_asked(&emulator).await,
        "not before the admin allows it"
    );
    page.click("outreach-consent").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADMIN).await;
    page.wait_for_single_window(first).await;
    assert!(
        mail_send_asked(&emulator).await,
        "Mail.Send asked for when sending"
    );

    // A reload in the middle of the campaign.
    page.until("no message went out", || async {
        if control.sent_mail().await.unwrap().len() >= 2 {
            Ok(())
        } else {
            Err("fewer than 2")
        }
    })
    .await;
    page.open("admin.html").await;
    page.wait_for("outreach-campaign").await;
    control.set_latency(0).await.unwrap();
    let before = control.sent_mail().await.unwrap().len();
    assert!(
        before < users.len(),
        "stopped halfway: {before} of {}",
        users.len()
    );
    let uncertain: usize = page
        .attribute_of("outreach-campaign", "data-uncertain")
        .await
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(uncertain <= 1, "at most the message in flight is in doubt");

    // Send the rest, clicking twice.
    page.click("outreach-send").await;
    page.click("outreach-send").await;
    page.until("the campaign never finished", || async {
        if page.has("outreach-finished").await {
            Ok(())
        } else if page.has("outreach-stopped").await {
            panic!(
                "sending stopped: {}",
                page.text_of("outreach-stopped").await
            );
        } else {
            Err("still sending")
        }
    })
    .await;
    // And once more after the end: nothing is left to send.
    page.click("outreach-send").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let mail = control.sent_mail().await.unwrap();
    let by = per_recipient(&mail);
    assert!(
        by.keys().all(|a| expected.contains(a)),
        "only out-of-sync users were messaged: {:?}",
        by.keys().collect::<Vec<_>>()
    );
    let mut missing = Vec::new();
    for u in &users {
        match by.get(&address(u)).map(Vec::as_slice) {
            Some([m]) => assert_correct(u, &address(u), m, latvian.contains(&address(u))),
            Some(more) => panic!("{} got {} messages", u.upn, more.len()),
            None => missing.push(u.upn.clone()),
        }
    }
    // Only a message whose answer the reload cut off may be missing, and the page says so.
    assert!(missing.len() <= uncertain, "never sent: {missing:?}");
    // Two messaged users with an older photo use their link (SharePoint's picture becomes
    // the one Exchange has), then a new audit shows the rows' messages and the campaign's
    // effect.
    let state = control.state().await.unwrap();
    let mut fixed = BTreeSet::new();
    for u in users
        .iter()
        .filter(|u| u.status == AuditStatus::OlderPhoto && by.contains_key(&address(u)))
        .take(2)
    {
        let large = state
            .files
            .iter()
            .find(|f| f.path.contains(&format!("{}_LThumb", u.oid)))
            .unwrap_or_else(|| panic!("{}'s SharePoint picture", u.upn));
        let bytes = control.file(&large.host, &large.path).await.unwrap();
        control
            .set_exchange_photo_raw(&u.upn, bytes, "image/jpeg")
            .await
            .unwrap();
        fixed.insert(u.upn.to_lowercase());
    }
    assert!(!fixed.is_empty(), "someone to fix");
    let truth_now = control.truth().await.unwrap();
    for upn in &fixed {
        assert_eq!(
            truth_now.user(upn).unwrap().status,
            AuditStatus::InSync,
            "{upn}"
        );
    }
    audit_again(&page).await;
    let rows = page
        .eval(
            "return Array.from(document.querySelectorAll('[data-testid=audit-row]'))\
             .map(r => [r.dataset.account.toLowerCase(), r.dataset.mailed || '']);",
        )
        .await;
    let rows: BTreeMap<String, String> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                r[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for u in &users {
        let state = rows.get(&u.upn.to_lowercase()).map(String::as_str);
        assert!(
            matches!(state, Some("sent" | "uncertain")),
            "{}: {state:?}",
            u.upn
        );
    }
    assert!(page.text_of("audit-table").await.contains("Link sent"));
    page.wait_for("outreach-effect").await;
    let sent: Vec<&String> = rows
        .iter()
        .filter(|(_, state)| state.as_str() == "sent")
        .map(|(upn, _)| upn)
        .collect();
    let fixed_and_sent = sent.iter().filter(|upn| fixed.contains(**upn)).count();
    assert!(fixed_and_sent >= 1, "a fixed user's message is on record");
    assert_eq!(
        page.attribute_of("outreach-effect", "data-fixed")
            .await
            .as_deref(),
        Some(fixed_and_sent.to_string().as_str()),
        "the users who used their link"
    );
    assert_eq!(
        page.attribute_of("outreach-effect", "data-messaged")
            .await
            .as_deref(),
        Some(sent.len().to_string().as_str())
    );
    let effect = page.text_of("outreach-effect").await;
    assert!(
        effect.starts_with(&format!(
            "{fixed_and_sent} of {} users messaged on",
            sent.len()
        )),
        "{effect}"
    );
    page.assert_accessible("admin outreach, after the campaign")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_template_link_nothing_can_be_sent_and_the_csv_has_every_link() {
    let emulator = emulator().await;
    let truth = tenant(&emulator).await;
    grant_admin_consent_on_sharepoint(&emulator, &["User.Read.All"]).await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    audited(&page).await;
    page.wait_for("outreach").await;

    // A template without {link} is refused, with what to do.
    page.eval(
        "const b = document.querySelector('[data-testid=outreach-body]'); b.value = 'Hello {name}'; \
         b.dispatchEvent(new Event('input', {bubbles: true})); return null;",
    )
    .await;
    let problem = page.text_of("outreach-template-problem").await;
    assert!(problem.contains("{link}"), "{problem}");
    assert_eq!(
        page.attribute_of("outreach-send", "aria-disabled")
            .await
            .as_deref(),
        Some("true")
    );
    page.click("outreach-send").await;
    page.click("outreach-reset-template").await;
    assert!(!page.has("outreach-template-problem").await);

    // The CSV for a mail merge: every out-of-sync user with their own link.
    let text = page.download_text("outreach-csv").await;
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    assert!(text.contains("Name,Email,Language,Link,Subject,Message\r\n"));
    for u in out_of_sync(&truth) {
        let hint = url::form_urlencoded::byte_serialize(u.upn.as_bytes()).collect::<String>();
        assert!(
            text.contains(&format!("?login_hint={hint}&autostart=1")),
            "{} has a row",
            u.upn
        );
    }
    let teams = page
        .eval("return document.querySelector('[data-testid=outreach-teams]').value;")
        .await;
    assert!(
        teams
            .as_str()
            .unwrap_or_default()
            .contains("domain_hint=contoso.onmicrosoft.com&autostart=1"),
        "{teams}"
    );
    assert!(emulator.control().sent_mail().await.unwrap().is_empty());
}

crate::in_chromium_and_firefox!(
    a_campaign_messages_each_out_of_sync_user_once_even_after_a_reload_and_a_second_click,
);
