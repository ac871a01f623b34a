using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IntegrationHub.Evidence.Ledger;
using Xunit;

namespace IntegrationHub.Tests.Evidence;

public sealed class LedgerChainVerifierTests
{
    private static readonly Guid Authority = Guid.Parse("2b1d0c5e-0000-4000-8000-00000000000a");

    /// <summary>A chain of <paramref name="count"/> exported lines, built exactly as the ledger builds them.</summary>
    internal static List<string> Chain(int count, string firstPrev = LedgerLine.GenesisHash, long firstSeq = 1)
    {
        var lines = new List<string>();
        var prev = firstPrev;
        for (var seq = firstSeq; seq < firstSeq + count; seq++)
        {
            var data = LedgerLine.CanonicalData(System.Text.Json.JsonSerializer.SerializeToElement(
                new { providerMessageId = $"<{seq}@hub.example>", smtp = "250 2.0.0 Ok: queued", attempt = 1 }));
            var body = LedgerLine.ComposeBody(seq, new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero).AddSeconds(seq), LedgerEntryTypes.DeliverySent,
                Authority, new LedgerSubject(SessionId: Authority, DeliveryId: Guid.NewGuid()), data, prev);
            var hash = Convert.ToHexStringLower(SHA256.HashData(body));
            lines.Add(LedgerLine.InsertHash(Encoding.UTF8.GetString(body), hash));
            prev = hash;
        }
        return lines;
    }

    private static LedgerVerification Verify(IEnumerable<string> lines, params LedgerCheckpoint[] checkpoints) =>
        LedgerChainVerifier.Verify(lines.Select(l => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(l)), checkpoints);

    private static string HashOf(string line) => JsonNode.Parse(line)!["hash"]!.GetValue<string>();

    /// <summary>What a forger does: change the content, then recompute the entry's own hash.</summary>
    private static string Reseal(string line, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(line)!.AsObject();
        node.Remove("hash");
        change(node);
        var body = CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(node.ToJsonString()));
        return LedgerLine.InsertHash(Encoding.UTF8.GetString(body), Convert.ToHexStringLower(SHA256.HashData(body)));
    }

    [Fact]
    public void Verify_IntactChain_ReachesItsHead()
    {
        var lines = Chain(6);
        var verdict = Verify(lines, new LedgerCheckpoint(4, HashOf(lines[3])), new LedgerCheckpoint(6, HashOf(lines[5])));
        Assert.True(verdict.IsIntact, verdict.FirstBreak?.Reason);
        Assert.Equal((6L, 6L, HashOf(lines[5])), (verdict.Entries, verdict.LastSeq, verdict.LastHash));
    }

    [Fact]
    public void Verify_OneByteEdited_NamesThatEntry()
    {
        var lines = Chain(6);
        lines[2] = lines[2].Replace("250 2.0.0", "250 2.0.1", StringComparison.Ordinal);
        AssertBreak(Verify(lines), 3, 3, LedgerBreakKind.Edited, "modified");
    }

    [Fact]
    public void Verify_EntryRewrittenWithItsHashRecomputed_NamesTheNextEntryWhoseLinkBreaks()
    {
        var lines = Chain(6);
        lines[2] = Reseal(lines[2], n => n["data"]!["smtp"] = "550 rejected");
        AssertBreak(Verify(lines), 4, 4, LedgerBreakKind.Edited, "does not link to entry 3");
    }

    [Fact]
    public void Verify_WholeSuffixRewritten_IsCaughtByTheAnchor()
    {
        var lines = Chain(6);
        var anchored = HashOf(lines[4]);
        var prev = HashOf(lines[1]);
        for (var i = 2; i < lines.Count; i++)
        {
            var p = prev;
            lines[i] = Reseal(lines[i], n => { n["prev"] = p; n["data"]!["attempt"] = 2; });
            prev = HashOf(lines[i]);
        }
        AssertBreak(Verify(lines, new LedgerCheckpoint(5, anchored)), 5, 5, LedgerBreakKind.CheckpointMismatch, "anchored head");
    }

    [Fact]
    public void Verify_EntryDeleted_NamesTheGap()
    {
        var lines = Chain(6);
        lines.RemoveAt(2);
        AssertBreak(Verify(lines), 3, 4, LedgerBreakKind.Deleted, "entry 3 is missing");
    }

    [Fact]
    public void Verify_EntriesSwapped_NamesTheReorder()
    {
        var lines = Chain(6);
        (lines[2], lines[3]) = (lines[3], lines[2]);
        AssertBreak(Verify(lines), 3, 4, LedgerBreakKind.Reordered, "out of order");
    }

    [Fact]
    public void Verify_Truncated_NamesWhatItMustReach()
    {
        var lines = Chain(6);
        var head = new LedgerCheckpoint(6, HashOf(lines[5]));
        lines.RemoveRange(4, 2);
        AssertBreak(Verify(lines, head), 5, 5, LedgerBreakKind.Truncated, "must reach entry 6");
        Assert.True(Verify(lines).IsIntact); // without a head or anchor, a cut chain is indistinguishable from a short one
    }

    [Fact]
    public void Verify_LineRepeated_NamesTheDuplicate()
    {
        var lines = Chain(6);
        lines.Insert(3, lines[2]);
        AssertBreak(Verify(lines), 4, 3, LedgerBreakKind.Duplicated, "previous line repeated");
    }

    [Theory]
    [InlineData("{\"at\"", "{ \"at\"")]
    [InlineData("\"attempt\":1", "\"attempt\":1.0")]
    [InlineData("Ok: queued", "Ok:\\u0020queued")]
    public void Verify_NonCanonicalLineWithMatchingHash_IsNotCanonical(string from, string to)
    {
        var lines = Chain(3);
        var node = JsonNode.Parse(lines[1])!.AsObject();
        node.Remove("hash");
        var body = Encoding.UTF8.GetString(CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(node.ToJsonString()))).Replace(from, to, StringComparison.Ordinal);
        lines[1] = LedgerLine.InsertHash(body, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body))));
        AssertBreak(Verify(lines), 2, null, LedgerBreakKind.NotCanonical, "not canonical");
    }

    [Fact]
    public void Verify_RangeFromTheMiddle_AcceptsItsFirstPrev()
    {
        var lines = Chain(6).Skip(2).ToList();
        using var verifier = new LedgerChainVerifier(firstSeq: 3, firstPrev: null);
        Assert.All(lines, l => Assert.True(verifier.Add(Encoding.UTF8.GetBytes(l))));
        Assert.True(verifier.Complete().IsIntact);
    }

    [Fact]
    public void VerifyJsonLines_FileWithCrLf_IsIntact()
    {
        var lines = Chain(3);
        Assert.True(LedgerChainVerifier.VerifyJsonLines(Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\n")).IsIntact);
    }

    private static void AssertBreak(LedgerVerification verdict, long line, long? seq, LedgerBreakKind kind, string reason)
    {
        Assert.False(verdict.IsIntact);
        var broken = verdict.FirstBreak!;
        Assert.Equal((line, kind), (broken.Line, broken.Kind));
        if (seq is not null)
        {
            Assert.Equal(seq, broken.Seq);
        }
        Assert.Contains(reason, broken.Reason, StringComparison.Ordinal);
    }
}
