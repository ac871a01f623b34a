-- Evidence ledger (sqlite): one hash chain per authority (LEGAL.md §8, INTEGRATIONS.md §6).
-- No foreign keys: the ledger records identifiers by value and must never block, nor be cascaded by, other rows.

-- The serialisation point: an appender advances its authority's row before inserting the entry.
CREATE TABLE ledger_heads (
    authority_id TEXT NOT NULL PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);

-- body is the canonical JSON (RFC 8785) of the entry without its hash: exactly the hashed text.
-- The id columns copy the entry's subject, for lookups only.
CREATE TABLE ledger_entries (
    authority_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    type TEXT NOT NULL,
    session_id TEXT NULL,
    convocation_id TEXT NULL,
    delivery_id TEXT NULL,
    member_id TEXT NULL,
    document_id TEXT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (authority_id, seq)
);
CREATE UNIQUE INDEX ux_ledger_entries_hash ON ledger_entries (hash);
CREATE INDEX ix_ledger_entries_session ON ledger_entries (session_id, authority_id, seq);
CREATE INDEX ix_ledger_entries_member ON ledger_entries (member_id, authority_id, seq);

-- RFC 3161 tokens over a head: the digest stamped is the 32 bytes of head_hash.
CREATE TABLE ledger_anchors (
    authority_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    token BLOB NOT NULL,
    tsa_name TEXT NOT NULL,
    qualified INTEGER NOT NULL,
    generated_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (authority_id, seq)
);

-- Append-only in the database itself, whatever the code above it does.
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: UPDATE rejected'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: DELETE rejected'); END;
CREATE TRIGGER ledger_anchors_no_update BEFORE UPDATE ON ledger_anchors
BEGIN SELECT RAISE(ABORT, 'ledger_anchors is append-only: UPDATE rejected'); END;
CREATE TRIGGER ledger_anchors_no_delete BEFORE DELETE ON ledger_anchors
BEGIN SELECT RAISE(ABORT, 'ledger_anchors is append-only: DELETE rejected'); END;
