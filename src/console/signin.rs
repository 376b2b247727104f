//! Signing in and out: with a token from the tokens file, or with a store's one-time link. A
//! refused token is answered a second later and logged without itself. The sign-in forms are
//! protected by a short-lived cookie that the form must repeat (no session exists yet).

use super::ConsoleState;
use super::grant::digest_hex;
use super::page::{self, Nav};
use super::session::{self, COOKIE, Viewer, cookie};
use crate::access::Role;
use crate::telemetry::names;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use serde::Deserialize;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// The cookie a sign-in form repeats.
const FORM_COOKIE: &str = "oh_signin";
/// How long a refused sign-in waits before it is answered.
const REFUSAL_DELAY: Duration = Duration::from_secs(1);

#[derive(Template)]
#[template(path = "console/signin.html")]
struct SignIn<'a> {
    form: &'a str,
    refused: bool,
    assets: &'static str,
}

#[derive(Template)]
#[template(path = "console/redeem.html")]
struct Redeem<'a> {
    form: &'a str,
    code: &'a str,
    assets: &'static str,
}

#[derive(Template)]
#[template(path = "console/home.html")]
struct Home {
    nav: Nav,
    stores: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    token: String,
    form: String,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

#[derive(Deserialize)]
pub struct RedeemForm {
    form: String,
}

/// A form page with a fresh form cookie.
fn with_form_cookie(
    state: &ConsoleState,
    status: StatusCode,
    draw: impl FnOnce(&str) -> Response,
) -> Response {
    let form = session::secret();
    let page = draw(&form);
    let jar = CookieJar::new().add(cookie(state, FORM_COOKIE, form, 15 * 60));
    (status, jar, page).into_response()
}

fn form_matches(jar: &CookieJar, sent: &str) -> bool {
    jar.get(FORM_COOKIE)
        .is_some_and(|expected| bool::from(expected.value().as_bytes().ct_eq(sent.as_bytes())))
}

/// Signed in: the operator's list of stores; a store goes to its board.
pub async fn home(State(state): State<ConsoleState>, viewer: Viewer) -> Response {
    if let Role::Store(id) = &viewer.role {
        return Redirect::to(&format!("/stores/{id}")).into_response();
    }
    let stores = state.stores();
    page::render(&Home {
        nav: Nav::new(&viewer, "Магазины"),
        stores,
    })
}

pub async fn form(State(state): State<ConsoleState>) -> Response {
    with_form_cookie(&state, StatusCode::OK, |form| {
        page::render(&SignIn {
            form,
            refused: false,
            assets: super::assets::VERSION,
        })
    })
}

pub async fn submit(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    Form(sent): Form<SignInForm>,
) -> Response {
    let admitted = form_matches(&jar, &sent.form)
        .then(|| state.grants.get().admit(&sent.token))
        .flatten();
    let Some(admitted) = admitted else {
        metrics::counter!(names::CONSOLE_SIGNIN_REFUSED).increment(1);
        tracing::warn!("console sign-in refused: unknown token or stale form");
        tokio::time::sleep(REFUSAL_DELAY).await;
        return with_form_cookie(&state, StatusCode::UNAUTHORIZED, |form| {
            page::render(&SignIn {
                form,
                refused: true,
                assets: super::assets::VERSION,
            })
        });
    };
    let opened = session::Opened::Grant(admitted.grant);
    signed_in(&state, &admitted.role, &admitted.name, opened).await
}

/// Opens the session and goes home.
async fn signed_in(
    state: &ConsoleState,
    role: &Role,
    name: &str,
    opened: session::Opened,
) -> Response {
    let session = match session::open(state, role, name, opened).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    tracing::info!(viewer = ?name, role = %role.as_text(), "console sign-in");
    // The form cookie has served its one form.
    let jar = CookieJar::new()
        .add(session)
        .add(cookie(state, FORM_COOKIE, String::new(), 0));
    (jar, Redirect::to("/")).into_response()
}

pub async fn sign_out(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Form(sent): Form<CsrfForm>,
) -> Response {
    if let Err(refused) = viewer.check_csrf(&sent.csrf) {
        return refused.into_response();
    }
    if let Err(error) = state.store.end_session(&viewer.session, Utc::now()).await {
        return page::unavailable(&error);
    }
    let jar = CookieJar::new().add(cookie(&state, COOKIE, String::new(), 0));
    (jar, Redirect::to("/signin")).into_response()
}

/// A one-time link asks first: a messenger's link preview must not use it up.
pub async fn redeem_form(State(state): State<ConsoleState>, Path(code): Path<String>) -> Response {
    with_form_cookie(&state, StatusCode::OK, |form| {
        page::render(&Redeem {
            form,
            code: &code,
            assets: super::assets::VERSION,
        })
    })
}

pub async fn redeem(
    State(state): State<ConsoleState>,
    Path(code): Path<String>,
    jar: CookieJar,
    Form(sent): Form<RedeemForm>,
) -> Response {
    if !form_matches(&jar, &sent.form) {
        return (
            StatusCode::FORBIDDEN,
            "the form is stale: open the link again",
        )
            .into_response();
    }
    let link = match state
        .store
        .redeem_link(&digest_hex(code.as_bytes()), Utc::now())
        .await
    {
        Ok(link) => link,
        Err(error) => return page::unavailable(&error),
    };
    let Some(link) = link else {
        metrics::counter!(names::CONSOLE_SIGNIN_REFUSED).increment(1);
        tracing::warn!("console sign-in refused: a used, revoked or expired link");
        tokio::time::sleep(REFUSAL_DELAY).await;
        return page::gone();
    };
    signed_in(
        &state,
        &Role::Store(link.store_id),
        &link.name,
        session::Opened::Link(link.id),
    )
    .await
}
