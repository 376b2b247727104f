//! Cutting a long notice into numbered Telegram messages. A big order is read in full, part by
//! part, rather than abridged: a picker who never sees a line never picks it.

/// Telegram refuses messages longer than this (in characters).
pub const TELEGRAM_TEXT_LIMIT: usize = 4096;

/// Parts are packed to this size, which leaves Telegram's limit room for the part number.
pub const PART_BUDGET: usize = 4000;

/// Kept free in every part for the ` (часть 12/12)` that follows the headline.
const PART_LABEL_ROOM: usize = 24;

/// The first line of a notice sent again after an attempt whose outcome was lost (its worker
/// died between Telegram's "ok" and the database): the chat may already show it, and a picker
/// who reads this does not pick the order twice.
pub const REPEAT_MARK: &str = "⚠️ возможно, повтор";

/// Kept free in every message for the repeat mark and the line break after it.
const REPEAT_MARK_ROOM: usize = const_size(REPEAT_MARK) + 1;

// A part must fit even when its part number takes all the room kept for it, and it is re-sent
// with the repeat mark on top.
const _: () = assert!(PART_BUDGET + PART_LABEL_ROOM + REPEAT_MARK_ROOM <= TELEGRAM_TEXT_LIMIT);

/// The text to send when this attempt may repeat a message already in the chat.
pub fn with_repeat_mark(text: &str) -> String {
    format!("{REPEAT_MARK}\n{text}")
}

/// Text size as the budget counts it: UTF-16 code units, never fewer than the characters and
/// two for an emoji, so a part is within the limit whichever way Telegram counts it.
fn size(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `size` for the compiler: a four-byte UTF-8 sequence is two UTF-16 units, any other one.
const fn const_size(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut units) = (0, 0);
    while i < bytes.len() {
        let byte = bytes[i];
        if byte & 0xC0 != 0x80 {
            units += if byte >= 0xF0 { 2 } else { 1 };
        }
        i += 1;
    }
    units
}

/// A notice laid out before it is cut into messages. Each piece is whole Telegram HTML (every
/// tag it opens it closes, every entity is whole), so any cut between pieces is valid HTML too.
pub struct Layout {
    /// `🆕 Новый заказ <b>SM-000007</b>`; the part number follows it.
    pub headline: String,
    /// The marketplace's id and the store, on lines of their own: repeated in every part so that
    /// whoever reads any part knows the order.
    pub ids: String,
    /// Said once, in the first part (the delivery window, the shipment method).
    pub details: String,
    /// Opens the list in every part (`<b>Состав:</b>`).
    pub list_heading: String,
    /// One line each, never cut; numbering, if any, is already in them.
    pub items: Vec<String>,
    /// Said once, at the end of the last part (the comment, the replacements, the total).
    pub tail: String,
}

impl Layout {
    /// One text when the whole notice fits in a message; otherwise parts headed
    /// `… (часть i/n)`, in reading order, each within the budget.
    ///
    /// Each item, the tail and the fixed pieces are capped by their makers, so that a part always
    /// has room for at least one item and the tail.
    pub fn into_parts(self) -> Vec<String> {
        let whole = self.render(0, 1, &self.items);
        if size(&whole) <= PART_BUDGET {
            return vec![whole];
        }
        let fixed = |first: bool| {
            size(&self.headline)
                + PART_LABEL_ROOM
                + size(&self.ids)
                + if first { size(&self.details) } else { 0 }
                + size(&self.list_heading)
        };
        let mut groups = Vec::new();
        let mut start = 0;
        let mut used = fixed(true);
        for (i, item) in self.items.iter().enumerate() {
            let mut need = size(item) + 1;
            if i + 1 == self.items.len() {
                // The last item goes where the tail fits after it.
                need += size(&self.tail);
            }
            if i > start && used + need > PART_BUDGET {
                groups.push(start..i);
                start = i;
                used = fixed(false);
            }
            used += need;
        }
        groups.push(start..self.items.len());
        let count = groups.len();
        groups
            .into_iter()
            .enumerate()
            .map(|(part, range)| self.render(part, count, &self.items[range]))
            .collect()
    }

    fn render(&self, part: usize, count: usize, items: &[String]) -> String {
        let mut text = self.headline.clone();
        if count > 1 {
            text.push_str(&format!(" (часть {}/{count})", part + 1));
        }
        text.push_str(&self.ids);
        if part == 0 {
            text.push_str(&self.details);
        }
        text.push_str(&self.list_heading);
        for item in items {
            text.push_str(item);
            text.push('\n');
        }
        if part + 1 == count {
            text.push_str(&self.tail);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(items: usize, item_len: usize) -> Layout {
        Layout {
            headline: "🆕 <b>SM-1</b>".to_owned(),
            ids: "\nid\n".to_owned(),
            details: "details\n".to_owned(),
            list_heading: "<b>list:</b>\n".to_owned(),
            items: (1..=items)
                .map(|i| format!("{i}. {}", "x".repeat(item_len)))
                .collect(),
            tail: "tail".to_owned(),
        }
    }

    #[test]
    fn a_notice_that_fits_is_one_message_without_a_part_number() {
        assert_eq!(
            draft(2, 3).into_parts(),
            vec!["🆕 <b>SM-1</b>\nid\ndetails\n<b>list:</b>\n1. xxx\n2. xxx\ntail"]
        );
    }

    #[test]
    fn a_long_list_is_cut_between_items_into_numbered_parts() {
        let parts = draft(1000, 40).into_parts();
        let count = parts.len();
        assert!(count >= 10, "{count} parts");
        let mut items = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            assert!(size(part) <= PART_BUDGET, "part {i}: {}", size(part));
            let heading = format!("🆕 <b>SM-1</b> (часть {}/{count})\nid\n", i + 1);
            assert!(part.starts_with(&heading), "{part}");
            assert_eq!(part.contains("details"), i == 0);
            assert_eq!(part.ends_with("\ntail"), i + 1 == count);
            assert!(part.contains("<b>list:</b>\n"));
            items.extend(
                part.lines()
                    .filter(|l| l.ends_with("xxxx"))
                    .map(str::to_owned),
            );
        }
        assert_eq!(items, draft(1000, 40).items, "every item once, in order");
    }

    #[test]
    fn the_last_item_moves_on_with_the_tail_when_the_tail_does_not_fit_after_it() {
        // 80 items fit in one message; with the tail they do not.
        let mut draft = draft(80, 40);
        draft.tail = "т".repeat(1500);
        let parts = draft.into_parts();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| size(p) <= PART_BUDGET));
        assert!(parts[0].contains("\n79. ") && !parts[0].contains("80. "));
        assert!(parts[1].contains("\n80. ") && parts[1].ends_with(&"т".repeat(1500)));
    }

    #[test]
    fn the_compile_time_size_counts_as_the_budget_does() {
        for text in [REPEAT_MARK, "🆕 Новый заказ", "abc", "🔢€ё\n", ""] {
            assert_eq!(const_size(text), size(text), "{text}");
        }
    }

    #[test]
    fn a_marked_part_is_within_telegrams_limit() {
        let parts = draft(1000, 40).into_parts();
        for part in &parts {
            let marked = with_repeat_mark(part);
            assert!(marked.starts_with("⚠️ возможно, повтор\n🆕 "));
            assert!(size(&marked) <= TELEGRAM_TEXT_LIMIT, "{}", size(&marked));
        }
    }

    #[test]
    fn emoji_count_twice_towards_the_budget() {
        let parts = Layout {
            items: (0..300).map(|_| "🔢".repeat(10)).collect(),
            ..draft(0, 0)
        }
        .into_parts();
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| size(p) <= PART_BUDGET));
        assert!(
            parts
                .iter()
                .all(|p| p.chars().count() < PART_BUDGET * 2 / 3)
        );
    }
}
