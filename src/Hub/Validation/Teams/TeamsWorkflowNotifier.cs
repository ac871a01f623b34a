using System.Globalization;
using System.Net;
using System.Net.Mime;
using System.Text;
using System.Text.RegularExpressions;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.Connectors.Microsoft365;
using IntegrationHub.Plugins.Channels;

namespace IntegrationHub.Validation.Teams;

/// <summary>
/// Posts validation cards to the authority's Teams channel through its Teams Workflows webhook (INTEGRATIONS.md §2.3),
/// the <c>teamsWorkflowUrl</c> secret of its enabled <c>microsoft365</c> connector. The URL carries the flow's
/// <c>sig=</c> signature, a bearer credential: it is never logged (the HTTP client has no loggers, exceptions name
/// only the status) and never returned by the API (it is a connector secret).
/// </summary>
/// <remarks>
/// 2xx (the flow answers 202) = posted. 408, 429, 5xx, a timeout or an unreachable host → <see cref="TransientDeliveryException"/>
/// (the notice job tries again, honouring <c>Retry-After</c>); any other 4xx → <see cref="PermanentDeliveryException"/>
/// (a deleted or disabled flow, a malformed card: trying again cannot help). A webhook has no idempotency key: a post
/// that timed out after the flow accepted it appears twice in the channel after the retry.
/// </remarks>
public sealed partial class TeamsWorkflowNotifier(
    ConnectorStore connectors,
    ConnectorSecrets secrets,
    ValidationLinks links,
    IHttpClientFactory httpClients,
    TimeProvider time,
    ILogger<TeamsWorkflowNotifier> logger) : IValidationNotifier
{
    public const string HttpClientName = "teams-workflows";

    public string Channel => "teams";

    public async Task<bool> IsConfiguredAsync(Guid authorityId, CancellationToken cancellationToken) =>
        await WorkflowUrlAsync(authorityId, cancellationToken) is not null;

    public async Task NotifyAsync(ValidationNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var url = await WorkflowUrlAsync(notice.Step.AuthorityId, cancellationToken)
            ?? throw new PermanentDeliveryException("The authority has no Teams Workflows URL any more (microsoft365 connector disabled, removed, or its teamsWorkflowUrl cleared).");
        var body = TeamsCard.Message(notice, links.Link).ToJsonString();
        using var content = new StringContent(body, Encoding.UTF8, MediaTypeNames.Application.Json);
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName).PostAsync(url, content, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new TransientDeliveryException($"The Teams workflow could not be reached ({e.HttpRequestError}).");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientDeliveryException("The Teams workflow did not answer in time.");
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                logger.LogInformation("Teams card posted for step {StepId} ({Kind}, notice {NoticeId}): HTTP {Status}", notice.Step.StepId, notice.Kind, notice.NoticeId, status);
                return;
            }
            var excerpt = Redact(await ReadExcerptAsync(response, cancellationToken));
            if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || status >= 500)
            {
                throw new TransientDeliveryException(string.Create(CultureInfo.InvariantCulture, $"The Teams workflow answered HTTP {status}; trying again later. {excerpt}"))
                {
                    RetryAfter = RetryAfter(response),
                };
            }
            throw new PermanentDeliveryException(string.Create(CultureInfo.InvariantCulture,
                $"The Teams workflow refused the card with HTTP {status} (flow deleted or turned off, or the card was rejected): check the microsoft365 connector's teamsWorkflowUrl. {excerpt}"));
        }
    }

    private async Task<Uri?> WorkflowUrlAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        foreach (var instance in await connectors.ListAsync(authorityId, cancellationToken))
        {
            if (instance.Enabled && instance.Type == Microsoft365ConnectorType.Id
                && secrets.Unprotect(instance.ProtectedSecrets).GetValueOrDefault(Microsoft365ConnectorType.TeamsWorkflowUrlKey) is { Length: > 0 } text
                && Uri.TryCreate(text, UriKind.Absolute, out var url))
            {
                return url;
            }
        }
        return null;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() > TimeSpan.Zero ? date - time.GetUtcNow() : TimeSpan.Zero,
        _ => null,
    };

    private static async Task<string> ReadExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length <= 300 ? text : text[..300] + "…";
    }

    /// <summary>A flow's error may quote the request URL: its signature never reaches a log or the database.</summary>
    internal static string Redact(string text) => Signature().Replace(text, "sig=***");

    [GeneratedRegex(@"sig=[^&\s""'<>]+", RegexOptions.IgnoreCase)]
    private static partial Regex Signature();
}
