using System.Net;
using IntegrationHub.Security;
using IntegrationHub.Tests.Infrastructure;
using Xunit;

namespace IntegrationHub.Tests.Security;

[Collection(HubHostsGroup.Name)]
public sealed class BootstrapApiKeyTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task FirstStart_WithoutConfiguredKey_WritesOwnerOnlyFileWhoseKeyIsAdmin()
    {
        var settings = await HubApp.PrepareAsync(TestDatabase.Sqlite, extra: new Dictionary<string, string?> { ["Hub:BootstrapApiKey"] = "" });
        await using var app = await HubApp.StartAsync(settings);
        var path = Path.Combine(app.DataDirectory, BootstrapApiKey.FileName);

        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var key = (await File.ReadAllTextAsync(path)).Trim();
        using var admin = app.CreateClient(key);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/api-keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient(key + "x").GetAsync("/api/api-keys")).StatusCode);
    }
}
