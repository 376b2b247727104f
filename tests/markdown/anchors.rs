//! A Markdown page's headings as GitHub turns them into `#anchors`: shared by the manual's link
//! check (`docs_links.rs`) and the alert rules' runbook links (`alert_rules.rs`).

use std::collections::HashSet;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The extensions GitHub reads in the manual's pages.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// GitHub's id for a heading: lower case, each space a `-`, every character that is neither a
/// letter or digit (Cyrillic ones too), `-` nor `_` dropped.
pub fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// Every anchor a page offers: its headings' slugs, a repeated one numbered `-1`, `-2`, … as
/// GitHub numbers them.
pub fn anchors(markdown: &str) -> HashSet<String> {
    let mut taken = HashSet::new();
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(text) | Event::Code(text) => {
                if let Some(heading) = heading.as_mut() {
                    heading.push_str(&text);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let base = slug(&heading.take().unwrap_or_default());
                let mut anchor = base.clone();
                let mut n = 0;
                while taken.contains(&anchor) {
                    n += 1;
                    anchor = format!("{base}-{n}");
                }
                taken.insert(anchor);
            }
            _ => {}
        }
    }
    taken
}
