//! `cargo xtask size [--check]`: what the page weighs, file by file and page by page (raw,
//! gzip -9, brotli q11). Builds `dist/` first when there is none, so it works on a fresh clone.
//! With `--check` (run by `cargo xtask test`) each page and what it loads must stay within its
//! budget in [`BUDGETS`].

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::process::dist_dir;

/// Each page's budget: gzip -9 bytes of the page and everything its HTML loads (for
/// `index.html`, its first module: the app module it starts is weighed on its own,
/// [`APP_MODULE_BUDGET`]). Set a little above what the pages weigh, so that a new dependency or
/// a careless addition fails the test and is weighed on purpose; lower them when a page gets
/// lighter. The first screen's goal is 1.5 times the hand-written MSAL.js page
/// (`bench/RESULTS.md`: 76,920 bytes, so 115,380): the first module, which draws the landing
/// and holds no sign-in code, weighs 42,202 with its page (2026-12-01, down from 123,997 when
/// it signed in itself); 46,129 since it asks for the discovery document on a help-article
/// link (2026-12-02, +2.2 KB: about 145 ms off that link on the bench's network profile).
/// `admin.html` is opened by
/// admins only; its audit, outreach and direct-write panels weigh 463,514 bytes (2026-12-01:
/// 355,500 for the audit, +68,000 for outreach, +40,000 for the writes), the first thing to
/// split when it matters (each panel could be its own module, loaded when opened).
pub const BUDGETS: [(&str, usize); 3] = [
    ("index.html", 47_000),
    ("tools.html", 288_000),
    ("admin.html", 468_000),
];

/// The sync page's app module (`index.html`'s `<meta name="pps-app">`: its glue and its wasm),
/// which the first module starts behind the landing, or at once for everything else.
/// 312,413 bytes on 2026-12-01.
pub const APP_MODULE_BUDGET: usize = 318_000;

/// The files `index.html`'s `<meta name="pps-app" content="./a.js ./a_bg.wasm">` names, and
/// the page without that tag.
pub fn app_module(html: &str) -> (Vec<String>, String) {
    let open = "<meta name=\"pps-app\" content=\"";
    let Some(start) = html.find(open) else {
        return (Vec::new(), html.to_owned());
    };
    let rest = &html[start + open.len()..];
    let content = rest.split('"').next().unwrap_or_default();
    let end = start + open.len() + rest.find('>').map_or(rest.len(), |i| i + 1);
    let names = content
        .split_whitespace()
        .map(|n| n.trim_start_matches("./").to_owned())
        .collect();
    (names, format!("{}{}", &html[..start], &html[end..]))
}

pub fn size(check: bool) -> Result {
    let dist = dist_dir();
    if !dist.join("index.html").is_file() {
        eprintln!("==> no release build in dist/ yet: building it first");
        crate::setup::setup()?;
        crate::dist::dist()?;
    }
    let mut files: Vec<PathBuf> = Vec::new();
    collect_files(&dist, &mut files).map_err(Error::file(&dist))?;
    files.sort();
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<48} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip -9", "brotli"
    );
    let mut total = [0usize; 3];
    let mut sized: Vec<(String, [usize; 3])> = Vec::new();
    for file in &files {
        let bytes = fs::read(file).map_err(Error::file(file))?;
        let sizes = [bytes.len(), gzip_size(&bytes), brotli_size(&bytes)];
        for (t, s) in total.iter_mut().zip(sizes) {
            *t += s;
        }
        let name = file
            .strip_prefix(&dist)
            .unwrap_or(file)
            .display()
            .to_string();
        let _ = writeln!(
            table,
            "{name:<48} {:>10} {:>10} {:>10}",
            sizes[0], sizes[1], sizes[2]
        );
        sized.push((name, sizes));
    }
    let _ = writeln!(
        table,
        "{:<48} {:>10} {:>10} {:>10}",
        "all files", total[0], total[1], total[2]
    );
    // Each page with what it loads: the files its HTML names, and the wasm of its glue.
    let mut over = Vec::new();
    let index = fs::read_to_string(dist.join("index.html")).unwrap_or_default();
    let (app_files, _) = app_module(&index);
    let pages = BUDGETS
        .iter()
        .map(|(page, budget)| (page.to_string(), *budget, None));
    let app = (
        "index.html's app module".to_owned(),
        APP_MODULE_BUDGET,
        Some(app_files),
    );
    for (page, budget, named) in pages.chain([app]) {
        let html = match &named {
            // The app module: as if a page named its files.
            Some(files) => files.iter().map(|f| format!("\"./{f}\"")).collect(),
            None => match fs::read_to_string(dist.join(&page)) {
                Ok(html) => app_module(&html).1,
                Err(_) => {
                    over.push(format!("{page} is missing from dist/"));
                    continue;
                }
            },
        };
        let mut sum = [0usize; 3];
        for (name, sizes) in &sized {
            let glue = name
                .strip_suffix("_bg.wasm")
                .map(|stem| format!("{stem}.js"));
            let loaded = *name == page
                || html.contains(&format!("\"./{name}\""))
                || html.contains(&format!("\"{name}\""))
                || glue.is_some_and(|js| html.contains(&js));
            if loaded {
                for (t, s) in sum.iter_mut().zip(sizes) {
                    *t += s;
                }
            }
        }
        let _ = writeln!(
            table,
            "{:<48} {:>10} {:>10} {:>10}",
            if named.is_some() {
                page.clone()
            } else {
                format!("{page} and what it loads")
            },
            sum[0],
            sum[1],
            sum[2]
        );
        if sum[1] > budget {
            over.push(format!(
                "{page} and what it loads weigh {} bytes gzip, over the budget of {budget} \
                 (xtask/src/size.rs BUDGETS)",
                sum[1]
            ));
        }
    }
    print!("{table}");
    std::io::stdout().flush().ok();
    if check && !over.is_empty() {
        return Err(Error::Check(over.join("; ")));
    }
    Ok(())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

pub fn gzip_size(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory").len()
}

pub fn brotli_size(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("compressing in memory");
    out.len()
}
