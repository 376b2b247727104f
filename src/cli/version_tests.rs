use super::{Cli, VERSION};
use clap::CommandFactory;

/// The commit part is what `build.rs` recorded: 12 hex digits from git, `unknown` without it,
/// or an override's text.
fn commit_of(version: &str) -> Option<&str> {
    version
        .strip_prefix(concat!(env!("CARGO_PKG_VERSION"), " (commit "))?
        .strip_suffix(')')
}

#[test]
fn the_version_names_the_crate_version_and_the_commit() {
    let commit = commit_of(VERSION).unwrap_or_else(|| panic!("unexpected version {VERSION:?}"));
    assert!(!commit.is_empty(), "{VERSION:?}");
}

#[test]
fn clap_prints_the_program_name_then_the_version() {
    let printed = Cli::command().render_version();
    assert_eq!(printed.trim_end(), format!("orders-hook {VERSION}"));
}

#[test]
fn the_commit_is_head_when_built_from_a_git_checkout() {
    let Some(commit) = commit_of(VERSION) else {
        panic!("unexpected version {VERSION:?}");
    };
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    // Without git (a tarball build) there is nothing to compare with.
    if let Ok(head) = head
        && head.status.success()
        && std::env::var_os("ORDERS_HOOK_GIT_COMMIT").is_none()
    {
        let head = String::from_utf8_lossy(&head.stdout);
        assert_eq!(commit, head.trim());
        assert_eq!(commit.len(), 12, "{commit:?}");
    }
}
