using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace IntegrationHub.Evidence.Ledger;

/// <summary>
/// The canonical text of an entry. The hashed body is
/// <c>{"at":…,"authority":…,"data":{…},"prev":…,"seq":n,"subject":{…},"type":…}</c> (RFC 8785: members in that
/// sorted order, no whitespace); the exported line is the same object with <c>"hash"</c>, which sorts between
/// <c>data</c> and <c>prev</c>. So a line minus its <c>"hash":"…",</c> member is byte for byte the hashed body.
/// </summary>
public static class LedgerLine
{
    /// <summary>The <c>prev</c> of an authority's first entry.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The format of <c>at</c>: UTC, milliseconds, <c>Z</c>.</summary>
    public const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>The instant as the ledger records it: UTC, truncated to the millisecond.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    /// <summary>The canonical data member of an entry: <paramref name="data"/> must be a JSON object.</summary>
    public static byte[] CanonicalData(JsonElement data) => data.ValueKind == JsonValueKind.Object
        ? CanonicalJson.Serialize(data)
        : throw new ArgumentException($"Ledger data must be a JSON object, not {data.ValueKind}.", nameof(data));

    /// <summary>The canonical body (without hash) of an entry; <paramref name="canonicalData"/> comes from <see cref="CanonicalData"/>.</summary>
    public static byte[] ComposeBody(
        long seq, DateTimeOffset at, string type, Guid authorityId, LedgerSubject subject, ReadOnlySpan<byte> canonicalData, string prev)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(subject);
        var output = new ArrayBufferWriter<byte>(512);
        output.Write("{\"at\":"u8);
        CanonicalJson.WriteString(Truncate(at).ToString(InstantFormat, CultureInfo.InvariantCulture), output);
        output.Write(",\"authority\":"u8);
        CanonicalJson.WriteString(authorityId.ToString("D"), output);
        output.Write(",\"data\":"u8);
        output.Write(canonicalData);
        output.Write(",\"prev\":"u8);
        CanonicalJson.WriteString(prev, output);
        output.Write(",\"seq\":"u8);
        Encoding.ASCII.GetBytes(seq.ToString(CultureInfo.InvariantCulture), output);
        output.Write(",\"subject\":{"u8);
        var first = true;
        // Member names in sorted order: convocation, delivery, document, member, session.
        foreach (var (name, id) in new (string, Guid?)[]
                 {
                     ("convocation", subject.ConvocationId), ("delivery", subject.DeliveryId), ("document", subject.DocumentId),
                     ("member", subject.MemberId), ("session", subject.SessionId),
                 })
        {
            if (id is null)
            {
                continue;
            }
            if (!first)
            {
                output.Write(","u8);
            }
            first = false;
            CanonicalJson.WriteString(name, output);
            output.Write(":"u8);
            CanonicalJson.WriteString(id.Value.ToString("D"), output);
        }
        output.Write("},\"type\":"u8);
        CanonicalJson.WriteString(type, output);
        output.Write("}"u8);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The exported line: <paramref name="body"/> with <c>"hash"</c> inserted at its sorted place.</summary>
    public static string InsertHash(string body, string hash)
    {
        ArgumentNullException.ThrowIfNull(body);
        var bytes = Encoding.UTF8.GetBytes(body);
        var at = TopLevelMemberStart(bytes, "prev"u8);
        if (at < 0)
        {
            throw new FormatException("A ledger body has no top-level \"prev\" member.");
        }
        var split = Encoding.UTF8.GetCharCount(bytes.AsSpan(0, at));
        return string.Concat(body.AsSpan(0, split), "\"hash\":\"" + hash + "\",", body.AsSpan(split));
    }

    /// <summary>Byte offset of the name of the top-level member <paramref name="name"/>, or -1.</summary>
    internal static int TopLevelMemberStart(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals(name))
            {
                return (int)reader.TokenStartIndex;
            }
            if (reader.CurrentDepth == 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }
        return -1;
    }
}
