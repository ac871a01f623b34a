namespace IntegrationHub.Convocations;

public static class Attendance
{
    public const string Present = "present";
    public const string Absent = "absent";
    public const string Proxy = "proxy";

    /// <summary>« Provisoire » from a calendar client: kept in the history, counted as no answer for the quorum.</summary>
    public const string Tentative = "tentative";

    public static bool IsKnown(string? value) => value is Present or Absent or Proxy;
}

/// <summary>One answer as given; the latest for a convocation is the member's current answer, older ones are history.</summary>
public sealed class Answer
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid SessionId { get; set; }
    public Guid ConvocationId { get; set; }
    public Guid MemberId { get; set; }
    public string Attendance { get; set; } = "";
    public Guid? ProxyHolderMemberId { get; set; }
    public bool IllnessCertified { get; set; }
    public string Source { get; set; } = "";
    public DateTimeOffset RecordedAt { get; set; }
}
