//! The intranet widget: when the page runs compact (`?embed=1`, or inside a frame), which
//! origin may hear about it, and what it tells its host page.
//!
//! The rules are pure and tested natively: [`embed_requested`] reads the address,
//! [`target_origin`] decides whether the parent page is one that `config.json`'s
//! `embedOrigins` lists (events are sent to that exact origin, never to `*`, and to nobody
//! otherwise), [`EmbedEvent`] is the message shape, and [`full_page_url`] is the top-level
//! address the widget falls back to when a popup cannot report back. [`WidgetLook`] is what the
//! host page asks of the widget's looks (`?lang=lv&theme=dark`), validated. [`browser`] does
//! the few things that need a window (reading the parent's origin, `postMessage`, opening a
//! tab, applying the theme); it makes no network requests.

pub mod browser;

use crate::http;
use crate::i18n::Lang;

/// The widget's colours, as the host page asks with `theme=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// The person's system setting (`prefers-color-scheme`): the default.
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    /// The value of `theme=`, and of `<html data-theme>` when it is not `auto`.
    pub fn name(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// `light`, `dark` or `auto` (any case); anything else is not a theme.
    pub fn from_name(name: &str) -> Option<Theme> {
        [Theme::Auto, Theme::Light, Theme::Dark]
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// What the host page asks of the widget's looks: its language (`lang=lv`, any tag the page
/// speaks, `lv-LV` too) and its colours (`theme=light|dark|auto`). A value the widget does
/// not know is ignored: the language is then negotiated as on the full page, the theme is
/// `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WidgetLook {
    pub lang: Option<Lang>,
    pub theme: Theme,
}

impl WidgetLook {
    /// Reads `lang` and `theme` from the address's query (the first of each counts).
    ///
    /// ```
    /// use profile_photo_sync::embed::{Theme, WidgetLook};
    /// use profile_photo_sync::i18n::Lang;
    /// let look = WidgetLook::from_query("?embed=1&lang=lv&theme=dark");
    /// assert_eq!(look, WidgetLook { lang: Some(Lang::Lv), theme: Theme::Dark });
    /// assert_eq!(WidgetLook::from_query("?lang=xx&theme=pink"), WidgetLook::default());
    /// ```
    pub fn from_query(query: &str) -> WidgetLook {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
                .into_owned()
                .collect();
        let first = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        WidgetLook {
            lang: first("lang").and_then(Lang::from_tag),
            theme: first("theme")
                .and_then(Theme::from_name)
                .unwrap_or_default(),
        }
    }
}

/// What the widget tells its host page, as `{type: "photo-sync:…", reason?: "…"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedEvent {
    /// The widget is loaded and can be used.
    Ready,
    /// The user signed in.
    SignedIn,
    /// SharePoint shows the user's current photo (written now, or already).
    Synced,
    /// Something stopped the widget; `reason` is a stable code (e.g. `popup-blocked`,
    /// `no-exchange-photo`) for the host page's own logging or help text.
    Failed { reason: String },
}

impl EmbedEvent {
    /// The message's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            EmbedEvent::Ready => "photo-sync:ready",
            EmbedEvent::SignedIn => "photo-sync:signed-in",
            EmbedEvent::Synced => "photo-sync:synced",
            EmbedEvent::Failed { .. } => "photo-sync:failed",
        }
    }

    /// The message's `reason`, for failures.
    pub fn reason(&self) -> Option<&str> {
        match self {
            EmbedEvent::Failed { reason } => Some(reason),
            _ => None,
        }
    }
}

/// True when the address asks for the compact widget (`?embed=1` or `?embed=true`).
///
/// ```
/// use profile_photo_sync::embed::embed_requested;
/// assert!(embed_requested("?embed=1&login_hint=a%40b.c"));
/// assert!(!embed_requested("?embed=0"));
/// ```
pub fn embed_requested(query: &str) -> bool {
    url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .any(|(k, v)| k == "embed" && (v == "1" || v == "true"))
}

/// The origin to send events to: the parent page's origin, when `embed_origins` lists it.
///
/// `ancestor_origin` is `location.ancestorOrigins[0]` where the browser has it (Chromium,
/// Safari); otherwise the origin of `referrer` (`document.referrer`, which the parent's
/// referrer policy may shorten to its origin or empty). `None` means: tell nobody.
///
/// ```
/// use profile_photo_sync::embed::target_origin;
/// let allowed = vec!["https://intranet.contoso.com".to_owned()];
/// assert_eq!(
///     target_origin(&allowed, None, Some("https://intranet.contoso.com/sites/hr/Photo.aspx")),
///     Some("https://intranet.contoso.com".to_owned())
/// );
/// assert_eq!(target_origin(&allowed, Some("https://evil.example"), None), None);
/// ```
pub fn target_origin(
    embed_origins: &[String],
    ancestor_origin: Option<&str>,
    referrer: Option<&str>,
) -> Option<String> {
    let parent = match ancestor_origin.map(str::trim).filter(|o| !o.is_empty()) {
        Some(origin) => http::origin(origin)?,
        None => http::origin(referrer.map(str::trim).filter(|r| !r.is_empty())?)?,
    };
    embed_origins
        .iter()
        .filter_map(|allowed| http::origin(allowed))
        .any(|allowed| allowed == parent)
        .then_some(parent)
}

/// Where the widget finds itself, and so what it may do there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Not in a frame: the page is the top-level window.
    TopLevel,
    /// In a frame of a page whose origin `embedOrigins` lists: it signs in, syncs and
    /// reports to that origin.
    AllowedFrame { parent: String },
    /// In a frame of any other page (or one whose origin cannot be told): it shows nothing
    /// that signs in or syncs, and says why; `autostart` does nothing there. `parent` is the
    /// framing page's origin when the browser gives it.
    StrangerFrame { parent: Option<String> },
}

/// The widget's [`Placement`], from whether it is framed and what the browser says of the
/// parent (as in [`target_origin`]).
///
/// ```
/// use profile_photo_sync::embed::{placement, Placement};
/// let allowed = vec!["https://intranet.contoso.com".to_owned()];
/// assert_eq!(
///     placement(true, &allowed, Some("https://evil.example"), None),
///     Placement::StrangerFrame { parent: Some("https://evil.example".to_owned()) }
/// );
/// ```
pub fn placement(
    framed: bool,
    embed_origins: &[String],
    ancestor_origin: Option<&str>,
    referrer: Option<&str>,
) -> Placement {
    if !framed {
        return Placement::TopLevel;
    }
    match target_origin(embed_origins, ancestor_origin, referrer) {
        Some(parent) => Placement::AllowedFrame { parent },
        None => {
            let told = ancestor_origin
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .or(referrer.map(str::trim).filter(|r| !r.is_empty()));
            Placement::StrangerFrame {
                parent: told.and_then(http::origin),
            }
        }
    }
}

/// The full page (top level, not compact) that starts by itself: the widget's fallback when
/// sign-in cannot happen in a popup. Keeps `login_hint` and `domain_hint`, drops `embed`.
///
/// ```
/// use profile_photo_sync::embed::full_page_url;
/// assert_eq!(
///     full_page_url("https://intranet.contoso.com/photo/", "?embed=1&login_hint=adele%40contoso.com"),
///     "https://intranet.contoso.com/photo/?login_hint=adele%40contoso.com&autostart=1"
/// );
/// ```
pub fn full_page_url(page: &str, query: &str) -> String {
    let kept: Vec<(String, String)> =
        url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
            .into_owned()
            .filter(|(k, _)| k == "login_hint" || k == "domain_hint")
            .collect();
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    serializer.extend_pairs(kept);
    serializer.append_pair("autostart", "1");
    format!("{page}?{}", serializer.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stranger_frame_is_told_apart_from_an_allowed_one() {
        assert_eq!(
            placement(false, &allowed(), None, None),
            Placement::TopLevel
        );
        assert_eq!(
            placement(true, &allowed(), Some("https://intranet.contoso.com"), None),
            Placement::AllowedFrame {
                parent: "https://intranet.contoso.com".to_owned()
            }
        );
        assert_eq!(
            placement(true, &allowed(), Some("https://evil.example"), None),
            Placement::StrangerFrame {
                parent: Some("https://evil.example".to_owned())
            }
        );
        // A parent the browser does not name is no allowed parent.
        assert_eq!(
            placement(true, &allowed(), None, None),
            Placement::StrangerFrame { parent: None }
        );
        assert_eq!(
            placement(true, &[], Some("https://intranet.contoso.com"), None),
            Placement::StrangerFrame {
                parent: Some("https://intranet.contoso.com".to_owned())
            }
        );
    }

    fn allowed() -> Vec<String> {
        vec![
            "https://intranet.contoso.com".to_owned(),
            "http://intranet.localhost:8080".to_owned(),
        ]
    }

    #[test]
    fn the_ancestor_origin_wins_over_the_referrer() {
        assert_eq!(
            target_origin(
                &allowed(),
                Some("http://intranet.localhost:8080"),
                Some("https://evil.example/")
            ),
            Some("http://intranet.localhost:8080".to_owned())
        );
        assert_eq!(
            target_origin(
                &allowed(),
                Some("https://evil.example"),
                Some("https://intranet.contoso.com/")
            ),
            None,
            "a listed referrer does not excuse an unlisted parent"
        );
    }

    #[test]
    fn the_referrer_is_reduced_to_its_origin() {
        assert_eq!(
            target_origin(
                &allowed(),
                None,
                Some("https://intranet.contoso.com/sites/hr/SitePages/Photo.aspx?x=1#top")
            ),
            Some("https://intranet.contoso.com".to_owned())
        );
    }

    #[test]
    fn origins_differ_by_scheme_host_and_port() {
        for parent in [
            "http://intranet.contoso.com",
            "https://intranet.contoso.com:8443",
            "https://intranet.contoso.com.evil.example",
            "https://contoso.com",
            "http://intranet.localhost:8081",
        ] {
            assert_eq!(
                target_origin(&allowed(), Some(parent), None),
                None,
                "{parent}"
            );
        }
        assert_eq!(
            target_origin(&allowed(), Some("HTTPS://Intranet.Contoso.com:443"), None),
            Some("https://intranet.contoso.com".to_owned())
        );
    }

    #[test]
    fn nobody_is_told_without_a_known_parent() {
        assert_eq!(target_origin(&allowed(), None, None), None);
        assert_eq!(target_origin(&allowed(), Some(""), Some("")), None);
        assert_eq!(target_origin(&allowed(), Some("null"), None), None);
        assert_eq!(
            target_origin(&[], Some("https://intranet.contoso.com"), None),
            None
        );
    }

    #[test]
    fn events_have_their_wire_names() {
        assert_eq!(EmbedEvent::Ready.kind(), "photo-sync:ready");
        assert_eq!(EmbedEvent::SignedIn.kind(), "photo-sync:signed-in");
        assert_eq!(EmbedEvent::Synced.kind(), "photo-sync:synced");
        let failed = EmbedEvent::Failed {
            reason: "popup-blocked".into(),
        };
        assert_eq!(failed.kind(), "photo-sync:failed");
        assert_eq!(failed.reason(), Some("popup-blocked"));
        assert_eq!(EmbedEvent::Ready.reason(), None);
    }

    #[test]
    fn the_host_page_sets_language_and_theme_and_unknown_values_are_ignored() {
        let look = |q| WidgetLook::from_query(q);
        assert_eq!(
            look("?embed=1&lang=lv&theme=dark"),
            WidgetLook {
                lang: Some(Lang::Lv),
                theme: Theme::Dark
            }
        );
        assert_eq!(look("lang=lv-LV&theme=LIGHT").lang, Some(Lang::Lv));
        assert_eq!(look("lang=lv-LV&theme=LIGHT").theme, Theme::Light);
        assert_eq!(look("?lang=en&theme=auto").lang, Some(Lang::En));
        assert_eq!(look("?lang=en&theme=auto").theme, Theme::Auto);
        for query in [
            "",
            "?embed=1",
            "?lang=&theme=",
            "?lang=de&theme=pink",
            "?lang=%3Cscript%3E&theme=dark%22%3E",
            "?language=lv&colour=dark",
        ] {
            assert_eq!(look(query), WidgetLook::default(), "{query}");
        }
        assert_eq!(
            look("?lang=lv&lang=en").lang,
            Some(Lang::Lv),
            "the first one counts"
        );
    }

    #[test]
    fn embed_is_asked_for_explicitly() {
        assert!(embed_requested("?embed=1"));
        assert!(embed_requested("embed=true"));
        assert!(!embed_requested(""));
        assert!(!embed_requested("?embedded=1"));
    }

    #[test]
    fn the_full_page_starts_by_itself_without_embed() {
        assert_eq!(
            full_page_url("http://app.localhost:8080/", "?embed=1"),
            "http://app.localhost:8080/?autostart=1"
        );
        assert_eq!(
            full_page_url(
                "http://app.localhost:8080/",
                "?domain_hint=contoso.com&embed=1&autostart=1&state=x"
            ),
            "http://app.localhost:8080/?domain_hint=contoso.com&autostart=1"
        );
    }
}
