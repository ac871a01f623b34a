using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using IntegrationHub.Plugins.Hosting;

namespace IntegrationHub.PluginHost;

/// <summary>
/// Finds the <see cref="IHubPlugin"/> entry points (with Scrutor) in the built-in connector assemblies and in every dll
/// of the plugin folder, and lets each one register itself. A plugin that cannot be loaded, created or registered is
/// recorded as failed and rolled back; loading never throws because of a plugin.
/// </summary>
public static class PluginLoader
{
    /// <summary>Configuration key of the plugin folder; relative paths are relative to the working directory, like <c>Hub:DataDirectory</c>.</summary>
    public const string DirectoryKey = "Hub:Plugins:Directory";

    /// <summary>Loads the plugins into <paramref name="services"/> and <paramref name="registry"/>.</summary>
    /// <param name="services">The application's services, passed to each plugin's <see cref="IHubPlugin.Register"/>.</param>
    /// <param name="registry">Where the plugins' connector types go.</param>
    /// <param name="builtInAssemblies">Connector assemblies the host references (Email, Twilio…).</param>
    /// <param name="pluginDirectory">The plugin folder, or null for none.</param>
    /// <returns>What loaded and what failed; nothing is logged yet (see <see cref="PluginLoadReport.Log"/>).</returns>
    public static PluginLoadReport LoadPlugins(
        IServiceCollection services,
        ConnectorTypeRegistry registry,
        IEnumerable<Assembly> builtInAssemblies,
        string? pluginDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(builtInAssemblies);

        var results = new List<PluginLoadResult>();
        var warnings = new List<string>();

        foreach (var assembly in builtInAssemblies.Distinct())
        {
            RegisterPluginsFrom(assembly, assembly.GetName().Name ?? assembly.FullName ?? "?", services, registry, results);
        }

        string? directory = null;
        if (!string.IsNullOrWhiteSpace(pluginDirectory))
        {
            directory = Path.GetFullPath(pluginDirectory);
            foreach (var file in PluginFiles(directory, warnings))
            {
                LoadPluginFile(file, services, registry, results);
            }
        }

        return new PluginLoadReport(registry, directory, results, warnings);
    }

    private static List<string> PluginFiles(string directory, List<string> warnings)
    {
        if (!Directory.Exists(directory))
        {
            warnings.Add($"The plugin folder '{directory}' ({DirectoryKey}) does not exist; no external plugin is loaded.");
            return [];
        }
        try
        {
            return [.. Directory.GetFiles(directory, "*.dll", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warnings.Add($"The plugin folder '{directory}' ({DirectoryKey}) cannot be read ({e.Message}); no external plugin is loaded.");
            return [];
        }
    }

    private static void LoadPluginFile(string file, IServiceCollection services, ConnectorTypeRegistry registry, List<PluginLoadResult> results)
    {
        Assembly assembly;
        try
        {
            // A plugin's own dependencies sit next to it; they are loaded on demand by its context, not as plugins.
            if (!ReferencesContract(file))
            {
                return;
            }
            assembly = new PluginLoadContext(file).LoadFromAssemblyPath(file);
        }
        catch (Exception e)
        {
            results.Add(new PluginLoadResult(Path.GetFileName(file), file, [], e));
            return;
        }
        RegisterPluginsFrom(assembly, file, services, registry, results);
    }

    /// <summary>Reads the dll's references without loading it; throws <see cref="BadImageFormatException"/> for a file that is not a PE image.</summary>
    private static bool ReferencesContract(string file)
    {
        using var stream = File.OpenRead(file);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            return false; // a native library
        }
        var metadata = pe.GetMetadataReader();
        return metadata.AssemblyReferences.Any(handle => metadata.StringComparer.Equals(
            metadata.GetAssemblyReference(handle).Name, PluginLoadContext.ContractAssemblyName, ignoreCase: true));
    }

    private static void RegisterPluginsFrom(Assembly assembly, string source, IServiceCollection services, ConnectorTypeRegistry registry, List<PluginLoadResult> results)
    {
        IReadOnlyList<Type> pluginTypes;
        try
        {
            pluginTypes = FindPluginTypes(assembly);
        }
        catch (Exception e)
        {
            results.Add(new PluginLoadResult(assembly.GetName().Name ?? Path.GetFileName(source), source, [], e));
            return;
        }
        foreach (var type in pluginTypes)
        {
            results.Add(Register(type, source, services, registry));
        }
    }

    private static List<Type> FindPluginTypes(Assembly assembly)
    {
        var found = new ServiceCollection();
        found.Scan(scan => scan
            .FromAssemblies(assembly)
            .AddClasses(classes => classes
                .AssignableTo<IHubPlugin>()
                .Where(type => !type.ContainsGenericParameters && type.GetConstructor(Type.EmptyTypes) is not null),
                publicOnly: true)
            .As<IHubPlugin>()
            .WithTransientLifetime());
        return [.. found
            .Select(descriptor => descriptor.ImplementationType)
            .OfType<Type>()
            .Distinct()
            .OrderBy(type => type.FullName, StringComparer.Ordinal)];
    }

    private static PluginLoadResult Register(Type type, string source, IServiceCollection services, ConnectorTypeRegistry registry)
    {
        var name = type.FullName ?? type.Name;
        var servicesBefore = new HashSet<ServiceDescriptor>(services, ReferenceEqualityComparer.Instance);
        HubBuilder? builder = null;
        try
        {
            var plugin = (IHubPlugin)Activator.CreateInstance(type)!;
            name = string.IsNullOrWhiteSpace(plugin.Name) ? name : plugin.Name;
            builder = new HubBuilder(services, registry, name);
            plugin.Register(builder);
            return new PluginLoadResult(name, source, [.. builder.Added.Select(t => t.TypeId)], null);
        }
        catch (Exception e)
        {
            // A plugin is all or nothing: half of its types (or services) would run without the rest.
            foreach (var added in builder?.Added ?? [])
            {
                registry.Remove(added);
            }
            for (var i = services.Count - 1; i >= 0; i--)
            {
                if (!servicesBefore.Contains(services[i]))
                {
                    services.RemoveAt(i);
                }
            }
            return new PluginLoadResult(name, source, [], e);
        }
    }
}
