using System.Text.Json.Serialization;

namespace IntegrationHub.Legal;

/// <summary>Whether the quorum is expected at the opening of a session, given the answers received so far.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QuorumOutlook>))]
public enum QuorumOutlook
{
    [JsonStringEnumMemberName("reached")]
    Reached,

    [JsonStringEnumMemberName("atRisk")]
    AtRisk,

    [JsonStringEnumMemberName("notReached")]
    NotReached,
}
