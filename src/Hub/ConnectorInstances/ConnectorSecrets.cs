using System.Text.Json;
using IntegrationHub.Convocations;
using IntegrationHub.Plugins.Connectors;
using Microsoft.AspNetCore.DataProtection;

namespace IntegrationHub.ConnectorInstances;

/// <summary>
/// Turns a stored instance into the <see cref="ConnectorSettings"/> a connector type reads. Secrets are encrypted at
/// rest with ASP.NET Data Protection under a purpose of their own; they are decrypted only here, only in memory.
/// </summary>
public sealed class ConnectorSecrets(IDataProtectionProvider protection, MemberLinks links)
{
    private readonly IDataProtector _protector = protection.CreateProtector("IntegrationHub.Connectors.Secrets.v1");

    public string? Protect(IReadOnlyDictionary<string, string> secrets) =>
        secrets.Count == 0 ? null : _protector.Protect(JsonSerializer.Serialize(secrets));

    public Dictionary<string, string> Unprotect(string? protectedSecrets) =>
        protectedSecrets is null
            ? []
            : JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(protectedSecrets)) ?? [];

    public static Dictionary<string, string> ReadSettings(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];

    public ConnectorSettings ToSettings(ConnectorInstance instance) => ToSettings(
        instance.Name, instance.AuthorityId, ReadSettings(instance.Settings), Unprotect(instance.ProtectedSecrets));

    public ConnectorSettings ToSettings(string name, Guid authorityId, IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, string> secrets) =>
        new(name, authorityId.ToString(), values, secrets, links.BaseUrl);
}
