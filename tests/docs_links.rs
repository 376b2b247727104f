//! The manual's links hold: every relative link and image in README.md, ARCHITECTURE.md,
//! BENCHMARKS.md and docs/ names a file that exists, and every `#anchor` names a heading of its
//! page as GitHub spells the heading's id. An operator who follows "see Reloading" at 3 a.m.
//! must land on Reloading, not on a 404 left by a moved section.

use std::fs;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag};

#[path = "markdown/anchors.rs"]
mod anchors;
use anchors::{anchors, options, slug};

/// The README is the front door: the quick start, the package, a map. Past this it is becoming
/// the manual again.
const README_MOST_LINES: usize = 200;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The pages checked: the three at the root and every `.md` under docs/, sorted.
fn pages(root: &Path) -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = ["README.md", "ARCHITECTURE.md", "BENCHMARKS.md"]
        .iter()
        .map(|name| root.join(name))
        .filter(|path| path.is_file())
        .collect();
    let mut dirs = vec![root.join("docs")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a docs/ entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

/// Every link and image target of a page, with the line it is on.
fn targets(markdown: &str) -> Vec<(usize, String)> {
    Parser::new_ext(markdown, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => {
                let line = markdown[..range.start].matches('\n').count() + 1;
                Some((line, dest_url.into_string()))
            }
            _ => None,
        })
        .collect()
}

fn is_external(target: &str) -> bool {
    let lower = target.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}

/// What is wrong with the links of these pages, one line each as `page:line: target: why`;
/// empty when every relative link resolves.
fn broken_links(root: &Path, pages: &[PathBuf]) -> Vec<String> {
    let mut problems = Vec::new();
    for page in pages {
        let shown = page
            .strip_prefix(root)
            .unwrap_or(page)
            .display()
            .to_string();
        let markdown = fs::read_to_string(page).unwrap_or_else(|e| panic!("{shown}: {e}"));
        for (line, target) in targets(&markdown) {
            if is_external(&target) {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() {
                page.clone()
            } else if let Some(from_root) = path.strip_prefix('/') {
                root.join(from_root)
            } else {
                page.parent().expect("a page's folder").join(path)
            };
            if !file.exists() {
                problems.push(format!("{shown}:{line}: {target}: no such file"));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if file.extension().is_none_or(|ext| ext != "md") {
                continue;
            }
            let text = fs::read_to_string(&file).unwrap_or_default();
            if !anchors(&text).contains(anchor) {
                problems.push(format!(
                    "{shown}:{line}: {target}: no heading with that anchor"
                ));
            }
        }
    }
    problems
}

#[test]
fn every_relative_link_resolves() {
    let pages = pages(root());
    assert!(pages.len() > 3, "docs/ has no pages: {pages:?}");
    let problems = broken_links(root(), &pages);
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_readme_stays_a_front_door() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines < README_MOST_LINES,
        "README.md has {lines} lines; move sections to docs/ to keep it under {README_MOST_LINES}"
    );
}

#[test]
fn headings_are_spelt_as_github_spells_them() {
    assert_eq!(slug("Reloading"), "reloading");
    assert_eq!(
        slug("Retention and the database's size"),
        "retention-and-the-databases-size"
    );
    assert_eq!(
        slug("scripts/bench and BENCHMARKS.md"),
        "scriptsbench-and-benchmarksmd"
    );
    assert_eq!(slug("`--json` fields"), "--json-fields");
    assert_eq!(slug("Kept rows: journal_rows"), "kept-rows-journal_rows");
    assert_eq!(
        slug("High availability (written by hand, 2026-12-05)"),
        "high-availability-written-by-hand-2026-12-05"
    );
    assert_eq!(
        slug("Кто собирает на этом устройстве?"),
        "кто-собирает-на-этом-устройстве"
    );
    assert_eq!(slug("Группа «Сборка»"), "группа-сборка");
}

#[test]
fn repeated_headings_are_numbered_and_code_counts_as_text() {
    let offered = anchors("# Setup\n\n## Setup\n\ntext\n\n### Setup\n\n## The `serve` command\n");
    for anchor in ["setup", "setup-1", "setup-2", "the-serve-command"] {
        assert!(
            offered.contains(anchor),
            "{anchor} missing from {offered:?}"
        );
    }
    assert!(!offered.contains("setup-3"));
}

#[test]
fn a_broken_link_is_reported() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = dir.path();
    fs::create_dir(root.join("docs")).expect("docs/");
    fs::write(
        root.join("README.md"),
        "# Front\n\n## Quick start\n\n\
         [fine](docs/guide.md#setup) [fine too](#quick-start) [web](https://example.org/x#y)\n\n\
         [gone](docs/missing.md)\n\n![picture](docs/missing.png)\n",
    )
    .expect("README.md");
    fs::write(
        root.join("docs/guide.md"),
        "# Guide\n\n## Setup\n\nBack to [the start](../README.md#quick-start), \
         [setup](#setup), [nowhere](#tear-down) and [a stale one](../README.md#reloading).\n",
    )
    .expect("docs/guide.md");

    let problems = broken_links(root, &pages(root));

    assert_eq!(
        problems,
        [
            "README.md:7: docs/missing.md: no such file",
            "README.md:9: docs/missing.png: no such file",
            "docs/guide.md:5: #tear-down: no heading with that anchor",
            "docs/guide.md:5: ../README.md#reloading: no heading with that anchor",
        ]
    );
}
