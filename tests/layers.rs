//! The direction of the code: every `crate::` and `super::` path in `src/` and `emulator/src/`
//! must point down the layers written below, and no chain of such paths between files may close
//! a circle. The layers are written here and nowhere else; the README's layout section and
//! `emulator/README.md` show the same order in words.
//!
//! A module may use modules of its own layer or of layers below it. A `mod.rs` (or `lib.rs`) may
//! name its own children (it is their front door); everything else counts. Test modules
//! (`#[cfg(test)]` to the end of a file) are left out: tests may reach anywhere.
//!
//! A module that is not listed fails the test, so a new module gets its place on purpose.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The page (`src/`), top to bottom.
const APP_LAYERS: &[&[&str]] = &[
    // crate roots: the two pages' entry points and the library's module list
    &["main", "tools", "admin", "start", "lib"],
    // mounting, routes, the choice between the widget and the full page; the sync page's
    // first module
    &["app", "first"],
    // components that render state
    &["ui"],
    // controllers: plain structs of signals with methods that the views call
    &["state"],
    // flows: the one-user sync, the setup check, the admin audit, its outreach and its writes
    &["sync", "setup", "audit", "outreach", "fix"],
    // the services and the page's own small domains
    &["graph", "sharepoint", "embed", "links"],
    // what every service call can end in, and the one way a call is made
    &["service"],
    // sign-in
    &["auth"],
    // the one fetch wrapper
    &["http"],
    // ground: photo maths and browser codecs, messages, configuration, the browser seam
    &["photo", "i18n", "config", "browser"],
];

/// The emulator (`emulator/src/`), top to bottom; its `lib.rs` says the same in words.
const EMULATOR_LAYERS: &[&[&str]] = &[
    &["main", "lib"],
    &["server"],
    &["control"],
    &["services"],
    &["pipeline"],
    &["state"],
    &["wire", "model"],
];

/// What the page still does against its layers, each to be mended (issue: controllers out of
/// the views). The test fails on anything new, and on an entry that is gone, so this list shrinks
/// with the code and never hides a new problem.
const APP_KNOWN: &[&str] = &[];

/// One crate's source tree and its layers.
struct House {
    root: PathBuf,
    layers: &'static [&'static [&'static str]],
}

/// A file's module path, `["ui", "shell"]` for `src/ui/shell.rs`, `["ui"]` for `src/ui/mod.rs`,
/// `[]` for `lib.rs`; crate-root files other than `lib.rs` (`main.rs`, `tools.rs` as bins) are
/// their own roots, named by their stem.
fn module_path(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).expect("file under root");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs").to_owned();
    if stem != "mod" && !(parts.is_empty() && stem == "lib") {
        parts.push(stem);
    }
    parts
}

/// Source without comments, string literals' contents and `#[cfg(test)]` items.
fn code_of(text: &str) -> String {
    without_test_items(&without_comments_and_strings(text))
}

/// Drops each item marked `#[cfg(test)]`: up to its `;`, or its `{ … }` block when one opens
/// first.
fn without_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let open = item.find('{');
        let semi = item.find(';');
        let end = match (open, semi) {
            (Some(o), Some(s)) if s < o => s + 1,
            (Some(o), _) => {
                let mut depth = 0usize;
                let mut end = item.len();
                for (i, c) in item[o..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = o + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(s)) => s + 1,
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

fn without_comments_and_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if bytes[i..].starts_with(b"/*") {
            i += 2;
            while i < bytes.len() && !bytes[i..].starts_with(b"*/") {
                i += 1;
            }
            i += 2;
        } else if bytes[i] == b'"' {
            // Skip a plain string literal (raw strings in this code hold no paths).
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    out
}

/// Every path that starts with `crate`, `super` or `self` in `code`, with `use` trees expanded:
/// `use crate::{a::X, b::{c, d}}` gives `crate::a::X`, `crate::b::c`, `crate::b::d`.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if starts_word {
            for head in ["crate::", "super::"] {
                let h: Vec<char> = head.chars().collect();
                if chars[i..].starts_with(&h) {
                    let (paths, end) = parse_tree(&chars, i);
                    found.extend(paths);
                    i = end;
                    break;
                }
            }
        }
        i += 1;
    }
    found
}

/// Parses a path or a use tree starting at `start`; returns the expanded paths and where it ended.
fn parse_tree(chars: &[char], start: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    let mut i = start;
    loop {
        let seg_start = i;
        while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
            i += 1;
        }
        if i > seg_start {
            prefix.push(chars[seg_start..i].iter().collect::<String>());
        }
        if chars[i..].starts_with(&[':', ':']) {
            i += 2;
            if i < chars.len() && chars[i] == '{' {
                let mut out = Vec::new();
                i += 1;
                loop {
                    while i < chars.len() && (chars[i].is_whitespace() || chars[i] == ',') {
                        i += 1;
                    }
                    if i >= chars.len() || chars[i] == '}' {
                        break;
                    }
                    let (inner, end) = parse_tree(chars, i);
                    for p in inner {
                        let mut full = prefix.clone();
                        full.extend(p);
                        out.push(full);
                    }
                    i = end;
                    // skip `as name`
                    while i < chars.len() && chars[i] != ',' && chars[i] != '}' {
                        i += 1;
                    }
                }
                return (out, i + 1);
            }
            continue;
        }
        return (vec![prefix], i);
    }
}

/// The module a path names, resolved against the file's own module: the longest prefix that is
/// a module of the tree.
fn target_of(
    path: &[String],
    from: &[String],
    modules: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let mut base: Vec<String> = Vec::new();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => rest = &path[1..],
        Some("super") => {
            base = from.to_vec();
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    let mut best = None;
    let mut candidate = base.clone();
    if modules.contains(&candidate) {
        best = Some(candidate.clone());
    }
    for seg in rest {
        candidate.push(seg.clone());
        if modules.contains(&candidate) {
            best = Some(candidate.clone());
        }
    }
    best
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// What is wrong with a tree whose files are given as (module path, code).
fn check(files: &BTreeMap<Vec<String>, String>, layers: &[&[&str]], roots: &[&str]) -> Vec<String> {
    let rank_of = |top: &str| layers.iter().position(|layer| layer.contains(&top));
    let name = |m: &[String]| {
        if m.is_empty() {
            "lib".to_owned()
        } else {
            m.join("::")
        }
    };
    let modules: BTreeSet<Vec<String>> = files.keys().cloned().collect();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, code) in files {
        let top = module.first().map(String::as_str).unwrap_or("lib");
        let Some(from_rank) = rank_of(top) else {
            problems.push(format!(
                "module `{top}` has no layer: give it its place in tests/layers.rs"
            ));
            continue;
        };
        // A crate root other than lib.rs (a bin) resolves `crate::` against itself.
        let is_bin_root = module.len() == 1 && roots.contains(&top);
        for path in paths_in(code) {
            if is_bin_root && path.first().map(String::as_str) == Some("crate") {
                continue;
            }
            let Some(target) = target_of(&path, module, &modules) else {
                continue;
            };
            if &target == module {
                continue;
            }
            // A front door may name its own children.
            if target.starts_with(module) {
                continue;
            }
            let target_top = target.first().map(String::as_str).unwrap_or("lib");
            if let Some(to_rank) = rank_of(target_top) {
                if to_rank < from_rank {
                    problems.push(format!(
                        "`{}` uses `{}`: `{top}` sits below `{target_top}`",
                        name(module),
                        name(&target)
                    ));
                }
            }
            edges.entry(module.clone()).or_default().insert(target);
        }
    }
    // Circles between files: a depth-first search that reports each back edge's loop once.
    let mut state: BTreeMap<Vec<String>, u8> = BTreeMap::new();
    let mut seen_circles = BTreeSet::new();
    for start in files.keys() {
        let mut stack: Vec<Vec<String>> = Vec::new();
        visit(
            start,
            &edges,
            &mut state,
            &mut stack,
            &mut seen_circles,
            &mut problems,
            &name,
        );
    }
    problems
}

fn visit(
    node: &Vec<String>,
    edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    state: &mut BTreeMap<Vec<String>, u8>,
    stack: &mut Vec<Vec<String>>,
    seen: &mut BTreeSet<BTreeSet<Vec<String>>>,
    problems: &mut Vec<String>,
    name: &dyn Fn(&[String]) -> String,
) {
    match state.get(node) {
        Some(2) => return,
        Some(1) => {
            let at = stack.iter().position(|n| n == node).expect("on the stack");
            let circle: Vec<_> = stack[at..].to_vec();
            if seen.insert(circle.iter().cloned().collect()) {
                let mut words: Vec<String> = circle.iter().map(|m| name(m)).collect();
                words.push(name(node));
                problems.push(format!("circle: {}", words.join(" -> ")));
            }
            return;
        }
        _ => {}
    }
    state.insert(node.clone(), 1);
    stack.push(node.clone());
    if let Some(next) = edges.get(node) {
        for n in next {
            visit(n, edges, state, stack, seen, problems, name);
        }
    }
    stack.pop();
    state.insert(node.clone(), 2);
}

fn load(house: &House) -> BTreeMap<Vec<String>, String> {
    let mut paths = Vec::new();
    rust_files(&house.root, &mut paths);
    paths
        .iter()
        .map(|p| {
            let text = fs::read_to_string(p).expect("readable source file");
            (module_path(&house.root, p), code_of(&text))
        })
        .collect()
}

fn assert_house(house: House, roots: &[&str], known: &[&str]) {
    let files = load(&house);
    assert!(
        !files.is_empty(),
        "no source under {}",
        house.root.display()
    );
    let problems = check(&files, house.layers, roots);
    let new: Vec<&String> = problems
        .iter()
        .filter(|p| !known.contains(&p.as_str()))
        .collect();
    let mended: Vec<&&str> = known
        .iter()
        .filter(|k| !problems.iter().any(|p| p == *k))
        .collect();
    assert!(
        new.is_empty(),
        "{} runs against its layers:\n  {}",
        house.root.display(),
        new.iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    assert!(
        mended.is_empty(),
        "mended, so take them off the known list in tests/layers.rs: {mended:?}"
    );
}

#[test]
fn the_page_imports_only_down_its_layers_and_has_no_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert_house(
        House {
            root,
            layers: APP_LAYERS,
        },
        &["main", "tools"],
        APP_KNOWN,
    );
}

#[test]
fn the_emulator_imports_only_down_its_layers_and_has_no_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("emulator/src");
    assert_house(
        House {
            root,
            layers: EMULATOR_LAYERS,
        },
        &["main"],
        &[],
    );
}

// The checker itself, on small made-up trees: it must see what it is for.

fn tree(files: &[(&str, &str)]) -> BTreeMap<Vec<String>, String> {
    files
        .iter()
        .map(|(m, code)| {
            let path = if m.is_empty() {
                Vec::new()
            } else {
                m.split("::").map(str::to_owned).collect()
            };
            (path, code_of(code))
        })
        .collect()
}

const TOY: &[&[&str]] = &[&["lib"], &["ui"], &["sync"], &["http"]];

#[test]
fn an_upward_import_is_reported() {
    let files = tree(&[
        ("", "mod ui; mod sync; mod http;"),
        ("ui", "use crate::sync::run;"),
        ("sync", "use crate::ui::View;"),
        ("http", ""),
    ]);
    let problems = check(&files, TOY, &[]);
    assert!(
        problems.iter().any(|p| p.contains("`sync` uses `ui`")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("circle:")),
        "{problems:?}"
    );
}

#[test]
fn a_circle_inside_one_layer_is_reported_through_use_trees_and_super() {
    let files = tree(&[
        ("", ""),
        ("ui", "pub mod a; pub mod b; pub use a::A;"),
        ("ui::a", "use super::{b::B, text};"),
        ("ui::b", "fn f() { crate::ui::a::A::new(); }"),
        ("sync", ""),
        ("http", ""),
    ]);
    let problems = check(&files, TOY, &[]);
    assert_eq!(problems, vec!["circle: ui::a -> ui::b -> ui::a".to_owned()]);
}

#[test]
fn paths_in_comments_strings_and_tests_do_not_count_and_a_front_door_may_name_its_children() {
    let files = tree(&[
        ("", "pub mod ui; pub use ui::View;"),
        (
            "ui",
            "// crate::sync::x\nlet s = \"crate::sync::y\";\npub use self::view::View; use crate::ui::view::helper;\n#[cfg(test)]\nmod tests { use crate::lib::x; }\n#[cfg(test)]\nuse crate::lib::y;",
        ),
        ("ui::view", "use super::super::sync::run; use crate::http::fetch;"),
        ("sync", "use crate::http::{self, fetch as get};"),
        ("http", ""),
    ]);
    assert_eq!(check(&files, TOY, &[]), Vec::<String>::new());
}

#[test]
fn a_module_without_a_layer_is_reported() {
    let files = tree(&[("", ""), ("ui", ""), ("audit", "")]);
    let problems = check(&files, TOY, &[]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("`audit` has no layer"));
}

#[test]
fn an_import_after_a_test_module_still_counts() {
    let files = tree(&[
        ("", ""),
        ("ui", ""),
        (
            "sync",
            "#[cfg(test)]\nmod tests { use crate::ui::x; }\nuse crate::ui::View;",
        ),
        ("http", ""),
    ]);
    assert_eq!(
        check(&files, TOY, &[]),
        vec!["`sync` uses `ui`: `sync` sits below `ui`".to_owned()]
    );
}
