//! The messages a plan makes: each planned message rendered from the template of its
//! language, with the personal or the generic link. Pure, and the one place messages are
//! made, so that the dry run shows exactly what the send sends.

use super::campaign::Campaign;
use super::plan::Planned;
use super::template::Template;
use crate::graph::mail::{Message, Recipient};
use crate::i18n::Lang;
use crate::links::{HelpLink, LinkAction};

/// Where the links lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// The self-service page (`https://intranet.contoso.com/photo/`).
    pub page: String,
    /// The organisation's domain, for the generic link's `domain_hint` (`contoso.com`).
    pub domain: String,
}

impl Links {
    /// A user's own link: `login_hint` with their account, and `autostart`.
    pub fn personal(&self, upn: &str) -> String {
        HelpLink {
            action: LinkAction::SyncMyPhoto,
            login_hint: upn.to_owned(),
            domain_hint: String::new(),
            autostart: true,
        }
        .url(&self.page)
    }

    /// The link for everyone: `domain_hint` with the organisation's domain, and `autostart`.
    pub fn generic(&self) -> String {
        HelpLink {
            action: LinkAction::SyncMyPhoto,
            login_hint: String::new(),
            domain_hint: self.domain.clone(),
            autostart: true,
        }
        .url(&self.page)
    }
}

/// The domain of an account (`admin@contoso.com` → `contoso.com`).
pub fn domain_of(account: &str) -> String {
    account
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_default()
}

/// The self-service page beside the admin page at `pathname` on `origin`: the folder of
/// `admin.html`.
pub fn self_service_page(origin: &str, pathname: &str) -> String {
    let folder = pathname.rfind('/').map_or("/", |i| &pathname[..=i]);
    format!("{origin}{folder}")
}

/// The templates of a campaign by language: English first, Latvian second.
pub fn template_of(templates: &[Template; 2], lang: Lang) -> &Template {
    match lang {
        Lang::En => &templates[0],
        Lang::Lv => &templates[1],
    }
}

/// The message `planned` makes.
pub fn compose(
    planned: &Planned,
    campaign: &Campaign,
    templates: &[Template; 2],
    links: &Links,
) -> Message {
    let template = template_of(templates, planned.lang());
    let recipient = |i: usize| {
        campaign.recipients.get(i).map(|r| Recipient {
            address: r.address.clone(),
            name: r.name.clone(),
        })
    };
    match planned {
        Planned::Personal { entry, .. } => {
            let r = &campaign.recipients[*entry];
            let name = if r.name.trim().is_empty() {
                r.upn.as_str()
            } else {
                r.name.as_str()
            };
            let (subject, body) = template.render(name, &links.personal(&r.upn));
            Message {
                subject,
                body,
                to: recipient(*entry).into_iter().collect(),
                bcc: Vec::new(),
            }
        }
        Planned::Bcc { entries, lang } => {
            let (subject, body) =
                template.render(lang.outreach_text().generic_name, &links.generic());
            Message {
                subject,
                body,
                to: Vec::new(),
                bcc: entries.iter().filter_map(|i| recipient(*i)).collect(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outreach::campaign::{Delivery, Recipient as Member};

    fn links() -> Links {
        Links {
            page: self_service_page("https://intranet.contoso.com", "/photo/admin.html"),
            domain: domain_of("Admin@Contoso.com"),
        }
    }

    fn campaign() -> Campaign {
        let mut c = Campaign::new(
            "admin@contoso.com",
            0.0,
            [
                Template::default_for(Lang::En),
                Template::default_for(Lang::Lv),
            ],
        );
        c.add([
            Member {
                upn: "janis@contoso.com".into(),
                name: "Jānis Bērziņš".into(),
                address: "janis.berzins@contoso.com".into(),
                lang: Lang::Lv,
                delivery: Delivery::NotSent,
            },
            Member {
                upn: "adele@contoso.com".into(),
                name: String::new(),
                address: "adele@contoso.com".into(),
                lang: Lang::En,
                delivery: Delivery::NotSent,
            },
        ]);
        c
    }

    #[test]
    fn links_carry_the_users_account_or_the_domain_and_autostart() {
        let l = links();
        assert_eq!(l.page, "https://intranet.contoso.com/photo/");
        assert_eq!(
            l.personal("janis@contoso.com"),
            "https://intranet.contoso.com/photo/?login_hint=janis%40contoso.com&autostart=1"
        );
        assert_eq!(
            l.generic(),
            "https://intranet.contoso.com/photo/?domain_hint=contoso.com&autostart=1"
        );
        assert_eq!(self_service_page("http://a", "/"), "http://a/");
    }

    #[test]
    fn a_personal_message_is_in_the_users_language_with_their_link() {
        let c = campaign();
        let m = compose(
            &Planned::Personal {
                entry: 0,
                lang: Lang::Lv,
            },
            &c,
            &c.templates,
            &links(),
        );
        assert_eq!(
            m.to,
            vec![Recipient {
                address: "janis.berzins@contoso.com".into(),
                name: "Jānis Bērziņš".into()
            }]
        );
        assert!(m.bcc.is_empty());
        assert_eq!(m.subject, Lang::Lv.outreach_text().default_subject);
        assert!(m.body.contains("Jānis Bērziņš"));
        assert!(m
            .body
            .contains("?login_hint=janis%40contoso.com&autostart=1"));
        // No name in the directory: the account stands in.
        let m = compose(
            &Planned::Personal {
                entry: 1,
                lang: Lang::En,
            },
            &c,
            &c.templates,
            &links(),
        );
        assert!(m.body.contains("adele@contoso.com"));
    }

    #[test]
    fn a_message_to_many_has_them_in_bcc_and_the_generic_link() {
        let c = campaign();
        let m = compose(
            &Planned::Bcc {
                entries: vec![0, 1],
                lang: Lang::En,
            },
            &c,
            &c.templates,
            &links(),
        );
        assert!(m.to.is_empty());
        assert_eq!(m.bcc.len(), 2);
        assert!(m.body.contains("domain_hint=contoso.com&autostart=1"));
        assert!(!m.body.contains("login_hint"));
        assert!(m.body.contains(Lang::En.outreach_text().generic_name));
    }
}
