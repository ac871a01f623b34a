using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Postgres;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

using Xunit;

namespace IntegrationHub.Tests.Infrastructure;

public enum TestDatabase
{
    Sqlite,
    Postgres,
}

/// <summary>A real hub host (WebApplicationFactory) on a real database, with a data directory of its own.</summary>
public sealed class HubApp : IAsyncDisposable
{
    public static readonly string BootstrapKey = FakeSecrets.Token("test-bootstrap");

    /// <summary>Tuesday 10 March 2026, 10:00 Paris: a fixed "today" for legal dates.</summary>
    public static readonly DateTimeOffset DefaultNow = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);

    private readonly WebApplicationFactory<Program> _factory;

    private HubApp(WebApplicationFactory<Program> factory, string dataDirectory, Settings settings)
    {
        _factory = factory;
        DataDirectory = dataDirectory;
        Config = settings;
        Admin = CreateClient(BootstrapKey);
    }

    public sealed record Settings(TestDatabase Database, string DataDirectory, string? ConnectionString, DateTimeOffset Now, IReadOnlyDictionary<string, string?> Extra)
    {
        /// <summary>Services the test adds to the host (its own implementations of hub interfaces, never of HttpClient or the database).</summary>
        public Action<IServiceCollection>? Services { get; init; }
    }

    public Settings Config { get; }

    public string DataDirectory { get; }

    public HttpClient Admin { get; }

    /// <summary>Everything the hub logged.</summary>
    public CapturingLoggerProvider Logs { get; private init; } = new();

    public IServiceProvider Services => _factory.Services;

    public static async Task<Settings> PrepareAsync(TestDatabase database, DateTimeOffset? now = null, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "hub-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var connectionString = database == TestDatabase.Postgres ? await PostgresServer.Instance.CreateDatabaseAsync("hub") : null;
        return new Settings(database, data, connectionString, now ?? DefaultNow, extra ?? new Dictionary<string, string?>());
    }

    public static async Task<HubApp> StartAsync(Settings settings)
    {
        var logs = new CapturingLoggerProvider();
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Hub:DataDirectory", settings.DataDirectory);
            web.UseSetting("Hub:BootstrapApiKey", BootstrapKey);
            web.UseSetting("Hub:PublicBaseUrl", "http://hub.test/");
            web.UseSetting("Hub:Dispatch:PollInterval", "00:00:00.200");
            web.UseSetting("Hub:Dispatch:RetryDelays:0", "00:00:00.500");
            web.UseSetting("Hub:Dispatch:RetryDelays:1", "00:00:01");
            web.UseSetting("Hub:Dispatch:RetryDelays:2", "00:00:01");
            web.UseSetting("Hub:Dispatch:WorkerCount", "4");
            if (settings.Database == TestDatabase.Postgres)
            {
                web.UseSetting("Hub:Database:Provider", "postgresql");
                web.UseSetting("ConnectionStrings:Hub", settings.ConnectionString);
            }
            foreach (var (key, value) in settings.Extra)
            {
                web.UseSetting(key, value);
            }
            web.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(new ShiftedTimeProvider(settings.Now));
                services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs);
                settings.Services?.Invoke(services);
            });
        });
        var app = new HubApp(factory, settings.DataDirectory, settings) { Logs = logs };
        await Eventually.WaitAsync(
            async () => (await app.Admin.GetAsync("/health")).IsSuccessStatusCode, ok => ok, TimeSpan.FromSeconds(30), "the hub to be ready");
        return app;
    }

    public static async Task<HubApp> StartAsync(TestDatabase database, DateTimeOffset? now = null, IReadOnlyDictionary<string, string?>? extra = null) =>
        await StartAsync(await PrepareAsync(database, now, extra));

    /// <summary>The messages the embedded email channel wrote to the pickup folder (none before the first one).</summary>
    public List<MimeKit.MimeMessage> Outbox()
    {
        var folder = Path.Combine(DataDirectory, "outbox");
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.eml").Select(f => MimeKit.MimeMessage.Load(f)).ToList() : [];
    }

    public HttpClient CreateClient(string? key)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await _factory.DisposeAsync();
        if (Config.ConnectionString is { } connectionString)
        {
            // Hangfire's PostgreSQL storage opens its connections from Npgsql's global pool, which outlives the host:
            // without this, each host's idle connections stay open and a long run exhausts the server's max_connections.
            using var pooled = new Npgsql.NpgsqlConnection(connectionString);
            Npgsql.NpgsqlConnection.ClearPool(pooled);
        }
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

public static class HttpJson
{
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return string.IsNullOrEmpty(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> PostOkAsync(this HttpClient client, string url, object body, int expectedStatus = 201)
    {
        var response = await client.PostAsJsonAsync(url, body);
        var json = await response.ReadJsonAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"POST {url} → {(int)response.StatusCode}: {json}");
        return json;
    }

    public static async Task<JsonElement> GetOkAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var json = await response.ReadJsonAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url} → {(int)response.StatusCode}: {json}");
        return json;
    }

    public static Guid Id(this JsonElement json) => json.GetProperty("id").GetGuid();
}
