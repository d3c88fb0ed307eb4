-- 0008_schedules: planned schedules (计划进度) of targets, cumulative shares
-- in percent by month (12) or quarter (4), as a JSON array.
--
-- Append-only: never edit this file once released; add 0009_….sql instead.
CREATE TABLE schedules (
    plan_id   BIGINT NOT NULL REFERENCES plans (id),
    item_key  TEXT   NOT NULL,
    target_id BIGINT NOT NULL REFERENCES targets (id),
    shares    JSON   NOT NULL,
    PRIMARY KEY (plan_id, item_key)
);
