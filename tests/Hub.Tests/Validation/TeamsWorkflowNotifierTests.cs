using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.Validation;
using Xunit;

namespace IntegrationHub.Tests.Validation;

/// <summary>Cards posted to the Teams Workflows stand-in by the hub's notifier, with the authority's connector set through the API.</summary>
[Collection(HubHostsGroup.Name)]
public sealed class TeamsWorkflowNotifierTests : IAsyncLifetime
{
    private ApproverTestbed _bed = null!;

    public async Task InitializeAsync() => _bed = await ApproverTestbed.StartAsync(standInCircuits: true);

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private static ValidationNotice Notice(string kind, ValidationStepView step, ValidationDecisionView? decision = null) => new(Guid.NewGuid(), kind, step, decision);

    /// <summary>Checks each Action.OpenUrl resolves to the step and the decision its title says, then blanks the URL for an exact comparison.</summary>
    private JsonObject WithLinksChecked(JsonObject message, Guid stepId)
    {
        foreach (var action in message["attachments"]![0]!["content"]!["actions"]!.AsArray())
        {
            var url = new Uri((string)action!["url"]!);
            Assert.Equal("hub.test", url.Host);
            var resolved = _bed.Links.Resolve(url.AbsolutePath.Split('/').Last());
            Assert.NotNull(resolved);
            Assert.Equal(stepId, resolved.StepId);
            Assert.Equal((string)action["title"]! switch { "Valider" => LinkedDecision.Approve, "Refuser" => LinkedDecision.Reject, _ => LinkedDecision.View }, resolved.Decision);
            action["url"] = "(signed)";
        }
        return message;
    }

    [Fact]
    public async Task NotifyAsync_StepOpened_PostsTheExactAdaptiveCardWithSignedOpenUrlButtons()
    {
        var step = _bed.Step();
        var teams = _bed.Notifier("teams");
        Assert.True(await teams.IsConfiguredAsync(step.AuthorityId, CancellationToken.None));

        await teams.NotifyAsync(Notice(ValidationNoticeKinds.StepOpened, step), CancellationToken.None);

        var request = Assert.Single(_bed.Teams.Requests);
        Assert.Equal(202, request.Status);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        var expected = JsonNode.Parse("""
            {
              "type": "message",
              "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                  "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                  "type": "AdaptiveCard",
                  "version": "1.4",
                  "lang": "fr",
                  "body": [
                    { "type": "TextBlock", "text": "Validation demandée", "wrap": true, "weight": "Bolder", "size": "Medium" },
                    { "type": "TextBlock", "text": "Conseil municipal du 26 mars 2026", "wrap": true, "weight": "Bolder" },
                    { "type": "FactSet", "facts": [
                      { "title": "Étape", "value": "Étape 2/3 — Directeur général des services" },
                      { "title": "Version du dossier", "value": "1" },
                      { "title": "En attente de", "value": "dgs@mairie-saint-clair.fr, maire@mairie-saint-clair.fr" },
                      { "title": "Règle", "value": "la décision d'un seul valideur suffit" },
                      { "title": "Échéance", "value": "jeudi 12 mars 2026 à 18\u00A0h" }
                    ] }
                  ],
                  "actions": [
                    { "type": "Action.OpenUrl", "title": "Valider", "url": "(signed)", "style": "positive" },
                    { "type": "Action.OpenUrl", "title": "Refuser", "url": "(signed)", "style": "destructive" },
                    { "type": "Action.OpenUrl", "title": "Voir le dossier", "url": "(signed)" }
                  ]
                }
              }]
            }
            """);
        var actual = WithLinksChecked(request.Json!, step.StepId);
        Assert.True(JsonNode.DeepEquals(expected, actual), actual.ToJsonString());
    }

    [Fact]
    public async Task NotifyAsync_StepDecided_FollowUpCardSaysWhoDecidedAndHasNoDecisionButtonsOnceClosed()
    {
        var at = new DateTimeOffset(2026, 3, 11, 8, 5, 0, TimeSpan.Zero);
        var teams = _bed.Notifier("teams");

        await teams.NotifyAsync(Notice(ValidationNoticeKinds.StepDecided, _bed.Step(state: "approved", pending: []),
            new ValidationDecisionView(ApproverTestbed.Dgs, "approve", null, null, at, "otp")), CancellationToken.None);
        await teams.NotifyAsync(Notice(ValidationNoticeKinds.StepDecided, _bed.Step(state: "rejected", pending: []),
            new ValidationDecisionView(ApproverTestbed.Maire, "reject", "Le rapport sur la subvention manque.", null, at, "otp")), CancellationToken.None);
        var delegated = _bed.Step(pending: ["adjoint@mairie-saint-clair.fr"]);
        await teams.NotifyAsync(Notice(ValidationNoticeKinds.StepDecided, delegated,
            new ValidationDecisionView(ApproverTestbed.Maire, "delegate", null, "adjoint@mairie-saint-clair.fr", at, "otp")), CancellationToken.None);
        await teams.NotifyAsync(Notice(ValidationNoticeKinds.CircuitFinished, _bed.Step(state: "approved", pending: []) with { CircuitState = "approved" }), CancellationToken.None);

        var cards = _bed.Teams.AcceptedCards.Select(c => c["attachments"]![0]!["content"]!).ToList();
        Assert.Equal(4, cards.Count);
        string Texts(JsonNode card) => string.Join(" | ", card["body"]!.AsArray().Where(b => (string?)b!["type"] == "TextBlock").Select(b => (string)b!["text"]!));
        string Buttons(JsonNode card) => string.Join(",", card["actions"]!.AsArray().Select(a => (string)a!["title"]!));
        Assert.Equal("Décision enregistrée | Conseil municipal du 26 mars 2026 | Validé par dgs@mairie-saint-clair.fr le mercredi 11 mars 2026 à 9\u00A0h\u00A005", Texts(cards[0]));
        Assert.Equal("Voir le dossier", Buttons(cards[0]));
        Assert.Equal("Décision enregistrée | Conseil municipal du 26 mars 2026 | Refusé par maire@mairie-saint-clair.fr\u00A0: Le rapport sur la subvention manque.", Texts(cards[1]));
        Assert.Equal("Attention", (string?)cards[1]["body"]![2]!["color"]);
        Assert.Equal("Décision enregistrée | Conseil municipal du 26 mars 2026 | Délégué par maire@mairie-saint-clair.fr à adjoint@mairie-saint-clair.fr", Texts(cards[2]));
        Assert.Equal("Valider,Refuser,Voir le dossier", Buttons(cards[2]));
        WithLinksChecked(_bed.Teams.AcceptedCards[2], delegated.StepId);
        Assert.Equal("Circuit de validation terminé | Conseil municipal du 26 mars 2026 | Le dossier est validé\u00A0: toutes les étapes du circuit sont approuvées.", Texts(cards[3]));
    }

    [Fact]
    public async Task NotifyAsync_429ThenServerError_ThrowsTransientWithRetryAfter_ThenPostsOnceRecovered()
    {
        var teams = _bed.Notifier("teams");
        var notice = Notice(ValidationNoticeKinds.StepReminder, _bed.Step());
        _bed.Teams.FailNext(1, status: 429, retryAfterSeconds: 7);

        var throttled = await Assert.ThrowsAsync<TransientDeliveryException>(() => teams.NotifyAsync(notice, CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(7), throttled.RetryAfter);
        _bed.Teams.FailNext(1, status: 500);
        await Assert.ThrowsAsync<TransientDeliveryException>(() => teams.NotifyAsync(notice, CancellationToken.None));
        await teams.NotifyAsync(notice, CancellationToken.None);

        Assert.Equal([429, 500, 202], _bed.Teams.Requests.Select(r => r.Status));
        Assert.Equal("Rappel\u00A0: validation attendue", (string?)_bed.Teams.AcceptedCards.Single()["attachments"]![0]!["content"]!["body"]![0]!["text"]);
    }

    [Fact]
    public async Task NotifyAsync_FlowRefusesTheRequest_ThrowsPermanentNamingTheStatusButNeverTheSignature()
    {
        var teams = _bed.Notifier("teams");
        _bed.Teams.FailNext(1, status: 404);

        var refused = await Assert.ThrowsAsync<PermanentDeliveryException>(() => teams.NotifyAsync(Notice(ValidationNoticeKinds.StepOpened, _bed.Step()), CancellationToken.None));

        Assert.Contains("HTTP 404", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_bed.Teams.Signature, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowUrl_NeverInTheConnectorApiNorInTheLogs()
    {
        await _bed.Notifier("teams").NotifyAsync(Notice(ValidationNoticeKinds.StepOpened, _bed.Step()), CancellationToken.None);
        _bed.Teams.FailNext(1, status: 500);
        await Assert.ThrowsAsync<TransientDeliveryException>(() => _bed.Notifier("teams").NotifyAsync(Notice(ValidationNoticeKinds.StepOpened, _bed.Step()), CancellationToken.None));

        var listed = await (await _bed.App.Admin.GetAsync($"/api/authorities/{_bed.Scenario.AuthorityId}/connectors")).Content.ReadAsStringAsync();
        var instance = System.Text.Json.JsonDocument.Parse(listed).RootElement.GetProperty("instances").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "m365");
        Assert.Equal("********", instance.GetProperty("secrets").GetProperty("teamsWorkflowUrl").GetString());
        Assert.False(instance.GetProperty("settings").TryGetProperty("teamsWorkflowUrl", out _));
        Assert.DoesNotContain(_bed.Teams.Signature, listed, StringComparison.Ordinal);
        Assert.Contains(_bed.App.Logs.Lines, l => l.Contains("Teams card posted", StringComparison.Ordinal));
        Assert.DoesNotContain(_bed.App.Logs.Lines, l => l.Contains(_bed.Teams.Signature, StringComparison.Ordinal) || l.Contains("/triggers/manual/paths/invoke", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WorkflowUrl_GivenAmongSettingsAsTheIssueListsIt_IsKeptAsASecretAndUsed()
    {
        var put = await _bed.App.Admin.PutAsJsonAsync($"/api/authorities/{_bed.Scenario.AuthorityId}/connectors/m365", new
        {
            type = "microsoft365",
            enabled = true,
            settings = new
            {
                organizerMailbox = "secretariat@mairie-saint-clair.fr", graphBaseUrl = "http://127.0.0.1:9/v1.0", credentialKind = "staticToken",
                teamsWorkflowUrl = _bed.Teams.WorkflowUrl.AbsoluteUri,
            },
            secrets = new { staticToken = FakeSecrets.Token("graph") },
        });
        var saved = await put.Content.ReadAsStringAsync();
        Assert.True(put.IsSuccessStatusCode, saved);

        var instance = System.Text.Json.JsonDocument.Parse(saved).RootElement;
        Assert.Equal("********", instance.GetProperty("secrets").GetProperty("teamsWorkflowUrl").GetString());
        Assert.False(instance.GetProperty("settings").TryGetProperty("teamsWorkflowUrl", out _));
        Assert.DoesNotContain(_bed.Teams.Signature, saved, StringComparison.Ordinal);
        await _bed.Notifier("teams").NotifyAsync(Notice(ValidationNoticeKinds.StepOpened, _bed.Step()), CancellationToken.None);
        Assert.Single(_bed.Teams.AcceptedCards);
    }

    [Fact]
    public async Task IsConfiguredAsync_WithoutWorkflowUrlOrWithTheConnectorDisabled_IsFalse()
    {
        var teams = _bed.Notifier("teams");
        var other = await Scenario.CreateAsync(_bed.App.Admin, members: 1);
        Assert.False(await teams.IsConfiguredAsync(other.AuthorityId, CancellationToken.None));

        var put = await _bed.App.Admin.PutAsJsonAsync($"/api/authorities/{_bed.Scenario.AuthorityId}/connectors/m365", new
        {
            type = "microsoft365",
            enabled = false,
            settings = new { organizerMailbox = "secretariat@mairie-saint-clair.fr", graphBaseUrl = "http://127.0.0.1:9/v1.0", credentialKind = "staticToken" },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        Assert.False(await teams.IsConfiguredAsync(_bed.Scenario.AuthorityId, CancellationToken.None));
    }
}
