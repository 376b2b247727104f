use super::*;
use proptest::prelude::*;

fn at(minute: u32) -> DateTime<Utc> {
    format!("2026-12-05T18:{minute:02}:00Z").parse().unwrap()
}

fn name(text: &str) -> PickerName {
    PickerName::parse(text).unwrap()
}

fn take(who: &str) -> PickingAction {
    PickingAction::Take(name(who))
}

#[test]
fn a_picker_takes_an_untaken_order_and_the_start_is_kept() {
    let due = Some(at(35));
    let decision = decide(&Picking::default(), Status::Paid, due, &take("Анна"), at(5)).unwrap();
    assert!(decision.changed);
    assert_eq!(decision.picking.picker, Some(name("Анна")));
    assert_eq!(decision.picking.started_at, Some(at(5)));
    assert_eq!(decision.picking.due_at, due);
    assert!(decision.picking.in_progress());
}

#[test]
fn the_second_picker_is_told_who_has_it_and_the_same_one_is_answered_the_same() {
    let taken = decide(&Picking::default(), Status::New, None, &take("Анна"), at(5))
        .unwrap()
        .picking;
    assert_eq!(
        decide(&taken, Status::New, None, &take("Иван"), at(6)),
        Err(PickingRefusal::TakenBy {
            picker: name("Анна"),
            since: Some(at(5))
        })
    );
    let again = decide(&taken, Status::New, None, &take("Анна"), at(7)).unwrap();
    assert!(!again.changed);
    assert_eq!(again.picking, taken);
}

#[test]
fn finishing_keeps_the_picker_and_the_times_and_a_second_tap_changes_nothing() {
    let taken = decide(&Picking::default(), Status::New, None, &take("Анна"), at(5))
        .unwrap()
        .picking;
    let done = decide(
        &taken,
        Status::Paid,
        None,
        &PickingAction::Finish(name("Ольга")),
        at(25),
    )
    .unwrap()
    .picking;
    assert_eq!(done.picker, Some(name("Анна")));
    assert_eq!(done.finished_by, Some(name("Ольга")));
    assert_eq!(
        (done.started_at, done.finished_at),
        (Some(at(5)), Some(at(25)))
    );
    let again = decide(
        &done,
        Status::Paid,
        None,
        &PickingAction::Finish(name("Анна")),
        at(30),
    );
    assert_eq!(again.map(|d| d.changed), Ok(false));
    assert!(matches!(
        decide(&done, Status::Paid, None, &take("Иван"), at(31)),
        Err(PickingRefusal::Finished { .. })
    ));
}

#[test]
fn a_hand_over_keeps_the_start_and_a_put_back_clears_the_order() {
    let taken = decide(&Picking::default(), Status::New, None, &take("Анна"), at(5))
        .unwrap()
        .picking;
    let handed = decide(
        &taken,
        Status::New,
        None,
        &PickingAction::HandOver(name("Иван")),
        at(9),
    )
    .unwrap()
    .picking;
    assert_eq!(handed.picker, Some(name("Иван")));
    assert_eq!(handed.started_at, Some(at(5)));
    let back = decide(&handed, Status::New, None, &PickingAction::PutBack, at(10))
        .unwrap()
        .picking;
    assert!(back.untaken() && back.started_at.is_none());
    let again = decide(&back, Status::New, None, &PickingAction::PutBack, at(11)).unwrap();
    assert!(!again.changed);
}

#[test]
fn an_order_that_is_cancelled_or_gone_cannot_be_taken_but_can_be_put_back() {
    for status in [Status::Cancelled, Status::Shipped, Status::Delivered] {
        assert_eq!(
            decide(&Picking::default(), status, None, &take("Анна"), at(5)),
            Err(PickingRefusal::OrderClosed(status))
        );
    }
    let taken = decide(&Picking::default(), Status::New, None, &take("Анна"), at(5))
        .unwrap()
        .picking;
    let back = decide(
        &taken,
        Status::Cancelled,
        None,
        &PickingAction::PutBack,
        at(6),
    )
    .unwrap();
    assert!(back.changed && back.picking.untaken());
    assert_eq!(
        decide(
            &Picking::default(),
            Status::New,
            None,
            &PickingAction::Finish(name("А")),
            at(5)
        ),
        Err(PickingRefusal::NotTaken)
    );
}

#[test]
fn a_pickers_name_is_trimmed_bounded_and_free_of_control_characters() {
    assert_eq!(name("  Анна  ").as_str(), "Анна");
    assert!(PickerName::parse("").is_err());
    assert!(PickerName::parse("   ").is_err());
    assert!(PickerName::parse("Анна\nИван").is_err());
    assert!(PickerName::parse(&"я".repeat(65)).is_err());
    assert!(PickerName::parse(&"я".repeat(64)).is_ok());
}

fn action() -> impl Strategy<Value = PickingAction> {
    let picker = prop::sample::select(vec!["Анна", "Иван", "Ольга"]).prop_map(name);
    prop_oneof![
        picker.clone().prop_map(PickingAction::Take),
        picker.clone().prop_map(PickingAction::Finish),
        picker.prop_map(PickingAction::HandOver),
        Just(PickingAction::PutBack),
    ]
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}

proptest! {
    /// Whatever the store's staff tap, in whatever order: an order is taken by at most one
    /// picker, a start goes with a picker, an end with a start, and a repeated tap changes
    /// nothing.
    #[test]
    fn picking_stays_whole_under_any_taps(
        taps in prop::collection::vec((action(), status()), 0..24)
    ) {
        let mut picking = Picking::default();
        for (minute, (action, status)) in taps.iter().enumerate() {
            let now = at(u32::try_from(minute).unwrap());
            match decide(&picking, *status, Some(at(59)), action, now) {
                Ok(decision) => {
                    let again = decide(&decision.picking, *status, Some(at(59)), action, now);
                    prop_assert_eq!(again.map(|d| d.changed), Ok(false));
                    if let PickingAction::Take(who) = action {
                        let holder = picking.picker.as_ref();
                        prop_assert!(holder.is_none() || holder == Some(who));
                    }
                    picking = decision.picking;
                }
                Err(PickingRefusal::TakenBy { picker, .. }) => {
                    prop_assert_eq!(Some(picker), picking.picker.clone());
                }
                Err(_) => {}
            }
            prop_assert_eq!(picking.picker.is_some(), picking.started_at.is_some());
            prop_assert!(picking.finished_at.is_none() || picking.started_at.is_some());
            prop_assert_eq!(picking.finished_at.is_some(), picking.finished_by.is_some());
        }
    }
}
