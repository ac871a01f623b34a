-- Session documents and reading evidence (sqlserver).

-- Session documents. The bytes live in the content-addressed store (Documents/Storage), rows hold metadata.
-- A replaced document keeps its row (current = false); lineage_id groups the versions of one document.
CREATE TABLE documents (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    session_id uniqueidentifier NOT NULL REFERENCES sessions (id),
    item_id uniqueidentifier NULL,
    lineage_id uniqueidentifier NOT NULL,
    version int NOT NULL,
    is_current bit NOT NULL,
    kind nvarchar(30) NOT NULL,
    name nvarchar(200) NOT NULL,
    media_type nvarchar(100) NOT NULL,
    sha256 nvarchar(64) NOT NULL,
    size bigint NOT NULL,
    position int NOT NULL,
    source_reference nvarchar(500) NULL,
    uploaded_at datetime2(7) NOT NULL,
    uploaded_by nvarchar(200) NOT NULL
);
CREATE INDEX ix_documents_session ON documents (session_id, is_current, position);
CREATE INDEX ix_documents_lineage ON documents (lineage_id, version);

-- Evidence of reading: the member's first opening of their page and each download (CE 2007, n° 290687: what
-- actually reached the councillor matters).
CREATE TABLE document_access (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    session_id uniqueidentifier NOT NULL REFERENCES sessions (id),
    member_id uniqueidentifier NOT NULL REFERENCES members (id),
    document_id uniqueidentifier NULL REFERENCES documents (id),
    access nvarchar(20) NOT NULL,
    at datetime2(7) NOT NULL
);
CREATE INDEX ix_document_access_session ON document_access (session_id, member_id, access);

-- Per-authority upload limit; NULL = the hub's Hub:Documents:MaxSizeMegabytes.
ALTER TABLE authorities ADD document_size_limit_mb int NULL;
