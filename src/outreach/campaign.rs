//! A campaign: whom the admin messages and, for each, whether their message went out. Kept in
//! the browser's IndexedDB (through [`crate::audit::saved`]) after every step, so that a
//! reload, a second click or a closed tab never sends a user a second message. Pure: the JSON
//! is written and read here.
//!
//! A user is marked [`Delivery::Sending`] and kept so *before* their message is sent. One
//! still marked so when the campaign is read again (the page was reloaded while Graph had not
//! answered) may have got their message: they become [`Delivery::Uncertain`] and are sent
//! again only when the admin asks for it ([`Campaign::retry`]).

use serde_json::{json, Map, Value};

use super::template::Template;
use crate::http::json as read;
use crate::i18n::Lang;

/// The version of the stored form; anything else is ignored.
const VERSION: u64 = 1;

/// 24 hours: Exchange's recipient rate limit counts over a rolling day.
pub const DAY_MS: f64 = 24.0 * 3_600_000.0;

/// Where one user's message stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    NotSent,
    /// Kept before the call; the answer has not come yet.
    Sending {
        since_ms: f64,
    },
    /// Graph accepted it (202). `personal`: their own message, else one to many in Bcc.
    Sent {
        at_ms: f64,
        personal: bool,
    },
    /// Graph refused it; the reason is Graph's code or status.
    Failed {
        reason: String,
    },
    /// The page was reloaded or the answer was lost while it was being sent: it may have gone
    /// out. Sent again only on the admin's explicit request.
    Uncertain {
        since_ms: f64,
    },
}

impl Delivery {
    /// A stable name (`data-` attributes, JSON).
    pub fn name(&self) -> &'static str {
        match self {
            Delivery::NotSent => "not-sent",
            Delivery::Sending { .. } => "sending",
            Delivery::Sent { .. } => "sent",
            Delivery::Failed { .. } => "failed",
            Delivery::Uncertain { .. } => "uncertain",
        }
    }

    /// True when a message may have reached the user.
    pub fn may_have_gone_out(&self) -> bool {
        matches!(
            self,
            Delivery::Sending { .. } | Delivery::Sent { .. } | Delivery::Uncertain { .. }
        )
    }
}

/// One user of a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub upn: String,
    pub name: String,
    /// Where the message goes (`mail`, else the UPN).
    pub address: String,
    pub lang: Lang,
    pub delivery: Delivery,
}

/// A campaign of the signed-in admin.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub account: String,
    pub created_ms: f64,
    pub recipients: Vec<Recipient>,
    /// The templates last used, English then Latvian.
    pub templates: [Template; 2],
}

/// What a campaign did, as a later audit sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    /// Messaged users the audit now finds in sync.
    pub fixed: usize,
    /// Users whose message went out (and whom the audit read).
    pub messaged: usize,
    /// When the first message went out.
    pub since_ms: f64,
}

impl Campaign {
    pub fn new(account: &str, now_ms: f64, templates: [Template; 2]) -> Campaign {
        Campaign {
            account: account.to_owned(),
            created_ms: now_ms,
            recipients: Vec::new(),
            templates,
        }
    }

    /// The place of `upn` in the campaign (case-insensitive).
    pub fn position(&self, upn: &str) -> Option<usize> {
        self.recipients
            .iter()
            .position(|r| r.upn.eq_ignore_ascii_case(upn))
    }

    /// Adds the users not in the campaign yet (each user once per campaign, whatever becomes
    /// of their message); returns how many were added.
    pub fn add(&mut self, users: impl IntoIterator<Item = Recipient>) -> usize {
        let mut added = 0;
        for user in users {
            if self.position(&user.upn).is_none() {
                self.recipients.push(user);
                added += 1;
            }
        }
        added
    }

    /// The users whose message is still to send, with their language, in order.
    pub fn to_send(&self) -> Vec<(usize, Lang)> {
        self.recipients
            .iter()
            .enumerate()
            .filter(|(_, r)| r.delivery == Delivery::NotSent)
            .map(|(i, r)| (i, r.lang))
            .collect()
    }

    /// Recipients whose message went out (or may have) in the 24 hours before `now_ms`.
    pub fn recipients_in_last_day(&self, now_ms: f64) -> usize {
        self.recipients
            .iter()
            .filter(|r| match r.delivery {
                Delivery::Sent { at_ms: t, .. }
                | Delivery::Sending { since_ms: t }
                | Delivery::Uncertain { since_ms: t } => t > now_ms - DAY_MS,
                _ => false,
            })
            .count()
    }

    /// How many users are in each state: not sent, sent, failed, may have gone out.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let mut c = (0, 0, 0, 0);
        for r in &self.recipients {
            match r.delivery {
                Delivery::NotSent => c.0 += 1,
                Delivery::Sent { .. } => c.1 += 1,
                Delivery::Failed { .. } => c.2 += 1,
                Delivery::Sending { .. } | Delivery::Uncertain { .. } => c.3 += 1,
            }
        }
        c
    }

    /// When the first message went out.
    pub fn first_sent_ms(&self) -> Option<f64> {
        self.recipients
            .iter()
            .filter_map(|r| match r.delivery {
                Delivery::Sent { at_ms, .. } => Some(at_ms),
                _ => None,
            })
            .reduce(f64::min)
    }

    /// The users whose message failed or may have gone out are to be sent again (the admin
    /// asked); returns how many.
    pub fn retry(&mut self) -> usize {
        let mut n = 0;
        for r in &mut self.recipients {
            if matches!(
                r.delivery,
                Delivery::Failed { .. } | Delivery::Uncertain { .. }
            ) {
                r.delivery = Delivery::NotSent;
                n += 1;
            }
        }
        n
    }

    /// The campaign's effect by an audit's reading: of the users messaged, how many `in_sync`
    /// now says are in sync (`None`: the audit did not read them).
    pub fn effect(&self, mut in_sync: impl FnMut(&str) -> Option<bool>) -> Option<Effect> {
        let since_ms = self.first_sent_ms()?;
        let mut effect = Effect {
            fixed: 0,
            messaged: 0,
            since_ms,
        };
        for r in &self.recipients {
            if let Delivery::Sent { .. } = r.delivery {
                if let Some(now_in_sync) = in_sync(&r.upn) {
                    effect.messaged += 1;
                    effect.fixed += usize::from(now_in_sync);
                }
            }
        }
        Some(effect)
    }

    pub fn to_json(&self) -> String {
        let recipients: Vec<Value> = self
            .recipients
            .iter()
            .map(|r| {
                let (state, at, detail) = match &r.delivery {
                    Delivery::NotSent => ("not-sent", Value::Null, Value::Null),
                    Delivery::Sending { since_ms } => ("sending", (*since_ms).into(), Value::Null),
                    Delivery::Sent { at_ms, personal } => {
                        ("sent", (*at_ms).into(), Value::from(*personal))
                    }
                    Delivery::Failed { reason } => ("failed", Value::Null, reason.as_str().into()),
                    Delivery::Uncertain { since_ms } => {
                        ("uncertain", (*since_ms).into(), Value::Null)
                    }
                };
                json!([r.upn, r.name, r.address, r.lang.tag(), state, at, detail])
            })
            .collect();
        let templates: Vec<Value> = self
            .templates
            .iter()
            .map(|t| json!([t.subject, t.body]))
            .collect();
        json!({
            "v": VERSION,
            "account": self.account,
            "created": self.created_ms,
            "templates": templates,
            "recipients": recipients,
        })
        .to_string()
    }

    /// Reads what [`Campaign::to_json`] wrote; a user still marked as sending becomes
    /// [`Delivery::Uncertain`]. `None` for anything else.
    pub fn from_json(text: &str) -> Option<Campaign> {
        let v: Value = serde_json::from_str(text).ok()?;
        if v.get("v")?.as_u64()? != VERSION {
            return None;
        }
        let recipients = v
            .get("recipients")?
            .as_array()?
            .iter()
            .map(recipient)
            .collect::<Option<Vec<_>>>()?;
        let templates = v.get("templates")?.as_array()?;
        let template = |i: usize| -> Option<Template> {
            let t = templates.get(i)?.as_array()?;
            Some(Template {
                subject: t.first()?.as_str()?.to_owned(),
                body: t.get(1)?.as_str()?.to_owned(),
            })
        };
        Some(Campaign {
            account: read::required_string(&v, "account").ok()?,
            created_ms: v.get("created")?.as_f64()?,
            recipients,
            templates: [template(0)?, template(1)?],
        })
    }
}

fn recipient(item: &Value) -> Option<Recipient> {
    let a = item.as_array()?;
    let text = |i: usize| a.get(i).and_then(Value::as_str).map(str::to_owned);
    let at = || a.get(5).and_then(Value::as_f64);
    let delivery = match text(4)?.as_str() {
        "not-sent" => Delivery::NotSent,
        "sending" | "uncertain" => Delivery::Uncertain { since_ms: at()? },
        "sent" => Delivery::Sent {
            at_ms: at()?,
            personal: a.get(6)?.as_bool()?,
        },
        "failed" => Delivery::Failed { reason: text(6)? },
        _ => return None,
    };
    Some(Recipient {
        upn: text(0)?,
        name: text(1)?,
        address: text(2)?,
        lang: Lang::from_tag(&text(3)?)?,
        delivery,
    })
}

/// The key the campaign of `account` is kept under (beside the audits' progress).
pub fn key(account: &str) -> String {
    let mut m = Map::new();
    m.insert("account".into(), account.to_lowercase().into());
    m.insert("campaign".into(), true.into());
    Value::Object(m).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: usize, delivery: Delivery) -> Recipient {
        Recipient {
            upn: format!("User{n}@contoso.com"),
            name: format!("User \"{n}\""),
            address: format!("user{n}@contoso.com"),
            lang: if n.is_multiple_of(2) {
                Lang::Lv
            } else {
                Lang::En
            },
            delivery,
        }
    }

    fn campaign() -> Campaign {
        let mut c = Campaign::new(
            "admin@contoso.com",
            1_000.0,
            [
                Template::default_for(Lang::En),
                Template::default_for(Lang::Lv),
            ],
        );
        c.add([
            user(0, Delivery::NotSent),
            user(1, Delivery::Sending { since_ms: 2_000.0 }),
            user(
                2,
                Delivery::Sent {
                    at_ms: 3_000.0,
                    personal: true,
                },
            ),
            user(
                3,
                Delivery::Failed {
                    reason: "ErrorInvalidRecipients".into(),
                },
            ),
            user(4, Delivery::Uncertain { since_ms: 4_000.0 }),
            user(
                5,
                Delivery::Sent {
                    at_ms: 2_500.0,
                    personal: false,
                },
            ),
        ]);
        c
    }

    #[test]
    fn a_campaign_survives_a_round_trip_and_a_message_in_flight_becomes_uncertain() {
        let c = campaign();
        let back = Campaign::from_json(&c.to_json()).unwrap();
        let mut expected = c.clone();
        expected.recipients[1].delivery = Delivery::Uncertain { since_ms: 2_000.0 };
        assert_eq!(back, expected);
        assert_eq!(back.counts(), (1, 2, 1, 2));
        assert_eq!(
            back.to_send(),
            vec![(0, Lang::Lv)],
            "the uncertain ones are not resent"
        );
    }

    #[test]
    fn each_user_is_in_a_campaign_once() {
        let mut c = campaign();
        let added = c.add([
            Recipient {
                upn: "user2@CONTOSO.com".into(),
                ..user(2, Delivery::NotSent)
            },
            user(6, Delivery::NotSent),
        ]);
        assert_eq!(added, 1);
        assert_eq!(c.recipients.len(), 7);
        assert_eq!(
            c.recipients[2].delivery,
            Delivery::Sent {
                at_ms: 3_000.0,
                personal: true
            }
        );
    }

    #[test]
    fn only_an_explicit_retry_sends_the_failed_and_uncertain_again() {
        let mut c = Campaign::from_json(&campaign().to_json()).unwrap();
        assert_eq!(c.retry(), 3);
        assert_eq!(
            c.to_send().into_iter().map(|(i, _)| i).collect::<Vec<_>>(),
            vec![0, 1, 3, 4]
        );
    }

    #[test]
    fn the_days_recipients_count_what_may_have_gone_out_in_24_hours() {
        let c = campaign();
        assert_eq!(c.recipients_in_last_day(5_000.0), 4);
        assert_eq!(c.recipients_in_last_day(2_600.0 + DAY_MS), 2);
        assert_eq!(c.recipients_in_last_day(10.0 * DAY_MS), 0);
    }

    #[test]
    fn the_effect_counts_messaged_users_now_in_sync() {
        let c = campaign();
        let e = c
            .effect(|upn| match upn {
                "User2@contoso.com" => Some(true),
                "User5@contoso.com" => Some(false),
                _ => Some(true),
            })
            .unwrap();
        assert_eq!(
            e,
            Effect {
                fixed: 1,
                messaged: 2,
                since_ms: 2_500.0
            }
        );
        let unread = c.effect(|_| None).unwrap();
        assert_eq!((unread.fixed, unread.messaged), (0, 0));
        let none_sent = Campaign::new("a@b.c", 0.0, c.templates.clone());
        assert_eq!(none_sent.effect(|_| Some(true)), None);
    }

    #[test]
    fn anything_else_is_no_campaign() {
        for text in ["", "{}", r#"{"v":2}"#] {
            assert_eq!(Campaign::from_json(text), None, "{text}");
        }
        let tampered = campaign().to_json().replace("\"failed\"", "\"lost\"");
        assert_eq!(Campaign::from_json(&tampered), None);
        assert_ne!(
            key("Admin@contoso.com"),
            crate::audit::progress::key("admin@contoso.com", "all")
        );
        assert_eq!(key("Admin@contoso.com"), key("admin@contoso.com"));
    }
}
