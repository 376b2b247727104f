//! A browser's part for the console's tests: signs in with a token through the real sign-in
//! form, keeps the session cookie, and never follows a redirect (the tests look at where it
//! points).

use crate::harness::TestApp;
use reqwest::redirect::Policy;

pub struct ConsoleClient {
    pub client: reqwest::Client,
    pub base: String,
}

/// The hidden `form` value of a sign-in page.
fn form_value(page: &str) -> String {
    let start = page.find(r#"name="form" value=""#).expect("a sign-in form")
        + r#"name="form" value=""#.len();
    let end = page[start..].find('"').expect("the value's end");
    page[start..start + end].to_owned()
}

impl ConsoleClient {
    /// Nobody signed in.
    pub fn anonymous(app: &TestApp) -> ConsoleClient {
        ConsoleClient {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .expect("a client"),
            base: app.console_base.clone(),
        }
    }

    /// Signed in with `token`, as a person does it: the form, then its POST.
    pub async fn sign_in(app: &TestApp, token: &str) -> ConsoleClient {
        let console = ConsoleClient::anonymous(app);
        let (status, page) = console.get("/signin").await;
        assert_eq!(status, 200, "the sign-in page");
        let form = form_value(&page);
        let (status, body) = console
            .post_form("/signin", &[("token", token), ("form", &form)])
            .await;
        assert_eq!(status, 303, "signed in: {body}");
        console
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// (status, body text).
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.client.get(self.url(path)).send().await.expect("GET");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// A request as `board.js` makes it for the table.
    pub async fn get_fragment(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(self.url(path))
            .header("X-Console-Fragment", "1")
            .send()
            .await
            .expect("GET a fragment");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let response = self
            .client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }
}
