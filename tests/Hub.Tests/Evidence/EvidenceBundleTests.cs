using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IntegrationHub.Evidence.Bundle;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Timestamping;
using Xunit;

namespace IntegrationHub.Tests.Evidence;

/// <summary>One hub, one real send of a session to three members, its bundle exported once through the API.</summary>
public abstract class EvidenceBundleFixture : IAsyncLifetime
{
    protected abstract TestDatabase Database { get; }

    public HubApp App { get; private set; } = null!;

    public Scenario Scenario { get; private set; } = null!;

    public byte[] Bundle { get; private set; } = [];

    public async Task InitializeAsync()
    {
        App = await HubApp.StartAsync(Database);
        Scenario = await Scenario.CreateAsync(App.Admin, members: 3);
        await App.Admin.PostOkAsync($"/api/sessions/{Scenario.SessionId}/send", new { }, 202);
        await Eventually.WaitAsync(
            () => App.Admin.GetOkAsync($"/api/sessions/{Scenario.SessionId}/convocations"),
            json => json.EnumerateArray().SelectMany(c => c.GetProperty("deliveries").EnumerateArray()).Count(d => d.GetProperty("status").GetString() == "sent") >= 3,
            TimeSpan.FromSeconds(30), "3 deliveries sent");

        // The first member reads the convocation through their link and answers; the others do nothing.
        var email = Scenario.MemberEmails[0];
        var message = await Eventually.WaitAsync(
            () => Task.FromResult(App.Outbox().FirstOrDefault(m => m.To.Mailboxes.Any(x => x.Address == email))),
            m => m is not null, TimeSpan.FromSeconds(30), "the first member's convocation");
        const string LinkPrefix = "http://hub.test/convocations/";
        var token = (message!.TextBody ?? "").Split(' ', '\n')
            .First(w => w.StartsWith(LinkPrefix, StringComparison.Ordinal) && !w.Contains('#', StringComparison.Ordinal)).Trim()[LinkPrefix.Length..];
        var document = (await App.Admin.GetOkAsync($"/api/sessions/{Scenario.SessionId}/documents")).EnumerateArray().First().Id();
        using (var member = App.CreateClient(null))
        {
            // Reading is evidenced by an actual download, not by the page (a mail scanner follows page links).
            Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"/api/documents/{document}/content?t={token}")).StatusCode);
        }
        var convocation = (await App.Admin.GetOkAsync($"/api/sessions/{Scenario.SessionId}/convocations")).EnumerateArray()
            .Single(c => c.GetProperty("memberId").GetGuid() == Scenario.MemberIds[0]).GetProperty("convocationId").GetGuid();
        await App.Admin.PostOkAsync($"/api/convocations/{convocation}/answer", new { attendance = "present" }, 200);

        var response = await App.Admin.GetAsync($"/api/sessions/{Scenario.SessionId}/evidence");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Bundle = await response.Content.ReadAsByteArrayAsync();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public sealed class SqliteEvidenceBundleFixture : EvidenceBundleFixture
{
    protected override TestDatabase Database => TestDatabase.Sqlite;
}

public sealed class PostgresEvidenceBundleFixture : EvidenceBundleFixture
{
    protected override TestDatabase Database => TestDatabase.Postgres;
}

[Collection(HubHostsGroup.Name)]
public sealed class SqliteEvidenceBundleTests(SqliteEvidenceBundleFixture fixture) : EvidenceBundleTests(fixture), IClassFixture<SqliteEvidenceBundleFixture>;

[Collection(HubHostsGroup.Name)]
public sealed class PostgresEvidenceBundleTests(PostgresEvidenceBundleFixture fixture) : EvidenceBundleTests(fixture), IClassFixture<PostgresEvidenceBundleFixture>;

public abstract class EvidenceBundleTests(EvidenceBundleFixture fixture)
{
    private HubApp App => fixture.App;

    [Fact]
    public async Task SessionEvidence_RealSend_IsAZipTheVerifierAndOpenSslAccept()
    {
        var response = await App.Admin.GetAsync($"/api/sessions/{fixture.Scenario.SessionId}/evidence");
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("preuves-seance-2026-03-26.zip", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);

        var report = EvidenceBundleVerifier.Verify(new MemoryStream(fixture.Bundle));
        Assert.True(report.IsIntact, report.Verdict());
        Assert.StartsWith("Preuves intègres", report.Verdict(), StringComparison.Ordinal);
        Assert.Contains("non qualifiée", report.Verdict(), StringComparison.Ordinal);

        var files = Unzip(fixture.Bundle);
        var ledger = Lines(files["ledger.jsonl"]);
        Assert.Contains(ledger, l => l.Contains("\"type\":\"session.sent\"", StringComparison.Ordinal));
        Assert.Equal(3, ledger.Count(l => l.Contains("\"type\":\"delivery.sent\"", StringComparison.Ordinal)));

        // Every hash recomputed here, independently of the hub's verifier: SHA-256 of the line without ,"hash":"…".
        var start = JsonDocument.Parse(files["chain-start.json"]).RootElement;
        var prev = start.GetProperty("prev").GetString();
        var chain = Lines(files["chain.jsonl"]);
        Assert.Equal(start.GetProperty("seq").GetInt64(), JsonDocument.Parse(chain[0]).RootElement.GetProperty("seq").GetInt64());
        foreach (var line in chain)
        {
            var at = line.LastIndexOf(",\"hash\":\"", StringComparison.Ordinal);
            var hash = line.Substring(at + 9, 64);
            var body = string.Concat(line.AsSpan(0, at), line.AsSpan(at + 74));
            Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body))));
            Assert.Equal(prev, JsonDocument.Parse(line).RootElement.GetProperty("prev").GetString());
            prev = hash;
        }
        Assert.All(ledger, l => Assert.Contains(l, chain));

        // The real openssl on every token, with the files and the command VERIFY.md gives.
        var folder = Directory.CreateTempSubdirectory("bundle-openssl-");
        try
        {
            ZipFile.ExtractToDirectory(new MemoryStream(fixture.Bundle), folder.FullName);
            var index = JsonDocument.Parse(files["timestamps/index.json"]).RootElement;
            Assert.NotEqual(0, index.GetArrayLength());
            foreach (var anchor in index.EnumerateArray())
            {
                var headHash = anchor.GetProperty("headHash").GetString()!;
                var file = anchor.GetProperty("file").GetString()!;
                Assert.Contains($"openssl ts -verify -digest {headHash} -in {file} -token_in -CAfile tsa/root.pem -untrusted tsa/tsa.pem", files["VERIFY.md"], StringComparison.Ordinal);
                var result = await OpenSslTs.VerifyFilesAsync(
                    Path.Combine(folder.FullName, file), headHash, Path.Combine(folder.FullName, "tsa/root.pem"), Path.Combine(folder.FullName, "tsa/tsa.pem"));
                Assert.True(result.Verified, result.Output);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Attestation_TimelyMembers_SayOuiInFrench()
    {
        var html = WebUtility.HtmlDecode(Unzip(fixture.Bundle)["attestation.html"]);
        Assert.Contains("Commune de Saint-Clair-sur-Test", html, StringComparison.Ordinal);
        Assert.Contains("Date limite d'envoi\u00A0:", html, StringComparison.Ordinal);
        Assert.Contains("jeudi 26 mars 2026 à 18\u00A0h\u00A030", html, StringComparison.Ordinal);
        Assert.Equal(3, html.Split("<td>oui</td>").Length - 1);
        Assert.DoesNotContain("class=\"non\">non", html, StringComparison.Ordinal);
        Assert.Contains("non qualifiée", html, StringComparison.Ordinal);
        Assert.Contains("art. 41", html, StringComparison.Ordinal);
        var rows = html.Split("<tr>").Skip(2).ToList();
        var reader = Assert.Single(rows, r => r.Contains("Élu000", StringComparison.Ordinal));
        Assert.Contains("<td>présent</td>", reader, StringComparison.Ordinal);
        Assert.Equal(2, reader.Split("mardi 10 mars 2026 à 10\u00A0h").Length - 1); // sent and first read, Paris time
        var silent = Assert.Single(rows, r => r.Contains("Élu001", StringComparison.Ordinal));
        Assert.Contains("<td>sans réponse</td>", silent, StringComparison.Ordinal);
        Assert.Equal(1, silent.Split("mardi 10 mars 2026 à 10\u00A0h").Length - 1);
        Assert.Contains($"elu001@{fixture.Scenario.AuthorityId:N}.example.org", silent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("sh")]
    public async Task VerifyGuide_Snippets_AcceptTheBundleAndRejectAnEditedLine(string language)
    {
        var folder = Directory.CreateTempSubdirectory("bundle-guide-");
        try
        {
            ZipFile.ExtractToDirectory(new MemoryStream(fixture.Bundle), folder.FullName);
            var guide = await File.ReadAllTextAsync(Path.Combine(folder.FullName, "VERIFY.md"));
            var fence = language == "python" ? "```python\n" : "```sh\nexport LC_ALL=C";
            var start = guide.IndexOf(fence, StringComparison.Ordinal) + fence.IndexOf('\n', StringComparison.Ordinal) + 1;
            var script = guide[start..guide.IndexOf("```", start, StringComparison.Ordinal)];
            var scriptPath = Path.Combine(folder.FullName, language == "python" ? "check.py" : "check.sh");
            await File.WriteAllTextAsync(scriptPath, script);
            var interpreter = language == "python" ? "python3" : "bash";

            var intact = await RunAsync(interpreter, scriptPath, folder.FullName);
            Assert.True(intact.ExitCode == 0, intact.Output);
            Assert.DoesNotContain("ERREUR", intact.Output, StringComparison.Ordinal);

            var chainPath = Path.Combine(folder.FullName, "chain.jsonl");
            var chain = await File.ReadAllTextAsync(chainPath);
            await File.WriteAllTextAsync(chainPath, chain.Replace("Élu001", "Élu101", StringComparison.Ordinal));
            var edited = await RunAsync(interpreter, scriptPath, folder.FullName);
            Assert.Contains("ERREUR", edited.Output, StringComparison.Ordinal);
            Assert.True(language == "sh" || edited.ExitCode != 0, edited.Output); // the shell loop stops at the error without leaving the shell
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string script, string directory)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program, [script])
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public static TheoryData<string> Tamperings => ["edit-ledger", "edit-chain", "delete-ledger", "delete-chain", "swap-ledger", "swap-chain", "truncate-chain", "truncate-ledger"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void Verify_TamperedLine_FailsNamingTheFirstBrokenEntry(string tampering)
    {
        var files = Unzip(fixture.Bundle);
        var ledger = Lines(files["ledger.jsonl"]);
        var chain = Lines(files["chain.jsonl"]);
        var target = ledger[1]; // the first convocation.composed: in both files
        var targetSeq = Seq(target);
        string file;
        long expectedSeq;
        switch (tampering)
        {
            case "edit-ledger":
            case "edit-chain":
                file = tampering == "edit-ledger" ? "ledger.jsonl" : "chain.jsonl";
                var lines = file == "ledger.jsonl" ? ledger : chain;
                var i = lines.IndexOf(target);
                lines[i] = target.Replace("Élu", "Elu", StringComparison.Ordinal); // one letter of the member's name
                Assert.NotEqual(target, lines[i]);
                expectedSeq = targetSeq;
                break;
            case "delete-ledger":
                file = "ledger.jsonl";
                ledger.Remove(target);
                expectedSeq = targetSeq;
                break;
            case "delete-chain":
                file = "chain.jsonl";
                chain.Remove(target);
                expectedSeq = targetSeq + 1;
                break;
            case "swap-ledger":
                file = "ledger.jsonl";
                (ledger[1], ledger[2]) = (ledger[2], ledger[1]);
                expectedSeq = Seq(ledger[2]);
                break;
            case "swap-chain":
                file = "chain.jsonl";
                var c = chain.IndexOf(target);
                (chain[c], chain[c + 1]) = (chain[c + 1], chain[c]);
                expectedSeq = Seq(chain[c]);
                break;
            case "truncate-chain":
                file = "chain.jsonl";
                chain.RemoveRange(chain.Count - 2, 2);
                expectedSeq = Seq(chain[^1]) + 1;
                break;
            default:
                file = "ledger.jsonl";
                var removed = ledger[^1];
                ledger.RemoveAt(ledger.Count - 1);
                expectedSeq = Seq(removed);
                break;
        }
        files["ledger.jsonl"] = string.Join("\n", ledger) + "\n";
        files["chain.jsonl"] = string.Join("\n", chain) + "\n";

        var report = EvidenceBundleVerifier.Verify(new MemoryStream(Zip(files)));

        Assert.False(report.IsIntact);
        Assert.True(report.Usable);
        Assert.Equal(file, report.Failure!.File);
        Assert.Equal(expectedSeq, report.Failure.Seq);
        Assert.StartsWith("Preuves NON intègres", report.Verdict(), StringComparison.Ordinal);
        Assert.Contains($"entrée n° {expectedSeq}", report.Verdict(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TokenOfAnotherBundleOrWrongHead_Fails()
    {
        // Another session of another authority: its own chain and tokens.
        var other = await Scenario.CreateAsync(App.Admin, members: 1);
        await App.Admin.PostOkAsync($"/api/sessions/{other.SessionId}/send", new { }, 202);
        var otherBundle = await (await App.Admin.GetAsync($"/api/sessions/{other.SessionId}/evidence")).Content.ReadAsByteArrayAsync();
        var otherFiles = Unzip(otherBundle);
        var otherToken = JsonDocument.Parse(otherFiles["timestamps/index.json"]).RootElement[0].GetProperty("file").GetString()!;

        var files = Unzip(fixture.Bundle);
        var index = JsonDocument.Parse(files["timestamps/index.json"]).RootElement[0];
        var file = index.GetProperty("file").GetString()!;
        var swapped = new Dictionary<string, string>(files);
        var bytes = ZipBytes(fixture.Bundle, otherBundle, file, otherToken);
        var report = EvidenceBundleVerifier.Verify(new MemoryStream(bytes));
        Assert.False(report.IsIntact);
        Assert.Equal(file, report.Failure!.File);
        Assert.Contains("jeton d'horodatage invalide", report.Failure.Reason, StringComparison.Ordinal);

        // The index rewritten to the head the foreign token covers: the chain entry at that seq has another hash.
        var otherHead = JsonDocument.Parse(otherFiles["timestamps/index.json"]).RootElement[0].GetProperty("headHash").GetString()!;
        swapped["timestamps/index.json"] = files["timestamps/index.json"].Replace(index.GetProperty("headHash").GetString()!, otherHead, StringComparison.Ordinal);
        report = EvidenceBundleVerifier.Verify(new MemoryStream(Zip(swapped)));
        Assert.False(report.IsIntact);
        Assert.Equal("chain.jsonl", report.Failure!.File);
        Assert.Equal(index.GetProperty("seq").GetInt64(), report.Failure.Seq);
    }

    [Fact]
    public async Task SessionEvidence_TsaDown_ExportsAndSaysTheLastEntriesAreNotTimestamped()
    {
        var s = await Scenario.CreateAsync(App.Admin, members: 1);
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there any more: the TSA is down
        var put = await App.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/horodatage", new
        {
            type = "rfc3161", enabled = true, settings = new { url = $"http://127.0.0.1:{port}/tsa" },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        await App.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);

        var response = await App.Admin.GetAsync($"/api/sessions/{s.SessionId}/evidence");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await response.Content.ReadAsByteArrayAsync();
        var files = Unzip(bundle);
        Assert.Contains("pas encore horodatées", WebUtility.HtmlDecode(files["attestation.html"]), StringComparison.Ordinal);
        Assert.Contains("ne sont pas encore horodatées", files["VERIFY.md"], StringComparison.Ordinal);
        Assert.Contains("\"anchored\": false", files["manifest.json"], StringComparison.Ordinal);
        var report = EvidenceBundleVerifier.Verify(new MemoryStream(bundle));
        Assert.True(report.Usable);
        Assert.False(report.IsIntact);
        Assert.Contains("pas encore horodatées", report.Failure!.Reason, StringComparison.Ordinal);
        Assert.Equal(Seq(Lines(files["ledger.jsonl"])[^1]), report.Failure.Seq);
    }

    [Fact]
    public async Task MemberEvidence_ConvenedMember_HoldsOnlyThatMembersEntries()
    {
        var s = fixture.Scenario;
        var member = s.MemberIds[1];
        var response = await App.Admin.GetAsync($"/api/members/{member}/evidence?sessionId={s.SessionId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await response.Content.ReadAsByteArrayAsync();
        var report = EvidenceBundleVerifier.Verify(new MemoryStream(bundle));
        Assert.True(report.IsIntact, report.Verdict());

        var ledger = Lines(Unzip(bundle)["ledger.jsonl"]).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var members = ledger.Select(e => e.GetProperty("subject").TryGetProperty("member", out var m) ? m.GetGuid() : (Guid?)null).ToList();
        Assert.Contains(member, members.OfType<Guid>());
        Assert.All(members, m => Assert.True(m is null || m == member));
        Assert.Contains(ledger, e => e.GetProperty("type").GetString() == "session.sent");
        Assert.Equal(1, Unzip(bundle)["attestation.html"].Split("<td>oui</td>").Length - 1);

        Assert.Equal(HttpStatusCode.NotFound, (await App.Admin.GetAsync($"/api/members/{Guid.NewGuid()}/evidence?sessionId={s.SessionId}")).StatusCode);
        var missing = await App.Admin.GetAsync($"/api/members/{member}/evidence");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("sessionId", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionEvidence_Keys_AuditorExportsAnotherAuthorityGets404()
    {
        var s = fixture.Scenario;
        var auditorKey = (await App.Admin.PostOkAsync("/api/api-keys", new { name = "Contrôle", role = "auditor", authorityId = s.AuthorityId })).GetProperty("key").GetString();
        var other = await Scenario.CreateAsync(App.Admin, members: 1);
        var otherKey = (await App.Admin.PostOkAsync("/api/api-keys", new { name = "Autre", role = "secretariat", authorityId = other.AuthorityId })).GetProperty("key").GetString();
        using var auditor = App.CreateClient(auditorKey);
        using var stranger = App.CreateClient(otherKey);
        using var anonymous = App.CreateClient(null);

        var exported = await auditor.GetAsync($"/api/sessions/{s.SessionId}/evidence");
        Assert.Equal(HttpStatusCode.OK, exported.StatusCode);
        Assert.True(EvidenceBundleVerifier.Verify(new MemoryStream(await exported.Content.ReadAsByteArrayAsync())).IsIntact);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/sessions/{s.SessionId}/evidence")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/members/{s.MemberIds[0]}/evidence?sessionId={s.SessionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/sessions/{s.SessionId}/evidence")).StatusCode);
    }

    [Fact]
    public async Task ProgramMain_Verify_ExitCodesZeroOneTwo()
    {
        var folder = Directory.CreateTempSubdirectory("bundle-cli-");
        try
        {
            var good = Path.Combine(folder.FullName, "preuves.zip");
            await File.WriteAllBytesAsync(good, fixture.Bundle);
            var files = Unzip(fixture.Bundle);
            var chain = Lines(files["chain.jsonl"]);
            chain[0] = chain[0].Replace("\"seq\":", "\"seq\": ", StringComparison.Ordinal);
            files["chain.jsonl"] = string.Join("\n", chain) + "\n";
            var bad = Path.Combine(folder.FullName, "modifie.zip");
            await File.WriteAllBytesAsync(bad, Zip(files));
            var garbage = Path.Combine(folder.FullName, "pas-un-zip.zip");
            await File.WriteAllTextAsync(garbage, "ceci n'est pas une archive");

            // The real entry point, as `dotnet run --project src/Hub -- verify <file>` calls it.
            var main = typeof(Program).Assembly.EntryPoint!;
            Assert.Equal(0, main.Invoke(null, [new[] { "verify", good }]));
            Assert.Equal(1, main.Invoke(null, [new[] { "verify", bad }]));
            Assert.Equal(2, main.Invoke(null, [new[] { "verify", garbage }]));

            using var output = new StringWriter();
            Assert.Equal(1, EvidenceBundleCommand.Run(["verify", bad], output));
            Assert.Contains("chain.jsonl, ligne 1", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(2, EvidenceBundleCommand.Run(["verify"], TextWriter.Null));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static long Seq(string line) => JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64();

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static Dictionary<string, string> Unzip(byte[] bundle)
    {
        using var zip = new ZipArchive(new MemoryStream(bundle), ZipArchiveMode.Read);
        return zip.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return Encoding.Latin1.GetString(copy.ToArray()) is var latin && e.FullName.EndsWith(".tsr", StringComparison.Ordinal) ? latin : Encoding.UTF8.GetString(copy.ToArray());
        });
    }

    private static byte[] Zip(Dictionary<string, string> files)
    {
        var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                using var stream = zip.CreateEntry(name).Open();
                var bytes = name.EndsWith(".tsr", StringComparison.Ordinal) ? Encoding.Latin1.GetBytes(text) : new UTF8Encoding(false).GetBytes(text);
                stream.Write(bytes);
            }
        }
        return output.ToArray();
    }

    /// <summary><paramref name="bundle"/> with its file <paramref name="name"/> replaced by <paramref name="fromName"/> of <paramref name="from"/>.</summary>
    private static byte[] ZipBytes(byte[] bundle, byte[] from, string name, string fromName)
    {
        var files = Unzip(bundle);
        files[name] = Unzip(from)[fromName];
        return Zip(files);
    }
}
