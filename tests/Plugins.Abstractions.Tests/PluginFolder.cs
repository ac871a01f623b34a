using Example.SignedWebhook;

namespace IntegrationHub.Plugins.Abstractions.Tests;

/// <summary>A throwaway plugin folder, laid out as an operator would fill <c>Hub:Plugins:Directory</c>.</summary>
public sealed class PluginFolder : IDisposable
{
    public PluginFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"hub-plugins-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The sample plugin as built by this test run (the test project references samples/SignedWebhook).</summary>
    public static string SampleDll => typeof(SignedWebhookPlugin).Assembly.Location;

    /// <summary>Copies the sample's dll, and its deps.json when <paramref name="withDepsJson"/>, as <c>dotnet publish</c> lays them out.</summary>
    public PluginFolder WithSample(bool withDepsJson = true)
    {
        Copy(SampleDll);
        var deps = System.IO.Path.ChangeExtension(SampleDll, ".deps.json");
        if (withDepsJson && File.Exists(deps))
        {
            Copy(deps);
        }
        return this;
    }

    public PluginFolder Copy(string file)
    {
        File.Copy(file, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(file)));
        return this;
    }

    public PluginFolder WithFile(string name, byte[] content)
    {
        File.WriteAllBytes(System.IO.Path.Combine(Path, name), content);
        return this;
    }

    public void Dispose()
    {
        // Loaded plugin dlls stay mapped for the life of the process on some systems; leftovers in /tmp are harmless.
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
