-- Microsoft Graph change notifications and hybrid sessions (sqlite).

-- One subscription per organiser mailbox (connector and its settings revision) to the changes of its events
-- (INTEGRATIONS.md §1.4), renewed before it expires. The clientState secret Graph sends back with every notification
-- is kept only as its SHA-256: a notification is accepted when the hash of its clientState matches.
CREATE TABLE calendar_subscriptions (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    -- No foreign key: a connector may be deleted; its subscription then lapses and its row is dropped by the renewal job.
    connector_id TEXT NOT NULL,
    connector_revision INTEGER NOT NULL,
    provider_subscription_id TEXT NOT NULL,
    resource TEXT NOT NULL,
    client_state_sha256 TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    renewed_at TEXT NULL
);
CREATE UNIQUE INDEX ux_calendar_subscriptions_provider_id ON calendar_subscriptions (provider_subscription_id);
CREATE INDEX ix_calendar_subscriptions_authority ON calendar_subscriptions (authority_id);

-- A session held in several places by videoconference (CGCT L5211-11-1 for EPCI, L4132-9-1 for régions): its calendar
-- event carries a Teams meeting, and its convocation says so.
ALTER TABLE sessions ADD COLUMN hybrid INTEGER NOT NULL DEFAULT 0;
