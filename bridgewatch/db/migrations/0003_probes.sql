-- Sweeps, every probe result, and each endpoint's readiness after each sweep.
-- Result tables have no foreign keys (ingest speed; history outlives deleted endpoints) and
-- BRIN indexes on time (they are written in time order). Columns run wide to narrow.

CREATE TABLE sweep (
    id          uuid PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    targets     integer NOT NULL,
    probes      integer NOT NULL,
    ready       integer NOT NULL,
    degraded    integer NOT NULL,
    unreachable integer NOT NULL,
    unknown     integer NOT NULL,
    scope       text NOT NULL
);
CREATE INDEX sweep_started ON sweep USING brin (started_at);

CREATE TABLE probe_result (
    at          timestamptz NOT NULL,
    endpoint_id bigint NOT NULL,
    sweep_id    uuid,
    rtt_ms      real,
    rtt_min_ms  real,
    rtt_max_ms  real,
    jitter_ms   real,
    loss_pct    real,
    cert_days   real,
    port        integer,
    code        smallint,
    kind        text NOT NULL,
    status      text NOT NULL,
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX probe_result_at ON probe_result USING brin (at);

CREATE TABLE readiness_result (
    at          timestamptz NOT NULL,
    endpoint_id bigint NOT NULL,
    sweep_id    uuid,
    mos         real,
    state       text NOT NULL,
    reason_vi   text NOT NULL,
    reason_en   text NOT NULL
);
CREATE INDEX readiness_result_at ON readiness_result USING brin (at);

-- Per-endpoint threshold overrides, e.g. {"max_loss_pct": 8} for a point on a 4G link.
ALTER TABLE endpoint ADD COLUMN thresholds jsonb NOT NULL DEFAULT '{}';
