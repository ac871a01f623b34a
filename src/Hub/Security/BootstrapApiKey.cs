using IntegrationHub.Hosting;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Security;

/// <summary>
/// Makes sure a first administrator can reach the hub: the key from <c>Hub:BootstrapApiKey</c>, or a generated one
/// written to a file only its owner can read. The key itself is never logged.
/// </summary>
public sealed class BootstrapApiKey(ApiKeyStore keys, IOptions<HubOptions> options, ILogger<BootstrapApiKey> logger)
{
    public const string FileName = "bootstrap-api-key.txt";

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.BootstrapApiKey;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (!await keys.ExistsAsync(configured, cancellationToken))
            {
                await keys.CreateAsync("bootstrap (Hub:BootstrapApiKey)", HubRoles.Admin, null, cancellationToken, configured);
                logger.LogInformation("Registered the bootstrap administrator key from configuration Hub:BootstrapApiKey");
            }
            return;
        }
        if (await keys.AnyPlatformAdminAsync(cancellationToken))
        {
            return;
        }
        var path = Path.Combine(HubPaths.DataDirectory(options.Value), FileName);
        var (_, key) = await keys.CreateAsync("bootstrap (generated)", HubRoles.Admin, null, cancellationToken);
        await WriteOwnerOnlyAsync(path, key + Environment.NewLine, cancellationToken);
        logger.LogWarning("Generated a bootstrap administrator API key into {Path} (readable only by this user)", path);
    }

    private static async Task WriteOwnerOnlyAsync(string path, string content, CancellationToken cancellationToken)
    {
        var streamOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using var stream = new FileStream(path, streamOptions);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(content.AsMemory(), cancellationToken);
    }
}
