using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IntegrationHub.Convocations;
using IntegrationHub.Tests.Api;
using IntegrationHub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Convocations;

[Collection(HubHostsGroup.Name)]
public sealed class SqliteProxyAnswerTests(HubAppFixture<SqliteEngine> fixture) : ProxyAnswerTests(fixture.App), IClassFixture<HubAppFixture<SqliteEngine>>;

[Collection(HubHostsGroup.Name)]
public sealed class PostgresProxyAnswerTests(HubAppFixture<PostgresEngine> fixture) : ProxyAnswerTests(fixture.App), IClassFixture<HubAppFixture<PostgresEngine>>;

/// <summary>CGCT L2121-20: one proxy per holder, and the holder must attend for the proxy to count (LEGAL.md §4).</summary>
public abstract class ProxyAnswerTests(HubApp app)
{
    private HttpClient Client => app.Admin;

    [Fact]
    public async Task Answer_ConcurrentProxiesToSameHolder_OnlyOneIsAccepted()
    {
        var (s, convocations) = await SentSessionAsync(members: 9);
        var holder = s.MemberIds[0];
        var principals = s.MemberIds.Skip(1).ToList();

        var responses = await Task.WhenAll(principals.Select(p =>
            Client.PostAsJsonAsync($"/api/convocations/{convocations[p]}/answer", new { attendance = "proxy", proxyHolderMemberId = holder })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Equal("holder-already-holds-proxy", (await refused.ReadJsonAsync()).GetProperty("rule").GetString());
        }
        var list = await Client.GetOkAsync($"/api/sessions/{s.SessionId}/convocations");
        Assert.Single(list.EnumerateArray(), c => c.GetProperty("answer").ValueKind == JsonValueKind.Object
            && c.GetProperty("answer").GetProperty("attendance").GetString() == "proxy");
        Assert.Equal(1, (await Client.GetOkAsync($"/api/sessions/{s.SessionId}/quorum")).GetProperty("proxies").GetInt32());
    }

    [Fact]
    public async Task InsertAsync_SecondProxyToSameHolderPastTheChecks_IsRefusedByTheDatabase()
    {
        var (s, convocations) = await SentSessionAsync(members: 3);
        var store = app.Services.GetRequiredService<AnswerStore>();
        Answer Proxy(Guid principal) => new()
        {
            Id = Guid.CreateVersion7(), AuthorityId = s.AuthorityId, SessionId = s.SessionId, ConvocationId = convocations[principal],
            MemberId = principal, Attendance = Attendance.Proxy, ProxyHolderMemberId = s.MemberIds[0], Source = "secretariat",
            RecordedAt = HubApp.DefaultNow,
        };

        Assert.Equal(AnswerWrite.Recorded, await store.InsertAsync(Proxy(s.MemberIds[1]), CancellationToken.None));
        Assert.Equal(AnswerWrite.HolderAlreadyHoldsProxy, await store.InsertAsync(Proxy(s.MemberIds[2]), CancellationToken.None));

        Assert.Empty(await store.HistoryAsync(convocations[s.MemberIds[2]], CancellationToken.None));
        // Revoking frees the holder: the principal answers present, then another colleague may give the proxy.
        var present = Proxy(s.MemberIds[1]);
        present.Id = Guid.CreateVersion7();
        present.Attendance = Attendance.Present;
        present.ProxyHolderMemberId = null;
        Assert.Equal(AnswerWrite.Recorded, await store.InsertAsync(present, CancellationToken.None));
        Assert.Equal(AnswerWrite.Recorded, await store.InsertAsync(Proxy(s.MemberIds[2]), CancellationToken.None));
    }

    [Fact]
    public async Task Answer_HolderThenAnswersAbsent_IsRecordedWithWarningAndTheProxyIsVoidUntilTheyComeBack()
    {
        var (s, convocations) = await SentSessionAsync(members: 3);
        var (holder, principal) = (s.MemberIds[0], s.MemberIds[1]);
        await Client.PostOkAsync($"/api/convocations/{convocations[principal]}/answer", new { attendance = "proxy", proxyHolderMemberId = holder }, 200);

        var absent = await Client.PostOkAsync($"/api/convocations/{convocations[holder]}/answer", new { attendance = "absent" }, 200);

        Assert.Equal("absent", absent.GetProperty("attendance").GetString());
        var warning = absent.GetProperty("warning").GetString();
        Assert.Contains("Élu001 Conseiller", warning, StringComparison.Ordinal);
        Assert.Contains("L2121-20", warning, StringComparison.Ordinal);
        var quorum = await Client.GetOkAsync($"/api/sessions/{s.SessionId}/quorum");
        Assert.Equal(0, quorum.GetProperty("proxies").GetInt32());
        Assert.Equal(2, quorum.GetProperty("absent").GetInt32());
        var voidProxy = quorum.GetProperty("voidProxies").EnumerateArray().Single();
        Assert.Equal(principal, voidProxy.GetProperty("principalMemberId").GetGuid());
        Assert.Contains("a indiqué ne pas être présent", voidProxy.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(await ProxyVoidAsync(s, principal));
        Assert.Contains("ne pourra pas être exercé", await PageAsync(convocations[principal]), StringComparison.Ordinal);
        Assert.Contains("Vous détenez le pouvoir de Élu001 Conseiller, mais", await PageAsync(convocations[holder]), StringComparison.Ordinal);

        var back = await Client.PostOkAsync($"/api/convocations/{convocations[holder]}/answer", new { attendance = "present" }, 200);

        Assert.Equal(JsonValueKind.Null, back.GetProperty("warning").ValueKind);
        quorum = await Client.GetOkAsync($"/api/sessions/{s.SessionId}/quorum");
        Assert.Equal(1, quorum.GetProperty("proxies").GetInt32());
        Assert.Empty(quorum.GetProperty("voidProxies").EnumerateArray());
        Assert.False(await ProxyVoidAsync(s, principal));
    }

    [Fact]
    public async Task MemberPage_HolderGivesTheirOwnProxy_IsToldTheProxyTheyHoldIsLost()
    {
        var (s, convocations) = await SentSessionAsync(members: 3);
        var (holder, principal) = (s.MemberIds[0], s.MemberIds[1]);
        await Client.PostOkAsync($"/api/convocations/{convocations[principal]}/answer", new { attendance = "proxy", proxyHolderMemberId = holder }, 200);
        using var browser = app.CreateClient(null);

        var page = await browser.PostAsync($"/convocations/{Token(convocations[holder])}/answer", new FormUrlEncodedContent(
            [new("attendance", "proxy"), new("proxyHolderMemberId", s.MemberIds[2].ToString())]));

        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Votre réponse est enregistrée. Vous détenez le pouvoir de Élu001 Conseiller", html, StringComparison.Ordinal);
        Assert.True(await ProxyVoidAsync(s, principal));
    }

    private async Task<(Scenario Scenario, Dictionary<Guid, Guid> Convocations)> SentSessionAsync(int members)
    {
        var s = await Scenario.CreateAsync(Client, members);
        await Client.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var convocations = (await Client.GetOkAsync($"/api/sessions/{s.SessionId}/convocations")).EnumerateArray()
            .ToDictionary(c => c.GetProperty("memberId").GetGuid(), c => c.GetProperty("convocationId").GetGuid());
        return (s, convocations);
    }

    private async Task<bool> ProxyVoidAsync(Scenario s, Guid memberId) =>
        (await Client.GetOkAsync($"/api/sessions/{s.SessionId}/convocations")).EnumerateArray()
            .Single(c => c.GetProperty("memberId").GetGuid() == memberId).GetProperty("answer").GetProperty("proxyVoid").GetBoolean();

    private string Token(Guid convocationId) =>
        app.Services.GetRequiredService<MemberLinks>().CreateAnswerToken(convocationId, HubApp.DefaultNow.AddDays(60));

    private async Task<string> PageAsync(Guid convocationId)
    {
        using var browser = app.CreateClient(null);
        var page = await browser.GetAsync($"/convocations/{Token(convocationId)}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return await page.Content.ReadAsStringAsync();
    }
}
