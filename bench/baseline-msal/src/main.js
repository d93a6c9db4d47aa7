// The measuring stick for `cargo xtask bench`: what a developer would write with MSAL.js to do
// what Profile Photo Sync's self-service flow does. Sign in (redirect), read the Exchange photo
// through Graph, make a 648 px square JPEG with the canvas, get a token for the My Site host,
// SetMyProfilePicture, read the profile back. Plain HTML, no framework, no design.
import { PublicClientApplication } from "@azure/msal-browser";

const $ = (id) => document.getElementById(id);
const say = (text) => ($("status").textContent = text);

const config = await (await fetch("./config.json")).json();
const graphScopes = ["User.Read"];
// The SharePoint permissions our page asks for: profiles (User.ReadWrite.All) and site reads.
const sharePointScopes = [
  `${config.mySiteHost}/User.ReadWrite.All`,
  `${config.mySiteHost}/AllSites.Read`,
];

const msal = new PublicClientApplication({
  auth: {
    clientId: config.clientId,
    authority: config.authority,
    // MSAL accepts only https authorities; the emulator's endpoints come with the metadata
    // (what MSAL has built in for login.microsoftonline.com, so no discovery request either).
    knownAuthorities: config.knownAuthorities,
    authorityMetadata: config.authorityMetadata,
    redirectUri: new URL("./index.html", location.href).href,
  },
  cache: { cacheLocation: "sessionStorage" },
});
await msal.initialize();
const signedIn = await msal.handleRedirectPromise();
const account = signedIn?.account ?? msal.getAllAccounts()[0];
// The help-article link: `?login_hint=…&autostart=1` signs in at once and syncs without a
// click; the sign-in round trip carries the wish in MSAL's `state`.
const query = new URLSearchParams(location.search);
const autostart = query.get("autostart") === "1" || signedIn?.state === "autostart";

if (account) {
  msal.setActiveAccount(account);
  say(`Signed in as ${account.username}`);
  $("sync").hidden = false;
  $("sync").onclick = () => sync().catch((e) => say(`Failed: ${e.message ?? e}`));
  if (autostart) $("sync").click();
} else if (autostart) {
  msal.loginRedirect({
    scopes: graphScopes,
    extraScopesToConsent: sharePointScopes,
    loginHint: query.get("login_hint") ?? undefined,
    state: "autostart",
  });
} else {
  say("Sign in to copy your Outlook photo to SharePoint.");
  $("sign-in").hidden = false;
  $("sign-in").onclick = () =>
    msal.loginRedirect({ scopes: graphScopes, extraScopesToConsent: sharePointScopes });
}
performance.mark("pps:interactive");

async function token(scopes) {
  return (await msal.acquireTokenSilent({ scopes, account })).accessToken;
}

async function call(url, accessToken, init = {}) {
  const response = await fetch(url, {
    ...init,
    headers: { Authorization: `Bearer ${accessToken}`, ...init.headers },
  });
  if (!response.ok) throw new Error(`${response.status} from ${url}`);
  return response;
}

// Centre square, white behind transparency, scaled down to at most `edge`, JPEG 0.92.
export async function squareJpeg(blob, edge = 648) {
  const bitmap = await createImageBitmap(blob);
  const side = Math.min(bitmap.width, bitmap.height);
  const size = Math.min(side, edge);
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, size, size);
  context.imageSmoothingQuality = "high";
  context.drawImage(
    bitmap,
    (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side,
    0, 0, size, size,
  );
  bitmap.close();
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
}
window.squareJpeg = squareJpeg;

async function sync() {
  $("sync").disabled = true;
  say("Reading your Outlook photo…");
  const graphToken = await token(graphScopes);
  const me = await (await call(`${config.graphBaseUrl}/me?$select=id,userPrincipalName`, graphToken)).json();
  const photo = await (await call(`${config.graphBaseUrl}/me/photo/$value`, graphToken)).blob();

  performance.mark("pps:photo-process-start");
  const jpeg = await squareJpeg(photo);
  performance.measure("pps:photo-process", "pps:photo-process-start");

  say("Writing it to SharePoint…");
  const spToken = await token(sharePointScopes);
  const api = `${config.mySiteHost}/_api/SP.UserProfiles.PeopleManager`;
  await call(`${api}/SetMyProfilePicture`, spToken, {
    method: "POST",
    headers: { Accept: "application/json;odata=nometadata", "Content-Type": "application/octet-stream" },
    body: jpeg,
  });
  const properties = await (
    await call(`${api}/GetMyProperties`, spToken, { headers: { Accept: "application/json;odata=nometadata" } })
  ).json();
  const placeholder = properties.UserProfileProperties?.find((p) => p.Key === "SPS-PicturePlaceholderState");
  if (!properties.PictureUrl || (placeholder && placeholder.Value !== "0")) {
    throw new Error("SharePoint did not take the photo");
  }
  $("photo").src = URL.createObjectURL(jpeg);
  $("photo").hidden = false;
  performance.mark("pps:verified");
  say(`Done: SharePoint now shows the photo of ${me.userPrincipalName}.`);
  document.body.dataset.phase = "done";
}
