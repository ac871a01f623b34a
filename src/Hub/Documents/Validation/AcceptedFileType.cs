namespace IntegrationHub.Documents.Validation;

/// <summary>A kind of file the hub accepts as a session document.</summary>
/// <param name="MediaType">The media type recorded and served for it.</param>
/// <param name="Label">How the refusal messages name it, « Word (.docx) ».</param>
/// <param name="Extensions">Accepted extensions, lower case with the dot, the usual one first.</param>
public sealed record AcceptedFileType(string MediaType, string Label, IReadOnlyList<string> Extensions);
