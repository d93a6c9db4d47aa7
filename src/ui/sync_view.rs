//! The self-service screen: the Exchange photo beside SharePoint's, one primary action,
//! progress in a live region, and the result or the failure with what to do about it.
//!
//! Renders a [`SyncPhase`] and nothing else; it starts work only by calling the `on_sync`
//! callback its owner gives it (usually [`crate::state::sync::SyncController::sync`]). No I/O
//! here.
//!
//! ```ignore
//! let sync = SyncController::new(None);
//! let on_sync = UnsyncCallback::new(move |force: bool| sync.sync(force));
//! view! { <SyncView phase=sync.phase on_sync=on_sync/> }
//! ```

use leptos::prelude::*;

use super::text;
use crate::auth::{api_of, permission_names};
use crate::i18n::Catalogue;
use crate::sync::{PhotoSummary, SharePointSummary, SyncFailure, SyncPhase};

/// The two photos, the sync button, progress and the outcome.
#[component]
pub fn SyncView(
    /// Where the sync is, as `sync::run_sync` / `sync::run_compare` report it.
    #[prop(into)]
    phase: Signal<SyncPhase>,
    /// Starts a sync. The argument is `force`: `false` from "Sync my photo" (nothing is written
    /// when SharePoint is already in sync), `true` from "Sync anyway". Any `Fn(bool)` closure;
    /// it need not be `Send` (the signed-in session usually is not).
    #[prop(into)]
    on_sync: UnsyncCallback<bool>,
) -> impl IntoView {
    let t = text();
    // The last comparison stays on screen while writing, verifying and after.
    let compared = Memo::new(
        move |previous: Option<&Option<Compared>>| match phase.get() {
            SyncPhase::Compared {
                exchange,
                sharepoint,
                in_sync,
            } => Some(Compared {
                exchange,
                sharepoint,
                in_sync,
            }),
            SyncPhase::Idle => None,
            _ => previous.cloned().flatten(),
        },
    );
    let busy = Memo::new(move |_| phase.get().is_busy());
    let in_sync = move || {
        matches!(phase.get(), SyncPhase::NothingToDo)
            || matches!(phase.get(), SyncPhase::Compared { in_sync: true, .. })
    };
    let new_thumbnail = move || match phase.get() {
        SyncPhase::Done { new_thumbnail, .. } => new_thumbnail,
        _ => None,
    };

    // The `blob:` URLs of the photos are this view's: each is released once it is no longer
    // shown (a new comparison, a new result), and all of them when the view goes.
    let shown = StoredValue::new_local(Vec::<String>::new());
    Effect::new(move |_| {
        let mut now: Vec<String> = Vec::new();
        if let Some(c) = compared.get() {
            now.extend(c.exchange.image_url);
            now.extend(c.sharepoint.image_url);
        }
        now.extend(new_thumbnail());
        for old in shown.get_value().iter().filter(|url| !now.contains(url)) {
            release(old);
        }
        shown.set_value(now);
    });
    on_cleanup(move || {
        for url in shown.try_get_value().unwrap_or_default() {
            release(&url);
        }
    });

    let exchange_photo = move || match compared.get().and_then(|c| c.exchange.image_url) {
        Some(url) => view! {
            <img class="sync-photo-image" src=url alt=move || t().sync_exchange_alt
                data-testid="exchange-photo"/>
        }
        .into_any(),
        None => view! {
            <div class="sync-photo-empty" data-testid="exchange-photo-empty">
                {move || t().sync_not_read_yet}
            </div>
        }
        .into_any(),
    };

    let sharepoint_photo = move || {
        let c = compared.get();
        let url =
            new_thumbnail().or_else(|| c.as_ref().and_then(|c| c.sharepoint.image_url.clone()));
        match (url, c) {
            (Some(url), _) => view! {
                <img class="sync-photo-image" src=url alt=move || t().sync_sharepoint_alt
                    data-testid="sharepoint-photo"/>
            }
            .into_any(),
            (None, Some(_)) => view! {
                <div class="sync-photo-empty" data-testid="sharepoint-photo-empty">
                    {move || t().sync_placeholder}
                </div>
            }
            .into_any(),
            (None, None) => view! {
                <div class="sync-photo-empty" data-testid="sharepoint-photo-empty">
                    {move || t().sync_not_read_yet}
                </div>
            }
            .into_any(),
        }
    };

    let outcome = move || match phase.get() {
        SyncPhase::Done {
            elapsed_ms,
            new_thumbnail,
        } => Some(
            view! {
                <div class="sync-result" data-testid="sync-result">
                    <h2>{move || t().sync_done_title}</h2>
                    {new_thumbnail.map(|url| view! {
                        <img class="sync-result-image" src=url alt=move || t().sync_new_photo_alt
                            data-testid="new-sharepoint-photo"/>
                    })}
                    <p data-testid="sync-elapsed" data-elapsed-ms=elapsed_ms>
                        {move || (t().sync_done_elapsed)(f64::from(elapsed_ms) / 1000.0)}
                    </p>
                    <p class="muted">{move || t().sync_done_note}</p>
                </div>
            }
            .into_any(),
        ),
        SyncPhase::NothingToDo => Some(
            view! {
                <div class="sync-result sync-nothing" data-testid="sync-nothing-to-do">
                    <p>{move || t().sync_nothing_to_do}</p>
                </div>
            }
            .into_any(),
        ),
        SyncPhase::Failed {
            reason,
            wrote_anything,
        } => {
            let kind = failure_kind(&reason);
            let reason_for_note = reason.clone();
            let technical = has_technical_details(&reason).then(|| reason.to_string());
            let reason_for_text = reason.clone();
            Some(
                view! {
                    <div class="sync-error" role="alert" data-testid="sync-error" data-reason=kind
                        data-wrote-anything=wrote_anything.to_string()>
                        <h2>{move || t().sync_failed_title}</h2>
                        <p class="error-message" data-testid="sync-error-message">
                            {move || failure_text(t(), &reason).0}
                        </p>
                        <p data-testid="sync-error-fix">{move || failure_text(t(), &reason_for_text).1}</p>
                        <p class="muted">
                            {move || written_note(t(), &reason_for_note, wrote_anything)}
                        </p>
                        {technical.map(|technical| view! {
                            <p class="sync-details muted">
                                {move || t().sync_details_label} " " <code>{technical}</code>
                            </p>
                        })}
                    </div>
                }
                .into_any(),
            )
        }
        _ => None,
    };

    view! {
        <section class="card sync-view" data-testid="sync-view" data-phase=move || phase.get().name()
            aria-labelledby="sync-title" aria-busy=move || busy.get().to_string()>
            <h1 id="sync-title">{move || t().sync_title}</h1>
            <p class="lead">{move || t().sync_intro}</p>
            <div class="sync-photos">
                <figure class="sync-photo">
                    <div class="sync-photo-frame">{exchange_photo}</div>
                    <figcaption>{move || t().sync_exchange_label}</figcaption>
                </figure>
                <span class="sync-arrow" aria-hidden="true">"→"</span>
                <figure class="sync-photo">
                    <div class="sync-photo-frame">{sharepoint_photo}</div>
                    <figcaption>{move || t().sync_sharepoint_label}</figcaption>
                </figure>
            </div>
            <p class="sync-status" role="status" aria-live="polite" data-testid="sync-status">
                {move || status_text(t(), &phase.get())}
            </p>
            {outcome}
            <div class="actions sync-actions">
                <Show when=move || !in_sync()>
                    <button type="button" class="button primary" data-testid="sync-button"
                        disabled=move || busy.get() on:click=move |_| on_sync.run(false)>
                        {move || t().sync_button}
                    </button>
                </Show>
                <Show when=in_sync>
                    <button type="button" class="button" data-testid="sync-anyway"
                        disabled=move || busy.get() on:click=move |_| on_sync.run(true)>
                        {move || t().sync_anyway}
                    </button>
                </Show>
            </div>
        </section>
    }
}

/// Releases a `blob:` URL (other URLs, as in tests, are left alone).
fn release(url: &str) {
    if url.starts_with("blob:") {
        crate::photo::browser::revoke_object_url(url);
    }
}

/// The last comparison, kept for display.
#[derive(Debug, Clone, PartialEq)]
struct Compared {
    exchange: PhotoSummary,
    sharepoint: SharePointSummary,
    in_sync: bool,
}

/// What the live region says in each phase.
fn status_text(t: &'static Catalogue, phase: &SyncPhase) -> &'static str {
    match phase {
        SyncPhase::Idle => t.sync_status_idle,
        SyncPhase::Reading => t.sync_status_reading,
        SyncPhase::Compared { in_sync: true, .. } | SyncPhase::NothingToDo => t.sync_status_same,
        SyncPhase::Compared { in_sync: false, .. } => t.sync_status_differs,
        SyncPhase::Writing => t.sync_status_writing,
        SyncPhase::Verifying => t.sync_status_verifying,
        SyncPhase::Done { .. } => t.sync_status_done,
        SyncPhase::Failed { .. } => t.sync_status_failed,
    }
}

/// What a failed run says about SharePoint: nothing changed; or the photo was sent and no
/// answer came back (the page cannot know whether it was saved); or it was sent and the check
/// afterwards did not pass.
fn written_note(
    t: &'static Catalogue,
    failure: &SyncFailure,
    wrote_anything: bool,
) -> &'static str {
    match (wrote_anything, failure) {
        (false, _) => t.sync_nothing_written,
        (true, SyncFailure::Network { .. }) => t.sync_answer_lost,
        (true, _) => t.sync_maybe_written,
    }
}

/// A failure in the page's language: what happened, and what to do.
pub fn failure_text(t: &'static Catalogue, failure: &SyncFailure) -> (String, String) {
    let s = |v: &'static str| v.to_owned();
    match failure {
        SyncFailure::NoExchangePhoto => {
            (s(t.fail_no_exchange_photo), s(t.fail_no_exchange_photo_fix))
        }
        SyncFailure::NoMailbox => (s(t.fail_no_mailbox), s(t.fail_no_mailbox_fix)),
        SyncFailure::NotAnImage => (s(t.fail_not_an_image), s(t.fail_bad_photo_fix)),
        SyncFailure::UnsupportedFormat { format } => {
            ((t.fail_unsupported_format)(format), s(t.fail_bad_photo_fix))
        }
        SyncFailure::TooLarge { bytes } => (
            (t.fail_too_large)(*bytes as f64 / (1024.0 * 1024.0)),
            s(t.fail_bad_photo_fix),
        ),
        SyncFailure::TooManyPixels { width, height } => (
            (t.fail_too_many_pixels)(*width, *height),
            s(t.fail_bad_photo_fix),
        ),
        SyncFailure::ImageUnreadable => (s(t.fail_unreadable), s(t.fail_bad_photo_fix)),
        SyncFailure::PhotoRejected => (s(t.fail_rejected), s(t.fail_bad_photo_fix)),
        SyncFailure::Throttled { service } => {
            ((t.fail_throttled)(service.name()), s(t.fail_try_later_fix))
        }
        SyncFailure::ServiceUnavailable { service } => (
            (t.fail_unavailable)(service.name()),
            s(t.fail_try_later_fix),
        ),
        SyncFailure::SignInNeeded => (s(t.fail_sign_in), s(t.fail_sign_in_fix)),
        SyncFailure::AdminConsentRequired { scopes } => {
            let permissions = permission_names(scopes);
            if permissions.is_empty() {
                (s(t.fail_admin_consent), s(t.fail_admin_consent_fix))
            } else {
                let (api, names) = (api_of(scopes), permissions.join(", "));
                (
                    (t.fail_admin_consent_for)(api, &names),
                    (t.fail_admin_consent_for_fix)(api, &names),
                )
            }
        }
        SyncFailure::SignInFailed { detail } => {
            ((t.fail_sign_in_failed)(detail), s(t.fail_sign_in_fix))
        }
        SyncFailure::AccessDenied { service, detail } => (
            (t.fail_access_denied)(service.name(), detail),
            s(t.fail_access_denied_fix),
        ),
        SyncFailure::ProfilePermissionMissing {
            missing, granted, ..
        } => {
            let missing = missing.join(", ");
            (
                (t.fail_profile_permission_missing)(&missing, &granted.join(", ")),
                (t.fail_profile_permission_missing_fix)(&missing),
            )
        }
        SyncFailure::Network { origin } => ((t.fail_network)(origin), s(t.fail_network_fix)),
        SyncFailure::NoMySite => (s(t.fail_no_my_site), s(t.fail_no_my_site_fix)),
        SyncFailure::UntrustedMySite { value } => {
            ((t.fail_untrusted_my_site)(value), s(t.fail_tell_it_fix))
        }
        SyncFailure::VerificationFailed { .. } => {
            (s(t.fail_verification), s(t.fail_verification_fix))
        }
        SyncFailure::Unexpected { service, .. } => {
            ((t.fail_unexpected)(service.name()), s(t.fail_tell_it_fix))
        }
    }
}

/// True when the failure's technical text tells an IT department more than the message does.
fn has_technical_details(failure: &SyncFailure) -> bool {
    matches!(
        failure,
        SyncFailure::SignInFailed { .. }
            | SyncFailure::AccessDenied { .. }
            | SyncFailure::ProfilePermissionMissing { .. }
            | SyncFailure::Network { .. }
            | SyncFailure::UntrustedMySite { .. }
            | SyncFailure::VerificationFailed { .. }
            | SyncFailure::Unexpected { .. }
    )
}

/// A stable name per failure, for the `data-reason` attribute tests read.
pub fn failure_kind(failure: &SyncFailure) -> &'static str {
    match failure {
        SyncFailure::NoExchangePhoto => "no-exchange-photo",
        SyncFailure::NoMailbox => "no-mailbox",
        SyncFailure::NotAnImage => "not-an-image",
        SyncFailure::UnsupportedFormat { .. } => "unsupported-format",
        SyncFailure::TooLarge { .. } => "too-large",
        SyncFailure::TooManyPixels { .. } => "too-many-pixels",
        SyncFailure::ImageUnreadable => "image-unreadable",
        SyncFailure::PhotoRejected => "photo-rejected",
        SyncFailure::Throttled { .. } => "throttled",
        SyncFailure::ServiceUnavailable { .. } => "service-unavailable",
        SyncFailure::SignInNeeded => "sign-in-needed",
        SyncFailure::AdminConsentRequired { .. } => "admin-consent-required",
        SyncFailure::SignInFailed { .. } => "sign-in-failed",
        SyncFailure::AccessDenied { .. } => "access-denied",
        SyncFailure::ProfilePermissionMissing { .. } => "profile-permission-missing",
        SyncFailure::Network { .. } => "network",
        SyncFailure::NoMySite => "no-my-site",
        SyncFailure::UntrustedMySite { .. } => "untrusted-my-site",
        SyncFailure::VerificationFailed { .. } => "verification-failed",
        SyncFailure::Unexpected { .. } => "unexpected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::sync::Service;

    fn every_failure() -> Vec<SyncFailure> {
        use crate::sync::compare::VerificationProblem;
        vec![
            SyncFailure::NoExchangePhoto,
            SyncFailure::NoMailbox,
            SyncFailure::NotAnImage,
            SyncFailure::UnsupportedFormat { format: "WebP" },
            SyncFailure::TooLarge { bytes: 5_242_880 },
            SyncFailure::ImageUnreadable,
            SyncFailure::PhotoRejected,
            SyncFailure::Throttled {
                service: Service::Graph,
            },
            SyncFailure::ServiceUnavailable {
                service: Service::SharePoint,
            },
            SyncFailure::SignInNeeded,
            SyncFailure::AdminConsentRequired { scopes: vec![] },
            SyncFailure::SignInFailed { detail: "x".into() },
            SyncFailure::AccessDenied {
                service: Service::SharePoint,
                detail: "d".into(),
            },
            SyncFailure::ProfilePermissionMissing {
                missing: vec!["User.ReadWrite.All".into()],
                granted: vec!["AllSites.Write".into()],
                detail: "d".into(),
            },
            SyncFailure::Network {
                origin: "https://graph.microsoft.com".into(),
            },
            SyncFailure::NoMySite,
            SyncFailure::UntrustedMySite {
                value: "https://evil.example".into(),
            },
            SyncFailure::VerificationFailed {
                problem: VerificationProblem::TimestampUnchanged,
            },
            SyncFailure::Unexpected {
                service: Service::Graph,
                detail: "d".into(),
            },
        ]
    }

    #[test]
    fn every_failure_says_what_happened_and_what_to_do_in_each_language() {
        for lang in Lang::ALL {
            for failure in every_failure() {
                let (message, fix) = failure_text(lang.text(), &failure);
                assert!(
                    !message.is_empty() && !fix.is_empty(),
                    "{lang:?} {failure:?}"
                );
            }
        }
        let (en, _) = failure_text(Lang::En.text(), &SyncFailure::NoExchangePhoto);
        let (lv, _) = failure_text(Lang::Lv.text(), &SyncFailure::NoExchangePhoto);
        assert_ne!(en, lv);
    }

    #[test]
    fn a_lost_answer_is_not_called_a_failed_check_nor_nothing_changed() {
        let t = Lang::En.text();
        let lost = SyncFailure::Network {
            origin: "https://contoso-my.sharepoint.com".into(),
        };
        assert_eq!(written_note(t, &lost, true), t.sync_answer_lost);
        assert_eq!(written_note(t, &lost, false), t.sync_nothing_written);
        assert_eq!(
            written_note(t, &SyncFailure::SignInNeeded, true),
            t.sync_maybe_written
        );
        for lang in Lang::ALL {
            let t = lang.text();
            assert_ne!(t.sync_answer_lost, t.sync_maybe_written);
        }
    }

    #[test]
    fn a_missing_sharepoint_permission_says_access_denied_and_what_to_grant() {
        let failure = SyncFailure::ProfilePermissionMissing {
            missing: vec!["User.ReadWrite.All".into()],
            granted: vec!["AllSites.Read".into(), "AllSites.Write".into()],
            detail: "Access denied.".into(),
        };
        for lang in Lang::ALL {
            let (message, fix) = failure_text(lang.text(), &failure);
            assert!(
                message.contains("Access denied")
                    && message.contains("User.ReadWrite.All")
                    && message.contains("AllSites.Read, AllSites.Write"),
                "{lang:?}: {message}"
            );
            assert!(
                fix.contains("User.ReadWrite.All") && fix.contains("Entra ID"),
                "{lang:?}: {fix}"
            );
        }
        let consent = SyncFailure::AdminConsentRequired {
            scopes: vec![
                "https://contoso-my.sharepoint.com/User.ReadWrite.All".into(),
                "https://contoso-my.sharepoint.com/AllSites.Read".into(),
            ],
        };
        for lang in Lang::ALL {
            let (message, fix) = failure_text(lang.text(), &consent);
            for text in [&message, &fix] {
                assert!(
                    text.contains("SharePoint")
                        && text.contains("User.ReadWrite.All, AllSites.Read"),
                    "{lang:?}: {text}"
                );
            }
        }
    }

    #[test]
    fn too_large_is_shown_in_megabytes() {
        let (message, _) =
            failure_text(Lang::En.text(), &SyncFailure::TooLarge { bytes: 5_242_880 });
        assert!(message.contains("5.0 MB"), "{message}");
    }

    #[test]
    fn failure_kinds_are_distinct() {
        let kinds: std::collections::HashSet<_> =
            every_failure().iter().map(failure_kind).collect();
        assert_eq!(kinds.len(), every_failure().len());
    }

    #[test]
    fn every_phase_has_a_status() {
        for phase in [
            SyncPhase::Idle,
            SyncPhase::Reading,
            SyncPhase::Writing,
            SyncPhase::Verifying,
            SyncPhase::NothingToDo,
            SyncPhase::Done {
                elapsed_ms: 1200,
                new_thumbnail: None,
            },
            SyncPhase::Failed {
                reason: SyncFailure::NoMailbox,
                wrote_anything: false,
            },
        ] {
            assert!(!status_text(Lang::Lv.text(), &phase).is_empty());
        }
    }
}
