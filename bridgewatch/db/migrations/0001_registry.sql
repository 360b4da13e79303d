-- Registry: a tree of units of any depth, and the endpoints (bridge points, "điểm cầu") in them.

CREATE TABLE unit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    kind        text NOT NULL,
    parent_id   bigint REFERENCES unit (id) ON DELETE RESTRICT,
    search_text text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT unit_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id)
);
-- Sibling names are unique so that a path of names ("Bắc Kạn / Chợ Đồn") names one unit.
CREATE UNIQUE INDEX unit_sibling_name ON unit (coalesce(parent_id, 0), name);
CREATE INDEX unit_parent ON unit (parent_id);

CREATE TABLE endpoint (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code           text NOT NULL UNIQUE,
    name           text NOT NULL,
    unit_id        bigint NOT NULL REFERENCES unit (id) ON DELETE RESTRICT,
    address        text NOT NULL DEFAULT '',
    contact_name   text NOT NULL DEFAULT '',
    contact_phone  text NOT NULL DEFAULT '',
    equipment      text NOT NULL DEFAULT '',
    link_type      text NOT NULL DEFAULT '',
    hall_capacity  integer CHECK (hall_capacity >= 0),
    host           text NOT NULL,
    icmp           boolean NOT NULL DEFAULT true,
    tcp_ports      integer[] NOT NULL DEFAULT '{}',
    sip_port       integer CHECK (sip_port BETWEEN 1 AND 65535),
    sip_transport  text NOT NULL DEFAULT 'udp' CHECK (sip_transport IN ('udp', 'tcp')),
    http_url       text NOT NULL DEFAULT '',
    tags           text[] NOT NULL DEFAULT '{}',
    active         boolean NOT NULL DEFAULT true,
    notes          text NOT NULL DEFAULT '',
    latitude       double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude      double precision CHECK (longitude BETWEEN -180 AND 180),
    search_text    text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX endpoint_unit ON endpoint (unit_id);
CREATE INDEX endpoint_tags ON endpoint USING gin (tags);

-- Every unit with its ancestors (root first) and its path of names, for subtree filters and display.
CREATE VIEW unit_tree AS
WITH RECURSIVE walk AS (
    SELECT id, ARRAY[id] AS ancestors, name AS path, 0 AS depth
    FROM unit WHERE parent_id IS NULL
    UNION ALL
    SELECT u.id, w.ancestors || u.id, w.path || ' / ' || u.name, w.depth + 1
    FROM unit u JOIN walk w ON u.parent_id = w.id
)
SELECT id, ancestors, path, depth FROM walk;
