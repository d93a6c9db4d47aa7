//! Scopes and consent: the `scope` parameter parsed into OpenID scopes and per-resource
//! permissions (Graph, the My Site host, the admin host), `.default` expanded to the app
//! registration's configured permissions, what a user has (their own consent and the tenant's
//! admin consent) and still has to consent to, and which permissions only an administrator may
//! consent to. Pure over the store: no HTTP here, the endpoints turn a `ScopeError` into their
//! own kind of answer.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::state::{Inner, Shared, APP_DISPLAY_NAME, GRAPH_APP_ID};

/// The OpenID Connect scopes: no resource, no consent.
const OIDC: [&str; 4] = ["openid", "profile", "offline_access", "email"];

const GRAPH_SCOPES: &[(&str, &str)] = &[
    ("User.Read", "Sign you in and read your profile"),
    ("User.ReadWrite", "Read and update your profile"),
    ("User.ReadBasic.All", "Read all users' basic profiles"),
    ("User.Read.All", "Read all users' full profiles"),
    (
        "User.ReadWrite.All",
        "Read and write all users' full profiles",
    ),
    ("ProfilePhoto.Read.All", "Read all users' profile photos"),
    (
        "ProfilePhoto.ReadWrite.All",
        "Read and write all profile photos",
    ),
    ("GroupMember.Read.All", "Read group memberships"),
    ("Group.Read.All", "Read all groups"),
    ("Directory.Read.All", "Read directory data"),
    ("People.Read", "Read your relevant people list"),
    ("Mail.Read", "Read your mail"),
    ("Mail.Send", "Send mail as you"),
    ("Files.Read", "Read your files"),
    ("Files.ReadWrite", "Have full access to your files"),
    ("Sites.Read.All", "Read items in all site collections"),
    (
        "Sites.ReadWrite.All",
        "Edit or delete items in all site collections",
    ),
];

const SHAREPOINT_SCOPES: &[(&str, &str)] = &[
    ("AllSites.Read", "Read items in all site collections"),
    (
        "AllSites.Write",
        "Read and write items in all site collections",
    ),
    (
        "AllSites.Manage",
        "Read and write items and lists in all site collections",
    ),
    (
        "AllSites.FullControl",
        "Have full control of all site collections",
    ),
    ("MyFiles.Read", "Read your files"),
    ("MyFiles.Write", "Read and write your files"),
    ("User.Read.All", "Read user profiles"),
    ("User.ReadWrite.All", "Read and write user profiles"),
    ("Sites.Search.All", "Run search queries as a user"),
    ("TermStore.Read.All", "Read managed metadata"),
    ("TermStore.ReadWrite.All", "Read and write managed metadata"),
];

/// SharePoint permissions only an administrator may consent to, as the SharePoint API's
/// delegated permissions are marked in Entra ID ("Admin consent required: Yes"): user profiles
/// of everyone (`User.Read.All`, `User.ReadWrite.All`) and full control of all sites. Graph's
/// admin-only permissions are not modelled: the page asks Graph for `User.Read` only.
const SHAREPOINT_ADMIN_ONLY: [&str; 3] = [
    "User.Read.All",
    "User.ReadWrite.All",
    "AllSites.FullControl",
];

/// True when only an administrator may consent to `scope` of `resource`: a user sees "Need
/// admin approval" instead of the consent screen, and a token request without the admin's
/// consent is refused with AADSTS65001.
pub fn needs_admin(resource: &str, scope: &str) -> bool {
    resource != GRAPH_APP_ID && SHAREPOINT_ADMIN_ONLY.contains(&scope)
}

/// A parsed `scope` parameter.
#[derive(Debug, Default, Clone)]
pub struct Scopes {
    pub oidc: BTreeSet<String>,
    /// Resource (token audience) → scope names (may contain `.default`).
    pub resources: BTreeMap<String, BTreeSet<String>>,
}

impl Scopes {
    pub fn has(&self, s: &str) -> bool {
        self.oidc.contains(s)
    }
}

/// Why a `scope` parameter was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    /// A resource URI with no permission after it (`https://graph.microsoft.com`).
    NoPermission { scope: String },
    /// A resource URI the tenant does not know.
    UnknownResource { resource: String },
    /// A permission its resource does not define.
    UnknownPermission { scope: String },
}

impl ScopeError {
    /// The AADSTS code the identity platform answers with.
    pub fn code(&self) -> u32 {
        match self {
            ScopeError::UnknownResource { .. } => 500011,
            ScopeError::NoPermission { .. } | ScopeError::UnknownPermission { .. } => 70011,
        }
    }

    /// The message after `AADSTSnnnn: `.
    pub fn message(&self) -> String {
        match self {
            ScopeError::NoPermission { scope } => {
                format!("The scope '{scope}' does not name a permission.")
            }
            ScopeError::UnknownResource { resource } => format!(
                "The resource principal named {resource} was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
            ),
            ScopeError::UnknownPermission { scope } => format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        }
    }
}

/// As the control API prints it: `AADSTSnnnn: message` (a scope naming no permission has no code).
impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeError::NoPermission { .. } => f.write_str(&self.message()),
            _ => write!(f, "AADSTS{}: {}", self.code(), self.message()),
        }
    }
}

/// How the consent page names a resource.
pub fn resource_label(aud: &str) -> String {
    if aud == GRAPH_APP_ID {
        "Microsoft Graph".to_string()
    } else {
        format!("SharePoint ({})", aud.trim_start_matches("http://"))
    }
}

/// The SharePoint resources of the tenant (token audiences): the My Site hosts of both geos and
/// the admin host.
pub fn sharepoint_resources(shared: &Shared) -> [String; 3] {
    [
        shared.my_site(),
        shared.my_site_of(crate::state::Geo::Eur),
        shared.admin_site(),
    ]
}

/// Parses a space-separated scope list into OIDC scopes and per-resource scopes.
pub fn parse_scopes(shared: &Shared, scope: &str) -> Result<Scopes, ScopeError> {
    let mut out = Scopes::default();
    for s in scope.split_whitespace() {
        if OIDC.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.oidc.insert(s.to_ascii_lowercase());
            continue;
        }
        let (resource, name) = if let Some(idx) = s.find("://") {
            let after = &s[idx + 3..];
            let Some(slash) = after.find('/') else {
                return Err(ScopeError::NoPermission { scope: s.into() });
            };
            let res = &s[..idx + 3 + slash];
            let name = &after[slash + 1..];
            let res_l = res.to_ascii_lowercase();
            let graph_local = shared.origin("graph");
            let aud = if res_l == "https://graph.microsoft.com" || res_l == graph_local {
                GRAPH_APP_ID.to_string()
            } else if let Some(sp) = sharepoint_resources(shared)
                .iter()
                .find(|r| r.eq_ignore_ascii_case(res))
            {
                sp.clone()
            } else {
                return Err(ScopeError::UnknownResource {
                    resource: res.into(),
                });
            };
            (aud, name.to_string())
        } else if let Some(name) = s
            .strip_prefix(GRAPH_APP_ID)
            .and_then(|r| r.strip_prefix('/'))
        {
            (GRAPH_APP_ID.to_string(), name.to_string())
        } else {
            (GRAPH_APP_ID.to_string(), s.to_string())
        };
        let canonical = if name == ".default" {
            ".default".to_string()
        } else if let Some((k, _)) = known_scopes(&resource)
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&name))
        {
            k.to_string()
        } else {
            return Err(ScopeError::UnknownPermission { scope: s.into() });
        };
        out.resources.entry(resource).or_default().insert(canonical);
    }
    Ok(out)
}

/// Whether a raw `scope` parameter names `s` (case-insensitive, no parsing).
pub fn scope_has(scope: &str, s: &str) -> bool {
    scope.split_whitespace().any(|x| x.eq_ignore_ascii_case(s))
}

fn known_scopes(resource: &str) -> &'static [(&'static str, &'static str)] {
    if resource == GRAPH_APP_ID {
        GRAPH_SCOPES
    } else {
        SHAREPOINT_SCOPES
    }
}

/// What `.default` means when the registration configures nothing for the resource.
fn default_scopes(resource: &str) -> BTreeSet<String> {
    let s = if resource == GRAPH_APP_ID {
        "User.Read"
    } else {
        "AllSites.Read"
    };
    [s.to_string()].into()
}

/// The permissions the app registration configures for `resource` (what `.default` means).
fn configured_for(shared: &Shared, inner: &Inner, resource: &str) -> BTreeSet<String> {
    parse_scopes(shared, &inner.registration.api_permissions.join(" "))
        .ok()
        .and_then(|s| s.resources.get(resource).cloned())
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s != ".default")
        .collect()
}

/// `wanted` with `.default` replaced by the registration's permissions for `resource`.
pub fn expand_for(
    shared: &Shared,
    inner: &Inner,
    resource: &str,
    wanted: &BTreeSet<String>,
) -> BTreeSet<String> {
    expand_default(&configured_for(shared, inner, resource), resource, wanted)
}

/// Replaces `.default` by the configured permissions (or the resource's default when none are).
fn expand_default(
    configured: &BTreeSet<String>,
    resource: &str,
    wanted: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut w: BTreeSet<String> = wanted
        .iter()
        .filter(|s| *s != ".default")
        .cloned()
        .collect();
    if wanted.contains(".default") {
        if configured.is_empty() {
            w.extend(default_scopes(resource));
        } else {
            w.extend(configured.iter().cloned());
        }
    }
    w
}

/// What an administrator granted for the whole tenant on `resource` (the registration's
/// `admin_consented`). Consent is given to a resource application, not to a host: a grant on
/// one SharePoint host counts on every SharePoint host of the tenant.
fn admin_granted(shared: &Shared, inner: &Inner, resource: &str) -> BTreeSet<String> {
    let Ok(parsed) = parse_scopes(shared, &inner.registration.admin_consented.join(" ")) else {
        return BTreeSet::new();
    };
    let sharepoint = resource != GRAPH_APP_ID;
    parsed
        .resources
        .iter()
        .filter(|(granted_on, _)| {
            *granted_on == resource || (sharepoint && *granted_on != GRAPH_APP_ID)
        })
        .flat_map(|(granted_on, scopes)| expand_for(shared, inner, granted_on, scopes))
        .collect()
}

/// Every permission of `resource` that `upn` has without being asked: their own consent and
/// the tenant's admin consent. An access token carries all of them in `scp`.
pub fn granted(shared: &Shared, inner: &Inner, upn: &str, resource: &str) -> BTreeSet<String> {
    let mut granted = inner.tenant.consented(upn, resource);
    granted.extend(admin_granted(shared, inner, resource));
    granted
}

/// Scopes of `resource` the user still has to consent to for this request.
pub fn missing_consent(
    shared: &Shared,
    inner: &Inner,
    upn: &str,
    resource: &str,
    wanted: &BTreeSet<String>,
) -> BTreeSet<String> {
    let have = granted(shared, inner, upn, resource);
    let wanted = expand_for(shared, inner, resource, wanted);
    wanted.difference(&have).cloned().collect()
}

/// (resource, scope) pairs the consent page must ask for: every scope the request names when it
/// says `prompt=consent`, else those not consented yet.
pub fn consent_to_ask(
    shared: &Shared,
    scope: &str,
    prompt: Option<&str>,
    upn: &str,
) -> Vec<(String, String)> {
    let Ok(scopes) = parse_scopes(shared, scope) else {
        return vec![];
    };
    let inner = shared.lock();
    let mut out = vec![];
    for (res, wanted) in &scopes.resources {
        let missing = if prompt == Some("consent") {
            // Asked again, except what only an administrator gives and has given.
            let admin = admin_granted(shared, &inner, res);
            expand_for(shared, &inner, res, wanted)
                .into_iter()
                .filter(|s| !(needs_admin(res, s) && admin.contains(s)))
                .collect()
        } else {
            missing_consent(shared, &inner, upn, res, wanted)
        };
        out.extend(missing.into_iter().map(|s| (res.clone(), s)));
    }
    out
}

/// What the consent page says under a scope's title.
pub fn scope_description(resource: &str, scope: &str) -> String {
    known_scopes(resource)
        .iter()
        .find(|(k, _)| *k == scope)
        .map(|(_, d)| d.to_string())
        .unwrap_or_default()
}

/// AADSTS65001's message.
pub fn consent_message(client_id: &str) -> String {
    format!("The user or administrator has not consented to use the application with ID '{client_id}' named '{APP_DISPLAY_NAME}'. Send an interactive authorization request for this user and resource.")
}

/// Sets the tenant's admin consent from the control API (what "Grant admin consent" leaves
/// granted); scopes as in a `scope` parameter. Replaces the previous admin consent.
pub fn set_admin_consent(shared: &Shared, scopes: &[String]) -> Result<(), String> {
    parse_scopes(shared, &scopes.join(" ")).map_err(|e| e.to_string())?;
    shared.lock().registration.admin_consented = scopes.to_vec();
    Ok(())
}

/// Grants consent from the control API; scopes as in a `scope` parameter.
pub fn grant_consent(shared: &Shared, upn: &str, scopes: &[String]) -> Result<(), String> {
    let parsed = parse_scopes(shared, &scopes.join(" ")).map_err(|e| e.to_string())?;
    let mut inner = shared.lock();
    let upn = inner
        .tenant
        .user(upn)
        .map(|u| u.upn.clone())
        .ok_or_else(|| format!("no user {upn}"))?;
    for (res, s) in parsed.resources {
        let s = expand_for(shared, &inner, &res, &s);
        inner.tenant.grant(&upn, &res, s);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn bare_names_and_graph_uris_are_graph_permissions_in_their_canonical_case() {
        let shared = Shared::for_tests();
        let s = parse_scopes(
            &shared,
            "openid Profile user.read https://graph.microsoft.com/Mail.Read 00000003-0000-0000-c000-000000000000/Files.Read",
        )
        .unwrap();
        assert_eq!(s.oidc, set(&["openid", "profile"]));
        assert_eq!(s.resources.len(), 1);
        assert_eq!(
            s.resources[GRAPH_APP_ID],
            set(&["Files.Read", "Mail.Read", "User.Read"])
        );
        assert!(s.has("profile"));
        assert!(!s.has("email"));
    }

    #[test]
    fn the_local_graph_origin_is_graph_too() {
        let shared = Shared::for_tests();
        let s = parse_scopes(&shared, &format!("{}/User.Read", shared.origin("graph"))).unwrap();
        assert_eq!(s.resources[GRAPH_APP_ID], set(&["User.Read"]));
    }

    #[test]
    fn sharepoint_scopes_are_keyed_by_the_host_they_name() {
        let shared = Shared::for_tests();
        let my = shared.my_site();
        let admin = shared.admin_site();
        let s = parse_scopes(
            &shared,
            &format!(
                "{}/allsites.write {admin}/.default offline_access",
                my.to_uppercase()
            ),
        )
        .unwrap();
        assert_eq!(s.resources[&my], set(&["AllSites.Write"]));
        assert_eq!(s.resources[&admin], set(&[".default"]));
        assert_eq!(s.oidc, set(&["offline_access"]));
    }

    #[test]
    fn an_unknown_resource_is_aadsts500011() {
        let shared = Shared::for_tests();
        let e = parse_scopes(&shared, "https://fabrikam.sharepoint.com/AllSites.Read").unwrap_err();
        assert_eq!(
            e,
            ScopeError::UnknownResource {
                resource: "https://fabrikam.sharepoint.com".into()
            }
        );
        assert_eq!(e.code(), 500011);
        assert!(e
            .to_string()
            .starts_with("AADSTS500011: The resource principal named https://fabrikam.sharepoint.com was not found"));
    }

    #[test]
    fn an_unknown_permission_is_aadsts70011_naming_the_scope() {
        let shared = Shared::for_tests();
        let e = parse_scopes(&shared, "User.Read Photo.Steal").unwrap_err();
        assert_eq!(e.code(), 70011);
        assert!(e.message().ends_with("The scope Photo.Steal is not valid."));
        assert!(e
            .to_string()
            .starts_with("AADSTS70011: The provided request"));
        // A Graph name is not a SharePoint permission.
        let e = parse_scopes(&shared, &format!("{}/Mail.Read", shared.my_site())).unwrap_err();
        assert_eq!(e.code(), 70011);
    }

    #[test]
    fn a_resource_without_a_permission_is_refused_without_a_code_prefix() {
        let shared = Shared::for_tests();
        let e = parse_scopes(&shared, "https://graph.microsoft.com").unwrap_err();
        assert_eq!(e.code(), 70011);
        assert_eq!(
            e.to_string(),
            "The scope 'https://graph.microsoft.com' does not name a permission."
        );
    }

    #[test]
    fn default_expands_to_the_configured_permissions_or_the_resource_default() {
        let configured = set(&["User.Read", "ProfilePhoto.Read.All"]);
        assert_eq!(
            expand_default(&configured, GRAPH_APP_ID, &set(&[".default", "Mail.Read"])),
            set(&["Mail.Read", "ProfilePhoto.Read.All", "User.Read"])
        );
        assert_eq!(
            expand_default(&BTreeSet::new(), GRAPH_APP_ID, &set(&[".default"])),
            set(&["User.Read"])
        );
        assert_eq!(
            expand_default(
                &BTreeSet::new(),
                "http://contoso-my.localhost:1",
                &set(&[".default"])
            ),
            set(&["AllSites.Read"])
        );
        assert_eq!(
            expand_default(&configured, GRAPH_APP_ID, &set(&["Mail.Read"])),
            set(&["Mail.Read"])
        );
    }

    #[test]
    fn consent_asks_only_for_what_is_missing_unless_prompt_is_consent() {
        let shared = Shared::for_tests();
        let upn = shared.lock().tenant.users[0].upn.clone();
        grant_consent(&shared, &upn, &["User.Read".into()]).unwrap();
        let ask = consent_to_ask(&shared, "openid User.Read Mail.Read", None, &upn);
        assert_eq!(
            ask,
            vec![(GRAPH_APP_ID.to_string(), "Mail.Read".to_string())]
        );
        let ask = consent_to_ask(&shared, "openid User.Read Mail.Read", Some("consent"), &upn);
        assert_eq!(ask.len(), 2, "{ask:?}");
        grant_consent(&shared, &upn, &["Mail.Read".into()]).unwrap();
        assert!(consent_to_ask(&shared, "User.Read Mail.Read", None, &upn).is_empty());
    }

    #[test]
    fn sharepoint_profile_permissions_and_full_control_need_an_administrator() {
        let shared = Shared::for_tests();
        let my = shared.my_site();
        for admin_only in [
            "User.Read.All",
            "User.ReadWrite.All",
            "AllSites.FullControl",
        ] {
            assert!(needs_admin(&my, admin_only), "{admin_only}");
        }
        for anyone in ["AllSites.Read", "AllSites.Write", "MyFiles.Write"] {
            assert!(!needs_admin(&my, anyone), "{anyone}");
        }
        assert!(!needs_admin(GRAPH_APP_ID, "User.Read"));
    }

    #[test]
    fn admin_consent_counts_for_every_user_and_every_sharepoint_host() {
        let shared = Shared::for_tests();
        let (my, admin) = (shared.my_site(), shared.admin_site());
        let upn = shared.lock().tenant.users[0].upn.clone();
        // The seeded registration: admin consent for the page's SharePoint permissions.
        {
            let inner = shared.lock();
            assert_eq!(
                granted(&shared, &inner, &upn, &my),
                set(&["AllSites.Read", "User.ReadWrite.All"])
            );
            assert_eq!(
                granted(&shared, &inner, &upn, &admin),
                set(&["AllSites.Read", "User.ReadWrite.All"]),
                "consent is for SharePoint, not for one host"
            );
            assert!(granted(&shared, &inner, &upn, GRAPH_APP_ID).is_empty());
            assert!(missing_consent(
                &shared,
                &inner,
                &upn,
                &my,
                &set(&["User.ReadWrite.All", "AllSites.Read"])
            )
            .is_empty());
        }
        // Nothing asked on the consent screen for what the admin granted.
        let scope = format!("openid {my}/User.ReadWrite.All {my}/AllSites.Read");
        assert!(consent_to_ask(&shared, &scope, None, &upn).is_empty());
        assert!(consent_to_ask(&shared, &scope, Some("consent"), &upn)
            .iter()
            .all(|(_, s)| s == "AllSites.Read"));
        // Taken away: the profile permission is missing again.
        set_admin_consent(&shared, &[format!("{my}/AllSites.Read")]).unwrap();
        let inner = shared.lock();
        assert_eq!(
            missing_consent(&shared, &inner, &upn, &my, &set(&["User.ReadWrite.All"])),
            set(&["User.ReadWrite.All"])
        );
        drop(inner);
        let e = set_admin_consent(&shared, &["Nope.Read".into()]).unwrap_err();
        assert!(e.starts_with("AADSTS70011: "), "{e}");
    }

    #[test]
    fn consent_from_the_control_api_refuses_unknown_users_and_scopes() {
        let shared = Shared::for_tests();
        assert_eq!(
            grant_consent(
                &shared,
                "nobody@contoso.onmicrosoft.com",
                &["User.Read".into()]
            ),
            Err("no user nobody@contoso.onmicrosoft.com".into())
        );
        let upn = shared.lock().tenant.users[0].upn.clone();
        let e = grant_consent(&shared, &upn, &["Nope.Read".into()]).unwrap_err();
        assert!(e.starts_with("AADSTS70011: "), "{e}");
    }

    #[test]
    fn scope_has_matches_whole_names_only() {
        assert!(scope_has("openid OFFLINE_ACCESS", "offline_access"));
        assert!(!scope_has("offline_access_x", "offline_access"));
    }
}
