//! Black-box suite: the real service on a random port, a real database (a temporary SQLite file,
//! or a fresh database on the throw-away PostgreSQL cluster of `scripts/test`), the marketplace's
//! bodies over HTTP, and the results read back through the CLI's `--json` output.

mod barcode_reader;
mod console_client;
mod fake_telegram;
mod flaky_store;
mod harness;
mod served_binary;

mod auth;
mod backup;
mod bad_input;
mod cancellation;
mod concurrency;
mod console_board;
mod console_headers;
mod console_journal;
mod console_links;
mod console_operator;
mod console_picking;
mod console_sheet;
mod database_hosts;
mod database_upkeep;
mod deadline;
mod durability;
mod hostile;
mod hostile_connections;
mod lifecycle;
mod notify;
mod notify_worker;
mod observability;
mod operator_cli;
mod reload;
mod reload_signal;
mod replay;
mod simulate;
mod telegram_setup;
