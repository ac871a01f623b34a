using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IntegrationHub.TestSupport.Graph;
using IntegrationHub.TestSupport.Twilio;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;
using MimeKit;

namespace IntegrationHub.Bench.Dispatch;

/// <summary>
/// One message for the baseline: an email (MIME, as the hub sent it), an SMS (the form the hub posted) or a session's
/// calendar event (the JSON the hub posted to Graph).
/// </summary>
internal sealed record BaselineMessage(MimeMessage? Email, IReadOnlyList<KeyValuePair<string, string>>? SmsForm, string? IdempotencyToken, CalendarEvent? Event = null);

/// <summary>An event the hub created: its organiser mailbox and the body of its <c>POST /users/{mailbox}/events</c>.</summary>
internal sealed record CalendarEvent(string Mailbox, string Json, int Attendees)
{
    /// <summary>The POSTs the stand-in answered 201, once per <c>transactionId</c> (a retried POST counts once).</summary>
    public static List<CalendarEvent> Created(IReadOnlyList<GraphRecordedRequest> requests) =>
    [
        .. requests
            .Where(r => r.Method == "POST" && r.ResponseStatus == 201)
            .Select(r => (Path: Uri.UnescapeDataString(r.PathAndQuery.Split('?')[0]).Trim('/').Split('/'), Body: r.Json!))
            .Where(r => r.Path is ["v1.0", "users", _, "events"] or ["v1.0", "users", _, "calendar", "events"])
            .DistinctBy(r => (r.Path[2], (string?)r.Body["transactionId"]))
            .Select(r => new CalendarEvent(r.Path[2], r.Body.ToJsonString(), r.Body["attendees"]?.AsArray().Count ?? 0)),
    ];
}

/// <summary>
/// The plain sender: the same messages, the same client libraries (MailKit's SmtpClient asking for DSNs like the hub's,
/// HttpClient to the Twilio API with the same form body and headers), the same number of concurrent senders as the
/// hub's workers; Graph through the Microsoft.Graph SDK's <see cref="GraphServiceClient"/> built as the connector
/// builds it (GraphClientFactory handlers, static bearer token for the stand-in's host, same Prefer headers), without its
/// per-mailbox gate of 4 (one mailbox per authority: at most one event per mailbox here). No database, no jobs, no evidence: each worker takes the next message and sends it. With
/// <c>noDelay</c>, its SMTP connections set TCP_NODELAY, which MailKit's <c>ConnectAsync(host, port)</c> (and so the
/// hub) does not.
/// </summary>
internal static class Baseline
{
    /// <summary>Runs the messages; returns the wall time and the mean time of one SMTP send, one Twilio POST and one Graph event POST.</summary>
    public static async Task<(TimeSpan Wall, double EmailMs, double SmsMs, double GraphMs)> RunAsync(
        IReadOnlyList<BaselineMessage> messages, SmtpSink smtp, TwilioStandIn twilio, GraphStandIn? graph, int workers, bool noDelay)
    {
        using var graphClient = graph is null ? null : GraphClient(graph);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        var messagesUrl = new Uri(twilio.BaseUrl, $"2010-04-01/Accounts/{twilio.AccountSid}/Messages.json");
        var authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(twilio.AccountSid + ":" + twilio.AuthToken)));
        var queue = new ConcurrentQueue<BaselineMessage>(messages);

        long emailTicks = 0, smsTicks = 0, graphTicks = 0, emails = 0, sms = 0, events = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            using var client = new DsnSmtpClient { Timeout = 30_000 };
            while (queue.TryDequeue(out var message))
            {
                var started = Stopwatch.GetTimestamp();
                if (message.Email is { } email)
                {
                    if (!client.IsConnected)
                    {
                        if (noDelay)
                        {
                            // MailKit leaves Nagle on: the end of DATA then waits for the server's delayed ACK (40 ms).
                            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                            await socket.ConnectAsync(smtp.Host, smtp.Port);
                            await client.ConnectAsync(socket, smtp.Host, smtp.Port, SecureSocketOptions.None);
                        }
                        else
                        {
                            await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None);
                        }
                    }

                    await client.SendAsync(email);
                    Interlocked.Add(ref emailTicks, Stopwatch.GetTimestamp() - started);
                    Interlocked.Increment(ref emails);
                }
                else if (message.Event is { } calendarEvent)
                {
                    var body = await KiotaJsonSerializer.DeserializeAsync(calendarEvent.Json, Event.CreateFromDiscriminatorValue);
                    var created = await graphClient!.Users[calendarEvent.Mailbox].Events.PostAsync(body!, rc =>
                    {
                        rc.Headers.Add("Prefer", "IdType=\"ImmutableId\"");
                        rc.Headers.Add("Prefer", "outlook.timezone=\"Europe/Paris\"");
                    });
                    if (created?.Id is null)
                    {
                        throw new InvalidOperationException("No event id.");
                    }

                    Interlocked.Add(ref graphTicks, Stopwatch.GetTimestamp() - started);
                    Interlocked.Increment(ref events);
                }
                else
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, messagesUrl) { Content = new FormUrlEncodedContent(message.SmsForm!) };
                    request.Headers.Authorization = authorization;
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    request.Headers.TryAddWithoutValidation("I-Twilio-Idempotency-Token", message.IdempotencyToken);
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    response.EnsureSuccessStatusCode();
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    if (answer.RootElement.GetProperty("sid").GetString() is null)
                    {
                        throw new InvalidOperationException("No sid.");
                    }

                    Interlocked.Add(ref smsTicks, Stopwatch.GetTimestamp() - started);
                    Interlocked.Increment(ref sms);
                }
            }

            if (client.IsConnected)
            {
                await client.DisconnectAsync(quit: true);
            }
        })));
        var wall = clock.Elapsed;
        static double MeanMs(long ticks, long count) => count == 0 ? double.NaN : ticks * 1000.0 / Stopwatch.Frequency / count;
        return (wall, MeanMs(emailTicks, emails), MeanMs(smsTicks, sms), MeanMs(graphTicks, events));
    }

    /// <summary>As the connector's <c>GraphClients.Create</c>: default handlers (retry on 429/503/504), a shared transport, the base URL, a token for its host only.</summary>
    private static GraphServiceClient GraphClient(GraphStandIn graph)
    {
        var transport = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false };
        var http = GraphClientFactory.Create(GraphClientFactory.CreateDefaultHandlers(), finalHandler: transport);
        return new GraphServiceClient(http, new BaseBearerTokenAuthenticationProvider(new StaticTokenProvider(graph.AccessToken, graph.BaseUrl.Host)), graph.BaseUrl.ToString());
    }

    private sealed class StaticTokenProvider(string token, string host) : IAccessTokenProvider
    {
        public AllowedHostsValidator AllowedHostsValidator { get; } = new([host]);

        public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(AllowedHostsValidator.IsUrlHostValid(uri) ? token : string.Empty);
    }

    /// <summary>Like the hub's email connector: DSN requested for every recipient, headers only, ENVID from the Message-ID.</summary>
    private sealed class DsnSmtpClient : SmtpClient
    {
        public DsnSmtpClient() => DeliveryStatusNotificationType = DeliveryStatusNotificationType.HeadersOnly;

        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) =>
            DeliveryStatusNotification.Success | DeliveryStatusNotification.Failure | DeliveryStatusNotification.Delay;

        protected override string? GetEnvelopeId(MimeMessage message) =>
            message.MessageId is { Length: > 0 } id && id.IndexOf('@', StringComparison.Ordinal) is > 0 and var at ? id[..at] : null;
    }
}
