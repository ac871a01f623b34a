-- Microsoft Graph change notifications and hybrid sessions (postgresql).

-- One subscription per organiser mailbox (connector and its settings revision) to the changes of its events
-- (INTEGRATIONS.md §1.4), renewed before it expires. The clientState secret Graph sends back with every notification
-- is kept only as its SHA-256: a notification is accepted when the hash of its clientState matches.
CREATE TABLE calendar_subscriptions (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    -- No foreign key: a connector may be deleted; its subscription then lapses and its row is dropped by the renewal job.
    connector_id uuid NOT NULL,
    connector_revision integer NOT NULL,
    provider_subscription_id varchar(500) NOT NULL,
    resource varchar(1000) NOT NULL,
    client_state_sha256 char(64) NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    renewed_at timestamptz NULL
);
CREATE UNIQUE INDEX ux_calendar_subscriptions_provider_id ON calendar_subscriptions (provider_subscription_id);
CREATE INDEX ix_calendar_subscriptions_authority ON calendar_subscriptions (authority_id);

-- A session held in several places by videoconference (CGCT L5211-11-1 for EPCI, L4132-9-1 for régions): its calendar
-- event carries a Teams meeting, and its convocation says so.
ALTER TABLE sessions ADD COLUMN hybrid boolean NOT NULL DEFAULT false;
