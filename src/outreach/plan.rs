//! How a campaign's messages go out within Exchange Online's sending limits. Pure.
//!
//! Limits (<https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits>):
//! 30 messages a minute (message rate limit), 10,000 recipients a day (recipient rate limit,
//! every recipient of every message counts, over a rolling 24 hours) and 500 recipients a
//! message. Up to a threshold each user gets a personal message with their own link
//! (`login_hint`, `autostart`); the rest, in the same language, share messages of at most 500
//! recipients in Bcc with the generic link (`domain_hint`, `autostart`), which send a large
//! tenant's links in minutes rather than hours. Whoever the day's budget does not cover waits
//! for the next day.

use std::collections::VecDeque;

use crate::graph::mail::MAX_RECIPIENTS;
use crate::i18n::Lang;

/// Exchange Online's sending limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SendingLimits {
    /// Messages per window: 30.
    pub messages_per_window: usize,
    /// The message rate's window: one minute.
    pub window_ms: f64,
    /// Recipients per 24 hours: 10,000.
    pub recipients_per_day: usize,
    /// Recipients per message: 500.
    pub recipients_per_message: usize,
}

impl Default for SendingLimits {
    fn default() -> Self {
        SendingLimits {
            messages_per_window: 30,
            window_ms: 60_000.0,
            recipients_per_day: 10_000,
            recipients_per_message: MAX_RECIPIENTS,
        }
    }
}

/// What one `sendMail` call is assumed to take, for the plan's duration (not a documented
/// figure: a message of a few KB, as Graph answers it in practice).
pub const SEND_MS: f64 = 1_000.0;

/// Personal messages before the rest go in Bcc, unless the admin sets another: 300 take about
/// ten minutes at 30 a minute.
pub const DEFAULT_PERSONAL: usize = 300;

/// One message of the plan: the campaign entries it goes to (their places) and its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    /// To one user, with their own link.
    Personal { entry: usize, lang: Lang },
    /// To many users in Bcc, with the generic link.
    Bcc { entries: Vec<usize>, lang: Lang },
}

impl Planned {
    pub fn entries(&self) -> &[usize] {
        match self {
            Planned::Personal { entry, .. } => std::slice::from_ref(entry),
            Planned::Bcc { entries, .. } => entries,
        }
    }

    pub fn lang(&self) -> Lang {
        match self {
            Planned::Personal { lang, .. } | Planned::Bcc { lang, .. } => *lang,
        }
    }
}

/// The plan of a send.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The messages to send now, in order.
    pub messages: Vec<Planned>,
    /// Users who get a personal message now.
    pub personal: usize,
    /// Users reached in Bcc now.
    pub in_bcc: usize,
    /// Users the day's recipient budget does not cover: they wait for the next day.
    pub waiting: Vec<usize>,
    /// About how long sending the messages takes, in milliseconds.
    pub duration_ms: f64,
}

impl Plan {
    pub fn recipients(&self) -> usize {
        self.personal + self.in_bcc
    }
}

/// The plan for `recipients` (campaign entries with their language, in order), with personal
/// messages for the first `personal_threshold`, when `sent_today` recipients already went out
/// in the last 24 hours.
pub fn plan(
    recipients: &[(usize, Lang)],
    personal_threshold: usize,
    sent_today: usize,
    limits: SendingLimits,
) -> Plan {
    let budget = limits.recipients_per_day.saturating_sub(sent_today);
    let now = recipients.len().min(budget);
    let (today, later) = recipients.split_at(now);
    let personal_count = today.len().min(personal_threshold);
    let (personal, rest) = today.split_at(personal_count);
    let mut messages: Vec<Planned> = personal
        .iter()
        .map(|&(entry, lang)| Planned::Personal { entry, lang })
        .collect();
    let per_message = limits.recipients_per_message.clamp(1, MAX_RECIPIENTS);
    for lang in Lang::ALL {
        let of_lang: Vec<usize> = rest
            .iter()
            .filter(|(_, l)| *l == lang)
            .map(|(e, _)| *e)
            .collect();
        for chunk in of_lang.chunks(per_message) {
            messages.push(Planned::Bcc {
                entries: chunk.to_vec(),
                lang,
            });
        }
    }
    let duration_ms = duration_ms(messages.len(), limits, SEND_MS);
    Plan {
        messages,
        personal: personal.len(),
        in_bcc: rest.len(),
        waiting: later.iter().map(|(e, _)| *e).collect(),
        duration_ms,
    }
}

/// How long `messages` take one after the other, each `send_ms`, at most
/// `messages_per_window` started in any window.
pub fn duration_ms(messages: usize, limits: SendingLimits, send_ms: f64) -> f64 {
    let mut pacer = Pacer::new(limits);
    let mut now = 0.0;
    for _ in 0..messages {
        now += pacer.wait_ms(now);
        pacer.started(now);
        now += send_ms;
    }
    now
}

/// Keeps the message rate: remembers when the last messages started and says how long to wait
/// before the next may start.
#[derive(Debug, Clone)]
pub struct Pacer {
    limits: SendingLimits,
    starts: VecDeque<f64>,
}

impl Pacer {
    pub fn new(limits: SendingLimits) -> Pacer {
        Pacer {
            limits,
            starts: VecDeque::new(),
        }
    }

    /// Milliseconds to wait at `now` before the next message may start.
    pub fn wait_ms(&mut self, now: f64) -> f64 {
        while self
            .starts
            .front()
            .is_some_and(|t| *t + self.limits.window_ms <= now)
        {
            self.starts.pop_front();
        }
        if self.starts.len() < self.limits.messages_per_window.max(1) {
            0.0
        } else {
            self.starts
                .front()
                .map_or(0.0, |t| (t + self.limits.window_ms - now).max(0.0))
        }
    }

    /// A message started at `now`.
    pub fn started(&mut self, now: f64) {
        self.starts.push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(n: usize, every_lv: usize) -> Vec<(usize, Lang)> {
        (0..n)
            .map(|i| {
                (
                    i,
                    if every_lv > 0 && i.is_multiple_of(every_lv) {
                        Lang::Lv
                    } else {
                        Lang::En
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_few_users_get_personal_messages_at_once() {
        let p = plan(&people(12, 3), 300, 0, SendingLimits::default());
        assert_eq!(p.messages.len(), 12);
        assert_eq!((p.personal, p.in_bcc, p.waiting.len()), (12, 0, 0));
        assert_eq!(
            p.messages[0],
            Planned::Personal {
                entry: 0,
                lang: Lang::Lv
            }
        );
        assert_eq!(
            p.messages[1],
            Planned::Personal {
                entry: 1,
                lang: Lang::En
            }
        );
        // Under 30 messages: no waiting, one send after the other.
        assert_eq!(p.duration_ms, 12.0 * SEND_MS);
    }

    #[test]
    fn beyond_the_threshold_users_share_bcc_messages_of_500_by_language() {
        let p = plan(&people(2_300, 4), 100, 0, SendingLimits::default());
        assert_eq!(p.personal, 100);
        assert_eq!(p.in_bcc, 2_200);
        let bcc: Vec<(usize, Lang)> = p
            .messages
            .iter()
            .filter_map(|m| match m {
                Planned::Bcc { entries, lang } => Some((entries.len(), *lang)),
                _ => None,
            })
            .collect();
        // 2,200 left: 550 Latvian (every 4th), 1,650 English.
        assert_eq!(
            bcc,
            vec![
                (500, Lang::En),
                (500, Lang::En),
                (500, Lang::En),
                (150, Lang::En),
                (500, Lang::Lv),
                (50, Lang::Lv)
            ]
        );
        assert!(p.messages.iter().all(|m| m.entries().len() <= 500));
        // Everyone exactly once.
        let mut all: Vec<usize> = p
            .messages
            .iter()
            .flat_map(|m| m.entries().to_vec())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..2_300).collect::<Vec<_>>());
    }

    #[test]
    fn the_days_recipients_are_capped_and_the_rest_wait() {
        let p = plan(&people(12_000, 0), 300, 0, SendingLimits::default());
        assert_eq!(p.recipients(), 10_000);
        assert_eq!(p.waiting, (10_000..12_000).collect::<Vec<_>>());
        // 300 personal + 9,700 in 20 Bcc messages of at most 500.
        assert_eq!(p.messages.len(), 300 + 20);
        // Already 9,990 recipients today: 10 more today, the rest tomorrow.
        let p = plan(&people(50, 0), 300, 9_990, SendingLimits::default());
        assert_eq!((p.recipients(), p.waiting.len()), (10, 40));
        let p = plan(&people(5, 0), 300, 12_000, SendingLimits::default());
        assert_eq!(
            (p.recipients(), p.waiting.len(), p.messages.len()),
            (0, 5, 0)
        );
    }

    #[test]
    fn no_more_than_30_messages_start_in_any_minute() {
        let limits = SendingLimits::default();
        // 31 messages: the 31st waits for the first's minute to pass.
        assert_eq!(duration_ms(31, limits, 1_000.0), 60_000.0 + 1_000.0);
        assert_eq!(duration_ms(30, limits, 1_000.0), 30_000.0);
        // 320 messages: ten full minutes, then 20 more.
        assert_eq!(
            duration_ms(320, limits, 1_000.0),
            10.0 * 60_000.0 + 20_000.0
        );
        let mut pacer = Pacer::new(limits);
        let starts: Vec<f64> = (0..95)
            .map(|_| 0.0)
            .scan(0.0, |now, _| {
                *now += pacer.wait_ms(*now);
                pacer.started(*now);
                let at = *now;
                *now += 10.0;
                Some(at)
            })
            .collect();
        for (i, t) in starts.iter().enumerate() {
            let in_window = starts[i..].iter().filter(|s| **s < t + 60_000.0).count();
            assert!(in_window <= 30, "{in_window} in the minute from {t}");
        }
    }
}
