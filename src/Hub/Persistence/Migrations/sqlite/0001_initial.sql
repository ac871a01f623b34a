-- Initial schema (sqlite). Every table but authorities carries authority_id: all queries are scoped to it.

CREATE TABLE authorities (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    population INTEGER NOT NULL,
    siren TEXT NOT NULL,
    department_code TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_authorities_siren ON authorities (siren);

-- authority_id NULL = a platform operator's key, valid for every authority.
CREATE TABLE api_keys (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NULL REFERENCES authorities (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT NULL
);
CREATE UNIQUE INDEX ux_api_keys_hash ON api_keys (key_hash);

-- Overrides are NULL when the assembly follows the rule derived from the authority (Legal/ConvocationRuleCatalog).
CREATE TABLE assemblies (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    notice_days INTEGER NULL,
    urgent_notice_days INTEGER NULL,
    clear_days INTEGER NULL,
    synthesis_note_required INTEGER NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_assemblies_authority ON assemblies (authority_id);

CREATE TABLE members (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NULL,
    mobile TEXT NULL,
    m365_upn TEXT NULL,
    delivery TEXT NOT NULL,
    paper_requested_on TEXT NULL,
    person_key TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_members_email ON members (authority_id, email);
CREATE INDEX ix_members_person ON members (person_key);

CREATE TABLE seats (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    assembly_id TEXT NOT NULL REFERENCES assemblies (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    from_date TEXT NOT NULL,
    to_date TEXT NULL
);
CREATE INDEX ix_seats_assembly ON seats (assembly_id);

-- The rule_* columns freeze the convocation rule applied to the session (its source and version are evidence).
CREATE TABLE sessions (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    assembly_id TEXT NOT NULL REFERENCES assemblies (id),
    starts_at_local TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    place TEXT NOT NULL,
    urgent INTEGER NOT NULL,
    urgency_reason TEXT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    sent_at TEXT NULL,
    cancelled_at TEXT NULL,
    cancellation_reason TEXT NULL,
    rule_notice_days INTEGER NOT NULL,
    rule_urgent_notice_days INTEGER NOT NULL,
    rule_clear_days INTEGER NOT NULL,
    rule_synthesis_note_required INTEGER NOT NULL,
    rule_source TEXT NOT NULL,
    rule_version TEXT NOT NULL,
    rule_effective_from TEXT NOT NULL,
    latest_send_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_sessions_assembly ON sessions (assembly_id, starts_at);

CREATE TABLE agenda_items (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    session_id TEXT NOT NULL REFERENCES sessions (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    rapporteur TEXT NULL,
    actes_nature TEXT NULL,
    actes_matiere TEXT NULL
);
CREATE INDEX ix_agenda_items_session ON agenda_items (session_id, position);

-- One row per change after sending: what the members were told, kept as it was.
CREATE TABLE session_versions (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    session_id TEXT NOT NULL REFERENCES sessions (id),
    version INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    summary TEXT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_session_versions ON session_versions (session_id, version);

CREATE TABLE convocations (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    session_id TEXT NOT NULL REFERENCES sessions (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_convocations_member ON convocations (session_id, member_id);

-- The outbox: written in the same transaction as the convocation; jobs only ever carry the id.
CREATE TABLE deliveries (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    session_id TEXT NOT NULL REFERENCES sessions (id),
    convocation_id TEXT NOT NULL REFERENCES convocations (id),
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    session_version INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NULL,
    claimed_at TEXT NULL,
    sent_at TEXT NULL,
    provider_message_id TEXT NULL,
    provider_response TEXT NULL,
    last_error TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_deliveries_purpose ON deliveries (convocation_id, channel, purpose, session_version);
CREATE INDEX ix_deliveries_status ON deliveries (status, next_attempt_at);
CREATE INDEX ix_deliveries_session ON deliveries (session_id);

CREATE TABLE delivery_events (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NULL
);
CREATE INDEX ix_delivery_events_delivery ON delivery_events (delivery_id, at);

-- Every answer is kept; the latest one for a convocation is the member's current answer.
CREATE TABLE answers (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    session_id TEXT NOT NULL REFERENCES sessions (id),
    convocation_id TEXT NOT NULL REFERENCES convocations (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    attendance TEXT NOT NULL,
    proxy_holder_member_id TEXT NULL REFERENCES members (id),
    illness_certified INTEGER NOT NULL,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX ix_answers_session ON answers (session_id, recorded_at);
CREATE INDEX ix_answers_convocation ON answers (convocation_id, recorded_at);
