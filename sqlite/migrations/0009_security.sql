-- 0009_security: what 等保 2.0 level 3 (GB/T 22239-2019) asks of accounts.
-- password_changed_at starts password expiry (NULL: never changed, count
-- from created_at); totp_secret is the base32 RFC 6238 secret of the second
-- factor ('' when none); recovery_codes keep only the SHA-256 of each
-- one-time code, used_at set once it is spent.
--
-- Append-only: never edit this file once released; add 0010_….sql instead.
-- Portable SQL: the PostgreSQL store ports this file as it is, with its own
-- time type for the two time columns.
ALTER TABLE users ADD COLUMN password_changed_at TEXT;
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';

CREATE TABLE recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users (id),
    hash    TEXT    NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, hash)
);
