using IntegrationHub.Plugins.Calendars;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.TestSupport.Graph;
using Microsoft.Extensions.DependencyInjection;

namespace IntegrationHub.Connectors.Microsoft365.Tests;

internal static class Microsoft365TestData
{
    public const string TenantId = "8f5c2a7e-1d3b-4c6a-9e0f-2b4d6a8c0e12";
    public const string ClientId = "3a1b5c7d-9e0f-4a2b-8c4d-6e8f0a2b4c6d";

    public static ConnectorSettings Settings(
        GraphStandIn graph,
        IReadOnlyDictionary<string, string?>? values = null,
        IReadOnlyDictionary<string, string?>? secrets = null) =>
        Settings(graph.BaseUrl.AbsoluteUri, values, secrets ?? new Dictionary<string, string?> { ["staticToken"] = graph.AccessToken });

    public static ConnectorSettings Settings(
        string baseUrl,
        IReadOnlyDictionary<string, string?>? values = null,
        IReadOnlyDictionary<string, string?>? secrets = null)
    {
        var allValues = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["organizerMailbox"] = GraphStandIn.DefaultMailbox,
            ["graphBaseUrl"] = baseUrl,
            ["credentialKind"] = "staticToken",
        };
        Merge(allValues, values);
        var allSecrets = new Dictionary<string, string>(StringComparer.Ordinal) { ["staticToken"] = GraphStandIn.DefaultToken };
        Merge(allSecrets, secrets);
        return new ConnectorSettings("m365", "7d0c9a52-3f4e-4b8a-9c1d-2e3f4a5b6c7d", allValues, allSecrets, new Uri("https://hub.mairie-exemple.fr/"));
    }

    public static IServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        return services.BuildServiceProvider();
    }

    public static ICalendarPublisher Publisher(GraphStandIn graph) =>
        new Microsoft365ConnectorType().CreateCalendarPublisher(Settings(graph), Services());

    public static Recipient Alice => new("Alice Martin", "alice.martin@gmail.com", M365Upn: "alice.martin@mairie-exemple.fr");

    public static Recipient Bruno => new("Bruno Petit", "bruno.petit@mairie-exemple.fr");

    public static Recipient Chloe => new("Chloé Durand", "chloe.durand@mairie-exemple.fr");

    public static CalendarEventRequest Request(
        string key = "session-42-v1",
        string? eventId = null,
        IReadOnlyList<Recipient>? attendees = null,
        DateTime? start = null,
        string location = "Salle du conseil, Hôtel de ville",
        bool online = false) =>
        new(
            key,
            eventId,
            new CalendarInvitation(
                "session-42@hub.mairie-exemple.fr",
                0,
                CalendarMethod.Request,
                start ?? new DateTime(2026, 12, 1, 18, 0, 0, DateTimeKind.Unspecified),
                (start ?? new DateTime(2026, 12, 1, 18, 0, 0, DateTimeKind.Unspecified)).AddHours(2),
                "Europe/Paris",
                "Conseil municipal du 1er décembre 2026",
                location,
                "1. Budget primitif",
                GraphStandIn.DefaultMailbox,
                "Secrétariat"),
            attendees ?? [Alice, Bruno],
            "<p>Ordre du jour\u00A0: <b>budget primitif</b></p><p><a href=\"https://hub.mairie-exemple.fr/s/42\">Documents de la séance</a></p>",
            online);

    private static void Merge(Dictionary<string, string> target, IReadOnlyDictionary<string, string?>? changes)
    {
        foreach (var (key, value) in changes ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else
            {
                target[key] = value;
            }
        }
    }
}
