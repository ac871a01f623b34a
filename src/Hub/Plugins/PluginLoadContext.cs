using System.Reflection;
using System.Runtime.Loader;
using IntegrationHub.Plugins.Hosting;

namespace IntegrationHub.PluginHost;

/// <summary>
/// One plugin dll and its private dependencies, isolated from the host and from other plugins. Not collectible: a
/// plugin is loaded once at start-up and lives as long as the hub.
/// </summary>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    public const string ContractAssemblyName = "IntegrationHub.Plugins.Abstractions";

    private static readonly AssemblyLoadContext HostContext =
        GetLoadContext(typeof(IHubPlugin).Assembly) ?? Default;

    private static readonly HashSet<string> HostPlatformAssemblies = ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(Path.GetFileNameWithoutExtension)
        .OfType<string>()
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    private readonly AssemblyDependencyResolver _resolver;

    public PluginLoadContext(string pluginPath)
        : base($"plugin:{Path.GetFileName(pluginPath)}", isCollectible: false)
    {
        _resolver = new AssemblyDependencyResolver(pluginPath);
    }

    /// <summary>
    /// Types that cross the boundary (the contract, and the Microsoft.Extensions abstractions it exposes such as
    /// <c>IServiceCollection</c>, <c>ILogger</c>, <c>IHttpClientFactory</c>) must be the host's own, or the plugin's
    /// <see cref="IHubPlugin"/> would be a different type from the host's: a copy of them in the plugin folder is ignored,
    /// and a plugin built against a newer version than the host's fails to load. Microsoft.Extensions packages the host
    /// does not have stay private to the plugin like any other dependency.
    /// </summary>
    public static bool IsShared(AssemblyName name) =>
        name.Name is { } simpleName
        && (string.Equals(simpleName, ContractAssemblyName, StringComparison.OrdinalIgnoreCase)
            || (simpleName.StartsWith("Microsoft.Extensions.", StringComparison.OrdinalIgnoreCase) && HostPlatformAssemblies.Contains(simpleName)));

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsShared(assemblyName))
        {
            return HostContext.LoadFromAssemblyName(assemblyName);
        }
        // Null lets the default context supply what the plugin does not ship: the framework itself.
        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
}
