//! The chats the bot has seen beside the routing: which store's notices go to each, which
//! configured chat the bot has never seen (a typo, or a group it was never added to), and a
//! route still naming a group that has since become a supergroup.

use super::updates::SeenChat;
use crate::domain::Routing;
use serde::Serialize;

/// One routing entry that names a chat: `[stores."<id>"] store_chat`/`pickers_chat`, or
/// `default_chat` (no store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteMark {
    pub store: Option<String>,
    /// The configuration key: `store_chat`, `pickers_chat` or `default_chat`.
    pub key: &'static str,
    /// The chat as the configuration spells it (an old group's id, when it was upgraded).
    pub configured_as: String,
}

/// A chat the bot has seen, with the routes to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRow {
    pub chat: SeenChat,
    pub routes: Vec<RouteMark>,
}

/// A configured chat the bot has not seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unseen {
    pub chat: String,
    pub routes: Vec<RouteMark>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatList {
    pub seen: Vec<ChatRow>,
    pub unseen: Vec<Unseen>,
}

/// Every chat the routing names, stores by id, then the default chat.
pub fn configured(routing: &Routing) -> Vec<RouteMark> {
    let mut stores: Vec<_> = routing.stores.iter().collect();
    stores.sort_by(|a, b| a.0.cmp(b.0));
    let mut marks = Vec::new();
    for (id, route) in stores {
        for (key, chat) in [
            ("store_chat", &route.store_chat),
            ("pickers_chat", &route.pickers_chat),
        ] {
            if let Some(chat) = chat {
                marks.push(RouteMark {
                    store: Some(id.clone()),
                    key,
                    configured_as: chat.clone(),
                });
            }
        }
    }
    if let Some(chat) = &routing.default_chat {
        marks.push(RouteMark {
            store: None,
            key: "default_chat",
            configured_as: chat.clone(),
        });
    }
    marks
}

/// Whether the configuration's `configured` names `chat` (by id, by its old group's id, or by
/// its `@name`).
fn names(configured: &str, chat: &SeenChat) -> bool {
    let configured = configured.trim();
    match configured.parse::<i64>() {
        Ok(id) => id == chat.id || Some(id) == chat.upgraded_from,
        Err(_) => chat
            .username
            .as_deref()
            .is_some_and(|name| name.eq_ignore_ascii_case(configured)),
    }
}

/// The seen chats with their routes, and the configured chats none of them answers to.
pub fn chat_list(seen: Vec<SeenChat>, routing: &Routing) -> ChatList {
    let marks = configured(routing);
    let rows: Vec<ChatRow> = seen
        .into_iter()
        .map(|chat| ChatRow {
            routes: marks
                .iter()
                .filter(|mark| names(&mark.configured_as, &chat))
                .cloned()
                .collect(),
            chat,
        })
        .collect();
    let mut unseen: Vec<Unseen> = Vec::new();
    for mark in marks {
        if rows.iter().any(|row| names(&mark.configured_as, &row.chat)) {
            continue;
        }
        match unseen
            .iter_mut()
            .find(|chat| chat.chat == mark.configured_as)
        {
            Some(chat) => chat.routes.push(mark),
            None => unseen.push(Unseen {
                chat: mark.configured_as.clone(),
                routes: vec![mark],
            }),
        }
    }
    ChatList { seen: rows, unseen }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::StoreRoute;

    fn routing() -> Routing {
        let mut routing = Routing {
            default_chat: Some("@orders_all".into()),
            ..Routing::default()
        };
        routing.stores.insert(
            "77-001".into(),
            StoreRoute {
                name: Some("Лесная".into()),
                store_chat: Some("-1001".into()),
                pickers_chat: Some("-1002".into()),
                timezone: None,
                pickers: Vec::new(),
            },
        );
        routing.stores.insert(
            "77-002".into(),
            StoreRoute {
                name: None,
                store_chat: Some("-1003".into()),
                pickers_chat: None,
                timezone: None,
                pickers: Vec::new(),
            },
        );
        routing
    }

    fn chat(id: i64, upgraded_from: Option<i64>, username: Option<&str>) -> SeenChat {
        SeenChat {
            id,
            kind: "supergroup".into(),
            title: None,
            username: username.map(str::to_owned),
            upgraded_from,
            bot_status: None,
        }
    }

    #[test]
    fn each_chat_carries_its_routes_and_an_upgraded_group_answers_to_its_old_id() {
        let seen = vec![
            chat(-1001, None, None),
            chat(-100_200, Some(-1002), None),
            chat(-7, None, Some("@Orders_All")),
            chat(42, None, None),
        ];
        let list = chat_list(seen, &routing());
        let keys: Vec<Vec<&str>> = list
            .seen
            .iter()
            .map(|row| row.routes.iter().map(|mark| mark.key).collect())
            .collect();
        assert_eq!(
            keys,
            vec![
                vec!["store_chat"],
                vec!["pickers_chat"],
                vec!["default_chat"],
                vec![]
            ]
        );
        assert_eq!(list.seen[1].routes[0].configured_as, "-1002");
        assert_eq!(
            list.unseen,
            vec![Unseen {
                chat: "-1003".into(),
                routes: vec![RouteMark {
                    store: Some("77-002".into()),
                    key: "store_chat",
                    configured_as: "-1003".into()
                }]
            }]
        );
    }

    #[test]
    fn with_nothing_seen_every_configured_chat_is_unseen_once() {
        let mut routing = routing();
        if let Some(route) = routing.stores.get_mut("77-002") {
            route.pickers_chat = Some("-1003".into());
        }
        let list = chat_list(Vec::new(), &routing);
        let chats: Vec<&str> = list.unseen.iter().map(|c| c.chat.as_str()).collect();
        assert_eq!(chats, ["-1001", "-1002", "-1003", "@orders_all"]);
        assert_eq!(list.unseen[2].routes.len(), 2);
    }
}
