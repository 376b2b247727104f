//! Records the git commit the binary is built from, for `orders-hook --version`: an operator (and
//! a bug report) can then tell which source a packaged binary came from.
//!
//! `ORDERS_HOOK_GIT_COMMIT` wins (a build from a source tarball, without `.git`); else
//! `git rev-parse --short=12 HEAD`; else `unknown`. The build script runs again when HEAD moves:
//! its file, the branch it points to, and `packed-refs` (where the branch may live instead).

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=ORDERS_HOOK_GIT_COMMIT");
    let commit = std::env::var("ORDERS_HOOK_GIT_COMMIT")
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=ORDERS_HOOK_GIT_COMMIT={commit}");

    // A worktree's `.git` is a file: ask git where HEAD and the branch really are.
    let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git(&["rev-parse", "--git-path", &branch]));
    }
    watched.push(git(&["rev-parse", "--git-path", "packed-refs"]));
    // A path that does not exist would make cargo run this script at every build.
    for path in watched.into_iter().flatten() {
        if Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// The command's first line of output, when git is there and succeeds.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let line = text.lines().next()?.trim().to_owned();
    (!line.is_empty()).then_some(line)
}
