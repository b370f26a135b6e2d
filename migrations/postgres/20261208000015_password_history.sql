-- The hashes of each account's last five passwords (Argon2id PHC strings, as `users`
-- keeps): a new password may not be one of them.
CREATE TABLE password_history (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    replaced_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, password_hash)
);
