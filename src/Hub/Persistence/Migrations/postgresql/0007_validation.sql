-- Validation circuits: the dossier of a session or of a mailing approved step by step before sending (postgresql).

-- A template per authority; its ordered steps are a JSON array copied into validation_steps when a circuit starts, so
-- a template edited later never changes a circuit already running. Deleting a template only hides it: finished
-- circuits keep pointing at it.
CREATE TABLE validation_templates (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    name varchar(200) NOT NULL,
    steps text NOT NULL,
    created_at timestamptz NOT NULL,
    created_by varchar(200) NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz NULL
);
CREATE INDEX ix_validation_templates_authority ON validation_templates (authority_id, name);

-- One circuit per dossier at a time (a restart reuses the row with a new round of steps). dossier_fingerprint is the
-- SHA-256 of the dossier the current round is deciding on; dossier_version counts the fingerprints seen.
CREATE TABLE validation_circuits (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    session_id uuid NULL REFERENCES sessions (id),
    mailing_id uuid NULL REFERENCES mailings (id),
    template_id uuid NOT NULL REFERENCES validation_templates (id),
    template_name varchar(200) NOT NULL,
    state varchar(20) NOT NULL,
    round integer NOT NULL,
    dossier_version integer NOT NULL,
    dossier_fingerprint varchar(64) NOT NULL,
    position integer NOT NULL,
    step_count integer NOT NULL,
    started_at timestamptz NOT NULL,
    started_by varchar(200) NOT NULL,
    updated_at timestamptz NOT NULL,
    finished_at timestamptz NULL,
    CHECK ((session_id IS NULL AND mailing_id IS NOT NULL) OR (session_id IS NOT NULL AND mailing_id IS NULL))
);
CREATE UNIQUE INDEX ux_validation_circuits_session ON validation_circuits (session_id) WHERE session_id IS NOT NULL AND state <> 'cancelled';
CREATE UNIQUE INDEX ux_validation_circuits_mailing ON validation_circuits (mailing_id) WHERE mailing_id IS NOT NULL AND state <> 'cancelled';
CREATE INDEX ix_validation_circuits_state ON validation_circuits (state);

-- The steps of each round, copied from the template (first round) or from the previous round (restart). deadline_at and
-- remind_at are absolute instants computed when the step opens.
CREATE TABLE validation_steps (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    circuit_id uuid NOT NULL REFERENCES validation_circuits (id),
    round integer NOT NULL,
    position integer NOT NULL,
    name varchar(200) NOT NULL,
    approval_rule varchar(10) NOT NULL,
    deadline_after_seconds bigint NULL,
    remind_before_seconds bigint NULL,
    state varchar(20) NOT NULL,
    opened_at timestamptz NULL,
    deadline_at timestamptz NULL,
    remind_at timestamptz NULL,
    reminded_at timestamptz NULL,
    closed_at timestamptz NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_validation_steps_round ON validation_steps (circuit_id, round, position);
CREATE INDEX ix_validation_steps_reminder ON validation_steps (state, remind_at);

-- The approvers of a step. A delegation deactivates the delegating row and adds the delegate's (delegated_from).
CREATE TABLE validation_step_approvers (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    step_id uuid NOT NULL REFERENCES validation_steps (id),
    approver varchar(320) NOT NULL,
    delegated_from varchar(320) NULL,
    active boolean NOT NULL,
    decision varchar(20) NULL,
    decided_at timestamptz NULL
);
CREATE INDEX ix_validation_step_approvers_step ON validation_step_approvers (step_id);

-- Every decision ever taken, append-only: a restart resets the steps, never this history.
CREATE TABLE validation_decisions (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    circuit_id uuid NOT NULL REFERENCES validation_circuits (id),
    step_id uuid NOT NULL REFERENCES validation_steps (id),
    round integer NOT NULL,
    dossier_version integer NOT NULL,
    dossier_fingerprint varchar(64) NOT NULL,
    approver varchar(320) NOT NULL,
    decision varchar(20) NOT NULL,
    comment text NULL,
    delegate_to varchar(320) NULL,
    proof varchar(20) NOT NULL,
    decided_at timestamptz NOT NULL
);
CREATE INDEX ix_validation_decisions_circuit ON validation_decisions (circuit_id, decided_at);

-- Append-only in the database itself, like the evidence ledger (its function, from 0004).
CREATE TRIGGER validation_decisions_append_only BEFORE UPDATE OR DELETE ON validation_decisions
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER validation_decisions_no_truncate BEFORE TRUNCATE ON validation_decisions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

-- The notices' outbox: written with the circuit's change, posted afterwards by ValidationNoticeJob, one row per notifier.
CREATE TABLE validation_notices (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    circuit_id uuid NOT NULL REFERENCES validation_circuits (id),
    step_id uuid NOT NULL REFERENCES validation_steps (id),
    decision_id uuid NULL REFERENCES validation_decisions (id),
    kind varchar(30) NOT NULL,
    channel varchar(50) NOT NULL,
    status varchar(20) NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    last_error text NULL,
    sent_at timestamptz NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX ix_validation_notices_status ON validation_notices (status, next_attempt_at);
CREATE INDEX ix_validation_notices_step ON validation_notices (step_id);
