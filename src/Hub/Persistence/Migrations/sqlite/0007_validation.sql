-- Validation circuits: the dossier of a session or of a mailing approved step by step before sending (sqlite).

-- A template per authority; its ordered steps are a JSON array copied into validation_steps when a circuit starts, so
-- a template edited later never changes a circuit already running. Deleting a template only hides it: finished
-- circuits keep pointing at it.
CREATE TABLE validation_templates (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    name TEXT NOT NULL,
    steps TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT NULL
);
CREATE INDEX ix_validation_templates_authority ON validation_templates (authority_id, name);

-- One circuit per dossier at a time (a restart reuses the row with a new round of steps). dossier_fingerprint is the
-- SHA-256 of the dossier the current round is deciding on; dossier_version counts the fingerprints seen.
CREATE TABLE validation_circuits (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    session_id TEXT NULL REFERENCES sessions (id),
    mailing_id TEXT NULL REFERENCES mailings (id),
    template_id TEXT NOT NULL REFERENCES validation_templates (id),
    template_name TEXT NOT NULL,
    state TEXT NOT NULL,
    round INTEGER NOT NULL,
    dossier_version INTEGER NOT NULL,
    dossier_fingerprint TEXT NOT NULL,
    position INTEGER NOT NULL,
    step_count INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT NULL,
    CHECK ((session_id IS NULL AND mailing_id IS NOT NULL) OR (session_id IS NOT NULL AND mailing_id IS NULL))
);
CREATE UNIQUE INDEX ux_validation_circuits_session ON validation_circuits (session_id) WHERE session_id IS NOT NULL AND state <> 'cancelled';
CREATE UNIQUE INDEX ux_validation_circuits_mailing ON validation_circuits (mailing_id) WHERE mailing_id IS NOT NULL AND state <> 'cancelled';
CREATE INDEX ix_validation_circuits_state ON validation_circuits (state);

-- The steps of each round, copied from the template (first round) or from the previous round (restart). deadline_at and
-- remind_at are absolute instants computed when the step opens.
CREATE TABLE validation_steps (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    circuit_id TEXT NOT NULL REFERENCES validation_circuits (id),
    round INTEGER NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    approval_rule TEXT NOT NULL,
    deadline_after_seconds INTEGER NULL,
    remind_before_seconds INTEGER NULL,
    state TEXT NOT NULL,
    opened_at TEXT NULL,
    deadline_at TEXT NULL,
    remind_at TEXT NULL,
    reminded_at TEXT NULL,
    closed_at TEXT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_validation_steps_round ON validation_steps (circuit_id, round, position);
CREATE INDEX ix_validation_steps_reminder ON validation_steps (state, remind_at);

-- The approvers of a step. A delegation deactivates the delegating row and adds the delegate's (delegated_from).
CREATE TABLE validation_step_approvers (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    step_id TEXT NOT NULL REFERENCES validation_steps (id),
    approver TEXT NOT NULL,
    delegated_from TEXT NULL,
    active INTEGER NOT NULL,
    decision TEXT NULL,
    decided_at TEXT NULL
);
CREATE INDEX ix_validation_step_approvers_step ON validation_step_approvers (step_id);

-- Every decision ever taken, append-only: a restart resets the steps, never this history.
CREATE TABLE validation_decisions (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    circuit_id TEXT NOT NULL REFERENCES validation_circuits (id),
    step_id TEXT NOT NULL REFERENCES validation_steps (id),
    round INTEGER NOT NULL,
    dossier_version INTEGER NOT NULL,
    dossier_fingerprint TEXT NOT NULL,
    approver TEXT NOT NULL,
    decision TEXT NOT NULL,
    comment TEXT NULL,
    delegate_to TEXT NULL,
    proof TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX ix_validation_decisions_circuit ON validation_decisions (circuit_id, decided_at);

-- Append-only in the database itself, like the evidence ledger.
CREATE TRIGGER validation_decisions_no_update BEFORE UPDATE ON validation_decisions
BEGIN SELECT RAISE(ABORT, 'validation_decisions is append-only: UPDATE rejected'); END;
CREATE TRIGGER validation_decisions_no_delete BEFORE DELETE ON validation_decisions
BEGIN SELECT RAISE(ABORT, 'validation_decisions is append-only: DELETE rejected'); END;

-- The notices' outbox: written with the circuit's change, posted afterwards by ValidationNoticeJob, one row per notifier.
CREATE TABLE validation_notices (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    circuit_id TEXT NOT NULL REFERENCES validation_circuits (id),
    step_id TEXT NOT NULL REFERENCES validation_steps (id),
    decision_id TEXT NULL REFERENCES validation_decisions (id),
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT NULL,
    sent_at TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_validation_notices_status ON validation_notices (status, next_attempt_at);
CREATE INDEX ix_validation_notices_step ON validation_notices (step_id);
