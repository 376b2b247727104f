-- The aisle or zone each product stands in (`A3`, `Молочка`), from the catalog import's fourth
-- column: the picking sheet lists an order's lines zone by zone, so the picker walks the store once.
ALTER TABLE catalog ADD COLUMN zone TEXT;
