using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IntegrationHub.TestSupport.Graph;
using IntegrationHub.TestSupport.Twilio;

namespace IntegrationHub.Bench.Dispatch;

/// <summary>
/// Builds the authorities through the hub's public API, sends their sessions, and watches the dispatch. Its authorities
/// are numbered from <paramref name="firstIndex"/> (the warm-up's follow the measured ones: own addresses and mailboxes).
/// </summary>
internal sealed class HubDriver(HttpClient client, BenchOptions options, int firstIndex = 0)
{
    private static readonly TimeProvider Clock = TimeProvider.System;
    private static int _siren;

    public List<Guid> Sessions { get; } = [];

    /// <summary>The organiser mailbox of authority <paramref name="index"/> (the Graph stand-in must know it).</summary>
    public static string OrganizerMailbox(int index) => string.Create(CultureInfo.InvariantCulture, $"secretariat.c{index:0000}@bench.example.org");

    /// <summary>
    /// N authorities, each: an assembly, M members in office (CSV import), an email and a Twilio connector, a Microsoft
    /// 365 connector when <paramref name="graph"/> is given (its own organiser mailbox), a session.
    /// </summary>
    public async Task SetupAsync(SmtpSink smtp, TwilioStandIn twilio, GraphStandIn? graph)
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Clock.GetUtcNow(), paris).DateTime);
        var startsAt = today.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T18:30";
        var seatsFrom = today.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var sessions = new Guid[options.Authorities];
        using var gate = new SemaphoreSlim(options.SetupParallelism);
        var tasks = Enumerable.Range(0, options.Authorities).Select(async index =>
        {
            await gate.WaitAsync();
            try
            {
                sessions[index] = await SetupAuthorityAsync(firstIndex + index, smtp, twilio, graph, startsAt, seatsFrom);
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);
        Sessions.AddRange(sessions);
    }

    /// <summary>Sends every session at once; returns the number of deliveries the hub reported.</summary>
    public async Task<int> SendAllAsync()
    {
        var results = await Task.WhenAll(Sessions.Select(async id =>
        {
            var answer = await PostAsync($"api/sessions/{id}/send", null, 202);
            return answer.GetProperty("deliveries").ValueKind == JsonValueKind.Number
                ? answer.GetProperty("deliveries").GetInt32()
                : answer.GetProperty("deliveries").GetArrayLength();
        }));
        return results.Sum();
    }

    /// <summary>
    /// Checks each session once (sessions already confirmed are skipped): every delivery <c>sent</c>. Returns whether
    /// all are, and the latest <c>sentAt</c> the hub recorded.
    /// </summary>
    public async Task<(bool AllSent, DateTimeOffset LastSentAt, int NotSent)> CheckSentAsync(HashSet<Guid> confirmed, DateTimeOffset lastSentAt)
    {
        var notSent = 0;
        foreach (var id in Sessions.Where(id => !confirmed.Contains(id)))
        {
            var convocations = await GetAsync($"api/sessions/{id}/convocations");
            var pending = 0;
            foreach (var convocation in convocations.EnumerateArray())
            {
                foreach (var delivery in convocation.GetProperty("deliveries").EnumerateArray())
                {
                    var status = delivery.GetProperty("status").GetString();
                    if (status is "failed")
                    {
                        throw new InvalidOperationException($"A delivery failed: {delivery}");
                    }

                    if (status is "sent" or "delivered" && delivery.GetProperty("sentAt").GetDateTimeOffset() is var sentAt)
                    {
                        lastSentAt = sentAt > lastSentAt ? sentAt : lastSentAt;
                    }
                    else
                    {
                        pending++;
                    }
                }
            }

            if (pending == 0)
            {
                confirmed.Add(id);
            }

            notSent += pending;
        }

        return (notSent == 0, lastSentAt, notSent);
    }

    /// <summary>Waits until the stand-ins hold <paramref name="expected"/> messages, then until the hub records every delivery sent.</summary>
    public async Task WaitAllSentAsync(Func<int> received, int expected, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        var confirmed = new HashSet<Guid>();
        while (received() < expected || !(await CheckSentAsync(confirmed, DateTimeOffset.MinValue)).AllSent)
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Not done within {timeout}: {received()}/{expected} messages at the stand-ins."));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), Clock);
        }
    }

    /// <summary>Times one <c>GET /api/sessions/{id}/convocations</c>, in milliseconds.</summary>
    public async Task<double> TimeConvocationsAsync(Guid session)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(new Uri($"api/sessions/{session}/convocations", UriKind.Relative));
        await response.Content.ReadAsByteArrayAsync();
        response.EnsureSuccessStatusCode();
        return clock.Elapsed.TotalMilliseconds;
    }

    private async Task<Guid> SetupAuthorityAsync(int index, SmtpSink smtp, TwilioStandIn twilio, GraphStandIn? graph, string startsAt, string seatsFrom)
    {
        var authority = Id(await PostAsync("api/authorities", new
        {
            // GSM-7 characters only: a name with « ° » or « ô » makes the SMS alert UCS-2, and the hub then refuses it
            // for good as longer than two parts (see bench/README.md).
            name = string.Create(CultureInfo.InvariantCulture, $"Commune de Banc-d'Essai {index + 1}"),
            kind = "commune",
            population = 4200,
            siren = NextSiren(),
            departmentCode = "34",
        }));
        var assembly = Id(await PostAsync($"api/authorities/{authority}/assemblies", new { name = "Conseil municipal", kind = "council" }));

        var csv = new StringBuilder("prénom;nom;courriel;portable\n");
        for (var m = 0; m < options.Members; m++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"Élu{m:000};Conseiller;elu{m:000}.c{index:0000}@bench.example.org;+336{index:0000}{m:0000}\n");
        }

        using (var content = new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"))
        {
            var report = await SendAsync(HttpMethod.Post, $"api/authorities/{authority}/members/import", content, 200);
            if (report.GetProperty("rejected").GetInt32() != 0)
            {
                throw new InvalidOperationException($"Member import rejected lines: {report}");
            }
        }

        var members = (await GetAsync($"api/authorities/{authority}/members")).EnumerateArray().Select(Id).ToList();
        await SendJsonAsync(HttpMethod.Put, $"api/assemblies/{assembly}/seats", members.Select(id => new { memberId = id, from = seatsFrom }), 200);
        await SendJsonAsync(HttpMethod.Put, $"api/authorities/{authority}/connectors/email", new
        {
            type = "email",
            enabled = true,
            settings = new { host = smtp.Host, port = smtp.Port, security = "none", senderAddress = "convocations@bench.example.org", senderName = "Mairie" },
        }, 200);
        await SendJsonAsync(HttpMethod.Put, $"api/authorities/{authority}/connectors/sms", new
        {
            type = "twilio",
            enabled = true,
            settings = new { accountSid = twilio.AccountSid, from = "+33644000000", baseUrl = twilio.BaseUrl.ToString() },
            secrets = new { authToken = twilio.AuthToken },
        }, 200);
        if (graph is not null)
        {
            // Members have an email address: each is an attendee of the session's one event (a calendar delivery each).
            // A static token: allowed because the stand-in is not a Microsoft host.
            await SendJsonAsync(HttpMethod.Put, $"api/authorities/{authority}/connectors/m365", new
            {
                type = "microsoft365",
                enabled = true,
                settings = new { organizerMailbox = OrganizerMailbox(index), graphBaseUrl = graph.BaseUrl.ToString(), credentialKind = "staticToken" },
                secrets = new { staticToken = graph.AccessToken },
            }, 200);
        }

        var session = await PostAsync($"api/assemblies/{assembly}/sessions", new
        {
            startsAt,
            place = "Salle du conseil, mairie",
            items = new[] { new { title = "Budget primitif", rapporteur = "M. le Maire" }, new { title = "Subvention à l'école de musique", rapporteur = "Mme l'adjointe" } },
        });
        var sessionId = Id(session);
        if (session.GetProperty("rule").GetProperty("synthesisNoteRequired").GetBoolean())
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent("synthesisNote"), "kind" },
                { new ByteArrayContent(Pdf), "file", "note-de-synthese.pdf" },
            };
            await SendAsync(HttpMethod.Post, $"api/sessions/{sessionId}/documents", form, 201);
        }

        return sessionId;
    }

    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes(
        "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% Note explicative de synthese\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    private static Guid Id(JsonElement element) => element.GetProperty("id").GetGuid();

    private Task<JsonElement> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null, 200);

    private Task<JsonElement> PostAsync(string path, object? body, int expected = 201) => SendJsonAsync(HttpMethod.Post, path, body, expected);

    private async Task<JsonElement> SendJsonAsync(HttpMethod method, string path, object? body, int expected)
    {
        using var content = body is null ? null : JsonContent.Create(body);
        return await SendAsync(method, path, content, expected);
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content, int expected)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != expected && !(expected == 201 && (int)response.StatusCode == 200))
        {
            throw new InvalidOperationException($"{method} {path} → {(int)response.StatusCode}, expected {expected}: {text}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A valid SIREN (Luhn), different on each call.</summary>
    private static string NextSiren()
    {
        var body = (210000000 + Interlocked.Increment(ref _siren) * 10).ToString(CultureInfo.InvariantCulture)[..8];
        for (var check = 0; check <= 9; check++)
        {
            var candidate = body + check.ToString(CultureInfo.InvariantCulture);
            if (Luhn(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    private static bool Luhn(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return sum % 10 == 0;
    }
}
