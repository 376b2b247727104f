-- A replayed request (issue 20): its journal row names the row it repeats. The body it was
-- put through with is the same, so the row keeps it too; the marker tells the two apart.
ALTER TABLE journal ADD COLUMN replay_of BIGINT;
