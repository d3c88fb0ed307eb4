-- 0007_published: the plan items a coordinator has made public (政务公开).
-- An item is public while it has a row here; nothing is public by default.
--
-- Append-only: never edit this file once released; add 0008_….sql instead.

-- published_items: one row per public target or milestone. item_key is the
-- plan's own id ("1.1"); exactly one of target_id and milestone_id names
-- its row, so that an item of another plan cannot be published by mistake.
CREATE TABLE published_items (
    plan_id      BIGINT      NOT NULL REFERENCES plans (id),
    item_key     TEXT        NOT NULL,
    target_id    BIGINT      REFERENCES targets (id),
    milestone_id BIGINT      REFERENCES milestones (id),
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (plan_id, item_key),
    CHECK ((target_id IS NULL) <> (milestone_id IS NULL))
);
