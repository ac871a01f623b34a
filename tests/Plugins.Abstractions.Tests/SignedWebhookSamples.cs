using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;

namespace IntegrationHub.Plugins.Abstractions.Tests;

internal static class SignedWebhookSamples
{
    public static OutboundMessage Convocation(string idempotencyKey) => new(
        idempotencyKey,
        MessageKind.Convocation,
        new Recipient("Marie Dupont", "marie.dupont@example.fr", "+33612345678"),
        "Convocation au conseil municipal du 14 mars 2025",
        "Madame, vous êtes convoquée…",
        "<p>Madame, vous êtes convoquée…</p>",
        new CalendarInvitation(
            $"{idempotencyKey}@hub.test", 0, CalendarMethod.Request,
            new DateTime(2025, 3, 14, 18, 30, 0), new DateTime(2025, 3, 14, 21, 0, 0), "Europe/Paris",
            "Conseil municipal", "Salle du conseil, mairie", "Ordre du jour…", "secretariat@mairie.test", "Secrétariat"));

    public static ConnectorSettings Settings(Uri? url, string? signingKey, string instanceName = "webhook")
    {
        var values = new Dictionary<string, string>();
        if (url is not null)
        {
            values["url"] = url.ToString();
        }
        var secrets = new Dictionary<string, string>();
        if (signingKey is not null)
        {
            secrets["signingKey"] = signingKey;
        }
        return new ConnectorSettings(instanceName, "mairie-test", values, secrets, new Uri("http://hub.test/"));
    }
}
