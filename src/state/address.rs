//! What the page's address asks for beyond the view: a help-article link's `autostart=1`
//! (sign in and sync without a click), and forgetting it once done, so that a reload does not
//! sync again by itself. Reading is pure ([`asks_autostart`]); the address goes through
//! [`crate::auth::navigation`].

use crate::auth::navigation as nav;

/// True when the address asks to start without a click (`?autostart=1`).
pub fn autostart_requested() -> bool {
    asks_autostart(&nav::query())
}

/// True when `query` (`?a=b&…`) holds `autostart=1` or `autostart=true`.
pub fn asks_autostart(query: &str) -> bool {
    url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .any(|(k, v)| k == "autostart" && (v == "1" || v == "true"))
}

/// The value of `name` in the page's query, trimmed, when it is there and not empty.
pub fn query_param(name: &str) -> Option<String> {
    url::form_urlencoded::parse(nav::query().trim_start_matches('?').as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Removes `autostart` from the address, so a reload does not sync again by itself.
pub fn forget_autostart() {
    let path = nav::pathname();
    nav::replace_address(&without_autostart(&path, &nav::query()));
}

/// `path` with `query` minus its `autostart` parameters.
fn without_autostart(path: &str, query: &str) -> String {
    let kept: Vec<(String, String)> =
        url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
            .into_owned()
            .filter(|(k, _)| k != "autostart")
            .collect();
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    serializer.extend_pairs(kept);
    let query = serializer.finish();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autostart_is_asked_by_one_or_true_only() {
        assert!(asks_autostart("?autostart=1"));
        assert!(asks_autostart("?login_hint=a%40b.c&autostart=true"));
        assert!(!asks_autostart("?autostart=0"));
        assert!(!asks_autostart("?autostarts=1"));
        assert!(!asks_autostart(""));
    }

    #[test]
    fn forgetting_autostart_keeps_the_rest_of_the_link() {
        assert_eq!(
            without_autostart("/photo/", "?login_hint=a%40b.c&autostart=1"),
            "/photo/?login_hint=a%40b.c"
        );
        assert_eq!(without_autostart("/", "?autostart=1"), "/");
    }
}
