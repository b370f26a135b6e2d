-- The second sign-in factor (server/src/auth/totp.rs). One authenticator per account: its
-- TOTP secret (base32), confirmed once the account's holder typed a first code, and the last
-- time step used (a code is good once). Recovery codes are stored as SHA-256 digests.
CREATE TABLE second_factors (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- A password accepted, waiting for the second factor (five minutes): only a SHA-256 of the
-- token in the browser's cookie is kept, as for sessions. Left out of backups.
CREATE TABLE pending_sign_ins (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
