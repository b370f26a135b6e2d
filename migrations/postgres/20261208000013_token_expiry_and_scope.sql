-- API tokens expire and may be read-only. A token made before this has a year from its
-- creation and keeps the rights it had (read and write).
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE api_tokens SET expires_at = created_at + 31536000000 WHERE expires_at IS NULL;
