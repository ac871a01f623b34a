namespace IntegrationHub.Members.Import;

/// <summary>A valid data row; <see cref="LineNumber"/> is the physical line where the row starts (header = 1).</summary>
public sealed record MemberCsvRow(int LineNumber, MemberFields Fields);

/// <summary>A row left out of the import, with the reason in French.</summary>
public sealed record MemberCsvRejection(int LineNumber, string Reason);

/// <summary>Every data row of the file ends up in exactly one of the two lists, each in file order.</summary>
public sealed record MemberCsvParseResult(IReadOnlyList<MemberCsvRow> Rows, IReadOnlyList<MemberCsvRejection> Rejections);
