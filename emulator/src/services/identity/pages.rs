//! The identity platform's own HTML pages: account picker, consent, errors, signed out.
//! Plain forms, no script, so they work in any browser (and headless Chromium).

use crate::wire::codec::html_escape as esc;

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;min-height:100vh;font-family:"Segoe UI","Segoe UI Web",-apple-system,BlinkMacSystemFont,Roboto,"Helvetica Neue",Arial,sans-serif;
background:linear-gradient(135deg,#e8eef7 0%,#f3f2f1 60%,#ece6f3 100%);color:#1b1b1b;display:flex}
main{background:#fff;width:100%;max-width:440px;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2);margin:auto}
.brand{display:flex;align-items:center;gap:8px;font-weight:600;color:#5e5e5e;font-size:15px;margin-bottom:16px}
.logo{display:grid;grid-template-columns:10px 10px;gap:2px}.logo i{width:10px;height:10px;display:block}
.logo i:nth-child(1){background:#f25022}.logo i:nth-child(2){background:#7fba00}.logo i:nth-child(3){background:#00a4ef}.logo i:nth-child(4){background:#ffb900}
h1{font-size:24px;font-weight:600;margin:0 0 12px}
p{font-size:15px;line-height:1.45;margin:0 0 12px}
.muted{color:#605e5c;font-size:13px}
.accounts{list-style:none;margin:12px -44px;padding:0}
.accounts button{all:unset;box-sizing:border-box;cursor:pointer;display:flex;align-items:center;gap:12px;width:100%;padding:10px 44px}
.accounts button:hover,.accounts button:focus{background:#f2f2f2;outline:none}
.accounts button:focus-visible{outline:2px solid #0067b8;outline-offset:-2px}
.accounts li.hinted button{background:#eef5fc}
.avatar{width:40px;height:40px;border-radius:50%;display:flex;align-items:center;justify-content:center;color:#fff;font-weight:600;font-size:15px;flex:none}
.who{display:flex;flex-direction:column;min-width:0}.who b{font-weight:600;font-size:15px}.who span{font-size:13px;color:#605e5c;overflow:hidden;text-overflow:ellipsis}
.tag{font-size:12px;color:#107c10}
.actions{display:flex;justify-content:flex-end;gap:8px;margin-top:24px}
.btn{font:inherit;font-size:15px;min-width:108px;padding:6px 12px;border:1px solid #8a8886;background:#fff;color:#1b1b1b;cursor:pointer}
.btn.primary{background:#0067b8;border-color:#0067b8;color:#fff}
.btn:focus-visible{outline:2px solid #000;outline-offset:2px}
ul.scopes{padding-left:20px;margin:8px 0 16px}ul.scopes li{margin:6px 0;font-size:15px}ul.scopes small{display:block;color:#605e5c;font-size:13px}
.code{font-family:Consolas,monospace;font-size:13px;background:#f3f2f1;padding:8px;word-break:break-all;margin:8px 0}
.error h1{color:#a4262c}
footer{margin-top:24px;font-size:12px;color:#8a8886}
"#;

pub fn layout(title: &str, body: &str) -> String {
    layout_with_head(title, "", body)
}

/// [`layout`] with more in `<head>` (already escaped).
fn layout_with_head(title: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{}\
<title>{}</title><style>{}</style></head><body><main>\
<div class=\"brand\"><span class=\"logo\" aria-hidden=\"true\"><i></i><i></i><i></i><i></i></span>Microsoft <span class=\"muted\">(emulated)</span></div>\
{}<footer>Contoso · Microsoft 365 emulator · no real credentials are used</footer></main></body></html>",
        head,
        esc(title),
        STYLE,
        body
    )
}

pub struct AccountRow {
    pub upn: String,
    pub display_name: String,
    pub signed_in: bool,
    pub hinted: bool,
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

fn colour(upn: &str) -> &'static str {
    const C: [&str; 8] = [
        "#0078d4", "#8764b8", "#038387", "#ca5010", "#498205", "#c239b3", "#986f0b", "#4f6bed",
    ];
    C[upn.bytes().map(|b| b as usize).sum::<usize>() % C.len()]
}

pub fn sign_in(tenant: &str, ctx: &str, app_name: &str, rows: &[AccountRow], pick: bool) -> String {
    let mut list = String::new();
    for r in rows {
        list.push_str(&format!(
            "<li{cls}><button type=\"submit\" name=\"account\" value=\"{upn}\" data-testid=\"account-{upn}\">\
<span class=\"avatar\" style=\"background:{col}\" aria-hidden=\"true\">{ini}</span>\
<span class=\"who\"><b>{name}</b><span>{upn}</span>{tag}</span></button></li>",
            cls = if r.hinted { " class=\"hinted\"" } else { "" },
            upn = esc(&r.upn),
            col = colour(&r.upn),
            ini = esc(&initials(&r.display_name)),
            name = esc(&r.display_name),
            tag = if r.signed_in {
                "<span class=\"tag\">Signed in</span>"
            } else {
                ""
            },
        ));
    }
    let heading = if pick { "Pick an account" } else { "Sign in" };
    layout(
        &format!("{heading} to your account"),
        &format!(
            "<h1>{heading}</h1><p>to continue to <b>{app}</b></p>\
<form method=\"post\" action=\"/{tenant}/login\">\
<input type=\"hidden\" name=\"ctx\" value=\"{ctx}\">\
<ul class=\"accounts\">{list}</ul>\
<p class=\"muted\">Demo accounts of contoso.onmicrosoft.com. Choosing one signs it in; there are no passwords.</p>\
<div class=\"actions\"><button class=\"btn\" type=\"submit\" name=\"cancel\" value=\"1\" data-testid=\"signin-cancel\">Cancel</button></div>\
</form>",
            app = esc(app_name),
            tenant = esc(tenant),
            ctx = esc(ctx),
        ),
    )
}

pub struct ScopeRow {
    pub title: String,
    pub detail: String,
}

pub fn consent(tenant: &str, ctx: &str, app_name: &str, upn: &str, scopes: &[ScopeRow]) -> String {
    let items: String = scopes
        .iter()
        .map(|s| {
            format!(
                "<li>{}<small>{}</small></li>",
                esc(&s.title),
                esc(&s.detail)
            )
        })
        .collect();
    layout(
        "Permissions requested",
        &format!(
            "<p class=\"muted\">{upn}</p><h1>Permissions requested</h1>\
<p><b>{app}</b><br><span class=\"muted\">unverified · emulated app registration</span></p>\
<p>This app would like to:</p><ul class=\"scopes\">{items}</ul>\
<p class=\"muted\">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement. You can change these permissions later.</p>\
<form method=\"post\" action=\"/{tenant}/consent\"><input type=\"hidden\" name=\"ctx\" value=\"{ctx}\">\
<div class=\"actions\"><button class=\"btn\" type=\"submit\" name=\"action\" value=\"cancel\" data-testid=\"consent-cancel\">Cancel</button>\
<button class=\"btn primary\" type=\"submit\" name=\"action\" value=\"accept\" data-testid=\"consent-accept\">Accept</button></div></form>",
            upn = esc(upn),
            app = esc(app_name),
            tenant = esc(tenant),
            ctx = esc(ctx),
        ),
    )
}

/// "Need admin approval": the request names permissions only an administrator may consent to,
/// and none has. The user can only go back to the app, which then hears AADSTS90094.
pub fn admin_approval(
    tenant: &str,
    ctx: &str,
    app_name: &str,
    upn: &str,
    scopes: &[ScopeRow],
) -> String {
    let items: String = scopes
        .iter()
        .map(|s| {
            format!(
                "<li>{}<small>{}</small></li>",
                esc(&s.title),
                esc(&s.detail)
            )
        })
        .collect();
    layout(
        "Need admin approval",
        &format!(
            "<p class=\"muted\">{upn}</p><h1 data-testid=\"admin-approval\">Need admin approval</h1>\
<p><b>{app}</b><br><span class=\"muted\">unverified · emulated app registration</span></p>\
<p>{app} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>\
<ul class=\"scopes\">{items}</ul>\
<p class=\"muted\">An administrator grants it for everyone in the Entra admin center (the app registration → API permissions → Grant admin consent); in the emulator, through the control API's admin consent.</p>\
<form method=\"post\" action=\"/{tenant}/consent\"><input type=\"hidden\" name=\"ctx\" value=\"{ctx}\">\
<div class=\"actions\"><button class=\"btn\" type=\"submit\" name=\"action\" value=\"back\" data-testid=\"admin-approval-back\">Return to the application without granting consent</button></div></form>",
            upn = esc(upn),
            app = esc(app_name),
            tenant = esc(tenant),
            ctx = esc(ctx),
        ),
    )
}

pub fn error(code: u32, message: &str, request_id: &str, timestamp: &str) -> String {
    layout(
        "Sign in error",
        &format!(
            "<div class=\"error\"><h1>Sorry, but we’re having trouble signing you in.</h1>\
<p data-testid=\"aadsts-error\"><b>AADSTS{code}</b>: {msg}</p>\
<div class=\"code\">Request Id: {rid}<br>Correlation Id: {rid}<br>Timestamp: {ts}<br>Message: AADSTS{code}: {msg}</div></div>",
            msg = esc(message),
            rid = esc(request_id),
            ts = esc(timestamp),
        ),
    )
}

pub fn signed_out() -> String {
    layout(
        "Signed out",
        "<h1>You signed out of your account</h1><p>It’s a good idea to close all browser windows.</p>",
    )
}

/// The signed-out page on its way back to the app (`target`, a registered
/// `post_logout_redirect_uri`): like Entra ID's, a page of the identity platform that moves on
/// by itself, not a bare redirect, so that a frame sent here shows the platform's refusal to be
/// framed instead of the app.
pub fn signed_out_returning_to(target: &str) -> String {
    let target = esc(target);
    layout_with_head(
        "Signed out",
        &format!("<meta http-equiv=\"refresh\" content=\"0; url={target}\">"),
        &format!(
            "<h1>You signed out of your account</h1>\
<p data-testid=\"signed-out-return\"><a href=\"{target}\">Return to the application</a></p>"
        ),
    )
}
