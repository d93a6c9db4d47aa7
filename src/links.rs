//! Links for help articles and admins: what a link does ([`HelpLink`]), its address, and its
//! QR code as an SVG path. Pure: the link builder screen ([`crate::ui`]) only renders these.
//!
//! Links use the `#/view` form, which works on any static host (no rewrite rules), with the
//! query before the hash, where the page reads it; the admin audit is `admin.html` in the same
//! folder: `https://intranet.example/photo/admin.html?audit=all&login_hint=…&autostart=1`.
//! Only values the page accepts from an address go in (`login_hint`, `domain_hint`,
//! `autostart`); endpoints never do.

use qrcode::{Color, EcLevel, QrCode};

/// Where a link takes its reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkAction {
    /// The self-service page: sign in, compare, sync.
    #[default]
    SyncMyPhoto,
    /// The admin audit of the whole tenant (`admin.html?audit=all`).
    AdminAudit,
}

impl LinkAction {
    pub const ALL: [LinkAction; 2] = [LinkAction::SyncMyPhoto, LinkAction::AdminAudit];

    /// A stable name (form values, `data-` attributes).
    pub fn name(self) -> &'static str {
        match self {
            LinkAction::SyncMyPhoto => "sync",
            LinkAction::AdminAudit => "admin",
        }
    }

    pub fn from_name(name: &str) -> Option<LinkAction> {
        LinkAction::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// A link as its writer chose it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HelpLink {
    pub action: LinkAction,
    /// The account to preselect at sign-in (`adele@contoso.com`), or empty.
    pub login_hint: String,
    /// The organisation's domain, to skip the account picker's home-realm step, or empty.
    pub domain_hint: String,
    /// Sign in (and, for the self-service page, sync) without a click.
    pub autostart: bool,
}

impl HelpLink {
    /// The link's address, given the page's own address at the top of its folder.
    ///
    /// ```
    /// use profile_photo_sync::links::{HelpLink, LinkAction};
    /// let link = HelpLink {
    ///     action: LinkAction::SyncMyPhoto,
    ///     login_hint: "adele@contoso.com".into(),
    ///     domain_hint: String::new(),
    ///     autostart: true,
    /// };
    /// assert_eq!(
    ///     link.url("https://intranet.contoso.com/photo/"),
    ///     "https://intranet.contoso.com/photo/?login_hint=adele%40contoso.com&autostart=1"
    /// );
    /// ```
    pub fn url(&self, page: &str) -> String {
        let page = page.split(['?', '#']).next().unwrap_or_default();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let page = match self.action {
            LinkAction::SyncMyPhoto => page.to_owned(),
            LinkAction::AdminAudit => {
                query.append_pair("audit", "all");
                let folder = page.rfind('/').map_or(page, |i| &page[..=i]);
                format!("{folder}admin.html")
            }
        };
        let login_hint = self.login_hint.trim();
        if !login_hint.is_empty() {
            query.append_pair("login_hint", login_hint);
        }
        let domain_hint = self.domain_hint.trim();
        if !domain_hint.is_empty() {
            query.append_pair("domain_hint", domain_hint);
        }
        if self.autostart {
            query.append_pair("autostart", "1");
        }
        let query = query.finish();
        let mut url = page;
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        url
    }
}

/// A QR code drawn as one SVG path: `size` modules square (with the 4-module quiet zone), the
/// dark modules in `path` as `M x,y h n v1 h -n z` runs. Drawn with presentation attributes
/// (`fill`), which a `style-src 'self'` policy allows, unlike `style` attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPath {
    pub size: usize,
    pub path: String,
}

/// The modules around the code that scanners need to find it.
const QUIET_ZONE: usize = 4;

/// The QR code of `text` at error-correction level M (15 %), or `None` if it is too long for
/// a QR code (about 2,300 characters).
pub fn qr_path(text: &str) -> Option<QrPath> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for y in 0..width {
        let row = &colors[y * width..(y + 1) * width];
        let mut x = 0;
        while x < width {
            if row[x] == Color::Dark {
                let start = x;
                while x < width && row[x] == Color::Dark {
                    x += 1;
                }
                let run = x - start;
                path.push_str(&format!(
                    "M{},{}h{run}v1h-{run}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE
                ));
            } else {
                x += 1;
            }
        }
    }
    Some(QrPath {
        size: width + 2 * QUIET_ZONE,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "http://app.localhost:8080/";

    #[test]
    fn a_plain_link_is_the_page() {
        assert_eq!(HelpLink::default().url(PAGE), PAGE);
    }

    #[test]
    fn hints_are_trimmed_encoded_and_ordered() {
        let link = HelpLink {
            action: LinkAction::SyncMyPhoto,
            login_hint: "  jānis.bērziņš@contoso.com ".into(),
            domain_hint: "contoso.com".into(),
            autostart: true,
        };
        assert_eq!(
            link.url(PAGE),
            "http://app.localhost:8080/?login_hint=j%C4%81nis.b%C4%93rzi%C5%86%C5%A1%40contoso.com&domain_hint=contoso.com&autostart=1"
        );
    }

    #[test]
    fn the_admin_audit_is_admin_html_auditing_the_tenant() {
        let link = HelpLink {
            action: LinkAction::AdminAudit,
            login_hint: "admin@contoso.com".into(),
            autostart: true,
            ..Default::default()
        };
        assert_eq!(
            link.url(PAGE),
            "http://app.localhost:8080/admin.html?audit=all&login_hint=admin%40contoso.com&autostart=1"
        );
        let bare = HelpLink {
            action: LinkAction::AdminAudit,
            ..Default::default()
        };
        assert_eq!(
            bare.url("https://intranet.contoso.com/photo/index.html"),
            "https://intranet.contoso.com/photo/admin.html?audit=all"
        );
    }

    #[test]
    fn the_page_address_loses_its_own_query_and_hash() {
        assert_eq!(
            HelpLink::default().url("http://app.localhost:8080/?embed=1#/links"),
            PAGE
        );
    }

    #[test]
    fn a_hint_cannot_add_parameters() {
        let link = HelpLink {
            login_hint: "a@b.c&authority=https://evil.example".into(),
            ..Default::default()
        };
        let url = url::Url::parse(&link.url(PAGE)).unwrap();
        let pairs: Vec<_> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![(
                "login_hint".to_owned(),
                "a@b.c&authority=https://evil.example".to_owned()
            )]
        );
    }

    #[test]
    fn actions_round_trip_by_name() {
        for action in LinkAction::ALL {
            assert_eq!(LinkAction::from_name(action.name()), Some(action));
        }
        assert_eq!(LinkAction::from_name("other"), None);
    }

    #[test]
    fn the_qr_code_has_a_quiet_zone_and_finder_patterns() {
        let qr = qr_path("http://app.localhost:8080/?autostart=1").unwrap();
        // Version 3 (29 modules) at level M for 38 bytes, plus 4 + 4 quiet modules.
        assert_eq!(qr.size, 29 + 8);
        // The top-left finder pattern: a 7-module dark run on the first row, at the quiet zone.
        assert!(qr.path.starts_with("M4,4h7v1h-7z"), "{}", &qr.path[..40]);
        assert!(qr.path.split('M').all(|run| !run.contains("h0")));
    }

    #[test]
    fn too_long_a_text_has_no_qr_code() {
        assert!(qr_path(&"x".repeat(5000)).is_none());
    }
}
