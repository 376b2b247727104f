//! The sign-in cookie and who it signs in. The cookie holds 32 random bytes; the database keeps
//! only their digest, with the role, the display name, the CSRF token, the expiry and what opened
//! it (a grant's digest or a link). Every POST carries the session's CSRF token in its form.

use super::ConsoleState;
use super::grant::digest_hex;
use crate::access::Role;
use crate::store::console::NewSession;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Utc;
use subtle::ConstantTimeEq;

pub const COOKIE: &str = "oh_console";

/// Who is signed in, on this request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub role: Role,
    pub name: String,
    /// Put in every form this viewer posts.
    pub csrf: String,
    /// The session's digest, to end it.
    pub session: String,
}

/// Why a signed-in viewer is turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// A POST without this session's CSRF token.
    StaleForm,
    /// Another store's page, or an operator's page or action.
    NotYours,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::StaleForm => (
                StatusCode::FORBIDDEN,
                "the form is stale: reload the page and try again",
            )
                .into_response(),
            Refused::NotYours => super::page::forbidden(),
        }
    }
}

impl Viewer {
    /// Refuses a POST whose form does not carry this session's CSRF token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), Refused> {
        if bool::from(self.csrf.as_bytes().ct_eq(sent.as_bytes())) {
            Ok(())
        } else {
            tracing::warn!(viewer = ?self.name, "console POST refused: missing or wrong CSRF token");
            Err(Refused::StaleForm)
        }
    }

    /// Who acts, as the journal names them: the name, the role and a mark of the session.
    pub fn actor(&self) -> crate::actions::Actor {
        crate::actions::Actor::console(&self.name, self.role.as_text(), &self.session)
    }

    /// An operator's action: the operator, with this session's form.
    pub fn operator_form(&self, csrf: &str) -> Result<(), Refused> {
        self.require_operator().and_then(|()| self.check_csrf(csrf))
    }

    /// A store's action: the operator or that store's own sign-in, with this session's form.
    pub fn store_form(&self, store_id: &str, csrf: &str) -> Result<(), Refused> {
        self.require_store(Some(store_id))
            .and_then(|()| self.check_csrf(csrf))
    }

    /// Refuses anyone but the operator.
    pub fn require_operator(&self) -> Result<(), Refused> {
        if self.role.is_operator() {
            Ok(())
        } else {
            Err(Refused::NotYours)
        }
    }

    /// Refuses a store's viewer on another store's page.
    pub fn require_store(&self, store_id: Option<&str>) -> Result<(), Refused> {
        if self.role.sees(store_id) {
            Ok(())
        } else {
            Err(Refused::NotYours)
        }
    }
}

/// A fresh secret: 32 random bytes as hex.
pub fn secret() -> String {
    rand::random::<[u8; 32]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A cookie with the console's attributes: the whole console (`Path=/`), out of scripts' reach
/// (`HttpOnly`), never sent with another site's request (`SameSite=Strict`, with the CSRF token
/// besides), and `Secure` when nginx serves the console over TLS. A `max_age_secs` of 0 ends it.
pub fn cookie(
    state: &ConsoleState,
    name: &'static str,
    value: String,
    max_age_secs: u64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::seconds(
            i64::try_from(max_age_secs).unwrap_or(i64::MAX),
        ))
        .secure(state.settings.secure_cookie)
        .build()
}

/// What opened a session: a line of the tokens file (its grant's digest, so that a reload that
/// removes the line ends the session) or a one-time link (ended when the link is revoked).
#[derive(Debug, Clone)]
pub enum Opened {
    Grant(String),
    Link(i64),
}

/// Opens a session for `role` and returns the cookie that carries it.
pub async fn open(
    state: &ConsoleState,
    role: &Role,
    name: &str,
    opened: Opened,
) -> Result<Cookie<'static>, Response> {
    let (grant_digest, link_id) = match opened {
        Opened::Grant(grant) => (Some(grant), None),
        Opened::Link(id) => (None, Some(id)),
    };
    let id = secret();
    let now = Utc::now();
    let lasts = chrono::Duration::from_std(state.settings.session).unwrap_or_default();
    let session = NewSession {
        id_digest: digest_hex(id.as_bytes()),
        role: role.as_text(),
        name: name.to_owned(),
        csrf: secret(),
        link_id,
        grant_digest,
        created_at: now,
        expires_at: now + lasts,
    };
    state
        .store
        .open_session(&session)
        .await
        .map_err(|error| super::page::unavailable(&error))?;
    Ok(cookie(state, COOKIE, id, state.settings.session.as_secs()))
}

impl FromRequestParts<ConsoleState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        let signed_out = || {
            // A page is sent to the sign-in; a board's fetch or event stream is told plainly.
            if parts.headers.contains_key("x-console-fragment")
                || parts
                    .headers
                    .get(header::ACCEPT)
                    .is_some_and(|accept| accept.as_bytes().starts_with(b"text/event-stream"))
            {
                (StatusCode::UNAUTHORIZED, "signed out").into_response()
            } else {
                Redirect::to("/signin").into_response()
            }
        };
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(id) = jar.get(COOKIE) else {
            return Err(signed_out());
        };
        let digest = digest_hex(id.value().as_bytes());
        let session = state
            .store
            .session(&digest, Utc::now())
            .await
            .map_err(|error| super::page::unavailable(&error))?;
        let Some(session) = session else {
            return Err(signed_out());
        };
        let Some(role) = Role::from_text(&session.role) else {
            return Err(signed_out());
        };
        // A grant removed by a reload refuses its sessions at once, before the reload's sweep
        // has ended them in the database (or should that sweep fail).
        if let Some(grant) = &session.grant_digest
            && !state.grants.get().holds(grant, &role)
        {
            return Err(signed_out());
        }
        Ok(Viewer {
            role,
            name: session.name,
            csrf: session.csrf,
            session: digest,
        })
    }
}

/// A viewer on one store's pages (`/stores/{id}/…`): signed in, and allowed that store (the
/// operator, or that store's own sign-in); another store's viewer is refused with 403.
pub struct StoreViewer {
    pub viewer: Viewer,
    pub store_id: String,
}

impl FromRequestParts<ConsoleState> for StoreViewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        let Path(store_id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        viewer
            .require_store(Some(&store_id))
            .map_err(IntoResponse::into_response)?;
        Ok(StoreViewer { viewer, store_id })
    }
}
