-- Evidence ledger (postgresql): one hash chain per authority (LEGAL.md §8, INTEGRATIONS.md §6).
-- No foreign keys: the ledger records identifiers by value and must never block, nor be cascaded by, other rows.

-- The serialisation point: an appender advances (row-locks) its authority's row before inserting the entry.
CREATE TABLE ledger_heads (
    authority_id uuid NOT NULL PRIMARY KEY,
    seq bigint NOT NULL,
    hash char(64) NOT NULL
);

-- body is the canonical JSON (RFC 8785) of the entry without its hash: exactly the hashed text. It is text, not
-- jsonb, which would reorder and reformat it. The id columns copy the entry's subject, for lookups only.
CREATE TABLE ledger_entries (
    authority_id uuid NOT NULL,
    seq bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    type varchar(100) NOT NULL,
    session_id uuid NULL,
    convocation_id uuid NULL,
    delivery_id uuid NULL,
    member_id uuid NULL,
    document_id uuid NULL,
    body text NOT NULL,
    prev_hash char(64) NOT NULL,
    hash char(64) NOT NULL,
    PRIMARY KEY (authority_id, seq)
);
CREATE UNIQUE INDEX ux_ledger_entries_hash ON ledger_entries (hash);
CREATE INDEX ix_ledger_entries_session ON ledger_entries (session_id, authority_id, seq);
CREATE INDEX ix_ledger_entries_member ON ledger_entries (member_id, authority_id, seq);

-- RFC 3161 tokens over a head: the digest stamped is the 32 bytes of head_hash.
CREATE TABLE ledger_anchors (
    authority_id uuid NOT NULL,
    seq bigint NOT NULL,
    head_hash char(64) NOT NULL,
    token bytea NOT NULL,
    tsa_name varchar(200) NOT NULL,
    qualified boolean NOT NULL,
    generated_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (authority_id, seq)
);

-- Append-only in the database itself, whatever the code above it does.
CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_anchors_append_only BEFORE UPDATE OR DELETE ON ledger_anchors
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_anchors_no_truncate BEFORE TRUNCATE ON ledger_anchors
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
