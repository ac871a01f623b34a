using System.Net;
using Dapper;
using IntegrationHub.Persistence;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.Validation;
using IntegrationHub.Validation.Decisions;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Validation;

/// <summary>
/// The one-time codes' limits over a step's whole life (its links live 30 days): wrong codes counted over all the codes
/// of a step, code requests counted over all addresses, and spent codes purged by the recurring job. On SQLite and
/// PostgreSQL, as the limits are SQL.
/// </summary>
public abstract class ApproverCodeLimitsTests(TestDatabase database) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private ApproverTestbed _bed = null!;

    public async Task InitializeAsync() => _bed = await ApproverTestbed.StartAsync(standInCircuits: true, database);

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private ApproverCodes Codes => _bed.App.Services.GetRequiredService<ApproverCodes>();

    private static string WrongFor(string code) => code == "12345678" ? "87654321" : "12345678";

    [Fact]
    public async Task TenWrongCodesOverSeveralCodes_LockTheAddress_EvenTheRightCodeIsThenRefused_WithAFrenchPage()
    {
        var step = _bed.Step();
        _bed.Steps!.Put(step);
        var path = _bed.Links.Link(step.StepId, LinkedDecision.Approve).PathAndQuery;
        using var browser = _bed.App.CreateClient(key: null);
        var page = WebUtility.HtmlDecode(await browser.GetStringAsync(path));
        async Task<(HttpStatusCode Status, string Html)> PostAsync(string to, params (string Name, string Value)[] fields)
        {
            var response = await browser.PostAsync(to, ApproverTestbed.Form(page, fields));
            return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        }

        // Two codes, five wrong tries each: each code alone would still allow its tries, the step's count does not.
        for (var sent = 0; sent < 2; sent++)
        {
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(path + "/code", ("email", ApproverTestbed.Dgs))).Status);
            var code = ApproverTestbed.CodeIn(ApproverTestbed.Mime((await _bed.Smtp.WaitForMessagesAsync(sent + 1, Wait))[sent]));
            for (var i = 0; i < ApproverCodes.MaxAttempts; i++)
            {
                Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(path, ("email", ApproverTestbed.Dgs), ("code", WrongFor(code)), ("decision", "approve"))).Status);
            }
        }
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(path + "/code", ("email", ApproverTestbed.Dgs))).Status);
        var right = ApproverTestbed.CodeIn(ApproverTestbed.Mime((await _bed.Smtp.WaitForMessagesAsync(3, Wait))[2]));
        var (status, html) = await PostAsync(path, ("email", ApproverTestbed.Dgs), ("code", right), ("decision", "approve"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("Trop de codes erronés ont été saisis pour cette adresse à cette étape\u00A0: elle est bloquée pour ce dossier. Contactez le secrétariat des assemblées.",
            html, StringComparison.Ordinal);
        Assert.Empty(_bed.Steps.Decisions);
        Assert.Contains(_bed.App.Logs.Lines, l => l.Contains("Too many wrong approver codes on step", StringComparison.Ordinal));
        Assert.DoesNotContain(_bed.App.Logs.Lines, l => l.Contains(right, StringComparison.Ordinal));
        // Another approver of the step still may.
        await Codes.RequestAsync(step, ApproverTestbed.Maire, CancellationToken.None);
        var mayors = ApproverTestbed.CodeIn(ApproverTestbed.Mime((await _bed.Smtp.WaitForMessagesAsync(4, Wait))[3]));
        Assert.IsType<CodeCheck.Proven>(await Codes.CheckAsync(step.StepId, ApproverTestbed.Maire, mayors, CancellationToken.None));
    }

    [Fact]
    public async Task FiftyWrongCodesOverAllAddresses_LockTheStepForEveryone()
    {
        var step = _bed.Step();
        for (var n = 0; n < ApproverCodes.MaxFailuresPerStep / ApproverCodes.MaxFailuresPerAddress; n++)
        {
            var address = $"curieux{n}@mairie-saint-clair.fr";
            for (var i = 0; i < ApproverCodes.MaxFailuresPerAddress; i++)
            {
                if (i % ApproverCodes.MaxAttempts == 0)
                {
                    Assert.Equal(CodeRequestOutcome.Accepted, await Codes.RequestAsync(step, address, CancellationToken.None));
                }
                Assert.IsNotType<CodeCheck.Proven>(await Codes.CheckAsync(step.StepId, address, "12345678", CancellationToken.None));
            }
        }
        await Codes.RequestAsync(step, ApproverTestbed.Dgs, CancellationToken.None);
        var code = ApproverTestbed.CodeIn(ApproverTestbed.Mime(Assert.Single(await _bed.Smtp.WaitForMessagesAsync(1, Wait))));

        Assert.Equal(new CodeCheck.Locked(ForEveryone: true), await Codes.CheckAsync(step.StepId, ApproverTestbed.Dgs, code, CancellationToken.None));
    }

    [Fact]
    public async Task TheRightCode_DoesNotCountAsAWrongOne()
    {
        var step = _bed.Step();
        for (var i = 0; i < ApproverCodes.MaxFailuresPerAddress + 1; i++)
        {
            if (i % ApproverCodes.MaxRequests == 0)
            {
                _bed.Clock.Advance(ApproverCodes.RequestWindow);
            }
            await Codes.RequestAsync(step, ApproverTestbed.Dgs, CancellationToken.None);
            var code = ApproverTestbed.CodeIn(ApproverTestbed.Mime((await _bed.Smtp.WaitForMessagesAsync(i + 1, Wait))[i]));
            Assert.IsType<CodeCheck.Proven>(await Codes.CheckAsync(step.StepId, ApproverTestbed.Dgs, code, CancellationToken.None));
        }
    }

    [Fact]
    public async Task ThirtyRequestsAnHourForAStep_OverAllAddresses_ThenRefusedForAnyone()
    {
        var step = _bed.Step();
        for (var i = 0; i < ApproverCodes.MaxStepRequests; i++)
        {
            Assert.Equal(CodeRequestOutcome.Accepted, await Codes.RequestAsync(step, $"curieux{i % 10}@mairie-saint-clair.fr", CancellationToken.None));
        }

        Assert.Equal(CodeRequestOutcome.TooMany, await Codes.RequestAsync(step, "autre@mairie-saint-clair.fr", CancellationToken.None));
        Assert.Equal(CodeRequestOutcome.TooMany, await Codes.RequestAsync(step, ApproverTestbed.Dgs, CancellationToken.None));
        Assert.Equal(CodeRequestOutcome.Accepted, await Codes.RequestAsync(_bed.Step(), ApproverTestbed.Dgs, CancellationToken.None));
        _bed.Clock.Advance(ApproverCodes.StepRequestWindow);
        Assert.Equal(CodeRequestOutcome.Accepted, await Codes.RequestAsync(step, ApproverTestbed.Dgs, CancellationToken.None));
    }

    [Fact]
    public async Task TheRecurringJob_PurgesCodesSpentOrExpiredMoreThanADayAgo()
    {
        var step = _bed.Step();
        await Codes.RequestAsync(step, ApproverTestbed.Stranger, CancellationToken.None);
        _bed.Clock.Advance(ApproverCodes.Lifetime + ApproverCodes.Retention);
        await Codes.RequestAsync(step, ApproverTestbed.Dgs, CancellationToken.None);

        await _bed.App.Services.GetRequiredService<ValidationDeadlineJob>().RunAsync(CancellationToken.None);

        await using var connection = await _bed.App.Services.GetRequiredService<HubDatabase>().OpenAsync();
        Assert.Equal([ApproverTestbed.Dgs], await connection.QueryAsync<string>("SELECT address FROM approver_codes"));
    }
}

[Collection(HubHostsGroup.Name)]
public sealed class ApproverCodeLimitsSqliteTests() : ApproverCodeLimitsTests(TestDatabase.Sqlite);

[Collection(HubHostsGroup.Name)]
public sealed class ApproverCodeLimitsPostgresTests() : ApproverCodeLimitsTests(TestDatabase.Postgres);
