using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IntegrationHub.Connectors.Timestamping;
using IntegrationHub.Plugins.Timestamping;

namespace IntegrationHub.Evidence.Timestamping;

/// <summary>
/// The hub's own RFC 3161 TSA, used when an authority configured none: not qualified (no eIDAS presumption, LEGAL.md
/// §8), but it proves the ledger's order and integrity to anyone holding <c>root.pem</c>. Its root and signing
/// certificate are generated at first start under <c>{DataDirectory}/timestamping/</c> and reused unchanged after.
/// </summary>
/// <remarks>
/// Files: <c>tsa-credentials.pem</c> (owner-only, 0600) holds the signing certificate, the root and the signing key,
/// so the pair can never be mismatched; <c>root.pem</c> and <c>chain.pem</c> (signing certificate + root) are public
/// copies derived from it. The credentials file appears atomically (written to a temporary file, then linked into
/// place without overwriting), so two hubs sharing the data directory, or a crash mid-write, never leave a
/// half-written or second pair: the loser of a race loads the winner's. The root's private key is never stored: the
/// root can certify nothing else. The signing certificate is valid ten years; renewal is not automated.
/// </remarks>
public sealed class BuiltInTimestampAuthority : ITimestampAuthority
{
    public const string FolderName = "timestamping";
    public const string CredentialsFileName = "tsa-credentials.pem";
    public const string RootFileName = "root.pem";
    public const string ChainFileName = "chain.pem";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Public = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly TimestampIssuer _issuer;

    private BuiltInTimestampAuthority(X509Certificate2 signer, X509Certificate2 root, string directory, TimeProvider time)
    {
        _issuer = new TimestampIssuer(signer, time);
        Signer = X509CertificateLoader.LoadCertificate(signer.RawData);
        Root = root;
        Directory = directory;
        CertificateChain = [signer.RawData, root.RawData];
    }

    /// <summary>The root anyone verifying the hub's tokens trusts (the content of <c>root.pem</c>).</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The signing certificate, public part only.</summary>
    public X509Certificate2 Signer { get; }

    /// <summary>The folder holding the files.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public bool IsQualified => false;

    /// <inheritdoc />
    public string DisplayName => TimestampCertificates.BuiltInSignerName;

    /// <inheritdoc />
    public IReadOnlyList<ReadOnlyMemory<byte>> CertificateChain { get; }

    /// <inheritdoc />
    public Task<TimestampToken> StampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_issuer.Issue(sha256));
    }

    /// <summary>Loads the built-in TSA from <c>{dataDirectory}/timestamping/</c>, creating it at the first start.</summary>
    /// <exception cref="InvalidOperationException">The stored credentials are unreadable or do not form a working TSA; they are left untouched.</exception>
    public static BuiltInTimestampAuthority Open(string dataDirectory, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var directory = Path.Combine(dataDirectory, FolderName);
        System.IO.Directory.CreateDirectory(directory);
        var credentials = Path.Combine(directory, CredentialsFileName);
        if (!File.Exists(credentials) && Create(credentials, time))
        {
            logger.LogWarning(
                "Generated the built-in time-stamping authority (not qualified) in {Directory}; its root certificate is {Root}",
                directory,
                Path.Combine(directory, RootFileName));
        }

        var (signer, root) = Load(credentials, logger);
        var authority = new BuiltInTimestampAuthority(signer, root, directory, time);
        authority.SelfTest(credentials);
        WritePublic(Path.Combine(directory, RootFileName), TimestampCertificates.ToPem([root]));
        WritePublic(Path.Combine(directory, ChainFileName), TimestampCertificates.ToPem([authority.Signer, root]));
        return authority;
    }

    /// <returns>Whether this call created the file (false when another process did first).</returns>
    private static bool Create(string path, TimeProvider time)
    {
        var now = time.GetUtcNow();
        using var root = TimestampCertificates.CreateRoot(TimestampCertificates.BuiltInRootName, now.AddHours(-1), now.AddYears(30));
        using var signer = TimestampCertificates.CreateSigningCertificate(root, TimestampCertificates.BuiltInSignerName, now.AddHours(-1), now.AddYears(10));
        using var key = signer.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The built-in TSA certificate has no ECDSA key.");
        var content = TimestampCertificates.ToPem([signer, root]) + key.ExportPkcs8PrivateKeyPem() + "\n";

        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{CredentialsFileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            Write(temporary, content, OwnerOnly);
            // No overwrite: on Unix a link that fails if the name exists, so exactly one process's pair wins.
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static (X509Certificate2 Signer, X509Certificate2 Root) Load(string path, ILogger logger)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
            logger.LogWarning("{Path} was readable by others; it is now readable by its owner only", path);
        }

        var text = File.ReadAllText(path);
        try
        {
            var certificates = new List<X509Certificate2>();
            string? keyPem = null;
            var rest = text.AsSpan();
            while (PemEncoding.TryFind(rest, out var fields))
            {
                var block = rest[fields.Location].ToString();
                if (rest[fields.Label].SequenceEqual("PRIVATE KEY"))
                {
                    keyPem = block;
                }
                else
                {
                    certificates.AddRange(TimestampCertificates.ReadPem(block));
                }

                rest = rest[fields.Location.End..];
            }

            if (certificates is not [var signer, var root] || keyPem is null)
            {
                throw new InvalidOperationException($"{path} must hold the signing certificate, the root certificate and the signing key.");
            }

            return (X509Certificate2.CreateFromPem(signer.ExportCertificatePem(), keyPem), root);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException($"{path} is not a usable time-stamping key and certificate: {e.Message}", e);
        }
    }

    // A pair that cannot stamp and verify is refused at start-up rather than producing tokens nobody can check.
    private void SelfTest(string path)
    {
        var digest = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path));
        var result = TimestampVerifier.Verify(_issuer.Issue(digest).Der, digest, [Root]);
        if (!result.IsValid)
        {
            throw new InvalidOperationException($"The built-in time-stamping authority in {path} does not work: {result.Problem}");
        }
    }

    private static void WritePublic(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content)
        {
            return;
        }

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        Write(temporary, content, Public);
        File.Move(temporary, path, overwrite: true);
    }

    private static void Write(string path, string content, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using var stream = new FileStream(path, options);
        stream.Write(System.Text.Encoding.ASCII.GetBytes(content));
        stream.Flush(flushToDisk: true);
    }
}
