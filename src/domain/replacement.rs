//! How the customer wants a missing product handled, in the marketplace's words.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The replacement policy of an order. A spelling the marketplace adds later is kept as
/// `Other`, so that nothing is refused for it and the pickers still read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplacementPolicy {
    /// Call the customer; with no answer, remove the product.
    CallOrRemove,
    /// Call the customer; with no answer, replace the product.
    CallOrReplace,
    Remove,
    /// Said of the same wish as `Remove`, in another spelling.
    DoNotReplace,
    /// Replace with a similar product without asking.
    Replace,
    Other(String),
}

impl ReplacementPolicy {
    /// The policy a marketplace spelling names (the wire's and the stored document's).
    pub fn from_spelling(raw: String) -> ReplacementPolicy {
        match raw.as_str() {
            "callOrRemove" => ReplacementPolicy::CallOrRemove,
            "callOrReplace" => ReplacementPolicy::CallOrReplace,
            "remove" => ReplacementPolicy::Remove,
            "doNotReplace" => ReplacementPolicy::DoNotReplace,
            "replace" => ReplacementPolicy::Replace,
            _ => ReplacementPolicy::Other(raw),
        }
    }

    /// The marketplace's spelling, kept as it came.
    pub fn as_str(&self) -> &str {
        match self {
            ReplacementPolicy::CallOrRemove => "callOrRemove",
            ReplacementPolicy::CallOrReplace => "callOrReplace",
            ReplacementPolicy::Remove => "remove",
            ReplacementPolicy::DoNotReplace => "doNotReplace",
            ReplacementPolicy::Replace => "replace",
            ReplacementPolicy::Other(raw) => raw,
        }
    }
}

/// A policy reads as its spelling (`header.replacement_policy.as_deref()`).
impl std::ops::Deref for ReplacementPolicy {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for ReplacementPolicy {
    fn from(raw: &str) -> ReplacementPolicy {
        ReplacementPolicy::from_spelling(raw.to_owned())
    }
}

/// Stored in the document as the marketplace spelled it, as before there was a type for it.
impl Serialize for ReplacementPolicy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ReplacementPolicy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(ReplacementPolicy::from_spelling)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_comes_back_as_it_came() {
        for raw in [
            "callOrRemove",
            "callOrReplace",
            "remove",
            "doNotReplace",
            "replace",
            "ask",
        ] {
            let policy = ReplacementPolicy::from(raw);
            assert_eq!(policy.as_str(), raw);
            let json = serde_json::to_string(&policy).unwrap();
            assert_eq!(json, format!("\"{raw}\""));
            assert_eq!(
                serde_json::from_str::<ReplacementPolicy>(&json).unwrap(),
                policy
            );
        }
        assert_eq!(
            ReplacementPolicy::from("ask"),
            ReplacementPolicy::Other("ask".to_owned())
        );
    }
}
