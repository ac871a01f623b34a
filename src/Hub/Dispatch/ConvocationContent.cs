using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Members;
using IntegrationHub.Sessions;

namespace IntegrationHub.Dispatch;

/// <summary>Everything a convocation message says, gathered for one member and one delivery.</summary>
public sealed record ConvocationContent(
    Authority Authority,
    Assembly Assembly,
    Session Session,
    Member Member,
    Delivery Delivery,
    Uri AnswerLink,
    Uri DocumentsLink)
{
    /// <summary>For an update: what changed, as recorded with the session's new version.</summary>
    public string? ChangeSummary { get; init; }
}
