using IntegrationHub.Api;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.PluginHost;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Documents;

namespace IntegrationHub.Documents.Sources;

/// <summary>A document source of an authority, as the API lists it.</summary>
/// <param name="Name">The connector instance's name, which the other endpoints take.</param>
/// <param name="Type">The connector type id, « sql-documents ».</param>
/// <param name="DisplayName">The type's name for people.</param>
public sealed record DocumentSourceResponse(string Name, string Type, string DisplayName);

/// <summary>
/// Finds an authority's document sources: its enabled connector instances whose type is an
/// <see cref="IDocumentSourceProvider"/>, built from their decrypted settings. Sources are cheap (they open no
/// connection until asked), so one is built per request and none is cached.
/// </summary>
public sealed class DocumentSources(ConnectorStore store, ConnectorSecrets secrets, ConnectorTypeRegistry registry, IServiceProvider services)
{
    public async Task<IReadOnlyList<DocumentSourceResponse>> ListAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        var sources = new List<DocumentSourceResponse>();
        foreach (var instance in await store.ListAsync(authorityId, cancellationToken))
        {
            if (instance.Enabled && registry.Find(instance.Type) is { } type and IDocumentSourceProvider)
            {
                sources.Add(new DocumentSourceResponse(instance.Name, type.TypeId, type.DisplayName));
            }
        }
        return sources;
    }

    /// <summary>The source named <paramref name="name"/> of the authority, or null when it has no enabled source of that name.</summary>
    /// <exception cref="ConnectorConfigurationException">Its settings are unusable (see <see cref="Problem"/>).</exception>
    public async Task<IDocumentSource?> FindAsync(Guid authorityId, string name, CancellationToken cancellationToken)
    {
        var instance = await store.GetAsync(authorityId, name, cancellationToken);
        return instance is { Enabled: true } && registry.Find(instance.Type) is IDocumentSourceProvider provider
            ? provider.CreateSource(secrets.ToSettings(instance), services)
            : null;
    }

    /// <summary>« Aucune source de documents « ged » n'est configurée pour cette collectivité. »</summary>
    public static IResult NotFound(string name) =>
        Problems.NotFound($"Aucune source de documents «\u00A0{name}\u00A0» n'est configurée et active pour cette collectivité.");

    /// <summary>
    /// The French answer to a failure of the source (<see cref="IDocumentSource"/> lists them), or null for any other
    /// exception, which is a bug and propagates.
    /// </summary>
    public static IResult? Problem(Exception exception, string name) => exception switch
    {
        DocumentSourceUnavailableException e => Results.Problem(
            statusCode: 503,
            title: "Source de documents indisponible",
            detail: $"La source de documents «\u00A0{name}\u00A0» ne répond pas pour l'instant\u00A0: {e.Message} Réessayez plus tard.",
            type: Problems.TypeBase + "document-source-unavailable"),
        DocumentSourceQueryException or ConnectorConfigurationException => Problems.Unprocessable(
            "document-source-misconfigured",
            "Source de documents mal configurée",
            $"La source de documents «\u00A0{name}\u00A0» est mal configurée\u00A0; l'administrateur doit corriger ses paramètres\u00A0: {exception.Message}"),
        FileNotFoundException e => Problems.Unprocessable("source-document-not-found", "Document introuvable dans la source", e.Message),
        _ => null,
    };
}
