//! Sending a plan's messages through Graph's `sendMail`, one after the other at the pace the
//! message rate allows ([`super::plan::Pacer`]), each user's state kept before the call and
//! after the answer ([`Outbox`]) before the next message.
//!
//! What an error answer means for the message and the run is decided by [`after_failure`]
//! (pure): throttling waits (`Retry-After` when the browser can read it, else a growing wait)
//! and tries the same message again; a refused token or permission stops the run with nobody
//! marked sent; a refusal of one message (a bad address) marks it failed and goes on; a lost
//! answer marks the message as one that may have gone out and stops, since sending it again
//! could make a second copy.

use std::future::Future;

use crate::audit::runner::Control;
use crate::auth::{AuthError, Resource, TokenSource};
use crate::browser::{now_ms, sleep};
use crate::graph::mail::{self, Message};
use crate::graph::{GraphCall, GraphError};
use crate::service::{self, ServiceError};
use crate::sync::retry::parse_retry_after;

use super::campaign::Delivery;
use super::plan::{Pacer, Planned, SendingLimits};

/// Tries of one message while it is throttled.
pub const MAX_ATTEMPTS: u32 = 6;

/// Why a run stopped before its end; nobody is marked sent who was not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// No token for sending mail: sign in again (or the consent was withdrawn).
    SignIn(AuthError),
    /// Graph refused to send for this account (no `Mail.Send`, or the mailbox may not send):
    /// Graph's code.
    Refused { detail: String },
    /// Still throttled after [`MAX_ATTEMPTS`] tries.
    Throttled,
    /// The answer to a message was lost: it may have gone out.
    AnswerLost,
    /// The browser would not keep the campaign, so a message could not be recorded before it
    /// went out.
    Storage,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    Done,
    Cancelled,
    Stopped(Stop),
}

/// What to do after an error answer to attempt number `attempt` (0 for the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Send the same message again after `wait_ms`.
    Retry { wait_ms: u32 },
    /// This message failed (for this reason); go on with the next.
    Failed { reason: String },
    /// It may have gone out; stop.
    Uncertain,
    /// Nothing went out; stop.
    Stop(Stop),
}

/// The reading of a `sendMail` error.
pub fn after_failure(e: &GraphError, attempt: u32, now_ms: f64) -> Next {
    if e.answer_lost() {
        return Next::Uncertain;
    }
    match e {
        ServiceError::Auth(a) => Next::Stop(Stop::SignIn(a.clone())),
        ServiceError::Unauthorized => Next::Stop(Stop::SignIn(AuthError::InteractionRequired)),
        ServiceError::Forbidden { detail } => Next::Stop(Stop::Refused {
            detail: detail.clone(),
        }),
        _ if e.is_transient() => {
            if attempt + 1 >= MAX_ATTEMPTS {
                return Next::Stop(Stop::Throttled);
            }
            // Without a readable Retry-After: 5, 10, 20, 40 s, then a minute (the message
            // rate's window).
            let fallback = (5_000u32 << attempt.min(4)).min(60_000);
            let wait_ms = e
                .retry_after()
                .and_then(|v| parse_retry_after(v, now_ms))
                .unwrap_or(fallback);
            Next::Retry { wait_ms }
        }
        ServiceError::Service { status, code, .. } => Next::Failed {
            reason: if code.is_empty() {
                format!("HTTP {status}")
            } else {
                code.clone()
            },
        },
        ServiceError::Http(h) => Next::Failed {
            reason: h.to_string(),
        },
        other => Next::Failed {
            reason: other.to_string(),
        },
    }
}

/// Keeps each user's state as the run goes. `record` returns false when the state could not
/// be kept (the run then stops before sending).
pub trait Outbox {
    fn record(&self, entries: &[usize], delivery: Delivery) -> impl Future<Output = bool>;
}

/// Sends `messages` in order through Graph at `graph_base`, pausing and cancelling as
/// `control` says.
pub async fn send_all(
    messages: Vec<(Planned, Message)>,
    graph_base: &str,
    tokens: &impl TokenSource,
    control: &Control,
    limits: SendingLimits,
    outbox: &impl Outbox,
) -> Finish {
    let mut pacer = Pacer::new(limits);
    for (planned, message) in messages {
        let entries = planned.entries();
        let personal = matches!(planned, Planned::Personal { .. });
        if !go_on(control, pacer.wait_ms(now_ms())).await {
            return Finish::Cancelled;
        }
        if !outbox
            .record(entries, Delivery::Sending { since_ms: now_ms() })
            .await
        {
            return Finish::Stopped(Stop::Storage);
        }
        let mut attempt = 0;
        loop {
            pacer.started(now_ms());
            let sent = service::call(GraphCall::SendMail, &Resource::GraphMail, tokens, |t| {
                mail::send_mail(graph_base, t, &message)
            })
            .await;
            let error = match sent {
                Ok(_) => {
                    outbox
                        .record(
                            entries,
                            Delivery::Sent {
                                at_ms: now_ms(),
                                personal,
                            },
                        )
                        .await;
                    break;
                }
                Err(e) => e,
            };
            match after_failure(&error, attempt, now_ms()) {
                Next::Retry { wait_ms } => {
                    attempt += 1;
                    let wait = f64::from(wait_ms).max(pacer.wait_ms(now_ms()));
                    if !go_on(control, wait).await {
                        outbox.record(entries, Delivery::NotSent).await;
                        return Finish::Cancelled;
                    }
                }
                Next::Failed { reason } => {
                    outbox.record(entries, Delivery::Failed { reason }).await;
                    break;
                }
                Next::Uncertain => {
                    outbox
                        .record(entries, Delivery::Uncertain { since_ms: now_ms() })
                        .await;
                    return Finish::Stopped(Stop::AnswerLost);
                }
                Next::Stop(stop) => {
                    outbox.record(entries, Delivery::NotSent).await;
                    return Finish::Stopped(stop);
                }
            }
        }
    }
    Finish::Done
}

/// Waits `wait_ms`, and then as long as the run is paused; false once it is cancelled.
async fn go_on(control: &Control, wait_ms: f64) -> bool {
    let until = now_ms() + wait_ms;
    while (now_ms() < until || control.is_paused()) && !control.is_cancelled() {
        let left = (until - now_ms()).clamp(0.0, 200.0);
        sleep(if control.is_paused() {
            200
        } else {
            left.max(1.0) as u32
        })
        .await;
    }
    !control.is_cancelled()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::response::classify;
    use crate::http::HttpError;

    fn graph_error(status: u16, retry_after: Option<&str>, code: &str) -> GraphError {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
        classify(GraphCall::SendMail, status, retry_after, body.as_bytes())
    }

    #[test]
    fn throttling_waits_as_asked_then_gives_up() {
        assert_eq!(
            after_failure(&graph_error(429, Some("7"), "ApplicationThrottled"), 0, 0.0),
            Next::Retry { wait_ms: 7_000 }
        );
        // Retry-After hidden from the page: a growing wait.
        let waits: Vec<Next> = (0..5)
            .map(|a| after_failure(&graph_error(503, None, ""), a, 0.0))
            .collect();
        assert_eq!(
            waits,
            [5_000, 10_000, 20_000, 40_000, 60_000]
                .map(|wait_ms| Next::Retry { wait_ms })
                .to_vec()
        );
        assert_eq!(
            after_failure(&graph_error(429, Some("1"), ""), MAX_ATTEMPTS - 1, 0.0),
            Next::Stop(Stop::Throttled)
        );
    }

    #[test]
    fn a_refused_token_or_permission_stops_with_nothing_sent() {
        assert_eq!(
            after_failure(
                &graph_error(401, None, "InvalidAuthenticationToken"),
                0,
                0.0
            ),
            Next::Stop(Stop::SignIn(AuthError::InteractionRequired))
        );
        assert_eq!(
            after_failure(&graph_error(403, None, "ErrorAccessDenied"), 0, 0.0),
            Next::Stop(Stop::Refused {
                detail: "ErrorAccessDenied".into()
            })
        );
        assert_eq!(
            after_failure(&GraphError::Auth(AuthError::InteractionRequired), 0, 0.0),
            Next::Stop(Stop::SignIn(AuthError::InteractionRequired))
        );
    }

    #[test]
    fn a_refused_message_fails_alone_and_a_lost_answer_is_uncertain() {
        assert_eq!(
            after_failure(&graph_error(400, None, "ErrorInvalidRecipients"), 0, 0.0),
            Next::Failed {
                reason: "ErrorInvalidRecipients".into()
            }
        );
        assert_eq!(
            after_failure(&graph_error(500, None, ""), 0, 0.0),
            Next::Failed {
                reason: "HTTP 500".into()
            }
        );
        let lost = GraphError::Http(HttpError::Timeout {
            origin: "https://graph.microsoft.com".into(),
            seconds: 30,
        });
        assert_eq!(after_failure(&lost, 0, 0.0), Next::Uncertain);
    }
}
