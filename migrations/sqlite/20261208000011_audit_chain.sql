-- The audit log's hash chain (server/src/storage/audit_chain.rs): each new entry stores the
-- SHA-256 of the previous entry's hash and its own fields; `audit_head` holds the newest
-- entry's number and hash, and the anchor left by entries archived and pruned. Entries written
-- before this migration have no hash: the head is created by the first entry written after it,
-- and its hash covers them.
ALTER TABLE audit_log ADD COLUMN hash TEXT;

CREATE TABLE audit_head (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq       BIGINT NOT NULL,
    last_hash      TEXT NOT NULL,
    legacy_through BIGINT NOT NULL,
    anchor_seq     BIGINT NOT NULL,
    anchor_hash    TEXT NOT NULL
);
