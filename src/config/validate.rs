//! The one check, after every layer is in: each value is tried against what the service can run
//! with, and a refusal names the variable to set, whichever layer the value came from.

use super::error::ConfigError;
use super::keys::{KEYS, Values, variable};
use super::secret::Secrets;
use super::{Config, LogFormat};
use crate::access::ConsoleSettings;

/// The body limit (1 MB) holds fewer positions than this anyway.
const MAX_LINES_CEILING: u64 = 100_000;
use crate::database_url::DatabaseUrl;
use crate::domain::{Routing, Settings};
use crate::housekeeping::HousekeepingSettings;
use crate::http::server::ServerLimits;
use crate::ingest::group::GroupCommitSettings;
use crate::notify::{NotifySettings, RetryPolicy};
use crate::store::{self, Rules, SqliteSynchronous, StoreOptions};
use std::ops::RangeInclusive;
use std::time::Duration;

pub(super) fn config(values: Values, secrets: Secrets) -> Result<Config, ConfigError> {
    let loaded = super::reloadable::Loaded::new(values.clone(), &secrets);
    // Taken apart whole: a key added to the list in `keys.rs` does not build until it is used here.
    let Values {
        listen,
        database_url,
        client_tokens_file: _,
        hook_path,
        request_deadline_ms,
        read_timeout_ms,
        max_connections,
        shutdown_grace_ms,
        number_prefix,
        timezone,
        assembly_minutes,
        max_lines,
        sqlite_synchronous,
        group_commit,
        group_commit_max_events,
        log_format,
        default_chat,
        telegram_api_url,
        telegram_bot_token_file: _,
        telegram_timeout_ms,
        notify,
        notify_horizon_minutes,
        notify_sweep_ms,
        journal_retention_days,
        outbox_retention_days,
        housekeeping_every_minutes,
        prune_batch_rows,
        prune_pause_ms,
        console_listen,
        console_tokens_file: _,
        console_session_hours,
        console_secure_cookie,
        console_public_url,
        stores,
    } = values;

    if request_deadline_ms == 0 || request_deadline_ms >= 5000 {
        return Err(invalid(
            "request_deadline_ms",
            format!(
                "{request_deadline_ms} ms: must be above 0 and below the marketplace's 5000 ms"
            ),
        ));
    }
    if !(0..=24 * 60).contains(&assembly_minutes) {
        return Err(invalid(
            "assembly_minutes",
            format!("{assembly_minutes}: must be between 0 and 1440"),
        ));
    }
    if !(1..=MAX_LINES_CEILING).contains(&max_lines) {
        return Err(invalid(
            "max_lines",
            format!("{max_lines}: must be between 1 and {MAX_LINES_CEILING}"),
        ));
    }
    if !hook_path.starts_with('/') || hook_path.trim_matches('/').is_empty() {
        let example = &Values::defaults().hook_path;
        return Err(invalid(
            "hook_path",
            format!("{hook_path:?} must be an absolute path such as {example}"),
        ));
    }
    let log_format = match log_format.as_str() {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        other => {
            return Err(invalid(
                "log_format",
                format!("{other:?}: use text or json"),
            ));
        }
    };
    let sqlite_synchronous = sqlite_synchronous.to_uppercase();
    let sqlite_synchronous = match sqlite_synchronous.as_str() {
        "OFF" => SqliteSynchronous::Off,
        "NORMAL" => SqliteSynchronous::Normal,
        "FULL" => SqliteSynchronous::Full,
        "EXTRA" => SqliteSynchronous::Extra,
        _ => {
            return Err(invalid(
                "sqlite_synchronous",
                format!("{sqlite_synchronous:?}: use FULL (default), EXTRA, NORMAL or OFF"),
            ));
        }
    };
    let group_commit = GroupCommitSettings {
        enabled: group_commit,
        // Within 1..=1000 by the check.
        max_events: usize::try_from(within(
            "group_commit_max_events",
            group_commit_max_events,
            1..=1000,
        )?)
        .unwrap_or(1000),
    };
    let telegram_timeout_ms = within("telegram_timeout_ms", telegram_timeout_ms, 100..=60_000)?;
    let horizon_minutes = within(
        "notify_horizon_minutes",
        notify_horizon_minutes,
        1..=7 * 24 * 60,
    )?;
    let sweep_ms = within("notify_sweep_ms", notify_sweep_ms, 50..=60_000)?;
    let read_timeout_ms = within("read_timeout_ms", read_timeout_ms, 100..=60_000)?;
    let max_connections = within("max_connections", max_connections, 1..=65_536)?;
    let shutdown_grace_ms = within("shutdown_grace_ms", shutdown_grace_ms, 100..=60_000)?;
    // The number heads every notice part: a long prefix would eat Telegram's length limit.
    if number_prefix.chars().count() > 20 {
        return Err(invalid(
            "number_prefix",
            format!("{number_prefix:?}: at most 20 characters"),
        ));
    }
    let timezone = timezone.trim().parse::<chrono_tz::Tz>().map_err(|e| {
        let example = &Values::defaults().timezone;
        invalid(
            "timezone",
            format!("{timezone:?}: {e}; use an IANA name such as {example}"),
        )
    })?;

    let housekeeping = HousekeepingSettings {
        journal_retention: retention_days("journal_retention_days", journal_retention_days)?,
        outbox_retention: retention_days("outbox_retention_days", outbox_retention_days)?,
        every: Duration::from_secs(
            60 * within(
                "housekeeping_every_minutes",
                housekeeping_every_minutes,
                1..=24 * 60,
            )?,
        ),
        // Within 1..=10_000 by the check.
        batch_rows: u32::try_from(within("prune_batch_rows", prune_batch_rows, 1..=10_000)?)
            .unwrap_or(10_000),
        pause: Duration::from_millis(within("prune_pause_ms", prune_pause_ms, 0..=60_000)?),
    };

    let console = ConsoleSettings {
        listen: Some(console_listen.trim().to_owned()).filter(|listen| !listen.is_empty()),
        grants: secrets.console_grants,
        session: Duration::from_secs(
            3600 * within("console_session_hours", console_session_hours, 1..=24 * 90)?,
        ),
        secure_cookie: console_secure_cookie,
        public_url: console_public_url
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .filter(|url| !url.is_empty()),
    };
    if let Some(url) = &console.public_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(invalid(
            "console_public_url",
            format!("{url:?}: must start with https:// (or http://)"),
        ));
    }

    let database_url = DatabaseUrl::parse(&database_url)
        .map_err(|why| invalid("database_url", why.to_string()))?;
    let request_deadline = Duration::from_millis(request_deadline_ms);
    let telegram_timeout = Duration::from_millis(telegram_timeout_ms);
    Ok(Config {
        listen,
        database_url,
        client_tokens: secrets.client_tokens,
        telegram_bot_token: secrets.telegram_bot_token,
        telegram_api_url,
        telegram_timeout,
        notify_enabled: notify,
        notify: NotifySettings {
            retry: RetryPolicy {
                horizon: Duration::from_secs(horizon_minutes * 60),
                ..RetryPolicy::default()
            },
            // Only a dead worker's rows may be taken over: the lease outlasts any send.
            lease: (telegram_timeout * 3).max(Duration::from_secs(60)),
            sweep: Duration::from_millis(sweep_ms),
            ..NotifySettings::default()
        },
        hook_path,
        request_deadline,
        group_commit,
        server: ServerLimits {
            read_timeout: Duration::from_millis(read_timeout_ms),
            // Within 1..=65_536 by the check above.
            max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
            shutdown_grace: Duration::from_millis(shutdown_grace_ms),
        },
        log_format,
        housekeeping,
        console,
        store_options: StoreOptions {
            // The database must answer within the deadline, or the request is answered 503.
            acquire_timeout: request_deadline,
            sqlite_synchronous,
            max_connections: store::POOL_SIZE,
        },
        rules: Rules {
            settings: Settings {
                number_prefix,
                assembly_time: chrono::Duration::minutes(assembly_minutes),
                max_lines: max_lines as usize,
            },
            routing: Routing {
                stores,
                default_chat,
                timezone,
            },
        },
        loaded,
    })
}

fn invalid(key: &str, why: String) -> ConfigError {
    debug_assert!(KEYS.contains(&key), "{key} is not a configuration key");
    ConfigError::Invalid {
        name: variable(key),
        why,
    }
}

/// Days to keep rows for, 0 for ever; ten years at most, which is "for ever" misspelled.
fn retention_days(key: &str, days: u64) -> Result<Option<chrono::Duration>, ConfigError> {
    let days = within(key, days, 0..=3650)?;
    // Within 0..=3650 by the check.
    Ok((days > 0).then(|| chrono::Duration::days(i64::try_from(days).unwrap_or(3650))))
}

fn within(key: &str, value: u64, range: RangeInclusive<u64>) -> Result<u64, ConfigError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(invalid(
            key,
            format!(
                "{value}: must be between {} and {}",
                range.start(),
                range.end()
            ),
        ))
    }
}
