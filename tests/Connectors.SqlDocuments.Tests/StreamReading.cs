using System.Security.Cryptography;

namespace IntegrationHub.Connectors.SqlDocuments.Tests;

/// <summary>Reads a stream in 80 KB chunks, as the hub copies a document, and measures what reading it allocated.</summary>
internal static class StreamReading
{
    public const int ChunkSize = 80 * 1024;

    public static async Task<(string Sha256, long Length)> HashAsync(Stream stream, byte[]? buffer = null)
    {
        buffer ??= new byte[ChunkSize];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(0, ChunkSize))) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }

        return (Convert.ToHexString(hash.GetHashAndReset()), length);
    }

    public static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, ChunkSize);
        return copy.ToArray();
    }
}
