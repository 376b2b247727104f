//! The picking sheet's barcodes, drawn by the binary as inline SVG: the partner number in
//! Code 128 (the picker scans it into the back-office) and a line's EAN when its sku is one
//! (scanned at the shelf instead of typing the sku). The bars come from `barcoders`; this file
//! only lays them out for an office laser printer: whole modules, crisp edges, quiet zones and
//! the text under them, black on white, sized in millimetres.
//!
//! No `style` attribute and no `<style>` element: the console's Content-Security-Policy allows
//! neither, so colours are SVG presentation attributes and the rest is `console.css`.

use crate::notice::escape_html;
use barcoders::sym::code128::Code128;
use barcoders::sym::ean8::EAN8;
use barcoders::sym::ean13::EAN13;
use std::fmt::Write;

/// One module (the narrowest bar) is 1/75 inch: a whole 4 or 8 dots on a 300 or 600 dpi laser
/// printer, and close to EAN-13's nominal 0.33 mm.
const MODULE_MM: f64 = 25.4 / 75.0;
/// Room under the bars for the human-readable text, in modules.
const TEXT_ROOM: u32 = 9;
const FONT_SIZE: u32 = 8;

/// What is drawn, and how tall its bars are: the number's header code stands out, a line's EAN
/// fits its table row.
struct Symbol<'a> {
    modules: Vec<u8>,
    text: &'a str,
    kind: &'static str,
    quiet_left: u32,
    quiet_right: u32,
    bar_height: u32,
}

/// Whether a sku is an EAN-13 or EAN-8 whose check digit holds: only then is it worth a barcode
/// (a back-office code such as `2000000012345` with a wrong check digit would not scan).
pub fn is_ean(sku: &str) -> bool {
    if !matches!(sku.len(), 8 | 13) || !sku.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = sku.bytes().map(|b| u32::from(b - b'0')).collect();
    let Some((&check, body)) = digits.split_last() else {
        return false;
    };
    // Weights 3, 1, 3… from the digit next to the check digit leftwards, for both lengths.
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check
}

/// The partner number (`SM-000001`) in Code 128 set B; none for a number outside printable
/// ASCII, which set B cannot carry.
pub fn number_svg(number: &str) -> Option<String> {
    if number.is_empty() || !number.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return None;
    }
    // `Ɓ` is barcoders' way to say «start in set B»; it is not part of the data.
    let code = Code128::new(format!("Ɓ{number}")).ok()?;
    Some(draw(&Symbol {
        modules: code.encode(),
        text: number,
        kind: "barcode-number",
        quiet_left: 10,
        quiet_right: 10,
        bar_height: 36,
    }))
}

/// A line's EAN-13 or EAN-8, when `is_ean(sku)`.
pub fn ean_svg(sku: &str) -> Option<String> {
    if !is_ean(sku) {
        return None;
    }
    let (modules, quiet_left) = match sku.len() {
        13 => (EAN13::new(sku).ok()?.encode(), 11),
        _ => (EAN8::new(sku).ok()?.encode(), 7),
    };
    Some(draw(&Symbol {
        modules,
        text: sku,
        kind: "barcode-ean",
        quiet_left,
        quiet_right: 7,
        bar_height: 26,
    }))
}

/// One `<rect>` per bar (a run of dark modules), one user unit per module.
fn draw(symbol: &Symbol) -> String {
    let width = symbol.quiet_left + symbol.modules.len() as u32 + symbol.quiet_right;
    let height = symbol.bar_height + TEXT_ROOM;
    let text = escape_html(symbol.text);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="barcode {kind}" data-barcode="{text}" role="img" aria-label="{text}" viewBox="0 0 {width} {height}" width="{w:.3}mm" height="{h:.3}mm" shape-rendering="crispEdges"><rect width="{width}" height="{height}" fill="#fff"/><g class="bars" fill="#000">"##,
        kind = symbol.kind,
        w = f64::from(width) * MODULE_MM,
        h = f64::from(height) * MODULE_MM,
    );
    let mut x = symbol.quiet_left;
    for (dark, run) in runs(&symbol.modules) {
        if dark {
            let _ = write!(
                svg,
                r#"<rect x="{x}" y="0" width="{run}" height="{}"/>"#,
                symbol.bar_height
            );
        }
        x += run;
    }
    let _ = write!(
        svg,
        r##"</g><text x="{}" y="{}" text-anchor="middle" font-family="monospace" font-size="{FONT_SIZE}" fill="#000">{text}</text></svg>"##,
        width / 2,
        height - 1,
    );
    svg
}

/// The modules as (dark, how many in a row).
fn runs(modules: &[u8]) -> Vec<(bool, u32)> {
    let mut runs: Vec<(bool, u32)> = Vec::new();
    for &module in modules {
        let dark = module == 1;
        match runs.last_mut() {
            Some((last, count)) if *last == dark => *count += 1,
            _ => runs.push((dark, 1)),
        }
    }
    runs
}

#[cfg(test)]
#[path = "barcode_tests.rs"]
mod tests;
