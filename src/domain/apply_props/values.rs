//! The values of a history, up to the protocol's limits: quantities, prices, texts, windows,
//! compositions, and the events and steps built from them.

use super::*;

/// 0..=1_000_000 with at most three decimals (weighed goods in kilograms).
pub(super) fn quantity() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (1i64..=5).prop_map(Decimal::from),
        Just(Decimal::ZERO),
        select(vec![
            Decimal::new(1, 3),
            Decimal::new(999_999_999, 3),
            Decimal::from(1_000_000),
            Decimal::new(1_000_000_000, 3),
        ]),
        (0i64..=1_000_000_000).prop_map(|n| Decimal::new(n, 3)),
    ]
}

/// 0..=10^10 with at most four decimals.
pub(super) fn money() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (1i64..=1000).prop_map(Decimal::from),
        Just(Decimal::ZERO),
        select(vec![
            Decimal::new(1, 4),
            Decimal::new(99_999_999_999_999, 4),
            Decimal::from(10_000_000_000i64),
            Decimal::new(100_000_000_000_000, 4),
        ]),
        (0i64..=100_000_000_000_000).prop_map(|n| Decimal::new(n, 4)),
    ]
}

/// A few skus that recur across events (and within one), or one of many.
pub(super) fn sku_text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => select(vec!["A", "B", "C", CATALOG_SKU]).prop_map(str::to_owned),
        1 => "[0-9]{13}",
    ]
}

/// Words a picker reads, sometimes long and full of what HTML must escape and of emoji (two
/// UTF-16 units each).
pub(super) fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(vec!["Молоко", "Хлеб", "Яблоки Гала"]).prop_map(str::to_owned),
        1 => "[<>&\"a-zа-я😀\\n ]{1,400}",
    ]
}

pub(super) fn free_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(vec!["Домофон 45", "Москва, ул. Лесная, д. 5"]).prop_map(str::to_owned),
        1 => "[<>&\"a-zа-я😀\\n ]{1,3000}",
    ]
}

/// Sent as a value, sent as null (clears the field) or not sent.
pub(super) fn sent<T: std::fmt::Debug + Clone>(
    value: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<Option<T>>> {
    option::of(option::of(value))
}

pub(super) fn window_time() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (0i64..=48).prop_map(|hours| {
        (base() + Duration::hours(hours)).with_timezone(&FixedOffset::east_opt(3 * 3600).unwrap())
    })
}

prop_compose! {
    fn position()(
        id in sku_text(),
        name in option::of(name()),
        original_quantity in option::of(quantity()),
        quantity in quantity(),
        weight in option::of(select(vec!["970", "", "1500"]).prop_map(str::to_owned)),
        prices in (
            option::of(money()),
            option::of(money()),
            option::of(money()),
            option::of(money()),
        ),
        replaced_by in option::of(sku_text()),
    ) -> Position {
        Position {
            sku: sku(&id),
            name,
            original_quantity,
            quantity,
            weight,
            price: prices.0,
            discount_price: prices.1,
            total_price: prices.2,
            total_discount_price: prices.3,
            replaced_by,
        }
    }
}

/// Mostly a basket, sometimes an order long enough to come in parts. Unless `repeats`, each sku
/// comes once; with `repeats`, a sku may come several times and the composition goes through
/// `merge_repeated_skus` exactly as the protocol hands it over (a sum past the limits is refused
/// there, so such a composition never reaches `apply`).
pub(super) fn composition(repeats: bool) -> BoxedStrategy<Vec<Position>> {
    let position = position().boxed();
    let any = prop_oneof![
        4 => prop::collection::vec(position.clone(), 0..6),
        1 => prop::collection::vec(position, 20..200),
    ];
    if repeats {
        return any
            .prop_map(|positions| {
                // As the protocol merges them; a sum past the limits would be refused there, so
                // such a composition is sent with each sku once instead (no case is thrown away).
                super::composition::merge_repeated_skus(
                    positions.clone(),
                    Decimal::from(1_000_000),
                    Decimal::from(10_000_000_000i64),
                )
                .unwrap_or_else(|_| once_each(positions))
            })
            .boxed();
    }
    any.prop_map(once_each).boxed()
}

/// Each sku's first position only.
fn once_each(mut positions: Vec<Position>) -> Vec<Position> {
    let mut seen = std::collections::HashSet::new();
    positions.retain(|p| seen.insert(p.sku.clone()));
    positions
}

pub(super) fn totals() -> impl Strategy<Value = Totals> {
    (option::of(money()), option::of(money())).prop_map(|(total_price, discount_total_price)| {
        Totals {
            total_price,
            discount_total_price,
        }
    })
}

pub(super) fn reference() -> impl Strategy<Value = Reference> {
    let store = prop_oneof![
        3 => Just(Some(STORE)),
        1 => Just(Some(OTHER_STORE)),
        1 => Just(None),
    ];
    (option::of(Just("uuid-1")), store).prop_map(|(uuid, store)| Reference {
        order_uuid: uuid.map(str::to_owned),
        store_id: store.map(|s| StoreId::parse(s).unwrap()),
    })
}

prop_compose! {
    fn snapshot(repeats: bool)(
        reference in reference(),
        customer in (sent(name()), sent(Just("+79161234567".to_owned()))),
        address in sent(free_text()),
        window in (sent(window_time()), sent(window_time())),
        words in (sent(free_text()), sent(name()), sent(name())),
        payment_methods in option::of(prop::collection::vec(name(), 0..3)),
        lines in option::of(composition(repeats)),
        totals in option::of(totals()),
    ) -> Snapshot {
        Snapshot {
            reference,
            customer_name: customer.0,
            customer_phone: customer.1,
            address,
            delivery_from: window.0,
            delivery_to: window.1,
            comment: words.0,
            shipment_method: words.1,
            replacement_policy: words
                .2
                .map(|policy| policy.map(ReplacementPolicy::from_spelling)),
            payment_methods,
            lines,
            totals,
        }
    }
}

// Boxed: the event's strategy types nest deep enough to overflow a test thread's stack.
pub(super) fn body(repeats: bool) -> BoxedStrategy<EventBody> {
    let payment = (
        reference(),
        option::of(composition(repeats)),
        option::of(totals()),
    )
        .prop_map(|(reference, lines, totals)| Payment {
            reference,
            lines,
            totals,
        });
    let cancellation = option::of(
        (option::of(name()), option::of(free_text()))
            .prop_map(|(slug, description)| Cancellation { slug, description }),
    );
    let notice = (reference(), cancellation).prop_map(|(reference, cancellation)| CancelNotice {
        reference,
        cancellation,
    });
    let snapshot = snapshot(repeats).boxed();
    // A cancellation ends a history early, so it comes less often than the rest.
    prop_oneof![
        2 => snapshot.clone().prop_map(EventBody::Created),
        4 => snapshot.prop_map(EventBody::Changed),
        3 => payment.prop_map(EventBody::Paid),
        2 => reference().prop_map(EventBody::Received),
        2 => reference().prop_map(EventBody::Delivered),
        1 => notice.prop_map(EventBody::Cancelled),
    ]
    .boxed()
}

/// An event about the one order, stamped (or not) within ten hours of its creation, so that a
/// change may arrive older than the composition it would replace.
pub(super) fn event(repeats: bool) -> impl Strategy<Value = OrderEvent> {
    (body(repeats), option::of(0i64..=600)).prop_map(about_the_order)
}

pub(super) fn about_the_order((body, minutes): (EventBody, Option<i64>)) -> OrderEvent {
    OrderEvent {
        order_id: OrderId::parse(ORDER).unwrap(),
        sent_at: minutes.map(|m| base() + Duration::minutes(m)),
        body,
        raw_payload: std::sync::Arc::new(json!({ "originalOrderId": ORDER })),
    }
}

#[derive(Clone, Debug)]
pub(super) enum Step {
    Send(Box<OrderEvent>),
    /// An event sent before comes again: a retry, or the copy a second instance received.
    Resend(Index),
}

/// Most histories open with a creation, as the marketplace's do; the rest start anywhere.
pub(super) fn steps(repeats: bool) -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        3 => event(repeats).prop_map(|event| Step::Send(Box::new(event))),
        1 => any::<Index>().prop_map(Step::Resend),
    ];
    let creation = (
        snapshot(repeats).prop_map(EventBody::Created),
        option::of(0i64..=600),
    )
        .prop_map(|sent| Step::Send(Box::new(about_the_order(sent))));
    (
        option::weighted(0.75, creation),
        prop::collection::vec(step, 1..16),
    )
        .prop_map(|(first, rest)| first.into_iter().chain(rest).collect())
}
