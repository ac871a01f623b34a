using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using IntegrationHub.Api;
using IntegrationHub.Authorities;
using IntegrationHub.PluginHost;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Security;

namespace IntegrationHub.ConnectorInstances;

public sealed record PutConnectorRequest(string? Type, bool? Enabled, Dictionary<string, JsonElement>? Settings, Dictionary<string, string?>? Secrets);

public sealed record SettingSchema(string Key, string Label, string Kind, bool Required, bool Secret, string? DefaultValue, IReadOnlyList<string>? AllowedValues);

public sealed record ConnectorTypeResponse(string TypeId, string DisplayName, string Address, IReadOnlyList<SettingSchema> Settings);

/// <summary>An instance as the API shows it: secret values are never returned, only which secrets are set.</summary>
public sealed record ConnectorInstanceResponse(
    string Name, string Type, bool Enabled, IReadOnlyDictionary<string, string> Settings, IReadOnlyDictionary<string, string> Secrets,
    int Revision, DateTimeOffset UpdatedAt);

public sealed record ConnectorsResponse(IReadOnlyList<ConnectorTypeResponse> Types, IReadOnlyList<ConnectorInstanceResponse> Instances);

public sealed record ConnectionTestResponse(bool Ok, string Detail);

public static partial class ConnectorEndpoints
{
    public const string Mask = "********";

    public static void MapConnectorEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/authorities/{authorityId:guid}/connectors").WithTags("Connectors").RequireAuthorization(HubPolicies.Admin);
        group.MapGet("", ListAsync);
        group.MapPut("{name}", PutAsync);
        group.MapDelete("{name}", DeleteAsync);
        group.MapPost("{name}/test", TestAsync);
    }

    private static async Task<IResult> ListAsync(
        Guid authorityId, ClaimsPrincipal user, AuthorityStore authorities, ConnectorStore store, ConnectorSecrets secrets, ConnectorTypeRegistry registry,
        CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId) || await authorities.GetAsync(authorityId, cancellationToken) is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        var instances = await store.ListAsync(authorityId, cancellationToken);
        return Results.Ok(new ConnectorsResponse(
            registry.All.Select(Describe).ToList(),
            instances.Select(i => Describe(i, secrets)).ToList()));
    }

    private static async Task<IResult> PutAsync(
        Guid authorityId, string name, PutConnectorRequest request, ClaimsPrincipal user, AuthorityStore authorities, ConnectorStore store,
        ConnectorSecrets secrets, ConnectorTypeRegistry registry, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId) || await authorities.GetAsync(authorityId, cancellationToken) is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        if (!InstanceName().IsMatch(name))
        {
            return Problems.Validation("name", "Le nom du connecteur s'écrit en minuscules, chiffres et tirets (2 à 50 caractères), par exemple « sms » ou « courriel-mairie ».");
        }
        if (request.Type is null || registry.Find(request.Type) is not { } type)
        {
            return Problems.Validation("type", $"Type de connecteur inconnu « {request.Type} ». Types disponibles : {string.Join(", ", registry.All.Select(t => t.TypeId))}.");
        }

        var existing = await store.GetAsync(authorityId, name, cancellationToken);
        var errors = new List<(string, string)>();
        var secretsGivenAsSettings = new Dictionary<string, string?>(StringComparer.Ordinal);
        var values = ReadValues(type, request.Settings, errors, secretsGivenAsSettings);
        // Secrets left out keep their stored value, so the DSI need not retype a password to change a port;
        // an empty string or null removes one.
        var secretValues = existing is not null && existing.Type == type.TypeId && !DestinationChanged(type, existing, values)
            ? secrets.Unprotect(existing.ProtectedSecrets)
            : [];
        foreach (var (key, value) in secretsGivenAsSettings.Concat(request.Secrets ?? []))
        {
            if (type.Settings.FirstOrDefault(s => s.Key == key) is not { Secret: true })
            {
                errors.Add(($"secrets.{key}", $"« {key} » n'est pas un secret du type {type.TypeId}."));
                continue;
            }
            if (string.IsNullOrEmpty(value))
            {
                secretValues.Remove(key);
            }
            else
            {
                secretValues[key] = value;
            }
        }
        if (errors.Count == 0)
        {
            var settings = secrets.ToSettings(name, authorityId, values, secretValues);
            errors.AddRange(RequiredMissing(type, settings));
            errors.AddRange(type.Validate(settings).Select(e => (Field(type, e.Key), e.Message)));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.Distinct());
        }

        var now = time.GetUtcNow();
        var saved = await store.SaveAsync(new ConnectorInstance
        {
            Id = existing?.Id ?? Guid.CreateVersion7(),
            AuthorityId = authorityId,
            Name = name,
            Type = type.TypeId,
            Enabled = request.Enabled ?? true,
            Settings = JsonSerializer.Serialize(values),
            ProtectedSecrets = secrets.Protect(secretValues),
            CreatedAt = now,
            UpdatedAt = now,
        }, cancellationToken);
        return Results.Ok(Describe(saved, secrets));
    }

    private static async Task<IResult> DeleteAsync(Guid authorityId, string name, ClaimsPrincipal user, ConnectorStore store, CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId) || !await store.DeleteAsync(authorityId, name, cancellationToken))
        {
            return Problems.NotFound($"Aucun connecteur « {name} » n'est configuré pour cette collectivité.");
        }
        return Results.NoContent();
    }

    private static async Task<IResult> TestAsync(
        Guid authorityId, string name, ClaimsPrincipal user, ConnectorStore store, ConnectorSecrets secrets, ConnectorTypeRegistry registry,
        IServiceProvider services, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var instance = user.CanAccess(authorityId) ? await store.GetAsync(authorityId, name, cancellationToken) : null;
        if (instance is null)
        {
            return Problems.NotFound($"Aucun connecteur « {name} » n'est configuré pour cette collectivité.");
        }
        if (registry.Find(instance.Type) is not { } type)
        {
            return Results.Ok(new ConnectionTestResponse(false, $"Le type de connecteur « {instance.Type} » n'est pas chargé sur ce hub."));
        }
        try
        {
            var check = await type.TestAsync(secrets.ToSettings(instance), services, cancellationToken);
            return Results.Ok(new ConnectionTestResponse(check.Ok, check.Detail));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A boundary: the connector's own failure is reported to the DSI, never a 500. The exception type only — its
            // message could carry provider text we have not vetted for secrets.
            loggers.CreateLogger("IntegrationHub.Connectors").LogWarning("Connection test of {Connector} ({Type}) threw {Exception}", name, instance.Type, ex.GetType().Name);
            return Results.Ok(new ConnectionTestResponse(false, $"Le test a échoué : {ex.GetType().Name}."));
        }
    }

    /// <summary>
    /// Whether a setting that says where the connector connects (a URL, a host) changed: stored secrets are then not
    /// carried over, so a changed destination can never receive credentials entered for another one.
    /// </summary>
    private static bool DestinationChanged(IConnectorType type, ConnectorInstance existing, IReadOnlyDictionary<string, string> values)
    {
        var before = ConnectorSecrets.ReadSettings(existing.Settings);
        return type.Settings
            .Where(s => s.Kind == SettingKind.Url || s.Key.EndsWith("host", StringComparison.OrdinalIgnoreCase))
            .Any(s => before.GetValueOrDefault(s.Key) != values.GetValueOrDefault(s.Key));
    }

    private static Dictionary<string, string> ReadValues(
        IConnectorType type, Dictionary<string, JsonElement>? settings, List<(string, string)> errors, Dictionary<string, string?> secretsGiven)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, element) in settings ?? [])
        {
            var definition = type.Settings.FirstOrDefault(s => s.Key == key);
            if (definition is null)
            {
                errors.Add(($"settings.{key}", $"Paramètre inconnu « {key} » pour le type {type.TypeId}."));
                continue;
            }
            if (definition.Secret)
            {
                // A value whose type declares it secret is kept as one wherever the caller put it (encrypted, never
                // returned): the issue's key list names `teamsWorkflowUrl` among settings, though its sig= is a credential.
                if (element.ValueKind is JsonValueKind.String or JsonValueKind.Null)
                {
                    secretsGiven[key] = element.GetString();
                }
                else
                {
                    errors.Add(($"settings.{key}", $"« {key} » doit être un texte."));
                }
                continue;
            }
            var text = element.ValueKind switch
            {
                JsonValueKind.String => element.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
                JsonValueKind.Null => null,
                _ => "\u0000",
            };
            if (text == "\u0000")
            {
                errors.Add(($"settings.{key}", $"« {key} » doit être une valeur simple (texte, nombre ou booléen)."));
                continue;
            }
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            if (CheckKind(definition, text.Trim()) is { } problem)
            {
                errors.Add(($"settings.{key}", problem));
                continue;
            }
            values[key] = text.Trim();
        }
        return values;
    }

    private static string? CheckKind(ConnectorSettingDefinition definition, string value) => definition.Kind switch
    {
        SettingKind.WholeNumber when !int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) =>
            $"« {definition.Key} » doit être un nombre entier.",
        SettingKind.Boolean when !bool.TryParse(value, out _) => $"« {definition.Key} » doit valoir true ou false.",
        SettingKind.Url when !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)) =>
            $"« {definition.Key} » doit être une adresse http(s) complète.",
        SettingKind.Email when !System.Net.Mail.MailAddress.TryCreate(value, out _) => $"« {definition.Key} » doit être une adresse électronique.",
        SettingKind.Choice when definition.AllowedValues is { } allowed && !allowed.Contains(value) =>
            $"« {definition.Key} » doit valoir {string.Join(", ", allowed.Select(a => $"« {a} »"))}.",
        _ => null,
    };

    private static IEnumerable<(string, string)> RequiredMissing(IConnectorType type, ConnectorSettings settings) =>
        type.Settings
            .Where(s => s.Required && s.DefaultValue is null && (s.Secret ? settings.GetSecret(s.Key) : settings.Get(s.Key)) is null)
            .Select(s => (Field(type, s.Key), $"« {s.Key} » ({s.Label}) est obligatoire."));

    private static string Field(IConnectorType type, string key) =>
        type.Settings.FirstOrDefault(s => s.Key == key) is { Secret: true } ? $"secrets.{key}" : $"settings.{key}";

    private static ConnectorTypeResponse Describe(IConnectorType type) => new(
        type.TypeId, type.DisplayName, JsonNamingPolicy.CamelCase.ConvertName(type.Address.ToString()),
        type.Settings.Select(s => new SettingSchema(s.Key, s.Label, JsonNamingPolicy.CamelCase.ConvertName(s.Kind.ToString()), s.Required, s.Secret, s.DefaultValue, s.AllowedValues)).ToList());

    private static ConnectorInstanceResponse Describe(ConnectorInstance instance, ConnectorSecrets secrets) => new(
        instance.Name, instance.Type, instance.Enabled, ConnectorSecrets.ReadSettings(instance.Settings),
        secrets.Unprotect(instance.ProtectedSecrets).Keys.ToDictionary(k => k, _ => Mask),
        instance.Revision, instance.UpdatedAt);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,49}$")]
    private static partial Regex InstanceName();
}
