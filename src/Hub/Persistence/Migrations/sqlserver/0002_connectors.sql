-- Connectors per authority (sqlserver).

-- Connector instances configured per authority (its own SMTP relay, its own Twilio account…).
-- secrets holds ASP.NET Data Protection ciphertext only; settings never hold a secret.
CREATE TABLE connectors (
    id uniqueidentifier NOT NULL PRIMARY KEY,
    authority_id uniqueidentifier NOT NULL REFERENCES authorities (id),
    name nvarchar(50) NOT NULL,
    type nvarchar(50) NOT NULL,
    enabled bit NOT NULL,
    settings nvarchar(max) NOT NULL,
    secrets nvarchar(max) NULL,
    revision int NOT NULL,
    created_at datetime2(7) NOT NULL,
    updated_at datetime2(7) NOT NULL
);
CREATE UNIQUE INDEX ux_connectors_name ON connectors (authority_id, name);

-- Delivery reports (Twilio status callbacks, DSNs) find their delivery by the provider's id.
CREATE INDEX ix_deliveries_provider_id ON deliveries (provider_message_id);

-- A number the SMS provider refused for good (Twilio 21xxx), shown to the secretariat.
ALTER TABLE members ADD mobile_problem nvarchar(500) NULL;

-- Hub-wide signing keys (for the members' personal links), encrypted with Data Protection; shared by every node.
CREATE TABLE signing_keys (
    name nvarchar(50) NOT NULL PRIMARY KEY,
    protected_key nvarchar(max) NOT NULL,
    created_at datetime2(7) NOT NULL
);
