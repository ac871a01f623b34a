namespace IntegrationHub.Documents;

/// <summary>What a document is for, in a session's dossier.</summary>
public static class DocumentKinds
{
    /// <summary>Note explicative de synthèse (CGCT L2121-12): mandatory for communes ≥ 3,500 and EPCI.</summary>
    public const string SynthesisNote = "synthesisNote";
    public const string DraftDeliberation = "draftDeliberation";
    public const string Annex = "annex";
    public const string Other = "other";

    public static bool IsKnown(string? kind) => kind is SynthesisNote or DraftDeliberation or Annex or Other;

    public static string Label(string kind) => kind switch
    {
        SynthesisNote => "Note explicative de synthèse",
        DraftDeliberation => "Projet de délibération",
        Annex => "Annexe",
        _ => "Document",
    };
}

public static class DocumentAccess
{
    public const string Open = "open";
    public const string Download = "download";
}

/// <summary>A document of a session (or of one of its agenda items), one version of it.</summary>
public sealed class SessionDocument
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid SessionId { get; set; }
    public Guid? ItemId { get; set; }
    public Guid LineageId { get; set; }
    public int Version { get; set; }
    public bool IsCurrent { get; set; }
    public string Kind { get; set; } = DocumentKinds.Other;
    public string Name { get; set; } = "";
    public string MediaType { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public long Size { get; set; }
    public int Position { get; set; }
    public string? SourceReference { get; set; }
    public DateTimeOffset UploadedAt { get; set; }
    public string UploadedBy { get; set; } = "";
}
