//! What one simulated order goes through: its events in the marketplace's order, which of them
//! are sent twice (one after the other, or both at once) and which first answer is dropped.

use rand::Rng;

/// The shares of a run, each between 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shares {
    /// Orders cancelled (`order.canceled`) instead of being received and delivered.
    pub cancel: f64,
    /// Events sent twice; a third of them as two copies at once.
    pub duplicate: f64,
    /// Events whose first answer the simulator ignores, so that the marketplace's retry comes.
    pub drop: f64,
    /// Events followed by an event type the partner does not handle (`courier.assigned`, …).
    pub unknown: f64,
}

/// The event types the marketplace sends that the partner does not handle; each must be
/// answered 200, or the marketplace would retry it seven times.
pub const UNKNOWN_EVENT_TYPES: [&str; 4] = [
    "courier.assigned",
    "courier.arrived",
    "order.delivering",
    "order.assembled",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Event {
    Created,
    Updated,
    Paid,
    Received,
    Delivered,
    Canceled,
    Unknown(&'static str),
}

impl Event {
    /// The marketplace's spelling, as sent in `event_type`.
    pub fn wire_name(self) -> &'static str {
        match self {
            Event::Created => "order.created",
            Event::Updated => "order.updated",
            Event::Paid => "order.paid",
            Event::Received => "order.received",
            Event::Delivered => "order.delivered",
            Event::Canceled => "order.canceled",
            Event::Unknown(name) => name,
        }
    }

    /// The report's row for this event: every unhandled type shares one.
    pub fn report_name(self) -> &'static str {
        match self {
            Event::Unknown(_) => "unknown",
            other => other.wire_name(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copies {
    Once,
    /// The same message again once the first was answered (a retry after a lost answer).
    TwiceInTurn,
    /// Two copies at once (two marketplace workers, or two instances behind nginx).
    TwiceAtOnce,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub event: Event,
    pub copies: Copies,
    /// The first answer is ignored as if it never came.
    pub drop_first: bool,
}

/// One order's steps: created → updated → paid → received → delivered, or cancelled after
/// created, updated or paid; unhandled event types between them.
pub fn lifecycle(rng: &mut impl Rng, shares: &Shares) -> Vec<Step> {
    let mut events = vec![Event::Created, Event::Updated, Event::Paid];
    if rng.random_bool(shares.cancel.clamp(0.0, 1.0)) {
        events.truncate(rng.random_range(1..=3));
        events.push(Event::Canceled);
    } else {
        events.extend([Event::Received, Event::Delivered]);
    }
    let mut steps = Vec::with_capacity(events.len() * 2);
    for event in events {
        steps.push(step(rng, shares, event));
        if rng.random_bool(shares.unknown.clamp(0.0, 1.0)) {
            let name = UNKNOWN_EVENT_TYPES[rng.random_range(0..UNKNOWN_EVENT_TYPES.len())];
            steps.push(step(rng, shares, Event::Unknown(name)));
        }
    }
    steps
}

/// An order that is only created: the storage ceiling's own transaction, for a saturation run
/// comparable with it. Repeats and lost answers as in a whole lifecycle.
pub fn creation_only(rng: &mut impl Rng, shares: &Shares) -> Vec<Step> {
    vec![step(rng, shares, Event::Created)]
}

fn step(rng: &mut impl Rng, shares: &Shares, event: Event) -> Step {
    let copies = if rng.random_bool(shares.duplicate.clamp(0.0, 1.0)) {
        if rng.random_ratio(1, 3) {
            Copies::TwiceAtOnce
        } else {
            Copies::TwiceInTurn
        }
    } else {
        Copies::Once
    };
    Step {
        event,
        copies,
        drop_first: rng.random_bool(shares.drop.clamp(0.0, 1.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const NONE: Shares = Shares {
        cancel: 0.0,
        duplicate: 0.0,
        drop: 0.0,
        unknown: 0.0,
    };

    #[test]
    fn a_plain_order_goes_the_whole_way() {
        let steps = lifecycle(&mut StdRng::seed_from_u64(1), &NONE);
        let events: Vec<Event> = steps.iter().map(|s| s.event).collect();
        assert_eq!(
            events,
            [
                Event::Created,
                Event::Updated,
                Event::Paid,
                Event::Received,
                Event::Delivered
            ]
        );
        assert!(
            steps
                .iter()
                .all(|s| s.copies == Copies::Once && !s.drop_first)
        );
    }

    #[test]
    fn a_creation_only_order_is_one_created_event() {
        let mut rng = StdRng::seed_from_u64(5);
        let shares = Shares {
            unknown: 1.0,
            cancel: 1.0,
            ..NONE
        };
        for _ in 0..20 {
            let steps = creation_only(&mut rng, &shares);
            assert_eq!(steps.len(), 1);
            assert_eq!(steps[0].event, Event::Created);
        }
    }

    #[test]
    fn a_cancelled_order_is_never_received() {
        let shares = Shares {
            cancel: 1.0,
            ..NONE
        };
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..50 {
            let events: Vec<Event> = lifecycle(&mut rng, &shares)
                .iter()
                .map(|s| s.event)
                .collect();
            assert_eq!(events[0], Event::Created);
            assert_eq!(events.last(), Some(&Event::Canceled));
            assert!(!events.contains(&Event::Received) && !events.contains(&Event::Delivered));
        }
    }

    #[test]
    fn every_share_on_gives_duplicates_drops_and_unknown_types() {
        let shares = Shares {
            cancel: 0.0,
            duplicate: 1.0,
            drop: 1.0,
            unknown: 1.0,
        };
        let steps = lifecycle(&mut StdRng::seed_from_u64(3), &shares);
        assert_eq!(steps.len(), 10);
        assert!(matches!(steps[1].event, Event::Unknown(_)));
        assert!(
            steps
                .iter()
                .all(|s| s.copies != Copies::Once && s.drop_first)
        );
    }
}
