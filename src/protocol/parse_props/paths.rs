//! Where a hostile value can be put: every path of a fixture body.

use super::*;

// ---------------------------------------------------------------------------------------------
// Paths into a body
// ---------------------------------------------------------------------------------------------

#[derive(Clone, PartialEq)]
pub(super) enum Step {
    Key(String),
    Index(usize),
}

/// Where in a body an edit lands; printed as `payload.positions[1].quantity`.
#[derive(Clone, PartialEq)]
pub(super) struct Path(pub(super) Vec<Step>);

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

pub(super) fn key(name: &str) -> Step {
    Step::Key(name.to_owned())
}

pub(super) fn collect_paths(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Path>) {
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
pub(super) const PAYLOAD_KEYS: [&str; 15] = [
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

pub(super) const POSITION_KEYS: [&str; 11] = [
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
pub(super) struct Targets {
    /// Every path of the fixture, and the paths the protocol reads that it lacks.
    pub(super) all: Vec<Path>,
    /// The paths the protocol reads, where a hostile value is most likely to get through.
    pub(super) read: Vec<Path>,
    /// The ids among them: the order's, the store's and the lines'.
    pub(super) ids: Vec<Path>,
}

pub(super) fn targets(body: &Value) -> Targets {
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
pub(super) fn set(root: &mut Value, path: &Path, new: Value) -> bool {
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

pub(super) fn get<'a>(root: &'a Value, path: &Path) -> Option<&'a Value> {
    path.0.iter().try_fold(root, |here, step| match step {
        Step::Key(name) => here.get(name),
        Step::Index(index) => here.get(index),
    })
}

pub(super) fn get_mut<'a>(root: &'a mut Value, path: &Path) -> Option<&'a mut Value> {
    path.0.iter().try_fold(root, |here, step| match step {
        Step::Key(name) => here.get_mut(name),
        Step::Index(index) => here.get_mut(index),
    })
}
