using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Smtp;
using IntegrationHub.TestSupport.Teams;
using IntegrationHub.Validation;
using IntegrationHub.Validation.Decisions;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace IntegrationHub.Tests.Validation;

/// <summary>
/// A hub whose email goes to a recording SMTP server, an authority with a Microsoft 365 connector posting to the Teams
/// Workflows stand-in, and a session to validate. <see cref="Steps"/> stands in for the circuits when a test is about
/// the approvers' surfaces alone.
/// </summary>
public sealed partial class ApproverTestbed : IAsyncDisposable
{
    public const string Dgs = "dgs@mairie-saint-clair.fr";
    public const string Maire = "maire@mairie-saint-clair.fr";
    public const string Stranger = "curieux@mairie-saint-clair.fr";

    private ApproverTestbed(HubApp app, RecordingSmtpServer smtp, TeamsWorkflowStandIn teams, InMemoryStepDecisions? steps, Scenario scenario)
    {
        App = app;
        Smtp = smtp;
        Teams = teams;
        Steps = steps;
        Scenario = scenario;
    }

    public HubApp App { get; }
    public RecordingSmtpServer Smtp { get; }
    public TeamsWorkflowStandIn Teams { get; }
    public InMemoryStepDecisions? Steps { get; }
    public Scenario Scenario { get; }
    public ShiftedTimeProvider Clock => (ShiftedTimeProvider)App.Services.GetRequiredService<TimeProvider>();

    /// <param name="standInCircuits">Replace the circuits by <see cref="InMemoryStepDecisions"/>.</param>
    /// <param name="database">The hub's database.</param>
    public static async Task<ApproverTestbed> StartAsync(bool standInCircuits, TestDatabase database = TestDatabase.Sqlite)
    {
        var smtp = new RecordingSmtpServer();
        var teams = await TeamsWorkflowStandIn.StartAsync();
        var steps = standInCircuits ? new InMemoryStepDecisions() : null;
        var settings = await HubApp.PrepareAsync(database, extra: new Dictionary<string, string?>
        {
            ["Hub:Connectors:Email:Host"] = smtp.Host,
            ["Hub:Connectors:Email:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Hub:Connectors:Email:Security"] = "None",
            ["Hub:Connectors:Email:FromAddress"] = "convocations@mairie-saint-clair.fr",
            ["Hub:Validation:NoticeRetryDelays:0"] = "00:00:00.300",
            ["Hub:Validation:NoticeRetryDelays:1"] = "00:00:00.300",
        });
        var app = await HubApp.StartAsync(settings with
        {
            Services = services =>
            {
                if (steps is not null)
                {
                    services.AddSingleton<IStepDecisions>(steps);
                }
            },
        });
        var scenario = await Scenario.CreateAsync(app.Admin, members: 2);
        var put = await app.Admin.PutAsJsonAsync($"/api/authorities/{scenario.AuthorityId}/connectors/m365", new
        {
            type = "microsoft365",
            enabled = true,
            settings = new { organizerMailbox = "secretariat@mairie-saint-clair.fr", graphBaseUrl = "http://127.0.0.1:9/v1.0", credentialKind = "staticToken" },
            secrets = new { staticToken = FakeSecrets.Token("graph"), teamsWorkflowUrl = teams.WorkflowUrl.AbsoluteUri },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return new ApproverTestbed(app, smtp, teams, steps, scenario);
    }

    /// <summary>A step of the scenario's session: position 2 of 3, awaiting the DGS and the mayor (any of them).</summary>
    public ValidationStepView Step(string state = "pending", string rule = "any", IReadOnlyList<string>? pending = null) => new(
        Scenario.AuthorityId, Guid.NewGuid(), Guid.NewGuid(), Scenario.SessionId, null, "Conseil municipal du 26 mars 2026", 1, 2, 3,
        "Directeur général des services", rule, [Dgs, Maire], pending ?? [Dgs, Maire],
        new DateTimeOffset(2026, 3, 12, 17, 0, 0, TimeSpan.Zero), state, "pending");

    public IValidationNotifier Notifier(string channel) =>
        App.Services.GetServices<IValidationNotifier>().Single(n => n.Channel == channel);

    public ValidationLinks Links => App.Services.GetRequiredService<ValidationLinks>();

    /// <summary>The addresses of the SMTP envelope (<c>RCPT TO:&lt;address&gt; NOTIFY=…</c>).</summary>
    public static IReadOnlyList<string> Recipients(RecordedSmtpMessage message) =>
        message.RcptTo.Select(r => r[(r.IndexOf('<', StringComparison.Ordinal) + 1)..r.IndexOf('>', StringComparison.Ordinal)]).ToList();

    public static MimeMessage Mime(RecordedSmtpMessage message) => MimeMessage.Load(new MemoryStream(message.Data));

    /// <summary>The path and query of the first link labelled <paramref name="label"/> in an email's text part.</summary>
    public static string LinkIn(MimeMessage message, string label)
    {
        var match = Regex.Match(message.TextBody ?? "", Regex.Escape(label) + "\u00A0: (http://hub\\.test/\\S+)");
        Assert.True(match.Success, $"No « {label} » link in:\n{message.TextBody}");
        return new Uri(match.Groups[1].Value).PathAndQuery;
    }

    public static string CodeIn(MimeMessage message)
    {
        var match = EightDigits().Match(message.TextBody ?? "");
        Assert.True(match.Success, message.TextBody);
        return match.Value;
    }

    /// <summary>The anti-forgery field of a page, as the browser would post it back.</summary>
    public static string FormToken(string html)
    {
        var match = Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        Assert.True(match.Success, "No anti-forgery field in the page.");
        return System.Net.WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>A form as the page would post it: the fields and the page's anti-forgery token.</summary>
    public static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields) =>
        new(fields.Append(("__RequestVerificationToken", FormToken(page))).Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Teams.DisposeAsync();
        Smtp.Dispose();
    }

    [GeneratedRegex(@"(?<!\d)\d{8}(?!\d)")]
    private static partial Regex EightDigits();
}

/// <summary>The circuits as the decision pages see them, in memory: steps a test puts there, and the decisions recorded.</summary>
public sealed class InMemoryStepDecisions : IStepDecisions
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, ValidationStepView> _steps = [];
    private readonly List<(Guid StepId, string Approver, string Decision, string? Comment, string? DelegateTo, string Proof)> _decisions = [];

    public IReadOnlyList<(Guid StepId, string Approver, string Decision, string? Comment, string? DelegateTo, string Proof)> Decisions
    {
        get
        {
            lock (_gate)
            {
                return [.. _decisions];
            }
        }
    }

    public void Put(ValidationStepView step)
    {
        lock (_gate)
        {
            _steps[step.StepId] = step;
        }
    }

    public Task<ValidationStepView?> GetStepAsync(Guid stepId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_steps.GetValueOrDefault(stepId));
        }
    }

    public Task<StepDecisionResult> DecideAsync(Guid stepId, string approver, string decision, string? comment, string? delegateTo, string proof, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var step = _steps[stepId];
            if (step.State != "pending")
            {
                return Task.FromResult<StepDecisionResult>(new StepDecisionResult.StepClosed(step.State));
            }
            if (!step.PendingApprovers.Contains(approver, StringComparer.OrdinalIgnoreCase))
            {
                return Task.FromResult<StepDecisionResult>(new StepDecisionResult.NotAnApprover());
            }
            _decisions.Add((stepId, approver, decision, comment, delegateTo, proof));
            var state = decision switch { "approve" => "approved", "reject" => "rejected", _ => "pending" };
            _steps[stepId] = step with { State = state };
            return Task.FromResult<StepDecisionResult>(new StepDecisionResult.Recorded(state, "pending"));
        }
    }
}
