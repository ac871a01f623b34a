-- Session documents and reading evidence (sqlite).

-- Session documents. The bytes live in the content-addressed store (Documents/Storage), rows hold metadata.
-- A replaced document keeps its row (current = false); lineage_id groups the versions of one document.
CREATE TABLE documents (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    session_id TEXT NOT NULL REFERENCES sessions (id),
    item_id TEXT NULL,
    lineage_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    is_current INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    position INTEGER NOT NULL,
    source_reference TEXT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX ix_documents_session ON documents (session_id, is_current, position);
CREATE INDEX ix_documents_lineage ON documents (lineage_id, version);

-- Evidence of reading: the member's first opening of their page and each download (CE 2007, n° 290687: what
-- actually reached the councillor matters).
CREATE TABLE document_access (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    session_id TEXT NOT NULL REFERENCES sessions (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    document_id TEXT NULL REFERENCES documents (id),
    access TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ix_document_access_session ON document_access (session_id, member_id, access);

-- Per-authority upload limit; NULL = the hub's Hub:Documents:MaxSizeMegabytes.
ALTER TABLE authorities ADD COLUMN document_size_limit_mb INTEGER NULL;
