-- Connectors per authority (postgresql).

-- Connector instances configured per authority (its own SMTP relay, its own Twilio account…).
-- secrets holds ASP.NET Data Protection ciphertext only; settings never hold a secret.
CREATE TABLE connectors (
    id uuid NOT NULL PRIMARY KEY,
    authority_id uuid NOT NULL REFERENCES authorities (id),
    name varchar(50) NOT NULL,
    type varchar(50) NOT NULL,
    enabled boolean NOT NULL,
    settings text NOT NULL,
    secrets text NULL,
    revision integer NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_connectors_name ON connectors (authority_id, name);

-- Delivery reports (Twilio status callbacks, DSNs) find their delivery by the provider's id.
CREATE INDEX ix_deliveries_provider_id ON deliveries (provider_message_id);

-- A number the SMS provider refused for good (Twilio 21xxx), shown to the secretariat.
ALTER TABLE members ADD COLUMN mobile_problem varchar(500) NULL;

-- Hub-wide signing keys (for the members' personal links), encrypted with Data Protection; shared by every node.
CREATE TABLE signing_keys (
    name varchar(50) NOT NULL PRIMARY KEY,
    protected_key text NOT NULL,
    created_at timestamptz NOT NULL
);
