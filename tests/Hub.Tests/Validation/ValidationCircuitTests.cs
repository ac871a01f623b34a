using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit;

namespace IntegrationHub.Tests.Validation;

/// <summary>Validation circuits (issue 6) through the API and <see cref="ValidationService"/>, on SQLite and PostgreSQL.</summary>
[Collection(HubHostsGroup.Name)]
public abstract class ValidationCircuitTests : IAsyncLifetime
{
    private const string Mayor = "maire@ville.example.org";
    private const string Dgs = "dgs@ville.example.org";
    private const string Deputy = "adjoint@ville.example.org";
    private const string Finance = "finances@ville.example.org";
    private const string Legal = "juridique@ville.example.org";

    private readonly RecordingNotifier _notifier = new();
    private HubApp _app = null!;

    protected abstract TestDatabase Database { get; }

    private ValidationService Validation => _app.Services.GetRequiredService<ValidationService>();

    private ShiftedTimeProvider Clock => (ShiftedTimeProvider)_app.Services.GetRequiredService<TimeProvider>();

    public async Task InitializeAsync()
    {
        var settings = await HubApp.PrepareAsync(Database, extra: new Dictionary<string, string?>
        {
            ["Hub:Validation:NoticeRetryDelays:0"] = "00:00:00.300",
            ["Hub:Validation:NoticeRetryDelays:1"] = "00:00:00.300",
        });
        // The recording notifier alone: the hub's own Teams and email notifiers are tested with the approvers' surfaces.
        _app = await HubApp.StartAsync(settings with
        {
            Services = s =>
            {
                s.RemoveAll<IValidationNotifier>();
                s.AddSingleton<IValidationNotifier>(_notifier);
            },
        });
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Decide_AnyThenAll_OpensEachStepOnce_ApprovesCircuit_AndOnlyThenTheSessionSends()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 2);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("Secrétariat général", ValidationRules.Any, [Dgs, Legal]),
            Step("Élus", ValidationRules.All, [Mayor, Finance], deadline: "P2D"));
        var state = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });
        Assert.Equal("pending", state.GetProperty("state").GetString());
        Assert.Equal(1, state.GetProperty("dossierVersion").GetInt32());
        Assert.Equal(["pending", "waiting"], StepStatesOf(state));
        var (first, second) = (StepId(state, 1), StepId(state, 2));

        Assert.Equal(new DecisionOutcome.Recorded("approved", "pending"), await DecideAsync(first, "DGS@Ville.example.org", ValidationDecisions.Approve));
        Assert.Equal(new DecisionOutcome.StepClosed("approved"), await DecideAsync(first, Legal, ValidationDecisions.Approve));
        state = await StateAsync(s.SessionId);
        Assert.Equal(["approved", "pending"], StepStatesOf(state));
        var deadline = Step(state, 2).GetProperty("deadline").GetDateTimeOffset();
        Assert.InRange(deadline - Clock.GetUtcNow(), TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(2));

        Assert.Equal(new DecisionOutcome.Recorded("pending", "pending"), await DecideAsync(second, Mayor, ValidationDecisions.Approve));
        Assert.IsType<DecisionOutcome.Invalid>(await DecideAsync(second, Mayor, ValidationDecisions.Approve));
        var refused = await _app.Admin.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { });
        await AssertProblemAsync(refused, HttpStatusCode.Conflict, "validation-pending");
        Assert.Equal(new DecisionOutcome.Recorded("approved", "approved"), await DecideAsync(second, Finance, ValidationDecisions.Approve));

        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        state = await StateAsync(s.SessionId);
        Assert.Equal("approved", state.GetProperty("state").GetString());
        Assert.Equal(3, state.GetProperty("history").GetArrayLength());
        Assert.All(state.GetProperty("history").EnumerateArray(), d => Assert.Equal("oidc", d.GetProperty("proof").GetString()));

        // One notice per change; a step-opened notice whose step closed before its turn is superseded, not posted.
        var notices = await Eventually.WaitAsync(() => NoticesAsync(s.SessionId), n => n.Count == 6 && n.All(x => x.Status != "pending"),
            TimeSpan.FromSeconds(20), "six notices settled");
        Assert.Equal(2, notices.Count(n => n.Kind == ValidationNoticeKinds.StepOpened));
        Assert.Equal(3, notices.Count(n => n.Kind == ValidationNoticeKinds.StepDecided && n.Status == "sent"));
        Assert.Single(notices, n => n.Kind == ValidationNoticeKinds.CircuitFinished && n.Status == "sent");
        var finished = _notifier.For(state.GetProperty("id").GetGuid()).Single(n => n.Kind == ValidationNoticeKinds.CircuitFinished);
        Assert.Equal("approved", finished.Step.CircuitState);
        Assert.Equal(new ValidationDecisionView(Finance, "approve", null, null, finished.Decision!.At, "oidc"), finished.Decision);
        var view = (await Validation.GetStepAsync(first, CancellationToken.None))!;
        Assert.Equal("Conseil municipal — séance du jeudi 26 mars 2026 à 18\u00A0h\u00A030", view.Title);
        Assert.Equal([Dgs, Legal], view.Approvers.Order());
        Assert.Equal((1, 2, "approved"), (view.Position, view.StepCount, view.State));

        var entries = await _app.Services.GetRequiredService<EvidenceLedger>().GetSessionEntriesAsync(s.SessionId, CancellationToken.None);
        Assert.Single(entries, e => e.Type == LedgerEntryTypes.ValidationStarted);
        var decided = entries.Where(e => e.Type == LedgerEntryTypes.ValidationDecided).ToList();
        Assert.Equal(3, decided.Count);
        Assert.Contains("\"approver\":\"dgs@ville.example.org\"", decided[0].Body, StringComparison.Ordinal);
        Assert.Contains($"\"fingerprint\":\"{state.GetProperty("dossierFingerprint").GetString()}\"", decided[0].Body, StringComparison.Ordinal);
        Assert.True(decided[^1].Seq < entries.Single(e => e.Type == LedgerEntryTypes.SessionSent).Seq);
        Assert.True((await _app.Services.GetRequiredService<EvidenceLedger>().VerifyChainAsync(s.AuthorityId, CancellationToken.None)).IsIntact);
    }

    [Fact]
    public async Task Decide_RejectNeedsAComment_RejectsTheCircuit_AndTheSessionStaysADraft()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("DGS", ValidationRules.All, [Dgs, Legal]), Step("Maire", ValidationRules.Any, [Mayor]));
        var step = StepId(await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() }), 1);

        Assert.Equal(new DecisionOutcome.NotAnApprover(), await DecideAsync(step, "quelquun@ailleurs.example.org", ValidationDecisions.Approve));
        Assert.IsType<DecisionOutcome.Invalid>(await DecideAsync(step, Dgs, ValidationDecisions.Reject));
        Assert.IsType<DecisionOutcome.Invalid>(await DecideAsync(step, Dgs, "maybe"));
        Assert.Equal(new DecisionOutcome.Recorded("rejected", "rejected"),
            await DecideAsync(step, Dgs, ValidationDecisions.Reject, comment: "La délibération n° 3 cite un budget erroné."));
        Assert.Equal(new DecisionOutcome.StepClosed("rejected"), await DecideAsync(step, Legal, ValidationDecisions.Approve));

        await AssertProblemAsync(await _app.Admin.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { }), HttpStatusCode.Conflict, "validation-rejected");
        Assert.Equal("draft", (await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}")).GetProperty("status").GetString());
        var state = await StateAsync(s.SessionId);
        Assert.Equal(["rejected", "superseded"], StepStatesOf(state));
        Assert.Equal("La délibération n° 3 cite un budget erroné.", state.GetProperty("history")[0].GetProperty("comment").GetString());

        // The secretariat starts it again once the dossier is fixed: same circuit, a new round.
        state = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });
        Assert.Equal("pending", state.GetProperty("state").GetString());
        Assert.Equal(2, state.GetProperty("round").GetInt32());
        Assert.Single(state.GetProperty("history").EnumerateArray());
    }

    [Fact]
    public async Task Decide_Delegate_ReplacesTheApproverOnThatStep_AndHistoryKeepsBoth()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("Élus", ValidationRules.All, [Mayor, Finance]));
        var step = StepId(await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() }), 1);

        Assert.IsType<DecisionOutcome.Invalid>(await DecideAsync(step, Mayor, ValidationDecisions.Delegate, delegateTo: "pas-une-adresse"));
        Assert.IsType<DecisionOutcome.Invalid>(await DecideAsync(step, Mayor, ValidationDecisions.Delegate, delegateTo: Mayor));
        Assert.IsType<DecisionOutcome.Invalid>(await DecideAsync(step, Mayor, ValidationDecisions.Delegate, delegateTo: Finance));
        Assert.Equal(new DecisionOutcome.Recorded("pending", "pending"), await DecideAsync(step, Mayor, ValidationDecisions.Delegate, delegateTo: "Adjoint@Ville.example.org"));
        Assert.Equal(new DecisionOutcome.NotAnApprover(), await DecideAsync(step, Mayor, ValidationDecisions.Approve));

        var view = (await Validation.GetStepAsync(step, CancellationToken.None))!;
        Assert.Equal([Deputy, Finance], view.PendingApprovers.Order());
        Assert.Equal(new DecisionOutcome.Recorded("pending", "pending"), await DecideAsync(step, Deputy, ValidationDecisions.Approve));
        Assert.Equal(new DecisionOutcome.Recorded("approved", "approved"), await DecideAsync(step, Finance, ValidationDecisions.Approve));

        var state = await StateAsync(s.SessionId);
        var approvers = Step(state, 1).GetProperty("approvers").EnumerateArray().ToList();
        Assert.False(approvers.Single(a => a.GetProperty("approver").GetString() == Mayor).GetProperty("active").GetBoolean());
        Assert.Equal(Mayor, approvers.Single(a => a.GetProperty("approver").GetString() == Deputy).GetProperty("delegatedFrom").GetString());
        var history = state.GetProperty("history").EnumerateArray().Select(d => (d.GetProperty("approver").GetString(), d.GetProperty("decision").GetString())).ToList();
        Assert.Equal([(Mayor, "delegate"), (Deputy, "approve"), (Finance, "approve")], history);
        Assert.Equal(Deputy, state.GetProperty("history")[0].GetProperty("delegateTo").GetString());

        // The history is append-only down to the database.
        await using var connection = await _app.Services.GetRequiredService<IntegrationHub.Persistence.HubDatabase>().OpenAsync();
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE validation_decisions SET decision = 'approve'"));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => Dapper.SqlMapper.ExecuteAsync(connection, "DELETE FROM validation_decisions"));
    }

    [Fact]
    public async Task DossierChange_AfterApproval_RestartsFromTheFirstStep_KeepingHistory_OnSessionEditAndDocumentAdded()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("DGS", ValidationRules.Any, [Dgs]), Step("Maire", ValidationRules.Any, [Mayor]));
        var state = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });
        var firstFingerprint = state.GetProperty("dossierFingerprint").GetString();
        await DecideAsync(StepId(state, 1), Dgs, ValidationDecisions.Approve);

        var patched = await _app.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { place = "Salle des fêtes" });
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());
        state = await StateAsync(s.SessionId);
        Assert.Equal(2, state.GetProperty("dossierVersion").GetInt32());
        Assert.NotEqual(firstFingerprint, state.GetProperty("dossierFingerprint").GetString());
        Assert.False(state.GetProperty("dossierChanged").GetBoolean());
        Assert.Equal(["pending", "waiting"], StepStatesOf(state));
        Assert.Equal(1, state.GetProperty("history")[0].GetProperty("dossierVersion").GetInt32());

        // An approval of the first round's step decides nothing any more.
        var secondRound = StepId(state, 1);
        await DecideAsync(secondRound, Dgs, ValidationDecisions.Approve);
        Assert.Equal(new DecisionOutcome.Recorded("approved", "approved"), await DecideAsync(StepId(await StateAsync(s.SessionId), 2), Mayor, ValidationDecisions.Approve));

        await s.UploadAsync(_app.Admin, "annexe-budget.pdf", Scenario.Pdf("Annexe budgetaire"), kind: "annex");
        state = await StateAsync(s.SessionId);
        Assert.Equal("pending", state.GetProperty("state").GetString());
        Assert.Equal(3, state.GetProperty("dossierVersion").GetInt32());
        Assert.Equal(3, state.GetProperty("round").GetInt32());
        Assert.Equal(3, state.GetProperty("history").GetArrayLength());
        Assert.Equal(new DecisionOutcome.StepClosed("approved"), await DecideAsync(secondRound, Dgs, ValidationDecisions.Approve));
        await AssertProblemAsync(await _app.Admin.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { }), HttpStatusCode.Conflict, "validation-pending");

        var entries = await _app.Services.GetRequiredService<EvidenceLedger>().GetSessionEntriesAsync(s.SessionId, CancellationToken.None);
        var restarts = entries.Where(e => e.Type == LedgerEntryTypes.ValidationRestarted).ToList();
        Assert.Equal(2, restarts.Count);
        Assert.Contains($"\"previousFingerprint\":\"{firstFingerprint}\"", restarts[0].Body, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"dossier modifié\"", restarts[1].Body, StringComparison.Ordinal);
        Assert.True((await _app.Services.GetRequiredService<EvidenceLedger>().VerifyChainAsync(s.AuthorityId, CancellationToken.None)).IsIntact);
    }

    [Fact]
    public async Task Send_Blocked_AdminOverridesWithAReason_SecretariatCannot()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 2);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("Maire", ValidationRules.Any, [Mayor]));
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });
        using var secretariat = await KeyAsync(s.AuthorityId, "secretariat");

        await AssertProblemAsync(await secretariat.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { }), HttpStatusCode.Conflict, "validation-pending");
        await AssertProblemAsync(
            await secretariat.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { overrideValidation = new { reason = "Urgence" } }), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblemAsync(
            await _app.Admin.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { overrideValidation = new { reason = " " } }), HttpStatusCode.BadRequest, "validation");
        Assert.Equal("draft", (await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}")).GetProperty("status").GetString());

        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send",
            new { overrideValidation = new { reason = "Le maire est injoignable et le délai de convocation expire ce soir." } }, 202);
        var state = await StateAsync(s.SessionId);
        Assert.Equal("cancelled", state.GetProperty("state").GetString());
        Assert.Equal(["superseded"], StepStatesOf(state));
        var overridden = (await _app.Services.GetRequiredService<EvidenceLedger>().GetSessionEntriesAsync(s.SessionId, CancellationToken.None))
            .Single(e => e.Type == LedgerEntryTypes.ValidationOverridden);
        Assert.Contains("Le maire est injoignable", overridden.Body, StringComparison.Ordinal);
        Assert.Contains("\"circuitState\":\"pending\"", overridden.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_SecretariatKey_CannotCancelACircuitNorChangeTemplates_SoARejectedDossierStaysBlocked()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("Maire", ValidationRules.Any, [Mayor]));
        var step = StepId(await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() }), 1);
        await DecideAsync(step, Mayor, ValidationDecisions.Reject, comment: "Ordre du jour incomplet.");
        var mailing = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/mailings", new { title = "Rapport", message = "Pour information.", memberIds = s.MemberIds });
        await UploadMailingAsync(mailing.Id(), "rapport.pdf");
        await _app.Admin.PostOkAsync($"/api/mailings/{mailing.Id()}/validation", new { templateId = template.Id() });
        using var secretariat = await KeyAsync(s.AuthorityId, "secretariat");
        using var admin = await KeyAsync(s.AuthorityId, "admin");
        var steps = new[] { Step("Secrétariat", ValidationRules.Any, ["secretariat@ville.example.org"]) };

        // Cancelling the refused circuit then sending would send a dossier nobody approved.
        Assert.Equal(HttpStatusCode.Forbidden, (await secretariat.DeleteAsync($"/api/sessions/{s.SessionId}/validation")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await secretariat.DeleteAsync($"/api/mailings/{mailing.Id()}/validation")).StatusCode);
        await AssertProblemAsync(await secretariat.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { }), HttpStatusCode.Conflict, "validation-rejected");
        // Nor may it make itself the only approver.
        Assert.Equal(HttpStatusCode.Forbidden, (await secretariat.PostAsJsonAsync($"/api/authorities/{s.AuthorityId}/validation-templates", new { name = "Le mien", steps })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await secretariat.PutAsJsonAsync($"/api/validation-templates/{template.Id()}", new { name = "Le mien", steps })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await secretariat.DeleteAsync($"/api/validation-templates/{template.Id()}")).StatusCode);
        Assert.Equal("Maire", (await secretariat.GetOkAsync($"/api/validation-templates/{template.Id()}")).GetProperty("steps")[0].GetProperty("name").GetString());
        Assert.Equal("rejected", (await StateAsync(s.SessionId)).GetProperty("state").GetString());

        // The authority's administrator can.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/sessions/{s.SessionId}/validation")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/mailings/{mailing.Id()}/validation")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/validation-templates/{template.Id()}", new { name = "Le mien", steps })).StatusCode);
        var created = await admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/validation-templates", new { name = "Autre", steps });
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/validation-templates/{created.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/validation-templates/{template.Id()}")).StatusCode);
    }

    [Fact]
    public async Task Send_DossierChangedBehindTheHooks_IsRefusedByTheFingerprintCheck()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("Maire", ValidationRules.Any, [Mayor]));
        var state = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });
        await DecideAsync(StepId(state, 1), Mayor, ValidationDecisions.Approve);

        // A change no restart hook saw (a path added later, a manual correction in the database).
        var database = _app.Services.GetRequiredService<IntegrationHub.Persistence.HubDatabase>();
        await using (var connection = await database.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE agenda_items SET title = @title WHERE session_id = @id AND position = 2",
                new { title = "Subvention au club de football", id = s.SessionId });
        }
        state = await StateAsync(s.SessionId);
        Assert.Equal("approved", state.GetProperty("state").GetString());
        Assert.True(state.GetProperty("dossierChanged").GetBoolean());
        await AssertProblemAsync(await _app.Admin.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { }), HttpStatusCode.Conflict, "validation-outdated");
        Assert.Equal("draft", (await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task DossierChange_HybridOnly_RestartsTheCircuit_AndTheSendCheckSeesIt()
    {
        // An EPCI may hold a session also by videoconference (CGCT L5211-11-1): the convocation then says so.
        var s = await Scenario.CreateAsync(_app.Admin, members: 1, kind: "epci");
        var template = await CreateTemplateAsync(s.AuthorityId, Step("Président", ValidationRules.Any, [Mayor]));
        var state = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });
        await DecideAsync(StepId(state, 1), Mayor, ValidationDecisions.Approve);

        var patched = await _app.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { hybrid = true });
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());
        state = await StateAsync(s.SessionId);
        Assert.Equal(("pending", 2, 2), (state.GetProperty("state").GetString(), state.GetProperty("dossierVersion").GetInt32(), state.GetProperty("round").GetInt32()));
        await AssertProblemAsync(await _app.Admin.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { }), HttpStatusCode.Conflict, "validation-pending");
        await DecideAsync(StepId(state, 1), Mayor, ValidationDecisions.Approve);

        // Behind the hooks: the send check recomputes the fingerprint with the videoconference in it.
        var database = _app.Services.GetRequiredService<IntegrationHub.Persistence.HubDatabase>();
        await using (var connection = await database.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE sessions SET hybrid = @hybrid WHERE id = @id", new { hybrid = false, id = s.SessionId });
        }
        await AssertProblemAsync(await _app.Admin.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { }), HttpStatusCode.Conflict, "validation-outdated");
        var back = await _app.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { hybrid = true });
        Assert.True(back.IsSuccessStatusCode, await back.Content.ReadAsStringAsync());
        await DecideAsync(StepId(await StateAsync(s.SessionId), 1), Mayor, ValidationDecisions.Approve);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var sent = (await _app.Services.GetRequiredService<EvidenceLedger>().GetSessionEntriesAsync(s.SessionId, CancellationToken.None))
            .Single(e => e.Type == LedgerEntryTypes.SessionSent);
        Assert.Contains("\"hybrid\":true", sent.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WithoutCircuit_SendsAsBefore()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Admin.GetAsync($"/api/sessions/{s.SessionId}/validation")).StatusCode);
    }

    [Fact]
    public async Task CancelSession_EndsItsCircuit_WithAnEvidenceEntry()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("Maire", ValidationRules.Any, [Mayor], deadline: "P1D", reminder: "PT2H"));
        var step = StepId(await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() }), 1);

        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/cancel", new { reason = "Séance reportée" }, 200);
        var state = await StateAsync(s.SessionId);
        Assert.Equal("cancelled", state.GetProperty("state").GetString());
        Assert.Equal(new DecisionOutcome.StepClosed("superseded"), await DecideAsync(step, Mayor, ValidationDecisions.Approve));
        Clock.Advance(TimeSpan.FromDays(1));
        await _app.Services.GetRequiredService<ValidationDeadlineJob>().RunAsync(CancellationToken.None);
        Assert.DoesNotContain(await NoticesAsync(s.SessionId), n => n.Kind == ValidationNoticeKinds.StepReminder);
        // Approvers are told it is over; inside the session's transaction nobody enqueued it: the sweep posts it.
        var over = await Eventually.WaitAsync(
            () => Task.FromResult(_notifier.Posted.Where(n => n.Kind == ValidationNoticeKinds.CircuitFinished && n.Step.StepId == step).ToList()),
            l => l.Count == 1, TimeSpan.FromSeconds(20), "the circuit-finished notice");
        Assert.Equal(("cancelled", "superseded"), (over[0].Step.CircuitState, over[0].Step.State));
        var cancelled = (await _app.Services.GetRequiredService<EvidenceLedger>().GetSessionEntriesAsync(s.SessionId, CancellationToken.None))
            .Single(e => e.Type == LedgerEntryTypes.ValidationCancelled);
        Assert.Contains("Séance reportée", cancelled.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailingSend_BlockedUntilApproved_AndANewDocumentRestartsIt()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 2, synthesisNote: false);
        var mailing = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/mailings", new
        {
            title = "Rapport annuel du délégataire de l'eau", message = "Pour information.", memberIds = s.MemberIds,
        });
        await UploadMailingAsync(mailing.Id(), "rapport.pdf");
        var template = await CreateTemplateAsync(s.AuthorityId, Step("DGS", ValidationRules.Any, [Dgs]));
        var state = await _app.Admin.PostOkAsync($"/api/mailings/{mailing.Id()}/validation", new { templateId = template.Id() });
        await AssertProblemAsync(await _app.Admin.PostAsJsonAsync($"/api/mailings/{mailing.Id()}/send", new { }), HttpStatusCode.Conflict, "validation-pending");
        Assert.Equal(new DecisionOutcome.Recorded("approved", "approved"), await DecideAsync(StepId(state, 1), Dgs, ValidationDecisions.Approve));
        var view = (await Validation.GetStepAsync(StepId(state, 1), CancellationToken.None))!;
        Assert.Equal("Rapport annuel du délégataire de l'eau", view.Title);
        Assert.Equal(mailing.Id(), view.MailingId);

        await UploadMailingAsync(mailing.Id(), "annexe.pdf");
        state = await _app.Admin.GetOkAsync($"/api/mailings/{mailing.Id()}/validation");
        Assert.Equal("pending", state.GetProperty("state").GetString());
        Assert.Equal(2, state.GetProperty("dossierVersion").GetInt32());
        await AssertProblemAsync(await _app.Admin.PostAsJsonAsync($"/api/mailings/{mailing.Id()}/send", new { }), HttpStatusCode.Conflict, "validation-pending");
        await DecideAsync(StepId(state, 1), Dgs, ValidationDecisions.Approve);
        await _app.Admin.PostOkAsync($"/api/mailings/{mailing.Id()}/send", new { }, 202);
    }

    [Fact]
    public async Task DeadlineJob_QueuesTheReminderOnceWhenItsTimeComes_AndTheStateShowsOverdue()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("Maire", ValidationRules.Any, [Mayor], deadline: "P2D", reminder: "PT12H"));
        var state = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });
        var step = StepId(state, 1);
        var job = _app.Services.GetRequiredService<ValidationDeadlineJob>();

        await job.RunAsync(CancellationToken.None);
        Clock.Advance(TimeSpan.FromHours(35));
        await job.RunAsync(CancellationToken.None);
        Assert.DoesNotContain(await NoticesAsync(s.SessionId), n => n.Kind == ValidationNoticeKinds.StepReminder);

        Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await job.RunAsync(CancellationToken.None);
        await job.RunAsync(CancellationToken.None);
        Assert.Single(await NoticesAsync(s.SessionId), n => n.Kind == ValidationNoticeKinds.StepReminder);
        var reminder = await Eventually.WaitAsync(
            () => Task.FromResult(_notifier.Posted.Where(n => n.Kind == ValidationNoticeKinds.StepReminder && n.Step.StepId == step).ToList()),
            l => l.Count == 1, TimeSpan.FromSeconds(20), "the reminder posted");
        Assert.Equal([Mayor], reminder[0].Step.PendingApprovers);
        Assert.False(Step(await StateAsync(s.SessionId), 1).GetProperty("overdue").GetBoolean());

        Clock.Advance(TimeSpan.FromHours(13));
        await job.RunAsync(CancellationToken.None);
        Assert.True(Step(await StateAsync(s.SessionId), 1).GetProperty("overdue").GetBoolean());
        Assert.Single(await NoticesAsync(s.SessionId), n => n.Kind == ValidationNoticeKinds.StepReminder);
    }

    [Fact]
    public async Task NoticeJob_NotifierFails_TheNoticeIsRetriedWithTheErrorRecorded_ThenSent()
    {
        _notifier.FailNext(1);
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("Maire", ValidationRules.Any, [Mayor]));
        var state = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });

        var sent = await Eventually.WaitAsync(
            () => NoticesAsync(s.SessionId), n => n.Count == 1 && n[0].Status == "sent", TimeSpan.FromSeconds(30), "the notice sent after a retry");
        Assert.Equal(2, sent[0].Attempts);
        Assert.Contains("panne simulée", sent[0].LastError, StringComparison.Ordinal);
        Assert.Single(_notifier.For(state.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Decide_TwoApproversAtOnce_TheStepClosesOnce_AndTheNextStepOpensOnce()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(s.AuthorityId,
            Step("DGS", ValidationRules.Any, [Dgs, Legal]), Step("Élus", ValidationRules.All, [Mayor, Finance]), Step("Fin", ValidationRules.Any, [Deputy]));
        var state = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });

        var any = await Task.WhenAll(DecideAsync(StepId(state, 1), Dgs, ValidationDecisions.Approve), DecideAsync(StepId(state, 1), Legal, ValidationDecisions.Approve));
        Assert.Single(any, o => o is DecisionOutcome.Recorded);
        Assert.Single(any, o => o is DecisionOutcome.StepClosed);
        var all = await Task.WhenAll(DecideAsync(StepId(state, 2), Mayor, ValidationDecisions.Approve), DecideAsync(StepId(state, 2), Finance, ValidationDecisions.Approve));
        Assert.Equal(["approved", "pending"], all.Cast<DecisionOutcome.Recorded>().Select(r => r.StepState).Order());

        state = await StateAsync(s.SessionId);
        Assert.Equal(["approved", "approved", "pending"], StepStatesOf(state));
        var notices = await NoticesAsync(s.SessionId);
        Assert.Equal(3, notices.Count(n => n.Kind == ValidationNoticeKinds.StepOpened));
        Assert.Equal(3, state.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task DossierChange_RacingADecision_EndsPendingOnTheNewDossier_WhicheverCommitsFirst()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(s.AuthorityId, Step("Maire", ValidationRules.Any, [Mayor]));
        var step = StepId(await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() }), 1);

        var deciding = DecideAsync(step, Mayor, ValidationDecisions.Approve);
        var patching = _app.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { place = "Salle des fêtes" });
        await Task.WhenAll(deciding, patching);
        var (decision, patch) = (await deciding, await patching);
        Assert.True(patch.IsSuccessStatusCode, await patch.Content.ReadAsStringAsync());
        // The approval either came first (then the change restarted the approved circuit) or met a superseded step.
        Assert.Contains(decision, new DecisionOutcome[] { new DecisionOutcome.Recorded("approved", "approved"), new DecisionOutcome.StepClosed("superseded") });

        var state = await StateAsync(s.SessionId);
        Assert.Equal(("pending", 2, false), (state.GetProperty("state").GetString(), state.GetProperty("dossierVersion").GetInt32(), state.GetProperty("dossierChanged").GetBoolean()));
        Assert.Equal(["pending"], StepStatesOf(state));
        await AssertProblemAsync(await _app.Admin.PostAsJsonAsync($"/api/sessions/{s.SessionId}/send", new { }), HttpStatusCode.Conflict, "validation-pending");
    }

    [Fact]
    public async Task Api_AnotherAuthoritysKey_SeesNothing_AndBadTemplatesNameTheField()
    {
        var a = await Scenario.CreateAsync(_app.Admin, members: 1);
        var b = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await CreateTemplateAsync(a.AuthorityId, Step("Maire", ValidationRules.Any, [Mayor]));
        await _app.Admin.PostOkAsync($"/api/sessions/{a.SessionId}/validation", new { templateId = template.Id() });
        using var other = await KeyAsync(b.AuthorityId, "secretariat");
        using var otherAdmin = await KeyAsync(b.AuthorityId, "admin");

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/sessions/{a.SessionId}/validation")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/validation-templates/{template.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/authorities/{a.AuthorityId}/validation-templates")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.DeleteAsync($"/api/sessions/{a.SessionId}/validation")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.PostAsJsonAsync($"/api/authorities/{a.AuthorityId}/validation-templates",
            new { name = "X", steps = new[] { Step("Maire", ValidationRules.Any, [Mayor]) } })).StatusCode);
        // A template of another authority cannot be used on one's own session.
        await AssertProblemAsync(await other.PostAsJsonAsync($"/api/sessions/{b.SessionId}/validation", new { templateId = template.Id() }), HttpStatusCode.BadRequest, "validation", "templateId");

        await AssertBadTemplateAsync(a.AuthorityId, new { name = "Vide", steps = Array.Empty<object>() }, "steps");
        await AssertBadTemplateAsync(a.AuthorityId, new { name = "", steps = new[] { Step("Maire", ValidationRules.Any, [Mayor]) } }, "name");
        await AssertBadTemplateAsync(a.AuthorityId, new { name = "X", steps = new[] { Step("Maire", ValidationRules.Any, []) } }, "steps[0].approvers");
        await AssertBadTemplateAsync(a.AuthorityId, new { name = "X", steps = new[] { Step("Maire", ValidationRules.Any, [Mayor, "maire@"]) } }, "steps[0].approvers[1]");
        await AssertBadTemplateAsync(a.AuthorityId, new { name = "X", steps = new[] { Step("Maire", "most", [Mayor]) } }, "steps[0].rule");
        await AssertBadTemplateAsync(a.AuthorityId, new { name = "X", steps = new[] { Step("Maire", ValidationRules.Any, [Mayor], deadline: "-P1D") } }, "steps[0].deadline");
        await AssertBadTemplateAsync(a.AuthorityId, new { name = "X", steps = new[] { Step("Maire", ValidationRules.Any, [Mayor], deadline: "P1D", reminder: "P2D") } }, "steps[0].reminder");
        await AssertBadTemplateAsync(a.AuthorityId, new { name = "X", steps = new[] { Step("Maire", ValidationRules.Any, [Mayor], deadline: "deux jours") } }, "steps[0].deadline");

        // A template edited while a circuit runs: the circuit keeps the steps it copied.
        var updated = await _app.Admin.PutAsJsonAsync($"/api/validation-templates/{template.Id()}",
            new { name = "Circuit modifié", steps = new[] { Step("DGS", ValidationRules.All, [Dgs, "Juridique@Ville.example.org"], deadline: "P3D", reminder: "P1D") } });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var listed = Assert.Single((await _app.Admin.GetOkAsync($"/api/authorities/{a.AuthorityId}/validation-templates")).EnumerateArray());
        Assert.Equal("Circuit modifié", listed.GetProperty("name").GetString());
        Assert.Equal([Dgs, Legal], listed.GetProperty("steps")[0].GetProperty("approvers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(("P3D", "P1D"), (listed.GetProperty("steps")[0].GetProperty("deadline").GetString(), listed.GetProperty("steps")[0].GetProperty("reminder").GetString()));
        Assert.Equal("Maire", Step(await StateAsync(a.SessionId), 1).GetProperty("name").GetString());

        await AssertProblemAsync(await _app.Admin.DeleteAsync($"/api/validation-templates/{template.Id()}"), HttpStatusCode.Conflict, "template-in-use");
        Assert.Equal(HttpStatusCode.NoContent, (await _app.Admin.DeleteAsync($"/api/sessions/{a.SessionId}/validation")).StatusCode);
        Assert.Equal("cancelled", (await StateAsync(a.SessionId)).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await _app.Admin.DeleteAsync($"/api/validation-templates/{template.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Admin.GetAsync($"/api/validation-templates/{template.Id()}")).StatusCode);
        await _app.Admin.PostOkAsync($"/api/sessions/{a.SessionId}/send", new { }, 202);
    }

    private static object Step(string name, string rule, string[] approvers, string? deadline = null, string? reminder = null) =>
        new { name, rule, approvers, deadline, reminder };

    private async Task<JsonElement> CreateTemplateAsync(Guid authorityId, params object[] steps) =>
        await _app.Admin.PostOkAsync($"/api/authorities/{authorityId}/validation-templates", new { name = "Circuit du conseil", steps });

    private async Task AssertBadTemplateAsync(Guid authorityId, object body, string field) =>
        await AssertProblemAsync(await _app.Admin.PostAsJsonAsync($"/api/authorities/{authorityId}/validation-templates", body), HttpStatusCode.BadRequest, "validation", field);

    private Task<DecisionOutcome> DecideAsync(Guid step, string approver, string decision, string? comment = null, string? delegateTo = null) =>
        Validation.DecideAsync(step, approver, decision, comment, delegateTo, ValidationProofs.Oidc, CancellationToken.None);

    private Task<JsonElement> StateAsync(Guid sessionId) => _app.Admin.GetOkAsync($"/api/sessions/{sessionId}/validation");

    private async Task<List<(string Kind, string Status, int Attempts, string? LastError)>> NoticesAsync(Guid sessionId) =>
        (await StateAsync(sessionId)).GetProperty("notices").EnumerateArray()
            .Select(n => (n.GetProperty("kind").GetString()!, n.GetProperty("status").GetString()!, n.GetProperty("attempts").GetInt32(), n.GetProperty("lastError").GetString()))
            .ToList();

    private static JsonElement Step(JsonElement state, int position) =>
        state.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("position").GetInt32() == position);

    private static Guid StepId(JsonElement state, int position) => Step(state, position).GetProperty("id").GetGuid();

    private static string[] StepStatesOf(JsonElement state) =>
        state.GetProperty("steps").EnumerateArray().OrderBy(s => s.GetProperty("position").GetInt32()).Select(s => s.GetProperty("state").GetString()!).ToArray();

    private async Task<HttpClient> KeyAsync(Guid authorityId, string role)
    {
        var key = (await _app.Admin.PostOkAsync("/api/api-keys", new { name = $"Clé {role}", role, authorityId })).GetProperty("key").GetString();
        return _app.CreateClient(key);
    }

    private async Task UploadMailingAsync(Guid mailingId, string name)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Scenario.Pdf(name)), "file", name } };
        var response = await _app.Admin.PostAsync($"/api/mailings/{mailingId}/documents", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type, string? field = null)
    {
        var json = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {json}");
        Assert.Equal("/problems/" + type, json.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("detail").GetString()));
        if (field is not null)
        {
            Assert.True(json.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {json}");
        }
    }
}

public sealed class ValidationCircuitSqliteTests : ValidationCircuitTests
{
    protected override TestDatabase Database => TestDatabase.Sqlite;
}

public sealed class ValidationCircuitPostgresTests : ValidationCircuitTests
{
    protected override TestDatabase Database => TestDatabase.Postgres;
}
