using System.Security.Cryptography;

namespace IntegrationHub.TestSupport;

/// <summary>
/// Secret-shaped values for tests, made at run time so that no key, token or password literal sits in the repository
/// (secrets come from user-secrets or the environment, never from files in git — even fake ones).
/// </summary>
public static class FakeSecrets
{
    /// <summary>A fresh random token with a readable prefix, for API keys and bearer tokens of stand-ins.</summary>
    public static string Token(string prefix) => $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}";

    /// <summary>A PEM-shaped value around <paramref name="body"/> that is not a key.</summary>
    public static string PrivateKeyPem(string body) => string.Join("\n", "-----BEGIN " + "PRIVATE KEY-----", body, "-----END " + "PRIVATE KEY-----");
}
