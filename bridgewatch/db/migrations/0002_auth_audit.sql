-- API tokens (only their SHA-256 is stored) and an audit trail of every write.

CREATE TABLE api_token (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    unit_id      bigint REFERENCES unit (id) ON DELETE RESTRICT,
    token_hash   bytea NOT NULL UNIQUE,
    -- The first characters of the token, enough to recognise it in `token list`.
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT operator_has_unit CHECK (role <> 'operator' OR unit_id IS NOT NULL)
);

CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    action     text NOT NULL,
    object     text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log USING brin (at);
