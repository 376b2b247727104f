//! A browser for the console's black-box tests: it keeps cookies and does not follow
//! redirects, so a test sees the console's 303s (a sign-in, a POST's way back, a signed-out
//! page sent to `/signin`).

use crate::harness::TestApp;
use reqwest::cookie::{CookieStore, Jar};
use std::sync::Arc;

pub struct ConsoleClient {
    pub client: reqwest::Client,
    pub base: String,
    pub jar: Arc<Jar>,
}

/// The value of a page's hidden input `name` (`form`, `csrf`).
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// Sends the request: its status and body.
async fn answer(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.expect("a console request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a console answer"))
}

impl ConsoleClient {
    /// A browser with no session yet.
    pub fn anonymous(app: &TestApp) -> ConsoleClient {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("console client");
        ConsoleClient {
            client,
            base: app.console_base.clone(),
            jar,
        }
    }

    /// Signs in with a token through the sign-in form, as a person would.
    pub async fn sign_in(app: &TestApp, token: &str) -> ConsoleClient {
        let browser = ConsoleClient::anonymous(app);
        let (status, page) = browser.get("/signin").await;
        assert_eq!(status, 200, "{page}");
        let form = hidden(&page, "form").expect("the sign-in form's hidden field");
        let (status, page) = browser
            .post_form("/signin", &[("token", token), ("form", &form)])
            .await;
        assert_eq!(status, 303, "signed in: {page}");
        browser
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        answer(self.client.get(self.url(path))).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        answer(self.client.post(self.url(path)).form(form)).await
    }

    /// A request as `board.js` makes it for the table.
    pub async fn get_fragment(&self, path: &str) -> (u16, String) {
        answer(
            self.client
                .get(self.url(path))
                .header("X-Console-Fragment", "1"),
        )
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Where a GET is sent (a 3xx's `Location`), if anywhere.
    pub async fn location(&self, path: &str) -> Option<String> {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("console GET");
        response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    }

    /// The session's CSRF token, read from a page that has the header's sign-out form.
    pub async fn csrf(&self, path: &str) -> String {
        let (status, page) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {page}");
        hidden(&page, "csrf").expect("a page with the CSRF field")
    }

    /// The cookies this browser would send, as a `Cookie` header.
    pub fn cookie_header(&self) -> String {
        let url = reqwest::Url::parse(&self.base).expect("console URL");
        self.jar
            .cookies(&url)
            .and_then(|value| value.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }
}
