-- 0004_notices_attachments: in-app notices (催报 reminders) and evidence
-- attached to reports.
--
-- Append-only: never edit this file once released; add 0005_….sql instead.

CREATE TABLE notices (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     BIGINT      NOT NULL REFERENCES orgs (id),
    plan_id    BIGINT      NOT NULL REFERENCES plans (id),
    period     TEXT        NOT NULL DEFAULT '',
    kind       TEXT        NOT NULL,
    text       TEXT        NOT NULL,
    created_by TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX notices_org ON notices (org_id, id);

-- attachments hang off a report row; the bytes live in the database so that
-- one pg_dump holds everything.
CREATE TABLE attachments (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id    BIGINT      NOT NULL REFERENCES reports (id),
    name         TEXT        NOT NULL,
    content_type TEXT        NOT NULL,
    size         BIGINT      NOT NULL,
    sha256       TEXT        NOT NULL,
    data         BYTEA       NOT NULL,
    created_by   TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_report ON attachments (report_id);
