//! Injected faults: rules from the control API, matched against each request.

use axum::http::StatusCode;
use serde_json::json;

use crate::model::{FaultKind, FaultRule};
use crate::state::Shared;
use crate::wire::odata::{self, Fmt};
use crate::wire::{self, Req, Resp};

pub enum Action {
    /// Answer this instead of the service.
    Respond { delay_ms: u64, resp: Box<Resp> },
    /// Close the connection.
    Drop { delay_ms: u64 },
    /// Answer normally after `delay_ms`, trickling the body over `body_ms`.
    Slow { delay_ms: u64, body_ms: u64 },
    /// Run the service after `delay_ms`, then close the connection instead of answering.
    DropAfterHandling { delay_ms: u64 },
}

fn host_matches(rule: &FaultRule, label: &str, host: &str) -> bool {
    match rule.host.as_deref() {
        None => true,
        Some(h) => {
            let h = h.to_ascii_lowercase();
            let h = h.split(':').next().unwrap_or("");
            h == label || h == host
        }
    }
}

/// Whether `rule` matches a request (without counting it).
pub fn matches(
    rule: &FaultRule,
    label: &str,
    host: &str,
    method: &str,
    path_and_query: &str,
) -> bool {
    if !host_matches(rule, label, host) {
        return false;
    }
    match rule.method.as_deref() {
        Some(m) if !m.eq_ignore_ascii_case(method) => return false,
        None if method == "OPTIONS" => return false,
        _ => {}
    }
    if let Some(p) = rule.path_contains.as_deref() {
        let decoded = crate::wire::codec::percent_decode(path_and_query);
        if !path_and_query.contains(p) && !decoded.contains(p) {
            return false;
        }
    }
    true
}

/// Counts the request against every rule that matches and returns the first one that fires.
pub fn fire(
    shared: &Shared,
    label: &str,
    host: &str,
    method: &str,
    path_and_query: &str,
    status_only: bool,
) -> Option<FaultRule> {
    let mut inner = shared.lock();
    let inner = &mut *inner;
    for f in inner.faults.iter_mut() {
        if !matches(&f.rule, label, host, method, path_and_query)
            || (status_only && f.rule.kind != FaultKind::Status)
        {
            continue;
        }
        f.matched += 1;
        if f.matched <= f.rule.skip {
            continue;
        }
        if f.rule.times.is_some_and(|t| f.fired >= t) {
            continue;
        }
        if let Some(fr) = f.rule.fraction {
            if inner.rng.next_f64() >= fr {
                continue;
            }
        }
        f.fired += 1;
        return Some(f.rule.clone());
    }
    None
}

pub fn check(shared: &Shared, req: &Req) -> Option<Action> {
    let pq = req.path_and_query();
    let rule = fire(
        shared,
        &req.label,
        &req.host,
        req.method.as_str(),
        &pq,
        false,
    )?;
    let delay_ms = rule.latency_ms.unwrap_or(0);
    Some(match rule.kind {
        FaultKind::Status => Action::Respond {
            delay_ms,
            resp: Box::new(error_response(
                &req.label,
                rule.status,
                rule.retry_after_secs,
            )),
        },
        FaultKind::DropConnection => Action::Drop { delay_ms },
        FaultKind::SlowBody { ms } => Action::Slow {
            delay_ms,
            body_ms: ms,
        },
        FaultKind::Delay => Action::Slow {
            delay_ms,
            body_ms: 0,
        },
        FaultKind::Redirect { location } => {
            let resp = wire::redirect(&location);
            Action::Respond {
                delay_ms,
                resp: Box::new(resp),
            }
        }
        FaultKind::Body { content_type, body } => {
            let status = StatusCode::from_u16(rule.status).unwrap_or(StatusCode::OK);
            let mut resp = wire::with_type(status, &content_type, body);
            if let Some(s) = rule.retry_after_secs {
                wire::set_header(&mut resp, "retry-after", &s.to_string());
            }
            Action::Respond {
                delay_ms,
                resp: Box::new(resp),
            }
        }
        FaultKind::DropAfterHandling => Action::DropAfterHandling { delay_ms },
    })
}

/// What a rule does to one request inside a Graph `$batch`, in the way Graph would answer it.
/// Known (JSON batching, <https://learn.microsoft.com/graph/json-batching>): each request is
/// answered inside the batch's one answer with its own status, headers and body. Assumed, as
/// the documentation says nothing of it: a request whose answer is late makes the whole batch's
/// answer late (it is sent once every request is answered), and what happens on the wire — a
/// slow body, a connection closed — happens to the batch's one answer, so to every request in
/// it.
pub struct ItemFault {
    /// Wait before the request runs (the rule's `latency_ms`): `Delay` holds the batch's answer.
    pub delay_ms: u64,
    /// The request's answer instead of the service's (`Status`, `Body`, `Redirect`).
    pub answer: Option<Resp>,
    /// The service handles the request (its effects happen).
    pub runs: bool,
    /// The batch's answer trickles out over this long (`SlowBody`).
    pub slow_body_ms: Option<u64>,
    /// The batch's connection is closed instead of answered (`DropConnection`,
    /// `DropAfterHandling`).
    pub drops_batch: bool,
    /// What the log says of the request.
    pub injected: &'static str,
}

/// What `rule` does to a `$batch` request to Graph ([`ItemFault`]).
pub fn batch_item(rule: &FaultRule) -> ItemFault {
    let mut fault = ItemFault {
        delay_ms: rule.latency_ms.unwrap_or(0),
        answer: None,
        runs: true,
        slow_body_ms: None,
        drops_batch: false,
        injected: "fault",
    };
    match &rule.kind {
        FaultKind::Status => {
            fault.answer = Some(error_response("graph", rule.status, rule.retry_after_secs));
        }
        FaultKind::Body { content_type, body } => {
            let status = StatusCode::from_u16(rule.status).unwrap_or(StatusCode::OK);
            let mut resp = wire::with_type(status, content_type, body.clone());
            if let Some(s) = rule.retry_after_secs {
                wire::set_header(&mut resp, "retry-after", &s.to_string());
            }
            fault.answer = Some(resp);
        }
        FaultKind::Redirect { location } => fault.answer = Some(wire::redirect(location)),
        FaultKind::Delay => fault.injected = "delay",
        FaultKind::SlowBody { ms } => {
            fault.slow_body_ms = Some(*ms);
            fault.injected = "slow";
        }
        FaultKind::DropConnection => {
            fault.runs = false;
            fault.drops_batch = true;
            fault.injected = "dropped";
        }
        FaultKind::DropAfterHandling => {
            fault.drops_batch = true;
            fault.injected = "dropped";
        }
    }
    fault
}

/// An error answer in the shape of the service behind `label`.
pub fn error_response(label: &str, status: u16, retry_after: Option<u64>) -> Resp {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let (gcode, msg) = match status {
        429 => ("TooManyRequests", "Too many requests."),
        500 => ("InternalServerError", "An internal server error occurred."),
        502 => ("BadGateway", "Bad gateway."),
        503 => (
            "ServiceNotAvailable",
            "The service is temporarily unavailable.",
        ),
        504 => ("GatewayTimeout", "The gateway timed out."),
        401 => (
            "InvalidAuthenticationToken",
            "Access token validation failure.",
        ),
        403 => (
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ),
        404 => ("ResourceNotFound", "Resource not found."),
        _ => ("generalException", "An error occurred."),
    };
    let mut r = match label {
        "graph" => crate::wire::graph::error(code, gcode, msg),
        "contoso-my" | "contoso-eu-my" | "contoso-admin" => {
            let sp_code = if status == 429 {
                "-2147024860, Microsoft.SharePoint.SPQueryThrottledException"
            } else {
                "-1, Microsoft.SharePoint.Client.ServerException"
            };
            odata::error(Fmt::NoMeta, code, sp_code, msg)
        }
        "login" => wire::json(
            code,
            &json!({
                "error": "temporarily_unavailable",
                "error_description": format!("AADSTS50196: {msg}"),
                "error_codes": [50196],
            }),
        ),
        _ => wire::text(code, msg),
    };
    if let Some(s) = retry_after {
        wire::set_header(&mut r, "retry-after", &s.to_string());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::FaultState;

    fn rule(f: impl FnOnce(&mut FaultRule)) -> FaultRule {
        let mut r = FaultRule::default();
        f(&mut r);
        r
    }

    #[test]
    fn every_set_field_must_match() {
        let any = FaultRule::default();
        assert!(matches(&any, "graph", "graph.localhost", "GET", "/v1.0/me"));
        assert!(
            !matches(&any, "graph", "graph.localhost", "OPTIONS", "/v1.0/me"),
            "preflights only when named"
        );
        let graph = rule(|r| r.host = Some("Graph".into()));
        assert!(matches(&graph, "graph", "graph.localhost", "GET", "/"));
        assert!(!matches(&graph, "login", "login.localhost", "GET", "/"));
        let full = rule(|r| r.host = Some("contoso-my.localhost:8080".into()));
        assert!(matches(
            &full,
            "contoso-my",
            "contoso-my.localhost",
            "GET",
            "/"
        ));
        let post = rule(|r| r.method = Some("post".into()));
        assert!(matches(&post, "graph", "graph.localhost", "POST", "/"));
        assert!(!matches(&post, "graph", "graph.localhost", "GET", "/"));
        let options = rule(|r| r.method = Some("OPTIONS".into()));
        assert!(matches(
            &options,
            "graph",
            "graph.localhost",
            "OPTIONS",
            "/"
        ));
        let path = rule(|r| r.path_contains = Some("/User Photos/".into()));
        assert!(
            matches(&path, "contoso-my", "h", "GET", "/User%20Photos/x.jpg"),
            "the decoded path counts too"
        );
        assert!(!matches(&path, "contoso-my", "h", "GET", "/_api/web"));
    }

    fn fired(shared: &Shared, n: usize) -> Vec<bool> {
        (0..n)
            .map(|_| fire(shared, "graph", "graph.localhost", "GET", "/v1.0/me", false).is_some())
            .collect()
    }

    fn with_rules(rules: Vec<FaultRule>) -> std::sync::Arc<Shared> {
        let shared = Shared::for_tests();
        shared.lock().faults = rules
            .into_iter()
            .map(|rule| FaultState {
                rule,
                matched: 0,
                fired: 0,
            })
            .collect();
        shared
    }

    #[test]
    fn the_second_geos_host_is_matched_by_its_label_and_answered_in_sharepoints_shape() {
        let eu = rule(|r| r.host = Some("contoso-eu-my".into()));
        assert!(matches(
            &eu,
            "contoso-eu-my",
            "contoso-eu-my.localhost",
            "GET",
            "/_api/web"
        ));
        assert!(!matches(
            &eu,
            "contoso-my",
            "contoso-my.localhost",
            "GET",
            "/_api/web"
        ));
        let my = rule(|r| r.host = Some("contoso-my".into()));
        assert!(!matches(
            &my,
            "contoso-eu-my",
            "contoso-eu-my.localhost",
            "GET",
            "/"
        ));
        let r = error_response("contoso-eu-my", 503, Some(5));
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "5");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
    }

    #[test]
    fn skip_then_times() {
        let shared = with_rules(vec![rule(|r| {
            r.skip = 2;
            r.times = Some(1);
        })]);
        assert_eq!(fired(&shared, 5), [false, false, true, false, false]);
        let f = &shared.lock().faults[0];
        assert_eq!((f.matched, f.fired), (5, 1));
    }

    #[test]
    fn fractions_are_deterministic_and_bounded() {
        let never = with_rules(vec![rule(|r| r.fraction = Some(0.0))]);
        assert!(fired(&never, 50).iter().all(|f| !f));
        let always = with_rules(vec![rule(|r| r.fraction = Some(1.0))]);
        assert!(fired(&always, 50).iter().all(|f| *f));
        let half = || with_rules(vec![rule(|r| r.fraction = Some(0.5))]);
        let (a, b) = (fired(&half(), 200), fired(&half(), 200));
        assert_eq!(a, b, "same seed, same sequence");
        let n = a.iter().filter(|f| **f).count();
        assert!((60..=140).contains(&n), "{n} of 200");
    }

    #[test]
    fn first_firing_rule_wins_and_status_only_skips_other_kinds() {
        let shared = with_rules(vec![
            rule(|r| {
                r.kind = FaultKind::DropConnection;
                r.times = Some(1);
            }),
            rule(|r| r.status = 429),
        ]);
        let first = fire(&shared, "graph", "graph.localhost", "GET", "/", false).unwrap();
        assert_eq!(first.kind, FaultKind::DropConnection);
        let second = fire(&shared, "graph", "graph.localhost", "GET", "/", false).unwrap();
        assert_eq!(second.status, 429);
        let shared = with_rules(vec![rule(|r| r.kind = FaultKind::DropAfterHandling)]);
        assert!(
            fire(&shared, "graph", "graph.localhost", "GET", "/", true).is_none(),
            "status_only skips the other kinds"
        );
    }

    #[test]
    fn batch_items_take_every_kind_in_the_way_the_batch_answers() {
        let status = batch_item(&rule(|r| {
            r.status = 429;
            r.retry_after_secs = Some(3);
            r.latency_ms = Some(5);
        }));
        let answer = status.answer.expect("answered instead of the service");
        assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(answer.headers()["retry-after"], "3");
        assert_eq!((status.delay_ms, status.injected), (5, "fault"));
        assert!(!status.drops_batch && status.slow_body_ms.is_none());

        let body = batch_item(&rule(|r| {
            r.status = 200;
            r.kind = FaultKind::Body {
                content_type: "image/jpeg".into(),
                body: "truncated".into(),
            };
        }));
        let answer = body.answer.expect("the rule's body");
        assert_eq!(answer.headers()["content-type"], "image/jpeg");

        let redirect = batch_item(&rule(|r| {
            r.kind = FaultKind::Redirect {
                location: "http://evil.localhost/x".into(),
            }
        }));
        assert_eq!(
            redirect.answer.unwrap().headers()["location"],
            "http://evil.localhost/x"
        );

        let slow = batch_item(&rule(|r| r.kind = FaultKind::SlowBody { ms: 400 }));
        assert!(slow.answer.is_none() && slow.runs);
        assert_eq!((slow.slow_body_ms, slow.injected), (Some(400), "slow"));

        let held = batch_item(&rule(|r| {
            r.kind = FaultKind::Delay;
            r.latency_ms = Some(900);
        }));
        assert!(held.answer.is_none() && held.runs && !held.drops_batch);
        assert_eq!((held.delay_ms, held.injected), (900, "delay"));

        let dropped = batch_item(&rule(|r| r.kind = FaultKind::DropConnection));
        assert!(!dropped.runs && dropped.drops_batch);
        let after = batch_item(&rule(|r| r.kind = FaultKind::DropAfterHandling));
        assert!(after.runs && after.drops_batch);
        assert_eq!(after.injected, "dropped");
    }
}
