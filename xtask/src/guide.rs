//! The deployment guide (`docs/deploy.md`) as data: its fenced code blocks, found by the
//! heading they sit under. The release bundle ships the web-server snippets taken from here,
//! so what an IT team copies from the zip is exactly what the guide shows and the tests serve.
//! Reads Markdown only; knows nothing of the servers themselves.

use std::fs;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::process::root;

/// The guide's path in the workspace.
pub fn path() -> PathBuf {
    root().join("docs/deploy.md")
}

/// The guide's text.
pub fn read() -> Result<String> {
    let path = path();
    fs::read_to_string(&path).map_err(Error::file(&path))
}

/// What the release bundle takes from the guide: (heading the block sits under, file name in
/// the bundle).
pub const BUNDLED_BLOCKS: [(&str, &str); 5] = [
    ("2. Write `config.json`", "config.example.json"),
    ("nginx", "hosting/nginx-location.conf"),
    ("Apache", "hosting/apache.htaccess"),
    ("IIS", "hosting/web.config"),
    ("Azure Static Web Apps", "hosting/staticwebapp.config.json"),
];

/// The first fenced code block under the heading whose text starts with `heading` (any level),
/// before the next heading of the same or a higher level; without the fences. Under
/// `#### nginx`, prose, then a block fenced as nginx: that block's lines.
pub fn block_under(markdown: &str, heading: &str) -> Option<String> {
    let mut lines = markdown.lines();
    let level = lines.by_ref().find_map(|line| {
        let (level, text) = heading_of(line)?;
        text.starts_with(heading).then_some(level)
    })?;
    let mut block: Option<Vec<&str>> = None;
    for line in lines {
        match block.as_mut() {
            None => {
                if heading_of(line).is_some_and(|(other, _)| other <= level) {
                    return None;
                }
                if line.trim_start().starts_with("```") {
                    block = Some(Vec::new());
                }
            }
            Some(body) => {
                if line.trim_start().starts_with("```") {
                    let mut text = body.join("\n");
                    text.push('\n');
                    return Some(text);
                }
                body.push(line);
            }
        }
    }
    None
}

/// The section under the heading whose text starts with `heading`, up to the next heading of
/// the same or a higher level. (Only the guide's checks read whole sections.)
#[cfg(test)]
pub fn section<'a>(markdown: &'a str, heading: &str) -> Option<&'a str> {
    let mut offset = 0;
    let mut start: Option<(usize, usize)> = None;
    for line in markdown.split_inclusive('\n') {
        if let Some((level, text)) = heading_of(line.trim_end()) {
            match start {
                None if text.starts_with(heading) => start = Some((level, offset + line.len())),
                Some((open, from)) if level <= open => return Some(&markdown[from..offset]),
                _ => {}
            }
        }
        offset += line.len();
    }
    start.map(|(_, from)| &markdown[from..])
}

/// `(level, text)` of an ATX heading line (`## Text` → `(2, "Text")`).
fn heading_of(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|b| *b == b'#').count();
    let text = line[level..].strip_prefix(' ')?;
    (1..=6).contains(&level).then_some((level, text.trim()))
}

/// The block under `heading` in the guide, or an error that names the heading.
pub fn require_block(markdown: &str, heading: &str) -> Result<String> {
    block_under(markdown, heading).ok_or_else(|| {
        Error::Usage(format!(
            "docs/deploy.md has no code block under a heading \"{heading}\""
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# Guide\n\n## 3. Host\n\n#### nginx\n\nProse.\n\n```nginx\nlocation / {\n}\n```\n\n#### Apache\n\nNo block here.\n\n## 4. Next\n\n```\nnot Apache's\n```\n";

    #[test]
    fn a_block_is_the_first_fence_under_its_heading() {
        assert_eq!(
            block_under(SAMPLE, "nginx").as_deref(),
            Some("location / {\n}\n")
        );
    }

    #[test]
    fn a_block_does_not_come_from_the_next_section() {
        assert_eq!(block_under(SAMPLE, "Apache"), None);
        assert_eq!(block_under(SAMPLE, "Missing"), None);
    }

    #[test]
    fn a_section_ends_at_the_next_heading_of_its_level() {
        let host = section(SAMPLE, "3. Host").unwrap();
        assert!(host.contains("#### Apache"));
        assert!(!host.contains("not Apache's"));
        assert!(section(SAMPLE, "4. Next").unwrap().contains("not Apache's"));
    }

    #[test]
    fn the_guide_has_every_block_the_bundle_ships() {
        let guide = read().unwrap();
        for (heading, file) in BUNDLED_BLOCKS {
            let block = require_block(&guide, heading).unwrap();
            assert!(block.trim().len() > 20, "{file}: the block is empty");
        }
    }
}
