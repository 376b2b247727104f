//! Everything `apply` needs besides the document and the event: the time, the partner's rules,
//! the chat routing and the catalog. Plain data, so every rule is a unit test.

use super::ids::{Sku, StoreId};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub settings: &'a Settings,
    pub routing: &'a Routing,
    pub catalog: &'a Catalog,
    /// A fresh value of the database's order-number sequence, given when `needs_number` said so.
    pub number_seq: Option<u64>,
}

/// The partner's rules that the operator may tune. `Default` is the operator's default
/// (`config.default.toml`, see `config/defaults.rs`), so the domain holds no second copy of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `SM-` makes `SM-000123`.
    pub number_prefix: String,
    /// Creation time plus this is the `expectedAssemblyTime` promised to the marketplace.
    pub assembly_time: chrono::Duration,
    /// The most positions one order event may carry (`max_lines`); more is refused.
    pub max_lines: usize,
}

impl Settings {
    /// The partner's number for the n-th order ever created (the sequence is shared by all instances).
    pub fn partner_number(&self, seq: u64) -> String {
        format!("{}{:06}", self.number_prefix, seq)
    }
}

/// Which Telegram chats hear about which store's orders. `Default` (no store routed, the
/// chain's default time zone) comes from `config.default.toml`, like `Settings`'.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    pub stores: HashMap<String, StoreRoute>,
    /// Gets the notices of stores that are not in `stores`.
    pub default_chat: Option<String>,
    /// The chain's own time zone: delivery windows are read in it unless the store has its own.
    pub timezone: Tz,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct StoreRoute {
    pub name: Option<String>,
    pub store_chat: Option<String>,
    pub pickers_chat: Option<String>,
    /// The store's own time zone (`Asia/Yekaterinburg`), when it is not the chain's: pickers read
    /// the delivery window on their wall clock.
    #[serde(default)]
    pub timezone: Option<Tz>,
    /// The store's pickers, offered on its board's «Кто собирает» (a picker may also type a
    /// name, which that device then remembers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pickers: Vec<String>,
}

/// Where a store's notices go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub store_name: Option<String>,
    /// Distinct chats, the store's first.
    pub chats: Vec<String>,
    /// True when the store is not in the routing and the default chat (if any) was used.
    pub unrouted: bool,
    /// The zone the store's staff read times in.
    pub timezone: Tz,
}

impl Routing {
    pub fn destination(&self, store: Option<&StoreId>) -> Destination {
        match store.and_then(|id| self.stores.get(id.as_str())) {
            Some(route) => {
                let mut chats: Vec<String> = Vec::new();
                for chat in [&route.store_chat, &route.pickers_chat]
                    .into_iter()
                    .flatten()
                {
                    if !chats.contains(chat) {
                        chats.push(chat.clone());
                    }
                }
                Destination {
                    store_name: route.name.clone(),
                    chats,
                    unrouted: false,
                    timezone: route.timezone.unwrap_or(self.timezone),
                }
            }
            None => Destination {
                store_name: None,
                chats: self.default_chat.iter().cloned().collect(),
                unrouted: true,
                timezone: self.timezone,
            },
        }
    }
}

/// Product names, units and zones known to the partner, imported from the back-office.
pub type Catalog = HashMap<Sku, CatalogItem>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogItem {
    pub name: String,
    /// The back-office's unit: `кг` makes a line weighed (`measure`).
    pub unit: Option<String>,
    /// Where the goods stand in the store (`A3`, `Молочка`): the picking sheet walks the zones
    /// in order.
    pub zone: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_store_gets_both_chats_once_each() {
        let mut routing = Routing::default();
        routing.stores.insert(
            "77-001".into(),
            StoreRoute {
                name: Some("Лесная".into()),
                store_chat: Some("-100".into()),
                pickers_chat: Some("-100".into()),
                timezone: None,
                pickers: Vec::new(),
            },
        );
        let dest = routing.destination(Some(&StoreId::parse("77-001").unwrap()));
        assert_eq!(dest.chats, vec!["-100".to_owned()]);
        assert!(!dest.unrouted);
    }

    #[test]
    fn an_unmapped_store_falls_back_to_the_default_chat_or_nowhere() {
        let mut routing = Routing::default();
        let store = StoreId::parse("99").unwrap();
        assert!(routing.destination(Some(&store)).chats.is_empty());
        routing.default_chat = Some("-1".into());
        let dest = routing.destination(Some(&store));
        assert_eq!(dest.chats, vec!["-1".to_owned()]);
        assert!(dest.unrouted);
    }

    #[test]
    fn a_store_reads_times_in_its_own_zone_else_in_the_chains() {
        let mut routing = Routing::default();
        routing.stores.insert(
            "66-001".into(),
            StoreRoute {
                name: None,
                store_chat: Some("-200".into()),
                pickers_chat: None,
                timezone: Some(chrono_tz::Asia::Yekaterinburg),
                pickers: Vec::new(),
            },
        );
        let zone = |routing: &Routing, store: &str| {
            routing
                .destination(Some(&StoreId::parse(store).unwrap()))
                .timezone
        };
        assert_eq!(zone(&routing, "66-001"), chrono_tz::Asia::Yekaterinburg);
        assert_eq!(zone(&routing, "99"), chrono_tz::Europe::Moscow);
        routing.timezone = chrono_tz::Europe::Samara;
        assert_eq!(zone(&routing, "99"), chrono_tz::Europe::Samara);
    }

    #[test]
    fn a_store_route_reads_its_zone_from_toml_and_does_without_one() {
        #[derive(serde::Deserialize)]
        struct File {
            stores: HashMap<String, StoreRoute>,
        }
        let file: File = toml::from_str(
            r#"
            [stores."66-001"]
            name = "Уральская"
            store_chat = "-300"
            timezone = "Asia/Yekaterinburg"

            [stores."77-001"]
            store_chat = "-100"
            "#,
        )
        .unwrap();
        assert_eq!(
            file.stores["66-001"].timezone,
            Some(chrono_tz::Asia::Yekaterinburg)
        );
        assert_eq!(file.stores["77-001"].timezone, None);
        assert!(toml::from_str::<StoreRoute>(r#"timezone = "Mars/Olympus""#).is_err());
    }

    #[test]
    fn numbers_are_zero_padded_after_the_prefix() {
        assert_eq!(Settings::default().partner_number(123), "SM-000123");
        assert_eq!(Settings::default().partner_number(1_234_567), "SM-1234567");
    }
}
