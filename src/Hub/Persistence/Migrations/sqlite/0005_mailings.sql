-- Documents sent to élus outside sessions (« envoi dématérialisé de documents ») (sqlite).

CREATE TABLE mailings (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    link_validity_days INTEGER NOT NULL,
    links_expire_at TEXT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    sent_at TEXT NULL
);
CREATE INDEX ix_mailings_authority ON mailings (authority_id, created_at);

CREATE TABLE mailing_recipients (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    mailing_id TEXT NOT NULL REFERENCES mailings (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_mailing_recipients ON mailing_recipients (mailing_id, member_id);

-- The bytes live in the content-addressed store, like session documents.
CREATE TABLE mailing_documents (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    mailing_id TEXT NOT NULL REFERENCES mailings (id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    position INTEGER NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX ix_mailing_documents ON mailing_documents (mailing_id, position);

-- Evidence of reading: the first opening (first download) and each download.
CREATE TABLE mailing_reads (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    mailing_id TEXT NOT NULL REFERENCES mailings (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    document_id TEXT NULL REFERENCES mailing_documents (id),
    access TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ix_mailing_reads ON mailing_reads (mailing_id, at);

-- The outbox now also carries mailings: a delivery belongs to a convocation (session_id, convocation_id) or to a
-- mailing recipient. SQLite cannot drop NOT NULL in place, so the table is rebuilt; the migrator runs SQLite scripts
-- with foreign keys off and checks them before committing (the procedure of sqlite.org/lang_altertable.html).
CREATE TABLE deliveries_rebuilt (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    session_id TEXT NULL REFERENCES sessions (id),
    convocation_id TEXT NULL REFERENCES convocations (id),
    mailing_recipient_id TEXT NULL REFERENCES mailing_recipients (id),
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
    updated_at TEXT NOT NULL,
    CHECK ((convocation_id IS NOT NULL AND session_id IS NOT NULL) <> (mailing_recipient_id IS NOT NULL))
);
INSERT INTO deliveries_rebuilt (id, authority_id, session_id, convocation_id, mailing_recipient_id, channel, purpose, session_version, status,
    attempts, next_attempt_at, claimed_at, sent_at, provider_message_id, provider_response, last_error, created_at, updated_at)
SELECT id, authority_id, session_id, convocation_id, NULL, channel, purpose, session_version, status,
    attempts, next_attempt_at, claimed_at, sent_at, provider_message_id, provider_response, last_error, created_at, updated_at
FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_rebuilt RENAME TO deliveries;
CREATE UNIQUE INDEX ux_deliveries_purpose ON deliveries (convocation_id, channel, purpose, session_version);
CREATE UNIQUE INDEX ux_deliveries_mailing ON deliveries (mailing_recipient_id, channel);
CREATE INDEX ix_deliveries_status ON deliveries (status, next_attempt_at);
CREATE INDEX ix_deliveries_session ON deliveries (session_id);
CREATE INDEX ix_deliveries_provider_id ON deliveries (provider_message_id);
