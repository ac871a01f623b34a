using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;

namespace Example.SignedWebhook;

/// <summary>
/// Posts each message, as signed JSON, to a URL of the authority's own system (intranet, document platform…), which
/// distributes it. Address <see cref="RecipientAddress.None"/>: every member gets a delivery, whatever addresses the
/// hub knows; the recipient's email and mobile travel in the payload and may be null.
/// </summary>
public sealed class SignedWebhookConnectorType : IConnectorType
{
    internal const string UrlKey = "url";
    internal const string SigningKeyKey = "signingKey";

    /// <inheritdoc />
    public string TypeId => "signed-webhook";

    /// <inheritdoc />
    public string DisplayName => "Webhook signé (HMAC-SHA256)";

    /// <inheritdoc />
    public RecipientAddress Address => RecipientAddress.None;

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingDefinition> Settings { get; } =
    [
        new(UrlKey, "Adresse du webhook (https)", SettingKind.Url, Required: true),
        new(SigningKeyKey, "Clé de signature HMAC", Required: true, Secret: true),
    ];

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<ConnectorSettingError>();
        if (settings.Get(UrlKey) is not { } url)
        {
            errors.Add(new(UrlKey, "L'adresse du webhook est obligatoire."));
        }
        else if (ParseUrl(url) is null)
        {
            errors.Add(new(UrlKey, "L'adresse doit être une URL https absolue (http n'est accepté que vers la machine locale)."));
        }
        if (settings.GetSecret(SigningKeyKey) is null)
        {
            errors.Add(new(SigningKeyKey, "La clé de signature est obligatoire."));
        }
        return errors;
    }

    /// <inheritdoc />
    public IChannel CreateChannel(ConnectorSettings settings, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        var url = ParseUrl(settings.Require(UrlKey))
            ?? throw new ConnectorConfigurationException(settings.PathOf(UrlKey), $"{settings.PathOf(UrlKey)} must be an absolute https URL.");
        var signingKey = settings.RequireSecret(SigningKeyKey);
        var clock = services.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System;
        return new SignedWebhookChannel(url, signingKey, clock);
    }

    /// <summary>Sends a signed <c>ping</c> (no member data); any 2xx answer means the URL and the key work.</summary>
    public async Task<ConnectionCheck> TestAsync(ConnectorSettings settings, IServiceProvider services, CancellationToken cancellationToken)
    {
        try
        {
            var channel = (SignedWebhookChannel)CreateChannel(settings, services);
            var answer = await channel.PingAsync(cancellationToken);
            return new ConnectionCheck(true, $"Le webhook a répondu : {answer}");
        }
        catch (Exception e) when (e is ConnectorConfigurationException or PermanentDeliveryException or TransientDeliveryException)
        {
            return new ConnectionCheck(false, $"Le webhook a refusé l'essai : {e.Message}");
        }
    }

    // Convocations carry personal data: plain http only to the local machine (a relay or a test receiver).
    private static Uri? ParseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))
            ? url
            : null;
}
