namespace IntegrationHub.Documents.Validation;

/// <summary>How <see cref="ClamdScanner"/> reaches ClamAV's daemon.</summary>
public sealed class ClamdOptions
{
    /// <summary>Host name or address of <c>clamd</c> (its <c>TCPAddr</c>). Default <c>127.0.0.1</c>.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Its <c>TCPSocket</c>. Default 3310.</summary>
    public int Port { get; set; } = 3310;

    /// <summary>
    /// The longest any single step may take: connecting, sending one chunk, or waiting for the verdict after the last
    /// chunk — which is when clamd scans, so allow for the largest accepted file (an archive of hundreds of MB takes
    /// tens of seconds). Default 2 minutes.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Bytes per INSTREAM chunk. Default 64 KiB.</summary>
    public int ChunkSize { get; set; } = 64 * 1024;

    public override string ToString() => $"Host={Host}, Port={Port}, Timeout={Timeout}, ChunkSize={ChunkSize}";
}
