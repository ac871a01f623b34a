using System.Net;
using System.Net.Http.Json;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport.Twilio;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

[Collection(HubHostsGroup.Name)]
public sealed class ConnectorApiTests : IAsyncLifetime
{
    private TwilioStandIn _twilio = null!;
    private HubApp _app = null!;

    public async Task InitializeAsync()
    {
        _twilio = await TwilioStandIn.StartAsync();
        _app = await HubApp.StartAsync(TestDatabase.Sqlite);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _twilio.DisposeAsync();
    }

    private object TwilioBody(string? authToken, string accountSid = TwilioStandIn.DefaultAccountSid) => new
    {
        type = "twilio",
        enabled = true,
        settings = new { accountSid, from = "+33644000000", baseUrl = _twilio.BaseUrl.ToString() },
        secrets = authToken is null ? null : new { authToken },
    };

    [Fact]
    public async Task List_ShowsTypesWithTheirSchema()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 0);
        var list = await _app.Admin.GetOkAsync($"/api/authorities/{s.AuthorityId}/connectors");
        var types = list.GetProperty("types").EnumerateArray().ToDictionary(t => t.GetProperty("typeId").GetString()!);
        Assert.Contains("email", types.Keys);
        var twilio = types["twilio"];
        Assert.Equal("mobile", twilio.GetProperty("address").GetString());
        var authToken = twilio.GetProperty("settings").EnumerateArray().Single(x => x.GetProperty("key").GetString() == "authToken");
        Assert.True(authToken.GetProperty("secret").GetBoolean());
        var emailKeys = types["email"].GetProperty("settings").EnumerateArray().Select(x => x.GetProperty("key").GetString()).ToList();
        foreach (var key in new[] { "host", "port", "security", "username", "senderAddress", "senderName", "imapHost", "imapPort", "imapSecurity", "imapUsername", "password", "imapPassword" })
        {
            Assert.Contains(key, emailKeys);
        }
    }

    [Fact]
    public async Task Put_InvalidSettings_NamesEachBadField()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 0);
        var missingToken = await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", TwilioBody(authToken: null));
        Assert.Equal(HttpStatusCode.BadRequest, missingToken.StatusCode);
        Assert.True((await missingToken.ReadJsonAsync()).GetProperty("errors").TryGetProperty("secrets.authToken", out _));

        var badSid = await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", TwilioBody("x", accountSid: "not-a-sid"));
        Assert.True((await badSid.ReadJsonAsync()).GetProperty("errors").TryGetProperty("settings.accountSid", out _));

        var unknown = await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", new { type = "twilio", settings = new { colour = "bleu" } });
        Assert.True((await unknown.ReadJsonAsync()).GetProperty("errors").TryGetProperty("settings.colour", out _));

        // A secret put among settings is taken as the secret (never echoed); the other faults are still named.
        var secretInSettings = await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", new { type = "twilio", settings = new { authToken = "oops" } });
        var secretErrors = (await secretInSettings.ReadJsonAsync()).GetProperty("errors");
        Assert.False(secretErrors.TryGetProperty("settings.authToken", out _));
        Assert.False(secretErrors.TryGetProperty("secrets.authToken", out _));
        Assert.True(secretErrors.TryGetProperty("settings.accountSid", out _));
        Assert.DoesNotContain("oops", secretErrors.GetRawText(), StringComparison.Ordinal);

        var unknownType = await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", new { type = "pigeon" });
        Assert.True((await unknownType.ReadJsonAsync()).GetProperty("errors").TryGetProperty("type", out _));
        Assert.Empty((await _app.Admin.GetOkAsync($"/api/authorities/{s.AuthorityId}/connectors")).GetProperty("instances").EnumerateArray());
    }

    [Fact]
    public async Task Secrets_AreEncryptedAtRestNeverReturnedNeverLogged()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 0);
        var saved = await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", TwilioBody(_twilio.AuthToken));
        var body = await saved.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.DoesNotContain(_twilio.AuthToken, body, StringComparison.Ordinal);
        Assert.Contains("\"authToken\":\"********\"", body, StringComparison.Ordinal);

        var listed = await (await _app.Admin.GetAsync($"/api/authorities/{s.AuthorityId}/connectors")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(_twilio.AuthToken, listed, StringComparison.Ordinal);

        // Changing a setting without resending the secret keeps it: the connection test still passes.
        var update = await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", TwilioBody(authToken: null));
        Assert.Equal(2, (await update.ReadJsonAsync()).GetProperty("revision").GetInt32());
        var test = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/connectors/sms/test", new { }, 200);
        Assert.True(test.GetProperty("ok").GetBoolean(), test.ToString());

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_app.DataDirectory, "hub.db")};Mode=ReadOnly;Pooling=False"))
        {
            await connection.OpenAsync();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT settings || '|' || secrets FROM connectors";
            var stored = (string)(await command.ExecuteScalarAsync())!;
            Assert.DoesNotContain(_twilio.AuthToken, stored, StringComparison.Ordinal);
            Assert.Contains(TwilioStandIn.DefaultAccountSid, stored, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(_app.Logs.Lines, line => line.Contains(_twilio.AuthToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Test_WrongToken_ReportsFailureInFrench()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 0);
        Assert.True((await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", TwilioBody("0123456789abcdef0123456789abcdef"))).IsSuccessStatusCode);
        var test = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/connectors/sms/test", new { }, 200);
        Assert.False(test.GetProperty("ok").GetBoolean());
        Assert.DoesNotContain("0123456789abcdef0123456789abcdef", test.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connectors_OnlyAdminsOfTheAuthority()
    {
        var a = await Scenario.CreateAsync(_app.Admin, members: 0);
        var b = await Scenario.CreateAsync(_app.Admin, members: 0);
        var secretariatKey = (await _app.Admin.PostOkAsync("/api/api-keys", new { name = "Secrétariat", role = "secretariat", authorityId = a.AuthorityId })).GetProperty("key").GetString();
        var adminBKey = (await _app.Admin.PostOkAsync("/api/api-keys", new { name = "DSI B", role = "admin", authorityId = b.AuthorityId })).GetProperty("key").GetString();
        using var secretariat = _app.CreateClient(secretariatKey);
        using var adminB = _app.CreateClient(adminBKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await secretariat.GetAsync($"/api/authorities/{a.AuthorityId}/connectors")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminB.GetAsync($"/api/authorities/{a.AuthorityId}/connectors")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminB.PutAsJsonAsync($"/api/authorities/{a.AuthorityId}/connectors/sms", TwilioBody("x"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await adminB.GetAsync($"/api/authorities/{b.AuthorityId}/connectors")).StatusCode);
    }

    [Fact]
    public async Task SecretSettingsUpgrade_MovesAKeyNowDeclaredSecretOutOfTheStoredSettings()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 0);
        Assert.True((await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", TwilioBody(_twilio.AuthToken))).IsSuccessStatusCode);
        // As an earlier version would have stored a key it did not yet declare secret: in clear, among the settings.
        var database = _app.Services.GetRequiredService<IntegrationHub.Persistence.HubDatabase>();
        await using (var connection = await database.OpenAsync())
        {
            var legacy = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["accountSid"] = TwilioStandIn.DefaultAccountSid, ["from"] = "+33644000000", ["authToken"] = _twilio.AuthToken,
            });
            await Dapper.SqlMapper.ExecuteAsync(connection,
                "UPDATE connectors SET settings = @legacy, secrets = NULL WHERE authority_id = @AuthorityId AND name = 'sms'", new { legacy, s.AuthorityId });
        }

        await _app.Services.GetRequiredService<IntegrationHub.ConnectorInstances.SecretSettingsUpgrade>().RunAsync(CancellationToken.None);

        var listed = await (await _app.Admin.GetAsync($"/api/authorities/{s.AuthorityId}/connectors")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(_twilio.AuthToken, listed, StringComparison.Ordinal);
        var instance = (await _app.Services.GetRequiredService<IntegrationHub.ConnectorInstances.ConnectorStore>().GetAsync(s.AuthorityId, "sms", CancellationToken.None))!;
        Assert.DoesNotContain("authToken", instance.Settings, StringComparison.Ordinal);
        Assert.Equal(_twilio.AuthToken, _app.Services.GetRequiredService<IntegrationHub.ConnectorInstances.ConnectorSecrets>().Unprotect(instance.ProtectedSecrets)["authToken"]);
    }

    [Fact]
    public async Task Health_ReportsConfiguredConnectorsAndPlugins()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 0);
        Assert.True((await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", TwilioBody(_twilio.AuthToken))).IsSuccessStatusCode);
        using var anonymous = _app.CreateClient(null);
        var health = await anonymous.GetOkAsync("/health");
        var entries = health.GetProperty("entries");
        Assert.Equal("Healthy", entries.GetProperty("connectors").GetProperty("status").GetString());
        Assert.True(entries.GetProperty("connectors").GetProperty("data").GetProperty("twilio:healthy").GetInt32() >= 1);
        Assert.DoesNotContain(s.AuthorityId.ToString(), health.ToString(), StringComparison.Ordinal);
        Assert.True(entries.TryGetProperty("plugins", out _));
    }
}
