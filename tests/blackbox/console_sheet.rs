//! The picking sheet as the picker uses it, on both backends: the number's Code 128 and each true
//! EAN sku's barcode read back by the test's own decoder, the lines zone by zone from the
//! catalog, and a blank for what a weighed line weighed.

use crate::barcode_reader::{barcodes, decode_code128, decode_ean, scan};
use crate::console_client::ConsoleClient;
use crate::harness::{Backend, STORE_TOKEN, TestApp, fixture};
use orders_hook::on_both_backends;
use serde_json::json;

on_both_backends!(the_sheet_carries_scannable_barcodes_zones_and_a_blank_for_the_scales);

const MILK: &str = "4607001771234"; // a true EAN-13
const APPLES: &str = "2000000012345"; // weighed, its check digit wrong
const BREAD: &str = "4600494000012"; // its check digit wrong
const SALT: &str = "96385074"; // a true EAN-8

/// The row of `sku` on the sheet: from its `<tr` to its `</tr>`.
fn row<'a>(sheet: &'a str, sku: &str) -> &'a str {
    let start = sheet
        .find(&format!(r#"<tr data-sku="{sku}""#))
        .unwrap_or_else(|| panic!("no row for {sku} in {sheet}"));
    let end = sheet[start..].find("</tr>").expect("the row's end");
    &sheet[start..start + end]
}

async fn the_sheet_carries_scannable_barcodes_zones_and_a_blank_for_the_scales(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let catalog = app.file(
        "catalog.csv",
        &format!(
            "sku,name,unit,zone\n{MILK},Молоко,,Молочка\n{BREAD},Хлеб,,A3\n{SALT},Соль,,A10\n"
        ),
    );
    assert_eq!(app.cli(&["catalog", "import", &catalog])["imported"], 3);
    let mut created = fixture("order.created");
    let mut salt = created["payload"]["positions"][2].clone();
    salt["id"] = json!(SALT);
    created["payload"]["positions"]
        .as_array_mut()
        .expect("positions")
        .push(salt);
    assert_eq!(app.post(&created).await.0, 200);

    let store = ConsoleClient::sign_in(&app, STORE_TOKEN).await;
    let (status, sheet) = store.get("/orders/SM-000001/print").await;
    assert_eq!(status, 200, "{sheet}");
    assert!(!sheet.contains("style="), "no inline style under the CSP");

    // The number's Code 128 heads every page, and reads back as the number.
    let codes = barcodes(&sheet);
    let (_, number) = codes
        .iter()
        .find(|(text, _)| text == "SM-000001")
        .expect("the number's barcode");
    let head = &sheet[sheet.find("<thead>").unwrap()..sheet.find("</thead>").unwrap()];
    assert!(head.contains(r#"data-barcode="SM-000001""#), "{head}");
    assert!(
        number.contains(r#"shape-rendering="crispEdges""#),
        "{number}"
    );
    let scanned = scan(number);
    assert!(scanned.quiet_left >= 10 && scanned.quiet_right >= 10);
    assert_eq!(
        decode_code128(&scanned.modules).as_deref(),
        Some("SM-000001")
    );

    // A true EAN-13 and EAN-8 each carry theirs; a sku with a wrong check digit none.
    for sku in [MILK, SALT] {
        let (_, svg) = codes
            .iter()
            .find(|(text, _)| text == sku)
            .unwrap_or_else(|| panic!("{sku}'s barcode"));
        assert!(row(&sheet, sku).contains(svg.as_str()), "in its own row");
        let scanned = scan(svg);
        assert!(scanned.quiet_left >= 7 && scanned.quiet_right >= 7, "{sku}");
        assert_eq!(decode_ean(&scanned.modules).as_deref(), Some(sku));
        let mut smudged = scanned.modules.clone();
        smudged[10] = !smudged[10];
        assert_eq!(decode_ean(&smudged), None, "{sku}");
    }
    for sku in [APPLES, BREAD] {
        assert!(!row(&sheet, sku).contains("<svg"), "{sku}");
    }
    assert_eq!(codes.len(), 3, "the number, milk and salt");

    // Zone by zone as a person reads the signs (A3 before A10), the unzoned last.
    let at = |sku: &str| sheet.find(&format!(r#"data-sku="{sku}""#)).expect(sku);
    assert!(at(BREAD) < at(SALT) && at(SALT) < at(MILK) && at(MILK) < at(APPLES));
    assert!(row(&sheet, BREAD).contains(r#"<td class="zone">A3</td>"#));
    assert!(row(&sheet, APPLES).contains(r#"<td class="zone">—</td>"#));

    // The apples are weighed (a fractional quantity): the ordered weight and a blank.
    let apples = row(&sheet, APPLES);
    assert!(
        apples.contains("1.5 кг") && apples.contains("Взвешено:"),
        "{apples}"
    );
    let milk = row(&sheet, MILK);
    assert!(
        milk.contains("2 шт") && !milk.contains("Взвешено"),
        "{milk}"
    );
    app.stop().await;
}
