-- Secrets the server generates for itself on first use, e.g. the key that turns household ids
-- into researchers' pseudonymous ids. Kept in the database so every instance agrees.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
