namespace IntegrationHub.Evidence.Bundle;

/// <summary>
/// <c>IntegrationHub verify &lt;bundle.zip&gt;</c>: checks an evidence bundle offline, before any host is built (no
/// database, no configuration). Exit code 0 when intact, 1 when not, 2 when the file is not a usable bundle or the
/// arguments are wrong.
/// </summary>
public static class EvidenceBundleCommand
{
    public const string Name = "verify";

    public const int Intact = 0;
    public const int Broken = 1;
    public const int Unusable = 2;

    /// <summary>Whether <paramref name="args"/> asks for this command rather than the web host.</summary>
    public static bool Matches(string[] args) => args is [Name, ..];

    public static int Run(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (args is not [Name, var path])
        {
            output.WriteLine("Usage\u00A0: verify <dossier-de-preuves.zip>");
            return Unusable;
        }
        if (!File.Exists(path))
        {
            output.WriteLine($"Fichier inutilisable\u00A0: {path} n'existe pas");
            return Unusable;
        }
        var report = EvidenceBundleVerifier.Verify(path);
        output.WriteLine(report.Verdict());
        return report.IsIntact ? Intact : report.Usable ? Broken : Unusable;
    }
}
