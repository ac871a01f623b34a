using IntegrationHub.Documents.Validation;
using IntegrationHub.Tests.Documents.Storage;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Clamd;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace IntegrationHub.Tests.Documents.Validation;

public sealed class ClamdScannerTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly ClamdStandIn _clamd = new();

    public void Dispose() => _clamd.Dispose();

    [Fact]
    public async Task ScanAsync_CleanContent_IsCleanAndSentInChunksEndedByAZeroLength()
    {
        var scanner = Scanner(_clamd, chunkSize: 1000);

        var result = await scanner.ScanAsync(new MemoryStream(new byte[5500]), CancellationToken.None);

        Assert.Equal(new ScanResult(true, null), result);
        var session = Assert.Single(_clamd.Sessions);
        Assert.Equal("INSTREAM", session.Command);
        Assert.Equal([1000, 1000, 1000, 1000, 1000, 500, 0], session.ChunkSizes);
        Assert.Equal("stream: OK", session.Reply);
    }

    [Fact]
    public async Task ScanAsync_EicarSplitAcrossChunks_IsFoundWithItsSignature()
    {
        var scanner = Scanner(_clamd, chunkSize: 50);
        byte[] content = [.. "%PDF-1.7\n"u8, .. ClamdStandIn.Eicar, .. "\n%%EOF"u8];

        var result = await scanner.ScanAsync(new MemoryStream(content), CancellationToken.None);

        Assert.Equal(new ScanResult(false, ClamdStandIn.EicarSignature), result);
        Assert.True(Assert.Single(_clamd.Sessions).ChunkSizes.Count > 2);
    }

    [Fact]
    public async Task ScanAsync_FromTheMiddleOfAStream_ScansOnlyWhatIsLeft()
    {
        var content = new MemoryStream([.. ClamdStandIn.Eicar, .. new byte[100]]) { Position = ClamdStandIn.Eicar.Length };

        var result = await Scanner(_clamd).ScanAsync(content, CancellationToken.None);

        Assert.True(result.Clean);
        Assert.Equal(100, Assert.Single(_clamd.Sessions).Bytes);
    }

    [Fact]
    public async Task ScanAsync_ServerDown_ThrowsVirusScannerUnavailable()
    {
        var down = new ClamdStandIn();
        var scanner = Scanner(down);
        down.Dispose();

        var failure = await Assert.ThrowsAsync<VirusScannerUnavailableException>(() => scanner.ScanAsync(new MemoryStream([1, 2, 3]), CancellationToken.None));

        Assert.Contains($"127.0.0.1:{down.Port}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScanAsync_LargerThanStreamMaxLength_ThrowsSizeLimitExceededAndStopsSending()
    {
        using var small = new ClamdStandIn(streamMaxLength: 64 * 1024);
        const long Size = 256L * 1024 * 1024;
        var content = new GeneratedStream(Size);

        var failure = await Assert.ThrowsAsync<VirusScanFailedException>(() => Scanner(small).ScanAsync(content, CancellationToken.None));

        Assert.True(failure.SizeLimitExceeded);
        Assert.Equal("INSTREAM size limit exceeded. ERROR", failure.Reply);
        // Stopped once clamd refused, instead of pushing the rest into a closed connection.
        Assert.True(content.BytesRead < Size / 2, $"{content.BytesRead:N0} bytes were read for a stand-in that refused after 64 KiB.");
    }

    [Fact]
    public async Task ScanAsync_NoAnswerWithinTheTimeout_ThrowsVirusScannerUnavailable()
    {
        using var silent = new ClamdStandIn(holdReplies: true);
        var time = new FakeTimeProvider();
        var scanner = Scanner(silent, timeout: TimeSpan.FromSeconds(30), time: time);

        var scan = scanner.ScanAsync(new MemoryStream(new byte[10_000]), CancellationToken.None);
        await Eventually.WaitAsync(() => Task.FromResult(silent.StreamsReceived), n => n == 1, Bound, "the whole stream at the stand-in");
        Assert.False(scan.IsCompleted);
        await Eventually.WaitAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(30));
                return Task.FromResult(scan.IsCompleted);
            },
            done => done, Bound, "the scan to give up");

        var failure = await Assert.ThrowsAsync<VirusScannerUnavailableException>(() => scan);
        Assert.Contains("did not answer within 00:00:30", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScanAsync_CallerCancels_ThrowsOperationCanceledRatherThanUnavailable()
    {
        using var silent = new ClamdStandIn(holdReplies: true);
        using var cancel = new CancellationTokenSource();

        var scan = Scanner(silent).ScanAsync(new MemoryStream(new byte[10]), cancel.Token);
        await Eventually.WaitAsync(() => Task.FromResult(silent.StreamsReceived), n => n == 1, Bound, "the whole stream at the stand-in");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scan);
    }

    [Fact]
    public async Task ScanAsync_ConcurrentScans_EachGetsItsOwnVerdict()
    {
        var scanner = Scanner(_clamd, chunkSize: 16);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => scanner.ScanAsync(new MemoryStream(i % 3 == 0 ? ClamdStandIn.Eicar : new byte[1000 + i]), CancellationToken.None))));

        Assert.Equal(Enumerable.Range(0, 12).Select(i => i % 3 != 0), results.Select(r => r.Clean));
        Assert.Equal(12, _clamd.Sessions.Count);
    }

    [Fact]
    public async Task PingAsync_ServerUp_Succeeds()
    {
        await Scanner(_clamd).PingAsync(CancellationToken.None);

        Assert.Equal("PONG", Assert.Single(_clamd.Sessions).Reply);
    }

    [Fact]
    public async Task PingAsync_ServerDown_ThrowsVirusScannerUnavailable()
    {
        var down = new ClamdStandIn();
        var scanner = Scanner(down);
        down.Dispose();

        await Assert.ThrowsAsync<VirusScannerUnavailableException>(() => scanner.PingAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("stream: OK", true, null)]
    [InlineData("stream: Win.Test.EICAR_HDB-1 FOUND", false, "Win.Test.EICAR_HDB-1")]
    [InlineData("stream: Win.Test.EICAR_HDB-1.UNOFFICIAL FOUND", false, "Win.Test.EICAR_HDB-1.UNOFFICIAL")]
    [InlineData("stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND", false, "Heuristics.Limits.Exceeded.MaxFileSize")]
    public void ParseScanReply_Verdict_GivesTheResult(string reply, bool clean, string? signature)
    {
        Assert.Equal(new ScanResult(clean, signature), ClamdScanner.ParseScanReply(reply));
    }

    [Theory]
    [InlineData("INSTREAM size limit exceeded. ERROR", true)]
    [InlineData("stream: Can't allocate memory ERROR", false)]
    [InlineData("UNKNOWN COMMAND", false)]
    [InlineData("stream: FOUND", false)]
    [InlineData("", false)]
    public void ParseScanReply_Error_ThrowsVirusScanFailed(string reply, bool sizeLimit)
    {
        var failure = Assert.Throws<VirusScanFailedException>(() => ClamdScanner.ParseScanReply(reply));

        Assert.Equal(reply, failure.Reply);
        Assert.Equal(sizeLimit, failure.SizeLimitExceeded);
    }

    [Theory]
    [InlineData("", 3310, 30, 1024, "ClamdOptions.Host")]
    [InlineData("clamd", 0, 30, 1024, "ClamdOptions.Port")]
    [InlineData("clamd", 65536, 30, 1024, "ClamdOptions.Port")]
    [InlineData("clamd", 3310, 0, 1024, "ClamdOptions.Timeout")]
    [InlineData("clamd", 3310, 30, 0, "ClamdOptions.ChunkSize")]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting(string host, int port, int timeoutSeconds, int chunkSize, string setting)
    {
        var options = new ClamdOptions { Host = host, Port = port, Timeout = TimeSpan.FromSeconds(timeoutSeconds), ChunkSize = chunkSize };

        var failure = Assert.Throws<ArgumentException>(() => new ClamdScanner(options, TimeProvider.System));

        Assert.Contains(setting, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoVirusScanner_AnyContent_IsCleanWithoutReadingIt()
    {
        var content = new MemoryStream(ClamdStandIn.Eicar);

        var result = await new NoVirusScanner().ScanAsync(content, CancellationToken.None);

        Assert.Equal(new ScanResult(true, null), result);
        Assert.Equal(0, content.Position);
    }

    internal static ClamdScanner Scanner(ClamdStandIn clamd, int chunkSize = 64 * 1024, TimeSpan? timeout = null, TimeProvider? time = null) =>
        new(new ClamdOptions { Host = clamd.Host, Port = clamd.Port, ChunkSize = chunkSize, Timeout = timeout ?? Bound }, time ?? TimeProvider.System);
}
