-- What each point reports about a session: quality (scores and incidents), attendance, and
-- media statistics polled from codecs and the MCU.

CREATE TABLE quality_report (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id   bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    endpoint_id  bigint NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    audio        smallint NOT NULL CHECK (audio BETWEEN 1 AND 5),
    video        smallint NOT NULL CHECK (video BETWEEN 1 AND 5),
    -- Chosen by the client: a retried submission carries the same id and is stored once.
    client_id    text NOT NULL,
    note         text NOT NULL DEFAULT '',
    submitted_by text NOT NULL,
    UNIQUE (session_id, client_id)
);

CREATE TABLE quality_issue (
    report_id  bigint NOT NULL REFERENCES quality_report (id) ON DELETE CASCADE,
    started_at timestamptz NOT NULL,
    duration_s integer NOT NULL CHECK (duration_s >= 0),
    category   text NOT NULL
);

CREATE TABLE attendance (
    session_id       bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    endpoint_id      bigint NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    present_at_start integer NOT NULL CHECK (present_at_start >= 0),
    late             integer NOT NULL CHECK (late >= 0),
    left_early       integer NOT NULL CHECK (left_early >= 0),
    absent           integer NOT NULL CHECK (absent >= 0),
    absent_reasons   text NOT NULL DEFAULT '',
    note             text NOT NULL DEFAULT '',
    updated_by       text NOT NULL,
    PRIMARY KEY (session_id, endpoint_id)
);

CREATE TABLE media_stat (
    at           timestamptz NOT NULL,
    session_id   bigint NOT NULL,
    endpoint_id  bigint NOT NULL,
    loss_pct     real,
    jitter_ms    real,
    mos          real,
    people_count integer,
    source       text NOT NULL,
    stream       text NOT NULL,
    class        text
);
CREATE INDEX media_stat_session ON media_stat (session_id, at);
