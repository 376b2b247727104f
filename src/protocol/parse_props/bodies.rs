//! The hostile values and the bodies made of them.

use super::paths::*;
use super::*;

// ---------------------------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------------------------

/// A JSON number kept as written (serde_json's arbitrary precision): `1e400` stays `1e400`.
pub(super) fn number(literal: &str) -> Value {
    serde_json::from_str(literal).expect("a JSON number literal")
}

pub(super) const NUMBERS: [&str; 24] = [
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

pub(super) const STRINGS: [&str; 30] = [
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
pub(super) fn nest(depth: usize) -> Value {
    (0..depth).fold(Value::Null, |inner, _| Value::Array(vec![inner]))
}

pub(super) fn leaf() -> impl Strategy<Value = Value> {
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

pub(super) fn hostile() -> impl Strategy<Value = Value> {
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
pub(super) enum Edit {
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
pub(super) struct Mutated {
    pub(super) fixture: &'static str,
    pub(super) edits: Vec<Edit>,
}

pub(super) fn fixture(name: &str) -> Value {
    let (_, text) = FIXTURES
        .iter()
        .find(|(fixture, _)| *fixture == name)
        .expect("a fixture");
    serde_json::from_str(text).expect("a fixture is JSON")
}

impl Mutated {
    pub(super) fn body(&self) -> Vec<u8> {
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

pub(super) fn mutated() -> impl Strategy<Value = Mutated> {
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
pub(super) struct Repeated {
    pub(super) fixture: &'static str,
    pub(super) copies: Vec<Vec<(&'static str, Value)>>,
}

impl Repeated {
    pub(super) fn body(&self) -> Vec<u8> {
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
pub(super) fn amount() -> impl Strategy<Value = Value> {
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

pub(super) fn repeated() -> impl Strategy<Value = Repeated> {
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
pub(super) fn any_body() -> impl Strategy<Value = Vec<u8>> {
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
