using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IntegrationHub.TestSupport.Twilio;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace IntegrationHub.Bench.Dispatch;

/// <summary>One message for the baseline: an email (MIME, as the hub sent it) or an SMS (the form the hub posted).</summary>
internal sealed record BaselineMessage(MimeMessage? Email, IReadOnlyList<KeyValuePair<string, string>>? SmsForm, string? IdempotencyToken);

/// <summary>
/// The plain sender: the same messages, the same client libraries (MailKit's SmtpClient asking for DSNs like the hub's,
/// HttpClient to the Twilio API with the same form body and headers), the same number of concurrent senders as the
/// hub's workers. No database, no jobs, no evidence: each worker takes the next message and sends it. With
/// <c>noDelay</c>, its SMTP connections set TCP_NODELAY, which MailKit's <c>ConnectAsync(host, port)</c> (and so the
/// hub) does not.
/// </summary>
internal static class Baseline
{
    /// <summary>Runs the messages; returns the wall time and the mean time of one SMTP send and one Twilio POST.</summary>
    public static async Task<(TimeSpan Wall, double EmailMs, double SmsMs)> RunAsync(IReadOnlyList<BaselineMessage> messages, SmtpSink smtp, TwilioStandIn twilio, int workers, bool noDelay)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        var messagesUrl = new Uri(twilio.BaseUrl, $"2010-04-01/Accounts/{twilio.AccountSid}/Messages.json");
        var authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(twilio.AccountSid + ":" + twilio.AuthToken)));
        var queue = new ConcurrentQueue<BaselineMessage>(messages);

        long emailTicks = 0, smsTicks = 0, emails = 0, sms = 0;
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
        return (wall, MeanMs(emailTicks, emails), MeanMs(smsTicks, sms));
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
