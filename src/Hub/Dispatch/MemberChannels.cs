using IntegrationHub.Members;

namespace IntegrationHub.Dispatch;

/// <summary>The channels a member is reached by, for convocations and for mailings alike.</summary>
public static class MemberChannels
{
    /// <summary>
    /// Electronic by default; paper only on the member's written request (CGCT L2121-10, as amended by loi 2019-1461 art. 9).
    /// A member gets every electronic channel of the authority for which they have the address: email when they have
    /// one, the SMS alert when a usable mobile is known.
    /// </summary>
    public static List<string> For(Member member, IReadOnlyList<ConnectorInstances.AuthorityChannel> electronic)
    {
        if (member.WantsPaper)
        {
            return [ChannelNames.Paper];
        }
        var result = electronic.Where(c => c.Address switch
        {
            Plugins.Connectors.RecipientAddress.Email => member.Email is not null,
            Plugins.Connectors.RecipientAddress.Mobile => member.Mobile is not null && member.MobileProblem is null,
            Plugins.Connectors.RecipientAddress.M365Upn => member.M365Upn is not null,
            _ => true,
        }).Select(c => c.Name).ToList();
        // An electronic member always has an email (MemberFieldsValidator); this keeps a convocation from having no delivery at all.
        return result.Count > 0 ? result : [ChannelNames.Email];
    }
}
