using System.Globalization;
using IntegrationHub.Plugins.Connectors;
using Microsoft.Extensions.DependencyInjection;

namespace IntegrationHub.Connectors.Email.Tests;

/// <summary>Connector settings as the hub hands them to the email connector type.</summary>
internal static class EmailSettings
{
    public const string AuthorityId = "mairie-saint-clair";

    public static Dictionary<string, string> Smtp(string host, int port) => new(StringComparer.Ordinal)
    {
        ["host"] = host,
        ["port"] = port.ToString(CultureInfo.InvariantCulture),
        ["security"] = "none",
        ["senderAddress"] = TestMessages.FromAddress,
        ["senderName"] = "Mairie de Saint-Clair",
    };

    public static ConnectorSettings Create(
        IReadOnlyDictionary<string, string> values,
        IReadOnlyDictionary<string, string>? secrets = null,
        string instanceName = "email") =>
        new(instanceName, AuthorityId, values, secrets ?? new Dictionary<string, string>(), new Uri("https://convocations.exemple.fr/"));

    public static Dictionary<string, string> With(this Dictionary<string, string> values, string key, string value)
    {
        values[key] = value;
        return values;
    }

    public static IServiceProvider Services(TimeProvider? clock = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(clock ?? TimeProvider.System);
        return services.BuildServiceProvider();
    }
}
