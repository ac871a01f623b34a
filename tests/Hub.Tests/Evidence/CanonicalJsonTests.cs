using System.Text;
using System.Text.Json;
using IntegrationHub.Evidence.Ledger;
using Xunit;

namespace IntegrationHub.Tests.Evidence;

public sealed class CanonicalJsonTests
{
    private static string Canonical(string json) => Encoding.UTF8.GetString(CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Canonicalize_Rfc8785Section322Example_MatchesTheRfc()
    {
        var input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;
        Assert.Equal(
            """{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""",
            Canonical(input));
    }

    [Fact]
    public void Canonicalize_Rfc8785Section323Example_SortsByUtf16CodeUnits()
    {
        var input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """;
        var names = JsonDocument.Parse(Canonical(input)).RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"], names);
        // U+1F600 (a surrogate pair, D83D…) sorts before U+FB33 in UTF-16 although it is after it in code points.
        Assert.StartsWith("""{"\r":"Carriage Return","1":"One",""", Canonical(input), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x0000000000000000L, "0")]
    [InlineData(unchecked((long)0x8000000000000000UL), "0")]
    [InlineData(0x0000000000000001L, "5e-324")]
    [InlineData(unchecked((long)0x8000000000000001UL), "-5e-324")]
    [InlineData(0x7fefffffffffffffL, "1.7976931348623157e+308")]
    [InlineData(unchecked((long)0xffefffffffffffffUL), "-1.7976931348623157e+308")]
    [InlineData(0x4340000000000000L, "9007199254740992")]
    [InlineData(unchecked((long)0xc340000000000000UL), "-9007199254740992")]
    [InlineData(0x4430000000000000L, "295147905179352830000")]
    [InlineData(0x44b52d02c7e14af5L, "9.999999999999997e+22")]
    [InlineData(0x44b52d02c7e14af6L, "1e+23")]
    [InlineData(0x44b52d02c7e14af7L, "1.0000000000000001e+23")]
    [InlineData(0x444b1ae4d6e2ef4eL, "999999999999999700000")]
    [InlineData(0x444b1ae4d6e2ef4fL, "999999999999999900000")]
    [InlineData(0x444b1ae4d6e2ef50L, "1e+21")]
    [InlineData(0x3eb0c6f7a0b5ed8cL, "9.999999999999997e-7")]
    [InlineData(0x3eb0c6f7a0b5ed8dL, "0.000001")]
    [InlineData(0x41b3de4355555553L, "333333333.3333332")]
    [InlineData(0x41b3de4355555554L, "333333333.33333325")]
    [InlineData(0x41b3de4355555555L, "333333333.3333333")]
    [InlineData(0x41b3de4355555556L, "333333333.3333334")]
    [InlineData(0x41b3de4355555557L, "333333333.33333343")]
    [InlineData(unchecked((long)0xbecbf647612f3696UL), "-0.0000033333333333333333")]
    [InlineData(0x43143ff3c1cb0959L, "1424953923781206.2")]
    public void FormatDouble_Rfc8785AppendixB_MatchesEcmaScript(long bits, string expected) =>
        Assert.Equal(expected, CanonicalJson.FormatDouble(BitConverter.Int64BitsToDouble(bits)));

    [Theory]
    [InlineData("""{"b":[1,[2,[3,{"z":0,"a":-0}]]],"a":{}}""", """{"a":{},"b":[1,[2,[3,{"a":0,"z":0}]]]}""")]
    [InlineData("[ 1.0 , 10 , 1e2 , -0.0 , 123456789012 ]", "[1,10,100,0,123456789012]")]
    [InlineData("\"\\u0001\\b\\t\\n\\f\\r\\u001f\\u007f\\u2028é\\ud83d\\ude00\"", "\"\\u0001\\b\\t\\n\\f\\r\\u001f\u007f\u2028é😀\"")]
    [InlineData("""{"é":1,"e":2,"E":3,"ab":4,"a":5}""", """{"E":3,"a":5,"ab":4,"e":2,"é":1}""")]
    public void Canonicalize_EdgeCases_AreCanonical(string input, string expected) => Assert.Equal(expected, Canonical(input));

    [Theory]
    [InlineData("9007199254740993")]
    [InlineData("-12345678901234567890")]
    public void Canonicalize_IntegerBeyondTwoPower53_IsRejected(string literal)
    {
        var e = Assert.Throws<FormatException>(() => Canonical($"{{\"n\":{literal}}}"));
        Assert.Contains("2^53", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Canonicalize_DuplicateNames_AreRejected() =>
        Assert.Throws<FormatException>(() => Canonical("""{"a":1,"a":2}"""));

    [Fact]
    public void Canonicalize_IsIdempotent()
    {
        var once = Canonical("""{ "z": [ {"y": "\u00e9", "x": 1.50} ], "a": null }""");
        Assert.Equal(once, Canonical(once));
    }
}
