//! `cargo xtask release`: the release bundle, a zip an IT team without Rust deploys from.
//!
//! One folder, `profile-photo-sync-<version>/`, holding `dist/` (the page, without a
//! `config.json`: each deployment writes its own), `config.example.json` and the web-server
//! snippets under `hosting/` (all taken from the deployment guide, see [`crate::guide`]),
//! `VERSION` (the crate version and the git commit) and `SHA256SUMS` (every other file, in
//! `sha256sum` format). The zip is reproducible (sorted, fixed dates) and gets a `.sha256`
//! beside it. After packing, the zip is unpacked into `target/release-bundle/unpacked/` and
//! every sum checked, so a bundle that does not verify is never left as the last word; the
//! end-to-end tests serve that unpacked copy (`PPS_BUNDLE`).

use std::fs;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::error::{Error, Result};
use crate::guide;
use crate::process::{dist_dir, locked_version, output_of, root};

/// The sums file's name, at the top of the bundle.
pub const SUMS: &str = "SHA256SUMS";

/// Where bundles go.
pub fn bundle_dir() -> PathBuf {
    root().join("target/release-bundle")
}

/// Where the last bundle is unpacked and checked (the folder that holds `VERSION`).
pub fn unpacked_dir() -> PathBuf {
    bundle_dir().join("unpacked")
}

/// A packed and checked bundle.
pub struct Bundle {
    pub zip: PathBuf,
    pub version: String,
    /// The unpacked top folder (with `VERSION`, `SHA256SUMS`, `dist/`, …).
    pub unpacked: PathBuf,
    pub files: usize,
}

/// `cargo xtask release` after `dist`: packs, checks, says where the zip is.
pub fn release() -> Result {
    let bundle = bundle()?;
    eprintln!(
        "release {}: {} ({} files, sums checked in {})",
        bundle.version,
        bundle.zip.display(),
        bundle.files,
        bundle.unpacked.display()
    );
    Ok(())
}

/// Packs `dist/` and the guide's blocks into the zip, then unpacks it and checks every sum.
pub fn bundle() -> Result<Bundle> {
    let version = version();
    let name = format!("profile-photo-sync-{}", version.replace('+', "-"));
    let files = contents(&dist_dir(), &guide::read()?, &version)?;
    let dir = bundle_dir();
    fs::create_dir_all(&dir).map_err(Error::file(&dir))?;
    let zip = dir.join(format!("{name}.zip"));
    pack(&zip, &name, &files)?;
    let bytes = fs::read(&zip).map_err(Error::file(&zip))?;
    let sum_file = dir.join(format!("{name}.zip.sha256"));
    let sum_line = format!("{}  {name}.zip\n", hex_sha256(&bytes));
    fs::write(&sum_file, sum_line).map_err(Error::file(&sum_file))?;

    let unpacked = unpacked_dir();
    if unpacked.exists() {
        fs::remove_dir_all(&unpacked).map_err(Error::file(&unpacked))?;
    }
    unpack(&zip, &unpacked)?;
    let top = unpacked.join(&name);
    let checked = verify(&top)?;
    Ok(Bundle {
        zip,
        version,
        unpacked: top,
        files: checked,
    })
}

/// The bundle's version: the app crate's version and the commit, `0.1.0+1a2b3c4`
/// (`.dirty` when the working tree has changes the commit lacks).
pub fn version() -> String {
    let crate_version = locked_version("profile-photo-sync").unwrap_or_else(|_| "0.0.0".into());
    let commit = output_of("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = !output_of("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
    format!(
        "{crate_version}+{commit}{}",
        if dirty { ".dirty" } else { "" }
    )
}

/// Every file of the bundle as (path inside the top folder, bytes), sorted, `SHA256SUMS` last.
pub fn contents(dist: &Path, guide_text: &str, version: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    collect(dist, dist, "dist/", &mut files)?;
    if !files.iter().any(|(path, _)| path == "dist/index.html") {
        return Err(Error::Usage(format!(
            "no release build in {}: run `cargo xtask dist` first",
            dist.display()
        )));
    }
    // Each deployment writes its own config.json from config.example.json.
    files.retain(|(path, _)| path != "dist/config.json");
    for (heading, file) in guide::BUNDLED_BLOCKS {
        files.push((
            file.to_owned(),
            guide::require_block(guide_text, heading)?.into_bytes(),
        ));
    }
    files.push(("VERSION".to_owned(), format!("{version}\n").into_bytes()));
    files.sort();
    let sums: String = files
        .iter()
        .map(|(path, bytes)| format!("{}  {path}\n", hex_sha256(bytes)))
        .collect();
    files.push((SUMS.to_owned(), sums.into_bytes()));
    Ok(files)
}

/// The files under `dir`, as `<prefix><path relative to base>`.
fn collect(base: &Path, dir: &Path, prefix: &str, files: &mut Vec<(String, Vec<u8>)>) -> Result {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::file(dir)(e)),
    };
    for entry in entries {
        let path = entry.map_err(Error::file(dir))?.path();
        if path.is_dir() {
            collect(base, &path, prefix, files)?;
        } else {
            let relative = path.strip_prefix(base).unwrap_or(&path);
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push((
                format!("{prefix}{name}"),
                fs::read(&path).map_err(Error::file(&path))?,
            ));
        }
    }
    Ok(())
}

/// Writes `files` into a zip under the folder `top`, with fixed dates so that the same files
/// give the same zip.
pub fn pack(zip_path: &Path, top: &str, files: &[(String, Vec<u8>)]) -> Result {
    let zip_error = |e: zip::result::ZipError| Error::File {
        path: zip_path.to_path_buf(),
        source: io::Error::other(e),
    };
    let file = fs::File::create(zip_path).map_err(Error::file(zip_path))?;
    let mut zip = ZipWriter::new(file);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (path, bytes) in files {
        zip.start_file(format!("{top}/{path}"), options)
            .map_err(zip_error)?;
        zip.write_all(bytes).map_err(Error::file(zip_path))?;
    }
    zip.finish().map_err(zip_error)?;
    Ok(())
}

/// Unpacks a zip into `into` (names that would leave it are refused by the zip crate).
pub fn unpack(zip_path: &Path, into: &Path) -> Result {
    let zip_error = |e: zip::result::ZipError| Error::File {
        path: zip_path.to_path_buf(),
        source: io::Error::other(e),
    };
    let file = fs::File::open(zip_path).map_err(Error::file(zip_path))?;
    let mut archive = ZipArchive::new(file).map_err(zip_error)?;
    archive.extract(into).map_err(zip_error)
}

/// Checks every line of `SHA256SUMS` in `top` against its file, and that no file is unlisted.
/// Returns how many files were checked.
pub fn verify(top: &Path) -> Result<usize> {
    let sums_path = top.join(SUMS);
    let sums = fs::read_to_string(&sums_path).map_err(Error::file(&sums_path))?;
    let mut listed = Vec::new();
    for line in sums.lines() {
        let (sum, path) = line
            .split_once("  ")
            .ok_or_else(|| Error::Usage(format!("{SUMS}: not a `sha256sum` line: {line:?}")))?;
        let file = top.join(path);
        let mut bytes = Vec::new();
        fs::File::open(&file)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(Error::file(&file))?;
        if hex_sha256(&bytes) != sum {
            return Err(Error::Usage(format!(
                "{path}: its SHA-256 is not the one in {SUMS}"
            )));
        }
        listed.push(path.to_owned());
    }
    let mut present = Vec::new();
    collect(top, top, "", &mut present)?;
    for (path, _) in present {
        if path != SUMS && !listed.contains(&path) {
            return Err(Error::Usage(format!(
                "{path} is in the bundle but not in {SUMS}"
            )));
        }
    }
    Ok(listed.len())
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of its own under the system's temporary folder.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-release-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A small release build and a zip of it; returns (work folder, zip, top folder name).
    fn packed(name: &str) -> (PathBuf, PathBuf, String) {
        let work = scratch(name);
        let dist = work.join("dist");
        fs::create_dir_all(dist.join("nested")).unwrap();
        fs::write(dist.join("index.html"), "<!doctype html><title>x</title>").unwrap();
        fs::write(dist.join("config.json"), "{\"clientId\": \"dev\"}").unwrap();
        fs::write(dist.join("app-0123456789abcdef_bg.wasm"), [0, 97, 115, 109]).unwrap();
        fs::write(dist.join("nested/favicon-0123456789abcdef.svg"), "<svg/>").unwrap();
        let files = contents(&dist, &guide::read().unwrap(), "0.1.0+test").unwrap();
        let zip = work.join("bundle.zip");
        pack(&zip, "profile-photo-sync-0.1.0-test", &files).unwrap();
        (work, zip, "profile-photo-sync-0.1.0-test".to_owned())
    }

    #[test]
    fn the_unpacked_bundle_verifies_and_holds_what_an_it_team_needs() {
        let (work, zip, top) = packed("verifies");
        let out = work.join("out");
        unpack(&zip, &out).unwrap();
        let top = out.join(top);
        let checked = verify(&top).unwrap();
        // index.html, the wasm, the svg; five blocks from the guide; VERSION.
        assert_eq!(checked, 9);
        assert_eq!(
            fs::read_to_string(top.join("VERSION")).unwrap(),
            "0.1.0+test\n"
        );
        assert!(
            !top.join("dist/config.json").exists(),
            "no deployment's settings"
        );
        assert!(top
            .join("dist/nested/favicon-0123456789abcdef.svg")
            .is_file());
        let example: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(top.join("config.example.json")).unwrap())
                .unwrap();
        assert!(example["clientId"].is_string());
        let guide_text = guide::read().unwrap();
        for (heading, file) in guide::BUNDLED_BLOCKS {
            assert_eq!(
                fs::read_to_string(top.join(file)).unwrap(),
                guide::block_under(&guide_text, heading).unwrap(),
                "{file} is the guide's block"
            );
        }
        let _ = fs::remove_dir_all(work);
    }

    #[test]
    fn a_changed_file_fails_the_check() {
        let (work, zip, top) = packed("tampered");
        let out = work.join("out");
        unpack(&zip, &out).unwrap();
        let top = out.join(top);
        fs::write(
            top.join("dist/index.html"),
            "<!doctype html><title>y</title>",
        )
        .unwrap();
        let error = verify(&top).unwrap_err().to_string();
        assert!(error.contains("dist/index.html"), "{error}");
        let _ = fs::remove_dir_all(work);
    }

    #[test]
    fn an_unlisted_file_fails_the_check() {
        let (work, zip, top) = packed("unlisted");
        let out = work.join("out");
        unpack(&zip, &out).unwrap();
        let top = out.join(top);
        fs::write(top.join("dist/extra.js"), "alert(1)").unwrap();
        let error = verify(&top).unwrap_err().to_string();
        assert!(error.contains("extra.js"), "{error}");
        let _ = fs::remove_dir_all(work);
    }

    #[test]
    fn the_same_files_give_the_same_zip() {
        let (work, zip, _) = packed("reproducible");
        let first = fs::read(&zip).unwrap();
        let (work2, zip2, _) = packed("reproducible-again");
        assert_eq!(first, fs::read(&zip2).unwrap());
        let _ = fs::remove_dir_all(work);
        let _ = fs::remove_dir_all(work2);
    }
}
