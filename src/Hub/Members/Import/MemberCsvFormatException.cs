namespace IntegrationHub.Members.Import;

/// <summary>
/// The file as a whole cannot be read as a member list (empty, not UTF-8, no usable header, an unclosed quote):
/// nothing of it is imported. The message is French and meant for the person who sent the file.
/// </summary>
public sealed class MemberCsvFormatException : Exception
{
    public MemberCsvFormatException()
    {
    }

    public MemberCsvFormatException(string message)
        : base(message)
    {
    }

    public MemberCsvFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MemberCsvFormatException(string message, int lineNumber)
        : base(message) => LineNumber = lineNumber;

    /// <summary>The physical line (1-based) where the problem was found, when there is one.</summary>
    public int? LineNumber { get; }
}
