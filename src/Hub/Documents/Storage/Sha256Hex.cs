using System.Buffers;

namespace IntegrationHub.Documents.Storage;

/// <summary>The form in which the store names content: a SHA-256 as 64 lower-case hexadecimal digits.</summary>
public static class Sha256Hex
{
    public const int Length = 64;

    private static readonly SearchValues<char> LowerHexDigits = SearchValues.Create("0123456789abcdef");

    /// <summary>
    /// Whether <paramref name="value"/> is a well-formed hash. Stores build file paths and object keys from it, so
    /// anything else (upper case, a path, « .. ») is refused before it gets near a file system.
    /// </summary>
    public static bool IsValid(string? value) =>
        value is { Length: Length } && !value.AsSpan().ContainsAnyExcept(LowerHexDigits);

    internal static void ThrowIfInvalid(string sha256, string paramName)
    {
        ArgumentNullException.ThrowIfNull(sha256, paramName);
        if (!IsValid(sha256))
        {
            throw new ArgumentException("Expected a SHA-256 as 64 lower-case hexadecimal digits.", paramName);
        }
    }
}
