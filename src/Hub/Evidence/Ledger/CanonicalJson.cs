using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace IntegrationHub.Evidence.Ledger;

/// <summary>
/// RFC 8785 JSON Canonicalization Scheme (JCS): UTF-8, object members sorted by the UTF-16 code units of their
/// names, no insignificant whitespace, the JCS string escapes (only <c>"</c>, <c>\</c> and U+0000–U+001F are
/// escaped, with <c>\b \t \n \f \r</c> and otherwise <c>\u00xx</c> in lower case) and numbers in ECMAScript
/// <c>Number.prototype.toString</c> form. Anyone can recompute a ledger hash with a JCS library of any language.
/// </summary>
/// <remarks>
/// Numbers follow JCS exactly (IEEE 754 doubles), with one guard: an integer literal outside ±2^53 is rejected
/// with <see cref="FormatException"/> rather than silently rounded to the nearest double, because the hub would
/// then hash a value other than the one it recorded. NaN and infinities cannot occur in JSON text. Duplicate
/// member names and lone surrogates (not I-JSON, RFC 7493) are rejected too.
/// </remarks>
public static class CanonicalJson
{
    private const long MaxExactInteger = 9_007_199_254_740_992; // 2^53

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The canonical UTF-8 bytes of <paramref name="value"/>.</summary>
    public static byte[] Serialize(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(value, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The canonical form of <paramref name="value"/> as a string (the UTF-16 view of the same text).</summary>
    public static string SerializeToString(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(value, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Canonicalises JSON text (any valid JSON, with or without whitespace).</summary>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        using var document = JsonDocument.ParseValue(ref reader);
        return Serialize(document.RootElement);
    }

    /// <summary>Writes the canonical UTF-8 bytes of <paramref name="value"/> to <paramref name="output"/>.</summary>
    public static void Write(JsonElement value, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(value, output);
                break;
            case JsonValueKind.Array:
                output.Write("["u8);
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Write(","u8);
                    }
                    first = false;
                    Write(item, output);
                }
                output.Write("]"u8);
                break;
            case JsonValueKind.String:
                WriteString(value.GetString()!, output);
                break;
            case JsonValueKind.Number:
                WriteAscii(FormatNumberLiteral(value.GetRawText()), output);
                break;
            case JsonValueKind.True:
                output.Write("true"u8);
                break;
            case JsonValueKind.False:
                output.Write("false"u8);
                break;
            case JsonValueKind.Null:
                output.Write("null"u8);
                break;
            default:
                throw new ArgumentException($"A JSON value is required, not {value.ValueKind}.", nameof(value));
        }
    }

    private static void WriteObject(JsonElement value, IBufferWriter<byte> output)
    {
        var members = new List<(string Name, JsonElement Value)>();
        foreach (var property in value.EnumerateObject())
        {
            members.Add((property.Name, property.Value));
        }
        // Ordinal string comparison in .NET compares UTF-16 code units, which is what RFC 8785 §3.2.3 prescribes.
        members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        output.Write("{"u8);
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                if (string.Equals(members[i - 1].Name, members[i].Name, StringComparison.Ordinal))
                {
                    throw new FormatException($"Duplicate JSON member name '{members[i].Name}': not canonicalisable (RFC 8785 requires I-JSON).");
                }
                output.Write(","u8);
            }
            WriteString(members[i].Name, output);
            output.Write(":"u8);
            Write(members[i].Value, output);
        }
        output.Write("}"u8);
    }

    /// <summary>Writes a JSON string with the JCS escapes (RFC 8785 §3.2.2.2).</summary>
    public static void WriteString(string value, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(output);
        output.Write("\""u8);
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }
            WriteUtf8(value.AsSpan(start, i - start), output);
            start = i + 1;
            switch (c)
            {
                case '"': output.Write("\\\""u8); break;
                case '\\': output.Write("\\\\"u8); break;
                case '\b': output.Write("\\b"u8); break;
                case '\t': output.Write("\\t"u8); break;
                case '\n': output.Write("\\n"u8); break;
                case '\f': output.Write("\\f"u8); break;
                case '\r': output.Write("\\r"u8); break;
                default: WriteAscii(string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"), output); break;
            }
        }
        WriteUtf8(value.AsSpan(start), output);
        output.Write("\""u8);
    }

    private static void WriteUtf8(ReadOnlySpan<char> text, IBufferWriter<byte> output)
    {
        if (text.IsEmpty)
        {
            return;
        }
        try
        {
            var span = output.GetSpan(StrictUtf8.GetMaxByteCount(text.Length));
            output.Advance(StrictUtf8.GetBytes(text, span));
        }
        catch (EncoderFallbackException e)
        {
            throw new FormatException("A JSON string holds a lone surrogate: not canonicalisable (RFC 8785 requires I-JSON).", e);
        }
    }

    private static void WriteAscii(string text, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }
        output.Advance(text.Length);
    }

    /// <summary>The canonical form of a JSON number literal.</summary>
    internal static string FormatNumberLiteral(string literal)
    {
        var isIntegerLiteral = literal.AsSpan().IndexOfAny('.', 'e', 'E') < 0;
        if (isIntegerLiteral)
        {
            if (!long.TryParse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
                || integer > MaxExactInteger || integer < -MaxExactInteger)
            {
                throw new FormatException(
                    $"The integer {literal} is outside ±2^53: RFC 8785 would round it to a double. Record it as a string.");
            }
            return integer.ToString(CultureInfo.InvariantCulture);
        }
        return FormatDouble(double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// ECMAScript <c>Number.prototype.toString</c> (ECMA-262 Number::toString, RFC 8785 §3.2.2.3): the shortest
    /// round-tripping digits, plain notation for 1e-6 ≤ |x| &lt; 1e21, else <c>d.ddde±n</c>.
    /// </summary>
    public static string FormatDouble(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new FormatException($"{value} has no JSON representation (RFC 8785 §3.2.2.3).");
        }
        if (value == 0)
        {
            return "0"; // -0 too
        }
        // .NET's "R" is the shortest round-trip representation; only its layout differs from ECMAScript's.
        var r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? r : r[..e];
        var exponent = e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = point < 0 ? mantissa : string.Concat(mantissa.AsSpan(0, point), mantissa.AsSpan(point + 1));
        var n = (point < 0 ? mantissa.Length : point) + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        n -= leadingZeros;
        var k = digits.Length;

        var sb = new StringBuilder(32);
        if (value < 0)
        {
            sb.Append('-');
        }
        if (k <= n && n <= 21)
        {
            sb.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            sb.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            sb.Append(digits[0]);
            if (k > 1)
            {
                sb.Append('.').Append(digits, 1, k - 1);
            }
            sb.Append('e').Append(n - 1 < 0 ? '-' : '+').Append(Math.Abs(n - 1).ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
