-- 0003_quotas: the decomposition of a city target into county quotas (任务分解).
--
-- Append-only: never edit this file once released; add 0004_….sql instead.

-- quotas: one row per target and area org; value is the share of the
-- target's value the org is to deliver (or, for a level target, its own
-- level). A coordinator replaces a target's quotas as a whole.
CREATE TABLE quotas (
    plan_id   BIGINT           NOT NULL REFERENCES plans (id),
    item_key  TEXT             NOT NULL,
    target_id BIGINT           NOT NULL REFERENCES targets (id),
    org_id    BIGINT           NOT NULL REFERENCES orgs (id),
    value     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (plan_id, item_key, org_id)
);
CREATE INDEX quotas_org ON quotas (org_id);
