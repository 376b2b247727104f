-- The console's store board (issue 12) reads one store's orders that are still in play; without
-- this index every board refresh would read every order ever kept.
CREATE INDEX orders_by_store_status ON orders (store_id, status, created_at);
