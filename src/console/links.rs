//! `/links`: the operator's one-time sign-in links for a store's tablet — made, shown once as a
//! URL and a QR code, listed with their state, and revoked (which also ends the session a link
//! opened). Only the code's digest is stored: the URL cannot be shown again, only replaced.
//! `orders-hook console link` makes the same links from a terminal (`create`, `url`).

use super::ConsoleState;
use super::grant::digest_hex;
use super::operator::{ActionForm, when};
use super::page::{self, Nav};
use super::session::{Viewer, secret};
use super::words::{self, Word};
use crate::actions::{self, Actor, Via};
use crate::store::console::{Link, NewLink};
use crate::store::{ActionStore, StoreError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

pub const DEFAULT_HOURS: u32 = 24;
/// A link is for setting up a tablet today, not a standing credential.
pub const MAX_HOURS: u32 = 24 * 30;

/// A link just made: its code exists only here and in the URL handed out.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: i64,
    pub path: String,
    pub expires_at: DateTime<Utc>,
}

/// Makes a one-time link for `store_id`, good for `hours`, by `actor` (who is journaled).
pub async fn create(
    store: &dyn ActionStore,
    store_id: &str,
    name: &str,
    actor: &Actor,
    via: Via,
    hours: u32,
    now: DateTime<Utc>,
) -> Result<Created, StoreError> {
    let code = secret();
    let expires_at = now + Duration::hours(i64::from(hours.clamp(1, MAX_HOURS)));
    let link = NewLink {
        code_digest: digest_hex(code.as_bytes()),
        store_id: store_id.to_owned(),
        name: name.to_owned(),
        created_by: match via {
            Via::Console => actor.name.clone(),
            Via::CommandLine => format!("CLI ({})", actor.name),
        },
        created_at: now,
        expires_at,
    };
    let id = actions::links::make(store, &link, actor, via).await?;
    Ok(Created {
        id,
        path: format!("/link/{code}"),
        expires_at,
    })
}

/// The link's full address on `base` (the console's public URL).
pub fn url(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

/// The QR code of a URL as inline SVG.
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(240, 240)
            .build(),
    )
}

/// What a link is good for now, in the operator's words (and as `--json` says it).
pub fn state_of(link: &Link, now: DateTime<Utc>) -> &'static str {
    if link.revoked_at.is_some() {
        "revoked"
    } else if link.used_at.is_some() {
        "used"
    } else if link.expires_at <= now {
        "expired"
    } else {
        "unused"
    }
}

pub struct LinkRow {
    pub id: i64,
    pub store: String,
    pub name: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub state: Word,
    pub revocable: bool,
}

pub struct Fresh {
    pub url: String,
    pub qr: String,
    pub store: String,
    pub expires_at: String,
}

#[derive(Template)]
#[template(path = "console/links.html")]
struct LinksPage {
    nav: Nav,
    stores: Vec<(String, String)>,
    default_hours: u32,
    max_hours: u32,
    fresh: Option<Fresh>,
    error: Option<String>,
    links: Vec<LinkRow>,
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    store: String,
    #[serde(default)]
    hours: String,
}

async fn links_page(
    state: &ConsoleState,
    viewer: &Viewer,
    fresh: Option<Fresh>,
    error: Option<String>,
) -> Response {
    let links = match state.store.links().await {
        Ok(links) => links,
        Err(error) => return page::unavailable(&error),
    };
    let now = Utc::now();
    let tz = state.routing.get().timezone;
    let stores = state.stores();
    let mut response = page::render(&LinksPage {
        nav: Nav::new(viewer, "Входы магазинов"),
        stores,
        default_hours: DEFAULT_HOURS,
        max_hours: MAX_HOURS,
        fresh,
        error: error.clone(),
        links: links
            .iter()
            .map(|link| LinkRow {
                id: link.id,
                store: link.store_id.clone(),
                name: link.name.clone(),
                created_by: link.created_by.clone(),
                created_at: when(tz, link.created_at),
                expires_at: when(tz, link.expires_at),
                state: words::link_state(state_of(link, now)),
                revocable: link.revoked_at.is_none(),
            })
            .collect(),
    });
    if error.is_some() {
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    response
}

pub async fn list(State(state): State<ConsoleState>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require_operator() {
        return refused.into_response();
    }
    links_page(&state, &viewer, None, None).await
}

/// The console's address for links: the configured public URL, else the address this browser
/// used (`Host`), over https when the cookie is marked secure (nginx terminates TLS).
fn base(state: &ConsoleState, headers: &HeaderMap) -> String {
    if let Some(public) = &state.settings.public_url {
        return public.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.settings.secure_cookie {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

pub async fn make(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> Response {
    if let Err(refused) = viewer.operator_form(&form.csrf) {
        return refused.into_response();
    }
    let store_id = form.store.trim();
    if !state.routing.get().stores.contains_key(store_id) {
        let error = format!("Магазина «{store_id}» нет в настройках.");
        return links_page(&state, &viewer, None, Some(error)).await;
    }
    let hours = match form.hours.trim() {
        "" => DEFAULT_HOURS,
        text => match text.parse::<u32>() {
            Ok(hours) if (1..=MAX_HOURS).contains(&hours) => hours,
            _ => {
                let error = format!("Срок — целое число часов от 1 до {MAX_HOURS}.");
                return links_page(&state, &viewer, None, Some(error)).await;
            }
        },
    };
    let name = format!("{} (ссылка)", state.store_name(store_id));
    let now = Utc::now();
    let actor = viewer.actor();
    let made = create(
        &*state.store,
        store_id,
        &name,
        &actor,
        Via::Console,
        hours,
        now,
    );
    let created = match made.await {
        Ok(created) => created,
        Err(error) => return page::unavailable(&error),
    };
    tracing::info!(operator = ?viewer.name, store = %store_id, link = created.id, "console: sign-in link made");
    let url = url(&base(&state, &headers), &created.path);
    let fresh = Fresh {
        qr: qr_svg(&url).unwrap_or_default(),
        url,
        store: state.store_name(store_id),
        expires_at: when(state.routing.get().timezone, created.expires_at),
    };
    links_page(&state, &viewer, Some(fresh), None).await
}

pub async fn revoke(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Err(refused) = viewer.operator_form(&form.csrf) {
        return refused.into_response();
    }
    let actor = viewer.actor();
    match actions::links::revoke(&*state.store, id, &actor, Via::Console, Utc::now()).await {
        Ok(revoked) => {
            tracing::info!(operator = ?viewer.name, link = id, revoked, "console: sign-in link revoked");
            Redirect::to("/links").into_response()
        }
        Err(error) => page::unavailable(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_url_and_its_qr_code() {
        assert_eq!(
            url("https://console.example/", "/link/ab"),
            "https://console.example/link/ab"
        );
        let svg = qr_svg("https://console.example/link/ab").unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        // The console's Content-Security-Policy refuses inline styles: the code is drawn by
        // attributes alone.
        assert!(!svg.contains("style"), "{svg}");
    }

    #[test]
    fn a_link_state_reads_revoked_before_used_before_expired() {
        let now = Utc::now();
        let mut link = Link {
            id: 1,
            store_id: "77-001".into(),
            name: "Лесная".into(),
            created_by: "op".into(),
            created_at: now,
            expires_at: now + Duration::hours(1),
            used_at: None,
            revoked_at: None,
        };
        assert_eq!(state_of(&link, now), "unused");
        assert_eq!(state_of(&link, now + Duration::hours(2)), "expired");
        link.used_at = Some(now);
        assert_eq!(state_of(&link, now + Duration::hours(2)), "used");
        link.revoked_at = Some(now);
        assert_eq!(state_of(&link, now), "revoked");
    }
}
