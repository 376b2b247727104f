//! The console's admin-site headers on every kind of answer (a page, a fragment, an event
//! stream, an asset, a 404, a 403, a redirect, a sign-in, a POST refused for its CSRF token),
//! the assets' year-long cache beside the pages' `no-store`, the cookies' attributes, and the
//! pages' Russian words for stored values.

use crate::console_client::{ConsoleClient, hidden};
use crate::harness::{Backend, OPERATOR_TOKEN, STORE_TOKEN, TestApp, fixture};
use orders_hook::console::headers::CONTENT_SECURITY_POLICY;
use orders_hook::on_both_backends;
use reqwest::header::HeaderMap;

on_both_backends!(
    console_headers_are_on_every_kind_of_answer,
    console_pages_say_stored_values_in_russian,
);

/// The headers as sent, and the status, for one request.
async fn headers_of(request: reqwest::RequestBuilder) -> (u16, HeaderMap) {
    let response = request.send().await.expect("a console request");
    (response.status().as_u16(), response.headers().clone())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// The admin-site set; `cache` is what Cache-Control must say.
fn assert_admin_site(what: &str, headers: &HeaderMap, cache: &str) {
    for (name, expected) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", cache),
    ] {
        assert_eq!(
            header(headers, name),
            expected,
            "{what}: {name}: {headers:?}"
        );
    }
}

async fn console_headers_are_on_every_kind_of_answer(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    let anonymous = ConsoleClient::anonymous(&app);
    let store = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;
    let csrf = operator.csrf("/journal").await;
    assert!(!csrf.is_empty());

    let (status, signin) = headers_of(anonymous.client.get(anonymous.url("/signin"))).await;
    assert_eq!(status, 200);
    assert_admin_site("the sign-in page", &signin, "no-store");
    // The form cookie keeps its attributes under the cookie jar.
    let cookie = header(&signin, "set-cookie");
    for attribute in [
        "oh_signin=",
        "Path=/",
        "HttpOnly",
        "SameSite=Strict",
        "Max-Age=900",
    ] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }

    let cases: [(&str, reqwest::RequestBuilder, u16, &str); 10] = [
        (
            "a signed-in page",
            operator.client.get(operator.url("/dashboard")),
            200,
            "no-store",
        ),
        (
            "an order's story",
            operator.client.get(operator.url("/orders/R246801357")),
            200,
            "no-store",
        ),
        (
            "a board's fragment",
            store
                .client
                .get(store.url("/stores/77-001/table"))
                .header("X-Console-Fragment", "1"),
            200,
            "no-store",
        ),
        // A stream of "look again" signals, no order data: it keeps axum's own `no-cache`.
        (
            "a board's event stream",
            store
                .client
                .get(store.url("/stores/77-001/events"))
                .header("Accept", "text/event-stream"),
            200,
            "no-cache",
        ),
        (
            "an asset",
            anonymous
                .client
                .get(anonymous.url("/assets/console.css?v=4")),
            200,
            "public, max-age=31536000, immutable",
        ),
        (
            "a 404",
            operator.client.get(operator.url("/nothing/here")),
            404,
            "no-store",
        ),
        (
            "a 403",
            store.client.get(store.url("/journal")),
            403,
            "no-store",
        ),
        (
            "a redirect to sign in",
            anonymous.client.get(anonymous.url("/dashboard")),
            303,
            "no-store",
        ),
        (
            "a POST refused for its CSRF token",
            operator
                .client
                .post(operator.url("/signout"))
                .form(&[("csrf", "stale")]),
            403,
            "no-store",
        ),
        (
            "a refused sign-in",
            anonymous
                .client
                .post(anonymous.url("/signin"))
                .form(&[("token", "wrong"), ("form", "stale")]),
            401,
            "no-store",
        ),
    ];
    for (what, request, status, cache) in cases {
        let (answered, headers) = headers_of(request).await;
        assert_eq!(answered, status, "{what}: {headers:?}");
        assert_admin_site(what, &headers, cache);
    }

    // A sign-in's redirect sets the session cookie with the console's attributes.
    let fresh = ConsoleClient::anonymous(&app);
    let (_, page) = fresh.get("/signin").await;
    let form = hidden(&page, "form").expect("the sign-in form");
    let (status, signed_in) = headers_of(
        fresh
            .client
            .post(fresh.url("/signin"))
            .form(&[("token", OPERATOR_TOKEN), ("form", form.as_str())]),
    )
    .await;
    assert_eq!(status, 303);
    assert_admin_site("a sign-in's redirect", &signed_in, "no-store");
    let cookies: Vec<&str> = signed_in
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    let session = cookies
        .iter()
        .find(|cookie| cookie.starts_with("oh_console="))
        .expect("the session cookie");
    for attribute in ["Path=/", "HttpOnly", "SameSite=Strict", "Max-Age="] {
        assert!(session.contains(attribute), "{attribute}: {session}");
    }
    assert!(!session.contains("Secure"), "not configured: {session}");
    assert!(
        cookies
            .iter()
            .any(|cookie| cookie.starts_with("oh_signin=;") && cookie.contains("Max-Age=0")),
        "the form cookie ended: {cookies:?}"
    );
    app.stop().await;
}

async fn console_pages_say_stored_values_in_russian(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.post(&fixture("order.created")).await;
    let operator = ConsoleClient::sign_in(&app, OPERATOR_TOKEN).await;

    let (status, dashboard) = operator.get("/dashboard").await;
    assert_eq!(status, 200, "{dashboard}");
    for word in ["Новый", "Оплачен", "Передан курьеру", "Отменён"]
    {
        assert!(dashboard.contains(word), "{word}: {dashboard}");
    }
    assert!(
        dashboard.contains("title=\"new\""),
        "the spelling as a tooltip"
    );
    for raw in [">new<", ">paid<", ">shipped<", "NEW", "PAID"] {
        assert!(!dashboard.contains(raw), "{raw}: {dashboard}");
    }

    let (status, story) = operator.get("/orders/R246801357").await;
    assert_eq!(status, 200, "{story}");
    for word in [
        "позвонить клиенту, если не ответит — убрать товар",
        "Новый заказ",
        "Принято",
        "Ждёт отправки",
    ] {
        assert!(story.contains(word), "{word}: {story}");
    }
    assert!(story.contains("title=\"callOrRemove\""), "{story}");
    for raw in [
        ">callOrRemove<",
        ">order.created<",
        ">applied<",
        ">pending<",
        ">new<",
    ] {
        assert!(!story.contains(raw), "{raw}: {story}");
    }

    let (status, journal) = operator.get("/journal").await;
    assert_eq!(status, 200, "{journal}");
    assert!(
        journal
            .contains("<option value=\"not_found\" title=\"not_found\">Заказ не найден</option>"),
        "{journal}"
    );
    assert!(!journal.contains(">order.created<"), "{journal}");
    app.stop().await;
}
