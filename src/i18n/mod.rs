//! Every string the page shows, in each language it speaks.
//!
//! A [`Catalogue`] is a struct with one field per message, so a message added in English
//! cannot be forgotten in Latvian: the crate would not compile. Messages with values are plain
//! `fn` pointers. This module chooses the language from the browser's preferences; it does
//! no rendering and no I/O. It knows the words, not the domains: a domain's errors are put
//! into words where they are shown (`ui`), so that this module stays at the bottom.

pub mod admin;
mod en;
pub mod fix;
mod lv;
mod number;
pub mod outreach;

use crate::config::{ConfigError, ScopeProblem, UrlProblem};

/// A language the page speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Lv,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Lv];

    /// The BCP 47 tag, for `<html lang>` and the switcher.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Lv => "lv",
        }
    }

    /// The language's own name, as the switcher shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Lv => "Latviešu",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The first of the browser's preferred languages that the page speaks, else English.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Lang {
        preferred
            .into_iter()
            .find_map(Lang::from_tag)
            .unwrap_or_default()
    }

    pub fn text(self) -> &'static Catalogue {
        match self {
            Lang::En => &en::EN,
            Lang::Lv => &lv::LV,
        }
    }

    /// The words of the sync page's first screen only (see [`FirstScreen`]).
    pub fn first_screen(self) -> &'static FirstScreen {
        match self {
            Lang::En => &en::FIRST,
            Lang::Lv => &lv::FIRST,
        }
    }
}

/// The words the sync page's first module (`crate::first`) draws: its signed-out landing.
/// Apart from the [`Catalogue`], so that the first module does not carry every message of the
/// app; the catalogue takes these same words from here.
pub struct FirstScreen {
    pub product_name: &'static str,
    pub page_description: &'static str,
    pub language_label: &'static str,
    pub version: fn(&str) -> String,
    pub app_load_failed: &'static str,
    pub skip_to_content: &'static str,
    pub page_title: fn(&str) -> String,
    pub landing_title: &'static str,
    pub landing_intro: &'static str,
    pub landing_steps: [&'static str; 3],
    pub sign_in: &'static str,
}

/// The messages of one language.
pub struct Catalogue {
    pub product_name: &'static str,
    pub tagline: &'static str,
    /// The sync page's `<meta name="description">` (its title is [`Catalogue::product_name`]).
    pub page_description: &'static str,
    /// `tools.html`'s `<title>` and `<meta name="description">`.
    pub tools_page_title: &'static str,
    pub tools_page_description: &'static str,
    pub language_label: &'static str,
    /// The footer's and the setup check's line with the page's version.
    pub version: fn(&str) -> String,
    pub loading: &'static str,
    /// The page's module could not be fetched (the first module says so).
    pub app_load_failed: &'static str,
    pub skip_to_content: &'static str,
    pub config_problem_title: &'static str,
    pub config_problem_help: &'static str,
    pub config_missing: fn(u16) -> String,
    pub config_unreachable: fn(&str) -> String,
    pub config_empty: &'static str,
    pub config_bad_json: fn(usize, usize, &str) -> String,
    pub config_missing_field: fn(&str, &str) -> String,
    pub config_bad_client_id: fn(&str) -> String,
    /// A value that is not a URL: (field, value, why — one of the `config_url_*` below).
    pub config_bad_url: fn(&str, &str, &str) -> String,
    /// The URL parser's own words (English, technical), as the reason.
    pub config_url_unparsable: fn(&str) -> String,
    pub config_url_no_host: &'static str,
    pub config_url_query_or_fragment: &'static str,
    pub config_not_https: fn(&str, &str) -> String,
    pub config_not_an_origin: fn(&str, &str) -> String,
    pub config_bad_cache_location: fn(&str) -> String,
    /// An entry of `sharePointScopes` (empty for an empty list) and what is wrong with it.
    pub config_bad_share_point_scope: fn(&str, ScopeProblem) -> String,
    /// `"support"` in config.json is neither an https nor a mailto address (the value).
    pub config_bad_support: fn(&str) -> String,
    /// The broken-configuration screen: what an employee should do, then the part for
    /// whoever set the page up, with the way to the setup check.
    pub config_problem_employee: &'static str,
    pub config_problem_admin_title: &'static str,
    pub config_problem_open_setup: &'static str,
    /// Before the support contact of `config.json`, on every error.
    pub support_label: &'static str,
    /// The document's title: (the view's part) — the product's name.
    pub page_title: fn(&str) -> String,
    pub hint_client_id: &'static str,
    pub hint_authority: &'static str,
    pub landing_title: &'static str,
    pub landing_intro: &'static str,
    pub landing_steps: [&'static str; 3],
    pub sign_in: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub go_home: &'static str,
    // Sign-in.
    pub signed_in_as: &'static str,
    pub sign_out: &'static str,
    pub sign_in_popup: &'static str,
    pub sign_in_here: &'static str,
    pub signing_in: &'static str,
    pub popup_return: &'static str,
    pub auth_problem_title: &'static str,
    pub try_again: &'static str,
    pub auth_cancelled: &'static str,
    pub auth_admin_consent: fn(&str) -> String,
    pub auth_redirect_uri: fn(&str) -> String,
    pub auth_spa_missing: fn(&str) -> String,
    pub auth_user_not_in_tenant: &'static str,
    pub auth_interaction_required: &'static str,
    pub auth_popup_blocked: &'static str,
    pub auth_popup_closed: &'static str,
    pub auth_popup_timed_out: &'static str,
    pub auth_state_mismatch: &'static str,
    pub auth_nonce_mismatch: &'static str,
    pub auth_invalid_grant: &'static str,
    pub auth_clock_skew: fn(i64) -> String,
    pub auth_network: &'static str,
    /// The identity platform refused the sign-in for a reason the page has no words of its own
    /// for (its code and words follow as technical details).
    pub auth_other: &'static str,
    pub auth_busy: fn(u16) -> String,
    pub auth_storage_full: &'static str,
    /// A missing admin consent that names what was asked: (AADSTS code, API, permissions).
    pub auth_admin_consent_for: fn(&str, &str, &str) -> String,
    /// No discovery document at this address (the authority's HTTP status).
    pub auth_discovery_not_found: fn(&str, u16) -> String,
    pub auth_discovery_unusable: &'static str,
    pub auth_id_token: &'static str,
    pub auth_no_secure_random: &'static str,
    /// Technical details in no language of the page's (codes, a service's own words), labelled.
    pub technical_details: fn(&str) -> String,
    // --- Self-service sync (photo, graph, sharepoint, sync; ui/sync_view.rs) ---
    pub sync_title: &'static str,
    pub sync_intro: &'static str,
    pub sync_exchange_label: &'static str,
    pub sync_sharepoint_label: &'static str,
    pub sync_exchange_alt: &'static str,
    pub sync_sharepoint_alt: &'static str,
    pub sync_new_photo_alt: &'static str,
    pub sync_placeholder: &'static str,
    pub sync_button: &'static str,
    pub sync_anyway: &'static str,
    pub sync_status_idle: &'static str,
    pub sync_status_reading: &'static str,
    pub sync_status_differs: &'static str,
    pub sync_status_same: &'static str,
    pub sync_status_writing: &'static str,
    pub sync_status_verifying: &'static str,
    pub sync_status_done: &'static str,
    pub sync_status_failed: &'static str,
    pub sync_nothing_to_do: &'static str,
    pub sync_done_title: &'static str,
    pub sync_done_elapsed: fn(f64) -> String,
    pub sync_done_note: &'static str,
    pub sync_failed_title: &'static str,
    pub sync_nothing_written: &'static str,
    pub sync_maybe_written: &'static str,
    pub sync_answer_lost: &'static str,
    pub sync_details_label: &'static str,
    /// The document's title in the sync view's end and busy phases.
    pub title_syncing: &'static str,
    pub title_done: &'static str,
    pub title_nothing_to_do: &'static str,
    pub title_failed: &'static str,
    /// The three steps of a sync and what each one's state is called.
    pub sync_steps_label: &'static str,
    pub sync_step_read: &'static str,
    pub sync_step_write: &'static str,
    pub sync_step_check: &'static str,
    pub sync_step_done: &'static str,
    pub sync_step_active: &'static str,
    pub sync_step_failed: &'static str,
    pub sync_step_skipped: &'static str,
    /// The sync button while it works.
    pub sync_button_reading: &'static str,
    pub sync_button_writing: &'static str,
    pub sync_button_verifying: &'static str,
    /// The sync button after a failure: worth trying again as it is, or after a fix.
    pub sync_try_again: &'static str,
    pub sync_check_again: &'static str,
    /// The heading after a comparison.
    pub sync_compared_differs: &'static str,
    pub sync_compared_same: &'static str,
    /// Done: SharePoint's photo before and after.
    pub sync_before_label: &'static str,
    pub sync_after_label: &'static str,
    pub sync_before_alt: &'static str,
    /// The heading of a failure after the photo was sent (it may have been saved).
    pub sync_maybe_written_title: &'static str,
    pub sync_sign_in_again: &'static str,
    pub sync_copy_details: &'static str,
    pub sync_details_copied: &'static str,
    pub sync_copy_failed: &'static str,
    pub sync_report_label: &'static str,
    /// No photo in Exchange: where to add one.
    pub sync_open_microsoft_365: &'static str,
    pub sync_photo_instructions: &'static str,
    pub fail_no_exchange_photo: &'static str,
    pub fail_no_exchange_photo_fix: &'static str,
    pub fail_no_mailbox: &'static str,
    pub fail_no_mailbox_fix: &'static str,
    pub fail_not_an_image: &'static str,
    pub fail_unsupported_format: fn(&str) -> String,
    pub fail_too_large: fn(f64) -> String,
    /// A photo whose header declares too many pixels (width, height).
    pub fail_too_many_pixels: fn(u32, u32) -> String,
    pub fail_unreadable: &'static str,
    pub fail_bad_photo_fix: &'static str,
    pub fail_rejected: &'static str,
    pub fail_throttled: fn(&str) -> String,
    pub fail_unavailable: fn(&str) -> String,
    pub fail_try_later_fix: &'static str,
    pub fail_sign_in: &'static str,
    pub fail_sign_in_fix: &'static str,
    pub fail_admin_consent: &'static str,
    pub fail_admin_consent_fix: &'static str,
    /// Sign-in failed (the sign-in error's technical form, which the screen shows as details,
    /// not in this sentence).
    pub fail_sign_in_failed: fn(&str) -> String,
    /// A service refused access (its name; its own code or words, shown as details, not in
    /// this sentence).
    pub fail_access_denied: fn(&str, &str) -> String,
    pub fail_access_denied_fix: &'static str,
    pub fail_network: fn(&str) -> String,
    pub fail_network_fix: &'static str,
    pub fail_no_my_site: &'static str,
    pub fail_no_my_site_fix: &'static str,
    pub fail_untrusted_my_site: fn(&str) -> String,
    pub fail_verification: &'static str,
    pub fail_verification_fix: &'static str,
    pub fail_unexpected: fn(&str) -> String,
    pub fail_tell_it_fix: &'static str,
    /// A missing admin consent that names what was asked: (API, permissions).
    pub fail_admin_consent_for: fn(&str, &str) -> String,
    pub fail_admin_consent_for_fix: fn(&str, &str) -> String,
    /// SharePoint refused, and its token lacks permissions: (missing, what it carries).
    pub fail_profile_permission_missing: fn(&str, &str) -> String,
    /// (missing permissions)
    pub fail_profile_permission_missing_fix: fn(&str) -> String,
    // --- end of self-service sync ---
    // --- Embedding, links and setup (ui/embed_view.rs, ui/links_view.rs, ui/setup_view.rs) ---
    /// A link for another account than the signed-in one: (signed in, the link's account).
    pub other_account_title: &'static str,
    pub other_account_notice: fn(&str, &str) -> String,
    pub other_account_switch: fn(&str) -> String,
    pub other_account_continue: fn(&str) -> String,
    pub embed_intro: &'static str,
    /// Framed by a page not in `embedOrigins` (its origin, or empty when unknown).
    pub embed_stranger: fn(&str) -> String,
    pub embed_stranger_open: &'static str,
    pub embed_open_tab: &'static str,
    pub embed_opened_tab: &'static str,
    pub embed_popup_failed: &'static str,
    /// Signed out in the widget, which forgets its own session only.
    pub embed_signed_out_here: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub copy_failed: &'static str,
    pub links_title: &'static str,
    pub links_intro: &'static str,
    pub links_action_label: &'static str,
    pub links_action_sync: &'static str,
    pub links_action_admin: &'static str,
    pub links_login_hint_label: &'static str,
    pub links_login_hint_help: &'static str,
    pub links_domain_hint_label: &'static str,
    pub links_domain_hint_help: &'static str,
    pub links_autostart_label: &'static str,
    pub links_autostart_help: &'static str,
    pub links_url_label: &'static str,
    /// Why the link is not opened from the link builder, and how to try it.
    pub links_try_help: &'static str,
    pub links_sentence_label: &'static str,
    pub links_sentence_sync: fn(&str) -> String,
    pub links_sentence_sync_auto: fn(&str) -> String,
    pub links_sentence_admin: fn(&str) -> String,
    pub links_qr_label: &'static str,
    pub links_qr_alt: &'static str,
    pub links_qr_too_long: &'static str,
    pub setup_title: &'static str,
    pub setup_intro: &'static str,
    pub setup_step_config: &'static str,
    pub setup_step_discovery: &'static str,
    pub setup_step_redirect_uri: &'static str,
    pub setup_step_sign_in: &'static str,
    pub setup_step_graph: &'static str,
    pub setup_step_my_site: &'static str,
    pub setup_status_waiting: &'static str,
    pub setup_status_running: &'static str,
    pub setup_status_passed: &'static str,
    pub setup_status_failed: &'static str,
    pub setup_status_skipped: &'static str,
    pub setup_fix_label: &'static str,
    pub setup_skipped: &'static str,
    pub setup_waits_for_sign_in: &'static str,
    pub setup_config_ok: &'static str,
    pub setup_config_fix: &'static str,
    pub setup_discovery_ok: fn(&str) -> String,
    pub setup_discovery_failed: fn(&str, &str) -> String,
    pub setup_discovery_fix: &'static str,
    pub setup_redirect_uri_ok: &'static str,
    pub setup_sign_in_button: &'static str,
    pub setup_sign_in_explain: &'static str,
    pub setup_sign_in_ok: fn(&str) -> String,
    pub setup_sign_in_closed: fn(&str) -> String,
    pub setup_sign_in_fix_redirect: fn(&str) -> String,
    pub setup_sign_in_fix_consent: &'static str,
    pub setup_sign_in_fix_other: &'static str,
    pub setup_graph_ok: fn(&str, &str) -> String,
    pub setup_graph_failed: fn(&str) -> String,
    pub setup_graph_fix: &'static str,
    pub setup_my_site_ok: fn(&str) -> String,
    pub setup_my_site_unknown: &'static str,
    pub setup_my_site_unknown_fix: &'static str,
    pub setup_my_site_untrusted: fn(&str) -> String,
    pub setup_my_site_failed: fn(&str, &str) -> String,
    pub setup_my_site_fix: &'static str,
    pub setup_all_passed: &'static str,
    pub setup_retry: &'static str,
    pub setup_step_sharepoint_permission: &'static str,
    /// After the redirect URI to register, before the test sign-in.
    pub setup_redirect_uri_checked_by_sign_in: &'static str,
    /// The test sign-in came back to this URI.
    pub setup_redirect_uri_registered: fn(&str) -> String,
    /// `redirectUri` (the URI) is not an address of this page (its folder).
    pub setup_redirect_uri_elsewhere: fn(&str, &str) -> String,
    pub setup_redirect_uri_elsewhere_fix: &'static str,
    /// (host, SharePoint's words)
    pub setup_profile_read_refused: fn(&str, &str) -> String,
    pub setup_profile_read_refused_fix: &'static str,
    /// (AADSTS code, SharePoint permissions asked for)
    pub setup_sharepoint_consent_missing: fn(&str, &str) -> String,
    /// (SharePoint permissions asked for)
    pub setup_sharepoint_consent_fix: fn(&str) -> String,
    /// (what the SharePoint token carries)
    pub setup_permission_ok: fn(&str) -> String,
    /// (missing, what the token carries)
    pub setup_permission_missing: fn(&str, &str) -> String,
    /// (missing)
    pub setup_permission_fix: fn(&str) -> String,
    // --- end of embedding, links and setup ---
}

impl Catalogue {
    /// A configuration problem in this language.
    pub fn config_error(&self, error: &ConfigError) -> String {
        match error {
            ConfigError::Missing { status } => (self.config_missing)(*status),
            ConfigError::Unreachable { reason } => (self.config_unreachable)(reason),
            ConfigError::Empty => self.config_empty.to_owned(),
            ConfigError::BadJson {
                line,
                column,
                message,
            } => (self.config_bad_json)(*line, *column, message),
            ConfigError::MissingField { field, .. } => {
                let hint = match *field {
                    "clientId" => self.hint_client_id,
                    _ => self.hint_authority,
                };
                (self.config_missing_field)(field, hint)
            }
            ConfigError::BadClientId { value } => (self.config_bad_client_id)(value),
            ConfigError::BadUrl {
                field,
                value,
                reason,
            } => {
                let reason = match reason {
                    UrlProblem::Unparsable(words) => (self.config_url_unparsable)(words),
                    UrlProblem::NoHost => self.config_url_no_host.to_owned(),
                    UrlProblem::QueryOrFragment => self.config_url_query_or_fragment.to_owned(),
                };
                (self.config_bad_url)(field, value, &reason)
            }
            ConfigError::NotHttps { field, value } => (self.config_not_https)(field, value),
            ConfigError::NotAnOrigin { field, value } => (self.config_not_an_origin)(field, value),
            ConfigError::BadCacheLocation { value } => (self.config_bad_cache_location)(value),
            ConfigError::BadSharePointScope { value, problem } => {
                (self.config_bad_share_point_scope)(value, *problem)
            }
            ConfigError::BadSupport { value } => (self.config_bad_support)(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_takes_the_first_spoken_language() {
        assert_eq!(Lang::negotiate(["de-DE", "lv-LV", "en"]), Lang::Lv);
        assert_eq!(Lang::negotiate(["en-GB", "lv"]), Lang::En);
        assert_eq!(Lang::negotiate(["fr"]), Lang::En);
        assert_eq!(Lang::negotiate([]), Lang::En);
    }

    #[test]
    fn english_config_messages_match_the_error_texts() {
        let url = |reason| ConfigError::BadUrl {
            field: "authority",
            value: "https://a.example/t?x".into(),
            reason,
        };
        for e in [
            ConfigError::MissingField {
                field: "clientId",
                hint: "the application (client) ID of the app registration in Entra ID.",
            },
            ConfigError::NotHttps {
                field: "authority",
                value: "http://x".into(),
            },
            url(UrlProblem::Unparsable("relative URL without a base".into())),
            url(UrlProblem::NoHost),
            url(UrlProblem::QueryOrFragment),
        ] {
            assert_eq!(Lang::En.text().config_error(&e), e.to_string());
        }
    }

    /// Issue: a Latvian page said why a URL in config.json is wrong in English ("it must not
    /// have a query or fragment"). Only the URL parser's own words stay, labelled.
    #[test]
    fn latvian_says_why_a_url_is_wrong_and_labels_the_parsers_words() {
        let lv = Lang::Lv.text();
        let url = |reason| ConfigError::BadUrl {
            field: "authority",
            value: "https://a.example/t?x".into(),
            reason,
        };
        let query = lv.config_error(&url(UrlProblem::QueryOrFragment));
        assert!(query.contains(lv.config_url_query_or_fragment), "{query}");
        assert!(!query.contains("must not"), "{query}");
        let parser = lv.config_error(&url(UrlProblem::Unparsable("empty host".into())));
        assert!(
            parser.contains("tehniskā informācija: empty host"),
            "{parser}"
        );
    }

    #[test]
    fn english_sharepoint_scope_messages_match_the_error_texts() {
        for problem in [
            ScopeProblem::Empty,
            ScopeProblem::NotAName,
            ScopeProblem::NotAPermission,
            ScopeProblem::Repeated,
            ScopeProblem::DefaultNotAlone,
        ] {
            let e = ConfigError::BadSharePointScope {
                value: "Sites:Read".into(),
                problem,
            };
            assert_eq!(Lang::En.text().config_error(&e), e.to_string());
            let lv = Lang::Lv.text().config_error(&e);
            assert!(
                lv.contains("sharePointScopes") && lv != e.to_string(),
                "{lv}"
            );
        }
    }

    #[test]
    fn latvian_differs_from_english() {
        let e = ConfigError::Missing { status: 404 };
        let (en, lv) = (
            Lang::En.text().config_error(&e),
            Lang::Lv.text().config_error(&e),
        );
        assert_ne!(en, lv);
        assert!(lv.contains("404"));
    }
}

/// The Latvian catalogue read as a whole: every message, with sample values where it takes any.
#[cfg(test)]
mod wording {
    use super::*;

    /// A sample value for the messages that take text.
    const S: &str = "https://x.example";

    /// A message that takes no value, as shown.
    trait Shown {
        fn shown(&self) -> String;
    }

    impl Shown for &'static str {
        fn shown(&self) -> String {
            (*self).to_owned()
        }
    }

    impl<const N: usize> Shown for [&'static str; N] {
        fn shown(&self) -> String {
            self.join(" ")
        }
    }

    /// `(field name, text)` for each listed message; the `let` names every field of
    /// [`Catalogue`] with no `..`, so a message added there does not compile until it is listed.
    macro_rules! messages {
        ($c:expr; $($field:ident $(($($arg:expr),*))?),* $(,)?) => {{
            let Catalogue { $($field),* } = $c;
            vec![$((stringify!($field), messages!(@show $field $(($($arg),*))?))),*]
        }};
        (@show $field:ident ($($arg:expr),*)) => { $field($($arg),*) };
        (@show $field:ident) => { Shown::shown($field) };
    }

    /// Every message of `c`, with sample values where it takes any.
    fn every_message(c: &Catalogue) -> Vec<(&'static str, String)> {
        let mut all = messages!(c;
            product_name, tagline, page_description, tools_page_title, tools_page_description,
            language_label, version(S), loading, app_load_failed, skip_to_content,
            config_problem_title, config_problem_help, config_missing(404),
            config_unreachable(S), config_empty, config_bad_json(3, 3, S),
            config_missing_field(S, S), config_bad_client_id(S), config_bad_url(S, S, S),
            config_url_unparsable(S), config_url_no_host, config_url_query_or_fragment,
            config_not_https(S, S), config_not_an_origin(S, S),
            config_bad_cache_location(S), config_bad_share_point_scope(S, ScopeProblem::NotAName),
            config_bad_support(S), config_problem_employee,
            config_problem_admin_title, config_problem_open_setup, support_label, page_title(S),
            hint_client_id, hint_authority, landing_title,
            landing_intro, landing_steps, sign_in, not_found_title, not_found_body, go_home,
            signed_in_as, sign_out, sign_in_popup, sign_in_here, signing_in, popup_return,
            auth_problem_title, try_again, auth_cancelled, auth_admin_consent(S),
            auth_redirect_uri(S), auth_spa_missing(S), auth_user_not_in_tenant,
            auth_interaction_required, auth_popup_blocked, auth_popup_closed,
            auth_popup_timed_out, auth_state_mismatch, auth_nonce_mismatch,
            auth_admin_consent_for(S, S, S),
            auth_invalid_grant, auth_clock_skew(3_600), auth_network, auth_other,
            auth_busy(503), auth_storage_full, auth_discovery_not_found(S, 404),
            auth_discovery_unusable, auth_id_token, auth_no_secure_random, technical_details(S),
            sync_title, sync_intro, sync_exchange_label, sync_sharepoint_label,
            sync_exchange_alt, sync_sharepoint_alt, sync_new_photo_alt,
            sync_placeholder, sync_button, sync_anyway, sync_status_idle,
            sync_status_reading, sync_status_differs, sync_status_same, sync_status_writing,
            sync_status_verifying, sync_status_done, sync_status_failed, sync_nothing_to_do,
            sync_done_title, sync_done_elapsed(1.5), sync_done_note, sync_failed_title,
            sync_nothing_written, sync_maybe_written, sync_answer_lost, sync_details_label,
            title_syncing, title_done, title_nothing_to_do, title_failed, sync_steps_label,
            sync_step_read, sync_step_write, sync_step_check, sync_step_done, sync_step_active,
            sync_step_failed, sync_step_skipped, sync_button_reading, sync_button_writing,
            sync_button_verifying, sync_try_again, sync_check_again, sync_compared_differs,
            sync_compared_same, sync_before_label, sync_after_label, sync_before_alt,
            sync_maybe_written_title, sync_sign_in_again, sync_copy_details,
            sync_details_copied, sync_copy_failed, sync_report_label, sync_open_microsoft_365,
            sync_photo_instructions,
            fail_no_exchange_photo, fail_no_exchange_photo_fix, fail_no_mailbox,
            fail_no_mailbox_fix, fail_not_an_image, fail_unsupported_format(S),
            fail_too_large(1.5), fail_too_many_pixels(20_000, 20_000), fail_unreadable,
            fail_bad_photo_fix, fail_rejected, fail_throttled(S), fail_unavailable(S),
            fail_try_later_fix, fail_sign_in, fail_sign_in_fix, fail_admin_consent,
            fail_admin_consent_fix, fail_sign_in_failed(S), fail_access_denied(S, S),
            fail_access_denied_fix, fail_network(S), fail_network_fix, fail_no_my_site,
            fail_no_my_site_fix, fail_untrusted_my_site(S), fail_verification,
            fail_verification_fix, fail_unexpected(S), fail_tell_it_fix,
            fail_admin_consent_for(S, S), fail_admin_consent_for_fix(S, S),
            fail_profile_permission_missing(S, S), fail_profile_permission_missing_fix(S),
            other_account_title, other_account_notice(S, S), other_account_switch(S),
            other_account_continue(S), embed_intro, embed_stranger(S), embed_stranger_open,
            embed_open_tab, embed_opened_tab, embed_popup_failed, embed_signed_out_here, copy, copied, copy_failed,
            links_title, links_intro, links_action_label, links_action_sync,
            links_action_admin, links_login_hint_label, links_login_hint_help,
            links_domain_hint_label, links_domain_hint_help, links_autostart_label,
            links_autostart_help, links_url_label, links_try_help, links_sentence_label,
            links_sentence_sync(S), links_sentence_sync_auto(S), links_sentence_admin(S),
            links_qr_label, links_qr_alt, links_qr_too_long, setup_title, setup_intro,
            setup_step_config, setup_step_discovery, setup_step_redirect_uri,
            setup_step_sign_in, setup_step_graph, setup_step_my_site, setup_status_waiting,
            setup_status_running, setup_status_passed, setup_status_failed,
            setup_status_skipped, setup_fix_label, setup_skipped, setup_waits_for_sign_in,
            setup_config_ok, setup_config_fix, setup_discovery_ok(S),
            setup_discovery_failed(S, S), setup_discovery_fix, setup_redirect_uri_ok,
            setup_sign_in_button, setup_sign_in_explain, setup_sign_in_ok(S),
            setup_sign_in_closed(S), setup_sign_in_fix_redirect(S),
            setup_sign_in_fix_consent, setup_sign_in_fix_other, setup_graph_ok(S, S),
            setup_graph_failed(S), setup_graph_fix, setup_my_site_ok(S),
            setup_my_site_unknown, setup_my_site_unknown_fix, setup_my_site_untrusted(S),
            setup_my_site_failed(S, S), setup_my_site_fix, setup_all_passed, setup_retry,
            setup_step_sharepoint_permission, setup_redirect_uri_checked_by_sign_in,
            setup_redirect_uri_registered(S), setup_redirect_uri_elsewhere(S, S),
            setup_redirect_uri_elsewhere_fix, setup_profile_read_refused(S, S),
            setup_profile_read_refused_fix, setup_sharepoint_consent_missing(S, S),
            setup_sharepoint_consent_fix(S), setup_permission_ok(S),
            setup_permission_missing(S, S), setup_permission_fix(S),
        );
        all.push(("embed_stranger (no parent)", (c.embed_stranger)("")));
        all
    }

    /// The words of `text`, lower-cased: runs of letters.
    fn words(text: &str) -> impl Iterator<Item = String> + '_ {
        text.split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
    }

    #[test]
    fn every_message_is_written_in_both_languages() {
        for lang in Lang::ALL {
            for (name, text) in every_message(lang.text()) {
                assert!(!text.trim().is_empty(), "{lang:?} {name} is empty");
            }
        }
    }

    #[test]
    fn latvian_keeps_microsofts_terms() {
        // Each found wrong by a native reader: "foto" is colloquial (Microsoft: fotoattēls),
        // "lietotne" is not Microsoft's word for an app (programma), "pierakstījies" has a
        // gender, "apturēt" means to pause and "tika pārtraukta" to be interrupted (a failed
        // sync "neizdevās"), "nav ko darīt" and "nekas nav jādara" also read "nothing can be
        // done" (say what is so: "fotoattēli jau sakrīt"), and "atbild ar marķieri" says a
        // service hands out a token.
        for (name, text) in every_message(Lang::Lv.text()) {
            let lower = text.to_lowercase();
            assert!(!words(&text).any(|w| w == "foto"), "lv {name}: {text}");
            for wrong in [
                "lietotn",
                "pierakstījies",
                "apturēt",
                "nav ko darīt",
                "nekas nav jādara",
                "atbild ar marķieri",
                "tika pārtraukta",
            ] {
                assert!(!lower.contains(wrong), "lv {name} says {wrong:?}: {text}");
            }
        }
    }

    /// Issue: Latvian inflects nouns, not product names, so a product name needs a noun that
    /// carries the case ("pakalpojumā SharePoint", "programmā Outlook", "platformā Microsoft
    /// 365"), unless it is coordinated with one that has it ("programmās Outlook un Teams") or
    /// names the kind of another noun ("Microsoft Graph atļauja", "Microsoft 365
    /// administratoru").
    #[test]
    fn latvian_product_names_have_a_noun_that_carries_the_case() {
        const PRODUCTS: [&str; 8] = [
            "Outlook",
            "Teams",
            "SharePoint",
            "OneDrive",
            "Entra",
            "Exchange",
            "Graph",
            "365",
        ];
        const CARRIERS: [&str; 4] = ["programm", "pakalpojum", "platform", "pārlūkprogramm"];
        // "" is a word of punctuation only, such as "→" in a path through a portal's menus
        // ("→ SharePoint →"), where the name is the label the portal shows.
        const COORDINATION: [&str; 3] = ["un", "vai", ""];
        const KINDS: [&str; 6] = [
            "atļauja",
            "atļaujas",
            "atļaujām",
            "atļaujās",
            "administratoru",
            "administratora",
        ];
        for (name, text) in every_message(Lang::Lv.text()) {
            let words: Vec<String> = text
                .split_whitespace()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
                .collect();
            let mut i = 0;
            while i < words.len() {
                if !PRODUCTS.contains(&words[i].as_str()) {
                    i += 1;
                    continue;
                }
                // The whole name: "Microsoft" before it, "ID" or "Online" after it.
                let start = if i > 0 && words[i - 1] == "Microsoft" {
                    i - 1
                } else {
                    i
                };
                let mut end = i + 1;
                while end < words.len() && ["ID", "Online"].contains(&words[end].as_str()) {
                    end += 1;
                }
                // None at the start of the text (where "" would otherwise pass for punctuation).
                let before = start.checked_sub(1).map(|b| words[b].to_lowercase());
                let before = before.as_deref().unwrap_or("(start)");
                let after = words.get(end).map(String::as_str).unwrap_or_default();
                assert!(
                    CARRIERS.iter().any(|c| before.starts_with(c))
                        || COORDINATION.contains(&before)
                        || KINDS.contains(&after),
                    "lv {name}: {} has no noun that carries its case: {text}",
                    words[start..end].join(" ")
                );
                i = end;
            }
        }
    }

    #[test]
    fn latvian_quotes_are_low_high() {
        for (name, text) in every_message(Lang::Lv.text()) {
            assert!(
                !text.contains(['"', '”']),
                "lv {name} has English quotes: {text}"
            );
            // „ opens and “ closes, in pairs: a “ with no „ before it is an English opening quote.
            let mut open = false;
            for c in text.chars() {
                match c {
                    '„' => {
                        assert!(!open, "lv {name} opens a quote twice: {text}");
                        open = true;
                    }
                    '“' => {
                        assert!(open, "lv {name} has an English quote: {text}");
                        open = false;
                    }
                    _ => {}
                }
            }
            assert!(!open, "lv {name} leaves a quote open: {text}");
        }
    }

    #[test]
    fn latvian_minutes_agree_with_the_number() {
        let skew = |minutes: i64| (Lang::Lv.text().auth_clock_skew)(minutes * 60);
        for (minutes, words) in [
            (1, "par 1 minūti."),
            (2, "par 2 minūtēm."),
            (11, "par 11 minūtēm."),
            (21, "par 21 minūti."),
            (31, "par 31 minūti."),
            (101, "par 101 minūti."),
        ] {
            assert!(skew(minutes).contains(words), "{}", skew(minutes));
            assert!(skew(-minutes).contains(words), "{}", skew(-minutes));
        }
        let en = (Lang::En.text().auth_clock_skew)(60);
        assert!(en.contains("off by 1 minute."), "{en}");
        let en = (Lang::En.text().auth_clock_skew)(3_600);
        assert!(en.contains("off by 60 minutes."), "{en}");
    }

    #[test]
    fn each_language_writes_its_own_decimal_separator() {
        let (en, lv) = (Lang::En.text(), Lang::Lv.text());
        assert_eq!((en.sync_done_elapsed)(1.54), "Done in 1.5 s.");
        assert_eq!((lv.sync_done_elapsed)(1.54), "Paveikts 1,5 s laikā.");
        assert!((en.fail_too_large)(5.0).contains("is 5.0 MB"));
        assert!((en.fail_too_large)(5.0).contains("4.76 MB"));
        let too_large = (lv.fail_too_large)(5.0);
        assert!(too_large.contains("ir 5,0 MB"), "{too_large}");
        assert!(too_large.contains("4,76 MB"), "{too_large}");
        // No Latvian message writes a decimal point between digits (addresses aside, such as
        // https://graph.microsoft.com/v1.0).
        for (name, text) in every_message(lv) {
            for word in text.split_whitespace().filter(|w| !w.contains('/')) {
                let chars: Vec<char> = word.chars().collect();
                let decimal_point = chars
                    .windows(3)
                    .any(|w| w[0].is_ascii_digit() && w[1] == '.' && w[2].is_ascii_digit());
                assert!(!decimal_point, "lv {name} writes a decimal point: {text}");
            }
        }
    }
}
