//! What `orders-hook --version` says: the crate's version, which the Debian package's version
//! starts with, and the git commit the binary was built from (`build.rs`).

/// `0.1.0 (commit 0123456789ab)`; clap puts the program's name in front.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ORDERS_HOOK_GIT_COMMIT"),
    ")"
);
