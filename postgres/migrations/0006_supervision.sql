-- 0006_supervision: supervision notices (督办单) on lagging items and the
-- explanations reporters give for red lights (情况说明).
--
-- Append-only: never edit this file once released; add a later file instead.

-- supervisions: one row per notice. org_id is the unit that must answer (a
-- department for a city-wide item, else the county); period and light are
-- the verdict the notice was issued on. item_key is the plan's own id of the
-- item and exactly one of target_id and milestone_id names its row, as in
-- reports. answered_at and closed_at are NULL until then.
CREATE TABLE supervisions (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id      BIGINT      NOT NULL REFERENCES plans (id),
    item_key     TEXT        NOT NULL,
    target_id    BIGINT      REFERENCES targets (id),
    milestone_id BIGINT      REFERENCES milestones (id),
    org_id       BIGINT      NOT NULL REFERENCES orgs (id),
    period       TEXT        NOT NULL,
    light        TEXT        NOT NULL CHECK (light IN ('red', 'yellow')),
    text         TEXT        NOT NULL,
    deadline     DATE        NOT NULL,
    status       TEXT        NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'answered', 'closed')),
    answer       TEXT        NOT NULL DEFAULT '',
    answered_by  TEXT        NOT NULL DEFAULT '',
    answered_at  TIMESTAMPTZ,
    comment      TEXT        NOT NULL DEFAULT '',
    closed_by    TEXT        NOT NULL DEFAULT '',
    closed_at    TIMESTAMPTZ,
    created_by   TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    CHECK ((target_id IS NULL) <> (milestone_id IS NULL))
);
-- A unit's inbox, and the plan office's list by plan and state.
CREATE INDEX supervisions_org ON supervisions (org_id, status);
CREATE INDEX supervisions_plan ON supervisions (plan_id, status);
-- At most one notice per item, unit and period that is not yet closed.
CREATE UNIQUE INDEX supervisions_pending ON supervisions (plan_id, item_key, org_id, period)
    WHERE status <> 'closed';

-- explanations: a reporter's account of a red light, one per item, area
-- (as in reports: the county, or the city for a city-wide figure) and
-- period; saving again replaces the text.
CREATE TABLE explanations (
    plan_id      BIGINT      NOT NULL REFERENCES plans (id),
    item_key     TEXT        NOT NULL,
    target_id    BIGINT      REFERENCES targets (id),
    milestone_id BIGINT      REFERENCES milestones (id),
    org_id       BIGINT      NOT NULL REFERENCES orgs (id),
    period       TEXT        NOT NULL,
    text         TEXT        NOT NULL,
    updated_by   TEXT        NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (plan_id, item_key, org_id, period),
    CHECK ((target_id IS NULL) <> (milestone_id IS NULL))
);
CREATE INDEX explanations_org ON explanations (org_id);
