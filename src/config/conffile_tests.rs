//! `debian/orders-hook.toml`, the package's `/etc/orders-hook/orders-hook.toml`: the embedded
//! defaults with every setting commented out, so that the file as shipped changes nothing and
//! shows the operator each key, its default and why. It is made from `config.default.toml` and
//! must not drift from it: `ORDERS_HOOK_BLESS=1 cargo test --lib conffile` writes it again.

use super::keys::{self, DEFAULTS};
use super::*;

const CONFFILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/debian/orders-hook.toml");

/// Replaces the defaults file's own opening paragraph, which speaks of the built-in copy.
const HEADER: &str = "\
# /etc/orders-hook/orders-hook.toml: orders-hook's configuration, installed by its package.
#
# Every setting is shown with its default and commented out: the binary has these same defaults
# built in, so this file as shipped changes nothing. To change one, remove the '#' in front of
# its key and edit the value. A key shown as '# key = ...' (with a space) has no default.
#
# Three layers, later ones winning: the built-in defaults, this file, then the variables
# ORDERS_HOOK_ + the key in capitals (hook_path: ORDERS_HOOK_PATH); an empty one counts as unset.
# The package's units set some variables, which therefore win over this file:
# ORDERS_HOOK_DATABASE_URL (sqlite:///var/lib/orders-hook/orders-hook.db in orders-hook.service,
# orders-hook-notify.service and orders-hook-backup.service), ORDERS_HOOK_LISTEN and
# ORDERS_HOOK_CONSOLE_LISTEN (orders-hook@N), and the token files' variables. Change those in
# /etc/orders-hook/orders-hook.env (0600 root), which wins over the units. No secret belongs
# here: the tokens are in /etc/orders-hook/client-tokens and /etc/orders-hook/bot-token.
#
# An upgrade of the package never overwrites your edits: when its own copy changed too, dpkg
# asks which to keep. Everything is checked once at start; a bad value stops the service and
# names its variable. `systemctl reload` reads it all again: the tokens, [stores] and
# default_chat change at once, anything else is named in the log and waits for a restart
# (docs/operations.md, \"Reloading\").
";

/// The conffile for `defaults`: its opening paragraph replaced by [`HEADER`], each setting
/// commented out as `#key = value` (sshd_config's way of showing a default), explanations and
/// keys without a default kept as they are.
fn conffile(defaults: &str) -> String {
    let body = defaults
        .split_once("\n\n")
        .map_or(defaults, |(_opening, rest)| rest);
    let mut out = String::from(HEADER);
    out.push('\n');
    for line in body.lines() {
        if !line.is_empty() && !line.starts_with('#') {
            out.push('#');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn the_packaged_conffile_is_the_commented_defaults() {
    let expected = conffile(DEFAULTS);
    if std::env::var_os("ORDERS_HOOK_BLESS").is_some() {
        std::fs::write(CONFFILE, &expected).unwrap_or_else(|e| panic!("write {CONFFILE}: {e}"));
    }
    let committed =
        std::fs::read_to_string(CONFFILE).unwrap_or_else(|e| panic!("read {CONFFILE}: {e}"));
    assert!(
        committed == expected,
        "{CONFFILE} differs from config.default.toml commented out; \
         write it again with ORDERS_HOOK_BLESS=1 cargo test --lib conffile"
    );
}

#[test]
fn the_packaged_conffile_sets_nothing_and_shows_every_key() {
    let text = conffile(DEFAULTS);
    let table: toml::Table = toml::from_str(&text).expect("the conffile is TOML");
    assert!(table.is_empty(), "the conffile sets {table:?}");

    let loaded = Config::load_with(Some(Path::new(CONFFILE)), &|_| None)
        .expect("the packaged conffile loads");
    let defaults = Config::defaults();
    assert_eq!(format!("{loaded:?}"), format!("{defaults:?}"));
    assert_eq!(defaults.restart_only_changes(&loaded), Vec::<String>::new());

    for key in keys::KEYS {
        let shown = text.lines().any(|line| {
            let line = line.trim_start_matches('#').trim_start();
            line.starts_with(&format!("{key} = "))
        });
        assert!(shown, "{key} is missing from the conffile");
    }
}

#[test]
fn uncommented_the_conffile_gives_the_defaults_again() {
    // What an operator sees after `#` is the default: removing every setting's `#` changes
    // nothing either.
    let uncommented: String = conffile(DEFAULTS)
        .lines()
        .map(|line| match line.strip_prefix('#') {
            Some(rest) if !rest.is_empty() && !rest.starts_with([' ', '#']) => rest,
            _ => line,
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), uncommented).expect("write the uncommented conffile");
    let loaded = Config::load_with(Some(file.path()), &|_| None).expect("it loads");
    let defaults = Config::defaults();
    assert_eq!(format!("{loaded:?}"), format!("{defaults:?}"));
    assert_eq!(defaults.restart_only_changes(&loaded), Vec::<String>::new());
}
