-- The client-generated id of the last write to each survey. A retried save (the network
-- dropped the answer, a double tap) carries the same id and gets the stored result back
-- instead of a version conflict or a second write.
ALTER TABLE surveys ADD COLUMN last_request TEXT;
UPDATE surveys SET last_request = client_id;
