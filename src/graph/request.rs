//! Graph request building. Pure.

use crate::http::HttpRequest;

/// The properties of `/me` the sync reads.
pub const ME_SELECT: &str = "id,displayName,userPrincipalName,mySite";

/// `GET {base}/me?$select=id,displayName,userPrincipalName,mySite`.
pub fn me(base_url: &str, token: &str) -> HttpRequest {
    authorized(format!("{}/me?$select={ME_SELECT}", trim(base_url)), token)
        .header("Accept", "application/json")
}

fn authorized(url: String, token: &str) -> HttpRequest {
    HttpRequest::get(url).header("Authorization", format!("Bearer {token}"))
}

fn trim(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn me_selects_only_what_the_sync_needs() {
        let r = me("https://graph.microsoft.com/v1.0", "T");
        assert_eq!(
            r.url,
            "https://graph.microsoft.com/v1.0/me?$select=id,displayName,userPrincipalName,mySite"
        );
        assert_eq!(r.method, gloo_net::http::Method::GET);
        assert!(r
            .headers
            .contains(&("Authorization".into(), "Bearer T".into())));
        assert!(r.body.is_none());
    }

    #[test]
    fn a_trailing_slash_is_tolerated() {
        assert_eq!(
            me("http://graph.localhost:8080/v1.0/", "T").url,
            format!("http://graph.localhost:8080/v1.0/me?$select={ME_SELECT}")
        );
    }
}
