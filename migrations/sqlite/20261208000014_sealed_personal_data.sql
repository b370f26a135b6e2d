-- ID-card numbers and phones are stored encrypted (server/src/storage/crypt.rs): a head's
-- ID-card number is found by its keyed blind index, which now carries the one-household-per-
-- head rule. Rows written before are encrypted by the server's first start after this
-- migration (`Store::seal_clear_rows`), which fills the index.
ALTER TABLE households ADD COLUMN head_id_card_index TEXT;
CREATE UNIQUE INDEX households_id_card_index ON households (head_id_card_index);
