//! Who this process is, for leases held in the database: the notice worker's and housekeeping's.

/// Host, process and a random part: unique across the pool's instances and across restarts
/// that reuse a process id, and readable in `outbox list` and the logs.
pub fn instance_id() -> String {
    format!(
        "{}-{}-{:08x}",
        hostname(),
        std::process::id(),
        rand::random::<u32>()
    )
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "orders-hook".to_owned())
}
