using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Dapper;
using Hangfire;
using IntegrationHub.Evidence.Timestamping;
using IntegrationHub.Hosting;
using IntegrationHub.Persistence;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Evidence.Ledger;

/// <summary>
/// Seals chain heads with RFC 3161 time-stamp tokens. The digest stamped is the 32 bytes of the head entry's hash
/// (the SHA-256 of its canonical body), so <c>openssl ts -verify -digest &lt;head hash&gt; -in anchor.tsr …</c>
/// checks a token directly, and one token proves that the whole prefix 1..seq existed at its time.
/// Entries never wait for the TSA: a failed stamp leaves the head unanchored and the next run stamps it.
/// </summary>
public sealed class LedgerAnchoring(
    HubDatabase database, EvidenceLedger ledger, ITimestampAuthorityResolver resolver, TimeProvider time, ILogger<LedgerAnchoring> logger)
{
    /// <summary>The Hangfire recurring job id of <see cref="AnchorAllAsync"/>.</summary>
    public const string RecurringJobId = "evidence-ledger-anchors";

    /// <summary>
    /// Stamps the current head of <paramref name="authorityId"/>'s chain. Returns null, without calling the TSA, when
    /// the chain is empty or its head is already anchored. The token is checked (digest and signature) before it is stored.
    /// </summary>
    public async Task<LedgerAnchor?> AnchorAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        var head = await ledger.GetHeadAsync(authorityId, cancellationToken);
        if (head.Seq == 0 || await IsAnchoredAsync(head, cancellationToken))
        {
            return null;
        }
        var tsa = await resolver.ForAuthorityAsync(authorityId, cancellationToken);
        var digest = Convert.FromHexString(head.Hash);
        var token = await tsa.StampAsync(digest, cancellationToken);
        CheckToken(token.Der, digest, tsa.CertificateChain);

        var anchor = new LedgerAnchor(authorityId, head.Seq, head.Hash, token.Der.ToArray(), tsa.DisplayName, tsa.IsQualified, token.GeneratedAt, time.GetUtcNow());
        // Two nodes may stamp the same head at once: the first token stored wins, the other is dropped.
        var insert = database.Provider == DatabaseProvider.SqlServer
            ? """
              INSERT INTO ledger_anchors (authority_id, seq, head_hash, token, tsa_name, qualified, generated_at, recorded_at)
              SELECT @AuthorityId, @Seq, @HeadHash, @Token, @TsaName, @Qualified, @GeneratedAt, @RecordedAt
              WHERE NOT EXISTS (SELECT 1 FROM ledger_anchors WITH (UPDLOCK, HOLDLOCK) WHERE authority_id = @AuthorityId AND seq = @Seq)
              """
            : """
              INSERT INTO ledger_anchors (authority_id, seq, head_hash, token, tsa_name, qualified, generated_at, recorded_at)
              VALUES (@AuthorityId, @Seq, @HeadHash, @Token, @TsaName, @Qualified, @GeneratedAt, @RecordedAt)
              ON CONFLICT (authority_id, seq) DO NOTHING
              """;
        // Through the writer turn: anchoring runs while other dispatches write (autocommit would wait on busy_timeout).
        var stored = await database.ExecuteWriteAsync(insert, anchor, cancellationToken);
        if (stored == 0)
        {
            return null;
        }
        logger.LogInformation("Anchored the ledger of authority {AuthorityId} at entry {Seq} with {Tsa}", authorityId, head.Seq, tsa.DisplayName);
        return anchor;
    }

    /// <summary>
    /// Stamps every chain whose head moved since its last anchor. A failing authority (TSA unreachable) is logged and
    /// the others still run; the job then fails so the failure shows, and the next run stamps what is still unanchored.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task<int> AnchorAllAsync(CancellationToken cancellationToken)
    {
        List<Guid> pending;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            pending = (await connection.QueryAsync<Guid>(new CommandDefinition(
                """
                SELECT h.authority_id FROM ledger_heads h
                WHERE h.seq > 0 AND NOT EXISTS (SELECT 1 FROM ledger_anchors a WHERE a.authority_id = h.authority_id AND a.seq = h.seq)
                """, cancellationToken: cancellationToken))).ToList();
        }
        var anchored = 0;
        var failures = new List<Exception>();
        foreach (var authorityId in pending)
        {
            try
            {
                anchored += await AnchorAsync(authorityId, cancellationToken) is null ? 0 : 1;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not anchor the ledger of authority {AuthorityId}; the next run tries again", authorityId);
                failures.Add(ex);
            }
        }
        if (failures.Count > 0)
        {
            throw new AggregateException($"{failures.Count} of {pending.Count} ledger heads could not be anchored; {anchored} were.", failures);
        }
        return anchored;
    }

    private async Task<bool> IsAnchoredAsync(LedgerHead head, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM ledger_anchors WHERE authority_id = @AuthorityId AND seq = @Seq", head, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>A token that does not cover our digest, or whose signature does not verify, is never stored.</summary>
    private static void CheckToken(ReadOnlyMemory<byte> der, byte[] digest, IReadOnlyList<ReadOnlyMemory<byte>> chain)
    {
        if (!Rfc3161TimestampToken.TryDecode(der, out var token, out _))
        {
            throw new CryptographicException("The time-stamping authority returned something that is not an RFC 3161 token.");
        }
        if (token.TokenInfo.HashAlgorithmId.Value != "2.16.840.1.101.3.4.2.1" || !token.TokenInfo.GetMessageHash().Span.SequenceEqual(digest))
        {
            throw new CryptographicException("The time-stamp token does not cover the SHA-256 digest of the ledger head.");
        }
        var candidates = new X509Certificate2Collection();
        foreach (var certificate in chain)
        {
            candidates.Add(X509CertificateLoader.LoadCertificate(certificate.Span));
        }
        if (!token.VerifySignatureForHash(digest, HashAlgorithmName.SHA256, out _, candidates))
        {
            throw new CryptographicException("The signature of the time-stamp token does not verify.");
        }
    }
}

/// <summary>Registers the recurring anchoring job at start-up (Hangfire keeps one schedule for all nodes).</summary>
public sealed class LedgerAnchorSchedule(
    IRecurringJobManager jobs, IServiceProviderIsService services, IOptions<HubOptions> options, ILogger<LedgerAnchorSchedule> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!services.IsService(typeof(ITimestampAuthorityResolver)))
        {
            // The time-stamping authorities (built-in and external) are registered by their own feature.
            logger.LogWarning("No time-stamping authority is registered: the evidence ledger is recorded but not anchored");
            jobs.RemoveIfExists(LedgerAnchoring.RecurringJobId);
            return Task.CompletedTask;
        }
        jobs.AddOrUpdate<LedgerAnchoring>(
            LedgerAnchoring.RecurringJobId, a => a.AnchorAllAsync(CancellationToken.None), options.Value.Evidence.AnchorCron()!);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
