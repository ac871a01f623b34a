using IntegrationHub.Documents.Storage;

namespace IntegrationHub.Tests.Documents.Storage;

/// <summary>A fresh store in its own temporary folder, deleted afterwards (committed files are read-only).</summary>
internal sealed class StoreDirectory : IDisposable
{
    public StoreDirectory()
    {
        Root = Path.Combine(Path.GetTempPath(), "hub-store-" + Guid.NewGuid().ToString("N"));
        Store = new FileSystemDocumentStore(Root);
    }

    public string Root { get; }

    public FileSystemDocumentStore Store { get; }

    public string Staging => Path.Combine(Root, ".staging");

    public string ContentPath(string sha256) => Path.Combine(Root, sha256[..2], sha256[2..4], sha256);

    /// <summary>Committed files, staging excluded.</summary>
    public string[] ContentFiles() =>
        [.. Directory.GetFiles(Root, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(Staging + Path.DirectorySeparatorChar, StringComparison.Ordinal))];

    public string[] StagingFiles() => Directory.GetFiles(Staging);

    public void Dispose()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        foreach (var file in Directory.GetFiles(Root, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(Root, recursive: true);
    }
}
