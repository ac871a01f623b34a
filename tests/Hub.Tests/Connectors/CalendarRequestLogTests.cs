using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport.Graph;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

/// <summary>
/// The issue's closing note: a full run against the Graph stand-in (send → event created → attendee declines →
/// notification → answers read → proxy offer sent), with the stand-in's request log written as Markdown to
/// <c>HUB_M365_REQUEST_LOG</c> when set (docs/m365-request-log.md holds one), else to the hub's data directory.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class CalendarRequestLogTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly string[] KeyHeaders = ["Authorization", "Content-Type", "Prefer", "client-request-id", "Retry-Attempt"];

    private CalendarTestHost _host = null!;

    public async Task InitializeAsync() => _host = await CalendarTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task FullRun_SendDeclineNotify_ProxyOfferSent_RequestLogWrittenWithoutSecrets()
    {
        var s = await _host.ScenarioWithCalendarAsync(members: 2);
        var eventId = await _host.SendAndSubscribeAsync(s, members: 2);
        await _host.Smtp.WaitForMessagesAsync(2, TimeSpan.FromSeconds(30));
        _host.Graph.SetResponse(eventId, s.MemberEmails[1], "declined", HubApp.DefaultNow.AddHours(2));

        Assert.Equal([202], await _host.Graph.NotifyChangeAsync(eventId));

        var messages = await _host.Smtp.WaitForMessagesAsync(3, TimeSpan.FromSeconds(30));
        var offer = Assert.Single(messages, m => m.Subject?.StartsWith("Absence et pouvoir", StringComparison.Ordinal) == true);
        Assert.Equal(s.MemberEmails[1], offer.To.Mailboxes.Single().Address);

        var secrets = _host.Graph.Subscriptions.Select(x => x.ClientState!).Append(_host.Graph.AccessToken).ToList();
        var log = RequestLog(_host.Graph, secrets, offer.Subject!, offer.To.Mailboxes.Single().Address);
        var path = Environment.GetEnvironmentVariable("HUB_M365_REQUEST_LOG") is { Length: > 0 } target
            ? target
            : Path.Combine(_host.App.DataDirectory, "m365-request-log.md");
        await File.WriteAllTextAsync(path, log);

        Assert.All(secrets, secret => Assert.DoesNotContain(secret, log, StringComparison.Ordinal));
        Assert.Contains($"POST /v1.0/users/{CalendarTestHost.Mailbox}/events", log, StringComparison.Ordinal);
        Assert.Contains("POST /v1.0/subscriptions", log, StringComparison.Ordinal);
        Assert.Contains("/graph/notifications?validationToken=", log, StringComparison.Ordinal);
        Assert.Contains("\"response\": \"declined\"", log, StringComparison.Ordinal);
        Assert.Contains("Absence et pouvoir", log, StringComparison.Ordinal);
    }

    private static string RequestLog(GraphStandIn graph, IReadOnlyList<string> secrets, string offerSubject, string offerTo)
    {
        var entries = graph.Requests.Select(r => (r.Sequence, Text: Inbound(r)))
            .Concat(graph.OutboundCalls.Select(c => (c.Sequence, Text: Outbound(c))))
            .OrderBy(e => e.Sequence)
            .Select(e => e.Text);
        var log = new StringBuilder()
            .AppendLine("# Microsoft Graph request log of a full run")
            .AppendLine()
            .AppendLine("Written by `tests/Hub.Tests/Connectors/CalendarRequestLogTests.cs` against the Graph stand-in")
            .AppendLine("(`tests/TestSupport/Graph`): the session is sent, the event created, the organiser calendar subscribed")
            .AppendLine("(with Graph's handshake), an attendee declines in Outlook, Graph notifies the hub, the hub reads the event and")
            .AppendLine("emails a proxy offer. `→ Graph` is a request the hub made; `Graph → hub` one the stand-in made. The bearer token")
            .AppendLine("and the subscription's clientState are replaced by `<redacted>`.")
            .AppendLine();
        foreach (var entry in entries)
        {
            log.Append(entry).AppendLine();
        }
        log.AppendLine("## Email sent by the hub after the sync").AppendLine()
            .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"- To: `{offerTo}`")
            .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"- Subject: « {offerSubject} »");
        var text = log.ToString();
        return secrets.Aggregate(text, (current, secret) => current.Replace(secret, "<redacted>", StringComparison.Ordinal));
    }

    private static string Inbound(GraphRecordedRequest request)
    {
        var text = new StringBuilder().AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"## → Graph: {request.Method} {Uri.UnescapeDataString(request.PathAndQuery)}").AppendLine();
        foreach (var name in KeyHeaders)
        {
            if (request.Header(name) is { } value)
            {
                text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"- {name}: `{(name == "Authorization" ? "Bearer <redacted>" : value)}`");
            }
        }
        return text.Append(Body(request.Body))
            .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"Graph answered **{request.ResponseStatus}**")
            .Append(Body(request.ResponseBody))
            .ToString();
    }

    private static string Outbound(GraphOutboundCall call) =>
        new StringBuilder()
            .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"## Graph → hub: POST {call.PathAndQuery}").AppendLine()
            .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"- Content-Type: `{call.ContentType}`")
            .Append(Body(call.Body))
            .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"Hub answered **{call.Status}**{(call.ResponseBody.Length > 0 ? $": `{call.ResponseBody}`" : "")}")
            .ToString();

    private static string Body(string body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return Environment.NewLine;
        }
        var (fence, shown) = ("json", body);
        try
        {
            shown = JsonNode.Parse(body)!.ToJsonString(Indented);
        }
        catch (JsonException)
        {
            fence = "text";
        }
        return $"{Environment.NewLine}```{fence}{Environment.NewLine}{shown}{Environment.NewLine}```{Environment.NewLine}";
    }
}
