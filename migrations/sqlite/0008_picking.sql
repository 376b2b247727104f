-- The store's picking of an order (issue 19): who has it, since when, and when it was assembled,
-- beside the promised assembly time it is judged by. No row: nobody has taken the order. A put
-- back empties the row rather than deleting it (the service role deletes from nothing here).
CREATE TABLE picking (
    original_order_id TEXT PRIMARY KEY REFERENCES orders (original_order_id),
    store_id TEXT NOT NULL,
    picker TEXT,
    started_at TEXT,
    finished_at TEXT,
    finished_by TEXT,
    due_at TEXT,
    updated_at TEXT NOT NULL
);

-- The day's numbers read the orders assembled since the store's midnight.
CREATE INDEX picking_by_finish ON picking (finished_at) WHERE finished_at IS NOT NULL;

-- The orders still to pick, for the numbers of orders waiting untaken: a small index of the
-- open orders, so that `/metrics` never reads the delivered past.
CREATE INDEX orders_to_pick ON orders (store_id, created_at) WHERE status IN ('new', 'paid');
