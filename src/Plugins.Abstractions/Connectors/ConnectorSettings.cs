using System.Globalization;

namespace IntegrationHub.Plugins.Connectors;

/// <summary>How a setting is entered and checked.</summary>
public enum SettingKind
{
    /// <summary>Free text.</summary>
    Text,

    /// <summary>A whole number.</summary>
    WholeNumber,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>An absolute http(s) URL.</summary>
    Url,

    /// <summary>An email address.</summary>
    Email,

    /// <summary>One of <see cref="ConnectorSettingDefinition.AllowedValues"/>.</summary>
    Choice,
}

/// <summary>One setting of a connector type: the schema the hub shows to the DSI and checks on write.</summary>
/// <param name="Key">The key, camelCase, for example <c>host</c>.</param>
/// <param name="Label">Label in French.</param>
/// <param name="Kind">How the value is entered.</param>
/// <param name="Required">Whether the setting must be given.</param>
/// <param name="Secret">Whether it is a secret: encrypted at rest, never returned, never logged.</param>
/// <param name="DefaultValue">Value used when the setting is absent, if any.</param>
/// <param name="AllowedValues">For <see cref="SettingKind.Choice"/>, the accepted values.</param>
public sealed record ConnectorSettingDefinition(
    string Key,
    string Label,
    SettingKind Kind = SettingKind.Text,
    bool Required = false,
    bool Secret = false,
    string? DefaultValue = null,
    IReadOnlyList<string>? AllowedValues = null);

/// <summary>An invalid setting.</summary>
/// <param name="Key">The setting's key.</param>
/// <param name="Message">What is wrong, in French.</param>
public sealed record ConnectorSettingError(string Key, string Message);

/// <summary>The settings of one connector instance of one authority, secrets already decrypted.</summary>
public sealed class ConnectorSettings
{
    private readonly IReadOnlyDictionary<string, string> _values;
    private readonly IReadOnlyDictionary<string, string> _secrets;

    /// <summary>Creates the settings.</summary>
    /// <param name="instanceName">The instance's name within its authority, for example <c>email</c> or <c>sms</c>.</param>
    /// <param name="authorityId">The authority the instance belongs to.</param>
    /// <param name="values">Non-secret values by key.</param>
    /// <param name="secrets">Secret values by key.</param>
    /// <param name="publicBaseUrl">The hub's public address (<c>Hub:PublicBaseUrl</c>), for URLs given to providers.</param>
    public ConnectorSettings(
        string instanceName,
        string authorityId,
        IReadOnlyDictionary<string, string> values,
        IReadOnlyDictionary<string, string> secrets,
        Uri publicBaseUrl)
    {
        InstanceName = instanceName;
        AuthorityId = authorityId;
        _values = values;
        _secrets = secrets;
        PublicBaseUrl = publicBaseUrl;
    }

    /// <summary>The instance's name within its authority.</summary>
    public string InstanceName { get; }

    /// <summary>The authority the instance belongs to.</summary>
    public string AuthorityId { get; }

    /// <summary>The hub's public address, for URLs given to providers (status callbacks, links).</summary>
    public Uri PublicBaseUrl { get; }

    /// <summary>The non-secret values.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>The keys of the secrets that are set (never their values).</summary>
    public IEnumerable<string> SecretKeys => _secrets.Keys;

    /// <summary>A non-secret value, or <see langword="null"/> when absent or blank.</summary>
    /// <param name="key">The setting's key.</param>
    /// <returns>The value.</returns>
    public string? Get(string key) => _values.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    /// <summary>A secret value, or <see langword="null"/> when absent or blank.</summary>
    /// <param name="key">The secret's key.</param>
    /// <returns>The value.</returns>
    public string? GetSecret(string key) => _secrets.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    /// <summary>A required non-secret value.</summary>
    /// <param name="key">The setting's key.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ConnectorConfigurationException">The value is missing; the message names its path.</exception>
    public string Require(string key) => Get(key) ?? throw ConnectorConfigurationException.Missing(this, key);

    /// <summary>A required secret.</summary>
    /// <param name="key">The secret's key.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ConnectorConfigurationException">The secret is missing; the message names its path.</exception>
    public string RequireSecret(string key) => GetSecret(key) ?? throw ConnectorConfigurationException.Missing(this, key, secret: true);

    /// <summary>An integer value, or <paramref name="fallback"/> when absent.</summary>
    /// <param name="key">The setting's key.</param>
    /// <param name="fallback">Value when absent.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ConnectorConfigurationException">The value is not an integer.</exception>
    public int GetInt32(string key, int fallback) => Get(key) switch
    {
        null => fallback,
        var text when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        var text => throw new ConnectorConfigurationException(PathOf(key), $"{PathOf(key)} must be an integer (was '{text}')."),
    };

    /// <summary>The configuration path of a setting, as error messages name it.</summary>
    /// <param name="key">The setting's key.</param>
    /// <param name="secret">Whether it is a secret.</param>
    /// <returns>For example <c>connectors:sms:settings:accountSid</c>.</returns>
    public string PathOf(string key, bool secret = false) => $"connectors:{InstanceName}:{(secret ? "secrets" : "settings")}:{key}";
}

/// <summary>A connector's settings cannot be used; the message names the setting's path and never contains a secret.</summary>
public sealed class ConnectorConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConnectorConfigurationException() { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public ConnectorConfigurationException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ConnectorConfigurationException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a setting.</summary>
    /// <param name="path">The setting's configuration path.</param>
    /// <param name="message">The message, naming the path.</param>
    public ConnectorConfigurationException(string path, string message) : base(message) => Path = path;

    /// <summary>The configuration path of the faulty setting, when known.</summary>
    public string? Path { get; }

    /// <summary>The exception for a missing setting.</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="key">The missing key.</param>
    /// <param name="secret">Whether it is a secret.</param>
    /// <returns>The exception.</returns>
    public static ConnectorConfigurationException Missing(ConnectorSettings settings, string key, bool secret = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var path = settings.PathOf(key, secret);
        return new ConnectorConfigurationException(path, $"{path} is required.");
    }
}
