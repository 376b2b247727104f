//! Escaping for Telegram's HTML parse mode, and the caps that keep one customer's text from
//! filling a message.

/// Escapes text for Telegram's HTML parse mode.
pub fn escape_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for ch in raw.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Free text from the customer or the marketplace (a comment, an address, a reason) is shown up
/// to this many characters once escaped, so that a single text always fits in one part of a
/// notice next to the order's ids.
pub const FREE_TEXT_LIMIT: usize = 1000;

/// A product name is shown up to this many characters once escaped: a real name is far
/// shorter, and an absurd one must not fill a message by itself.
pub const NAME_LIMIT: usize = 300;

/// Labels that are a word or two (a unit, a shipment method, an unknown replacement policy, a
/// store's name) are shown up to this many characters once escaped.
pub const LABEL_LIMIT: usize = 100;

/// Escapes `raw` like [`escape_html`], cut to at most `limit` characters of escaped text and
/// marked with `…` when cut; an entity is never split.
pub fn escape_html_capped(raw: &str, limit: usize) -> String {
    let escaped = escape_html(raw);
    if escaped.chars().count() <= limit {
        return escaped;
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for ch in raw.chars() {
        let piece = escape_html(ch.encode_utf8(&mut buf));
        let len = piece.chars().count();
        if used + len + 1 > limit {
            break;
        }
        out.push_str(&piece);
        used += len;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_text_cannot_inject_markup() {
        assert_eq!(
            escape_html(r#"<b>"A" & B</b>"#),
            "&lt;b&gt;&quot;A&quot; &amp; B&lt;/b&gt;"
        );
    }

    #[test]
    fn long_free_text_is_cut_without_splitting_an_entity() {
        assert_eq!(escape_html_capped("a&b", 10), "a&amp;b");
        assert_eq!(escape_html_capped("abcdef", 4), "abc…");
        assert_eq!(escape_html_capped("a&b", 6), "a…");
        assert_eq!(escape_html_capped(&"&".repeat(50), 20).chars().count(), 16);
    }
}
