using System.Net;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.Validation;
using Xunit;

namespace IntegrationHub.Tests.Validation;

/// <summary>
/// The approvers' email and the decision page, through real SMTP and real HTTP, with the circuits stood in for by
/// <see cref="InMemoryStepDecisions"/>: who may decide, and what is refused without recording anything.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class ApproverDecisionPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private ApproverTestbed _bed = null!;

    public async Task InitializeAsync() => _bed = await ApproverTestbed.StartAsync(standInCircuits: true);

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private HttpClient Browser() => _bed.App.CreateClient(key: null);

    private ValidationStepView OpenStep()
    {
        var step = _bed.Step();
        _bed.Steps!.Put(step);
        return step;
    }

    private string PathOf(ValidationStepView step, LinkedDecision decision) => _bed.Links.Link(step.StepId, decision).PathAndQuery;

    private static async Task<(HttpStatusCode Status, string Html)> GetAsync(HttpClient browser, string path)
    {
        var response = await browser.GetAsync(path);
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    private static async Task<(HttpStatusCode Status, string Html)> PostAsync(HttpClient browser, string path, string page, params (string Name, string Value)[] fields)
    {
        var response = await browser.PostAsync(path, ApproverTestbed.Form(page, fields));
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    /// <summary>Opens the link, asks for a code for <paramref name="email"/>, and returns the page that says a code may have been sent.</summary>
    private static async Task<string> RequestCodeAsync(HttpClient browser, string path, string email)
    {
        var (status, page) = await GetAsync(browser, path);
        Assert.Equal(HttpStatusCode.OK, status);
        var (codeStatus, answer) = await PostAsync(browser, path + "/code", page, ("email", email));
        Assert.Equal(HttpStatusCode.OK, codeStatus);
        Assert.Contains("Si cette adresse est celle d'une personne attendue à cette étape, un code vient de lui être envoyé", answer, StringComparison.Ordinal);
        return answer;
    }

    private async Task<string> CodeSentToAsync(string address, int messagesSoFar)
    {
        var messages = await _bed.Smtp.WaitForMessagesAsync(messagesSoFar + 1, Wait);
        var message = messages[messagesSoFar];
        Assert.Equal([address], ApproverTestbed.Recipients(message));
        return ApproverTestbed.CodeIn(ApproverTestbed.Mime(message));
    }

    [Fact]
    public async Task EmailNotifier_StepOpened_OneFrenchMessagePerPendingApprover_WithLinksThatOpenTheDecisionPage()
    {
        var step = OpenStep();
        var email = _bed.Notifier("email");
        Assert.True(await email.IsConfiguredAsync(step.AuthorityId, CancellationToken.None));

        await email.NotifyAsync(new ValidationNotice(Guid.NewGuid(), ValidationNoticeKinds.StepOpened, step, null), CancellationToken.None);

        var messages = await _bed.Smtp.WaitForMessagesAsync(2, Wait);
        Assert.Equal([ApproverTestbed.Dgs, ApproverTestbed.Maire], messages.SelectMany(ApproverTestbed.Recipients).Order(StringComparer.Ordinal));
        var mime = ApproverTestbed.Mime(messages[0]);
        Assert.Equal("Validation demandée\u00A0: Conseil municipal du 26 mars 2026", mime.Subject);
        Assert.Contains("Étape 2/3 — Directeur général des services", mime.TextBody, StringComparison.Ordinal);
        Assert.Contains("Échéance\u00A0: jeudi 12 mars 2026 à 18\u00A0h.", mime.TextBody, StringComparison.Ordinal);
        Assert.Contains("<a href=\"http://hub.test/validation/decisions/", mime.HtmlBody, StringComparison.Ordinal);
        using var browser = Browser();
        var (status, page) = await GetAsync(browser, ApproverTestbed.LinkIn(mime, "Refuser"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Étape 2/3 — Directeur général des services", page, StringComparison.Ordinal);
        Assert.Contains("Budget primitif 2026", page, StringComparison.Ordinal);
        Assert.Contains("value=\"reject\" checked", page, StringComparison.Ordinal);
        Assert.DoesNotContain(ApproverTestbed.Dgs, page, StringComparison.Ordinal);
        Assert.Empty(_bed.Steps!.Decisions);
    }

    [Fact]
    public async Task EmailNotifier_Reminder_SaysRappel()
    {
        var step = OpenStep() with { PendingApprovers = [ApproverTestbed.Maire] };

        await _bed.Notifier("email").NotifyAsync(new ValidationNotice(Guid.NewGuid(), ValidationNoticeKinds.StepReminder, step, null), CancellationToken.None);

        var message = Assert.Single(await _bed.Smtp.WaitForMessagesAsync(1, Wait));
        Assert.Equal([ApproverTestbed.Maire], ApproverTestbed.Recipients(message));
        var mime = ApproverTestbed.Mime(message);
        Assert.StartsWith("Rappel", mime.Subject, StringComparison.Ordinal);
        Assert.Contains("Rappel\u00A0: Commune de Saint-Clair-sur-Test attend toujours votre décision", mime.TextBody, StringComparison.Ordinal);
        Assert.Contains("elle vous enverra un code à cette adresse pour vérifier", mime.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmailNotifier_CircuitCancelled_TellsTheStepsApprovers_DecidedOrFinishedOtherwiseSendNothing()
    {
        var email = _bed.Notifier("email");
        var decided = new ValidationDecisionView(ApproverTestbed.Dgs, "approve", null, null, _bed.Clock.GetUtcNow(), "otp");

        await email.NotifyAsync(new ValidationNotice(Guid.NewGuid(), ValidationNoticeKinds.StepDecided, _bed.Step(state: "approved", pending: []), decided), CancellationToken.None);
        await email.NotifyAsync(new ValidationNotice(Guid.NewGuid(), ValidationNoticeKinds.CircuitFinished, _bed.Step(state: "approved", pending: []) with { CircuitState = "approved" }, null), CancellationToken.None);
        await email.NotifyAsync(new ValidationNotice(Guid.NewGuid(), ValidationNoticeKinds.CircuitFinished, _bed.Step(state: "superseded", pending: []) with { CircuitState = "cancelled" }, null), CancellationToken.None);

        var messages = await _bed.Smtp.WaitForMessagesAsync(2, Wait);
        Assert.Equal([ApproverTestbed.Dgs, ApproverTestbed.Maire], messages.SelectMany(ApproverTestbed.Recipients).Order(StringComparer.Ordinal));
        var mime = ApproverTestbed.Mime(messages[0]);
        Assert.Equal("Validation annulée\u00A0: Conseil municipal du 26 mars 2026", mime.Subject);
        // Also sent when the session was cancelled or an override ended the circuit: the secretariat is not named as its cause.
        Assert.Contains("Ce circuit de validation a été arrêté\u00A0: votre décision sur le dossier «\u00A0Conseil municipal du 26 mars 2026\u00A0» n'est plus attendue.", mime.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("secrétariat a annulé", mime.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("/validation/decisions/", mime.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_TheApproverWithTheirCode_IsRecordedWithProofOtp_AndTheCodeServesOnce()
    {
        var step = OpenStep();
        var path = PathOf(step, LinkedDecision.Approve);
        using var browser = Browser();

        var page = await RequestCodeAsync(browser, path, "  DGS@mairie-saint-clair.fr ");
        var code = await CodeSentToAsync(ApproverTestbed.Dgs, 0);
        Assert.Contains("value=\"approve\" checked", page, StringComparison.Ordinal);
        var (status, html) = await PostAsync(browser, path, page, ("email", ApproverTestbed.Dgs), ("code", code), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Votre décision est enregistrée", html, StringComparison.Ordinal);
        Assert.Equal((step.StepId, ApproverTestbed.Dgs, "approve", (string?)null, (string?)null, "otp"), Assert.Single(_bed.Steps!.Decisions));

        // The step is closed now, and the code is spent anyway.
        _bed.Steps.Put(step);
        var (again, _) = await PostAsync(browser, path, page, ("email", ApproverTestbed.Dgs), ("code", code), ("decision", "approve"));
        Assert.Equal(HttpStatusCode.Forbidden, again);
        Assert.Single(_bed.Steps.Decisions);
    }

    [Fact]
    public async Task Decide_RejectNeedsAComment_DelegateNeedsAnAddress_NothingRecordedUntilComplete()
    {
        var step = OpenStep();
        var path = PathOf(step, LinkedDecision.Reject);
        using var browser = Browser();
        var page = await RequestCodeAsync(browser, path, ApproverTestbed.Maire);
        var code = await CodeSentToAsync(ApproverTestbed.Maire, 0);

        var (noComment, html) = await PostAsync(browser, path, page, ("email", ApproverTestbed.Maire), ("code", code), ("decision", "reject"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noComment);
        Assert.Contains("Indiquez le motif du refus", html, StringComparison.Ordinal);
        var (noDelegate, _) = await PostAsync(browser, path, page, ("email", ApproverTestbed.Maire), ("code", code), ("decision", "delegate"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noDelegate);
        Assert.Empty(_bed.Steps!.Decisions);

        var (rejected, _) = await PostAsync(browser, path, page, ("email", ApproverTestbed.Maire), ("code", code), ("decision", "reject"), ("comment", "Le rapport manque."));
        Assert.Equal(HttpStatusCode.OK, rejected);
        Assert.Equal((step.StepId, ApproverTestbed.Maire, "reject", "Le rapport manque.", (string?)null, "otp"), Assert.Single(_bed.Steps.Decisions));
    }

    [Fact]
    public async Task RequestCode_ForSomeoneWhoIsNotAnApprover_SamePageButNoCodeEverLeaves()
    {
        var step = OpenStep();
        var path = PathOf(step, LinkedDecision.Approve);
        using var browser = Browser();

        var strangerPage = await RequestCodeAsync(browser, path, ApproverTestbed.Stranger);
        var approverPage = await RequestCodeAsync(browser, path, ApproverTestbed.Dgs);
        await CodeSentToAsync(ApproverTestbed.Dgs, 0);

        Assert.Equal(
            strangerPage.Replace(ApproverTestbed.Stranger, "@", StringComparison.Ordinal).Split("__RequestVerificationToken")[0],
            approverPage.Replace(ApproverTestbed.Dgs, "@", StringComparison.Ordinal).Split("__RequestVerificationToken")[0]);
        // The stranger's code job would have been enqueued before the approver's: it would have arrived first.
        Assert.Single(_bed.Smtp.Messages);
        var (status, _) = await PostAsync(browser, path, strangerPage, ("email", ApproverTestbed.Stranger), ("code", "00000000"), ("decision", "approve"));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Empty(_bed.Steps!.Decisions);
    }

    [Fact]
    public async Task Decide_WithAnotherApproversCode_IsRefused()
    {
        var step = OpenStep();
        var path = PathOf(step, LinkedDecision.Approve);
        using var dgsBrowser = Browser();
        using var mayorBrowser = Browser();
        await RequestCodeAsync(dgsBrowser, path, ApproverTestbed.Dgs);
        var dgsCode = await CodeSentToAsync(ApproverTestbed.Dgs, 0);
        var mayorPage = await RequestCodeAsync(mayorBrowser, path, ApproverTestbed.Maire);
        var mayorCode = await CodeSentToAsync(ApproverTestbed.Maire, 1);
        Assert.NotEqual(dgsCode, mayorCode);

        var (mayorWithDgsCode, html) = await PostAsync(mayorBrowser, path, mayorPage, ("email", ApproverTestbed.Maire), ("code", dgsCode), ("decision", "approve"));
        var (strangerWithDgsCode, _) = await PostAsync(mayorBrowser, path, mayorPage, ("email", ApproverTestbed.Stranger), ("code", dgsCode), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.Forbidden, mayorWithDgsCode);
        Assert.Contains("Code incorrect pour cette adresse. Il vous reste 4", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, strangerWithDgsCode);
        Assert.Empty(_bed.Steps!.Decisions);
    }

    [Fact]
    public async Task Decide_FiveWrongCodes_ThenEvenTheRightOneIsRefused()
    {
        var step = OpenStep();
        var path = PathOf(step, LinkedDecision.Approve);
        using var browser = Browser();
        var page = await RequestCodeAsync(browser, path, ApproverTestbed.Dgs);
        var code = await CodeSentToAsync(ApproverTestbed.Dgs, 0);
        var wrong = code == "12345678" ? "87654321" : "12345678";

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(browser, path, page, ("email", ApproverTestbed.Dgs), ("code", wrong), ("decision", "approve"))).Status);
        }
        var (status, html) = await PostAsync(browser, path, page, ("email", ApproverTestbed.Dgs), ("code", code), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("demandez un nouveau code", html, StringComparison.Ordinal);
        Assert.Empty(_bed.Steps!.Decisions);
    }

    [Fact]
    public async Task Decide_CodeOlderThanTenMinutes_IsRefused()
    {
        var step = OpenStep();
        var path = PathOf(step, LinkedDecision.Approve);
        using var browser = Browser();
        var page = await RequestCodeAsync(browser, path, ApproverTestbed.Dgs);
        var code = await CodeSentToAsync(ApproverTestbed.Dgs, 0);

        _bed.Clock.Advance(TimeSpan.FromMinutes(10));
        var (status, _) = await PostAsync(browser, path, page, ("email", ApproverTestbed.Dgs), ("code", code), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Empty(_bed.Steps!.Decisions);
    }

    [Fact]
    public async Task RequestCode_MoreThanThreeTimesInAQuarterOfAnHour_IsRefusedAlikeForAnyone()
    {
        var step = OpenStep();
        var path = PathOf(step, LinkedDecision.Approve);
        using var browser = Browser();
        foreach (var address in new[] { ApproverTestbed.Dgs, ApproverTestbed.Stranger })
        {
            for (var i = 0; i < 3; i++)
            {
                await RequestCodeAsync(browser, path, address);
            }
            var (_, page) = await GetAsync(browser, path);
            var (status, html) = await PostAsync(browser, path + "/code", page, ("email", address));
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.Contains("Trop de codes", html, StringComparison.Ordinal);
        }
        await _bed.Smtp.WaitForMessagesAsync(3, Wait);
        Assert.All(_bed.Smtp.Messages, m => Assert.Equal([ApproverTestbed.Dgs], ApproverTestbed.Recipients(m)));
    }

    [Fact]
    public async Task Page_TamperedOrExpiredLink_IsRefusedInFrench_AndNothingCanBePosted()
    {
        var step = OpenStep();
        var path = PathOf(step, LinkedDecision.Approve);
        using var browser = Browser();
        var (_, page) = await GetAsync(browser, path);
        var tampered = path[..^3] + (path[^3] == 'A' ? "B" : "A") + path[^2..];

        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(browser, tampered)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(browser, "/validation/decisions/" + new string('A', 44) + "." + new string('A', 22))).Status);
        _bed.Clock.Advance(ValidationLinks.Lifetime);
        var (expired, html) = await GetAsync(browser, path);
        Assert.Equal(HttpStatusCode.NotFound, expired);
        Assert.Contains("Ce lien n'est pas ou plus valide", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(browser, path + "/code", page, ("email", ApproverTestbed.Dgs))).Status);
        Assert.Empty(_bed.Smtp.Messages);
    }

    [Fact]
    public async Task Post_WithoutTheAntiforgeryToken_IsRefusedAndNothingIsSent()
    {
        var step = OpenStep();
        var path = PathOf(step, LinkedDecision.Approve);
        using var browser = Browser();
        await GetAsync(browser, path);

        var response = await browser.PostAsync(path + "/code", new FormUrlEncodedContent([new("email", ApproverTestbed.Dgs)]));
        using var other = Browser();
        var (_, page) = await GetAsync(other, path);
        var (crossSite, _) = await PostAsync(browser, path + "/code", page, ("email", ApproverTestbed.Dgs));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Formulaire expiré", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, crossSite);
        await RequestCodeAsync(browser, path, ApproverTestbed.Dgs);
        Assert.Single(await _bed.Smtp.WaitForMessagesAsync(1, Wait));
    }

    [Fact]
    public async Task Document_OfTheStepsSession_OpensWithTheLink_OthersDoNot()
    {
        var step = OpenStep();
        var path = PathOf(step, LinkedDecision.View);
        var uploaded = await _bed.Scenario.UploadAsync(_bed.App.Admin, "rapport-budget.pdf", Scenario.Pdf("Rapport sur le budget primitif"));
        var other = await Scenario.CreateAsync(_bed.App.Admin, members: 1);
        var foreign = await other.UploadAsync(_bed.App.Admin, "autre.pdf", Scenario.Pdf("Une autre commune"));
        using var browser = Browser();

        var (_, page) = await GetAsync(browser, path);
        var link = $"{path}/documents/{uploaded.Id()}";
        Assert.Contains($"href=\"{link}\"", page, StringComparison.Ordinal);
        var download = await browser.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(Scenario.Pdf("Rapport sur le budget primitif"), await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"{path}/documents/{foreign.Id()}")).StatusCode);
        _bed.Steps!.Put(step with { State = "approved" });
        Assert.Equal(HttpStatusCode.Conflict, (await browser.GetAsync(link)).StatusCode);
    }

    [Fact]
    public async Task Page_StepAlreadyClosed_SaysSo()
    {
        var step = _bed.Step(state: "approved", pending: []);
        _bed.Steps!.Put(step);
        using var browser = Browser();

        var (status, html) = await GetAsync(browser, PathOf(step, LinkedDecision.Approve));

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("Étape close", html, StringComparison.Ordinal);
    }
}
