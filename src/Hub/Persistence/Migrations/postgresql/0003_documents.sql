-- Session documents and reading evidence (postgresql).

-- Session documents. The bytes live in the content-addressed store (Documents/Storage), rows hold metadata.
-- A replaced document keeps its row (current = false); lineage_id groups the versions of one document.
CREATE TABLE documents (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    session_id uuid NOT NULL REFERENCES sessions (id),
    item_id uuid NULL,
    lineage_id uuid NOT NULL,
    version integer NOT NULL,
    is_current boolean NOT NULL,
    kind varchar(30) NOT NULL,
    name varchar(200) NOT NULL,
    media_type varchar(100) NOT NULL,
    sha256 varchar(64) NOT NULL,
    size bigint NOT NULL,
    position integer NOT NULL,
    source_reference varchar(500) NULL,
    uploaded_at timestamptz NOT NULL,
    uploaded_by varchar(200) NOT NULL
);
CREATE INDEX ix_documents_session ON documents (session_id, is_current, position);
CREATE INDEX ix_documents_lineage ON documents (lineage_id, version);

-- Evidence of reading: the member's first opening of their page and each download (CE 2007, n° 290687: what
-- actually reached the councillor matters).
CREATE TABLE document_access (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    session_id uuid NOT NULL REFERENCES sessions (id),
    member_id uuid NOT NULL REFERENCES members (id),
    document_id uuid NULL REFERENCES documents (id),
    access varchar(20) NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX ix_document_access_session ON document_access (session_id, member_id, access);

-- Per-authority upload limit; NULL = the hub's Hub:Documents:MaxSizeMegabytes.
ALTER TABLE authorities ADD COLUMN document_size_limit_mb integer NULL;
