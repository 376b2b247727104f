//! A scanner, test-side: reads the bars of a barcode `<svg>` the console drew (each bar's `x`
//! and `width` in modules) and decodes Code 128 (set B) and EAN-13/EAN-8, with their check
//! characters. Written from the symbologies' tables, not from the crate that drew the bars, so
//! a decoded text proves the printed bars say it. Shared with the browser test, which reads the
//! `<svg>` as the browser serialises it.

/// The dark (true) and light modules from the first bar to the last, and the light modules
/// left before and after them inside the drawing (the quiet zones).
pub struct Scanned {
    pub modules: Vec<bool>,
    pub quiet_left: u32,
    pub quiet_right: u32,
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_owned())
}

/// Reads the bars of one barcode `<svg>`.
pub fn scan(svg: &str) -> Scanned {
    let view_box = attribute(svg, "viewBox").expect("a viewBox");
    let width: u32 = view_box
        .split_whitespace()
        .nth(2)
        .and_then(|w| w.parse().ok())
        .expect("a whole width");
    let group = &svg[svg.find(r#"<g class="bars""#).expect("the bars' group")..];
    let group = &group[..group.find("</g>").expect("the group's end")];
    let bars: Vec<(u32, u32)> = group
        .split("<rect")
        .skip(1)
        .map(|rect| {
            let number = |name| -> u32 {
                attribute(rect, name)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("a whole {name} in {rect}"))
            };
            (number("x"), number("width"))
        })
        .collect();
    let first = bars.first().expect("bars").0;
    let (last_x, last_w) = *bars.last().expect("bars");
    let end = last_x + last_w;
    let mut modules = vec![false; (end - first) as usize];
    for (x, w) in bars {
        for module in &mut modules[(x - first) as usize..(x - first + w) as usize] {
            *module = true;
        }
    }
    Scanned {
        modules,
        quiet_left: first,
        quiet_right: width - end,
    }
}

/// Runs of equal modules, as widths, starting with a bar.
fn widths(modules: &[bool]) -> Vec<u8> {
    let mut widths: Vec<u8> = Vec::new();
    let mut previous = None;
    for &module in modules {
        if previous == Some(module) {
            *widths.last_mut().expect("a run") += 1;
        } else {
            widths.push(1);
            previous = Some(module);
        }
    }
    widths
}

/// Code 128's symbol values 0–105 as bar and space widths (ISO/IEC 15417).
const CODE128: [&str; 106] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232",
];
const START_B: usize = 104;
const STOP: &str = "2331112";

/// Code 128 started in set B, its check symbol verified; none when the bars say otherwise.
pub fn decode_code128(modules: &[bool]) -> Option<String> {
    let widths: String = widths(modules).iter().map(|w| w.to_string()).collect();
    let (symbols, stop) = widths.split_at(widths.len().checked_sub(7)?);
    if stop != STOP || symbols.len() % 6 != 0 {
        return None;
    }
    let values: Vec<usize> = symbols
        .as_bytes()
        .chunks(6)
        .map(|chunk| {
            let chunk = std::str::from_utf8(chunk).ok()?;
            CODE128.iter().position(|pattern| *pattern == chunk)
        })
        .collect::<Option<_>>()?;
    let (&check, rest) = values.split_last()?;
    let (&start, data) = rest.split_first()?;
    let sum = start
        + data
            .iter()
            .enumerate()
            .map(|(i, v)| (i + 1) * v)
            .sum::<usize>();
    if start != START_B || sum % 103 != check {
        return None;
    }
    data.iter()
        .map(|&v| (v <= 94).then(|| char::from(b' ' + v as u8)))
        .collect()
}

/// The left-hand odd-parity (L) digit patterns; R is L inverted, G is R reversed.
const EAN_L: [&str; 10] = [
    "0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011",
    "0110111", "0001011",
];
/// EAN-13's first digit, told by which of the left six digits are G-coded.
const EAN13_FIRST: [&str; 10] = [
    "LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL",
    "LGGLGL",
];

fn bits(modules: &[bool]) -> String {
    modules.iter().map(|&m| if m { '1' } else { '0' }).collect()
}

/// One 7-module digit: (digit, 'L' | 'G' | 'R').
fn ean_digit(pattern: &str) -> Option<(u32, char)> {
    for (digit, l) in EAN_L.iter().enumerate() {
        let r: String = l
            .chars()
            .map(|c| if c == '0' { '1' } else { '0' })
            .collect();
        let g: String = r.chars().rev().collect();
        for (code, kind) in [(l.to_string(), 'L'), (g, 'G'), (r, 'R')] {
            if code == pattern {
                return Some((digit as u32, kind));
            }
        }
    }
    None
}

/// EAN-13 (95 modules) or EAN-8 (67), guards and check digit verified.
pub fn decode_ean(modules: &[bool]) -> Option<String> {
    let bits = bits(modules);
    let half = match bits.len() {
        95 => 6,
        67 => 4,
        _ => return None,
    };
    let middle = 3 + 7 * half;
    if &bits[..3] != "101" || &bits[middle..middle + 5] != "01010" || !bits.ends_with("101") {
        return None;
    }
    let digit_at = |at: usize| ean_digit(&bits[at..at + 7]);
    let left: Vec<(u32, char)> = (0..half)
        .map(|i| digit_at(3 + 7 * i))
        .collect::<Option<_>>()?;
    let right: Vec<(u32, char)> = (0..half)
        .map(|i| digit_at(middle + 5 + 7 * i))
        .collect::<Option<_>>()?;
    if right.iter().any(|(_, kind)| *kind != 'R') || left.iter().any(|(_, kind)| *kind == 'R') {
        return None;
    }
    let mut digits: Vec<u32> = Vec::new();
    if half == 6 {
        let parity: String = left.iter().map(|(_, kind)| *kind).collect();
        digits.push(EAN13_FIRST.iter().position(|p| *p == parity)? as u32);
    } else if left.iter().any(|(_, kind)| *kind != 'L') {
        return None;
    }
    digits.extend(left.iter().chain(&right).map(|(digit, _)| *digit));
    let (check, body) = digits.split_last()?;
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { 3 * d } else { *d })
        .sum();
    if (10 - sum % 10) % 10 != *check {
        return None;
    }
    Some(digits.iter().map(|d| d.to_string()).collect())
}

/// Every barcode `<svg>` of a page, with its `data-barcode`.
pub fn barcodes(page: &str) -> Vec<(String, String)> {
    page.match_indices("<svg")
        .filter_map(|(start, _)| {
            let end = start + page[start..].find("</svg>")? + "</svg>".len();
            let svg = &page[start..end];
            let text = attribute(svg, "data-barcode")?;
            Some((text, svg.to_owned()))
        })
        .collect()
}
