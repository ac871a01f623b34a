using IntegrationHub.Legal;

namespace IntegrationHub.Assemblies;

/// <summary>A deliberative body of an authority, with the delays it overrides (règlement intérieur), if any.</summary>
public sealed class Assembly
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public string Name { get; set; } = "";
    public string Kind { get; set; } = "";
    public int? NoticeDays { get; set; }
    public int? UrgentNoticeDays { get; set; }
    public bool? ClearDays { get; set; }
    public bool? SynthesisNoteRequired { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public AssemblyKind KindValue => AssemblyKinds.TryParse(Kind, out var kind) ? kind : AssemblyKind.Other;

    public bool IsOverridden => NoticeDays is not null || UrgentNoticeDays is not null || ClearDays is not null || SynthesisNoteRequired is not null;
}

public static class AssemblyKinds
{
    public static bool TryParse(string? value, out AssemblyKind kind)
    {
        kind = default;
        switch (value?.Trim().ToLowerInvariant())
        {
            case "council" or "conseil" or "conseil_municipal" or "conseil municipal": kind = AssemblyKind.Council; return true;
            case "bureau": kind = AssemblyKind.Bureau; return true;
            case "commission": kind = AssemblyKind.Commission; return true;
            case "cst": kind = AssemblyKind.Cst; return true;
            case "other" or "autre": kind = AssemblyKind.Other; return true;
            default: return false;
        }
    }

    public static string Name(AssemblyKind kind) => kind switch
    {
        AssemblyKind.Council => "council",
        AssemblyKind.Bureau => "bureau",
        AssemblyKind.Commission => "commission",
        AssemblyKind.Cst => "cst",
        _ => "other",
    };
}
