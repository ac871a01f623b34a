using IntegrationHub.Documents.Validation;
using IntegrationHub.Tests.Documents.Storage;
using IntegrationHub.TestSupport.Clamd;
using Xunit;

namespace IntegrationHub.Tests.Documents.Validation;

/// <summary>Runs when Debian's <c>clamav-daemon</c> is installed; reported as skipped otherwise, never passed.</summary>
public sealed class ClamdInstalledFactAttribute : FactAttribute
{
    public ClamdInstalledFactAttribute()
    {
        if (!ClamdServer.IsInstalled)
        {
            Skip = $"ClamAV's daemon is not installed ({ClamdServer.ExecutablePath}): apt-get install clamav-daemon to run this test.";
        }
    }
}

/// <summary>One real clamd for the class, with a 1 MiB <c>StreamMaxLength</c>.</summary>
public sealed class RealClamd : IAsyncLifetime
{
    public const long StreamMaxLength = 1024 * 1024;

    private ClamdServer? _server;

    public ClamdServer Server => _server ?? throw new InvalidOperationException("clamd is not installed.");

    public async Task InitializeAsync()
    {
        if (ClamdServer.IsInstalled)
        {
            _server = await ClamdServer.StartAsync(StreamMaxLength);
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The same client against the real daemon, to keep <see cref="ClamdStandIn"/> honest.</summary>
public sealed class ClamdScannerRealClamdTests(RealClamd clamd) : IClassFixture<RealClamd>
{
    private ClamdScanner Scanner => new(new ClamdOptions { Host = clamd.Server.Host, Port = clamd.Server.Port, Timeout = TimeSpan.FromSeconds(30) }, TimeProvider.System);

    [ClamdInstalledFact]
    public async Task ScanAsync_RealClamdCleanContent_IsClean()
    {
        var result = await Scanner.ScanAsync(new GeneratedStream(300_000), CancellationToken.None);

        Assert.Equal(new ScanResult(true, null), result);
    }

    [ClamdInstalledFact]
    public async Task ScanAsync_RealClamdEicar_IsFound()
    {
        var result = await Scanner.ScanAsync(new MemoryStream(ClamdStandIn.Eicar), CancellationToken.None);

        Assert.Equal(new ScanResult(false, ClamdServer.EicarSignature), result);
    }

    [ClamdInstalledFact]
    public async Task ScanAsync_RealClamdLargerThanStreamMaxLength_ThrowsSizeLimitExceededAndStopsSending()
    {
        const long Size = 256L * 1024 * 1024;
        var content = new GeneratedStream(Size);

        var failure = await Assert.ThrowsAsync<VirusScanFailedException>(() => Scanner.ScanAsync(content, CancellationToken.None));

        Assert.True(failure.SizeLimitExceeded);
        Assert.Equal("INSTREAM size limit exceeded. ERROR", failure.Reply);
        Assert.True(content.BytesRead < Size / 2, $"{content.BytesRead:N0} bytes were read for a clamd that refused after 1 MiB.");
    }

    [ClamdInstalledFact]
    public async Task PingAsync_RealClamd_Succeeds()
    {
        await Scanner.PingAsync(CancellationToken.None);
    }
}
