namespace IntegrationHub.Documents.Storage;

/// <summary>Content kept by an <see cref="IDocumentStore"/>, named by its hash.</summary>
/// <param name="Sha256">SHA-256 of the bytes, 64 lower-case hexadecimal digits.</param>
/// <param name="Size">Length in bytes.</param>
public sealed record StoredBlob(string Sha256, long Size);
