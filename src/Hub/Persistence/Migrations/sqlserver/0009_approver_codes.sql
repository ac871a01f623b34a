-- One-time codes approvers receive by email to prove who they are on a circuit step's decision page (sqlserver).

-- A signed link opens the page but proves nothing about the person (a Teams card is seen by the whole channel and can
-- be forwarded): the decision is recorded only with the code sent to one of the step's pending approvers. The code
-- itself is never stored, only its HMAC with the hub's link key (six digits are guessed in a million tries: a plain
-- hash would give them away to whoever reads this table). A row is written for every request, approver or not, so
-- the rate limit behaves alike and the page reveals nothing about who the approvers are. No foreign key to the step:
-- the steps belong to the circuits' tables, and a code lives ten minutes.
CREATE TABLE approver_codes (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    step_id uniqueidentifier NOT NULL,
    address nvarchar(320) NOT NULL,
    code_hash nvarchar(64) NOT NULL,
    created_at datetime2(7) NOT NULL,
    expires_at datetime2(7) NOT NULL,
    attempts int NOT NULL,
    used_at datetime2(7) NULL
);
CREATE INDEX ix_approver_codes_step_address ON approver_codes (step_id, address, created_at);
