using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using Xunit;

namespace IntegrationHub.Tests.Validation;

/// <summary>
/// A real circuit (templates, outbox, notice job) with the hub's own notifiers: the card reaches the Teams stand-in, the
/// email reaches the approver over SMTP, and the approver's code-proven decision advances the circuit.
/// </summary>
public abstract class ApproverEndToEndTests(TestDatabase database) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private ApproverTestbed _bed = null!;

    public async Task InitializeAsync() => _bed = await ApproverTestbed.StartAsync(standInCircuits: false, database);

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private async Task<JsonElement> StartCircuitAsync()
    {
        var template = await _bed.App.Admin.PostOkAsync($"/api/authorities/{_bed.Scenario.AuthorityId}/validation-templates", new
        {
            name = "Circuit du conseil",
            steps = new object[]
            {
                new { name = "Direction générale", rule = "any", approvers = new[] { ApproverTestbed.Dgs } },
                new { name = "Maire", rule = "any", approvers = new[] { ApproverTestbed.Maire }, deadline = "P2D" },
            },
        });
        return await _bed.App.Admin.PostOkAsync($"/api/sessions/{_bed.Scenario.SessionId}/validation", new { templateId = template.Id() });
    }

    private Task<JsonElement> StateAsync() => _bed.App.Admin.GetOkAsync($"/api/sessions/{_bed.Scenario.SessionId}/validation");

    private static IEnumerable<JsonElement> Notices(JsonElement state, string channel) =>
        state.GetProperty("notices").EnumerateArray().Where(n => n.GetProperty("channel").GetString() == channel);

    private static string Texts(JsonObject message) => string.Join(" | ",
        message["attachments"]![0]!["content"]!["body"]!.AsArray().Where(b => (string?)b!["type"] == "TextBlock").Select(b => (string)b!["text"]!));

    [Fact]
    public async Task Circuit_CardThrottledThenPosted_ApproverDecidesWithTheirCode_TheCircuitAdvances()
    {
        _bed.Teams.FailNext(1, status: 429);
        await StartCircuitAsync();

        var state = await Eventually.WaitAsync(StateAsync, s => Notices(s, "teams").Any(n => n.GetProperty("status").GetString() == "sent"), Wait, "the first card posted");
        var teamsNotice = Notices(state, "teams").Single();
        Assert.Equal(2, teamsNotice.GetProperty("attempts").GetInt32());
        Assert.Equal([429, 202], _bed.Teams.Requests.Select(r => r.Status));
        var firstCard = Texts(_bed.Teams.AcceptedCards[0]);
        Assert.True(firstCard.StartsWith("Validation demandée | Conseil municipal — séance du jeudi 26 mars 2026 à 18\u00A0h\u00A030", StringComparison.Ordinal), firstCard);
        var email = ApproverTestbed.Mime(Assert.Single(await _bed.Smtp.WaitForMessagesAsync(1, Wait)));
        Assert.Contains("Étape 1/2 — Direction générale", email.TextBody, StringComparison.Ordinal);

        // The mayor opens the forwarded link: no code for them on this step, and nothing they type decides it.
        using var mayor = _bed.App.CreateClient(key: null);
        var path = ApproverTestbed.LinkIn(email, "Valider");
        var mayorPage = WebUtility.HtmlDecode(await mayor.GetStringAsync(path));
        var mayorAsked = await mayor.PostAsync(path + "/code", ApproverTestbed.Form(mayorPage, ("email", ApproverTestbed.Maire)));
        Assert.Equal(HttpStatusCode.OK, mayorAsked.StatusCode);

        using var dgs = _bed.App.CreateClient(key: null);
        var page = WebUtility.HtmlDecode(await dgs.GetStringAsync(path));
        Assert.Contains("Budget primitif 2026", page, StringComparison.Ordinal);
        var asked = await dgs.PostAsync(path + "/code", ApproverTestbed.Form(page, ("email", ApproverTestbed.Dgs)));
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var codeMessage = (await _bed.Smtp.WaitForMessagesAsync(2, Wait))[1];
        Assert.Equal([ApproverTestbed.Dgs], ApproverTestbed.Recipients(codeMessage));
        var decided = await dgs.PostAsync(path, ApproverTestbed.Form(page, ("email", ApproverTestbed.Dgs), ("code", ApproverTestbed.CodeIn(ApproverTestbed.Mime(codeMessage))), ("decision", "approve")));
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);

        state = await StateAsync();
        Assert.Equal(["approved", "pending"], state.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));
        var decision = Assert.Single(state.GetProperty("history").EnumerateArray());
        Assert.Equal(ApproverTestbed.Dgs, decision.GetProperty("approver").GetString());
        Assert.Equal("otp", decision.GetProperty("proof").GetString());
        await Eventually.WaitAsync(() => Task.FromResult(_bed.Teams.AcceptedCards.Count), n => n == 3, Wait, "the follow-up card and the next step's card");
        var cards = _bed.Teams.AcceptedCards.Skip(1).Select(Texts).ToList();
        Assert.Contains(cards, t => t.Contains("Validé par dgs@mairie-saint-clair.fr le mardi 10 mars 2026", StringComparison.Ordinal));
        Assert.Contains(cards, t => t.StartsWith("Validation demandée", StringComparison.Ordinal));
        var next = ApproverTestbed.Mime((await _bed.Smtp.WaitForMessagesAsync(3, Wait))[2]);
        Assert.Contains("Étape 2/2 — Maire", next.TextBody, StringComparison.Ordinal);
        Assert.Equal([ApproverTestbed.Maire], ApproverTestbed.Recipients(_bed.Smtp.Messages[2]));
    }

    [Fact]
    public async Task Notice_TeamsFlowGone_FailsAtOnceWithItsReason_AndTheSignatureNowhere()
    {
        _bed.Teams.FailNext(10, status: 404);
        await StartCircuitAsync();

        var state = await Eventually.WaitAsync(StateAsync, s => Notices(s, "teams").Any(n => n.GetProperty("status").GetString() == "failed"), Wait, "the card given up");
        var notice = Notices(state, "teams").Single();
        Assert.Equal(1, notice.GetProperty("attempts").GetInt32());
        Assert.Contains("HTTP 404", notice.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_bed.Teams.Signature, state.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(_bed.App.Logs.Lines, l => l.Contains(_bed.Teams.Signature, StringComparison.Ordinal));
        Assert.Single(_bed.Teams.Requests);
    }
}

[Collection(HubHostsGroup.Name)]
public sealed class ApproverEndToEndSqliteTests() : ApproverEndToEndTests(TestDatabase.Sqlite);

[Collection(HubHostsGroup.Name)]
public sealed class ApproverEndToEndPostgresTests() : ApproverEndToEndTests(TestDatabase.Postgres);
