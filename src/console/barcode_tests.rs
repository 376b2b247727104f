//! Which skus get a barcode, and how the bars are laid out for the printer. That the bars read
//! back as the number and the sku is the black-box suite's decoder's to prove.

use super::*;
use proptest::prelude::*;

#[test]
fn an_ean_is_thirteen_or_eight_digits_with_a_true_check_digit() {
    for ean in [
        "4607001771234",
        "4600494000010",
        "96385074",
        "0000000000000",
    ] {
        assert!(is_ean(ean), "{ean}");
    }
    for not in [
        "2000000012345",    // a wrong check digit
        "4600494000012",    // a wrong check digit
        "460700177123",     // twelve digits
        "460700177123 ",    // a space
        "46070O1771234",    // a letter O
        "４６０７００１７", // full-width digits
        "",
        "SM-000001",
    ] {
        assert!(!is_ean(not), "{not}");
    }
}

#[test]
fn only_a_true_ean_sku_is_drawn() {
    assert!(ean_svg("4607001771234").is_some());
    assert!(ean_svg("96385074").is_some());
    assert!(ean_svg("2000000012345").is_none());
    assert!(ean_svg("X-1").is_none());
}

#[test]
fn a_number_outside_printable_ascii_gets_no_barcode() {
    assert!(number_svg("SM-000001").is_some());
    assert!(number_svg("СМ-000001").is_none(), "Cyrillic С and М");
    assert!(number_svg("ƁSM-1").is_none(), "no set switch smuggled in");
    assert!(number_svg("").is_none());
}

/// The `(x, width)` of every bar, in user units, as written.
fn bars(svg: &str) -> Vec<(u32, u32)> {
    let group = &svg[svg.find(r#"<g class="bars""#).expect("bars")..];
    let group = &group[..group.find("</g>").expect("the group's end")];
    group
        .split("<rect ")
        .skip(1)
        .map(|rect| {
            let number = |name: &str| -> u32 {
                let start = rect.find(&format!(r#"{name}=""#)).expect(name) + name.len() + 2;
                let end = start + rect[start..].find('"').expect("the quote");
                rect[start..end].parse().expect("whole user units")
            };
            (number("x"), number("width"))
        })
        .collect()
}

#[test]
fn bars_are_whole_modules_inside_the_quiet_zones_and_crisp() {
    let svg = ean_svg("4607001771234").expect("an EAN-13");
    assert!(svg.contains(r#"shape-rendering="crispEdges""#), "{svg}");
    assert!(
        svg.contains(r#"viewBox="0 0 113 35""#),
        "11 + 95 + 7 modules: {svg}"
    );
    assert!(svg.contains(r#"width="38.269mm""#), "{svg}");
    assert!(svg.contains(r#"data-barcode="4607001771234""#), "{svg}");
    assert!(
        svg.contains(">4607001771234</text>"),
        "the digits under the bars: {svg}"
    );
    assert!(
        !svg.contains("style"),
        "the console's CSP forbids inline styles: {svg}"
    );
    let bars = bars(&svg);
    // The guards: 101 at the left edge of the symbol, then 30 bars of the 12 digits, 01010 in
    // the middle and 101 at the right: 3 + 12 * 2 + 3 = 30 bars.
    assert_eq!(bars.len(), 30, "{bars:?}");
    assert_eq!(bars[0], (11, 1));
    assert_eq!(bars[1], (13, 1));
    let (x, width) = bars[bars.len() - 1];
    assert_eq!(x + width, 11 + 95, "the right quiet zone is left white");
}

#[test]
fn the_number_is_escaped_in_its_text_and_attributes() {
    let svg = number_svg(r#"A<&">1"#).expect("printable ASCII");
    assert!(
        svg.contains(r#"data-barcode="A&lt;&amp;&quot;&gt;1""#),
        "{svg}"
    );
    assert!(!svg.contains(r#"A<&"#), "{svg}");
}

/// Twelve digits and the one check digit that makes an EAN-13 of them.
fn with_check(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10
}

proptest! {
    #[test]
    fn exactly_one_check_digit_makes_an_ean(
        body in prop::collection::vec(0u32..10, 12),
        last in 0u32..10,
        short in prop::collection::vec(0u32..10, 7),
    ) {
        for body in [&body, &short] {
            let text: String = body.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            let sku = format!("{text}{last}");
            prop_assert_eq!(is_ean(&sku), last == with_check(body), "{}", sku);
            prop_assert_eq!(ean_svg(&sku).is_some(), is_ean(&sku));
        }
    }

    #[test]
    fn any_text_is_judged_without_a_panic(sku in "\\PC{0,20}") {
        let _ = is_ean(&sku);
        let _ = ean_svg(&sku);
        let _ = number_svg(&sku);
    }
}
