use super::names::{beyond_newest, is_backup_name, timestamped_name};
use chrono::{TimeZone, Utc};

#[test]
fn a_copy_is_named_by_its_utc_second() {
    let at = Utc.with_ymd_and_hms(2026, 11, 30, 3, 15, 0).unwrap();
    assert_eq!(timestamped_name(at), "orders-hook-20261130T031500Z.db");
    assert!(is_backup_name(&timestamped_name(at)));
}

#[test]
fn only_the_exact_shape_is_a_copy() {
    for other in [
        "orders-hook.db",
        "orders-hook-20261130T031500Z.db-wal",
        "orders-hook-20261130T031500Z.db.bak",
        ".orders-hook-20261130T031500Z.db.tmp-42",
        "orders-hook-20261130T0315Z.db",
        "orders-hook-20261130T031500.db",
        "orders-hook-2026113xT031500Z.db",
        "orders-hook-20261340T031500Z.db",
        "orders-hook-before-upgrade.db",
        "xorders-hook-20261130T031500Z.db",
        "README",
    ] {
        assert!(!is_backup_name(other), "{other} is not a copy");
    }
}

#[test]
fn rotation_removes_the_oldest_copies_beyond_the_newest_n_and_nothing_else() {
    let names = [
        "orders-hook-20261128T031500Z.db",
        "notes.txt",
        "orders-hook-20261130T031500Z.db",
        "orders-hook-before-upgrade.db",
        "orders-hook-20261126T031500Z.db",
        "orders-hook-20261129T031500Z.db",
        "orders-hook-20261127T031500Z.db",
    ];
    assert_eq!(
        beyond_newest(&names, 2),
        [
            "orders-hook-20261126T031500Z.db",
            "orders-hook-20261127T031500Z.db",
            "orders-hook-20261128T031500Z.db",
        ]
    );
    assert!(beyond_newest(&names, 5).is_empty());
    assert!(beyond_newest(&names, 9).is_empty());
    assert!(beyond_newest(&["notes.txt"], 0).is_empty());
}
