using System.Security.Cryptography;
using IntegrationHub.Connectors.SqlDocuments;
using IntegrationHub.Plugins.Connectors;

namespace IntegrationHub.TestSupport.Ged;

/// <summary>The documents every test database holds, and settings for an instance named <c>ged</c>.</summary>
public static class GedData
{
    public const string Instance = "ged";

    public static readonly Uri PublicBaseUrl = new("https://convocations.mairie-exemple.fr/");

    /// <summary>Three documents with content, one without, so that searches have something to tell apart.</summary>
    public static readonly IReadOnlyList<GedDocument> Documents =
    [
        new(Guid.Parse("0b8f7a52-3c1e-4d6a-9f1e-1a2b3c4d5e01"), "Délibération budget primitif 2027.pdf", "application/pdf",
            new DateTimeOffset(2026, 11, 20, 9, 30, 0, TimeSpan.FromHours(1)), Bytes(1, 12_345)),
        new(Guid.Parse("0b8f7a52-3c1e-4d6a-9f1e-1a2b3c4d5e02"), "Rapport budget annexe eau.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            new DateTimeOffset(2026, 11, 18, 14, 0, 0, TimeSpan.FromHours(1)), Bytes(2, 4_321)),
        new(Guid.Parse("0b8f7a52-3c1e-4d6a-9f1e-1a2b3c4d5e03"), "Ordre du jour conseil du 3 décembre.pdf", "application/pdf",
            new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.FromHours(1)), Bytes(3, 2_048)),
        new(Guid.Parse("0b8f7a52-3c1e-4d6a-9f1e-1a2b3c4d5e04"), "Plan de la salle (numérisation en attente).pdf", "application/pdf",
            new DateTimeOffset(2026, 11, 10, 17, 45, 0, TimeSpan.FromHours(1)), null),
    ];

    public static GedDocument Budget => Documents[0];

    public static GedDocument Annexe => Documents[1];

    public static GedDocument WithoutContent => Documents[3];

    public static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static ConnectorSettings Settings(
        string provider,
        string connectionString,
        string searchQuery,
        string readQuery,
        IReadOnlyDictionary<string, string>? overrides = null,
        string[]? without = null,
        string instanceName = Instance)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SqlDocumentsConnectorType.ProviderKey] = provider,
            [SqlDocumentsConnectorType.SearchQueryKey] = searchQuery,
            [SqlDocumentsConnectorType.ReadQueryKey] = readQuery,
        };
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal) { [SqlDocumentsConnectorType.ConnectionStringKey] = connectionString };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            (key == SqlDocumentsConnectorType.ConnectionStringKey ? secrets : values)[key] = value;
        }

        foreach (var key in without ?? [])
        {
            values.Remove(key);
            secrets.Remove(key);
        }

        return new ConnectorSettings(instanceName, "commune-test", values, secrets, PublicBaseUrl);
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}

/// <summary>A document as the test schema stores it (French column names: doc_id, titre, mime, taille, maj, contenu).</summary>
public sealed record GedDocument(Guid Id, string Title, string Mime, DateTimeOffset ModifiedAt, byte[]? Content)
{
    public string IdText => Id.ToString("D");
}
