-- Documents sent to élus outside sessions (« envoi dématérialisé de documents ») (postgresql).

CREATE TABLE mailings (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    title varchar(200) NOT NULL,
    message text NOT NULL,
    status varchar(20) NOT NULL,
    link_validity_days integer NOT NULL,
    links_expire_at timestamptz NULL,
    created_at timestamptz NOT NULL,
    created_by varchar(200) NOT NULL,
    sent_at timestamptz NULL
);
CREATE INDEX ix_mailings_authority ON mailings (authority_id, created_at);

CREATE TABLE mailing_recipients (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    mailing_id uuid NOT NULL REFERENCES mailings (id),
    member_id uuid NOT NULL REFERENCES members (id),
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_mailing_recipients ON mailing_recipients (mailing_id, member_id);

-- The bytes live in the content-addressed store, like session documents.
CREATE TABLE mailing_documents (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    mailing_id uuid NOT NULL REFERENCES mailings (id),
    name varchar(200) NOT NULL,
    media_type varchar(100) NOT NULL,
    sha256 varchar(64) NOT NULL,
    size bigint NOT NULL,
    position integer NOT NULL,
    uploaded_at timestamptz NOT NULL,
    uploaded_by varchar(200) NOT NULL
);
CREATE INDEX ix_mailing_documents ON mailing_documents (mailing_id, position);

-- Evidence of reading: the first opening (first download) and each download.
CREATE TABLE mailing_reads (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    mailing_id uuid NOT NULL REFERENCES mailings (id),
    member_id uuid NOT NULL REFERENCES members (id),
    document_id uuid NULL REFERENCES mailing_documents (id),
    access varchar(20) NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX ix_mailing_reads ON mailing_reads (mailing_id, at);

-- The outbox now also carries mailings: a delivery belongs to a convocation (session_id, convocation_id) or to a
-- mailing recipient.
ALTER TABLE deliveries ALTER COLUMN session_id DROP NOT NULL;
ALTER TABLE deliveries ALTER COLUMN convocation_id DROP NOT NULL;
ALTER TABLE deliveries ADD COLUMN mailing_recipient_id uuid NULL REFERENCES mailing_recipients (id);
ALTER TABLE deliveries ADD CONSTRAINT ck_deliveries_owner
    CHECK ((convocation_id IS NOT NULL AND session_id IS NOT NULL) <> (mailing_recipient_id IS NOT NULL));
CREATE UNIQUE INDEX ux_deliveries_mailing ON deliveries (mailing_recipient_id, channel);
