-- Order documents, their history, numbers, stock, catalog, outbox and journal (DESIGN 3-7).
-- Times are UTC; decimals are kept as their exact text.

-- The partner number's sequence: one row per order that was ever numbered.
CREATE TABLE order_numbers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    original_order_id TEXT NOT NULL UNIQUE
);

CREATE TABLE orders (
    original_order_id TEXT PRIMARY KEY,
    number TEXT UNIQUE,
    store_id TEXT,
    status TEXT NOT NULL,
    revision INTEGER NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX orders_by_creation ON orders (created_at);

CREATE TABLE order_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    original_order_id TEXT NOT NULL REFERENCES orders (original_order_id),
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX order_history_by_order ON order_history (original_order_id, id);

CREATE TABLE stock_balances (
    store_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (store_id, sku)
);

-- A shipment writes an order's sku off once: the unique key is the guarantee.
CREATE TABLE stock_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    original_order_id TEXT NOT NULL,
    store_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    UNIQUE (original_order_id, sku, reason)
);

CREATE TABLE catalog (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    unit TEXT,
    updated_at TEXT NOT NULL
);

-- One notice per order, kind (and revision) and chat: a repeat cannot queue it twice.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    original_order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    chat TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    sent_at TEXT,
    telegram_message_id INTEGER,
    last_error TEXT,
    UNIQUE (original_order_id, dedup_key, chat)
);
CREATE INDEX outbox_by_status ON outbox (status, id);

CREATE TABLE journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    request_id TEXT,
    event_type TEXT,
    original_order_id TEXT,
    outcome TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    detail TEXT NOT NULL,
    body TEXT
);
CREATE INDEX journal_by_order ON journal (original_order_id, id);
