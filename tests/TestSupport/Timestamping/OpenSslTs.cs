using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using IntegrationHub.Connectors.Timestamping;

namespace IntegrationHub.TestSupport.Timestamping;

/// <summary>Runs the real <c>openssl ts -verify</c> (Debian package <c>openssl</c>, installed by test.sh) on a token.</summary>
public static class OpenSslTs
{
    public sealed record Result(int ExitCode, string Output)
    {
        public bool Verified => ExitCode == 0 && Output.Contains("Verification: OK", StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>openssl ts -verify -digest &lt;hex&gt; -in token.tsr -token_in -CAfile root.pem -untrusted tsa.pem</c>, in a
    /// folder of its own; the output is stdout and stderr together.
    /// </summary>
    public static async Task<Result> VerifyTokenAsync(ReadOnlyMemory<byte> token, ReadOnlyMemory<byte> sha256, X509Certificate2 root, X509Certificate2 signer)
    {
        var folder = Directory.CreateTempSubdirectory("tsa-openssl-");
        try
        {
            var tokenPath = Path.Combine(folder.FullName, "token.tsr");
            var rootPath = Path.Combine(folder.FullName, "root.pem");
            var tsaPath = Path.Combine(folder.FullName, "tsa.pem");
            await File.WriteAllBytesAsync(tokenPath, token.ToArray());
            await File.WriteAllTextAsync(rootPath, TimestampCertificates.ToPem([root]));
            await File.WriteAllTextAsync(tsaPath, TimestampCertificates.ToPem([signer]));
            return await VerifyFilesAsync(tokenPath, Convert.ToHexString(sha256.Span).ToLowerInvariant(), rootPath, tsaPath);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    public static async Task<Result> VerifyFilesAsync(string tokenPath, string digestHex, string rootPemPath, string tsaPemPath)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "ts", "-verify", "-digest", digestHex, "-in", tokenPath, "-token_in", "-CAfile", rootPemPath, "-untrusted", tsaPemPath })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, (await stdout) + (await stderr));
    }
}
