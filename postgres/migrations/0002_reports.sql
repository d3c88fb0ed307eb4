-- 0002_reports: the periodic reports against a plan's targets and milestones,
-- with their review state.
--
-- Append-only: never edit this file once released; add 0003_….sql instead.

-- reports: one row per item (target or milestone) of a plan, org and period
-- ("2020-05" or "2020-Q2"); the figures are year-to-date (累计) at the
-- period's end. item_key is the plan's own id of the item ("1.1", "1.m2");
-- exactly one of target_id and milestone_id points at its row, which keeps
-- the item from vanishing beneath its reports and gives the plan order.
-- value, numerator, denominator and percent are NULL when not given; stage
-- is '' for a target; flags is a JSON array of review warnings. version
-- starts at 1 and grows by one with every change (optimistic locking).
CREATE TABLE reports (
    id           BIGINT           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id      BIGINT           NOT NULL REFERENCES plans (id),
    item_key     TEXT             NOT NULL,
    target_id    BIGINT           REFERENCES targets (id),
    milestone_id BIGINT           REFERENCES milestones (id),
    org_id       BIGINT           NOT NULL REFERENCES orgs (id),
    period       TEXT             NOT NULL,
    value        DOUBLE PRECISION,
    numerator    DOUBLE PRECISION,
    denominator  DOUBLE PRECISION,
    stage        TEXT             NOT NULL DEFAULT ''
                 CHECK (stage IN ('', 'not_started', 'in_progress', 'done')),
    percent      DOUBLE PRECISION,
    note         TEXT             NOT NULL DEFAULT '',
    reason       TEXT             NOT NULL DEFAULT '',
    flags        JSON             NOT NULL DEFAULT '[]',
    status       TEXT             NOT NULL DEFAULT 'draft'
                 CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    comment      TEXT             NOT NULL DEFAULT '',
    version      BIGINT           NOT NULL CHECK (version >= 1),
    updated_by   TEXT             NOT NULL,
    updated_at   TIMESTAMPTZ      NOT NULL,
    CHECK ((target_id IS NULL) <> (milestone_id IS NULL)),
    UNIQUE (plan_id, item_key, org_id, period)
);
-- The unique index above serves lookups by (plan, item); these serve the
-- other ways reports are listed: a period's returns and an org's history.
CREATE INDEX reports_plan_period ON reports (plan_id, period);
CREATE INDEX reports_plan_org ON reports (plan_id, org_id);
CREATE INDEX reports_target ON reports (target_id);
CREATE INDEX reports_milestone ON reports (milestone_id);
