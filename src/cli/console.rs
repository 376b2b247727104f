//! `console link STORE [--hours N]` and `console revoke ID`: a store tablet's one-time sign-in
//! link from the terminal, the same as the console's `/links` page makes.

use super::Output;
use crate::actions::{self, Actor, Via};
use crate::config::Config;
use crate::console::links::{self, DEFAULT_HOURS, MAX_HOURS};
use crate::store::Store;
use anyhow::bail;
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum ConsoleCommand {
    /// Make a one-time sign-in link for a store's tablet; prints it and its QR code (the full
    /// URL needs console_public_url).
    Link {
        /// The store's id, as in [stores].
        store: String,
        /// How long the link may wait to be used.
        #[arg(long, default_value_t = DEFAULT_HOURS, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_HOURS)))]
        hours: u32,
    },
    /// Revoke a link (from the console's /links page) and end the session it opened.
    Revoke { id: i64 },
}

/// The QR code as text for a terminal: two rows of modules per line of half blocks.
fn terminal_qr(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build(),
    )
}

pub(super) async fn execute(
    command: &ConsoleCommand,
    store: &dyn Store,
    config: &Config,
) -> anyhow::Result<Output> {
    let now = chrono::Utc::now();
    match command {
        ConsoleCommand::Link {
            store: store_id,
            hours,
        } => {
            let routing = &config.rules.routing;
            let Some(route) = routing.stores.get(store_id) else {
                bail!("store {store_id:?} is not in [stores] of the configuration");
            };
            let name = format!(
                "{} (ссылка)",
                route.name.clone().unwrap_or_else(|| store_id.clone())
            );
            let created = links::create(
                store,
                store_id,
                &name,
                &Actor::command_line(),
                Via::CommandLine,
                *hours,
                now,
            )
            .await?;
            let url = config
                .console
                .public_url
                .as_deref()
                .map(|base| links::url(base, &created.path));
            let text = match &url {
                Some(url) => format!(
                    "sign-in link #{} for {store_id}, once, until {}:\n{url}\n\n{}",
                    created.id,
                    created.expires_at.format("%Y-%m-%d %H:%M UTC"),
                    terminal_qr(url).unwrap_or_default()
                ),
                None => format!(
                    "sign-in link #{} for {store_id}, once, until {}: the path is\n{}\n\
                     append it to the console's address; set console_public_url \
                     (ORDERS_HOOK_CONSOLE_PUBLIC_URL) to print the whole link and its QR code",
                    created.id,
                    created.expires_at.format("%Y-%m-%d %H:%M UTC"),
                    created.path
                ),
            };
            Ok(Output {
                json: json!({
                    "id": created.id,
                    "store": store_id,
                    "path": created.path,
                    "url": url,
                    "expiresAt": created.expires_at,
                }),
                text,
            })
        }
        ConsoleCommand::Revoke { id } => {
            let actor = Actor::command_line();
            if !actions::links::revoke(store, *id, &actor, Via::CommandLine, now).await? {
                bail!("link #{id} does not exist or was revoked already");
            }
            Ok(Output {
                json: json!({"revoked": true, "id": id}),
                text: format!("link #{id} revoked; the session it opened has ended"),
            })
        }
    }
}
