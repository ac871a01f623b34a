using System.Security.Cryptography;
using IntegrationHub.Connectors.Timestamping;
using IntegrationHub.Evidence.Timestamping;
using IntegrationHub.TestSupport.Timestamping;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace IntegrationHub.Tests.Evidence;

public sealed class BuiltInTimestampAuthorityTests : IDisposable
{
    private static readonly byte[] Digest = SHA256.HashData("Registre des preuves de la commune"u8);

    private readonly string _data = Directory.CreateTempSubdirectory("hub-tsa-").FullName;

    private string Folder => Path.Combine(_data, BuiltInTimestampAuthority.FolderName);

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private BuiltInTimestampAuthority Open() => BuiltInTimestampAuthority.Open(_data, TimeProvider.System, NullLogger.Instance);

    [Fact]
    public async Task Open_FirstStart_CreatesTheFilesAndStampsVerifiably()
    {
        var tsa = Open();

        Assert.Equal(
            ["chain.pem", "root.pem", "tsa-credentials.pem"],
            Directory.GetFiles(Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(tsa.IsQualified);
        Assert.Equal("Horodatage intégré du hub (non qualifié)", tsa.DisplayName);
        Assert.Equal([tsa.Signer.RawData, tsa.Root.RawData], tsa.CertificateChain.Select(c => c.ToArray()));
        var token = await tsa.StampAsync(Digest, CancellationToken.None);
        var result = TimestampVerifier.Verify(token.Der, Digest, TimestampCertificates.ReadPem(File.ReadAllText(Path.Combine(Folder, "root.pem"))));
        Assert.True(result.IsValid, result.Problem);
        Assert.Contains("CN=Horodatage intégré du hub (non qualifié)", result.SignerSubject, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SecondStart_ReusesTheSameCertificatesAndFiles()
    {
        var first = Open();
        var credentials = File.ReadAllBytes(Path.Combine(Folder, BuiltInTimestampAuthority.CredentialsFileName));
        var rootWritten = File.GetLastWriteTimeUtc(Path.Combine(Folder, BuiltInTimestampAuthority.RootFileName));

        var second = Open();

        Assert.Equal(first.Signer.Thumbprint, second.Signer.Thumbprint);
        Assert.Equal(first.Root.Thumbprint, second.Root.Thumbprint);
        Assert.Equal(credentials, File.ReadAllBytes(Path.Combine(Folder, BuiltInTimestampAuthority.CredentialsFileName)));
        Assert.Equal(rootWritten, File.GetLastWriteTimeUtc(Path.Combine(Folder, BuiltInTimestampAuthority.RootFileName)));
    }

    [Fact]
    public void Open_ManyProcessesAtOnce_AllGetTheSamePairAndNoTemporaryFileRemains()
    {
        var authorities = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(8).Select(_ => Open()).ToList();

        Assert.Single(authorities.Select(a => a.Signer.Thumbprint).Distinct(StringComparer.Ordinal));
        Assert.Equal(3, Directory.GetFiles(Folder).Length);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Open_KeyFileIsOwnerOnlyAndPublicFilesAreReadable()
    {
        Open();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Folder, BuiltInTimestampAuthority.CredentialsFileName)));
        Assert.True(File.GetUnixFileMode(Path.Combine(Folder, BuiltInTimestampAuthority.RootFileName)).HasFlag(UnixFileMode.OtherRead));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Open_KeyFileMadeReadableByOthers_IsTightenedBack()
    {
        Open();
        var credentials = Path.Combine(Folder, BuiltInTimestampAuthority.CredentialsFileName);
        File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        Open();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
    }

    [Fact]
    public void Open_CorruptCredentials_FailsLoudlyAndLeavesThemUntouched()
    {
        Directory.CreateDirectory(Folder);
        var credentials = Path.Combine(Folder, BuiltInTimestampAuthority.CredentialsFileName);
        File.WriteAllText(credentials, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

        var error = Assert.Throws<InvalidOperationException>(Open);

        Assert.Contains(credentials, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----\nAAAA", File.ReadAllText(credentials), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StampAsync_TokenIsVerifiedByOpenSslAgainstTheRootPemItWrote()
    {
        Open();
        var tsa = Open();
        var token = await tsa.StampAsync(Digest, CancellationToken.None);
        var tokenPath = Path.Combine(_data, "token.tsr");
        await File.WriteAllBytesAsync(tokenPath, token.Der.ToArray());

        var result = await OpenSslTs.VerifyFilesAsync(
            tokenPath, Convert.ToHexStringLower(Digest), Path.Combine(Folder, "root.pem"), Path.Combine(Folder, "chain.pem"));

        Assert.True(result.Verified, result.Output);
    }
}
