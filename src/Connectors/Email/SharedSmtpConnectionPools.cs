using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// SMTP connection pools shared by every email channel of the process that reaches the same relay the same way: the
/// communes of a syndicat sending through one relay with one account share its connections instead of each opening
/// its own (a 200-commune dispatch opened 283–731 connections where a plain sender opened 4: bench/README.md,
/// Dispatch). A pool is keyed by everything that makes its connections interchangeable: host, port, security, the
/// user name and an identity of the password (an HMAC under a key drawn at start-up, so the key reveals nothing even
/// if it were logged), the channel's own <see cref="EmailOptions.TimeoutSeconds"/> and
/// <see cref="EmailOptions.MaxConnections"/> (so each connector keeps exactly its settings' meaning: at most that many
/// connections, each with that timeout) and the clock. Different credentials never share a connection: it was
/// authenticated as one account. A pool closes its connections with QUIT when its last channel is disposed.
/// </summary>
internal static class SharedSmtpConnectionPools
{
    private static readonly byte[] CredentialKey = RandomNumberGenerator.GetBytes(32);
    private static readonly Lock Gate = new();
    private static readonly Dictionary<PoolKey, Shared> Pools = [];

    /// <summary>The pool for these settings, created on first use; dispose the lease when the channel is disposed.</summary>
    public static Lease Acquire(EmailOptions options, TimeProvider timeProvider, ILogger logger)
    {
        var key = PoolKey.Of(options, timeProvider);
        lock (Gate)
        {
            if (!Pools.TryGetValue(key, out var shared))
            {
                shared = new Shared(new SmtpConnectionPool(options, timeProvider, logger));
                Pools.Add(key, shared);
            }
            shared.Users++;
            return new Lease(key, shared.Pool);
        }
    }

    /// <summary>How many channels hold the pool of these settings (0: none open). For tests.</summary>
    internal static int UsersOf(EmailOptions options, TimeProvider timeProvider)
    {
        lock (Gate)
        {
            return Pools.TryGetValue(PoolKey.Of(options, timeProvider), out var shared) ? shared.Users : 0;
        }
    }

    /// <summary>The pool, when this was its last user: removed from the registry, for the caller to close.</summary>
    private static SmtpConnectionPool? Release(PoolKey key)
    {
        lock (Gate)
        {
            var shared = Pools[key];
            if (--shared.Users > 0)
            {
                return null;
            }
            Pools.Remove(key);
            return shared.Pool;
        }
    }

    private static string CredentialIdentity(string password) =>
        Convert.ToHexString(HMACSHA256.HashData(CredentialKey, Encoding.UTF8.GetBytes(password)));

    private sealed class Shared(SmtpConnectionPool pool)
    {
        public SmtpConnectionPool Pool { get; } = pool;

        public int Users { get; set; }
    }

    internal sealed record PoolKey(
        string Host, int Port, SmtpSecurity Security, string UserName, string CredentialIdentity, int TimeoutSeconds, int MaxConnections,
        TimeProvider Clock)
    {
        public static PoolKey Of(EmailOptions options, TimeProvider timeProvider)
        {
            // The channel authenticates only when both are set (SmtpConnectionPool.OpenAsync): otherwise no account.
            var (userName, credential) = options is { UserName: { Length: > 0 } user, Password: { Length: > 0 } password }
                ? (user, SharedSmtpConnectionPools.CredentialIdentity(password))
                : ("", "");
            return new PoolKey(
                options.Host!.Trim().ToUpperInvariant(), options.Port, options.Security, userName, credential, options.TimeoutSeconds,
                options.MaxConnections, timeProvider);
        }
    }

    /// <summary>One channel's hold on a shared pool.</summary>
    internal sealed class Lease(PoolKey key, SmtpConnectionPool pool) : IAsyncDisposable, IDisposable
    {
        private int _released;

        public SmtpConnectionPool Pool { get; } = pool;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0 && Release(key) is { } last)
            {
                await last.DisposeAsync();
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0 && Release(key) is { } last)
            {
                last.Dispose();
            }
        }
    }
}
