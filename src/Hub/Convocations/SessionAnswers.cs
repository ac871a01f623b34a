namespace IntegrationHub.Convocations;

/// <summary>
/// The current answer of each member of a session, with the proxies the database registered as held (one per holder,
/// CGCT L2121-20). The single place that says whether a proxy can be exercised.
/// </summary>
public sealed class SessionAnswers(IReadOnlyDictionary<Guid, Answer> current, IReadOnlySet<Guid> heldProxyAnswerIds)
{
    public IReadOnlyDictionary<Guid, Answer> Current { get; } = current;

    public Answer? Of(Guid memberId) => Current.GetValueOrDefault(memberId);

    /// <summary>
    /// A proxy is void (caduc) when its holder answered absent or gave their own proxy: the holder votes « en son nom »
    /// during the session, so must attend it (CGCT L2121-20, LEGAL.md §4). A proxy the database did not register
    /// (a second one to the same holder, given before the one-proxy rule was enforced by the schema) is void too.
    /// It becomes valid again if the holder answers present.
    /// </summary>
    public bool IsVoidProxy(Answer answer) =>
        answer.Attendance == Attendance.Proxy
        && (!heldProxyAnswerIds.Contains(answer.Id)
            || answer.ProxyHolderMemberId is not { } holder
            || Of(holder)?.Attendance is Attendance.Absent or Attendance.Proxy);

    /// <summary>The proxy the member holds for this session, if any (valid or not).</summary>
    public Answer? ProxyHeldBy(Guid holderId) =>
        Current.Values.FirstOrDefault(a => a.Attendance == Attendance.Proxy && a.ProxyHolderMemberId == holderId && heldProxyAnswerIds.Contains(a.Id));
}
