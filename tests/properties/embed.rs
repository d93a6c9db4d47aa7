//! `embed`: which origin the widget's events go to, whether the address asks for the widget,
//! and the full-page address it falls back to.

use proptest::prelude::*;

use profile_photo_sync::embed::{embed_requested, full_page_url, target_origin};

use crate::strategies::{decode, encode, params, url_like};

fn origin(url: &str) -> Option<String> {
    profile_photo_sync::http::origin(url)
}

/// `embedOrigins` as a deployment lists them: the intranet's, loopback ones, and odd ones.
fn allowed() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(vec![
                "https://intranet.contoso.com",
                "https://INTRANET.contoso.com:443",
                "http://intranet.localhost:8080",
                "null",
                "*",
                "",
            ])
            .prop_map(str::to_owned),
            url_like(),
        ],
        0..4,
    )
}

/// What the browser reports of the parent: an allowed origin, a page on it, or anything.
fn parent(allowed: Vec<String>) -> impl Strategy<Value = Option<String>> {
    let listed = if allowed.is_empty() {
        Just(String::new()).boxed()
    } else {
        prop::sample::select(allowed).boxed()
    };
    prop::option::of(prop_oneof![
        listed.clone(),
        (listed, "(/[a-z]{1,6}){0,3}").prop_map(|(o, p)| format!("{o}{p}")),
        url_like(),
    ])
}

fn with_parents() -> impl Strategy<Value = (Vec<String>, Option<String>, Option<String>)> {
    allowed().prop_flat_map(|allowed| {
        let a = parent(allowed.clone());
        let r = parent(allowed.clone());
        (Just(allowed), a, r)
    })
}

proptest! {
    #![proptest_config(crate::strategies::runner())]

    #[test]
    fn target_origin_never_panics(
        allowed in prop::collection::vec(any::<String>(), 0..4),
        ancestor in prop::option::of(any::<String>()),
        referrer in prop::option::of(any::<String>()),
    ) {
        let _ = target_origin(&allowed, ancestor.as_deref(), referrer.as_deref());
    }

    /// Events go to the parent's exact origin, only when `embedOrigins` lists it; the
    /// ancestor origin, when the browser gives one, decides alone (a referrer cannot widen it).
    #[test]
    fn events_go_only_to_a_listed_parent((allowed, ancestor, referrer) in with_parents()) {
        let target = target_origin(&allowed, ancestor.as_deref(), referrer.as_deref());
        let ancestor = ancestor.filter(|a| !a.trim().is_empty());
        let parent = match &ancestor {
            Some(a) => origin(a.trim()),
            None => referrer.as_deref().map(str::trim).and_then(origin),
        };
        let listed = parent
            .as_ref()
            .is_some_and(|p| allowed.iter().any(|a| origin(a).as_ref() == Some(p)));
        if listed {
            prop_assert_eq!(target, parent);
        } else {
            prop_assert_eq!(target, None);
        }
    }

    /// Nothing listed, nobody told.
    #[test]
    fn an_empty_list_tells_nobody(
        ancestor in prop::option::of(url_like()),
        referrer in prop::option::of(url_like()),
    ) {
        prop_assert_eq!(target_origin(&[], ancestor.as_deref(), referrer.as_deref()), None);
    }

    #[test]
    fn embed_requested_never_panics(query in any::<String>()) {
        let _ = embed_requested(&query);
    }

    /// The widget is asked for by `embed=1` or `embed=true` anywhere in the query, only.
    #[test]
    fn embed_is_requested_only_by_its_parameter(params in params(), leading in any::<bool>()) {
        let query = encode(&params);
        let query = if leading { format!("?{query}") } else { query };
        let expected = params.iter().any(|(k, v)| k == "embed" && (v == "1" || v == "true"));
        prop_assert_eq!(embed_requested(&query), expected);
    }

    /// The fallback page is the page itself, with the sign-in hints from the address (in
    /// order) and `autostart=1`, and nothing else.
    #[test]
    fn the_full_page_keeps_only_the_hints(
        page in prop::sample::select(vec!["https://intranet.contoso.com/photo/", "http://app.localhost:8080/", "/"]),
        params in params(),
        leading in any::<bool>(),
    ) {
        let query = encode(&params);
        let query = if leading { format!("?{query}") } else { query };
        let url = full_page_url(page, &query);
        let rest = url.strip_prefix(page).and_then(|r| r.strip_prefix('?'));
        prop_assert!(rest.is_some(), "{url}");
        let mut expected: Vec<(String, String)> = params
            .into_iter()
            .filter(|(k, _)| k == "login_hint" || k == "domain_hint")
            .collect();
        expected.push(("autostart".to_owned(), "1".to_owned()));
        prop_assert_eq!(decode(rest.unwrap()), expected);
    }
}
