-- One-time codes approvers receive by email to prove who they are on a circuit step's decision page (postgresql).

-- A signed link opens the page but proves nothing about the person (a Teams card is seen by the whole channel and can
-- be forwarded): the decision is recorded only with the code sent to one of the step's pending approvers. The code
-- itself is never stored, only its HMAC with the hub's link key (six digits are guessed in a million tries: a plain
-- hash would give them away to whoever reads this table). A row is written for every request, approver or not, so
-- the rate limit behaves alike and the page reveals nothing about who the approvers are. No foreign key to the step:
-- the steps belong to the circuits' tables, and a code lives ten minutes.
CREATE TABLE approver_codes (
    id uuid NOT NULL PRIMARY KEY,
    step_id uuid NOT NULL,
    address varchar(320) NOT NULL,
    code_hash varchar(64) NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    attempts integer NOT NULL,
    used_at timestamptz NULL
);
CREATE INDEX ix_approver_codes_step_address ON approver_codes (step_id, address, created_at);
