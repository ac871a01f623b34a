-- Evidence ledger (sqlserver): one hash chain per authority (LEGAL.md §8, INTEGRATIONS.md §6).
-- No foreign keys: the ledger records identifiers by value and must never block, nor be cascaded by, other rows.

-- The serialisation point: an appender advances (row-locks) its authority's row before inserting the entry.
-- No trigger on this table: the append reads the previous hash with UPDATE … OUTPUT, which SQL Server refuses on
-- a table with enabled triggers.
CREATE TABLE ledger_heads (
    authority_id uniqueidentifier NOT NULL PRIMARY KEY,
    seq bigint NOT NULL,
    hash char(64) NOT NULL
);

-- body is the canonical JSON (RFC 8785) of the entry without its hash: exactly the hashed text.
-- The id columns copy the entry's subject, for lookups only.
CREATE TABLE ledger_entries (
    authority_id uniqueidentifier NOT NULL,
    seq bigint NOT NULL,
    recorded_at datetime2(7) NOT NULL,
    type nvarchar(100) NOT NULL,
    session_id uniqueidentifier NULL,
    convocation_id uniqueidentifier NULL,
    delivery_id uniqueidentifier NULL,
    member_id uniqueidentifier NULL,
    document_id uniqueidentifier NULL,
    body nvarchar(max) NOT NULL,
    prev_hash char(64) NOT NULL,
    hash char(64) NOT NULL,
    CONSTRAINT pk_ledger_entries PRIMARY KEY (authority_id, seq)
);
CREATE UNIQUE INDEX ux_ledger_entries_hash ON ledger_entries (hash);
CREATE INDEX ix_ledger_entries_session ON ledger_entries (session_id, authority_id, seq);
CREATE INDEX ix_ledger_entries_member ON ledger_entries (member_id, authority_id, seq);

-- RFC 3161 tokens over a head: the digest stamped is the 32 bytes of head_hash.
CREATE TABLE ledger_anchors (
    authority_id uniqueidentifier NOT NULL,
    seq bigint NOT NULL,
    head_hash char(64) NOT NULL,
    token varbinary(max) NOT NULL,
    tsa_name nvarchar(200) NOT NULL,
    qualified bit NOT NULL,
    generated_at datetime2(7) NOT NULL,
    recorded_at datetime2(7) NOT NULL,
    CONSTRAINT pk_ledger_anchors PRIMARY KEY (authority_id, seq)
);

-- Append-only in the database itself. SchemaMigrator sends a script as one batch and CREATE TRIGGER must be alone
-- in its batch: EXEC runs each as a batch of its own.
EXEC('CREATE TRIGGER ledger_entries_append_only ON ledger_entries INSTEAD OF UPDATE, DELETE AS
BEGIN
    THROW 51000, ''ledger_entries is append-only: UPDATE and DELETE are rejected'', 1;
END');
EXEC('CREATE TRIGGER ledger_anchors_append_only ON ledger_anchors INSTEAD OF UPDATE, DELETE AS
BEGIN
    THROW 51000, ''ledger_anchors is append-only: UPDATE and DELETE are rejected'', 1;
END');
