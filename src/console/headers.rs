//! The headers every console answer carries, whatever route, fallback or refusal wrote it: the
//! console shows customers' names, phones and addresses and lets the operator act, so the
//! browser is told to run nothing but the binary's own files, frame it nowhere, guess no types,
//! leak no address and keep no copy.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// Only the binary's own scripts, styles and images (and the `data:` images a stylesheet may
/// inline): an injected `<script>`, inline handler or `style=` does nothing, and a page can send
/// data to no other host. No `<base>` to re-point relative links; forms post only back here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Every header with its value; `overriding`: no handler can weaken them.
const ALWAYS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    // `frame-ancestors` for browsers that predate it: no page may frame the operator's
    // buttons (clickjacking).
    (header::X_FRAME_OPTIONS, "DENY"),
    // A stored text is never run as a script because a browser guessed its type.
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    // One-time sign-in links carry their code in the URL: no Referer may take it elsewhere.
    (header::REFERRER_POLICY, "no-referrer"),
];

/// Pages carry order data: no browser or proxy keeps a copy. `if_not_present`, so the assets
/// keep their year-long cache and a response that chose its own caching keeps it.
const UNLESS_SET: (HeaderName, &str) = (header::CACHE_CONTROL, "no-store");

/// The console's router with the headers on every answer, fallbacks and refusals included.
pub fn admin_site(router: Router) -> Router {
    let (name, value) = UNLESS_SET;
    let router = router.layer(SetResponseHeaderLayer::if_not_present(
        name,
        HeaderValue::from_static(value),
    ));
    ALWAYS.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ))
    })
}
