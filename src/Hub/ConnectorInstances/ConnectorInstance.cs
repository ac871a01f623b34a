namespace IntegrationHub.ConnectorInstances;

/// <summary>A connector configured for one authority. <see cref="ProtectedSecrets"/> is Data Protection ciphertext.</summary>
public sealed class ConnectorInstance
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public string Name { get; set; } = "";
    public string Type { get; set; } = "";
    public bool Enabled { get; set; }
    public string Settings { get; set; } = "{}";
    public string? ProtectedSecrets { get; set; }
    public int Revision { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Never prints settings or secrets.</summary>
    public override string ToString() => $"{Name} ({Type}, authority {AuthorityId}, revision {Revision})";
}
