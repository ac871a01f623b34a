using System.Globalization;
using System.Text;
using System.Text.Json;

namespace IntegrationHub.Evidence.Ledger;

/// <summary>The members of an exported line a verifier needs, and where its <c>hash</c> member sits.</summary>
internal struct ParsedLine
{
    public long Seq;

    /// <summary>Where the values of <c>prev</c>, <c>hash</c> and <c>authority</c> lie in the line (without quotes).</summary>
    public Range Prev;
    public Range Hash;
    public Range Authority;

    /// <summary>The line without <c>"hash":"…",</c> is <c>line[..HashStart] + line[HashEnd..]</c>: the hashed body.</summary>
    public int HashStart;
    public int HashEnd;
}

/// <summary>
/// One pass of <see cref="Utf8JsonReader"/> over an exported line that both extracts <c>seq</c>, <c>prev</c>,
/// <c>hash</c>, <c>authority</c> and checks that the line is RFC 8785 canonical — no whitespace, members in
/// UTF-16 order without duplicates, JCS string escapes, ECMAScript numbers — without building a DOM.
/// Canonical bytes are then hashed as they stand.
/// </summary>
internal static class LedgerLineReader
{
    private const int MaxDepth = 64;

    /// <summary>Returns null when the line is canonical and well-formed, else the reason.</summary>
    public static string? TryParse(ReadOnlySpan<byte> line, out ParsedLine parsed)
    {
        parsed = default;
        parsed.Seq = -1;
        parsed.HashStart = -1;
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = MaxDepth });
        // Per open object: where the previous member name starts and its length (raw, possibly escaped).
        Span<(int Start, int Length)> previousName = stackalloc (int, int)[MaxDepth + 1];
        var end = 0;
        try
        {
            while (reader.Read())
            {
                var start = (int)reader.TokenStartIndex;
                var gap = start - end;
                if (gap > 1 || (gap == 1 && line[end] is not ((byte)',' or (byte)':')))
                {
                    return $"not canonical: whitespace at byte {end.ToString(CultureInfo.InvariantCulture)}";
                }
                var depth = reader.CurrentDepth;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        if (depth == 0 && start != 0)
                        {
                            return "not canonical: bytes before the object";
                        }
                        previousName[depth + 1] = (-1, 0);
                        end = start + 1;
                        break;
                    case JsonTokenType.StartArray:
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        end = start + 1;
                        break;
                    case JsonTokenType.PropertyName:
                        {
                            var raw = reader.ValueSpan;
                            end = start + raw.Length + 2;
                            if (reader.ValueIsEscaped && !IsCanonicalEscaping(raw))
                            {
                                return "not canonical: string escapes";
                            }
                            var (prevStart, prevLength) = previousName[depth];
                            if (prevStart >= 0 && !IsOrdered(line.Slice(prevStart, prevLength), raw))
                            {
                                return $"not canonical: member \"{reader.GetString()}\" out of order or duplicated";
                            }
                            previousName[depth] = (start + 1, raw.Length);
                            if (depth == 1)
                            {
                                var problem = ReadTopLevelMember(ref reader, line, ref parsed, start, ref end);
                                if (problem is not null)
                                {
                                    return problem;
                                }
                            }
                            break;
                        }
                    case JsonTokenType.String:
                        end = start + reader.ValueSpan.Length + 2;
                        if (reader.ValueIsEscaped && !IsCanonicalEscaping(reader.ValueSpan))
                        {
                            return "not canonical: string escapes";
                        }
                        break;
                    case JsonTokenType.Number:
                        end = start + reader.ValueSpan.Length;
                        if (!IsCanonicalNumber(reader.ValueSpan))
                        {
                            return "not canonical: number form";
                        }
                        break;
                    default:
                        end = start + reader.ValueSpan.Length;
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            return $"not JSON: {e.Message}";
        }
        if (end != line.Length)
        {
            return "not canonical: bytes after the object";
        }
        if (parsed.Seq < 1 || parsed.Prev.Equals(default(Range)) || parsed.Authority.Equals(default(Range)) || parsed.HashStart < 0)
        {
            return "missing seq, prev, hash or authority";
        }
        return null;
    }

    /// <summary>Reads the value of a top-level member whose name was just read, keeping the canonical checks.</summary>
    private static string? ReadTopLevelMember(ref Utf8JsonReader reader, ReadOnlySpan<byte> line, ref ParsedLine parsed, int nameStart, ref int end)
    {
        var name = reader.ValueSpan;
        if (name.SequenceEqual("seq"u8))
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out parsed.Seq)
                || (int)reader.TokenStartIndex != end + 1 || !IsCanonicalNumber(reader.ValueSpan))
            {
                return "seq is not a canonical integer";
            }
            end = (int)reader.TokenStartIndex + reader.ValueSpan.Length;
        }
        else if (name.SequenceEqual("prev"u8) || name.SequenceEqual("hash"u8) || name.SequenceEqual("authority"u8))
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || (int)reader.TokenStartIndex != end + 1)
            {
                return $"{Encoding.UTF8.GetString(name)} is not a plain string";
            }
            var value = reader.ValueSpan;
            var range = new Range((int)reader.TokenStartIndex + 1, (int)reader.TokenStartIndex + 1 + value.Length);
            end = (int)reader.TokenStartIndex + value.Length + 2;
            if (name[0] == (byte)'a')
            {
                parsed.Authority = range;
            }
            else if (!IsLowerHex64(value))
            {
                return $"{Encoding.UTF8.GetString(name)} is not 64 lowercase hex digits";
            }
            else if (name[0] == (byte)'p')
            {
                parsed.Prev = range;
            }
            else
            {
                parsed.Hash = range;
                if (end >= line.Length || line[end] != (byte)',')
                {
                    return "hash is not followed by prev";
                }
                parsed.HashStart = nameStart;
                parsed.HashEnd = end + 1;
            }
        }
        return null;
    }

    private static bool IsLowerHex64(ReadOnlySpan<byte> value)
    {
        if (value.Length != 64)
        {
            return false;
        }
        foreach (var b in value)
        {
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f')))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Strictly increasing in UTF-16 code units (RFC 8785 §3.2.3); equal names are duplicates.</summary>
    private static bool IsOrdered(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> current)
    {
        // For ASCII without escapes, byte order is UTF-16 order; the hub's member names are all of that kind.
        if (previous.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7e) < 0 && current.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7e) < 0
            && previous.IndexOf((byte)'\\') < 0 && current.IndexOf((byte)'\\') < 0)
        {
            return previous.SequenceCompareTo(current) < 0;
        }
        return string.CompareOrdinal(Unescape(previous), Unescape(current)) < 0;
    }

    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        var quoted = new byte[raw.Length + 2];
        quoted[0] = quoted[^1] = (byte)'"';
        raw.CopyTo(quoted.AsSpan(1));
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        return reader.GetString()!;
    }

    /// <summary>The escapes RFC 8785 §3.2.2.2 produces, and only them (the reader already rejected raw control characters).</summary>
    private static bool IsCanonicalEscaping(ReadOnlySpan<byte> raw)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != (byte)'\\')
            {
                continue;
            }
            var c = raw[++i];
            if (c is (byte)'"' or (byte)'\\' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
            {
                continue;
            }
            // Only \u00xx for a control character that has no short form, in lower case.
            if (c != (byte)'u' || raw[i + 1] != (byte)'0' || raw[i + 2] != (byte)'0' || raw[i + 3] is not ((byte)'0' or (byte)'1'))
            {
                return false;
            }
            var low = raw[i + 4];
            if (low is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f')))
            {
                return false;
            }
            var code = ((raw[i + 3] - '0') << 4) | (low <= '9' ? low - '0' : low - 'a' + 10);
            if (code is 0x08 or 0x09 or 0x0a or 0x0c or 0x0d)
            {
                return false;
            }
            i += 4;
        }
        return true;
    }

    private static bool IsCanonicalNumber(ReadOnlySpan<byte> raw)
    {
        // Fast path: the hub writes small integers; "0", or no leading zero, no "-0", at most 15 digits (< 2^53).
        var digits = raw[0] == (byte)'-' ? raw[1..] : raw;
        if (digits.Length is > 0 and <= 15 && digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
        {
            return digits[0] != (byte)'0' || (digits.Length == 1 && raw.Length == 1);
        }
        var text = Encoding.ASCII.GetString(raw);
        try
        {
            return CanonicalJson.FormatNumberLiteral(text) == text;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
