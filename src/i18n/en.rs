//! English.

use super::Catalogue;

pub static EN: Catalogue = Catalogue {
    product_name: "Profile Photo Sync",
    tagline: "Your photo, the same everywhere in Microsoft 365",
    language_label: "Language",
    loading: "Loading…",
    skip_to_content: "Skip to content",
    config_problem_title: "This page is not set up yet",
    config_problem_help: "Whoever deployed this page needs to fix its config.json. The README's deployment guide shows every setting.",
    config_missing: |status| format!("config.json was not found next to the page (HTTP {status}). Copy config.json into the same folder as index.html."),
    config_unreachable: |reason| format!("config.json could not be loaded: {reason}. Check that the page's host serves it."),
    config_bad_json: |line, column, message| format!("config.json is not valid JSON (line {line}, column {column}): {message}."),
    config_missing_field: |field, hint| format!("config.json has no \"{field}\". Add it: {hint}"),
    config_bad_client_id: |value| format!("\"clientId\" in config.json is \"{value}\", which is not an application (client) ID. Copy the GUID from the app registration's Overview page in Entra ID."),
    config_bad_url: |field, value, reason| format!("\"{field}\" in config.json is \"{value}\", which is not a valid URL ({reason})."),
    config_not_https: |field, value| format!("\"{field}\" in config.json is \"{value}\": it must use https:// (only localhost may use http://)."),
    config_not_an_origin: |field, value| format!("\"{field}\" in config.json is \"{value}\": give the origin only (scheme and host), with no path."),
    config_bad_cache_location: |value| format!("\"cacheLocation\" in config.json is \"{value}\": use \"sessionStorage\" or \"memory\"."),
    hint_client_id: "the application (client) ID of the app registration in Entra ID.",
    hint_authority: "https://login.microsoftonline.com/<your tenant>.onmicrosoft.com",
    landing_title: "Make SharePoint show your current photo",
    landing_intro: "Outlook and Teams show the photo you set, but SharePoint and OneDrive keep an old copy. This page copies your photo to SharePoint in one click, and checks that it worked.",
    landing_steps: [
        "Sign in with your work account.",
        "Compare your Outlook photo with the one SharePoint shows.",
        "Sync: SharePoint gets your current photo.",
    ],
    sign_in: "Sign in",
    not_found_title: "Page not found",
    not_found_body: "There is nothing at this address.",
    go_home: "Go to the start page",
};
