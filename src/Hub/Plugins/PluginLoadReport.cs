using System.Reflection;

namespace IntegrationHub.PluginHost;

/// <summary>What happened when the plugins were loaded: kept as a singleton for the health check and the logs.</summary>
public sealed class PluginLoadReport
{
    internal PluginLoadReport(ConnectorTypeRegistry registry, string? pluginDirectory, IReadOnlyList<PluginLoadResult> plugins, IReadOnlyList<string> warnings)
    {
        Registry = registry;
        PluginDirectory = pluginDirectory;
        Plugins = plugins;
        Warnings = warnings;
    }

    /// <summary>The connector types the loaded plugins registered.</summary>
    public ConnectorTypeRegistry Registry { get; }

    /// <summary>The full path of <c>Hub:Plugins:Directory</c>, or null when it is not set.</summary>
    public string? PluginDirectory { get; }

    /// <summary>Every plugin found, loaded or failed, in load order.</summary>
    public IReadOnlyList<PluginLoadResult> Plugins { get; }

    /// <summary>Problems that are not a plugin's fault, such as a configured folder that does not exist.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public IEnumerable<PluginLoadResult> Loaded => Plugins.Where(p => p.Loaded);

    public IEnumerable<PluginLoadResult> Failed => Plugins.Where(p => !p.Loaded);

    /// <summary>Writes the report: one line per plugin, failures with their exception and file.</summary>
    public void Log(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        foreach (var warning in Warnings)
        {
            logger.LogWarning("Plugins: {Warning}", warning);
        }
        foreach (var plugin in Plugins)
        {
            if (plugin.Error is null)
            {
                logger.LogInformation("Plugin {Plugin} loaded from {Source}; connector types: {ConnectorTypes}",
                    plugin.Name, plugin.Source, string.Join(", ", plugin.ConnectorTypeIds));
            }
            else
            {
                logger.LogError(plugin.Error, "Plugin {Plugin} from {Source} failed to load; the hub runs without it: {Reason}",
                    plugin.Name, plugin.Source, plugin.Reason);
            }
        }
    }
}

/// <summary>One plugin's outcome.</summary>
/// <param name="Name">The plugin's <c>Name</c>; its class or file name when it failed before saying it.</param>
/// <param name="Source">The plugin file, or the built-in assembly's name.</param>
/// <param name="ConnectorTypeIds">The types it registered (none when it failed: a failed plugin is rolled back).</param>
/// <param name="Error">Why it failed, or null when it loaded.</param>
public sealed record PluginLoadResult(string Name, string Source, IReadOnlyList<string> ConnectorTypeIds, Exception? Error)
{
    public bool Loaded => Error is null;

    /// <summary>The failure in one line, without stack trace (for health reports): exception type and message.</summary>
    public string? Reason => Error is null ? null : Describe(Error);

    private static string Describe(Exception error) => error switch
    {
        TargetInvocationException { InnerException: { } inner } => Describe(inner),
        ReflectionTypeLoadException { LoaderExceptions: [{ } first, ..] } => $"{nameof(ReflectionTypeLoadException)}: {first.Message}",
        _ => $"{error.GetType().Name}: {error.Message}",
    };
}
