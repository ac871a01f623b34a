namespace IntegrationHub.Connectors.Twilio;

/// <summary>
/// Orders Twilio's message statuses so that a status callback never moves a message backwards: callbacks arrive out
/// of order or twice, and a late <c>sent</c> must not overwrite <c>delivered</c>.
/// </summary>
/// <remarks>
/// The order, lowest first:
/// <list type="number">
/// <item><description>0 — an unknown status (Twilio adds values without notice): never replaces a known one.</description></item>
/// <item><description>1 — <c>accepted</c>, <c>scheduled</c> (a Messaging Service has the message, no sender chosen yet).</description></item>
/// <item><description>2 — <c>queued</c>.</description></item>
/// <item><description>3 — <c>sending</c>.</description></item>
/// <item><description>4 — <c>sent</c> (handed to the carrier).</description></item>
/// <item><description>
/// 5 — the final states, all of the same rank: <c>delivered</c>, <c>undelivered</c>, <c>failed</c>, <c>canceled</c>.
/// Once one is recorded nothing replaces it, not even another final state: the first final answer is the evidence.
/// </description></item>
/// </list>
/// The hub stores a callback's status only when <c>Rank(incoming) &gt; Rank(stored)</c>.
/// </remarks>
public static class TwilioStatus
{
    /// <summary>The rank of the final states.</summary>
    public const int FinalRank = 5;

    /// <summary>The rank of <paramref name="status"/> (case-insensitive); 0 for an unknown or missing status.</summary>
    /// <param name="status">A Twilio <c>MessageStatus</c> value.</param>
    /// <returns>A rank from 0 to <see cref="FinalRank"/>.</returns>
    public static int Rank(string? status) => status?.Trim().ToUpperInvariant() switch
    {
        "ACCEPTED" or "SCHEDULED" => 1,
        "QUEUED" => 2,
        "SENDING" => 3,
        "SENT" => 4,
        "DELIVERED" or "UNDELIVERED" or "FAILED" or "CANCELED" => FinalRank,
        _ => 0,
    };

    /// <summary>Whether <paramref name="status"/> is final: Twilio sends no further status for the message.</summary>
    /// <param name="status">A Twilio <c>MessageStatus</c> value.</param>
    /// <returns><see langword="true"/> for <c>delivered</c>, <c>undelivered</c>, <c>failed</c> and <c>canceled</c>.</returns>
    public static bool IsFinal(string? status) => Rank(status) == FinalRank;

    /// <summary>Whether a callback carrying <paramref name="incoming"/> should replace the stored <paramref name="current"/>.</summary>
    /// <param name="incoming">The status in the callback.</param>
    /// <param name="current">The status stored so far, or null when none.</param>
    /// <returns><see langword="true"/> when <paramref name="incoming"/> ranks strictly higher.</returns>
    public static bool Supersedes(string? incoming, string? current) => Rank(incoming) > Rank(current);
}
