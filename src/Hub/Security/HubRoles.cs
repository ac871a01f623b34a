namespace IntegrationHub.Security;

public static class HubRoles
{
    /// <summary>DSI: authorities, connectors, keys, everything a secretariat can do.</summary>
    public const string Admin = "admin";

    /// <summary>Service des assemblées: members, sessions, sending, answers.</summary>
    public const string Secretariat = "secretariat";

    /// <summary>Read-only access, for evidence and control.</summary>
    public const string Auditor = "auditor";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Admin, Secretariat, Auditor };
}

public static class HubPolicies
{
    public const string Read = "hub.read";
    public const string Write = "hub.write";
    public const string Admin = "hub.admin";
}
