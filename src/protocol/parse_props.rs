//! Properties of `parse` over hostile bodies: whatever the marketplace (or anyone who got past
//! nginx) sends, the service answers 200 or a 400 of a known kind, and what it accepts is a value
//! the domain and the database can hold. A panic here is a 500 that the marketplace retries seven
//! times, then it cancels the order.
//!
//! Bodies are the fixtures (`tests/fixtures`) with a few fields replaced by hostile values, so that
//! most of them get past the JSON and the envelope and reach the field readers.

use super::{Incoming, parse};
use crate::domain::{EventBody, OrderEvent, Position, Totals};
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::fmt;

// These mirror the README's protocol limits: a line's quantity and any amount of money the
// marketplace can mean. Anything outside them is refused with a 400 before the domain sees it.
const MAX_QUANTITY: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
const QUANTITY_PLACES: u32 = 3;
const MAX_MONEY: Decimal = Decimal::from_parts(1_410_065_408, 2, 0, false, 0); // 10^10
const MONEY_PLACES: u32 = 4;

/// Every `Rejection.code` a client may see; `too_many_lines` is the newest.
const KNOWN_CODES: [&str; 5] = [
    "malformed_json",
    "not_an_object",
    "missing_field",
    "invalid_field",
    "too_many_lines",
];

const FIXTURES: [(&str, &str); 6] = [
    (
        "order.created",
        include_str!("../../tests/fixtures/order.created.json"),
    ),
    (
        "order.updated",
        include_str!("../../tests/fixtures/order.updated.json"),
    ),
    (
        "order.paid",
        include_str!("../../tests/fixtures/order.paid.json"),
    ),
    (
        "order.received",
        include_str!("../../tests/fixtures/order.received.json"),
    ),
    (
        "order.delivered",
        include_str!("../../tests/fixtures/order.delivered.json"),
    ),
    (
        "order.canceled",
        include_str!("../../tests/fixtures/order.canceled.json"),
    ),
];

// ---------------------------------------------------------------------------------------------
// Paths into a body
// ---------------------------------------------------------------------------------------------

#[derive(Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Where in a body an edit lands; printed as `payload.positions[1].quantity`.
#[derive(Clone, PartialEq)]
struct Path(Vec<Step>);

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(the whole body)");
        }
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if i == 0 => write!(f, "{key}")?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

fn key(name: &str) -> Step {
    Step::Key(name.to_owned())
}

fn collect_paths(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Path>) {
    out.push(Path(at.clone()));
    match value {
        Value::Object(map) => {
            for (name, inner) in map {
                at.push(key(name));
                collect_paths(inner, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                at.push(Step::Index(index));
                collect_paths(inner, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// Keys the protocol reads (and the aliases it accepts) that a fixture may not carry.
const PAYLOAD_KEYS: [&str; 15] = [
    "originalOrderId",
    "orderUUID",
    "storeID",
    "store_id",
    "storeId",
    "shipmentMethod",
    "shippingMethod",
    "replacementPolicy",
    "comment",
    "customer",
    "address",
    "delivery",
    "paymentMethods",
    "positions",
    "total",
];

const POSITION_KEYS: [&str; 11] = [
    "id",
    "name",
    "originalQuantity",
    "quantity",
    "weight",
    "price",
    "discountPrice",
    "totalPrice",
    "totalDiscountPrice",
    "replacedByID",
    "replacedById",
];

/// Where edits land in a fixture.
struct Targets {
    /// Every path of the fixture, and the paths the protocol reads that it lacks.
    all: Vec<Path>,
    /// The paths the protocol reads, where a hostile value is most likely to get through.
    read: Vec<Path>,
    /// The ids among them: the order's, the store's and the lines'.
    ids: Vec<Path>,
}

fn targets(body: &Value) -> Targets {
    let mut out = Vec::new();
    collect_paths(body, &mut Vec::new(), &mut out);
    let mut extra = vec![vec![key("timestamp")], vec![key("event_type")]];
    let payload = |more: &[&str]| -> Vec<Step> {
        std::iter::once(key("payload"))
            .chain(more.iter().map(|k| key(k)))
            .collect()
    };
    extra.extend(PAYLOAD_KEYS.iter().map(|k| payload(&[k])));
    for nested in [
        ["customer", "name"],
        ["customer", "phone"],
        ["address", "full_address"],
        ["address", "fullAddress"],
        ["delivery", "expectedFrom"],
        ["delivery", "expectedTo"],
        ["total", "totalPrice"],
        ["total", "discountTotalPrice"],
        ["cancellation", "slug"],
        ["cancellation", "description"],
    ] {
        extra.push(payload(&nested));
    }
    let lines = body["payload"]["positions"].as_array().map_or(0, Vec::len);
    for index in 0..lines {
        for name in POSITION_KEYS {
            let mut at = payload(&["positions"]);
            at.extend([Step::Index(index), key(name)]);
            extra.push(at);
        }
    }
    let read: Vec<Path> = extra.into_iter().map(Path).collect();
    for at in &read {
        if !out.contains(at) {
            out.push(at.clone());
        }
    }
    let ids = read
        .iter()
        .filter(|at| {
            matches!(at.0.last(), Some(Step::Key(name)) if ["originalOrderId", "storeID", "id"].contains(&name.as_str()))
        })
        .cloned()
        .collect();
    Targets {
        all: out,
        read,
        ids,
    }
}

/// Sets the value at `path`, making missing objects on the way; false when the way is blocked by
/// a value that is not a container (an earlier edit put a scalar there).
fn set(root: &mut Value, path: &Path, new: Value) -> bool {
    let Some((last, parents)) = path.0.split_last() else {
        *root = new;
        return true;
    };
    let mut here = root;
    for step in parents {
        here = match (step, here) {
            (Step::Key(name), Value::Object(map)) => map
                .entry(name.clone())
                .or_insert_with(|| Value::Object(Map::new())),
            (Step::Index(index), Value::Array(items)) if *index < items.len() => &mut items[*index],
            _ => return false,
        };
    }
    match (last, here) {
        (Step::Key(name), Value::Object(map)) => {
            map.insert(name.clone(), new);
            true
        }
        (Step::Index(index), Value::Array(items)) if *index < items.len() => {
            items[*index] = new;
            true
        }
        _ => false,
    }
}

fn get<'a>(root: &'a Value, path: &Path) -> Option<&'a Value> {
    path.0.iter().try_fold(root, |here, step| match step {
        Step::Key(name) => here.get(name),
        Step::Index(index) => here.get(index),
    })
}

fn get_mut<'a>(root: &'a mut Value, path: &Path) -> Option<&'a mut Value> {
    path.0.iter().try_fold(root, |here, step| match step {
        Step::Key(name) => here.get_mut(name),
        Step::Index(index) => here.get_mut(index),
    })
}

// ---------------------------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------------------------

/// A JSON number kept as written (serde_json's arbitrary precision): `1e400` stays `1e400`.
fn number(literal: &str) -> Value {
    serde_json::from_str(literal).expect("a JSON number literal")
}

const NUMBERS: [&str; 24] = [
    "0",
    "-0",
    "-0.0",
    "-1",
    "-0.001",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "-79228162514264337593543950335",
    "1e400",
    "-1e-400",
    "1e-400",
    "1E28",
    "1e-28",
    "7.9228162514264337593543950335e28",
    "0.0000000000000000000000000001",
    "0.1234567890123456789012345678901234567890",
    "1000000",
    "1000000.001",
    "1000000.0001",
    "0.0001",
    "10000000000",
    "10000000000.0001",
    "10000000001",
    "1.5e3",
];

const STRINGS: [&str; 30] = [
    "",
    " ",
    "1_000",
    "1_000.50",
    "_1",
    "1__0",
    "+5",
    ".5",
    "5.",
    "1,5",
    "NaN",
    "inf",
    "-Infinity",
    "0x1F",
    " 7 ",
    "1e400",
    "-1e-400",
    "79228162514264337593543950335",
    "-0.0001",
    "1000000.001",
    "1000001",
    "10000000000.0001",
    "10000000001",
    "0.1234567890123456789012345678901234567890",
    "R1\nR2",
    "\u{1b}[31mR1\u{1b}[0m",
    "R1\u{0}",
    "\u{7f}",
    "\u{85}R1",
    "\u{202e}R1",
];

/// A nest of arrays `depth` deep: past serde_json's recursion limit the body is not JSON.
fn nest(depth: usize) -> Value {
    (0..depth).fold(Value::Null, |inner, _| Value::Array(vec![inner]))
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => select(&NUMBERS[..]).prop_map(number),
        2 => "-?(0|[1-9][0-9]{0,39})(\\.[0-9]{1,40})?([eE][+-]?[0-9]{1,3})?".prop_map(|n| number(&n)),
        2 => select(&STRINGS[..]).prop_map(|s| Value::String(s.to_owned())),
        1 => "-?[0-9]{1,3}(_[0-9]{3}){0,3}(\\.[0-9]{1,40})?".prop_map(Value::String),
        3 => "[\\x00-\\x1F\\x7F-\\x{9F}A-Za-z0-9 -]{1,16}".prop_map(Value::String),
        1 => (
            0usize..=70_000,
            select(&["x", "я", "😀", "<&>", "\n", "\u{1b}[0m"][..])
        )
            .prop_map(|(n, piece)| Value::String(piece.repeat(n))),
    ]
}

fn hostile() -> impl Strategy<Value = Value> {
    let object = |inner: BoxedStrategy<Value>| {
        let names = select(&POSITION_KEYS[..]).prop_map(str::to_owned);
        prop::collection::btree_map(names, inner, 0..6)
            .prop_map(|map| Value::Object(map.into_iter().collect()))
    };
    prop_oneof![
        6 => leaf(),
        1 => Just(Value::Array(Vec::new())),
        1 => Just(Value::Object(Map::new())),
        1 => prop::collection::vec(leaf(), 0..4).prop_map(Value::Array),
        1 => object(leaf().boxed()),
        // A list of position-shaped objects where any list or object may stand.
        1 => prop::collection::vec(object(leaf().boxed()), 0..4).prop_map(Value::Array),
        1 => select(&[20usize, 200][..]).prop_map(nest),
    ]
}

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Edit {
    Set {
        at: Path,
        value: Value,
    },
    /// Puts what stands at one path at another: an sku in a second line, an object as a price.
    Copy {
        from: Path,
        to: Path,
    },
    /// Appends a copy of a list's item to the list: the same position twice.
    Repeat {
        at: Path,
    },
}

#[derive(Clone, Debug)]
struct Mutated {
    fixture: &'static str,
    edits: Vec<Edit>,
}

fn fixture(name: &str) -> Value {
    let (_, text) = FIXTURES
        .iter()
        .find(|(fixture, _)| *fixture == name)
        .expect("a fixture");
    serde_json::from_str(text).expect("a fixture is JSON")
}

impl Mutated {
    fn body(&self) -> Vec<u8> {
        let mut body = fixture(self.fixture);
        for edit in &self.edits {
            match edit {
                Edit::Set { at, value } => {
                    set(&mut body, at, value.clone());
                }
                Edit::Copy { from, to } => {
                    if let Some(value) = get(&body, from).cloned() {
                        set(&mut body, to, value);
                    }
                }
                Edit::Repeat { at } => {
                    let Some((Step::Index(_), list)) = at.0.split_last() else {
                        continue;
                    };
                    let item = get(&body, at).cloned();
                    if let (Some(item), Some(Value::Array(items))) =
                        (item, get_mut(&mut body, &Path(list.to_vec())))
                    {
                        items.push(item);
                    }
                }
            }
        }
        serde_json::to_vec(&body).expect("a value serializes")
    }
}

fn mutated() -> impl Strategy<Value = Mutated> {
    select(&FIXTURES[..]).prop_flat_map(|(fixture, text)| {
        let body: Value = serde_json::from_str(text).expect("a fixture is JSON");
        let Targets {
            all: paths,
            read,
            ids,
        } = targets(&body);
        let at = prop_oneof![select(paths.clone()), select(read), select(ids)];
        let edit = prop_oneof![
            4 => (at, hostile()).prop_map(|(at, value)| Edit::Set { at, value }),
            1 => (select(paths.clone()), select(paths.clone()))
                .prop_map(|(from, to)| Edit::Copy { from, to }),
            1 => select(paths).prop_map(|at| Edit::Repeat { at }),
        ];
        prop::collection::vec(edit, 1..=4).prop_map(move |edits| Mutated { fixture, edits })
    })
}

/// A fixture whose first line comes again (the same sku), each copy with some of the amounts
/// the protocol adds up when it merges them replaced.
#[derive(Clone, Debug)]
struct Repeated {
    fixture: &'static str,
    copies: Vec<Vec<(&'static str, Value)>>,
}

impl Repeated {
    fn body(&self) -> Vec<u8> {
        let mut body = fixture(self.fixture);
        let lines = body["payload"]["positions"]
            .as_array_mut()
            .expect("the fixture has positions");
        let first = lines[0].clone();
        for edits in &self.copies {
            let mut line = first.clone();
            for (name, value) in edits {
                line[*name] = value.clone();
            }
            lines.push(line);
        }
        serde_json::to_vec(&body).expect("a value serializes")
    }
}

/// What a line's amount may be: the extremes, the limits and values near them, ordinary ones.
fn amount() -> impl Strategy<Value = Value> {
    const NEAR_LIMITS: [&str; 5] = [
        "600000",
        "999999.999",
        "1000000",
        "5000000000",
        "10000000000",
    ];
    prop_oneof![
        select(&NUMBERS[..]).prop_map(number),
        select(&NEAR_LIMITS[..]).prop_map(number),
        select(&STRINGS[..]).prop_map(|s| Value::String(s.to_owned())),
        (0u64..=2_000_000).prop_map(|n| number(&n.to_string())),
    ]
}

fn repeated() -> impl Strategy<Value = Repeated> {
    const SUMMED: [&str; 5] = [
        "quantity",
        "originalQuantity",
        "price",
        "totalPrice",
        "totalDiscountPrice",
    ];
    let copy = prop::collection::vec((select(&SUMMED[..]), amount()), 0..4);
    (
        select(&["order.created", "order.updated", "order.paid"][..]),
        prop::collection::vec(copy, 1..4),
    )
        .prop_map(|(fixture, copies)| Repeated { fixture, copies })
}

/// Raw bytes, a fixture with bytes flipped, or any JSON value: mostly what a scanner sends.
fn any_body() -> impl Strategy<Value = Vec<u8>> {
    let flipped = (
        select(&FIXTURES[..]),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    )
        .prop_map(|((_, text), flips)| {
            let mut bytes = text.as_bytes().to_vec();
            for (at, byte) in flips {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            bytes
        });
    let json = leaf()
        .prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(
                    select(
                        &[
                            "event_type",
                            "payload",
                            "originalOrderId",
                            "positions",
                            "id"
                        ][..]
                    )
                    .prop_map(str::to_owned),
                    inner,
                    0..6
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
        .prop_map(|value| serde_json::to_vec(&value).expect("a value serializes"));
    prop_oneof![prop::collection::vec(any::<u8>(), 0..2048), flipped, json,]
}

// ---------------------------------------------------------------------------------------------
// What an accepted event holds
// ---------------------------------------------------------------------------------------------

fn positions_and_totals(event: &OrderEvent) -> (&[Position], Option<&Totals>) {
    let (lines, totals) = match &event.body {
        EventBody::Created(s) | EventBody::Changed(s) => (&s.lines, &s.totals),
        EventBody::Paid(p) => (&p.lines, &p.totals),
        _ => return (&[], None),
    };
    (lines.as_deref().unwrap_or(&[]), totals.as_ref())
}

/// The decimals of an event, each named and with its limit: `(field, value, max, places)`.
fn decimals(event: &OrderEvent) -> Vec<(String, Decimal, Decimal, u32)> {
    let (lines, totals) = positions_and_totals(event);
    let mut out = Vec::new();
    for line in lines {
        let sku = &line.sku;
        let quantities = [
            ("quantity", Some(line.quantity)),
            ("originalQuantity", line.original_quantity),
        ];
        for (name, value) in quantities {
            if let Some(value) = value {
                out.push((
                    format!("{sku}.{name}"),
                    value,
                    MAX_QUANTITY,
                    QUANTITY_PLACES,
                ));
            }
        }
        let money = [
            ("price", line.price),
            ("discountPrice", line.discount_price),
            ("totalPrice", line.total_price),
            ("totalDiscountPrice", line.total_discount_price),
        ];
        for (name, value) in money {
            if let Some(value) = value {
                out.push((format!("{sku}.{name}"), value, MAX_MONEY, MONEY_PLACES));
            }
        }
    }
    if let Some(totals) = totals {
        let money = [
            ("total.totalPrice", totals.total_price),
            ("total.discountTotalPrice", totals.discount_total_price),
        ];
        for (name, value) in money {
            if let Some(value) = value {
                out.push((name.to_owned(), value, MAX_MONEY, MONEY_PLACES));
            }
        }
    }
    out
}

/// The ids that key documents, stock and the journal, and are shown to the store staff.
fn ids(event: &OrderEvent) -> Vec<(&'static str, String)> {
    let reference = match &event.body {
        EventBody::Created(s) | EventBody::Changed(s) => &s.reference,
        EventBody::Paid(p) => &p.reference,
        EventBody::Received(r) | EventBody::Delivered(r) => r,
        EventBody::Cancelled(c) => &c.reference,
    };
    let mut out = vec![("originalOrderId", event.order_id.to_string())];
    if let Some(store) = &reference.store_id {
        out.push(("storeID", store.to_string()));
    }
    let (lines, _) = positions_and_totals(event);
    out.extend(
        lines
            .iter()
            .map(|line| ("positions[].id", line.sku.to_string())),
    );
    out
}

fn accepted(body: &[u8]) -> Result<Option<OrderEvent>, TestCaseError> {
    match parse(body) {
        Ok(Incoming::Order(event)) => Ok(Some(*event)),
        Ok(Incoming::Other { .. }) => Ok(None),
        Err((rejection, _)) => {
            prop_assert!(
                KNOWN_CODES.contains(&rejection.code),
                "unknown rejection code {:?} ({})",
                rejection.code,
                rejection.detail
            );
            Ok(None)
        }
    }
}

fn within_limits(event: &OrderEvent) -> Result<(), TestCaseError> {
    for (field, value, max, places) in decimals(event) {
        prop_assert!(
            value >= Decimal::ZERO && value <= max && value.normalize().scale() <= places,
            "{field} = {value} is outside 0..={max} with at most {places} decimals"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    /// Anything at all is answered 200 or a 400 of a known kind, never a panic.
    #[test]
    fn any_bytes_are_accepted_or_refused_with_a_known_code(body in any_body()) {
        accepted(&body)?;
    }

    /// A fixture with hostile values in its fields is answered 200 or a 400 of a known kind.
    #[test]
    fn hostile_fields_are_accepted_or_refused_with_a_known_code(body in mutated()) {
        accepted(&body.body())?;
    }

    /// A line that comes more than once is merged or refused, whatever its amounts add up to.
    #[test]
    fn repeated_lines_are_accepted_or_refused_with_a_known_code(body in repeated()) {
        accepted(&body.body())?;
    }

    /// Merged, the amounts of a repeated line are still within the protocol's limits.
    #[test]
    fn merged_lines_are_within_the_protocol_limits(body in repeated()) {
        if let Some(event) = accepted(&body.body())? {
            within_limits(&event)?;
        }
    }

    /// What is accepted holds quantities and money within the protocol's limits.
    #[test]
    fn accepted_decimals_are_within_the_protocol_limits(body in mutated()) {
        if let Some(event) = accepted(&body.body())? {
            within_limits(&event)?;
        }
    }

    /// What is accepted has ids without control characters: they are keys in the database and
    /// text in the staff's chats and the operator's terminal.
    #[test]
    fn accepted_ids_have_no_control_characters(body in mutated()) {
        if let Some(event) = accepted(&body.body())? {
            for (field, id) in ids(&event) {
                prop_assert!(
                    !id.chars().any(char::is_control),
                    "{field} = {id:?} holds a control character"
                );
            }
        }
    }
}

#[test]
fn the_limits_are_the_documented_ones() {
    assert_eq!(MAX_QUANTITY, Decimal::from(1_000_000));
    assert_eq!(MAX_MONEY, Decimal::from(10_000_000_000i64));
}

#[test]
fn edits_land_where_their_paths_say() {
    let mut body: Value = serde_json::from_str(FIXTURES[0].1).unwrap();
    let at = Path(vec![
        key("payload"),
        key("positions"),
        Step::Index(1),
        key("quantity"),
    ]);
    assert_eq!(format!("{at:?}"), "payload.positions[1].quantity");
    assert!(targets(&body).all.contains(&at));
    assert!(targets(&body).read.contains(&at));
    assert!(set(&mut body, &at, Value::String("1_000".into())));
    assert_eq!(body["payload"]["positions"][1]["quantity"], "1_000");
    let blocked = Path(vec![key("event_type"), key("x")]);
    assert!(!set(&mut body, &blocked, Value::Null));
}
