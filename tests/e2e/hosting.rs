//! The deployment guide's hosting snippets, served for real: Debian's nginx and Apache run as
//! this test's own processes (their own configuration files and ports under `target/hosting/`,
//! never the packages' services), each with exactly the snippet read out of `docs/deploy.md`
//! (only the guide's example hosts replaced by the emulator's, as the guide tells an admin to
//! replace them with theirs). Each serves the release build at `/photo/`; the tests check the
//! headers the guide promises (CSP, nosniff, MIME types, caching of hashed files vs pages) and
//! run the smoke journey in Chromium: sign in through the emulator, sync, and the photo
//! SharePoint then holds is the Exchange photo. One journey serves the unpacked release bundle
//! (`PPS_BUNDLE`, from `cargo xtask release`) with the bundle's own copy of the snippet.
//!
//! `cargo xtask setup` installs the servers; without them these tests fail and say so.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use emulator::Emulator;
use emulator_pixels::{decode_any, Fingerprint};
use serde_json::Value;

use crate::support::{
    dist_dir, emulator, generated_config, workspace_dir, AppPage, Browser, BrowserOptions,
};

const UPN: &str = "adele@contoso.onmicrosoft.com";
/// Where the guide puts the page, and what its nginx `alias` names.
const FOLDER: &str = "/photo/";
const GUIDE_ALIAS: &str = "/var/www/photo/";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    Nginx,
    Apache,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Nginx => "nginx",
            Server::Apache => "apache",
        }
    }

    /// The heading the snippet sits under in the guide.
    fn heading(self) -> &'static str {
        match self {
            Server::Nginx => "nginx",
            Server::Apache => "Apache",
        }
    }

    /// The snippet's file in the release bundle.
    fn bundled(self) -> &'static str {
        match self {
            Server::Nginx => "hosting/nginx-location.conf",
            Server::Apache => "hosting/apache.htaccess",
        }
    }

    fn binary(self) -> PathBuf {
        let (variable, default) = match self {
            Server::Nginx => ("NGINX", "/usr/sbin/nginx"),
            Server::Apache => ("APACHE", "/usr/sbin/apache2"),
        };
        let path = std::env::var_os(variable)
            .map(PathBuf::from)
            .unwrap_or_else(|| default.into());
        assert!(
            path.is_file(),
            "{} is not installed at {}: run `cargo xtask setup` (it installs Debian's nginx and \
             apache2 for these tests; their services stay off)",
            self.name(),
            path.display()
        );
        path
    }
}

// --- The guide ---------------------------------------------------------------------------------

fn guide() -> String {
    let path = workspace_dir().join("docs/deploy.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The first fenced block under the heading that starts with `heading`, before the next
/// heading of the same or a higher level (the release bundle takes its snippets the same way).
fn block_under(markdown: &str, heading: &str) -> String {
    let heading_of = |line: &str| {
        let level = line.bytes().take_while(|b| *b == b'#').count();
        let text = line[level..].strip_prefix(' ')?;
        (1..=6)
            .contains(&level)
            .then_some((level, text.trim().to_owned()))
    };
    let mut lines = markdown.lines();
    let level = lines
        .by_ref()
        .find_map(|line| heading_of(line).filter(|(_, t)| t.starts_with(heading)))
        .unwrap_or_else(|| panic!("docs/deploy.md has no heading {heading:?}"))
        .0;
    let mut body: Option<Vec<&str>> = None;
    for line in lines {
        let fence = line.trim_start().starts_with("```");
        match body.as_mut() {
            None if heading_of(line).is_some_and(|(l, _)| l <= level) => break,
            None if fence => body = Some(Vec::new()),
            None => {}
            Some(body) if fence => return body.join("\n") + "\n",
            Some(body) => body.push(line),
        }
    }
    panic!("docs/deploy.md has no code block under {heading:?}")
}

/// The guide's example hosts and what they are in this deployment (the emulator's), from the
/// `config.json` the page gets.
fn deployment_hosts(config: &Value) -> Vec<(&'static str, String)> {
    let origin = |value: &Value| {
        let url = url::Url::parse(value.as_str().expect("a URL in config.json")).unwrap();
        url.origin().ascii_serialization()
    };
    vec![
        (
            "https://login.microsoftonline.com",
            origin(&config["authority"]),
        ),
        (
            "https://graph.microsoft.com",
            origin(&config["graphBaseUrl"]),
        ),
        (
            "https://contoso-my.sharepoint.com",
            origin(&config["mySiteHost"]),
        ),
        (
            "https://contoso-admin.sharepoint.com",
            origin(&config["adminHost"]),
        ),
        (
            "https://intranet.contoso.com",
            origin(&config["embedOrigins"][0]),
        ),
    ]
}

/// The text with each example value replaced; every one must be there, so that a changed
/// guide fails here instead of being served half-replaced.
fn replace_all(text: &str, values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(text.to_owned(), |text, (example, value)| {
            assert!(
                text.contains(example),
                "the guide's snippet no longer names {example}"
            );
            text.replace(example, value)
        })
}

// --- A web server of our own -----------------------------------------------------------------

static NEXT: AtomicU32 = AtomicU32::new(0);

/// nginx or Apache serving a copy of a release build at `http://app.localhost:PORT/photo/`,
/// stopped (its whole process group) when dropped.
struct Hosted {
    server: Server,
    process: Child,
    dir: PathBuf,
    port: u16,
    /// The copy of the build that is served (`…/www/photo/`).
    site: PathBuf,
}

impl Hosted {
    /// Serves `build` with `snippet` (the guide's, example hosts not yet replaced), with the
    /// `config.json` of `emulator`, and registers the page's address as a redirect URI.
    async fn start(server: Server, emulator: &Emulator, build: &Path, snippet: &str) -> Hosted {
        let binary = server.binary();
        let dir = hosting_root().join(format!(
            "{}-{}-{}",
            server.name(),
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let www = dir.join("www");
        let site = www.join(FOLDER.trim_matches('/'));
        copy_dir(build, &site);
        let config = generated_config(emulator).await;
        std::fs::write(site.join("config.json"), config.to_string()).unwrap();
        let snippet = replace_all(snippet, &deployment_hosts(&config));
        let port = free_port();

        let control = emulator.control();
        let mut registration = control.registration().await.unwrap();
        registration
            .spa_redirect_uris
            .push(format!("http://app.localhost:{port}{FOLDER}"));
        control.set_registration(registration).await.unwrap();

        let mut command = Command::new(&binary);
        match server {
            Server::Nginx => {
                let snippet = snippet.replace(GUIDE_ALIAS, &format!("{}/", site.display()));
                let conf = dir.join("nginx.conf");
                std::fs::create_dir_all(dir.join("tmp")).unwrap();
                std::fs::write(&conf, nginx_conf(&dir, port, &snippet)).unwrap();
                command
                    .arg("-e")
                    .arg(dir.join("error.log"))
                    .arg("-p")
                    .arg(&dir)
                    .arg("-c")
                    .arg(&conf);
            }
            Server::Apache => {
                // The guide's first form: a .htaccess in the page's folder.
                std::fs::write(site.join(".htaccess"), &snippet).unwrap();
                let conf = dir.join("apache.conf");
                std::fs::write(&conf, apache_conf(&dir, &www, port)).unwrap();
                command.arg("-f").arg(&conf).arg("-DFOREGROUND");
            }
        }
        let process = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut hosted = Hosted {
            server,
            process,
            dir,
            port,
            site,
        };
        hosted.wait_until_listening();
        hosted
    }

    fn app_url(&self) -> String {
        format!("http://app.localhost:{}{FOLDER}", self.port)
    }

    /// The same address by IP, for the test's own requests (no name resolution needed).
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{FOLDER}{path}", self.port)
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.process.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.process.stderr.take() {
                    use std::io::Read as _;
                    let _ = pipe.read_to_string(&mut stderr);
                }
                panic!(
                    "{} stopped ({status}) with the guide's snippet:\n{stderr}\n{}",
                    self.server.name(),
                    self.error_log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} does not listen on port {}:\n{}",
                self.server.name(),
                self.port,
                self.error_log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Hosted {
    fn drop(&mut self) {
        // The server's own process group (process_group(0) above): its master and workers.
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.process.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A whole nginx configuration around the guide's `location`, as Debian's `nginx.conf` has it
/// (`include mime.types` and `default_type` in `http`), with every path in `dir`.
fn nginx_conf(dir: &Path, port: u16, location: &str) -> String {
    let d = dir.display();
    format!(
        "daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {d}/access.log;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        server_name app.localhost;
{location}
    }}
}}
"
    )
}

/// A whole Apache configuration with Debian's modules and MIME types, `AllowOverride All` on
/// the document root (so the guide's `.htaccess` applies), every path in `dir`.
fn apache_conf(dir: &Path, www: &Path, port: u16) -> String {
    let (d, w) = (dir.display(), www.display());
    let modules = "/usr/lib/apache2/modules";
    let mut conf = format!(
        "ServerRoot \"{d}\"
ServerName app.localhost
Listen 127.0.0.1:{port}
PidFile \"{d}/apache.pid\"
DefaultRuntimeDir \"{d}\"
Mutex file:{d} default
ErrorLog \"{d}/error.log\"
LogLevel warn
"
    );
    // Debian's defaults among them: `deflate` and `filter` (`a2query -m` on a fresh install).
    for module in [
        "mpm_event",
        "authz_core",
        "mime",
        "headers",
        "dir",
        "unixd",
        "filter",
        "deflate",
    ] {
        let file = format!("{modules}/mod_{module}.so");
        // Debian builds some modules into the binary; load the rest.
        if Path::new(&file).exists() {
            conf.push_str(&format!("LoadModule {module}_module {file}\n"));
        }
    }
    if is_root() {
        conf.push_str("User nobody\nGroup nogroup\n");
    }
    conf.push_str(&format!(
        "TypesConfig /etc/mime.types
DirectoryIndex index.html
DocumentRoot \"{w}\"
<Directory \"{w}\">
    AllowOverride All
    Require all granted
</Directory>
"
    ));
    conf
}

/// Where the served copies live: a folder every user can read, because a server started as
/// root hands requests to unprivileged workers (nginx's `nobody`, Apache's `User` above) that
/// could not enter a clone kept under a private folder (`mktemp -d` makes mode 0700).
fn hosting_root() -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let root = std::env::temp_dir().join("pps-hosting");
    std::fs::create_dir_all(&root).unwrap();
    let _ = std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755));
    root
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on loopback")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

// --- What the guide promises ----------------------------------------------------------------

/// The guide's header block, with this deployment's hosts: (name, value).
fn promised_headers(guide: &str, config: &Value) -> Vec<(String, String)> {
    replace_all(&block_under(guide, "Headers"), &deployment_hosts(config))
        .lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// Whether a file name carries the build's hash (`name-<8 to 16 hex>[_bg].ext`).
fn is_hashed(file: &str) -> bool {
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Checks every file of the site and the page's views as paths against the guide: the CSP,
/// `Referrer-Policy` and `nosniff` on everything, the right MIME types, `no-cache` on the
/// pages and `config.json`, a year and `immutable` on hashed files.
async fn assert_headers_as_promised(
    hosted: &Hosted,
    emulator: &Emulator,
    promised: &[(String, String)],
) {
    let client = emulator.http_client();
    let server = hosted.server.name();
    let mut files: Vec<String> = std::fs::read_dir(&hosted.site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    files.sort();
    let mut paths: Vec<String> = vec![String::new(), "setup".into()];
    paths.extend(files);
    for path in &paths {
        let response = client
            .get(hosted.url(path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        let what = format!("{server}: /photo/{path}");
        assert_eq!(response.status().as_u16(), 200, "{what}");
        let header = |name: &str| {
            let values: Vec<_> = response
                .headers()
                .get_all(name)
                .iter()
                .map(|v| v.to_str().unwrap_or_default().to_owned())
                .collect();
            assert!(
                values.len() <= 1,
                "{what}: {name} sent {} times: {values:?}",
                values.len()
            );
            values.into_iter().next().unwrap_or_default()
        };
        for (name, value) in promised {
            assert_eq!(&header(name), value, "{what}: {name}");
        }
        let content_type = header("content-type");
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let extension = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("html");
        let expected: &[&str] = match extension {
            "html" => &["text/html"],
            "json" => &["application/json"],
            "js" => &["text/javascript", "application/javascript"],
            "wasm" => &["application/wasm"],
            "css" => &["text/css"],
            "svg" => &["image/svg+xml"],
            other => panic!("{what}: a file the guide does not cover (.{other})"),
        };
        assert!(
            expected.contains(&mime.as_str()),
            "{what}: Content-Type {content_type}"
        );
        // The guide's compression: the code and the styles go out gzipped.
        if ["js", "wasm", "css"].contains(&extension)
            && std::fs::metadata(hosted.site.join(path)).unwrap().len() > 1024
        {
            assert_eq!(header("content-encoding"), "gzip", "{what}");
            assert!(
                header("vary").contains("Accept-Encoding"),
                "{what}: Vary {}",
                header("vary")
            );
        }
        let cache = header("cache-control");
        if ["js", "wasm", "css", "svg"].contains(&extension) {
            // The guide's cache rules rest on this: every such file of the build is hashed.
            assert!(
                is_hashed(path),
                "{what}: a .{extension} without a hash in its name"
            );
            assert_eq!(cache, IMMUTABLE, "{what}: Cache-Control");
        } else {
            assert_eq!(cache, "no-cache", "{what}: Cache-Control");
        }
    }
}

// --- The journey ------------------------------------------------------------------------------

/// Signs in through the emulator on the hosted page, syncs, and checks that SharePoint now
/// holds the Exchange photo (written once).
async fn smoke_journey(hosted: &Hosted, emulator: &Emulator) {
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::at(&browser, hosted.app_url());
    page.open("").await;
    page.sign_in(UPN).await;
    page.wait_for_phase(&["compared"]).await;
    page.click("sync-button").await;
    page.wait_for_phase(&["done"]).await;
    page.wait_for("new-sharepoint-photo").await;

    let control = emulator.control();
    let state = control.state().await.unwrap();
    let user = state.user(UPN).expect("a demo user");
    assert!(
        user.in_sync,
        "{}: SharePoint is in sync",
        hosted.server.name()
    );
    let writes = control
        .log()
        .await
        .unwrap()
        .iter()
        .filter(|e| e.method == "POST" && e.path_and_query.contains("SetMyProfilePicture"))
        .count();
    assert_eq!(writes, 1, "one write");
    let large = control
        .file(
            "contoso-my",
            &format!("/User Photos/Profile Pictures/{}_LThumb.jpg", user.oid),
        )
        .await
        .unwrap();
    let exchange = control.exchange_photo(UPN).await.unwrap();
    assert!(
        Fingerprint::of(&decode_any(&large).unwrap())
            .matches(&Fingerprint::of(&decode_any(&exchange).unwrap())),
        "SharePoint's large thumbnail is the Exchange photo"
    );
}

/// The guide's snippet for `server`, served with the release build: headers, then the journey.
async fn serves_the_page_with_the_guides_snippet(server: Server) {
    let emulator = emulator().await;
    let guide = guide();
    let snippet = block_under(&guide, server.heading());
    let hosted = Hosted::start(server, &emulator, &dist_dir(), &snippet).await;
    let config = generated_config(&emulator).await;
    assert_headers_as_promised(&hosted, &emulator, &promised_headers(&guide, &config)).await;
    smoke_journey(&hosted, &emulator).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nginx_serves_the_page_with_the_guides_snippet() {
    serves_the_page_with_the_guides_snippet(Server::Nginx).await
}

#[tokio::test(flavor = "multi_thread")]
async fn apache_serves_the_page_with_the_guides_snippet() {
    serves_the_page_with_the_guides_snippet(Server::Apache).await
}

/// The unpacked release bundle (`$PPS_BUNDLE`, or `target/release-bundle/unpacked`): the folder
/// that holds `VERSION`.
fn unpacked_bundle() -> PathBuf {
    let dir = std::env::var_os("PPS_BUNDLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("target/release-bundle/unpacked"));
    let top = if dir.join("VERSION").is_file() {
        Some(dir.clone())
    } else {
        std::fs::read_dir(&dir).ok().and_then(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.join("VERSION").is_file())
        })
    };
    top.unwrap_or_else(|| {
        panic!(
            "no unpacked release bundle in {}: run `cargo xtask release` (it packs, unpacks and \
             checks the zip there)",
            dir.display()
        )
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn nginx_serves_the_unpacked_release_bundle() {
    let bundle = unpacked_bundle();
    let snippet = std::fs::read_to_string(bundle.join(Server::Nginx.bundled())).unwrap();
    assert_eq!(
        snippet,
        block_under(&guide(), Server::Nginx.heading()),
        "the bundle ships the guide's snippet"
    );
    assert!(
        !bundle.join("dist/config.json").exists(),
        "the bundle carries no deployment's settings"
    );
    let emulator = emulator().await;
    let hosted = Hosted::start(Server::Nginx, &emulator, &bundle.join("dist"), &snippet).await;
    smoke_journey(&hosted, &emulator).await;
}
