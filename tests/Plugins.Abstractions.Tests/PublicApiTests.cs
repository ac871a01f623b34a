using System.Runtime.CompilerServices;
using IntegrationHub.Plugins.Channels;
using PublicApiGenerator;
using Xunit;

namespace IntegrationHub.Plugins.Abstractions.Tests;

/// <summary>
/// The contract is published: third-party plugins compile against it. Any change to its public surface must be
/// deliberate, so it is compared with the approved text committed next to this file.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void PluginsAbstractions_PublicApi_MatchesTheApprovedFile()
    {
        // Assembly attributes (target framework, version) change with every SDK bump and are not API.
        var generated = Normalise(ApiGenerator.GeneratePublicApi(typeof(IChannel).Assembly, new ApiGeneratorOptions { IncludeAssemblyAttributes = false, TreatRecordsAsClasses = false }));
        var directory = SourceDirectory();
        var approvedPath = Path.Combine(directory, "PublicApi.approved.txt");
        var receivedPath = Path.Combine(directory, "PublicApi.received.txt");
        var approved = File.Exists(approvedPath) ? Normalise(File.ReadAllText(approvedPath)) : string.Empty;

        if (generated == approved)
        {
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, generated);
        Assert.Fail(
            $"The public API of IntegrationHub.Plugins.Abstractions differs from {approvedPath}.{Environment.NewLine}" +
            $"The current API was written to {receivedPath}; compare the two files. If the change is intended (and documented " +
            $"for plugin authors), approve it:{Environment.NewLine}    cp \"{receivedPath}\" \"{approvedPath}\"");
    }

    private static string Normalise(string text) => text.ReplaceLineEndings("\n").TrimEnd() + "\n";

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
