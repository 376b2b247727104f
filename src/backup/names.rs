//! The names of the copies kept in a backup directory, and which of them a rotation removes.
//! Only a name of exactly this shape is ever a candidate for deletion: an operator's own file
//! in the same directory (`orders-hook-before-upgrade.db`, a README) is never touched.

use chrono::{DateTime, Utc};

const PREFIX: &str = "orders-hook-";
const SUFFIX: &str = ".db";
/// `20261130T031500Z`: UTC, to the second, so that names sort as the copies' times do.
const STAMP: &str = "%Y%m%dT%H%M%SZ";
const STAMP_LEN: usize = "20261130T031500Z".len();

/// `orders-hook-20261130T031500Z.db`, the name of a copy taken at `now` into a directory.
pub fn timestamped_name(now: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", now.format(STAMP))
}

/// Whether `name` is one of the copies [`timestamped_name`] makes.
pub fn is_backup_name(name: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
    else {
        return false;
    };
    stamp.len() == STAMP_LEN
        && stamp.is_ascii()
        && chrono::NaiveDateTime::parse_from_str(stamp, STAMP).is_ok()
}

/// Of the names in a directory, the copies beyond the newest `keep`, oldest first. Other names
/// are ignored.
pub fn beyond_newest<'a>(names: &[&'a str], keep: usize) -> Vec<&'a str> {
    let mut copies: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| is_backup_name(name))
        .collect();
    copies.sort_unstable();
    copies.dedup();
    let excess = copies.len().saturating_sub(keep);
    copies.truncate(excess);
    copies
}
