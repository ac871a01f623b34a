namespace IntegrationHub.Plugins.Channels;

/// <summary>One message for one recipient, already written in French by the hub.</summary>
/// <param name="IdempotencyKey">
/// Stable for a delivery: the same key is passed on every attempt, so a provider that supports it (MIME Message-ID,
/// Graph transactionId) can recognise a repeat.
/// </param>
/// <param name="Kind">Why the message is sent.</param>
/// <param name="Recipient">Who receives it.</param>
/// <param name="Subject">Subject line (email) or title.</param>
/// <param name="TextBody">Plain-text body; the whole message for text-only channels such as SMS.</param>
/// <param name="HtmlBody">Optional HTML body for channels that render HTML.</param>
/// <param name="Calendar">Optional calendar invitation describing the meeting.</param>
public sealed record OutboundMessage(
    string IdempotencyKey,
    MessageKind Kind,
    Recipient Recipient,
    string Subject,
    string TextBody,
    string? HtmlBody = null,
    CalendarInvitation? Calendar = null)
{
    /// <summary>Authority the message is sent for; lets a channel pick the authority's own settings.</summary>
    public string? AuthorityId { get; init; }

    /// <summary>
    /// A short alert for text-only, length-limited channels (SMS): who convenes, when, and the personal link. The hub
    /// writes it to fit two SMS segments; channels send it instead of <see cref="TextBody"/> when set.
    /// </summary>
    public string? ShortText { get; init; }
}

/// <summary>Why a message is sent.</summary>
public enum MessageKind
{
    /// <summary>The first convocation to a session.</summary>
    Convocation,

    /// <summary>The session changed after the convocation was sent (time, place, agenda).</summary>
    Update,

    /// <summary>The session is cancelled.</summary>
    Cancellation,

    /// <summary>Any other notice (reminder, proxy offer…).</summary>
    Notice,
}

/// <summary>A recipient, with every address the hub knows; each channel uses the one it needs.</summary>
/// <param name="DisplayName">Name as it should appear, for example « Marie Dupont ».</param>
/// <param name="Email">Email address, if any.</param>
/// <param name="Mobile">Mobile number in E.164 form (<c>+33612345678</c>), if any.</param>
/// <param name="M365Upn">Microsoft 365 user principal name, if any.</param>
public sealed record Recipient(string DisplayName, string? Email, string? Mobile = null, string? M365Upn = null);
