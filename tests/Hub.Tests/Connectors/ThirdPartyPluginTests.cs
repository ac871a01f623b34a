using System.Net.Http.Json;
using Example.SignedWebhook;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Webhook;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

/// <summary>
/// A third-party plugin built against Plugins.Abstractions only, dropped into <c>Hub:Plugins:Directory</c>, configured
/// by the DSI through the API and used to deliver a real convocation.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class ThirdPartyPluginTests : IAsyncLifetime
{
    private const string SigningKey = "clé-de-signature-du-webhook-2026";
    private readonly string _pluginFolder = Path.Combine(Path.GetTempPath(), $"hub-plugins-{Guid.NewGuid():N}");
    private WebhookReceiver _receiver = null!;
    private HubApp _app = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_pluginFolder);
        var dll = typeof(SignedWebhookPlugin).Assembly.Location;
        File.Copy(dll, Path.Combine(_pluginFolder, Path.GetFileName(dll)));
        File.Copy(Path.ChangeExtension(dll, ".deps.json"), Path.Combine(_pluginFolder, Path.GetFileNameWithoutExtension(dll) + ".deps.json"));
        await File.WriteAllBytesAsync(Path.Combine(_pluginFolder, "Broken.dll"), [0x4D, 0x5A, 0x00, 0x01, 0x02]);
        _receiver = await WebhookReceiver.StartAsync(SigningKey);
        _app = await HubApp.StartAsync(TestDatabase.Sqlite, extra: new Dictionary<string, string?> { ["Hub:Plugins:Directory"] = _pluginFolder });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
        Directory.Delete(_pluginFolder, recursive: true);
    }

    [Fact]
    public async Task PluginFromFolder_DeliversASignedConvocation_AndABrokenPluginIsReportedNotFatal()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 2);
        var put = await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/webhook", new
        {
            type = "signed-webhook",
            settings = new { url = _receiver.Url.ToString() },
            secrets = new { signingKey = SigningKey },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await Eventually.WaitAsync(
            () => _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => json.EnumerateArray().SelectMany(c => c.GetProperty("deliveries").EnumerateArray()).Count(d => d.GetProperty("status").GetString() == "sent") == 4,
            TimeSpan.FromSeconds(30), "2 emails and 2 webhooks sent");

        Assert.Equal(2, _receiver.Accepted.Count);
        Assert.All(_receiver.Accepted, request =>
        {
            Assert.True(request.SignatureValid);
            Assert.StartsWith("delivery-", request.Header("Idempotency-Key"), StringComparison.Ordinal);
            var json = request.Json();
            Assert.StartsWith("Convocation", json.GetProperty("subject").GetString(), StringComparison.Ordinal);
            Assert.Equal("Europe/Paris", json.GetProperty("calendar").GetProperty("timeZoneId").GetString());
        });
        Assert.Equal(s.MemberEmails.Order(), _receiver.Accepted.Select(r => r.Json().GetProperty("recipient").GetProperty("email").GetString()).Order());

        using var anonymous = _app.CreateClient(null);
        var health = await anonymous.GetOkAsync("/health");
        var plugins = health.GetProperty("entries").GetProperty("plugins");
        Assert.Equal("Degraded", plugins.GetProperty("status").GetString());
        Assert.Contains("Broken.dll", plugins.ToString(), StringComparison.Ordinal);
        Assert.Contains("signed-webhook", plugins.ToString(), StringComparison.Ordinal);
    }
}
