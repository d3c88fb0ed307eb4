-- 0001_init: organisations, plans and their items, who answers for each
-- item, accounts and their sessions, and the hash-chained audit log.
--
-- Append-only: never edit this file once released; add 0002_….sql instead.
-- Table and column names are those of the SQLite store (sqlite/migrations),
-- file for file, so that the two schemas read alike and schema_migrations
-- names the same versions. The types are PostgreSQL's own: BIGINT identity
-- ids, DOUBLE PRECISION numbers, BOOLEAN flags, DATE dates, TIMESTAMPTZ
-- times (microseconds), BYTEA bytes. One thing is kept as text on purpose:
-- audit_log.at, exactly the RFC 3339 string the entry's hash covers.

-- orgs: areas (city → county → township → village) and departments. path
-- names an org uniquely ("温州市/鹿城区"); names repeat across a province.
CREATE TABLE orgs (
    id         BIGINT           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT             NOT NULL,
    kind       TEXT             NOT NULL,
    class      TEXT             NOT NULL DEFAULT '',
    parent_id  BIGINT           REFERENCES orgs (id),
    path       TEXT             NOT NULL UNIQUE,
    population DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE INDEX orgs_name ON orgs (name);
CREATE INDEX orgs_parent ON orgs (parent_id);

-- plans: one row per imported plan document. digest is the SHA-256 of the
-- plan's canonical JSON, so that importing the same plan twice stores it once.
-- unparsed is a JSON array of strings, kept verbatim (JSON, not JSONB).
CREATE TABLE plans (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest      TEXT        NOT NULL UNIQUE,
    title       TEXT        NOT NULL,
    issuer      TEXT        NOT NULL DEFAULT '',
    issued      DATE,
    year        INTEGER     NOT NULL DEFAULT 0,
    unparsed    JSON        NOT NULL DEFAULT '[]',
    imported_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX plans_imported ON plans (imported_at);

-- domains and tasks keep the document order in pos (0-based within the
-- parent); no is the number the document gives.
CREATE TABLE domains (
    id      BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id BIGINT  NOT NULL REFERENCES plans (id),
    no      INTEGER NOT NULL,
    pos     INTEGER NOT NULL,
    title   TEXT    NOT NULL,
    UNIQUE (plan_id, pos)
);

CREATE TABLE tasks (
    id        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id   BIGINT  NOT NULL REFERENCES plans (id),
    domain_id BIGINT  NOT NULL REFERENCES domains (id),
    no        INTEGER NOT NULL,
    pos       INTEGER NOT NULL,
    title     TEXT    NOT NULL,
    text      TEXT    NOT NULL DEFAULT '',
    UNIQUE (domain_id, pos)
);
CREATE INDEX tasks_plan ON tasks (plan_id);

-- targets: key is the plan's own id of the target ("1.1"); reports, quotas and
-- spreadsheets refer to targets.id. A ratio target keeps both sides in
-- ratio_a:ratio_b (NULL otherwise); baseline is NULL when the plan gives none.
CREATE TABLE targets (
    id          BIGINT           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id     BIGINT           NOT NULL REFERENCES plans (id),
    task_id     BIGINT           NOT NULL REFERENCES tasks (id),
    key         TEXT             NOT NULL,
    pos         INTEGER          NOT NULL,
    name        TEXT             NOT NULL,
    kind        TEXT             NOT NULL,
    op          TEXT             NOT NULL,
    value       DOUBLE PRECISION NOT NULL,
    ratio_a     DOUBLE PRECISION,
    ratio_b     DOUBLE PRECISION,
    unit        TEXT             NOT NULL DEFAULT '',
    baseline    DOUBLE PRECISION,
    numerator   TEXT             NOT NULL DEFAULT '',
    denominator TEXT             NOT NULL DEFAULT '',
    source      TEXT             NOT NULL DEFAULT '',
    UNIQUE (plan_id, key),
    UNIQUE (task_id, pos)
);

CREATE TABLE milestones (
    id      BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id BIGINT  NOT NULL REFERENCES plans (id),
    task_id BIGINT  NOT NULL REFERENCES tasks (id),
    key     TEXT    NOT NULL,
    pos     INTEGER NOT NULL,
    text    TEXT    NOT NULL,
    due     DATE,
    UNIQUE (plan_id, key),
    UNIQUE (task_id, pos)
);

-- The units a domain or task names, in document order (the first leads).
-- They rebuild the plan exactly; target_units below is what is queried.
CREATE TABLE domain_units (
    domain_id BIGINT  NOT NULL REFERENCES domains (id),
    pos       INTEGER NOT NULL,
    org_id    BIGINT  NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (domain_id, pos)
);

CREATE TABLE task_units (
    task_id BIGINT  NOT NULL REFERENCES tasks (id),
    pos     INTEGER NOT NULL,
    org_id  BIGINT  NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (task_id, pos)
);

-- Who answers for each target and milestone: the task's units when the task
-- names any, else the domain's; lead for the first of them. Reporters see
-- the items of their org through these tables. pos is the order the units
-- are listed in (SQLite uses its rowid for that; PostgreSQL has no row order).
CREATE TABLE target_units (
    target_id BIGINT  NOT NULL REFERENCES targets (id),
    org_id    BIGINT  NOT NULL REFERENCES orgs (id),
    lead      BOOLEAN NOT NULL DEFAULT FALSE,
    pos       INTEGER NOT NULL,
    PRIMARY KEY (target_id, org_id)
);
CREATE INDEX target_units_org ON target_units (org_id);

CREATE TABLE milestone_units (
    milestone_id BIGINT  NOT NULL REFERENCES milestones (id),
    org_id       BIGINT  NOT NULL REFERENCES orgs (id),
    lead         BOOLEAN NOT NULL DEFAULT FALSE,
    pos          INTEGER NOT NULL,
    PRIMARY KEY (milestone_id, org_id)
);
CREATE INDEX milestone_units_org ON milestone_units (org_id);

-- users: accounts. password_hash is never copied into the audit log.
CREATE TABLE users (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT        NOT NULL UNIQUE,
    role          TEXT        NOT NULL,
    org_id        BIGINT      REFERENCES orgs (id),
    password_hash TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- sessions: logins. id is the hex SHA-256 of the token, never the token.
CREATE TABLE sessions (
    id         TEXT        PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- audit_log: the append-only, hash-chained trail (gongfu.AuditEntry). No
-- other table's name contains "audit". at is RFC 3339 UTC text exactly as
-- hashed, so that the stored row and the hash can never disagree about it.
CREATE TABLE audit_log (
    seq    BIGINT PRIMARY KEY,
    at     TEXT   NOT NULL,
    actor  TEXT   NOT NULL,
    action TEXT   NOT NULL,
    object TEXT   NOT NULL,
    old    TEXT   NOT NULL DEFAULT '',
    new    TEXT   NOT NULL DEFAULT '',
    reason TEXT   NOT NULL DEFAULT '',
    result TEXT   NOT NULL DEFAULT '',
    prev   TEXT   NOT NULL,
    hash   TEXT   NOT NULL
);

-- chain_head: the last (seq, hash) of the log, written in the same
-- transaction as each entry, so that deleting the newest entries, which
-- leaves a chain that still verifies, is detected too. Every write
-- transaction locks this one row first (SELECT … FOR UPDATE): that is what
-- lines concurrent writers up, here and across several gongfu servers.
CREATE TABLE chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '');
