using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.TestSupport.Twilio;

namespace IntegrationHub.Connectors.Twilio.Tests;

/// <summary>Settings and messages shared by the tests.</summary>
internal static class TwilioTestData
{
    public const string Mobile = "+33612345678";
    public const string Sender = "+33700000001";
    public const string MessagingServiceSid = "MG0123456789abcdef0123456789abcdef";

    public static readonly Uri PublicBaseUrl = new("https://convocations.mairie-exemple.fr/");

    /// <summary>Settings pointing at <paramref name="twilio"/>: the keys in <paramref name="without"/> removed, then <paramref name="overrides"/> set.</summary>
    public static ConnectorSettings Settings(
        TwilioStandIn twilio,
        string instanceName = "sms",
        string[]? without = null,
        IReadOnlyDictionary<string, string>? overrides = null,
        Uri? publicBaseUrl = null) => Settings(
            twilio.BaseUrl.AbsoluteUri, twilio.AccountSid, twilio.AuthToken, instanceName, without, overrides, publicBaseUrl);

    public static ConnectorSettings Settings(
        string baseUrl,
        string accountSid = TwilioStandIn.DefaultAccountSid,
        string authToken = TwilioStandIn.DefaultAuthToken,
        string instanceName = "sms",
        string[]? without = null,
        IReadOnlyDictionary<string, string>? overrides = null,
        Uri? publicBaseUrl = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [TwilioConnectorType.AccountSidKey] = accountSid,
            [TwilioConnectorType.FromKey] = Sender,
            [TwilioConnectorType.BaseUrlKey] = baseUrl,
        };
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal) { [TwilioConnectorType.AuthTokenKey] = authToken };
        foreach (var key in without ?? [])
        {
            values.Remove(key);
            secrets.Remove(key);
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            (key == TwilioConnectorType.AuthTokenKey ? secrets : values)[key] = value;
        }

        return new ConnectorSettings(instanceName, "commune-test", values, secrets, publicBaseUrl ?? PublicBaseUrl);
    }

    public static OutboundMessage Sms(string idempotencyKey, string? mobile = Mobile, string? shortText = null, string text = "Conseil municipal le 12/12 à 18h. Ordre du jour : https://c.example/x") =>
        new(idempotencyKey, MessageKind.Convocation, new Recipient("Marie Dupont", "marie@exemple.fr", mobile), "Convocation", text)
        {
            ShortText = shortText,
        };
}
