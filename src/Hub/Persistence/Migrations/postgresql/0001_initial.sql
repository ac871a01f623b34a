-- Initial schema (postgresql). Every table but authorities carries authority_id: all queries are scoped to it.

CREATE TABLE authorities (
    id uuid NOT NULL PRIMARY KEY,
    name varchar(200) NOT NULL,
    kind varchar(20) NOT NULL,
    population integer NOT NULL,
    siren varchar(9) NOT NULL,
    department_code varchar(3) NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_authorities_siren ON authorities (siren);

-- authority_id NULL = a platform operator's key, valid for every authority.
CREATE TABLE api_keys (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NULL REFERENCES authorities (id),
    name varchar(200) NOT NULL,
    role varchar(20) NOT NULL,
    key_hash varchar(64) NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz NULL
);
CREATE UNIQUE INDEX ux_api_keys_hash ON api_keys (key_hash);

-- Overrides are NULL when the assembly follows the rule derived from the authority (Legal/ConvocationRuleCatalog).
CREATE TABLE assemblies (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    name varchar(200) NOT NULL,
    kind varchar(20) NOT NULL,
    notice_days integer NULL,
    urgent_notice_days integer NULL,
    clear_days boolean NULL,
    synthesis_note_required boolean NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX ix_assemblies_authority ON assemblies (authority_id);

CREATE TABLE members (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    first_name varchar(100) NOT NULL,
    last_name varchar(100) NOT NULL,
    email varchar(254) NULL,
    mobile varchar(20) NULL,
    m365_upn varchar(254) NULL,
    delivery varchar(20) NOT NULL,
    paper_requested_on date NULL,
    person_key varchar(254) NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_members_email ON members (authority_id, email);
CREATE INDEX ix_members_person ON members (person_key);

CREATE TABLE seats (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    assembly_id uuid NOT NULL REFERENCES assemblies (id),
    member_id uuid NOT NULL REFERENCES members (id),
    from_date date NOT NULL,
    to_date date NULL
);
CREATE INDEX ix_seats_assembly ON seats (assembly_id);

-- The rule_* columns freeze the convocation rule applied to the session (its source and version are evidence).
CREATE TABLE sessions (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    assembly_id uuid NOT NULL REFERENCES assemblies (id),
    starts_at_local varchar(16) NOT NULL,
    starts_at timestamptz NOT NULL,
    duration_minutes integer NOT NULL,
    place varchar(500) NOT NULL,
    urgent boolean NOT NULL,
    urgency_reason text NULL,
    status varchar(20) NOT NULL,
    version integer NOT NULL,
    sent_at timestamptz NULL,
    cancelled_at timestamptz NULL,
    cancellation_reason text NULL,
    rule_notice_days integer NOT NULL,
    rule_urgent_notice_days integer NOT NULL,
    rule_clear_days boolean NOT NULL,
    rule_synthesis_note_required boolean NOT NULL,
    rule_source varchar(500) NOT NULL,
    rule_version varchar(100) NOT NULL,
    rule_effective_from date NOT NULL,
    latest_send_date date NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX ix_sessions_assembly ON sessions (assembly_id, starts_at);

CREATE TABLE agenda_items (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    session_id uuid NOT NULL REFERENCES sessions (id),
    position integer NOT NULL,
    title varchar(1000) NOT NULL,
    rapporteur varchar(200) NULL,
    actes_nature varchar(2) NULL,
    actes_matiere varchar(20) NULL
);
CREATE INDEX ix_agenda_items_session ON agenda_items (session_id, position);

-- One row per change after sending: what the members were told, kept as it was.
CREATE TABLE session_versions (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    session_id uuid NOT NULL REFERENCES sessions (id),
    version integer NOT NULL,
    recorded_at timestamptz NOT NULL,
    summary text NOT NULL,
    snapshot text NOT NULL
);
CREATE UNIQUE INDEX ux_session_versions ON session_versions (session_id, version);

CREATE TABLE convocations (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    session_id uuid NOT NULL REFERENCES sessions (id),
    member_id uuid NOT NULL REFERENCES members (id),
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_convocations_member ON convocations (session_id, member_id);

-- The outbox: written in the same transaction as the convocation; jobs only ever carry the id.
CREATE TABLE deliveries (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    session_id uuid NOT NULL REFERENCES sessions (id),
    convocation_id uuid NOT NULL REFERENCES convocations (id),
    channel varchar(50) NOT NULL,
    purpose varchar(20) NOT NULL,
    session_version integer NOT NULL,
    status varchar(20) NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamptz NULL,
    claimed_at timestamptz NULL,
    sent_at timestamptz NULL,
    provider_message_id varchar(500) NULL,
    provider_response text NULL,
    last_error text NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_deliveries_purpose ON deliveries (convocation_id, channel, purpose, session_version);
CREATE INDEX ix_deliveries_status ON deliveries (status, next_attempt_at);
CREATE INDEX ix_deliveries_session ON deliveries (session_id);

CREATE TABLE delivery_events (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    delivery_id uuid NOT NULL REFERENCES deliveries (id),
    at timestamptz NOT NULL,
    status varchar(20) NOT NULL,
    detail text NULL
);
CREATE INDEX ix_delivery_events_delivery ON delivery_events (delivery_id, at);

-- Every answer is kept; the latest one for a convocation is the member's current answer.
CREATE TABLE answers (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    session_id uuid NOT NULL REFERENCES sessions (id),
    convocation_id uuid NOT NULL REFERENCES convocations (id),
    member_id uuid NOT NULL REFERENCES members (id),
    attendance varchar(20) NOT NULL,
    proxy_holder_member_id uuid NULL REFERENCES members (id),
    illness_certified boolean NOT NULL,
    source varchar(20) NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX ix_answers_session ON answers (session_id, recorded_at);
CREATE INDEX ix_answers_convocation ON answers (convocation_id, recorded_at);
