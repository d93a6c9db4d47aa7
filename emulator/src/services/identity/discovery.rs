//! Discovery: the OpenID configuration per tenant, the signing keys (JWKS) and MSAL's instance
//! discovery.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use super::tenant::{Tenant, TenantKind};
use crate::state::{Shared, TENANT_ID};
use crate::wire::{self, Resp};

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`
pub async fn openid_configuration(State(shared): State<Arc<Shared>>, tenant: Tenant) -> Resp {
    let login = shared.origin("login");
    let issuer_tid = if tenant.kind == TenantKind::Multi {
        "{tenantid}"
    } else {
        TENANT_ID
    };
    let t = tenant.segment;
    let doc = json!({
        "token_endpoint": format!("{login}/{t}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{login}/{t}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{login}/{issuer_tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{}/oidc/userinfo", shared.origin("graph")),
        "authorization_endpoint": format!("{login}/{t}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{login}/{t}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{login}/{t}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{login}/{t}/kerberos"),
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": format!("graph.localhost:{}", shared.port),
        "rbac_url": "https://pas.windows.net",
    });
    let mut r = wire::json(StatusCode::OK, &doc);
    // As Entra ID answers it: a day in the browser's cache (not documented; seen in the
    // responses recorded in Azure/azure-sdk-for-python#18884).
    wire::set_header(&mut r, "cache-control", DISCOVERY_CACHE_CONTROL);
    r
}

/// The discovery document's `Cache-Control`.
pub const DISCOVERY_CACHE_CONTROL: &str = "max-age=86400, private";

/// `GET /{tenant}/discovery/v2.0/keys` (and `/discovery/keys`)
pub async fn keys(State(shared): State<Arc<Shared>>, _tenant: Tenant) -> Resp {
    wire::json(StatusCode::OK, &shared.keys.jwks(&shared.issuer()))
}

/// `/common/discovery/instance`, any method.
pub async fn instance_discovery(State(shared): State<Arc<Shared>>) -> Resp {
    let host = format!("login.localhost:{}", shared.port);
    wire::json(
        StatusCode::OK,
        &json!({
            "tenant_discovery_endpoint": format!("http://{host}/common/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }),
    )
}
