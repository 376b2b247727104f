-- Order documents, their history, numbers, stock, catalog, outbox and journal (DESIGN 3-7).

-- The partner number's sequence, shared by every instance: one row per order ever numbered.
CREATE TABLE order_numbers (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    original_order_id TEXT NOT NULL UNIQUE
);

CREATE TABLE orders (
    original_order_id TEXT PRIMARY KEY,
    number TEXT UNIQUE,
    store_id TEXT,
    status TEXT NOT NULL,
    revision INTEGER NOT NULL,
    document JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX orders_by_creation ON orders (created_at);

CREATE TABLE order_history (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    original_order_id TEXT NOT NULL REFERENCES orders (original_order_id),
    at TIMESTAMPTZ NOT NULL,
    event TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX order_history_by_order ON order_history (original_order_id, id);

CREATE TABLE stock_balances (
    store_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity NUMERIC NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, sku)
);

-- A shipment writes an order's sku off once: the unique key is the guarantee.
CREATE TABLE stock_ledger (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    original_order_id TEXT NOT NULL,
    store_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity NUMERIC NOT NULL,
    reason TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    UNIQUE (original_order_id, sku, reason)
);

CREATE TABLE catalog (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    unit TEXT,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One notice per order, kind (and revision) and chat: a repeat cannot queue it twice.
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    original_order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    chat TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    telegram_message_id BIGINT,
    last_error TEXT,
    UNIQUE (original_order_id, dedup_key, chat)
);
CREATE INDEX outbox_by_status ON outbox (status, id);

CREATE TABLE journal (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    request_id TEXT,
    event_type TEXT,
    original_order_id TEXT,
    outcome TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    duration_ms BIGINT NOT NULL,
    detail TEXT NOT NULL,
    body TEXT
);
CREATE INDEX journal_by_order ON journal (original_order_id, id);
