-- Documents sent to élus outside sessions (« envoi dématérialisé de documents ») (sqlserver).

CREATE TABLE mailings (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    title nvarchar(200) NOT NULL,
    message nvarchar(max) NOT NULL,
    status nvarchar(20) NOT NULL,
    link_validity_days int NOT NULL,
    links_expire_at datetime2(7) NULL,
    created_at datetime2(7) NOT NULL,
    created_by nvarchar(200) NOT NULL,
    sent_at datetime2(7) NULL
);
CREATE INDEX ix_mailings_authority ON mailings (authority_id, created_at);

CREATE TABLE mailing_recipients (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    mailing_id uniqueidentifier NOT NULL REFERENCES mailings (id),
    member_id uniqueidentifier NOT NULL REFERENCES members (id),
    created_at datetime2(7) NOT NULL
);
CREATE UNIQUE INDEX ux_mailing_recipients ON mailing_recipients (mailing_id, member_id);

-- The bytes live in the content-addressed store, like session documents.
CREATE TABLE mailing_documents (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    mailing_id uniqueidentifier NOT NULL REFERENCES mailings (id),
    name nvarchar(200) NOT NULL,
    media_type nvarchar(100) NOT NULL,
    sha256 nvarchar(64) NOT NULL,
    size bigint NOT NULL,
    position int NOT NULL,
    uploaded_at datetime2(7) NOT NULL,
    uploaded_by nvarchar(200) NOT NULL
);
CREATE INDEX ix_mailing_documents ON mailing_documents (mailing_id, position);

-- Evidence of reading: the first opening (first download) and each download.
CREATE TABLE mailing_reads (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    mailing_id uniqueidentifier NOT NULL REFERENCES mailings (id),
    member_id uniqueidentifier NOT NULL REFERENCES members (id),
    document_id uniqueidentifier NULL REFERENCES mailing_documents (id),
    access nvarchar(20) NOT NULL,
    at datetime2(7) NOT NULL
);
CREATE INDEX ix_mailing_reads ON mailing_reads (mailing_id, at);

-- The outbox now also carries mailings: a delivery belongs to a convocation (session_id, convocation_id) or to a
-- mailing recipient. SQL Server treats NULLs as equal in a unique index, so both unique indexes are filtered.
DROP INDEX ux_deliveries_purpose ON deliveries;
DROP INDEX ix_deliveries_session ON deliveries;
ALTER TABLE deliveries ALTER COLUMN session_id uniqueidentifier NULL;
ALTER TABLE deliveries ALTER COLUMN convocation_id uniqueidentifier NULL;
ALTER TABLE deliveries ADD mailing_recipient_id uniqueidentifier NULL REFERENCES mailing_recipients (id);
EXEC('ALTER TABLE deliveries ADD CONSTRAINT ck_deliveries_owner CHECK ((convocation_id IS NOT NULL AND session_id IS NOT NULL AND mailing_recipient_id IS NULL) OR (convocation_id IS NULL AND session_id IS NULL AND mailing_recipient_id IS NOT NULL))');
EXEC('CREATE UNIQUE INDEX ux_deliveries_purpose ON deliveries (convocation_id, channel, purpose, session_version) WHERE convocation_id IS NOT NULL');
EXEC('CREATE UNIQUE INDEX ux_deliveries_mailing ON deliveries (mailing_recipient_id, channel) WHERE mailing_recipient_id IS NOT NULL');
CREATE INDEX ix_deliveries_session ON deliveries (session_id);
