//! The site itself: `POST /_api/contextinfo` (a form digest) and `GET /_api/Web`.

use serde_json::json;

use super::answer::{obj, Ctx};
use crate::wire::codec::*;
use crate::wire::Resp;

/// `POST /_api/contextinfo`
pub async fn context_info(ctx: Ctx) -> Resp {
    let digest = format!(
        "0x{},{}",
        hex(&random_bytes(32)).to_uppercase(),
        iso8601(now_ms())
    );
    ctx.entity(
        "SP.ContextWebInformation",
        &format!("{}/_api/contextinfo", ctx.site),
        obj(json!({
            "FormDigestTimeoutSeconds": 1800,
            "FormDigestValue": digest,
            "LibraryVersion": "16.0.24000.12000",
            "SiteFullUrl": ctx.site,
            "WebFullUrl": ctx.site,
        })),
    )
}

/// `GET /_api/Web`
pub async fn web(ctx: Ctx) -> Resp {
    ctx.entity(
        "SP.Web",
        &format!("{}/_api/Web", ctx.site),
        obj(json!({
            "Title": match ctx.label.as_str() {
                "contoso-my" => "Contoso My Site Host",
                "contoso-eu-my" => "Contoso My Site Host (EUR)",
                _ => "Contoso SharePoint Admin Center",
            },
            "Url": ctx.site,
            "ServerRelativeUrl": "/",
            "Language": 1033,
        })),
    )
}
