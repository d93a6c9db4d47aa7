//! Every string the page shows, in each language it speaks.
//!
//! A [`Catalogue`] is a struct with one field per message, so a message added in English
//! cannot be forgotten in Latvian: the crate would not compile. Messages with values are plain
//! `fn` pointers. This module chooses the language from the browser's preferences; it does
//! no rendering and no I/O. It knows the words, not the domains: a domain's errors are put
//! into words where they are shown (`ui`), so that this module stays at the bottom.

pub mod admin;
mod en;
mod lv;
mod number;

use crate::config::ConfigError;

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
}

/// The messages of one language.
pub struct Catalogue {
    pub product_name: &'static str,
    pub tagline: &'static str,
    pub language_label: &'static str,
    /// The footer's and the setup check's line with the page's version.
    pub version: fn(&str) -> String,
    pub loading: &'static str,
    pub skip_to_content: &'static str,
    pub config_problem_title: &'static str,
    pub config_problem_help: &'static str,
    pub config_missing: fn(u16) -> String,
    pub config_unreachable: fn(&str) -> String,
    pub config_empty: &'static str,
    pub config_bad_json: fn(usize, usize, &str) -> String,
    pub config_missing_field: fn(&str, &str) -> String,
    pub config_bad_client_id: fn(&str) -> String,
    pub config_bad_url: fn(&str, &str, &str) -> String,
    pub config_not_https: fn(&str, &str) -> String,
    pub config_not_an_origin: fn(&str, &str) -> String,
    pub config_bad_cache_location: fn(&str) -> String,
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
    pub auth_invalid_grant: fn(&str) -> String,
    pub auth_clock_skew: fn(i64) -> String,
    pub auth_network: fn(&str) -> String,
    pub auth_other: fn(&str, &str) -> String,
    pub auth_busy: fn(u16) -> String,
    pub auth_storage_full: &'static str,
    // --- Self-service sync (photo, graph, sharepoint, sync; ui/sync_view.rs) ---
    pub sync_title: &'static str,
    pub sync_intro: &'static str,
    pub sync_exchange_label: &'static str,
    pub sync_sharepoint_label: &'static str,
    pub sync_exchange_alt: &'static str,
    pub sync_sharepoint_alt: &'static str,
    pub sync_new_photo_alt: &'static str,
    pub sync_not_read_yet: &'static str,
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
    pub fail_sign_in_failed: fn(&str) -> String,
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
            } => (self.config_bad_url)(field, value, reason),
            ConfigError::NotHttps { field, value } => (self.config_not_https)(field, value),
            ConfigError::NotAnOrigin { field, value } => (self.config_not_an_origin)(field, value),
            ConfigError::BadCacheLocation { value } => (self.config_bad_cache_location)(value),
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
        let e = ConfigError::MissingField {
            field: "clientId",
            hint: "the application (client) ID of the app registration in Entra ID.",
        };
        assert_eq!(Lang::En.text().config_error(&e), e.to_string());
        let e = ConfigError::NotHttps {
            field: "authority",
            value: "http://x".into(),
        };
        assert_eq!(Lang::En.text().config_error(&e), e.to_string());
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
            product_name, tagline, language_label, version(S), loading, skip_to_content,
            config_problem_title, config_problem_help, config_missing(404),
            config_unreachable(S), config_empty, config_bad_json(3, 3, S),
            config_missing_field(S, S), config_bad_client_id(S), config_bad_url(S, S, S),
            config_not_https(S, S), config_not_an_origin(S, S),
            config_bad_cache_location(S), hint_client_id, hint_authority, landing_title,
            landing_intro, landing_steps, sign_in, not_found_title, not_found_body, go_home,
            signed_in_as, sign_out, sign_in_popup, sign_in_here, signing_in, popup_return,
            auth_problem_title, try_again, auth_cancelled, auth_admin_consent(S),
            auth_redirect_uri(S), auth_spa_missing(S), auth_user_not_in_tenant,
            auth_interaction_required, auth_popup_blocked, auth_popup_closed,
            auth_popup_timed_out, auth_state_mismatch, auth_nonce_mismatch,
            auth_invalid_grant(S), auth_clock_skew(3_600), auth_network(S), auth_other(S, S),
            auth_busy(503), auth_storage_full,
            sync_title, sync_intro, sync_exchange_label, sync_sharepoint_label,
            sync_exchange_alt, sync_sharepoint_alt, sync_new_photo_alt, sync_not_read_yet,
            sync_placeholder, sync_button, sync_anyway, sync_status_idle,
            sync_status_reading, sync_status_differs, sync_status_same, sync_status_writing,
            sync_status_verifying, sync_status_done, sync_status_failed, sync_nothing_to_do,
            sync_done_title, sync_done_elapsed(1.5), sync_done_note, sync_failed_title,
            sync_nothing_written, sync_maybe_written, sync_answer_lost, sync_details_label,
            fail_no_exchange_photo, fail_no_exchange_photo_fix, fail_no_mailbox,
            fail_no_mailbox_fix, fail_not_an_image, fail_unsupported_format(S),
            fail_too_large(1.5), fail_too_many_pixels(20_000, 20_000), fail_unreadable,
            fail_bad_photo_fix, fail_rejected, fail_throttled(S), fail_unavailable(S),
            fail_try_later_fix, fail_sign_in, fail_sign_in_fix, fail_admin_consent,
            fail_admin_consent_fix, fail_sign_in_failed(S), fail_access_denied(S, S),
            fail_access_denied_fix, fail_network(S), fail_network_fix, fail_no_my_site,
            fail_no_my_site_fix, fail_untrusted_my_site(S), fail_verification,
            fail_verification_fix, fail_unexpected(S), fail_tell_it_fix,
            other_account_title, other_account_notice(S, S), other_account_switch(S),
            other_account_continue(S), embed_intro, embed_stranger(S), embed_stranger_open,
            embed_open_tab, embed_opened_tab, embed_popup_failed, copy, copied, copy_failed,
            links_title, links_intro, links_action_label, links_action_sync,
            links_action_admin, links_login_hint_label, links_login_hint_help,
            links_domain_hint_label, links_domain_hint_help, links_autostart_label,
            links_autostart_help, links_url_label, links_sentence_label,
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
        // gender, "apturēt" means to pause, "nav ko darīt" also reads "nothing can be done", and
        // "atbild ar marķieri" says a service hands out a token.
        for (name, text) in every_message(Lang::Lv.text()) {
            let lower = text.to_lowercase();
            assert!(!words(&text).any(|w| w == "foto"), "lv {name}: {text}");
            for wrong in [
                "lietotn",
                "pierakstījies",
                "apturēt",
                "nav ko darīt",
                "atbild ar marķieri",
            ] {
                assert!(!lower.contains(wrong), "lv {name} says {wrong:?}: {text}");
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
