//! How clap reads the status filters: the texts the store keeps, each list spelled once by its
//! enum.

use crate::domain::Status;
use crate::store::OutboxStatus;
use clap::ValueEnum;
use clap::builder::PossibleValue;

impl ValueEnum for Status {
    fn value_variants<'a>() -> &'a [Self] {
        &Status::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

impl ValueEnum for OutboxStatus {
    fn value_variants<'a>() -> &'a [Self] {
        &OutboxStatus::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}
