using System.Net;
using System.Net.Http.Json;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Entra;
using IntegrationHub.Validation;
using Xunit;

namespace IntegrationHub.Tests.Validation;

/// <summary>Entra ID sign-in as the approver's proof, against an OpenID Connect stand-in on 127.0.0.1.</summary>
[Collection(HubHostsGroup.Name)]
public sealed class ApproverSignInTests : IAsyncLifetime
{
    private ApproverTestbed _bed = null!;
    private EntraStandIn _entra = null!;
    private readonly HttpClient _provider = new(new HttpClientHandler { AllowAutoRedirect = false });

    public async Task InitializeAsync()
    {
        _bed = await ApproverTestbed.StartAsync(standInCircuits: true);
        _entra = await EntraStandIn.StartAsync();
        _entra.Time = _bed.Clock;
        var put = await _bed.App.Admin.PutAsJsonAsync($"/api/authorities/{_bed.Scenario.AuthorityId}/connectors/m365", new
        {
            type = "microsoft365",
            enabled = true,
            settings = new
            {
                organizerMailbox = "secretariat@mairie-saint-clair.fr", graphBaseUrl = "http://127.0.0.1:9/v1.0", credentialKind = "staticToken",
                tenantId = _entra.TenantId, clientId = _entra.ClientId, approverSignIn = true, loginBaseUrl = _entra.BaseUrl.AbsoluteUri,
            },
            secrets = new { staticToken = FakeSecrets.Token("graph"), clientSecret = _entra.ClientSecret, teamsWorkflowUrl = _bed.Teams.WorkflowUrl.AbsoluteUri },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        _provider.Dispose();
        await _entra.DisposeAsync();
        await _bed.DisposeAsync();
    }

    private (ValidationStepView Step, string Path) OpenStep()
    {
        var step = _bed.Step();
        _bed.Steps!.Put(step);
        return (step, _bed.Links.Link(step.StepId, LinkedDecision.Approve).PathAndQuery);
    }

    /// <summary>Page → « Connectez-vous » → Entra ID → back to the hub; returns the hub's answer to the callback.</summary>
    private async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string path, Func<Uri, Uri>? alterCallback = null)
    {
        var page = WebUtility.HtmlDecode(await browser.GetStringAsync(path));
        Assert.Contains("Connectez-vous avec votre compte Microsoft\u00A0365", page, StringComparison.Ordinal);
        var start = await browser.GetAsync(path + "/signin");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.StartsWith(_entra.BaseUrl.AbsoluteUri, start.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        var authorized = await _provider.GetAsync(start.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, authorized.StatusCode);
        var callback = authorized.Headers.Location!;
        Assert.Equal("http://hub.test/validation/signin-callback", callback.GetLeftPart(UriPartial.Path));
        return await browser.GetAsync((alterCallback?.Invoke(callback) ?? callback).PathAndQuery);
    }

    private static async Task<(HttpStatusCode Status, string Html)> DecideAsync(HttpClient browser, string path, params (string Name, string Value)[] fields)
    {
        var page = WebUtility.HtmlDecode(await browser.GetStringAsync(path));
        var response = await browser.PostAsync(path, ApproverTestbed.Form(page, fields));
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task SignIn_TheApprover_DecidesWithoutACode_RecordedWithProofOidc()
    {
        var (step, path) = OpenStep();
        _entra.SignedInUser = "DGS@mairie-saint-clair.fr";
        using var browser = _bed.App.CreateClient(key: null);

        var back = await SignInAsync(browser, path);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.Equal(path, back.Headers.Location!.OriginalString);
        var page = WebUtility.HtmlDecode(await browser.GetStringAsync(path));
        Assert.Contains("Connecté(e) avec votre compte Microsoft\u00A0: dgs@mairie-saint-clair.fr.", page, StringComparison.Ordinal);
        var (status, html) = await DecideAsync(browser, path, ("proof", "oidc"), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Votre décision est enregistrée", html, StringComparison.Ordinal);
        Assert.Equal((step.StepId, ApproverTestbed.Dgs, "approve", (string?)null, (string?)null, "oidc"), Assert.Single(_bed.Steps!.Decisions));
        Assert.Empty(_bed.Smtp.Messages);
    }

    [Fact]
    public async Task SignIn_SomeoneElseFromTheTenant_IsRefusedAndNothingRecorded()
    {
        var (_, path) = OpenStep();
        _entra.SignedInUser = ApproverTestbed.Stranger;
        using var browser = _bed.App.CreateClient(key: null);

        await SignInAsync(browser, path);
        var (status, html) = await DecideAsync(browser, path, ("proof", "oidc"), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("n'est pas celle d'une personne dont la décision est attendue", html, StringComparison.Ordinal);
        Assert.Empty(_bed.Steps!.Decisions);
    }

    [Fact]
    public async Task SignIn_TokenForAnotherApplication_OrAlteredState_IsRefused()
    {
        var (_, path) = OpenStep();
        _entra.SignedInUser = ApproverTestbed.Dgs;
        using var browser = _bed.App.CreateClient(key: null);

        _entra.AudienceOverride = Guid.NewGuid().ToString();
        var otherAudience = await SignInAsync(browser, path);
        _entra.AudienceOverride = null;
        var alteredState = await SignInAsync(browser, path, callback => new Uri(callback.AbsoluteUri.Replace("state=", "state=x", StringComparison.Ordinal)));
        var (status, _) = await DecideAsync(browser, path, ("proof", "oidc"), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.Forbidden, otherAudience.StatusCode);
        Assert.Contains("Le jeton d'identité reçu n'est pas valable", WebUtility.HtmlDecode(await otherAudience.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, alteredState.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Empty(_bed.Steps!.Decisions);
    }

    [Fact]
    public async Task SignIn_AnIdTokenWithOnlyTheUnverifiedEmailClaim_IsRefused()
    {
        var (_, path) = OpenStep();
        _entra.SignedInUser = ApproverTestbed.Dgs;
        _entra.AddressClaim = "email";
        using var browser = _bed.App.CreateClient(key: null);

        var back = await SignInAsync(browser, path);
        var (status, _) = await DecideAsync(browser, path, ("proof", "oidc"), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.Forbidden, back.StatusCode);
        Assert.Contains("Votre compte Microsoft ne donne pas d'identifiant de connexion (UPN)", WebUtility.HtmlDecode(await back.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Empty(_bed.Steps!.Decisions);
    }

    [Fact]
    public async Task SignIn_AfterAKeyRolloverAtEntra_TheNewKeysAreFetched()
    {
        var (step, path) = OpenStep();
        _entra.SignedInUser = ApproverTestbed.Dgs;
        using (var before = _bed.App.CreateClient(key: null))
        {
            // The hub caches the tenant's keys at this first sign-in.
            await SignInAsync(before, path);
        }
        using var browser = _bed.App.CreateClient(key: null);

        _entra.RotateKey();
        var back = await SignInAsync(browser, path);
        var (status, _) = await DecideAsync(browser, path, ("proof", "oidc"), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((step.StepId, ApproverTestbed.Dgs, "approve", (string?)null, (string?)null, "oidc"), Assert.Single(_bed.Steps!.Decisions));
    }

    [Fact]
    public async Task Email_WithSignInOn_SaysThePageAsksToSignInOrForACode()
    {
        var (step, _) = OpenStep();

        await _bed.Notifier("email").NotifyAsync(new ValidationNotice(Guid.NewGuid(), ValidationNoticeKinds.StepReminder, step with { PendingApprovers = [ApproverTestbed.Dgs] }, null), CancellationToken.None);

        var mime = ApproverTestbed.Mime(Assert.Single(await _bed.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(20))));
        Assert.Contains("elle vous demandera de vous connecter ou de saisir un code reçu à cette adresse pour vérifier", mime.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("vous enverra un code", mime.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_ProofForOneStep_DoesNotDecideAnother()
    {
        var (_, path) = OpenStep();
        var (_, otherPath) = OpenStep();
        _entra.SignedInUser = ApproverTestbed.Dgs;
        using var browser = _bed.App.CreateClient(key: null);

        await SignInAsync(browser, path);
        var (status, _) = await DecideAsync(browser, otherPath, ("proof", "oidc"), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Empty(_bed.Steps!.Decisions);
    }
}
