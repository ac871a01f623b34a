using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Graph;
using IntegrationHub.TestSupport.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

/// <summary>
/// A hub (SQLite unless told) sending email to an SMTP sink, and a Graph stand-in that reaches the hub's notification endpoint
/// through the hub's test host (as the public reverse proxy would) and keeps the hub's clock.
/// </summary>
internal sealed class CalendarTestHost : IAsyncDisposable
{
    public const string Mailbox = "secretariat@mairie-saint-clair.fr";

    private CalendarTestHost(SmtpSinkServer smtp, GraphStandIn graph, HubApp app)
    {
        Smtp = smtp;
        Graph = graph;
        App = app;
    }

    public SmtpSinkServer Smtp { get; }

    public GraphStandIn Graph { get; }

    public HubApp App { get; }

    public ShiftedTimeProvider Clock => (ShiftedTimeProvider)App.Services.GetRequiredService<TimeProvider>();

    /// <param name="database">The hub's database.</param>
    /// <param name="extra">More hub settings (they win over these).</param>
    public static async Task<CalendarTestHost> StartAsync(TestDatabase database = TestDatabase.Sqlite, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var smtp = new SmtpSinkServer();
        var graph = await GraphStandIn.StartAsync(GraphStandIn.DefaultToken, Mailbox);
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Connectors:Email:Host"] = smtp.Host,
            ["Hub:Connectors:Email:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Hub:Connectors:Email:Security"] = "None",
            ["Hub:Connectors:Email:FromAddress"] = "convocations@mairie-saint-clair.fr",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var app = await HubApp.StartAsync(database, extra: settings);
        graph.NotificationClient = app.CreateClient(null);
        graph.Clock = app.Services.GetRequiredService<TimeProvider>();
        return new CalendarTestHost(smtp, graph, app);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Graph.DisposeAsync();
        Smtp.Dispose();
    }

    public async Task<Scenario> ScenarioWithCalendarAsync(int members, string kind = "commune", int population = 4200)
    {
        var s = await Scenario.CreateAsync(App.Admin, members: members, kind: kind, population: population);
        var put = await App.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/m365", new
        {
            type = "microsoft365",
            enabled = true,
            settings = new { organizerMailbox = Mailbox, graphBaseUrl = Graph.BaseUrl.ToString(), credentialKind = "staticToken" },
            secrets = new { staticToken = Graph.AccessToken },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return s;
    }

    public static IEnumerable<JsonElement> Deliveries(JsonElement convocations, string channel, string purpose = "convocation") =>
        convocations.EnumerateArray().SelectMany(c => c.GetProperty("deliveries").EnumerateArray())
            .Where(d => d.GetProperty("channel").GetString() == channel && d.GetProperty("purpose").GetString() == purpose);

    public Task<JsonElement> WaitForCalendarAsync(Guid sessionId, int sent, string purpose = "convocation") =>
        Eventually.WaitAsync(
            () => App.Admin.GetOkAsync($"/api/sessions/{sessionId}/convocations"),
            json => Deliveries(json, "calendar", purpose).Count(d => d.GetProperty("status").GetString() == "sent") == sent,
            TimeSpan.FromSeconds(30),
            $"{sent} calendar deliveries ({purpose}) sent");

    /// <summary>Sends the session and waits for its event and the organiser calendar's subscription.</summary>
    public async Task<string> SendAndSubscribeAsync(Scenario s, int members)
    {
        await App.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await WaitForCalendarAsync(s.SessionId, sent: members);
        await Eventually.WaitAsync(() => Task.FromResult(Graph.Subscriptions), l => l.Count == 1, TimeSpan.FromSeconds(30), "the calendar subscription");
        // Graph holds it before answering 201; the hub stores it after: a notification in between would be unknown to it.
        await Eventually.WaitAsync(
            () => Task.FromResult(App.Logs.Lines.Any(l => l.Contains("Calendar subscription", StringComparison.Ordinal) && l.Contains("created until", StringComparison.Ordinal))),
            found => found, TimeSpan.FromSeconds(30), "the hub to store the subscription");
        return Assert.Single(Graph.Events).Id;
    }
}
