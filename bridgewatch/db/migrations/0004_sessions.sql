-- Sessions (a province-wide conference), the points taking part, operator checklists,
-- sweep claims (several instances, one sweep), web logins, and endpoint dependencies.

CREATE TABLE session (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    unit_id      bigint NOT NULL REFERENCES unit (id) ON DELETE RESTRICT,
    host_id      bigint REFERENCES endpoint (id) ON DELETE SET NULL,
    cancelled_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    title        text NOT NULL,
    CONSTRAINT session_ends_after_start CHECK (ends_at > starts_at)
);
CREATE INDEX session_window ON session (starts_at, ends_at);

CREATE TABLE session_point (
    session_id  bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    endpoint_id bigint NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
    expected    integer NOT NULL DEFAULT 0 CHECK (expected >= 0),
    PRIMARY KEY (session_id, endpoint_id)
);

-- One row per scheduled sweep slot ("T-60", "T-30", "live+90"...): the instance that inserts
-- it runs the sweep; the others see the conflict and skip.
CREATE TABLE sweep_claim (
    session_id bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    sweep_id   uuid,
    slot       text NOT NULL,
    claimed_by text NOT NULL,
    PRIMARY KEY (session_id, slot)
);

ALTER TABLE sweep ADD COLUMN session_id bigint;
ALTER TABLE sweep ADD COLUMN slot text;

CREATE TABLE checklist_item (
    session_id  bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    endpoint_id bigint NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
    checked_at  timestamptz NOT NULL DEFAULT now(),
    item        text NOT NULL,
    checked     boolean NOT NULL,
    checked_by  text NOT NULL,
    PRIMARY KEY (session_id, endpoint_id, item)
);

CREATE TABLE help_request (
    session_id  bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    endpoint_id bigint NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    needs_help  boolean NOT NULL,
    note        text NOT NULL DEFAULT '',
    updated_by  text NOT NULL,
    PRIMARY KEY (session_id, endpoint_id)
);

-- Logins to the web pages: a random id in an HttpOnly cookie (only its hash stored here),
-- bound to the API token that was used to log in, with its CSRF token.
CREATE TABLE web_login (
    id_hash    bytea PRIMARY KEY,
    token_id   bigint NOT NULL REFERENCES api_token (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    csrf       text NOT NULL
);

-- A point that others connect through (a district hub for its communes).
ALTER TABLE endpoint ADD COLUMN upstream_id bigint REFERENCES endpoint (id) ON DELETE SET NULL;

-- Alert incidents: one per point per problem, closed on recovery. A point whose upstream is
-- down is recorded as suppressed by the upstream's incident and gets no message of its own.
CREATE TABLE alert_incident (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id    bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    endpoint_id   bigint NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
    opened_at     timestamptz NOT NULL DEFAULT now(),
    closed_at     timestamptz,
    suppressed_by bigint REFERENCES alert_incident (id) ON DELETE SET NULL,
    state         text NOT NULL,
    reason        text NOT NULL
);
CREATE UNIQUE INDEX alert_incident_open ON alert_incident (session_id, endpoint_id) WHERE closed_at IS NULL;
