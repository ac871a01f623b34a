-- Connectors per authority (sqlite).

-- Connector instances configured per authority (its own SMTP relay, its own Twilio account…).
-- secrets holds ASP.NET Data Protection ciphertext only; settings never hold a secret.
CREATE TABLE connectors (
    id TEXT NOT NULL PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    settings TEXT NOT NULL,
    secrets TEXT NULL,
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_connectors_name ON connectors (authority_id, name);

-- Delivery reports (Twilio status callbacks, DSNs) find their delivery by the provider's id.
CREATE INDEX ix_deliveries_provider_id ON deliveries (provider_message_id);

-- A number the SMS provider refused for good (Twilio 21xxx), shown to the secretariat.
ALTER TABLE members ADD COLUMN mobile_problem TEXT NULL;

-- Hub-wide signing keys (for the members' personal links), encrypted with Data Protection; shared by every node.
CREATE TABLE signing_keys (
    name TEXT NOT NULL PRIMARY KEY,
    protected_key TEXT NOT NULL,
    created_at TEXT NOT NULL
);
