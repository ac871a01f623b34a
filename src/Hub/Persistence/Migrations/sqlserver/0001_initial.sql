-- Initial schema (sqlserver). Every table but authorities carries authority_id: all queries are scoped to it.
-- A unique index admits one NULL in SQL Server unless filtered: members without email (paper) are many.

CREATE TABLE authorities (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    name nvarchar(200) NOT NULL,
    kind nvarchar(20) NOT NULL,
    population int NOT NULL,
    siren nvarchar(9) NOT NULL,
    department_code nvarchar(3) NOT NULL,
    created_at datetime2(7) NOT NULL
);
CREATE UNIQUE INDEX ux_authorities_siren ON authorities (siren);

-- authority_id NULL = a platform operator's key, valid for every authority.
CREATE TABLE api_keys (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NULL REFERENCES authorities (id),
    name nvarchar(200) NOT NULL,
    role nvarchar(20) NOT NULL,
    key_hash nvarchar(64) NOT NULL,
    created_at datetime2(7) NOT NULL,
    revoked_at datetime2(7) NULL
);
CREATE UNIQUE INDEX ux_api_keys_hash ON api_keys (key_hash);

-- Overrides are NULL when the assembly follows the rule derived from the authority (Legal/ConvocationRuleCatalog).
CREATE TABLE assemblies (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    name nvarchar(200) NOT NULL,
    kind nvarchar(20) NOT NULL,
    notice_days int NULL,
    urgent_notice_days int NULL,
    clear_days bit NULL,
    synthesis_note_required bit NULL,
    created_at datetime2(7) NOT NULL
);
CREATE INDEX ix_assemblies_authority ON assemblies (authority_id);

CREATE TABLE members (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    first_name nvarchar(100) NOT NULL,
    last_name nvarchar(100) NOT NULL,
    email nvarchar(254) NULL,
    mobile nvarchar(20) NULL,
    m365_upn nvarchar(254) NULL,
    delivery nvarchar(20) NOT NULL,
    paper_requested_on date NULL,
    person_key nvarchar(254) NULL,
    created_at datetime2(7) NOT NULL,
    updated_at datetime2(7) NOT NULL
);
CREATE UNIQUE INDEX ux_members_email ON members (authority_id, email) WHERE email IS NOT NULL;
CREATE INDEX ix_members_person ON members (person_key);

CREATE TABLE seats (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    assembly_id uniqueidentifier NOT NULL REFERENCES assemblies (id),
    member_id uniqueidentifier NOT NULL REFERENCES members (id),
    from_date date NOT NULL,
    to_date date NULL
);
CREATE INDEX ix_seats_assembly ON seats (assembly_id);

-- The rule_* columns freeze the convocation rule applied to the session (its source and version are evidence).
CREATE TABLE sessions (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    assembly_id uniqueidentifier NOT NULL REFERENCES assemblies (id),
    starts_at_local nvarchar(16) NOT NULL,
    starts_at datetime2(7) NOT NULL,
    duration_minutes int NOT NULL,
    place nvarchar(500) NOT NULL,
    urgent bit NOT NULL,
    urgency_reason nvarchar(max) NULL,
    status nvarchar(20) NOT NULL,
    version int NOT NULL,
    sent_at datetime2(7) NULL,
    cancelled_at datetime2(7) NULL,
    cancellation_reason nvarchar(max) NULL,
    rule_notice_days int NOT NULL,
    rule_urgent_notice_days int NOT NULL,
    rule_clear_days bit NOT NULL,
    rule_synthesis_note_required bit NOT NULL,
    rule_source nvarchar(500) NOT NULL,
    rule_version nvarchar(100) NOT NULL,
    rule_effective_from date NOT NULL,
    latest_send_date date NOT NULL,
    created_at datetime2(7) NOT NULL,
    updated_at datetime2(7) NOT NULL
);
CREATE INDEX ix_sessions_assembly ON sessions (assembly_id, starts_at);

CREATE TABLE agenda_items (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    session_id uniqueidentifier NOT NULL REFERENCES sessions (id),
    position int NOT NULL,
    title nvarchar(1000) NOT NULL,
    rapporteur nvarchar(200) NULL,
    actes_nature nvarchar(2) NULL,
    actes_matiere nvarchar(20) NULL
);
CREATE INDEX ix_agenda_items_session ON agenda_items (session_id, position);

-- One row per change after sending: what the members were told, kept as it was.
CREATE TABLE session_versions (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    session_id uniqueidentifier NOT NULL REFERENCES sessions (id),
    version int NOT NULL,
    recorded_at datetime2(7) NOT NULL,
    summary nvarchar(max) NOT NULL,
    snapshot nvarchar(max) NOT NULL
);
CREATE UNIQUE INDEX ux_session_versions ON session_versions (session_id, version);

CREATE TABLE convocations (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    session_id uniqueidentifier NOT NULL REFERENCES sessions (id),
    member_id uniqueidentifier NOT NULL REFERENCES members (id),
    created_at datetime2(7) NOT NULL
);
CREATE UNIQUE INDEX ux_convocations_member ON convocations (session_id, member_id);

-- The outbox: written in the same transaction as the convocation; jobs only ever carry the id.
CREATE TABLE deliveries (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    session_id uniqueidentifier NOT NULL REFERENCES sessions (id),
    convocation_id uniqueidentifier NOT NULL REFERENCES convocations (id),
    channel nvarchar(50) NOT NULL,
    purpose nvarchar(20) NOT NULL,
    session_version int NOT NULL,
    status nvarchar(20) NOT NULL,
    attempts int NOT NULL,
    next_attempt_at datetime2(7) NULL,
    claimed_at datetime2(7) NULL,
    sent_at datetime2(7) NULL,
    provider_message_id nvarchar(500) NULL,
    provider_response nvarchar(max) NULL,
    last_error nvarchar(max) NULL,
    created_at datetime2(7) NOT NULL,
    updated_at datetime2(7) NOT NULL
);
CREATE UNIQUE INDEX ux_deliveries_purpose ON deliveries (convocation_id, channel, purpose, session_version);
CREATE INDEX ix_deliveries_status ON deliveries (status, next_attempt_at);
CREATE INDEX ix_deliveries_session ON deliveries (session_id);

CREATE TABLE delivery_events (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    delivery_id uniqueidentifier NOT NULL REFERENCES deliveries (id),
    at datetime2(7) NOT NULL,
    status nvarchar(20) NOT NULL,
    detail nvarchar(max) NULL
);
CREATE INDEX ix_delivery_events_delivery ON delivery_events (delivery_id, at);

-- Every answer is kept; the latest one for a convocation is the member's current answer.
CREATE TABLE answers (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    session_id uniqueidentifier NOT NULL REFERENCES sessions (id),
    convocation_id uniqueidentifier NOT NULL REFERENCES convocations (id),
    member_id uniqueidentifier NOT NULL REFERENCES members (id),
    attendance nvarchar(20) NOT NULL,
    proxy_holder_member_id uniqueidentifier NULL REFERENCES members (id),
    illness_certified bit NOT NULL,
    source nvarchar(20) NOT NULL,
    recorded_at datetime2(7) NOT NULL
);
CREATE INDEX ix_answers_session ON answers (session_id, recorded_at);
CREATE INDEX ix_answers_convocation ON answers (convocation_id, recorded_at);
