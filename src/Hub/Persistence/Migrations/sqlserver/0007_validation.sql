-- Validation circuits: the dossier of a session or of a mailing approved step by step before sending (sqlserver).

-- A template per authority; its ordered steps are a JSON array copied into validation_steps when a circuit starts, so
-- a template edited later never changes a circuit already running. Deleting a template only hides it: finished
-- circuits keep pointing at it.
CREATE TABLE validation_templates (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    name nvarchar(200) NOT NULL,
    steps nvarchar(max) NOT NULL,
    created_at datetime2(7) NOT NULL,
    created_by nvarchar(200) NOT NULL,
    updated_at datetime2(7) NOT NULL,
    deleted_at datetime2(7) NULL
);
CREATE INDEX ix_validation_templates_authority ON validation_templates (authority_id, name);

-- One circuit per dossier at a time (a restart reuses the row with a new round of steps). dossier_fingerprint is the
-- SHA-256 of the dossier the current round is deciding on; dossier_version counts the fingerprints seen.
CREATE TABLE validation_circuits (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    session_id uniqueidentifier NULL REFERENCES sessions (id),
    mailing_id uniqueidentifier NULL REFERENCES mailings (id),
    template_id uniqueidentifier NOT NULL REFERENCES validation_templates (id),
    template_name nvarchar(200) NOT NULL,
    state nvarchar(20) NOT NULL,
    round int NOT NULL,
    dossier_version int NOT NULL,
    dossier_fingerprint nvarchar(64) NOT NULL,
    position int NOT NULL,
    step_count int NOT NULL,
    started_at datetime2(7) NOT NULL,
    started_by nvarchar(200) NOT NULL,
    updated_at datetime2(7) NOT NULL,
    finished_at datetime2(7) NULL,
    CHECK ((session_id IS NULL AND mailing_id IS NOT NULL) OR (session_id IS NOT NULL AND mailing_id IS NULL))
);
EXEC('CREATE UNIQUE INDEX ux_validation_circuits_session ON validation_circuits (session_id) WHERE session_id IS NOT NULL AND state <> ''cancelled''');
EXEC('CREATE UNIQUE INDEX ux_validation_circuits_mailing ON validation_circuits (mailing_id) WHERE mailing_id IS NOT NULL AND state <> ''cancelled''');
CREATE INDEX ix_validation_circuits_state ON validation_circuits (state);

-- The steps of each round, copied from the template (first round) or from the previous round (restart). deadline_at and
-- remind_at are absolute instants computed when the step opens.
CREATE TABLE validation_steps (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    circuit_id uniqueidentifier NOT NULL REFERENCES validation_circuits (id),
    round int NOT NULL,
    position int NOT NULL,
    name nvarchar(200) NOT NULL,
    approval_rule nvarchar(10) NOT NULL,
    deadline_after_seconds bigint NULL,
    remind_before_seconds bigint NULL,
    state nvarchar(20) NOT NULL,
    opened_at datetime2(7) NULL,
    deadline_at datetime2(7) NULL,
    remind_at datetime2(7) NULL,
    reminded_at datetime2(7) NULL,
    closed_at datetime2(7) NULL,
    updated_at datetime2(7) NOT NULL
);
CREATE UNIQUE INDEX ux_validation_steps_round ON validation_steps (circuit_id, round, position);
CREATE INDEX ix_validation_steps_reminder ON validation_steps (state, remind_at);

-- The approvers of a step. A delegation deactivates the delegating row and adds the delegate's (delegated_from).
CREATE TABLE validation_step_approvers (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    step_id uniqueidentifier NOT NULL REFERENCES validation_steps (id),
    approver nvarchar(320) NOT NULL,
    delegated_from nvarchar(320) NULL,
    active bit NOT NULL,
    decision nvarchar(20) NULL,
    decided_at datetime2(7) NULL
);
CREATE INDEX ix_validation_step_approvers_step ON validation_step_approvers (step_id);

-- Every decision ever taken, append-only: a restart resets the steps, never this history.
CREATE TABLE validation_decisions (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    circuit_id uniqueidentifier NOT NULL REFERENCES validation_circuits (id),
    step_id uniqueidentifier NOT NULL REFERENCES validation_steps (id),
    round int NOT NULL,
    dossier_version int NOT NULL,
    dossier_fingerprint nvarchar(64) NOT NULL,
    approver nvarchar(320) NOT NULL,
    decision nvarchar(20) NOT NULL,
    comment nvarchar(max) NULL,
    delegate_to nvarchar(320) NULL,
    proof nvarchar(20) NOT NULL,
    decided_at datetime2(7) NOT NULL
);
CREATE INDEX ix_validation_decisions_circuit ON validation_decisions (circuit_id, decided_at);

-- Append-only in the database itself, like the evidence ledger (CREATE TRIGGER must be alone in its batch: EXEC).
EXEC('CREATE TRIGGER validation_decisions_append_only ON validation_decisions INSTEAD OF UPDATE, DELETE AS
BEGIN
    THROW 51000, ''validation_decisions is append-only: UPDATE and DELETE are rejected'', 1;
END');

-- The notices' outbox: written with the circuit's change, posted afterwards by ValidationNoticeJob, one row per notifier.
CREATE TABLE validation_notices (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    circuit_id uniqueidentifier NOT NULL REFERENCES validation_circuits (id),
    step_id uniqueidentifier NOT NULL REFERENCES validation_steps (id),
    decision_id uniqueidentifier NULL REFERENCES validation_decisions (id),
    kind nvarchar(30) NOT NULL,
    channel nvarchar(50) NOT NULL,
    status nvarchar(20) NOT NULL,
    attempts int NOT NULL,
    next_attempt_at datetime2(7) NOT NULL,
    last_error nvarchar(max) NULL,
    sent_at datetime2(7) NULL,
    created_at datetime2(7) NOT NULL,
    updated_at datetime2(7) NOT NULL
);
CREATE INDEX ix_validation_notices_status ON validation_notices (status, next_attempt_at);
CREATE INDEX ix_validation_notices_step ON validation_notices (step_id);
