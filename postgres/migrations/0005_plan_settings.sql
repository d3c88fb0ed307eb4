-- 0005_plan_settings: per-plan reporting frequency, deadline and light
-- thresholds. A plan without a row uses gongfu.DefaultPlanSettings.
--
-- Append-only: never edit this file once released; add 0006_….sql instead.
CREATE TABLE plan_settings (
    plan_id         BIGINT           PRIMARY KEY REFERENCES plans (id),
    frequency       TEXT             NOT NULL CHECK (frequency IN ('month', 'quarter')),
    deadline_day    INTEGER          NOT NULL CHECK (deadline_day BETWEEN 1 AND 28),
    green_within    DOUBLE PRECISION NOT NULL,
    yellow_within   DOUBLE PRECISION NOT NULL,
    level_tolerance DOUBLE PRECISION NOT NULL
);
