using IntegrationHub.Plugins.Channels;

namespace IntegrationHub.Plugins.Connectors;

/// <summary>
/// A kind of connector the DSI can configure for an authority (its own SMTP relay, its own Twilio account…). The hub
/// stores each authority's settings (secrets encrypted), validates them with <see cref="Validate"/>, and asks the type
/// for a channel bound to those settings when a delivery is due.
/// </summary>
public interface IConnectorType
{
    /// <summary>Stable identifier, lower-case, for example <c>email</c> or <c>twilio</c>.</summary>
    string TypeId { get; }

    /// <summary>Name shown to the DSI, in French, for example « Courriel (SMTP/IMAP) ».</summary>
    string DisplayName { get; }

    /// <summary>Which address of a member the type's channel needs; members without it get no delivery on it.</summary>
    RecipientAddress Address { get; }

    /// <summary>The settings the type understands, with which ones are required and which are secret.</summary>
    IReadOnlyList<ConnectorSettingDefinition> Settings { get; }

    /// <summary>Checks settings before they are stored; every error names the field it is about.</summary>
    /// <param name="settings">The settings as the DSI entered them.</param>
    /// <returns>The errors, empty when the settings are usable.</returns>
    IReadOnlyList<ConnectorSettingError> Validate(ConnectorSettings settings);

    /// <summary>Creates the channel for one configured instance. Called once per settings revision; the hub caches the result.</summary>
    /// <param name="settings">Validated settings of the instance.</param>
    /// <param name="services">The hub's services (for <c>TimeProvider</c>, <c>IHttpClientFactory</c>, loggers).</param>
    /// <returns>The channel, or <see langword="null"/> when the type delivers nothing by itself (a mailbox-only type).</returns>
    /// <exception cref="ConnectorConfigurationException">A required setting is missing or unusable.</exception>
    IChannel? CreateChannel(ConnectorSettings settings, IServiceProvider services);

    /// <summary>
    /// A real check of the settings against the provider (SMTP EHLO and authentication, IMAP login, account fetch),
    /// without sending anything to a member.
    /// </summary>
    /// <param name="settings">The settings to check.</param>
    /// <param name="services">The hub's services.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>Whether it worked, and what the provider said, in French for the DSI.</returns>
    Task<ConnectionCheck> TestAsync(ConnectorSettings settings, IServiceProvider services, CancellationToken cancellationToken);
}

/// <summary>Which address of the recipient a channel delivers to.</summary>
public enum RecipientAddress
{
    /// <summary>The email address.</summary>
    Email,

    /// <summary>The mobile number, E.164.</summary>
    Mobile,

    /// <summary>The Microsoft 365 user principal name.</summary>
    M365Upn,

    /// <summary>No personal address (for example a webhook to the authority's own system).</summary>
    None,
}

/// <summary>The result of <see cref="IConnectorType.TestAsync"/>.</summary>
/// <param name="Ok">Whether the provider accepted the settings.</param>
/// <param name="Detail">What happened, in French, without secrets.</param>
public sealed record ConnectionCheck(bool Ok, string Detail);
